-- The loop's workflows, verifier hook, callbacks and run records, including the error paths.
local d, n = 2, 12
local truth = {mean = T.zeros({d}), cov = T.eye(d)}
local real, test = ouro.rng(5):normal({n, d}), ouro.rng(6):normal({200, d})
local function gaussian() return ouro.models.gaussian{truth = truth} end
local dir = os.tmpname(); os.remove(dir)
local function base(extra)
  local cfg = {name = "rec", model = gaussian, real = real, test = test, generations = 4, samples = n, seeds = {1, 2}}
  for k, v in pairs(extra or {}) do cfg[k] = v end
  return cfg
end
local function read(path) local f = io.open(path, "rb"); if not f then return nil end; local s = f:read("a"); f:close(); return s end

-- records: tidy metrics.csv, manifest.json, one row per value
local r = ouro.loop(base{out = dir .. "/a", workflow = "accumulate"})()
local csv = read(dir .. "/a/metrics.csv")
assert(csv:sub(1, 42) == "run,workflow,seed,generation,metric,value\n", csv:sub(1, 60))
assert(csv:find("\nrec,accumulate,1,1,nll,", 1, true) and csv:find("\nrec,accumulate,2,4,kl,", 1, true))
local rows = select(2, csv:gsub("\n", "")) - 1
assert(rows == 2 * 4 * 7, "rows: " .. rows)            -- seeds × generations × (nll, mse, tr, det, log det, kl, singular)
local manifest = read(dir .. "/a/manifest.json")
assert(manifest:find('"status" : "complete"', 1, true) and manifest:find('"seconds_per_generation"', 1, true), manifest)
assert(r.metrics.nll:shape()[1] == 2 and r.metrics.nll:shape()[2] == 4 and r.dir == dir .. "/a")
-- generation 1 is the fit on the real data alone, whatever the workflow
local r1 = ouro.loop(base{workflow = "replace"})()
assert(r1.metrics.mean_sq_err:select(2, 1):eq(r.metrics.mean_sq_err:select(2, 1)):sum() == 2)
local direct = gaussian():fit(real):evaluate(test)
near(r.metrics.nll[1][1], direct.nll, 1e-12, "generation 1 nll")

-- the model's closed forms beside the records (theory.csv), as ouro.theory computes them, for a
-- plain replace or accumulate whose assumptions hold; none where they do not
local function theory_csv(path)
  local text = read(path)
  if not text then return nil end
  assert(text:sub(1, 37) == "run,workflow,generation,metric,value\n", text:sub(1, 60))
  local curves = {}
  for wf, g, m, v in text:gmatch("rec,([%w-]+),(%d+),([%w_]+),([^\n]+)\n") do
    curves[m] = curves[m] or {}
    curves[m][tonumber(g)] = tonumber(v)
    assert(wf == "accumulate" or wf == "replace", wf)
  end
  return curves
end
local function same_curve(got, want, what)
  assert(got and #got == 4, what .. ": 4 generations")
  for t = 1, 4 do assert(got[t] == want[t], string.format("%s, generation %d: %.17g vs %.17g", what, t, got[t], want[t])) end
end
local acc = theory_csv(dir .. "/a/theory.csv")
local want = ouro.theory.gaussian{workflow = "accumulate", n = n, trace = d, generations = 4}
same_curve(acc.mean_sq_err, want.mean_sq_err, "accumulate mean_sq_err")
same_curve(acc.cov_trace_ratio, want.cov_trace_ratio, "accumulate cov_trace_ratio")
assert(acc.cov_log_det_ratio == nil, "log det: replace only")
ouro.loop(base{out = dir .. "/rt", workflow = "replace"})()
local rep = theory_csv(dir .. "/rt/theory.csv")
want = ouro.theory.gaussian{workflow = "replace", n = n, d = d, trace = d, generations = 4}
for _, m in ipairs({"mean_sq_err", "cov_trace_ratio", "cov_log_det_ratio"}) do same_curve(rep[m], want[m], "replace " .. m) end
for name, cfg in pairs{
  subsample = {workflow = "accumulate-subsample"},
  verifier = {workflow = "replace", verifier = function(batch) return batch:select(2, 1):gt(-100) end},
  unbiased = {workflow = "replace", model = function() return ouro.models.gaussian{truth = truth, covariance = "unbiased"} end},
  no_truth = {workflow = "replace", model = function() return ouro.models.gaussian() end},
  more_samples = {workflow = "replace", samples = 2 * n},
} do
  cfg.out = dir .. "/nt-" .. name
  ouro.loop(base(cfg))()
  assert(read(dir .. "/nt-" .. name .. "/metrics.csv") and not read(dir .. "/nt-" .. name .. "/theory.csv"), name .. ": no theory.csv")
end

-- rerunning a finished run loads it; a different configuration in the same folder is refused
local again = ouro.loop(base{out = dir .. "/a", workflow = "accumulate"})()
assert(again.metrics.kl:eq(r.metrics.kl):sum() == 8)
assert(read(dir .. "/a/metrics.csv") == csv, "metrics.csv must not change")
expect_error("different configuration", ouro.loop(base{out = dir .. "/a", workflow = "replace"}))

-- a fixed real:synthetic mix: all real and nothing synthetic refits on the real data (reordered)
-- every generation; nothing real and all of the last generation is replace (the same rows,
-- reordered); half and half lies between the two
local allreal = ouro.loop(base{workflow = {real = n, synthetic = 0}})()
local allsyn = ouro.loop(base{workflow = {real = 0, synthetic = n}})()
local half = ouro.loop(base{workflow = {real = n / 2, synthetic = n / 2}})()
for s = 1, 2 do
  for t = 1, 4 do
    near(allreal.metrics.kl[s][t], allreal.metrics.kl[s][1], 1e-9, "mix{real=n}: generation " .. t)
    near(allsyn.metrics.kl[s][t], r1.metrics.kl[s][t], 1e-9, "mix{synthetic=n} is replace: generation " .. t)
  end
  assert(half.metrics.kl[s][3] ~= allreal.metrics.kl[s][3] and half.metrics.kl[s][3] ~= r1.metrics.kl[s][3], "half and half is neither")
end
expect_error("non-negative integers", function() return ouro.loop(base{workflow = {real = -1, synthetic = 2}}) end)
expect_error("unknown option 'synthetics' in 'workflow'", function() return ouro.loop(base{workflow = {real = 1, synthetics = 2}}) end)
expect_error("mix asks for 100 real rows", ouro.loop(base{workflow = {real = 100, synthetic = 1}}))

-- a user policy sees the pool with provenance
local seen = {}
ouro.loop(base{workflow = function(pool, t, ctx)
  assert(pool:size() == n * t and #pool == n * t, "pool grows by n per generation")
  local g = pool:generation()
  assert(g:dtype() == "int64" and g[1] == 0 and g[pool:size()] == t - 1)
  assert(ctx.n == n and ctx.generation == t and ctx.rng ~= nil)
  assert(pool:origin(1) == "real" and pool:origin(pool:size()) == "gaussian", "provenance: origin of each row")
  seen[t] = true
  return pool:where{generation = t - 1}
end})()
assert(seen[2] and seen[3] and seen[4] and not seen[1], "the policy runs from generation 2 on")

-- a policy that returns garbage stops the run with an error naming the generation;
-- the run folder stays a valid record
local m = expect_error("generation 3", ouro.loop(base{out = dir .. "/bad", seeds = {7},
  workflow = function(pool, t) if t < 3 then return pool:where{generation = t - 1} end; return {pool:size() + 1} end}))
assert(m:find("outside the pool", 1, true), m)
assert(read(dir .. "/bad/manifest.json"):find('"status" : "failed"', 1, true))
assert(read(dir .. "/bad/metrics.csv"):sub(1, 3) == "run")
expect_error("must return 1-based pool indices", ouro.loop(base{workflow = function() return "all" end}))
expect_error("generation 2", ouro.loop(base{workflow = function() return nil end}))
expect_error("policy exploded", ouro.loop(base{workflow = function() error("policy exploded") end}))
expect_error("'model' must be a function", function() return ouro.loop(base{model = gaussian()}) end)
expect_error("unknown workflow 'recycle'", function() return ouro.loop(base{workflow = "recycle"}) end)
expect_error("must return a model", ouro.loop(base{model = function() return 42 end}))

-- verifiers: rejected samples are recorded, the loop resamples to reach the requested count
local function keep_positive(batch) return batch:select(2, 1):gt(0) end      -- accepts about half
local rejected = 0
local rv = ouro.loop(base{verifier = keep_positive, workflow = function(pool, t)
  local fresh = pool:where{generation = t - 1}
  assert(fresh:numel() == n, "resampling delivers n accepted samples, got " .. fresh:numel())
  rejected = rejected + pool:where{generation = t - 1, accepted = false}:numel()
  for i = 1, fresh:numel() do assert(pool:data()[fresh[i]][1] > 0) end
  return fresh
end})()
assert(rejected > 0, "rejected samples stay in the pool")
local frac = rv.metrics.accepted_frac:select(2, 1):mean()
assert(frac > 0.2 and frac < 0.8, "accepted_frac " .. frac)
-- scores with keep_top
local rk = ouro.loop(base{keep_top = 0.25, verifier = function(batch) return batch:select(2, 1) end})()
near(rk.metrics.accepted_frac:select(2, 1):mean(), 0.25, 0.05, "keep_top fraction")
expect_error("returned 3 values for", ouro.loop(base{verifier = function() return {1, 0, 1} end}))
-- a verifier that rejects everything: the loop says so, then no training data is left
expect_error("selected no training rows", ouro.loop(base{verifier = function(b) return T.zeros({b:shape()[1]}) end, max_resample_rounds = 2}))

-- extra metrics from Lua
local rm = ouro.loop(base{metrics = function(model, ctx) return {gen_sq = ctx.generation ^ 2} end})()
same(rm.metrics.gen_sq:select(1, 1), {1, 4, 9, 16})

-- plotting results
local svg = dir .. "/plot.svg"
ouro.plot{file = svg, runs = {r, r1}, metric = "mean_sq_err", logy = true, title = "test",
  theory = {{name = "theory", y = ouro.theory.gaussian{workflow = "replace", n = n, trace = d, generations = 4}.mean_sq_err}}}
local text = read(svg)
assert(text and text:find("<svg", 1, true) and text:find("accumulate", 1, true) and text:find("theory", 1, true))
os.execute("rm -rf '" .. dir .. "'")
