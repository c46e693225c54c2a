-- KDE log-likelihood through ouro on data written by bench/kde_bench.py:
--   ouro run bench/kde_eval.lua train.npy test.npy h out.npy
-- Prints the best of 3 timings (fit + log_prob) in seconds and writes the log densities.
local T = ouro.tensor
local train, test, h, out = T.load(arg[1]), T.load(arg[2]), tonumber(arg[3]), arg[4]
local best, lp = math.huge, nil
for _ = 1, 3 do
  local dt
  dt, lp = ouro.timeit(function() return ouro.models.kde{bandwidth = h}:fit(train):log_prob(test) end)
  best = math.min(best, dt)
end
lp:save(out)
print(string.format("%.6f", best))
