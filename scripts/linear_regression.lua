-- Gerstgrasser et al. 2024 (and Kazdan et al.): linear regression with a fixed design X (T×d);
-- each generation relabels X with the previous fit plus N(0, σ²) noise. Replace's error grows
-- linearly, accumulate's stays below π²/6 times the first; theory curves overlaid.
--
--   ouro run scripts/linear_regression.lua [d=10] [T=100] [sigma2=1] [generations=50] [seeds=50] [out=runs/linear_regression]
local T = ouro.tensor
local a = ouro.args{
  {"d", 10, "features", min = 1},
  {"T", 100, "samples per generation", min = 1},
  {"sigma2", 1.0, "noise variance", min = 0},
  {"generations", 50, "generations after the first fit", min = 1},
  {"seeds", 50, "independent chains per workflow", min = 1},
  {"out", "runs/linear_regression", "folder for the run records and plots"},
}
local d, Tn, sigma2, generations, nseeds, out = a.d, a.T, a.sigma2, a.generations, a.seeds, a.out
local sigma = math.sqrt(sigma2)
local seeds = {}
for i = 1, nseeds do seeds[i] = i end
local w = T.ones({d}) / math.sqrt(d)                     -- w*, ‖w*‖ = 1

-- Rows are [x | y]: an isotropic design and noisy labels; the test set is labelled without noise.
local function data(seed)
  local g = ouro.rng(seed):split("data")
  local X, Xt = g:normal({Tn, d}), g:normal({1000, d})
  return T.cat({X, (X:mm(w) + g:normal({Tn}) * sigma):reshape({Tn, 1})}, 2),
         T.cat({Xt, Xt:mm(w):reshape({1000, 1})}, 2)
end

local runs = {}
for _, workflow in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  runs[#runs + 1] = ouro.loop{
    name = string.format("linreg-d%d-T%d", d, Tn),
    model = function() return ouro.models.linear_regression{noise = sigma, truth = {w = w}} end,
    real = data, generations = generations, workflow = workflow, seeds = seeds,
    out = out .. "/" .. workflow,
  }()
end
local th = {}
for _, wf in ipairs({"replace", "accumulate"}) do
  th[wf] = ouro.theory.linear_regression{workflow = wf, d = d, T = Tn, sigma2 = sigma2, generations = generations}
end
for _, metric in ipairs({"param_sq_err", "test_mse"}) do
  ouro.plot{file = out .. "/" .. metric .. ".svg", runs = runs, metric = metric, logy = true,
    title = string.format("Linear regression d=%d T=%d σ²=%g: mean of %d seeds ± 95%% CI", d, Tn, sigma2, nseeds),
    xlabel = "generation", ylabel = metric == "param_sq_err" and "‖ŵ − w*‖²" or "test MSE (noiseless target)",
    theory = {{name = "replace (theory)", y = th.replace}, {name = "accumulate (theory)", y = th.accumulate}}}
end
print(string.format("Linear regression, d = %d, T = %d, σ² = %g: ‖ŵ − w*‖², mean over %d seeds", d, Tn, sigma2, nseeds))
print(string.format("%-22s %10s %12s %12s", "workflow", "generation", "simulated", "theory"))
for i, wf in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  for _, t in ipairs({1, 10, generations}) do
    if t <= generations then
      print(string.format("%-22s %10d %12.4f %12s", wf, t, runs[i].metrics.param_sq_err:select(2, t):mean(),
        th[wf] and string.format("%.4f", th[wf][t]) or "—"))
    end
  end
end
print("plots: " .. out .. "/param_sq_err.svg, " .. out .. "/test_mse.svg")
