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

-- Fine-tuning on prompt/response pairs: the loss counts the responses only, base= starts from a fitted model.
local letters = "abcdefgh"
local function pairs_for(g, n)
  local list = {}
  for i = 1, n do
    local k = g:integers(1, 8, {1})[1]
    local c = letters:sub(k, k)
    local nxt = letters:sub(k % 8 + 1, k % 8 + 1)
    list[i] = {prompt = "Q " .. c .. "? ", response = (nxt .. " "):rep(3)}
  end
  return ouro.data.documents(list)
end
local train, test = pairs_for(ouro.rng(5), 200), pairs_for(ouro.rng(6), 40)
assert(train:is_pairs() and train:prompt(1):sub(1, 2) == "Q ")
local base = ouro.models.gpt{layers = 1, heads = 2, dim = 32, context = 32, batch = 16, steps = 60, lr = 3e-3, warmup = 5}
base:fit(docs, ouro.rng(7))
local before = base:evaluate(test).test_ce
local tuned = ouro.models.gpt{base = base, steps = 150, lr = 3e-3, warmup = 5, batch = 16}
expect_error("'dim' comes from the base model", ouro.models.gpt, {base = base, dim = 64})
tuned:fit(train, ouro.rng(8))
local after = tuned:evaluate(test).test_ce
assert(after < 0.25 * before, ("fine-tuning lowers the response CE: %.3f → %.3f"):format(before, after))
near(base:evaluate(test).test_ce, before, 0, "the base model is left as it was")
local answers = tuned:sample(2, ouro.rng(9), {prompts = {"Q c? ", "Q h? "}, temperature = 0, max_tokens = 6})
assert(answers:response(1) == "d d d " and answers:response(2) == "a a a ", answers:response(1) .. "|" .. answers:response(2))

-- Text in ouro.loop: the pool holds documents, a verifier sees Lua strings, drift metrics per generation.
local seen
local run = ouro.loop{name = "text", model = function() return ouro.models.gpt{base = base, steps = 20, batch = 8, lr = 3e-3, warmup = 2, max_tokens = 8, describe = 16} end,
  real = train:sub({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}), test = test, generations = 2, workflow = "accumulate", seed = 1, threads = 1,
  verifier = function(batch, ctx)
    seen = seen or {n = #batch, first = batch[1], prompt = ctx.prompts[1]}
    local keep = {}
    for i = 1, #batch do keep[i] = #batch[i] > 0 and 1 or 0 end
    return keep
  end}
local r = run()
assert(seen and type(seen.first) == "string" and seen.n == 16 and seen.prompt:sub(1, 2) == "Q ", "the verifier sees the responses as strings and the prompts in ctx.prompts")
for _, k in ipairs({"test_ce", "bits_per_byte", "mean_bytes", "distinct_2", "truncated", "accepted_frac"}) do
  assert(r.metrics[k] and r.metrics[k]:shape()[2] == 2, "metric " .. k .. " recorded per generation")
end
assert(r.metrics.mean_bytes[1][1] > 0 and r.metrics.distinct_2[1][1] > 0 and r.metrics.distinct_2[1][1] <= 1)
-- the kinds of data and model must match
expect_error("trains on documents (ouro.data.text), not on a tensor", ouro.loop{name = "t", model = function() return ouro.models.gpt{base = base, steps = 1} end, real = T.zeros({4, 2}), generations = 1, seed = 1})
expect_error("this model trains on tensors, not on 200 prompt/response pairs", ouro.loop{name = "g", model = function() return ouro.models.gaussian{} end, real = train, generations = 1, seed = 1})
