import CLua
import Tensor

/// Options tables and user-given sizes: the one place where every table-taking function checks
/// its keys and every count from Lua is checked against the memory policy, so that a typo
/// (`generatons=`) or an absurd size (`n = 2^62`) is an error naming the option, never ignored,
/// never an allocation that kills the process.
extension Args {
    /// Checks that every key of the options table at i is one of `keys`. Absent or nil is fine
    /// (no options); anything but a table is an error. `what` names a nested table in messages.
    public func checkOptions(_ i: Int32, _ keys: [String], what: String? = nil) throws {
        guard !lua.isNoneOrNil(i) else { return }
        guard isTable(i) else {
            if let what { throw error(i, "'\(what)' must be a table, got \(lua.typeName(i))") }
            throw expected(i, "options table")
        }
        let t = lua_absindex(lua.L, i)
        try lua.reserve(4)
        lua_pushnil(lua.L)
        while lua_next(lua.L, t) != 0 {
            lua.pop()                                   // the value; the key stays for lua_next
            guard lua.type(-1) == LUA_TSTRING, let key = lua.toString(-1) else {
                let k = lua.type(-1) == LUA_TNUMBER ? lua.describe(-1) : lua.typeName(-1)
                lua.pop()
                throw error(i, "\(what.map { "'\($0)'" } ?? "options") must have names as keys, got the key \(k)")
            }
            guard keys.contains(key) else {
                lua.pop()
                let place = what.map { " in '\($0)'" } ?? ""
                if let near = Args.closest(to: key, in: keys) {
                    throw error(i, "unknown option '\(key)'\(place); did you mean '\(near)'?")
                }
                throw error(i, "unknown option '\(key)'\(place) (valid: \(keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// The valid key closest to a misspelt one (edit distance at most a third of its length, ≥ 1).
    static func closest(to key: String, in keys: [String]) -> String? {
        let k = Array(key.lowercased())
        var best: (String, Int)?
        for cand in keys {
            let d = editDistance(k, Array(cand.lowercased()))
            if d <= max(2, cand.count / 3), d < (best?.1 ?? .max) { best = (cand, d) }
        }
        return best?.0
    }

    /// Damerau–Levenshtein (optimal string alignment) distance: a swap of neighbours counts once.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    // MARK: sizes

    /// A count in an options table (nil if absent): an integer ≥ `min`, checked against the memory
    /// policy for `bytesPerItem` bytes of work per item before anything is allocated.
    public func optCountField(_ i: Int32, _ key: String, bytesPerItem: Int, min: Int = 0) throws -> Int? {
        guard let n = try optIntField(i, key) else { return nil }
        return try checkedCount(n, at: i, what: "option '\(key)'", bytesPerItem: bytesPerItem, min: min)
    }

    func checkedCount(_ n: Int, at i: Int32, what: String, bytesPerItem: Int, min: Int) throws -> Int {
        guard n >= min else { throw error(i, "\(what) must be \(min == 0 ? "non-negative" : min == 1 ? "positive" : "at least \(min)"), got \(n)") }
        do { try MemoryPolicy.checkCount(n, bytesPerItem: bytesPerItem, what: what) }
        catch let e as TensorError { throw error(i, e.message) }
        return n
    }

    // MARK: paths

    /// A file path argument: a string without NUL bytes (which no file name may hold).
    public func path(_ i: Int32) throws -> String {
        let s = try string(i)
        guard !s.utf8.contains(0) else { throw error(i, "a path cannot contain a NUL byte") }
        guard !s.isEmpty else { throw error(i, "the path is empty") }
        return s
    }

    /// A path in an options table (nil if absent), checked as `path` does.
    public func optPathField(_ i: Int32, _ key: String) throws -> String? {
        guard let s = try optStringField(i, key) else { return nil }
        guard !s.utf8.contains(0) else { throw error(i, "option '\(key)': a path cannot contain a NUL byte") }
        guard !s.isEmpty else { throw error(i, "option '\(key)': the path is empty") }
        return s
    }
}
