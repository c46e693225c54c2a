-- Random calls at the whole Lua API, as a hostile user would make them: every function of `ouro`
-- and every method of its objects, with arguments drawn from the nastiest values of every type
-- (NaN, ±inf, 2^62, math.maxinteger, empty and non-contiguous tensors, ragged tables, option
-- tables with misspelt keys, paths with NUL bytes, functions that fail) and from what earlier
-- calls returned. Every call is made under pcall: errors are expected; what must never happen is
-- the process dying by a signal or hanging. The harness (Tests/ScriptingTests/FuzzTests.swift)
-- watches this process from outside.
--
--   ouro run Tests/fuzz/fuzz.lua SEED SECONDS
-- Run it in a scratch folder (it writes files under relative paths only). Before each call it
-- writes "call N: description" to stderr, so a crash or hang names the call that caused it.
local seed, seconds = tonumber(arg[1]) or 1, tonumber(arg[2]) or 5
local T = ouro.tensor
local g = ouro.rng(seed)
local function rint(n) return math.floor(g:random() * n) + 1 end
local function pick(list) return list[rint(#list)] end
local function chance(p) return g:random() < p end

-- The API: every function under `ouro`, by name.
local api = {}
local function collect(prefix, t, depth)
  for k, v in pairs(t) do
    if type(v) == "function" then api[#api + 1] = {name = prefix .. k, fn = v}
    elseif type(v) == "table" and depth < 3 then collect(prefix .. k .. ".", v, depth + 1) end
  end
end
collect("ouro.", ouro, 1)
table.sort(api, function(a, b) return a.name < b.name end)

-- Methods of each kind of object, read from help() (the method table itself is locked).
local function methods_of(v)
  local names = {}
  for line in ouro.help(v):gmatch("[^\n]+") do
    local name = line:match("^  ([%w_]+)%s")
    if name then names[#names + 1] = name end
  end
  return names
end

local numbers = {0, 1, -1, 2, 3, 7, 0.5, -0.5, 1e-300, 1e300, -1e300, 0 / 0, math.huge, -math.huge,
  2^31, 2^31 - 1, 2^32, 2^33, 2^53, 2^62, 2^63, math.maxinteger, math.mininteger, -2^33, 100, 1000, 1e6}
local strings = {"", "x", "float32", "float64", "int64", "replace", "accumulate", "accumulate-subsample",
  "mle", "unbiased", "scott", "silverman", "fresh", "fixed", "any", "a\0b", "f.npy", "sub/x.svg", "out-run",
  ".", "..", "/", "nope", string.rep("z", 1000), "\255\254", "threshold", "knowledge_ball"}
local option_keys = {"n", "rng", "noise", "centers", "std", "box", "dim", "factor", "bandwidth", "covariance",
  "jitter", "truth", "mean", "cov", "w", "covariates", "workflow", "generations", "samples", "seeds", "seed",
  "model", "real", "test", "verifier", "metrics", "keep_top", "threads", "out", "subsample", "keep_pool",
  "max_resample_rounds", "name", "file", "series", "y", "x", "runs", "metric", "theory", "logy", "title",
  "replace", "keepdim", "unbiased", "generation", "accepted", "instructions", "memory", "tensor_bytes",
  "d", "T", "sigma2", "trace", "synthetic", "genrations", "nosie", "bandwith", "zzz", 1, 2,
  -- the neural API's options
  "stride", "padding", "bias", "dtype", "lr", "betas", "eps", "weight_decay", "momentum", "reduction",
  "kind", "warmup", "total", "min_lr", "retain_graph", "alpha", "beta", "trans_a", "trans_b", "split", "path",
  -- text and language models
  "sep", "format", "field", "prompt", "response", "response_marker", "test_fraction", "split_seed", "corpus", "vocab",
  "prompts", "temperature", "top_k", "max_tokens", "cache", "layers", "heads", "context", "steps", "batch", "clip",
  "base", "describe", "ignore_index",
  -- diffusion
  "schedule", "hidden", "embedding", "iterations", "sampler", "sampler_steps", "variance", "kde_samples", "data", "side", "channels", "classes",
  "images", "points", "groups"}

local pool = {}                 -- values returned by earlier calls
local tiny_gpts = setmetatable({}, {__mode = "k"})   -- language models small enough to fit in a blink
local function remember(v)
  if v == nil then return end
  if T.is_tensor(v) and v:numel() > 100000 then return end     -- keep later work small
  local name = type(v) == "userdata" and tostring(v) or ""
  if name:find("^ouro.Documents") and #v > 50 then return end     -- a whole corpus: training on it takes minutes
  if name:find("^ouro.models.gpt") and not tiny_gpts[v] then return end  -- default sizes train for minutes
  if name:find("^ouro.models.diffusion") and not tiny_gpts[v] then return end  -- 3000 steps by default
  if #pool < 300 then pool[#pool + 1] = v else pool[rint(#pool)] = v end
end

local value
local function tensor()
  local shapes = {{}, {0}, {1}, {3}, {0, 2}, {2, 0}, {4, 2}, {2, 3}, {3, 3}, {5, 1}, {2, 2, 2}, {1, 4}, {10, 3}}
  local dt = pick({"float64", "float64", "float32", "int64"})
  local t = g:normal(pick(shapes))
  if chance(0.1) and t:dim() >= 1 and t:numel() > 0 then t[1] = 0 / 0 end  -- a NaN (a row of them)
  if chance(0.2) then t = t * 1e200 end
  if dt ~= "float64" then t = t:astype(dt) end
  if chance(0.2) and t:dim() == 2 then t = t:t() end          -- non-contiguous
  return t
end
local function small_number() return pick({0, 1, 2, 3, 5, -1, 0.5, 10}) end
-- tiny neural models (4×4 images) and their helpers, fitted or not, so that their methods get called too
local function neural()
  local k = rint(6)
  local x = g:uniform({12, 16}, 0, 1, "float32")
  if k == 6 and chance(0.5) then
    -- a U-Net of 4×4 images, with or without classes
    local classes = chance(0.5) and 3 or nil
    local m = ouro.models.diffusion{data = "images", side = 4, channels = 8, embedding = 4, iterations = 2, batch = 3, steps = pick({2, 10}),
      classes = classes, sampler = pick({"ancestral", "ddim"}), sampler_steps = pick({1, 3})}
    tiny_gpts[m] = true
    local y = T.new({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
    if chance(0.7) then pcall(m.fit, m, classes and ouro.data.labelled(x, y) or x, ouro.rng(1)) end
    return m
  elseif k == 6 then
    local m = ouro.models.diffusion{hidden = 4, layers = 1, embedding = 4, iterations = 3, batch = 4, steps = pick({2, 10}), kde_samples = 20,
      sampler = pick({"ancestral", "ddim"}), sampler_steps = pick({1, 3})}
    tiny_gpts[m] = true
    if chance(0.7) then pcall(m.fit, m, x:slice(2, 1, 2), ouro.rng(1)) end
    return m
  end
  if k == 5 then
    local m = ouro.models.gpt{layers = 1, heads = 1, dim = 4, context = 8, steps = 3, batch = 2, tokenizer = chance(0.5) and ouro.text.bytes() or nil}
    tiny_gpts[m] = true
    if chance(0.7) then pcall(m.fit, m, {"the first document", "and a second one", "\0\255 bytes"}, ouro.rng(1)) end
    return m
  end
  local y = T.new({1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
  if k == 1 then
    local m = ouro.models.vae{side = 4, hidden = 3, latent = 2}
    if chance(0.7) then pcall(m.fit, m, x, ouro.rng(1)) end
    return m
  elseif k == 2 then
    local m = ouro.models.vae{arch = "cvae-conv", side = 4, classes = 3, latent = 2}
    if chance(0.7) then pcall(m.fit, m, ouro.data.labelled(x, y), ouro.rng(1)) end
    return m
  elseif k == 3 then return ouro.models.fid_features{x = x, y = y, classes = 3, side = 4, rng = ouro.rng(2)}
  else return ouro.models.discriminator{real = x, fake = x * 0.5, side = 4, hidden = 3, rng = ouro.rng(3)} end
end

local function options(depth)
  local t = {}
  for _ = 1, rint(4) do
    local k = pick(option_keys)
    if k == "generations" then t[k] = pick({1, 2, 3, 0, -1, 2^33, 0.5})
    elseif k == "samples" or k == "n" or k == "subsample" then t[k] = pick({0, 1, 5, 20, -5, 2^33, 2^62, math.maxinteger, 0 / 0})
    elseif k == "seeds" then t[k] = pick({{1, 2}, {}, {1, 1}, {2^62}, {"a"}})
    elseif k == "threads" then t[k] = pick({1, 2, 0, 300})
    elseif k == "model" then t[k] = pick({function() return ouro.models.gaussian{} end, function() return ouro.models.kde{} end,
      function() return ouro.models.linear_regression{} end, function() return 42 end, function() error("no model") end,
      function() return ouro.models.gpt{layers = 1, heads = 1, dim = 4, context = 8, steps = 2, batch = 2, describe = pick({0, 2}), max_tokens = pick({1, 4})} end})
    elseif k == "real" or k == "test" then
      local docs = pick({{"one document", "two"}, {{prompt = "q ", response = "a"}, {prompt = "", response = "\255"}}, {}})
      t[k] = chance(0.2) and ouro.data.documents(docs) or chance(0.5) and tensor() or function(s) return tensor(), chance(0.5) and tensor() or nil end
    elseif k == "out" or k == "file" then t[k] = pick({"out-run", "out-" .. rint(5), "", "a\0b", "/", "f.npy", "p.svg"})
    else t[k] = value(depth + 1) end
  end
  return t
end
function value(depth)
  depth = depth or 0
  local r = g:random()
  if r < 0.18 then return pick(numbers)
  elseif r < 0.26 then return small_number()
  elseif r < 0.36 then return pick(strings)
  elseif r < 0.40 then return chance(0.5)
  elseif r < 0.44 then return nil
  elseif r < 0.60 then return tensor()
  elseif r < 0.68 and #pool > 0 then return pick(pool)
  elseif r < 0.74 then return ouro.rng(rint(100))
  elseif r < 0.80 and depth < 2 then return options(depth)
  elseif r < 0.86 and depth < 2 then
    local list = {}
    for i = 1, rint(4) - 1 do list[i] = chance(0.7) and small_number() or value(depth + 1) end
    return list
  elseif r < 0.90 and depth < 2 then return {{1, 2}, {3}}                        -- ragged
  elseif r < 0.92 then
    -- modules, optimisers and tracked tensors, so that their methods and backward get called too
    local k = rint(6)
    if k == 1 then return ouro.nn.linear(pick({1, 2, 3}), pick({1, 2, 3}))
    elseif k == 2 then return ouro.nn.conv2d(pick({1, 2}), pick({1, 3}), pick({1, 2, 3}), {stride = pick({1, 2}), padding = pick({0, 1})})
    elseif k == 3 then return ouro.nn.sequential{ouro.nn.linear(3, 4), ouro.nn.gelu(), ouro.nn.dropout(0.5), ouro.nn.linear(4, 2)}
    elseif k == 4 then return ouro.optim.adam({T.ones({3}):requires_grad()}, {lr = pick({1e-3, 1, 1e300})})
    elseif k == 5 then local t = tensor(); if t:dtype() ~= "int64" then pcall(t.requires_grad, t) end; return t
    else local t = g:normal({2, 3}):requires_grad(); return (t * t):sum() end
  elseif r < 0.94 then
    return pick({function() return tensor() end, function() error("callback failed") end, function() return {} end,
                 function() return nil end, function() return 0 / 0 end, function(...) return ... end})
  elseif r < 0.97 then
    local models = {ouro.models.gaussian{}, ouro.models.kde{bandwidth = 0.5}, ouro.models.linear_regression{}}
    local m = pick(models)
    if chance(0.6) then pcall(m.fit, m, g:normal({20, 3})) end
    return m
  else
    return neural()
  end
end

local function describe(v)
  if T.is_tensor(v) then return string.format("tensor(%s %s)", v:dtype(), table.concat(v:shape(), "x")) end
  if type(v) == "string" then return string.format("%q", #v > 20 and v:sub(1, 20) .. "…" or v) end
  if type(v) == "table" then
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. (type(x) == "table" and "{…}" or T.is_tensor(x) and describe(x) or tostring(x)) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  return tostring(v)
end

-- Runs of the loop: a mostly sensible configuration with one key replaced by anything at all.
local root = (arg[0] or ""):match("^(.*)/Tests/fuzz/[^/]*$")
if root then pcall(ouro.add_plugin_dir, root .. "/plugins") end
local function plugin_or_function(kind)
  if chance(0.5) then
    local ok, f = pcall(ouro.plugin, pick({"threshold", "top_quantile", "noisy_oracle", "last_k", "knowledge_ball", "param_distance"}),
      chance(0.5) and {} or options(1))
    if ok then return f end
  end
  if kind == "verifier" then
    return pick({function(b) return b:select(2, 1):gt(0) end, function(b) return T.ones({b:shape()[1]}) end,
      function(b) return b:select(2, 1) end, function() return {1, 0} end, function() error("verifier failed") end})
  elseif kind == "metrics" then
    return pick({function(m, ctx) return {g = ctx.generation} end, function() return {nll = 1} end, function() return 7 end,
      function() return {["a,b\n"] = 0 / 0} end})
  end
  return pick({function(pool, t) return pool:where{generation = t - 1} end, function(pool) return {pool:size() + 1} end,
    function(pool) return pool:where{generation = 0} end, function() return "all" end})
end
local function loop_config()
  local d = rint(3)
  local cfg = {
    name = pick({"f", "g", ""}), generations = rint(4), samples = pick({nil, 1, 5, 20}), seeds = pick({{1}, {1, 2}, {3, 4, 5}}),
    threads = rint(2), model = pick({function() return ouro.models.gaussian{} end, function() return ouro.models.kde{bandwidth = 0.3} end,
      function() return ouro.models.linear_regression{noise = 0.5} end}),
    real = chance(0.5) and g:normal({5 + rint(20), d + 1}) or function(s) return ouro.rng(s):normal({10, d + 1}), ouro.rng(s + 1):normal({5, d + 1}) end,
    workflow = pick({"replace", "accumulate", "accumulate-subsample", {real = 2, synthetic = 3}, plugin_or_function("policy")}),
  }
  if chance(0.3) then cfg.verifier = plugin_or_function("verifier") end
  if chance(0.2) then cfg.keep_top = pick({0.5, 1, 1e-9, 0, 2}) end
  if chance(0.3) then cfg.metrics = plugin_or_function("metrics") end
  if chance(0.3) then cfg.out = "run-" .. rint(6); cfg.keep_pool = chance(0.3) end
  if chance(0.3) then cfg.test = g:normal({8, d + 1}) end
  if chance(0.5) then cfg[pick(option_keys)] = value(1) end
  return cfg
end
api[#api + 1] = {name = "ouro.loop(sensible)", fn = function(extra)
  local run = ouro.loop(loop_config())
  if chance(0.7) then return run() end
  return run
end}

local kinds = {tensor(), ouro.rng(1), ouro.models.gaussian{}, neural(), neural()}
local methods = {}
for _, v in ipairs(kinds) do methods[#methods + 1] = methods_of(v) end

local started, calls = os.time(), 0
while os.time() - started < seconds do
  calls = calls + 1
  local fn, name, args = nil, nil, {}
  local r = g:random()
  if r < 0.55 then
    local f = pick(api)
    fn, name = f.fn, f.name
    for i = 1, rint(4) - 1 do args[i] = value() end
  elseif r < 0.93 then
    local k = rint(#kinds)
    local self = k == 1 and (chance(0.5) and tensor() or pick(pool)) or k == 2 and ouro.rng(rint(9)) or value()
    if k == 3 then self = pick({ouro.models.gaussian{}, ouro.models.kde{bandwidth = 1}, ouro.models.linear_regression{}, neural()}) ; pcall(self.fit, self, g:normal({10, 2})) end
    if k >= 4 then self = kinds[k] end
    local m = pick(methods[k])
    name = "<" .. describe(self) .. ">:" .. m
    local ok, f = pcall(function() return self[m] end)
    if ok and type(f) == "function" then
      fn = f
      args[1] = self
      for i = 2, rint(4) do args[i] = value() end
    end
  else
    local fns = {}
    for _, v in ipairs(pool) do if type(v) == "function" then fns[#fns + 1] = v end end
    if #fns > 0 then fn, name = pick(fns), "a function returned earlier" end
    for i = 1, rint(3) - 1 do args[i] = value() end
  end
  if fn then
    local shown = {}
    for i = 1, 4 do if args[i] ~= nil or i <= #args then shown[#shown + 1] = describe(args[i]) end end
    io.stderr:write(string.format("call %d: %s(%s)\n", calls, name, table.concat(shown, ", ")))
    io.stderr:flush()
    local results = table.pack(pcall(fn, table.unpack(args, 1, 4)))
    if results[1] then for i = 2, math.min(results.n, 4) do remember(results[i]) end end
    if not results[1] and type(results[2]) ~= "string" then
      error("a binding raised a non-string error: " .. tostring(results[2]))
    end
    -- every tensor result must print, convert and sum without trapping
    for i = 2, math.min(results.n, 3) do
      local v = results[i]
      if T.is_tensor(v) then pcall(tostring, v); pcall(v.sum, v); if v:numel() < 1000 then pcall(v.totable, v) end end
    end
  end
  if calls % 200 == 0 then collectgarbage() end
end
io.stderr:write(string.format("fuzz: %d calls in %d s, seed %d\n", calls, os.time() - started, seed))
