-- Kazdan et al. 2024, Figure 1 (and its accumulate-subsample panel): multivariate Gaussian
-- fitting under replace, accumulate and accumulate-subsample, with the closed forms overlaid.
--
--   ouro run scripts/gaussian.lua [d=10] [n=100] [generations=100] [seeds=20] [out=runs/gaussian]
--
-- Truth N(0, I_d); n real samples; each generation draws n samples from the fitted model
-- (MLE covariance). Writes run records under out/<workflow>/ and two plots, each the mean over
-- seeds with a band that is the 95% confidence interval of that mean, and the closed forms dashed:
--   out/mean_sq_err.svg        ‖μ̂_t − μ₀‖² (log scale)
--   out/cov_log_det_ratio.svg  log det(Σ̂_t Σ₀⁻¹), the log of the fitted covariance's volume
-- (tr Σ̂_t / tr Σ₀ is recorded too, but under replace it is a product of random factors whose mean
-- a few seeds dominate; the mean of the log determinant — the log of the geometric mean — has an
-- exact closed form and is what the table and the plot compare.)
local T = ouro.tensor
local a = ouro.args{
  {"d", 10, "dimension of the Gaussian", min = 1},
  {"n", 100, "samples per generation", min = 2},
  {"generations", 100, "generations after the first fit", min = 1},
  {"seeds", 20, "independent chains per workflow (seeds 1…seeds)", min = 1},
  {"out", "runs/gaussian", "folder for the run records and plots"},
  workflow = {"all", "run one workflow only", choices = {"all", "replace", "accumulate", "accumulate-subsample"}},
  seed = {type = "integer", help = "run this one seed instead of seeds 1…seeds, records only, no plots (what a sweep's task does)", min = 0},
}
local d, n, generations, nseeds, out = a.d, a.n, a.generations, a.seeds, a.out
local workflows = a.workflow == "all" and {"replace", "accumulate", "accumulate-subsample"} or {a.workflow}

local truth = {mean = T.zeros({d}), cov = T.eye(d)}
local seeds = {}
for i = 1, nseeds do seeds[i] = i end
if a.seed then seeds, nseeds = {a.seed}, 1 end

local results = {}
for _, workflow in ipairs(workflows) do
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

local th = {
  replace = ouro.theory.gaussian{workflow = "replace", n = n, d = d, trace = d, generations = generations},
  accumulate = ouro.theory.gaussian{workflow = "accumulate", n = n, trace = d, generations = generations},
}
local runs = {}
for _, wf in ipairs(workflows) do runs[#runs + 1] = results[wf] end
local function theory(metric)
  local curves = {}
  for _, wf in ipairs({"replace", "accumulate"}) do
    if results[wf] and th[wf][metric] then curves[#curves + 1] = {name = wf .. " (theory)", y = th[wf][metric]} end
  end
  return curves
end
-- One seed= (a sweep's task) records only: the sweep's report plots every task's records together.
if not a.seed then
  local band = string.format("Gaussian d=%d n=%d: mean of %d seeds ± 95%% CI", d, n, nseeds)
  ouro.plot{file = out .. "/mean_sq_err.svg", title = band, ylabel = "‖μ̂ − μ₀‖²", logy = true, runs = runs, metric = "mean_sq_err",
    theory = theory("mean_sq_err")}
  ouro.plot{file = out .. "/cov_log_det_ratio.svg", title = band, ylabel = "log det(Σ̂ Σ₀⁻¹)", runs = runs, metric = "cov_log_det_ratio",
    theory = theory("cov_log_det_ratio")}
end

--- Mean over seeds at generation t, with two standard errors.
local function cell(m, t)
  local col = m:select(2, t)
  if col:numel() < 2 then return string.format("%9.4f ± %-7s", col:mean(), "—") end
  return string.format("%9.4f ± %-7.4f", col:mean(), 2 * col:std({unbiased = true}) / math.sqrt(col:numel()))
end
print(string.format("Gaussian fitting, d = %d, n = %d: mean over %d seeds ± 2 standard errors (theory: the closed forms)", d, n, nseeds))
print(string.format("%-22s %5s %20s %9s %20s %9s", "workflow", "gen", "mean_sq_err", "(theory)", "log det ratio", "(theory)"))
for _, wf in ipairs(workflows) do
  for _, t in ipairs({1, 10, generations}) do
    if t <= generations then
      local r = results[wf].metrics
      local ld = th[wf] and th[wf].cov_log_det_ratio
      print(string.format("%-22s %5d %20s %9s %20s %9s", wf, t,
        cell(r.mean_sq_err, t), th[wf] and string.format("%.4f", th[wf].mean_sq_err[t]) or "—",
        cell(r.cov_log_det_ratio, t), ld and string.format("%.3f", ld[t]) or "—"))
    end
  end
end
if not a.seed then print("plots: " .. out .. "/mean_sq_err.svg, " .. out .. "/cov_log_det_ratio.svg") end
