-- ouro side of the three-generation GPT check (bench/gpt_torch.py --generations is the PyTorch
-- side): the benchmark's network and training (4 layers, 4 heads, dim 128, context 128, batch 32,
-- byte-level, AdamW, 300 steps) on the fortunes' training split, in ouro.loop under replace and
-- accumulate, each generation sampling as many documents as the real set holds (temperature 1).
-- Prints one JSON line: the held-out test CE per generation for each workflow.
--   ouro run bench/gpt_generations.lua [generations=3] [steps=300] [out=]
local generations, steps, out = tonumber(arg[1]) or 3, tonumber(arg[2]) or 300, arg[3]
local train, test = ouro.data.text{split = "train"}, ouro.data.text{split = "test"}
local t0 = os.time()
local parts = {}
for _, w in ipairs({"replace", "accumulate"}) do
  local r = ouro.loop{name = "gpt-generations", workflow = w, generations = generations, seed = 0,
    model = function() return ouro.models.gpt{steps = steps, describe = 0} end,
    real = train, test = test, out = out and (out .. "/" .. w) or nil}()
  local ce = {}
  for g = 1, generations do ce[g] = ("%.5f"):format(r.metrics.test_ce[1][g]) end
  parts[#parts + 1] = ('"%s": [%s]'):format(w, table.concat(ce, ", "))
end
print(("{%s, \"seconds\": %d}"):format(table.concat(parts, ", "), os.time() - t0))
