-- The plugins shipped in plugins/, each doing its documented job.
local root = debug.getinfo(1, "S").source:match("^@(.*)/Tests/lua/[^/]*$") or "."
ouro.add_plugin_dir(root .. "/plugins")
local g = ouro.rng(12)

-- knowledge_ball: |y − x·θc| ≤ r‖x‖ + σc, by hand on three rows
local kb = ouro.plugin("knowledge_ball", {center = T.new({1, 0}), radius = 0.5, sigma = 0.1})
local rows = T.new({{1, 0, 1.5}, {1, 0, 1.7}, {0, 2, 0.5}})     -- residuals 0.5, 0.7, 0.5; bounds 0.6, 0.6, 1.1
same(kb(rows), {1, 0, 1})
expect_error("needs center", function() return ouro.plugin("knowledge_ball") end)

-- noisy_oracle: true positives kept w.p. p, false positives w.p. q (5 standard errors)
local n = 20000
local batch = g:normal({n, 1})
local oracle = ouro.plugin("noisy_oracle", {truth = function(b) return b:select(2, 1):gt(0) end, p = 0.8, q = 0.2})
local verdict = oracle(batch, {rng = ouro.rng(3)})
local good = batch:select(2, 1):gt(0)
local tp = (verdict * good):sum() / good:sum()
local fp = (verdict * (1 - good)):sum() / (1 - good):sum()
near(tp, 0.8, 5 * math.sqrt(0.16 / (n / 2)), "true-positive rate")
near(fp, 0.2, 5 * math.sqrt(0.16 / (n / 2)), "false-positive rate")

-- likelihood_threshold: keeps what a reference KDE finds plausible
local ref = ouro.models.kde{bandwidth = 0.3}:fit(g:normal({500, 2}))
local lt = ouro.plugin("likelihood_threshold", {reference = ref, threshold = -4})
local pts = T.new({{0, 0}, {8, 8}})
same(lt(pts), {1, 0})

-- top_quantile: the top 25% by score, overall and within each label
local scored = T.new({{1, 0.9}, {1, 0.1}, {1, 0.5}, {1, 0.2}, {2, 0.3}, {2, 0.8}, {2, 0.4}, {2, 0.7}})
local top = ouro.plugin("top_quantile", {q = 0.25})(scored)
assert(top[1] == 1 and top[6] == 1 and #top == 8 and (top[2] + top[3] + top[4] + top[5] + top[7] + top[8]) == 0)
local per = ouro.plugin("top_quantile", {q = 0.25, label = 1})(scored)
assert(per[1] == 1 and per[6] == 1 and per[3] == 0 and per[8] == 0)

-- last_k as a policy, param_distance as a metric, in a regression loop verified by knowledge_ball
local w = T.new({1, -1})
local center = T.new({0.8, -0.8})
local r = ouro.loop{
  model = function() return ouro.models.linear_regression{noise = 0.5, truth = {w = w}} end,
  real = function(seed)
    local gg = ouro.rng(seed)
    local X = gg:normal({30, 2})
    return T.cat({X, (X:mm(w) + gg:normal({30}) * 0.5):reshape({30, 1})}, 2)
  end,
  generations = 5, seeds = {1, 2},
  workflow = ouro.plugin("last_k", {k = 1}),
  verifier = ouro.plugin("knowledge_ball", {center = center, radius = 0.3, sigma = 0.5}),
  metrics = ouro.plugin("param_distance", {reference = center}),
}()
assert(r.metrics.param_dist_sq:shape()[2] == 5 and r.metrics.accepted_frac:select(2, 1):mean() < 1)
