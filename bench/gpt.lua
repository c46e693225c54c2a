-- ouro side of the GPT benchmark (bench/gpt_torch.py is the PyTorch side): the same network,
-- training and data. Prints one JSON line.
--   ouro run bench/gpt.lua fit [steps=300]        — train, then test_ce on the held-out split
--   ouro run bench/gpt.lua time [steps=30]        — training tokens/s over that many steps
--   ouro run bench/gpt.lua sample [n=64] [cache=1] — sampling tokens/s of n documents (cache=0: recompute the prefix)
local mode, n = arg and arg[1] or "fit", tonumber(arg and arg[2])
local train = ouro.data.text{split = "train"}
if mode == "fit" then
  local steps = n or 300
  local m = ouro.models.gpt{steps = steps}
  local secs = ouro.timeit(function() m:fit(train, ouro.rng(0)) end)
  local e = m:evaluate(ouro.data.text{split = "test"})
  print(('{"test_ce": %.5f, "bits_per_byte": %.5f, "train_loss_last_tenth": %.5f, "steps": %d, "train_seconds": %.2f, "tokens_per_s": %.1f}')
    :format(e.test_ce, e.bits_per_byte, m:train_loss(), steps, secs, steps * 32 * 128 / secs))
elseif mode == "time" then
  local steps = n or 30
  ouro.models.gpt{steps = 3}:fit(train, ouro.rng(0))     -- warm-up
  local m = ouro.models.gpt{steps = steps}
  local secs = ouro.timeit(function() m:fit(train, ouro.rng(0)) end)
  print(('{"tokens_per_s": %.1f, "seconds": %.3f}'):format(steps * 32 * 128 / secs, secs))
elseif mode == "sample" then
  local count, cache = n or 64, (tonumber(arg[3]) or 1) == 1
  local m = ouro.models.gpt{steps = 3}
  m:fit(train, ouro.rng(0))
  m:sample(4, ouro.rng(1), {max_tokens = 8, cache = cache})
  local docs, cut
  local secs = ouro.timeit(function() docs, cut = m:sample(count, ouro.rng(2), {batch = count, cache = cache}) end)
  local tokens = 0
  for i = 1, #docs do tokens = tokens + #m:tokenizer():encode(docs[i]) end
  tokens = tokens + (#docs - cut)          -- the end-of-document tokens drawn
  print(('{"tokens_per_s": %.1f, "seconds": %.3f, "tokens": %d}'):format(tokens / secs, secs, tokens))
end
