-- Kazdan et al. 2024, Figure 1 (and its accumulate-subsample panel): multivariate Gaussian
-- fitting under replace, accumulate and accumulate-subsample, with the closed forms overlaid.
--
--   ouro run scripts/gaussian.lua [d=10] [n=100] [generations=100] [seeds=20] [out=runs/gaussian]
--
-- Truth N(0, I_d); n real samples; each generation draws n samples from the fitted model
-- (MLE covariance). Writes run records under out/<workflow>/ and two plots:
--   out/mean_sq_err.svg      ‖μ̂_t − μ₀‖² (log scale)
--   out/cov_trace_ratio.svg  tr Σ̂_t / tr Σ₀
local T = ouro.tensor
local d = tonumber(arg[1]) or 10
local n = tonumber(arg[2]) or 100
local generations = tonumber(arg[3]) or 100
local nseeds = tonumber(arg[4]) or 20
local out = arg[5] or "runs/gaussian"

local truth = {mean = T.zeros({d}), cov = T.eye(d)}
local seeds = {}
for i = 1, nseeds do seeds[i] = i end

local results = {}
for _, workflow in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  local run = ouro.loop{
    name = string.format("gaussian-d%d-n%d", d, n),
    model = function(seed) return ouro.models.gaussian{truth = truth} end,
    real = function(seed)
      local g = ouro.rng(seed):split("data")
      return g:normal({n, d}), g:normal({1000, d})      -- training and held-out test data
    end,
    generations = generations, samples = n, workflow = workflow, seeds = seeds,
    out = out .. "/" .. workflow,
  }
  local seconds
  seconds, results[workflow] = ouro.timeit(run)
  io.stderr:write(string.format("%-22s %d seeds × %d generations in %.2fs\n", workflow, nseeds, generations, seconds))
end

local th = {}
for _, wf in ipairs({"replace", "accumulate"}) do
  th[wf] = ouro.theory.gaussian{workflow = wf, n = n, trace = d, generations = generations}
end
local runs = {results.replace, results.accumulate, results["accumulate-subsample"]}
for _, metric in ipairs({"mean_sq_err", "cov_trace_ratio"}) do
  ouro.plot{
    file = out .. "/" .. metric .. ".svg",
    title = string.format("Gaussian d=%d n=%d, %d seeds (mean, 95%% band)", d, n, nseeds),
    xlabel = "generation", ylabel = metric == "mean_sq_err" and "‖μ̂ − μ₀‖²" or "tr Σ̂ / tr Σ₀",
    logy = metric == "mean_sq_err",
    runs = runs, metric = metric,
    theory = {{name = "replace (theory)", y = th.replace[metric]}, {name = "accumulate (theory)", y = th.accumulate[metric]}},
  }
end

print(string.format("Gaussian fitting, d = %d, n = %d, mean over %d seeds", d, n, nseeds))
print(string.format("%-22s %10s %12s %12s %12s %12s", "workflow", "generation", "mean_sq_err", "(theory)", "tr ratio", "(theory)"))
for _, wf in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  for _, t in ipairs({1, 10, generations}) do
    if t <= generations then
      local r = results[wf].metrics
      print(string.format("%-22s %10d %12.4f %12s %12.4f %12s", wf, t,
        r.mean_sq_err:select(2, t):mean(), th[wf] and string.format("%.4f", th[wf].mean_sq_err[t]) or "—",
        r.cov_trace_ratio:select(2, t):mean(), th[wf] and string.format("%.4f", th[wf].cov_trace_ratio[t]) or "—"))
    end
  end
end
print("plots: " .. out .. "/mean_sq_err.svg, " .. out .. "/cov_trace_ratio.svg")
