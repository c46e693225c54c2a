-- Plugins: discovery, parameters, and a sandbox that stops hostile code without crashing.
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p '" .. dir .. "'")
local function plugin(file, body)
  local f = assert(io.open(dir .. "/" .. file, "w")); f:write(body); f:close()
end
local function hostile(name, fn_source)
  plugin(name .. ".lua", string.format([[
return {name = %q, kind = "verifier", description = "hostile", params = {},
  make = function(params) return %s end}]], name, fn_source))
end

plugin("threshold.lua", [[
return {
  name = "threshold", kind = "verifier", description = "keep rows whose first coordinate exceeds a threshold",
  params = {threshold = {default = 0, doc = "the cut"}, strict = {default = true, doc = "use > rather than >="}},
  make = function(p)
    return function(batch, ctx)
      local x = batch:select(2, 1)
      return p.strict and x:gt(p.threshold) or x:ge(p.threshold)
    end
  end,
}]])
hostile("spin", "function() while true do end end")
hostile("strbomb", "function() return #string.rep('x', 1 << 30) end")
hostile("tablebomb", "function() local t = {} for i = 1, 1e9 do t[i] = {i} end end")
hostile("tensorbomb", "function() return ouro.tensor.zeros({20000, 20000}) end")
hostile("osexec", "function() return os.execute('echo pwned') end")
hostile("ioopen", "function() return io.open('/etc/passwd') end")
hostile("requireio", "function() return require('io') end")
hostile("bytecode", [[function() return assert(load("\27Lua\84\0", "x", "b")) end]])
hostile("dumper", "function() return string.dump(function() end) end")
hostile("strmeta", "function() return getmetatable('').__index end")
hostile("gcbyhand", "function(t) return getmetatable(t).__gc(t) end")
hostile("errobj", "function() error({code = 1}) end")
hostile("tostringerr", "function() error(setmetatable({}, {__tostring = function() error('boom') end})) end")
hostile("setouro", "function() ouro.tensor = nil end")
hostile("debugger", "function() return debug.getinfo(1) end")
-- budgets that pcall cannot swallow, nesting that cannot reset them, finalisers, rawset, files
hostile("pcallspin", "function() while true do pcall(function() while true do end end) end end")
hostile("xpcallspin", "function() while true do xpcall(function() while true do end end, function() while true do end end) end end")
hostile("loadspin", "function() while true do pcall(load('while true do end')) end end")
hostile("nested", [[function(what)
    local inner = ouro.plugin("threshold", {})
    inner(ouro.tensor.zeros({2, 1}))                  -- a nested plugin call ends before the bomb
    if what == "memory" then local t = {} for i = 1, 3e7 do t[i] = i end
    else while true do pcall(inner, ouro.tensor.zeros({2, 1})) end end
  end]])
hostile("finaliser", "function() setmetatable({}, {__gc = function() while true do end end}) end")
hostile("rawsetouro", "function() rawset(ouro, 'tensor', {zeros = function() return 'poisoned' end}) end")
hostile("rawsetsub", "function() rawset(ouro.tensor, 'zeros', function() return 'poisoned' end) end")
hostile("saver", "function(x) return x:save('" .. dir .. "/stolen.npy') end")
hostile("loader", "function() return ouro.tensor.load('" .. dir .. "/x.npy') end")
hostile("plotter", "function() return ouro.plot{file = '" .. dir .. "/p.svg', series = {{y = {1, 2}}}} end")
hostile("looper", [[function() return ouro.loop{model = function() return ouro.models.gaussian{} end,
    real = ouro.tensor.ones({3, 1}), out = "]] .. dir .. [[/stolen-run"} end]])
hostile("adddir", "function() return ouro.add_plugin_dir('/tmp') end")
plugin("gcload.lua", [[setmetatable({}, {__gc = function() while true do end end})
return {name = "gcload", kind = "metric", make = function() return print end}]])
ouro.add_plugin_dir(dir)

-- a malformed plugin file is reported with its path and field, not as a bad argument of something
plugin("badname.lua", [[return {name = 5, kind = "metric", make = function() return print end}]])
local m1 = expect_error("'name' must be a non-empty string, got 5", ouro.plugins)
assert(m1:find("badname.lua", 1, true) and not m1:find("bad argument", 1, true), m1)
os.remove(dir .. "/badname.lua"); ouro.add_plugin_dir(dir)
plugin("badkey.lua", [[return {name = "badkey", kind = "metric", mkae = function() return print end}]])
ouro.add_plugin_dir(dir)
expect_error("unknown field 'mkae' in the returned table (expected name, kind, description, params, make); did you mean 'make'?", ouro.plugins)
os.remove(dir .. "/badkey.lua"); ouro.add_plugin_dir(dir)
-- discovery and listing (a plugin file that tries to leave a finaliser behind is refused by name)
local m0 = expect_error("finalisers (__gc) are not allowed in plugins", ouro.plugins)
assert(m0:find("gcload.lua", 1, true), m0)
os.remove(dir .. "/gcload.lua"); ouro.add_plugin_dir(dir)
local names = {}
for _, p in ipairs(ouro.plugins()) do names[p.name] = p end
assert(names.threshold and names.threshold.kind == "verifier" and names.threshold.file:find("threshold.lua", 1, true))
assert(names.threshold.params.threshold.doc == "the cut")

-- parameters: defaults, overrides, unknown and ill-typed ones rejected by name
local keep = ouro.plugin("threshold", {threshold = 0.5})
same(keep(T.new({{0.2, 0}, {0.7, 1}, {0.5, 2}})), {0, 1, 0})
same(ouro.plugin("threshold", {threshold = 0.5, strict = false})(T.new({{0.5, 0}})), {1})
expect_error("has no parameter 'cutoff'", function() return ouro.plugin("threshold", {cutoff = 1}) end)
expect_error("parameter 'threshold' must be a number, got string", function() return ouro.plugin("threshold", {threshold = "high"}) end)
expect_error("no plugin named 'nope'", function() return ouro.plugin("nope") end)

-- plugins work as loop verifiers
local r = ouro.loop{model = function() return ouro.models.gaussian{} end, real = ouro.rng(1):normal({40, 2}),
  generations = 3, verifier = ouro.plugin("threshold", {threshold = -0.5})}()
assert(r.metrics.accepted_frac:select(2, 1):mean() > 0.4)

-- every hostile plugin is stopped with a clear message, and the host goes on
local function stopped(name, fragment, arg, budgets)
  local f = ouro.plugin(name, {}, budgets)
  local msg = expect_error(fragment, f, arg)
  assert(msg:find("plugin '" .. name .. "'", 1, true), "message should name the plugin: " .. msg)
end
stopped("spin", "instruction budget of 1000000 exceeded", nil, {instructions = 1000000})
stopped("strbomb", "memory budget", nil, {memory = 1 << 24})
stopped("tablebomb", "budget", nil, {memory = 1 << 24})
stopped("tensorbomb", "tensor memory budget", nil, {tensor_bytes = 1 << 28})
stopped("osexec", "global 'os'")
stopped("ioopen", "global 'io'")
stopped("requireio", "global 'require'")
stopped("bytecode", "binary chunk")
stopped("dumper", "field 'dump'")
assert(ouro.plugin("strmeta")() == nil, "the string metatable is out of reach (getmetatable gives a string)")
stopped("gcbyhand", "attempt to call a nil value", T.ones({2}))
stopped("errobj", "error object is a table value")
stopped("tostringerr", "__tostring failed")
stopped("setouro", "read-only")
stopped("debugger", "global 'debug'")
assert(getmetatable("") == "string", "the string metatable is locked for everyone")
-- once over budget, a plugin stays over budget until its call returns: pcall does not reset it
stopped("pcallspin", "instruction budget of 1000000 exceeded", nil, {instructions = 1000000})
stopped("xpcallspin", "instruction budget of 1000000 exceeded", nil, {instructions = 1000000})
stopped("loadspin", "instruction budget of 1000000 exceeded", nil, {instructions = 1000000})
-- a nested plugin call keeps the tighter budgets and gives the outer call its own back
stopped("nested", "memory budget", "memory", {memory = 1 << 24})
stopped("nested", "instruction budget of 2000000 exceeded", "spin", {instructions = 2000000})
for k = 2, 40 do                        -- whichever way the count falls at the budget's end
  stopped("nested", "instruction budget of " .. k * 1000 .. " exceeded", "spin", {instructions = k * 1000})
end
collectgarbage(); collectgarbage()                       -- nothing left armed: Lua runs free again
local count = 0; for i = 1, 1e7 do count = count + 1 end
assert(count == 1e7)
stopped("finaliser", "finalisers (__gc) are not allowed in plugins")
-- the read-only ouro holds against rawset, and nothing one plugin does reaches another or the host
stopped("rawsetouro", "read-only")
stopped("rawsetsub", "read-only")
assert(T.zeros({2}):numel() == 2)
same(ouro.plugin("threshold", {threshold = 0.5})(T.new({{0.7, 0}})), {1})
-- no file-system access from a plugin, through any door
T.ones({2}):save(dir .. "/x.npy")
stopped("saver", "plugins have no file-system access", T.ones({2}))
stopped("loader", "plugins have no file-system access")
stopped("plotter", "plugins have no file-system access")
stopped("looper", "plugins have no file-system access")
stopped("adddir", "plugins have no file-system access")
assert(io.open(dir .. "/stolen.npy") == nil and io.open(dir .. "/p.svg") == nil and io.open(dir .. "/stolen-run/run.json") == nil)
same(T.load(dir .. "/x.npy"), {1, 1}, 0)          -- the host itself still may

-- a plugin blowing its budget inside a run stops the run with its name; the run folder stays valid
local rundir = dir .. "/run"
local msg = expect_error("instruction budget", ouro.loop{model = function() return ouro.models.gaussian{} end,
  real = ouro.rng(2):normal({20, 2}), generations = 3, out = rundir,
  verifier = ouro.plugin("spin", {}, {instructions = 100000})})
assert(msg:find("plugin 'spin'", 1, true) and msg:find("generation 1", 1, true), msg)
local manifest = assert(io.open(rundir .. "/manifest.json")):read("a")
assert(manifest:find('"status" : "failed"', 1, true))
assert(string.dump == nil)

-- two plugins with one name: an error naming both files
plugin("threshold_copy.lua", [[return {name = "threshold", kind = "metric", description = "dup", make = function() return print end}]])
ouro.add_plugin_dir(dir)                 -- forces rediscovery
local m = expect_error("two plugins are named 'threshold'", ouro.plugins)
assert(m:find("threshold.lua", 1, true) and m:find("threshold_copy.lua", 1, true), m)
os.execute("rm -rf '" .. dir .. "'")

-- the host is intact
near((T.ones({3}) * 2):sum(), 6)
