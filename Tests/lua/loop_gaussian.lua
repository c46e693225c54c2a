-- The loop on Gaussian fitting against the closed forms of DESIGN.md (Kazdan et al. Fig. 1).
local function seeds(k) local s = {} for i = 1, k do s[i] = 1000 + i end return s end

local function simulate(d, n, workflow, generations, k, threads)
  local truth = {mean = T.zeros({d}), cov = T.eye(d) * 2}
  local L = ouro.linalg.cholesky(truth.cov)
  return ouro.loop{
    name = "theory-check", model = function() return ouro.models.gaussian{truth = truth} end,
    real = function(seed) return ouro.rng(seed):normal({n, d}):mm(L:t()) end,
    generations = generations, samples = n, workflow = workflow, seeds = seeds(k), threads = threads,
  }()
end

--- The mean over seeds at generation t is within `z` standard errors of the theory; `se` is the
--- standard error (from the closed-form variance where there is one, else the seeds' own spread).
local function agrees(sim, theory, what, t, se, z)
  local col = sim:select(2, t)
  local k = col:numel()
  se = se or col:std({unbiased = true}) / math.sqrt(k)
  local diff = math.abs(col:mean() - theory[t])
  assert(diff <= z * se + 1e-12, string.format("%s, generation %d: simulated %.5f vs theory %.5f (%g SE = %.5f)",
    what, t, col:mean(), theory[t], z, z * se))
end

-- Replace, exactly: log det(Σ̂_t Σ₀⁻¹) is a sum of t i.i.d. log-Wishart terms, with closed-form mean
-- AND variance, so the tolerance is 4 standard errors of the mean from the theory itself. The mean of
-- a log (the log of the geometric mean) is not heavy-tailed as the mean of tr Σ̂_t is. Power: with
-- d = 2, n = 10, 2000 seeds and 30 generations, drawing n − 1 samples per generation moves the mean
-- by 24 standard errors (and the unbiased divisor n − 1 by more): such a bug cannot pass.
for _, case in ipairs({{d = 2, n = 10, k = 2000}, {d = 4, n = 20, k = 1000}}) do
  local gens = 30
  local r = simulate(case.d, case.n, "replace", gens, case.k)
  local th = ouro.theory.gaussian{workflow = "replace", n = case.n, d = case.d, trace = 2 * case.d, generations = gens}
  for _, t in ipairs({1, 10, gens}) do
    agrees(r.metrics.cov_log_det_ratio, th.cov_log_det_ratio:totable(), string.format("replace d=%d n=%d log det", case.d, case.n),
      t, math.sqrt(th.cov_log_det_ratio_var[t] / case.k), 4)
  end
end

-- Both workflows, the means of DESIGN.md's closed forms (tr ratio under accumulate is not heavy-tailed;
-- mean_sq_err under either): 4 standard errors from the seeds' spread, 400 seeds.
for _, case in ipairs({{d = 1, n = 10}, {d = 4, n = 20}}) do
  for _, wf in ipairs({"replace", "accumulate"}) do
    local r = simulate(case.d, case.n, wf, 8, 400)
    local th = ouro.theory.gaussian{workflow = wf, n = case.n, trace = 2 * case.d, generations = 8}
    local label = string.format("%s d=%d n=%d", wf, case.d, case.n)
    for t = 1, 8 do
      if wf == "accumulate" then agrees(r.metrics.cov_trace_ratio, th.cov_trace_ratio:totable(), label .. " cov_trace_ratio", t, nil, 4) end
      agrees(r.metrics.mean_sq_err, th.mean_sq_err:totable(), label .. " mean_sq_err", t, nil, 4)
    end
  end
end
expect_error("replace", function() return ouro.theory.gaussian{workflow = "accumulate", n = 10, d = 2, generations = 3} end)
expect_error("n > d", function() return ouro.theory.gaussian{workflow = "replace", n = 3, d = 3, generations = 3} end)

-- replace collapses, accumulate does not (n = 10 for 60 generations: (0.9)^60 ≈ 0.002)
local rep = simulate(2, 10, "replace", 60, 40)
local acc = simulate(2, 10, "accumulate", 60, 40)
local sub = simulate(2, 10, "accumulate-subsample", 60, 40)
local median = function(r, m) local v = r.metrics[m]:select(2, 60):totable(); table.sort(v); return (v[20] + v[21]) / 2 end
assert(median(rep, "cov_trace_ratio") < 0.05, "replace should collapse, median cov_trace_ratio " .. median(rep, "cov_trace_ratio"))
assert(median(acc, "cov_trace_ratio") > 0.7, "accumulate should not collapse, median cov_trace_ratio " .. median(acc, "cov_trace_ratio"))
local s, a, p = median(sub, "cov_log_det_ratio"), median(acc, "cov_log_det_ratio"), median(rep, "cov_log_det_ratio")
assert(s > p and s < a, string.format("accumulate-subsample sits in between: log det %.2f (replace %.2f, accumulate %.2f)", s, p, a))
assert(median(rep, "mean_sq_err") > 3 * median(acc, "mean_sq_err"), "replace's mean wanders off, accumulate's stays close")

-- the same numbers whatever the number of worker threads
local one = simulate(3, 15, "accumulate-subsample", 6, 8, 1)
local two = simulate(3, 15, "accumulate-subsample", 6, 8, 2)
for name, v in pairs(one.metrics) do
  assert(v:eq(two.metrics[name]):sum() == v:numel(), "metric " .. name .. " depends on the thread count")
end
