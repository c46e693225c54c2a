-- Yi et al. 2025's two claims on this implementation: one verified round beats OLS on the real
-- samples when the verifier is accurate; in the long run θ̂ converges to the verifier's centre.
local root = debug.getinfo(1, "S").source:match("^@(.*)/Tests/lua/[^/]*$") or "."
ouro.add_plugin_dir(root .. "/plugins")
local d, n0 = 4, 20
local theta = T.ones({d}) / 2
local biased = theta + T.new({0.5, -0.5, 0, 0})               -- ‖θ* − θc‖² = 0.5
local seeds = {}
for i = 1, 12 do seeds[i] = i end
local function run(center)
  return ouro.loop{
    model = function() return ouro.models.linear_regression{noise = 1, truth = {w = theta}, covariates = "fresh"} end,
    real = function(seed)
      local g = ouro.rng(seed)
      local X = g:normal({n0, d})
      return T.cat({X, (X:mm(theta) + g:normal({n0})):reshape({n0, 1})}, 2)
    end,
    generations = 10, samples = 300, workflow = "replace", seeds = seeds,
    verifier = ouro.plugin("knowledge_ball", {center = center, radius = 0.1, sigma = 0.2}),
    metrics = ouro.plugin("param_distance", {reference = center}),
  }()
end
local perfect, off = run(theta), run(biased)
local function mean(r, metric, k) return r.metrics[metric]:select(2, k):mean() end

-- near term: a single verified round already beats OLS on the n0 real samples
assert(mean(perfect, "param_sq_err", 2) < 0.5 * mean(perfect, "param_sq_err", 1),
  string.format("round 2 %.4f vs round 1 %.4f", mean(perfect, "param_sq_err", 2), mean(perfect, "param_sq_err", 1)))
-- long term: the distance to θc goes to ~0 and the distance to θ* to ‖θ* − θc‖²
assert(mean(off, "param_dist_sq", 10) < 0.02, "‖θ̂ − θc‖² at round 10: " .. mean(off, "param_dist_sq", 10))
near(mean(off, "param_sq_err", 10), 0.5, 0.1, "‖θ̂ − θ*‖² tends to ‖θ* − θc‖²")
assert(mean(off, "param_dist_sq", 10) < mean(off, "param_dist_sq", 1) / 10, "shrinks towards the centre")
-- the acceptance rate is recorded every round
assert(off.metrics.accepted_frac:select(2, 1):mean() > 0 and off.metrics.accepted_frac:select(2, 1):mean() < 1)
