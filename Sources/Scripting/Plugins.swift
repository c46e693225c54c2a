import CLua
import CLuaBridge
import Foundation
import Tensor

/// Drop-in plugins: Lua files returning {name=, kind=, description=, params=, make=}, found in
/// ./plugins, each directory of $OURO_PLUGIN_PATH, the per-user directory and any added with
/// `ouro.add_plugin_dir`. They run sandboxed, with per-call budgets.
enum PluginBindings {
    /// Per-call limits: instructions (count hook, raised in C), Lua memory (the allocator refuses
    /// growth beyond the current use plus this), and new tensor bytes.
    struct Budget {
        var instructions: Int64 = 200_000_000
        var memory = 64 << 20
        var tensorBytes = 1 << 30
    }

    static let registryKey = "ouro.plugin.registry"      // name → {file=, spec=}
    static let envKey = "ouro.plugin.newenv"
    /// Where plugins are looked for: ./plugins, OURO_PLUGIN_PATH, the user's data folder, and the
    /// folders this host was given with ouro.add_plugin_dir (each host its own: two hosts in one
    /// process — tests, the REPL beside a script — never see each other's folders).
    static func searchDirs(extra extraDirs: [String]) -> [String] {
        var dirs = ["plugins"]
        if let p = ProcessInfo.processInfo.environment["OURO_PLUGIN_PATH"] { dirs += p.split(separator: ":").map(String.init) }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        dirs.append(ProcessInfo.processInfo.environment["XDG_DATA_HOME"].map { $0 + "/ouro/plugins" } ?? home + "/.local/share/ouro/plugins")
        // The same folder reached twice (./plugins and an added path) is searched once.
        var seen = Set<String>()
        return (dirs + extraDirs).filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path).inserted }
    }

    /// Installs the sandbox builder (host init).
    static func install(_ host: LuaHost) {
        let L = host.L
        let status = compiledSandbox.map { chunk in
            chunk.withUnsafeBytes { luaL_loadbufferx(L, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count, "=sandbox", "b") }
        } ?? SandboxSource.code.withCString { luaL_loadbufferx(L, $0, strlen($0), "=sandbox", "t") }
        guard status == LUA_OK else { host.lua.pop(); return }
        lua_getglobal(L, "ouro"); lua_getglobal(L, "string"); lua_getglobal(L, "table"); lua_getglobal(L, "math"); lua_getglobal(L, "utf8")
        if ouro_bridge_pcall(L, 5, 1, 0) == LUA_OK { host.lua.setRawField(ouro_lua_registryindex(), envKey) } else { host.lua.pop() }
    }

    /// The sandbox builder compiled once per process (lua_dump of the text, debug information
    /// kept): every host loads these bytes instead of parsing the source again — a sweep makes a
    /// host per task. Nil if it cannot be made; hosts then compile the text.
    static let compiledSandbox: [UInt8]? = {
        guard let L = luaL_newstate() else { return nil }
        defer { lua_close(L) }
        guard SandboxSource.code.withCString({ luaL_loadbufferx(L, $0, strlen($0), "=sandbox", "t") }) == LUA_OK else { return nil }
        var chunk: [UInt8] = []
        let status = lua_dump(L, { _, p, size, ud in
            guard let p, let ud else { return 1 }
            ud.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeRawBufferPointer(start: p, count: size))
            return 0
        }, &chunk, 0)
        return status == 0 && !chunk.isEmpty ? chunk : nil
    }()

    /// Runs `body` (which calls into Lua on `lua`) under a plugin's budgets; budget overruns and
    /// errors come back as LuaError naming the plugin. Budgets nest: a plugin that calls another
    /// keeps the tighter of the two, and gets its own back when the inner call returns.
    static func withBudget<R>(_ lua: Lua, plugin: String, _ b: Budget, _ body: () throws -> R) throws -> R {
        let L = lua.L
        let outerLimit = ouro_bridge_memory_limit(L)
        let used = ouro_bridge_memory_used(L)
        let (sum, overflow) = used.addingReportingOverflow(b.memory)
        let limit = overflow ? outerLimit : outerLimit == 0 ? sum : min(outerLimit, sum)
        guard ouro_bridge_begin_instruction_budget(L, b.instructions) == 0 else {
            throw LuaError("plugin '\(plugin)': plugins call each other more than 32 deep")
        }
        ouro_bridge_set_memory_limit(L, limit)
        var ended = false
        func end() -> Bool {
            guard !ended else { return false }
            ended = true
            ouro_bridge_set_memory_limit(L, outerLimit)
            return ouro_bridge_end_instruction_budget(L) != 0
        }
        defer { _ = end() }
        do {
            return try MemoryPolicy.withBudget(b.tensorBytes, label: "plugin '\(plugin)'") { try body() }
        } catch let e as PluginCallError {
            if end() { throw LuaError("plugin '\(plugin)': instruction budget of \(b.instructions) exceeded") }
            if e.status == LUA_ERRMEM { throw LuaError("plugin '\(plugin)': Lua memory budget of \(MemoryPolicy.describe(bytes: b.memory)) exceeded") }
            throw LuaError("plugin '\(plugin)': \(e.message)")
        }
    }

    struct PluginCallError: Error { let status: Int32; let message: String }

    /// pcall of the function below nargs arguments; errors become PluginCallError.
    static func call(_ lua: Lua, nargs: Int32, nresults: Int32) throws {
        let status = ouro_bridge_pcall(lua.L, nargs, nresults, 0)
        if status != LUA_OK {
            var msg: String
            if let s = lua.toString(-1) { msg = s }
            else if luaL_getmetafield(lua.L, -1, "__tostring") != LUA_TNIL { lua.pop(); msg = lua.describe(-1) }
            else { msg = "(error object is a \(lua.typeName(-1)) value)" }
            lua.pop()
            throw PluginCallError(status: status, message: msg)
        }
    }

    /// Loads every plugin file once per host; a second file defining a name is an error naming both.
    static func discover(_ a: Args) throws {
        let lua = a.lua
        if lua.rawField(ouro_lua_registryindex(), registryKey) == LUA_TTABLE { lua.pop(); return }
        lua.pop()
        lua.newTable()
        let reg = lua.top
        var seen: [String: String] = [:]
        for dir in searchDirs(extra: HostRegistry.host(lua.L)?.pluginDirs ?? []) {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".lua") }.sorted()
            for f in files {
                let path = dir + "/" + f
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let name = try loadSpec(a, path: path, text: data)
                if let other = seen[name] {
                    lua_settop(lua.L, reg - 1)
                    throw LuaError("two plugins are named '\(name)': \(other) and \(path)")
                }
                seen[name] = path
                // reg[name] = {file = path, spec = spec}
                lua.newTable()
                lua_rotate(lua.L, -2, 1)
                lua.setRawField(-2, "spec")
                lua.push(path); lua.setRawField(-2, "file")
                lua.setRawField(reg, name)
            }
        }
        lua_pushvalue(lua.L, reg)
        lua.setRawField(ouro_lua_registryindex(), registryKey)
        lua_settop(lua.L, reg - 1)
    }

    /// Runs a plugin file in a fresh sandbox and leaves its validated spec table on the stack.
    static func loadSpec(_ a: Args, path: String, text: Data) throws -> String {
        let lua = a.lua
        if text.first == 0x1B { throw LuaError("plugin file \(path) is precompiled bytecode; plugins must be Lua source") }
        let status = text.withUnsafeBytes { raw -> Int32 in
            guard let p = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return LUA_ERRSYNTAX }
            return luaL_loadbufferx(lua.L, p, raw.count, "@" + path, "t")
        }
        guard status == LUA_OK else {
            let m = lua.describe(-1); lua.pop()
            throw LuaError("cannot load plugin \(path): \(m)")
        }
        // Give the chunk its own environment: upvalue 1 of a main chunk is _ENV.
        guard lua.rawField(ouro_lua_registryindex(), envKey) == LUA_TFUNCTION else { lua.pop(2); throw LuaError("plugin sandbox unavailable") }
        try call(lua, nargs: 0, nresults: 1)
        _ = lua_setupvalue(lua.L, -2, 1)
        try withBudget(lua, plugin: path, Budget()) { try call(lua, nargs: 0, nresults: 1) }
        let spec = lua.top
        guard lua.type(spec) == LUA_TTABLE else { lua.pop(); throw LuaError("plugin \(path) must return a table {name=, kind=, description=, params=, make=}") }
        func field(_ key: String) -> (type: Int32, text: String?, shown: String) {
            let t = lua.rawField(spec, key)
            defer { lua.pop() }
            return (t, lua.toString(-1), t == LUA_TSTRING || t == LUA_TNUMBER ? lua.describe(-1) : lua.typeName(-1))
        }
        let specKeys = ["name", "kind", "description", "params", "make"]
        lua_pushnil(lua.L)
        while lua_next(lua.L, spec) != 0 {
            lua.pop()
            let key = lua.toString(-1)
            if key == nil || !specKeys.contains(key!) {
                let shown = key ?? lua.typeName(-1)
                lua.pop(2)
                let near = key.flatMap { Args.closest(to: $0, in: specKeys) }.map { "; did you mean '\($0)'?" } ?? ""
                throw LuaError("plugin \(path): unknown field '\(shown)' in the returned table (expected name, kind, description, params, make)\(near)")
            }
        }
        let nameField = field("name")
        guard nameField.type == LUA_TSTRING, let name = nameField.text, !name.isEmpty else {
            lua.pop(); throw LuaError("plugin \(path): 'name' must be a non-empty string, got \(nameField.shown)")
        }
        let kindField = field("kind")
        guard kindField.type == LUA_TSTRING, let kind = kindField.text, ["verifier", "policy", "metric"].contains(kind) else {
            lua.pop(); throw LuaError("plugin \(path): 'kind' must be \"verifier\", \"policy\" or \"metric\", got \(kindField.shown)")
        }
        let desc = field("description")
        guard desc.type == LUA_TNIL || desc.type == LUA_TSTRING else {
            lua.pop(); throw LuaError("plugin \(path): 'description' must be a string, got \(desc.shown)")
        }
        guard lua.rawField(spec, "make") == LUA_TFUNCTION else { lua.pop(2); throw LuaError("plugin \(path): 'make' must be a function(params)") }
        lua.pop()
        let pt = lua.rawField(spec, "params"); lua.pop()
        guard pt == LUA_TTABLE || pt == LUA_TNIL else { lua.pop(); throw LuaError("plugin \(path): 'params' must be a table of {default=, doc=}") }
        return name
    }

    static let functions: [Binding] = [
        Binding.fileAccess("add_plugin_dir", "ouro.add_plugin_dir(dir) — also look for plugins in dir (before the next discovery).") { a in
            guard let host = HostRegistry.host(a.lua.L) else { throw LuaError("add_plugin_dir: no host") }
            host.pluginDirs.append(try a.path(1))
            a.lua.pushNil(); a.lua.setRawField(ouro_lua_registryindex(), registryKey)     // rediscover
            return 0
        },
        Binding("plugins", "ouro.plugins() — a list of {name=, kind=, file=, description=} for every plugin found.") { a in
            try discover(a)
            a.lua.rawField(ouro_lua_registryindex(), registryKey)
            let reg = a.lua.top
            var names: [String] = []
            lua_pushnil(a.lua.L)
            while lua_next(a.lua.L, reg) != 0 { if let k = a.lua.toString(-2) { names.append(k) }; a.lua.pop() }
            a.lua.newTable(narr: names.count)
            for (i, n) in names.sorted().enumerated() {
                a.lua.rawField(reg, n)
                let entry = a.lua.top
                a.lua.newTable()
                a.lua.push(n); a.lua.setRawField(-2, "name")
                a.lua.rawField(entry, "file"); a.lua.setRawField(-2, "file")
                a.lua.rawField(entry, "spec")
                for key in ["kind", "description", "params"] { a.lua.rawField(-1, key); a.lua.setRawField(-3, key) }
                a.lua.pop()
                a.lua.setRawIndex(-3, i + 1)
                a.lua.pop()
            }
            return 1
        },
        Binding("plugin", "ouro.plugin(name, params, {instructions=, memory=, tensor_bytes=}) — builds a plugin with the given parameters (unknown or ill-typed ones are rejected by name) and returns a function that runs it sandboxed, within the budgets.") { a in
            let name = try a.string(1)
            lua_settop(a.lua.L, 3)                 // arguments at 1…3, whatever was passed
            try discover(a)
            let lua = a.lua
            var budget = Budget()
            try a.checkOptions(3, ["instructions", "memory", "tensor_bytes"])
            if a.isTable(3) {
                if let v = try a.optIntField(3, "instructions") { budget.instructions = Int64(max(v, 1000)) }
                if let v = try a.optIntField(3, "memory") { budget.memory = max(v, 1 << 16) }
                if let v = try a.optIntField(3, "tensor_bytes") { budget.tensorBytes = max(v, 0) }
            }
            lua.rawField(ouro_lua_registryindex(), registryKey)
            guard lua.rawField(-1, name) == LUA_TTABLE else { throw a.error(1, "no plugin named '\(name)' (see ouro.plugins())") }
            let entry = lua.top
            lua.rawField(entry, "spec")
            let spec = lua.top
            // Parameters: defaults, overridden by the caller's, each checked against its default's type.
            lua.newTable()
            let params = lua.top
            if lua.rawField(spec, "params") == LUA_TTABLE {
                let declared = lua.top
                lua_pushnil(lua.L)
                while lua_next(lua.L, declared) != 0 {
                    if lua.type(-1) == LUA_TTABLE, let k = lua.toString(-2) { lua.rawField(-1, "default"); lua.setRawField(params, k) }
                    lua.pop()
                }
            }
            lua.pop()
            guard lua.isNoneOrNil(2) || a.isTable(2) else { throw a.expected(2, "parameter table") }
            var given: [String: String] = [:]
            if a.isTable(2) {
                lua_pushnil(lua.L)
                while lua_next(lua.L, 2) != 0 {
                    defer { lua.pop() }
                    guard let k = lua.toString(-2) else { throw a.error(2, "parameter names must be strings") }
                    lua.rawField(spec, "params")
                    let declaredType = lua.type(-1) == LUA_TTABLE ? lua.rawField(-1, k) : LUA_TNIL
                    guard declaredType == LUA_TTABLE else {
                        lua.pop(2)
                        var names: [String] = []
                        if lua.rawField(spec, "params") == LUA_TTABLE {
                            lua_pushnil(lua.L)
                            while lua_next(lua.L, -2) != 0 { if let n = lua.toString(-2) { names.append(n) }; lua.pop() }
                        }
                        lua.pop()
                        let near = Args.closest(to: k, in: names).map { "; did you mean '\($0)'?" } ?? ""
                        throw LuaError("plugin '\(name)' has no parameter '\(k)'\(near)")
                    }
                    let defType = lua.rawField(-1, "default")
                    lua.pop(3)
                    if defType != LUA_TNIL && lua.type(-1) != defType {
                        throw LuaError("plugin '\(name)': parameter '\(k)' must be a \(String(cString: lua_typename(lua.L, defType))), got \(lua.typeName(-1))")
                    }
                    given[k] = [LUA_TNUMBER, LUA_TSTRING, LUA_TBOOLEAN].contains(lua.type(-1)) ? lua.describe(-1) : lua.typeName(-1)
                    lua_pushvalue(lua.L, -2); lua_pushvalue(lua.L, -2)
                    lua_rawset(lua.L, params)
                }
            }
            // fn = spec.make(params), inside the budgets
            lua.rawField(spec, "make")
            lua_pushvalue(lua.L, params)
            try withBudget(lua, plugin: name, budget) { try call(lua, nargs: 1, nresults: 1) }
            guard lua.type(-1) == LUA_TFUNCTION else { throw LuaError("plugin '\(name)': make(params) must return a function, got \(lua.typeName(-1))") }
            let fnIndex = lua.top
            guard let host = HostRegistry.host(lua.L) else { throw LuaError("plugin: no host") }
            lua_pushvalue(lua.L, fnIndex)
            let b = budget
            host.pushClosure("plugin '\(name)'", doc: "") { c in
                let n = c.count
                try c.lua.reserve(Int(n) + 4)
                lua_pushvalue(c.lua.L, ouro_lua_upvalueindex(2))
                for k in 1...max(n, 1) where n >= 1 && k <= Int(n) { lua_pushvalue(c.lua.L, Int32(k)) }
                try withBudget(c.lua, plugin: name, b) { try call(c.lua, nargs: n, nresults: LUA_MULTRET) }
                return c.lua.top - n
            }
            let file = lua.rawField(entry, "file") == LUA_TSTRING ? lua.toString(-1) ?? "" : ""
            lua.pop()
            let shown = given.keys.sorted().map { "\($0)=\(given[$0] ?? "")" }.joined(separator: ", ")
            Sources.set(lua, -1, "plugin '\(name)' {\(shown)} (\(file))")
            return 1
        },
    ]
}
