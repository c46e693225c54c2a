-- Run records that cannot be lost, mixed up or stale; models that no seed can share; options that
-- are never ignored (issue 10, B). Each block would have failed before its fix.
local dir = os.tmpname(); os.remove(dir)
local function read(path) local f = io.open(path, "rb"); if not f then return nil end; local s = f:read("a"); f:close(); return s end
local function write(path, text) local f = assert(io.open(path, "wb")); f:write(text); f:close() end
local function same_metrics(a, b, what)
  for name, v in pairs(a.metrics) do
    assert(b.metrics[name], what .. ": metric " .. name .. " missing")
    assert(v:eq(b.metrics[name]):sum() == v:numel(), what .. ": metric " .. name .. " differs")
  end
end

-- Linear regression's fixed design belongs to the seed: a run that stops after some generations and is
-- run again continues with the same design and the same numbers, for every workflow.
local w = T.new({1, -1, 0.5})
local function regression_data(seed)
  local g = ouro.rng(seed)
  local X = g:normal({20, 3})
  return T.cat({X, (X:mm(w) + g:normal({20})):reshape({20, 1})}, 2)
end
local fail_at
local function lr_cfg(wf, out, extra)
  local cfg = {name = "lr", generations = 6, seeds = {1, 2, 3}, workflow = wf, out = out,
    model = function() return ouro.models.linear_regression{noise = 1, truth = {w = w}} end,
    real = regression_data,
    metrics = function(m, ctx) if ctx.generation == fail_at then error("stop here") end; return {} end}
  for k, v in pairs(extra or {}) do cfg[k] = v end
  return cfg
end
for _, wf in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  fail_at = nil
  local whole = ouro.loop(lr_cfg(wf, dir .. "/lr-whole-" .. wf))()
  fail_at = 4
  expect_error("stop here", ouro.loop(lr_cfg(wf, dir .. "/lr-" .. wf)))
  fail_at = nil
  local resumed = ouro.loop(lr_cfg(wf, dir .. "/lr-" .. wf))()
  same_metrics(whole, resumed, "resumed " .. wf)
  assert(read(dir .. "/lr-" .. wf .. "/metrics.csv") == read(dir .. "/lr-whole-" .. wf .. "/metrics.csv"), wf .. ": metrics.csv differs")
end

-- One model object returned for every seed: each seed still gets its own fresh state (its own
-- design), and the numbers do not depend on the thread count.
local shared = ouro.models.linear_regression{noise = 1, truth = {w = w}}
local function shared_cfg(threads, model)
  return {name = "shared", generations = 4, seeds = {1, 2, 3, 4}, threads = threads, real = regression_data,
          workflow = "accumulate", model = model}
end
local fresh = ouro.loop(shared_cfg(1, function() return ouro.models.linear_regression{noise = 1, truth = {w = w}} end))()
for _, threads in ipairs({1, 2}) do
  for _ = 1, 3 do
    same_metrics(fresh, ouro.loop(shared_cfg(threads, function() return shared end))(), "one shared object, " .. threads .. " threads")
  end
end
shared:fit(regression_data(99))               -- a user's fitted object: the loop does not use its design
same_metrics(fresh, ouro.loop(shared_cfg(2, function() return shared end))(), "a fitted shared object")

-- `out` must be a new or empty folder, or this run's own: anything else is refused untouched
local gauss = function() return ouro.models.gaussian{truth = {mean = T.zeros({2}), cov = T.eye(2)}} end
local data_n = 10
local function g_real(seed) return ouro.rng(seed):normal({data_n, 2}) end
local function g_cfg(extra)
  local cfg = {name = "g", generations = 3, seeds = {1, 2}, model = gauss, real = g_real}
  for k, v in pairs(extra or {}) do cfg[k] = v end
  return cfg
end
expect_error("option 'out': the path is empty", function() return ouro.loop(g_cfg{out = ""}) end)
expect_error("not an Ouroboros run folder", ouro.loop(g_cfg{out = "/"}))
os.execute("mkdir -p '" .. dir .. "/user/sub'")
write(dir .. "/user/sub/report.tmp-final.txt", "mine")
expect_error("not an Ouroboros run folder", ouro.loop(g_cfg{out = dir .. "/user"}))
assert(read(dir .. "/user/sub/report.tmp-final.txt") == "mine", "a user's file was touched")

-- Stale records are refused: other data, another option, a lost identity, another run's journal
local base = dir .. "/stale"
ouro.loop(g_cfg{out = base})()
data_n = 16                                   -- the same function now returns other data
expect_error("differ from the data", ouro.loop(g_cfg{out = base}))
data_n = 10
expect_error("different configuration", ouro.loop(g_cfg{out = base, samples = 5}))
ouro.loop(g_cfg{out = dir .. "/sub5", workflow = "accumulate-subsample", subsample = 5})()
expect_error("different configuration", ouro.loop(g_cfg{out = dir .. "/sub5", workflow = "accumulate-subsample", subsample = 6}))
os.remove(base .. "/run.json")
expect_error("no run.json", ouro.loop(g_cfg{out = base}))
-- (a journal copied from another run is refused by its identity: see RunStoreTests)

-- A damaged or missing final record is recomputed, to the same numbers
local fin = dir .. "/final"
local first = ouro.loop(g_cfg{out = fin})()
local csv = read(fin .. "/metrics.csv")
local rec = read(fin .. "/finished.bin")
write(fin .. "/finished.bin", rec:sub(1, #rec - 7))                -- the last seed's record cut short
same_metrics(first, ouro.loop(g_cfg{out = fin})(), "a recomputed seed")
assert(read(fin .. "/metrics.csv") == csv, "metrics.csv after recomputing differs")
os.remove(fin .. "/finished.bin")                                     -- every record gone
same_metrics(first, ouro.loop(g_cfg{out = fin})(), "recomputed seeds")
assert(read(fin .. "/metrics.csv") == csv, "metrics.csv after recomputing them all differs")

-- Metric names with commas, quotes and newlines survive records and resume; names are unique
local odd = {["a,b"] = 1, ['say "x"'] = 2, ["x\ny"] = 3}
local odd_cfg = g_cfg{out = dir .. "/odd", metrics = function() return odd end}
ouro.loop(odd_cfg)()
local again = ouro.loop(odd_cfg)()
for name, v in pairs(odd) do assert(again.metrics[name] and again.metrics[name][1][2] == v, "metric '" .. name .. "' lost") end
local text = read(dir .. "/odd/metrics.csv")
assert(text:find('g,replace,1,2,"a,b",1.0\n', 1, true) and text:find('"say ""x"""', 1, true) and text:find('"x\ny"', 1, true), text:sub(1, 400))
expect_error("'kl' is already a metric of the model", ouro.loop(g_cfg{metrics = function() return {kl = 1} end}))
expect_error("'nll' is already a metric of the model", ouro.loop(g_cfg{test = T.zeros({3, 2}), metrics = function() return {nll = 1} end}))
expect_error("'accepted_frac' is the verifier's metric", ouro.loop(g_cfg{verifier = function(b) return T.ones({b:shape()[1]}) end, metrics = function() return {accepted_frac = 1} end}))

-- test= is used when real is a function; both at once is an error; a run with no metric is an error
local test = ouro.rng(77):normal({50, 2})
local with_test = ouro.loop(g_cfg{test = test})()
local direct = gauss():fit(ouro.rng(1):normal({10, 2})):evaluate(test)
near(with_test.metrics.nll[1][1], direct.nll, 1e-12, "test= is used")
local by_fn = ouro.loop(g_cfg{test = function(seed) return test end})()
same_metrics(with_test, by_fn, "test as a function")
expect_error("give one of them", ouro.loop(g_cfg{real = function(seed) return ouro.rng(seed):normal({10, 2}), test end, test = test}))
expect_error("computes no metric", ouro.loop(g_cfg{model = function() return ouro.models.kde{bandwidth = 0.5} end}))

-- Unknown options are errors that name the key and the closest valid one, everywhere
expect_error("unknown option 'generatons'; did you mean 'generations'?", function() return ouro.loop(g_cfg{generatons = 3}) end)
expect_error("unknown option 'nosie'; did you mean 'noise'?", function() return ouro.data.moons{n = 10, nosie = 0.1, rng = ouro.rng(1)} end)
expect_error("unknown option 'bandwith'; did you mean 'bandwidth'?", function() return ouro.models.kde{bandwith = 0.1} end)
expect_error("unknown option 'covarance'; did you mean 'covariance'?", function() return ouro.models.gaussian{covarance = "mle"} end)
expect_error("unknown option 'covv' in 'truth'", function() return ouro.models.gaussian{truth = {mean = T.zeros({2}), covv = T.eye(2)}} end)
expect_error("'subsample' must be a positive number of rows, got -5", function() return ouro.loop(g_cfg{workflow = "accumulate-subsample", subsample = -5}) end)
expect_error("'subsample' applies to workflow", function() return ouro.loop(g_cfg{subsample = 5}) end)
expect_error("did you mean 'accumulate'", function() return ouro.loop(g_cfg{workflow = "acumulate"}) end)

-- Sizes are checked before anything is allocated: the error names the option, the size and the limit
expect_error("option 'samples' = 8589934592 asks for", function() return ouro.loop(g_cfg{real = T.zeros({4, 2}), samples = 2^33}) end)
expect_error("samples = 8589934592 asks for", ouro.loop(g_cfg{samples = 2^33}))
local lr = ouro.models.linear_regression{}:fit(regression_data(1))
for _, n in ipairs({2^33, 2^62, math.maxinteger}) do expect_error("beyond the memory limit", function() return lr:sample(n, ouro.rng(1)) end) end
for _, gen in ipairs({"blobs", "moons", "circles", "swiss_roll"}) do
  expect_error("n = 8589934592 asks for", function() return ouro.data[gen]{n = 2^33, rng = ouro.rng(1)} end)
end
expect_error("keep_top", ouro.loop(g_cfg{keep_top = 1e-300, verifier = function(b) return b:select(2, 1) end}))
os.execute("rm -rf '" .. dir .. "'")
