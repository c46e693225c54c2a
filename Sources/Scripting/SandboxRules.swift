import CLua
import CLuaBridge

/// What code inside a plugin may not do, checked where every caller goes through: a binding that
/// touches the file system is declared with `Binding.fileAccess`, and refuses to run while any
/// plugin call is in progress on the thread (plugins run under budgets; the budget depth says so).
enum Sandbox {
    /// True while a plugin call runs on this thread.
    static var isActive: Bool { ouro_bridge_budget_depth() > 0 }

    /// Throws inside a plugin: `what` names the refused operation.
    static func requireFileAccess(_ what: String) throws {
        if isActive { throw LuaError("\(what): plugins have no file-system access") }
    }
}

extension Binding {
    /// A binding that reads or writes files: refused inside plugins.
    static func fileAccess(_ name: String, _ doc: String, _ body: @escaping (Args) throws -> Int32) -> Binding {
        Binding(name, doc) { a in
            try Sandbox.requireFileAccess(a.fn.displayName)
            return try body(a)
        }
    }
}

/// Descriptions of callable values the host made (a plugin's name and parameters), keyed weakly by
/// the function value: a run's identity names them instead of "a C function".
enum Sources {
    static let key = "ouro.sources"

    /// Creates the registry table (host init).
    static func install(_ lua: Lua) {
        lua.newTable()
        lua.newTable()
        lua.push("k"); lua.setRawField(-2, "__mode")
        lua_setmetatable(lua.L, -2)
        lua.setRawField(ouro_lua_registryindex(), key)
    }

    /// Remembers `text` for the value at i.
    static func set(_ lua: Lua, _ i: Int32, _ text: String) {
        let at = lua_absindex(lua.L, i)
        guard lua.rawField(ouro_lua_registryindex(), key) == LUA_TTABLE else { lua.pop(); return }
        lua_pushvalue(lua.L, at)
        lua.push(text)
        lua_rawset(lua.L, -3)
        lua.pop()
    }

    /// The description of the value at i, if the host made it.
    static func description(_ lua: Lua, _ i: Int32) -> String? {
        let at = lua_absindex(lua.L, i)
        guard lua.rawField(ouro_lua_registryindex(), key) == LUA_TTABLE else { lua.pop(); return nil }
        lua_pushvalue(lua.L, at)
        lua_rawget(lua.L, -2)
        defer { lua.pop(2) }
        return lua.toString(-1)
    }
}
