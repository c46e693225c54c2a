-- Yi et al. 2025 (arXiv 2510.16657): verified retraining on linear regression. Round 1 is OLS on
-- n0 real samples; each later round the current model labels fresh covariates, a knowledge-ball
-- verifier keeps the labels within r‖x‖ + σc of its centre θc's prediction, and OLS is refitted
-- on what was kept. Compared: a perfect verifier (θc = θ*), a slightly and a strongly biased
-- one, and the unverified replace loop.
--
--   ouro run scripts/verified_regression.lua [d=5] [n0=20] [samples=500] [rounds=30] [seeds=20] [out=runs/verified_regression]
local T = ouro.tensor
local a = ouro.args{
  {"d", 5, "features", min = 1},
  {"n0", 20, "real samples of the first model", min = 1},
  {"samples", 500, "synthetic samples per round", min = 1},
  {"rounds", 30, "rounds of verified retraining", min = 1},
  {"seeds", 20, "independent repetitions", min = 1},
  {"out", "runs/verified_regression", "folder for the run records and plots"},
}
local d, n0, samples, rounds, nseeds, out = a.d, a.n0, a.samples, a.rounds, a.seeds, a.out
local sigma = 1.0
local seeds = {}
for i = 1, nseeds do seeds[i] = i end

local theta = T.ones({d}) / math.sqrt(d)                       -- θ*, ‖θ*‖ = 1
local direction = ouro.rng(99):normal({d}); direction = direction / direction:norm()
local verifiers = {
  {name = "perfect verifier", center = theta},
  {name = "slightly biased", center = theta + direction * 0.3},
  {name = "strongly biased", center = theta + direction * 1.0},
  {name = "no verifier (replace)"},
}

local function real(seed)
  local g = ouro.rng(seed):split("data")
  local X, Xt = g:normal({n0, d}), g:normal({2000, d})
  return T.cat({X, (X:mm(theta) + g:normal({n0}) * sigma):reshape({n0, 1})}, 2),
         T.cat({Xt, Xt:mm(theta):reshape({2000, 1})}, 2)
end

local results = {}
for i, v in ipairs(verifiers) do
  local r = ouro.loop{
    name = "verified-" .. i,
    model = function() return ouro.models.linear_regression{noise = sigma, truth = {w = theta}, covariates = "fresh"} end,
    real = real, generations = rounds, samples = samples, workflow = "replace", seeds = seeds,
    verifier = v.center and ouro.plugin("knowledge_ball", {center = v.center, radius = 0.1, sigma = 0.2}) or nil,
    metrics = ouro.plugin("param_distance", {reference = v.center or theta}),
    out = out .. "/" .. i,
  }()
  r.workflow = v.name
  results[i] = r
end

ouro.plot{file = out .. "/distance_to_truth.svg", runs = results, metric = "param_sq_err", logy = true,
  title = string.format("Verified retraining d=%d n0=%d: mean of %d seeds ± 95%% CI", d, n0, nseeds),
  xlabel = "round", ylabel = "‖θ̂ − θ*‖²"}
ouro.plot{file = out .. "/distance_to_center.svg", runs = {results[1], results[2], results[3]}, metric = "param_dist_sq", logy = true,
  title = string.format("Distance to the verifier's centre: mean of %d seeds ± 95%% CI", nseeds),
  xlabel = "round", ylabel = "‖θ̂ − θc‖²"}

print(string.format("Verified retraining, d = %d, n0 = %d, %d samples per round, mean over %d seeds", d, n0, samples, nseeds))
print(string.format("%-24s %8s %14s %14s %12s %14s", "verifier", "round", "‖θ̂ − θ*‖²", "‖θ̂ − θc‖²", "accepted", "‖θ* − θc‖²"))
for i, v in ipairs(verifiers) do
  local m = results[i].metrics
  local gap = v.center and ((v.center - theta) * (v.center - theta)):sum() or 0
  for _, k in ipairs({1, 2, 5, rounds}) do
    if k <= rounds then
      print(string.format("%-24s %8d %14.4f %14.4f %12s %14.4f", v.name, k, m.param_sq_err:select(2, k):mean(),
        m.param_dist_sq:select(2, k):mean(),
        m.accepted_frac and k < rounds and string.format("%.3f", m.accepted_frac:select(2, k):mean()) or "—", gap))
    end
  end
end
print("plots: " .. out .. "/distance_to_truth.svg, " .. out .. "/distance_to_center.svg")
