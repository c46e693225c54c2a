-- The loop on Gaussian fitting against the closed forms of DESIGN.md (Kazdan et al. Fig. 1).
-- Tolerance: 4 standard errors of the mean over seeds, from the seeds' own spread.
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

local function agrees(sim, theory, what)
  local k = sim:shape()[1]
  for t = 1, sim:shape()[2] do
    local col = sim:select(2, t)
    local se = col:std({unbiased = true}) / math.sqrt(k)
    local diff = math.abs(col:mean() - theory[t])
    assert(diff <= 4 * se + 1e-12, string.format("%s, generation %d: simulated %.5f vs theory %.5f (4 SE = %.5f)",
      what, t, col:mean(), theory[t], 4 * se))
  end
end

for _, case in ipairs({{d = 1, n = 10}, {d = 4, n = 20}}) do
  for _, wf in ipairs({"replace", "accumulate"}) do
    local r = simulate(case.d, case.n, wf, 8, 400)
    local th = ouro.theory.gaussian{workflow = wf, n = case.n, trace = 2 * case.d, generations = 8}
    local label = string.format("%s d=%d n=%d", wf, case.d, case.n)
    agrees(r.metrics.cov_trace_ratio, th.cov_trace_ratio:totable(), label .. " cov_trace_ratio")
    agrees(r.metrics.mean_sq_err, th.mean_sq_err:totable(), label .. " mean_sq_err")
  end
end

-- replace collapses, accumulate does not (n = 10 for 60 generations: (0.9)^60 ≈ 0.002)
local rep = simulate(2, 10, "replace", 60, 40)
local acc = simulate(2, 10, "accumulate", 60, 40)
local sub = simulate(2, 10, "accumulate-subsample", 60, 40)
local last = function(r) return r.metrics.cov_trace_ratio:select(2, 60):mean() end
assert(last(rep) < 0.05, "replace should collapse, cov_trace_ratio " .. last(rep))
assert(last(acc) > 0.7, "accumulate should not collapse, cov_trace_ratio " .. last(acc))
assert(last(sub) > last(rep) and last(sub) < last(acc) + 0.1, "accumulate-subsample sits in between: " .. last(sub))
assert(rep.metrics.mean_sq_err:select(2, 60):mean() > 3 * acc.metrics.mean_sq_err:select(2, 60):mean(),
  "replace's mean wanders off, accumulate's stays close")

-- the same numbers whatever the number of worker threads
local one = simulate(3, 15, "accumulate-subsample", 6, 8, 1)
local two = simulate(3, 15, "accumulate-subsample", 6, 8, 2)
for name, v in pairs(one.metrics) do
  assert(v:eq(two.metrics[name]):sum() == v:numel(), "metric " .. name .. " depends on the thread count")
end
