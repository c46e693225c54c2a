-- The Gaussian grid slice that bench/gaussian_numpy.py also runs: same procedure, same metrics
-- (mean_sq_err, cov_trace_ratio; no held-out NLL), no run folder (the peer writes no files).
--   ouro run bench/gaussian_slice.lua d n seeds generations threads [workflows, comma-separated]
local T = ouro.tensor
local d, n = tonumber(arg[1]) or 10, tonumber(arg[2]) or 100
local nseeds, generations = tonumber(arg[3]) or 20, tonumber(arg[4]) or 100
local threads = tonumber(arg[5]) or 1
local workflows = {}
for w in (arg[6] or "replace,accumulate,accumulate-subsample"):gmatch("[^,]+") do workflows[#workflows + 1] = w end
local truth = {mean = T.zeros({d}), cov = T.eye(d)}
local seeds = {}
for i = 1, nseeds do seeds[i] = i - 1 end
local total, summary = 0, {}
for _, wf in ipairs(workflows) do
  local run = ouro.loop{
    name = "slice", model = function() return ouro.models.gaussian{truth = truth} end,
    real = function(seed) return ouro.rng(seed):normal({n, d}) end,
    generations = generations, samples = n, workflow = wf, seeds = seeds, threads = threads,
  }
  local dt, r = ouro.timeit(run)
  total = total + dt
  summary[#summary + 1] = string.format('"%s/d%d/n%d": {"mean_sq_err_final": %.6g, "cov_trace_ratio_final": %.6g}', wf, d, n,
    r.metrics.mean_sq_err:select(2, generations):mean(), r.metrics.cov_trace_ratio:select(2, generations):mean())
end
print(string.format('{"seconds": %.6f, "runs": %d, "generations": %d, "threads": %d, "summary": {%s}}',
  total, #workflows * nseeds, generations, threads, table.concat(summary, ", ")))
