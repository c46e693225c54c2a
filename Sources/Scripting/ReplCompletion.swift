import CLua
import Foundation

/// Tab completion for the REPL: globals, table fields and userdata methods (`ouro.mo`, `x:su`).
/// Tables and metatables are read raw, following `__index` tables; no Lua code runs.
extension ReplSession {
    /// Candidates for the name being typed at the end of `text` (the line up to the cursor),
    /// each a full replacement for its last `word` bytes. A single function candidate gets `(`.
    public func completions(before text: String) -> (word: Int, candidates: [String]) {
        let nameChars = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:")
        let expr = String(text.reversed().prefix { nameChars.contains($0) }.reversed())
        if expr.contains("..") || expr.first.map({ $0.isNumber || $0 == "." || $0 == ":" }) == true {
            return (0, [])
        }
        let separator = expr.lastIndex { $0 == "." || $0 == ":" }
        let word = separator.map { String(expr[expr.index(after: $0)...]) } ?? expr
        let path = separator.map { expr[..<$0].split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init) } ?? []
        let methodsOnly = separator.map { expr[$0] == ":" } ?? false
        let L = host.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard lua_checkstack(L, 40) != 0 else { return (0, []) }
        ouro_lua_pushglobaltable(L)
        for segment in path {
            guard lookup(segment) else { return (0, []) }
        }
        var names: [String: Bool] = [:]   // name → is a function
        collectNames(into: &names, depth: 0)
        if path.isEmpty { for k in ValuePrinter.keywords { names[k] = names[k] ?? false } }
        let hideDunder = !word.hasPrefix("__")
        var candidates = names.filter { name, isFunction in
            name.hasPrefix(word) && !(hideDunder && name.hasPrefix("__")) && (!methodsOnly || isFunction)
        }.map { $0.key }.sorted()
        if candidates.count == 1, names[candidates[0]] == true { candidates[0] += "(" }
        return (word.utf8.count, candidates)
    }

    /// Replaces the value on top with its field `key` (raw, then through `__index` tables);
    /// false if there is none.
    private func lookup(_ key: String) -> Bool {
        let lua = host.lua
        for _ in 0..<8 {
            if lua.type(-1) == LUA_TTABLE {
                lua.rawField(-1, key)
                if lua.type(-1) != LUA_TNIL { lua_rotate(lua.L, -2, 1); lua.pop(); return true }
                lua.pop()
            }
            guard pushIndexTable() else { lua.pop(); return false }
            lua_rotate(lua.L, -2, 1)
            lua.pop()
        }
        lua.pop()
        return false
    }

    /// Pushes the table where lookups on the value on top continue: its metatable's `__index`
    /// when that is a table, or `__methods` (userdata with custom indexing), or `string` for strings.
    private func pushIndexTable() -> Bool {
        let lua = host.lua
        guard lua_getmetatable(lua.L, -1) != 0 else { return false }
        for field in ["__index", "__methods"] {
            if lua.rawField(-1, field) == LUA_TTABLE { lua_rotate(lua.L, -2, 1); lua.pop(); return true }
            lua.pop()
        }
        lua.pop()
        return false
    }

    /// Adds the string keys of the value on top, and of its `__index` tables, to `names`.
    private func collectNames(into names: inout [String: Bool], depth: Int) {
        let lua = host.lua
        if lua.type(-1) == LUA_TTABLE {
            lua.pushNil()
            while lua_next(lua.L, -2) != 0 {
                if lua.type(-2) == LUA_TSTRING, let k = lua.toString(-2), ValuePrinter.isIdentifier(k) {
                    names[k] = names[k] ?? (lua.type(-1) == LUA_TFUNCTION)
                }
                lua.pop()
            }
        }
        guard depth < 8, pushIndexTable() else { return }
        collectNames(into: &names, depth: depth + 1)
        lua.pop()
    }
}
