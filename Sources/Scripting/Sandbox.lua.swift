/// The sandbox for plugins, written in Lua and run once per host (trusted code). It returns
/// `new_env()`, which builds a fresh environment per plugin: safe base functions, copies of
/// string (without dump), table, math and utf8, `load` forced to text chunks in that environment,
/// a deep read-only view of `ouro` (its own per plugin, proof against rawset), and a setmetatable
/// that refuses finalisers (`__gc` would run later, outside the plugin's budgets). It also locks
/// the string metatable and removes `string.dump` from the shared string table (reachable
/// through string methods otherwise).
enum SandboxSource {
    static let code = """
    local ouro, string, table, math, utf8 = ...
    local pcall = pcall
    local base = {
      assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
      print = print, rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
      select = select, setmetatable = setmetatable, getmetatable = getmetatable,
      tonumber = tonumber, tostring = tostring, type = type, xpcall = xpcall, _VERSION = _VERSION,
    }
    string.dump = nil
    getmetatable("").__metatable = "string"
    local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end
    local rload, rrawset, rsetmetatable, rrawget = load, rawset, setmetatable, rawget
    return function()
      -- per plugin: its own read-only views, so that nothing one plugin does to them reaches another
      local cache = rsetmetatable({}, {__mode = "k"})
      local views = rsetmetatable({}, {__mode = "k"})
      local function readonly(t)
        if cache[t] then return cache[t] end
        local proxy = rsetmetatable({}, {
          __index = function(_, k) local v = t[k]; if type(v) == "table" then return readonly(v) end; return v end,
          __newindex = function(_, k) error("ouro is read-only inside a plugin (tried to set '" .. tostring(k) .. "')", 2) end,
          __pairs = function() return function(_, k) local nk, nv = next(t, k); if type(nv) == "table" then nv = readonly(nv) end; return nk, nv end, nil, nil end,
          __len = function() return #t end,
          __metatable = "read-only",
        })
        cache[t] = proxy
        views[proxy] = true
        return proxy
      end
      local env = copy(base)
      env.string, env.table, env.math, env.utf8 = copy(string), copy(table), copy(math), copy(utf8)
      env.ouro = readonly(ouro)
      env.load = function(chunk, name, mode, e) return rload(chunk, name, "t", e or env) end
      env.rawset = function(t, k, v)
        if views[t] then error("ouro is read-only inside a plugin (tried to rawset '" .. tostring(k) .. "')", 2) end
        return rrawset(t, k, v)
      end
      -- A message handler runs where the error was raised; for the budget's own error that is inside
      -- Lua's hook, where hooks are off, so a looping handler would escape the budget. Plugins have
      -- no debug library (no tracebacks to take there), so the handler runs after unwinding instead.
      env.xpcall = function(f, handler, ...)
        local r = table.pack(pcall(f, ...))
        if r[1] then return table.unpack(r, 1, r.n) end
        local ok, v = pcall(handler, r[2])
        return false, v
      end
      -- finalisers would run later, outside any budget: a plugin may not make them
      env.setmetatable = function(t, mt)
        if type(mt) == "table" and rrawget(mt, "__gc") ~= nil then
          error("finalisers (__gc) are not allowed in plugins: they would run outside the plugin's budget", 2)
        end
        return rsetmetatable(t, mt)
      end
      env._G = env
      return env
    end
    """
}
