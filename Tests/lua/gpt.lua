-- ouro.models.gpt from Lua: train a tiny model on a pattern, evaluate, sample with and without
-- prompts, save and load; options checked.
local docs = {}
local unit = "abcdefgh "
local g = ouro.rng(1)
for i = 1, 100 do
  local phase = g:integers(0, 8, {1})[1]
  local s = (unit:rep(6)):sub(phase + 1, phase + 40)
  docs[i] = s
end
local m = ouro.models.gpt{layers = 1, heads = 2, dim = 32, context = 32, batch = 16, steps = 120, lr = 3e-3, warmup = 10}
assert(tostring(m):find("1 layers, 2 heads, dim 32"))
expect_error("before fit", m.evaluate, m, docs)
m:fit(docs, ouro.rng(2))
local e = m:evaluate(ouro.data.documents{docs[1], docs[2], docs[3]})
assert(e.test_ce < 0.8 and e.bits_per_byte > 0, "test_ce " .. e.test_ce)
assert(m:train_loss() < 1.5)
local out, cut = m:sample(2, ouro.rng(3), {prompts = {"abc", "gh "}, temperature = 0, max_tokens = 5})
assert(out:is_pairs() and out:prompt(1) == "abc" and out:response(1) == "defgh" and out:response(2) == "abcde", out:response(1) .. "|" .. out:response(2))
assert(cut == 2, "both stopped at max_tokens")
local free = m:sample(4, ouro.rng(4), {top_k = 3})
assert(#free == 4 and not free:is_pairs())
local path = os.tmpname()
m:save(path)
local m2 = ouro.models.gpt{layers = 1, heads = 2, dim = 32, context = 32}
m2:load(path)
near(m2:evaluate(docs).test_ce, m:evaluate(docs).test_ce, 0)
os.remove(path)
assert(#m:tokenizer() == 257 and m:num_parameters() > 10000)
expect_error("'vocab' is 300 but the tokenizer has 257", ouro.models.gpt, {vocab = 300})
expect_error("unknown option 'layer'", ouro.models.gpt, {layer = 2})
expect_error("divisible by heads", ouro.models.gpt, {dim = 30, heads = 4})
expect_error("'schedule' must be", ouro.models.gpt, {schedule = "linear"})
expect_error("leaves no room", m.sample, m, 1, ouro.rng(1), {prompts = {("x"):rep(40)}})
expect_error("1 prompts for 2 documents", m.sample, m, 2, ouro.rng(1), {prompts = {"a"}})
expect_error("temperature must be", m.sample, m, 1, ouro.rng(1), {temperature = -1})
