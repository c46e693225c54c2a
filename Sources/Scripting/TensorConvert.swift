import CLua
import Tensor

/// Moving tensors between Lua values and Swift.
extension Args {
    /// Pushes a tensor as a new userdata; returns 1 (the number of results).
    @discardableResult
    public func push(_ t: Tensor) -> Int32 {
        Userdata.push(lua, t, kind: Userdata.tensor)
        HostRegistry.host(lua.L)?.noteAllocation(t.storage.byteCount)
        return 1
    }

    /// A 0-d result becomes a Lua number (an exact integer for int64); anything else stays a
    /// tensor — and so does a 0-d result autograd tracks (a loss), so that it can be back-propagated.
    public func pushValue(_ t: Tensor) throws -> Int32 {
        guard t.rank == 0, !t.requiresGrad else { return push(t) }
        if t.dtype == .int64 { lua.push(t.toInt64s()[0]) } else { lua.push(try t.item()) }
        return 1
    }

    /// A 1-based dimension argument (negative counts from the end) as a 0-based index.
    public func dim(_ i: Int32, of t: Tensor) throws -> Int {
        let d = try integer(i)
        let r = t.rank
        let z = d < 0 ? r + d : d - 1
        guard z >= 0 && z < max(r, 0) else {
            throw error(i, "dimension \(d) out of range for a \(r)-dimensional tensor (valid: 1..\(r) or -\(r)..-1)")
        }
        return z
    }

    /// A 1-based index along a dimension of size n (negative counts from the end) as 0-based.
    public func index(_ i: Int32, size n: Int, dim: Int) throws -> Int {
        let k = try integer(i)
        let z = k < 0 ? n + k : k - 1
        guard z >= 0 && z < n else { throw LuaError("index \(k) out of range for dimension \(dim + 1) of size \(n)") }
        return z
    }

    /// 1-based row indices from an int64 tensor or a Lua list, as 0-based.
    public func indexList(_ i: Int32, size n: Int) throws -> [Int] {
        let raw: [Int]
        if isTable(i) {
            raw = try intList(i, what: "index")
        } else {
            let t = try tensor(i)
            guard t.rank == 1 || t.rank == 0 else { throw error(i, "index tensor must be 1-D, got shape \(describeShape(t.shape))") }
            if t.dtype != .int64 {
                for v in t.toDoubles() where v.rounded() != v { throw error(i, "index tensor holds the non-integer \(v)") }
            }
            raw = t.toInt64s().map { Int($0) }
        }
        return try raw.map { k in
            guard k >= 1 && k <= n else { throw LuaError("index \(k) out of range (valid 1..\(n))") }
            return k - 1
        }
    }

    /// An int64 tensor of 1-based positions (as gather and scatter take them) made 0-based; the core
    /// checks the range and reports positions 1-based.
    public func positions(_ i: Int32) throws -> Tensor {
        let t = try tensor(i)
        guard t.dtype == .int64 else { throw error(i, "positions must be an int64 tensor, got \(t.dtype.rawValue)") }
        return try t.binary(.sub, Tensor(scalar: Int64(1)))
    }

    /// A tensor from a (nested) Lua table of numbers, a number, or another tensor.
    public func tensorFromLua(_ i: Int32, dtype: DType?) throws -> Tensor {
        if let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor {
            return try t.astype(dtype ?? t.dtype)
        }
        if let v = lua.toNumber(i) {
            let dt = dtype ?? .float64
            let t = try Tensor(uninitialized: [], dtype: dt)
            return try t.copy_(Tensor(scalar: v))
        }
        guard isTable(i) else { throw expected(i, "table of numbers") }
        var shape: [Int] = []
        // Follow first elements to find the shape.
        try lua.reserve(40)
        lua_pushvalue(lua.L, i)
        var depth = 0
        while lua.type(-1) == LUA_TTABLE {
            guard depth < 32 else { lua.pop(Int32(depth + 1)); throw error(i, "tables nested more than 32 deep") }
            let n = lua.rawLength(-1)
            shape.append(n)
            if n == 0 { break }
            lua.rawIndex(-1, 1)
            depth += 1
        }
        lua.pop(Int32(depth + 1))
        let count = try Tensor.checkedCount(shape)
        if dtype == .int64 {
            // Integers are read as integers, so values beyond 2^53 stay exact.
            var values = [Int64](); values.reserveCapacity(count)
            try fill(&values, shape: shape, level: 0, at: i, path: []) { lua.isInteger($0) ? Int64(lua.toInteger($0) ?? 0) : Int64(fromDouble: $1) }
            return try Tensor(values, shape: shape)
        }
        var values = [Double](); values.reserveCapacity(count)
        try fill(&values, shape: shape, level: 0, at: i, path: []) { _, v in v }
        let t = try Tensor(values, shape: shape)
        return try t.astypeIfNeeded(dtype ?? .float64)
    }

    private func fill<E>(_ out: inout [E], shape: [Int], level: Int, at idx: Int32, path: [Int],
                         _ convert: (Int32, Double) -> E) throws {
        let at = lua_absindex(lua.L, idx)
        let n = lua.rawLength(at)
        func whereText() -> String { path.isEmpty ? "the table" : "element [" + path.map { String($0) }.joined(separator: "][") + "]" }
        guard n == shape[level] else {
            throw error(1, "ragged table: \(whereText()) has \(n) entries, expected \(shape[level])")
        }
        try lua.reserve(4)
        for k in 1...max(n, 1) where k <= n {
            lua.rawIndex(at, k)
            defer { lua.pop() }
            if level == shape.count - 1 {
                if let v = lua.toNumber(-1) { out.append(convert(-1, v)); continue }
                if lua.type(-1) == LUA_TBOOLEAN { out.append(convert(-1, lua.toBool(-1) ? 1 : 0)); continue }
                throw error(1, "\(whereText())[\(k)] is a \(lua.typeName(-1)), expected a number\(lua.type(-1) == LUA_TUSERDATA ? " (use ouro.tensor.stack to join tensors)" : "")")
            }
            guard lua.type(-1) == LUA_TTABLE else {
                throw error(1, "ragged table: \(whereText())[\(k)] is a \(lua.typeName(-1)), expected a table of \(shape[level + 1])")
            }
            try fill(&out, shape: shape, level: level + 1, at: -1, path: path + [k], convert)
        }
    }

    /// Pushes nested Lua tables holding the tensor's values (a number for 0-d).
    public func pushTable(_ t: Tensor) throws -> Int32 {
        if t.rank == 0 { return try pushValue(t) }
        // Every level makes a table per entry of the levels above it (a 1×2^33×0 tensor holds no
        // values but would make 2^33 tables): count them against the memory policy first.
        var tables = 0, entries = 1
        for d in t.shape {
            let (e, o) = entries.multipliedReportingOverflow(by: d)
            entries = o ? Int.max / 2 : e
            tables = min(tables &+ entries, Int.max / 2)
        }
        do { try MemoryPolicy.checkCount(tables, bytesPerItem: 64, what: "the Lua table entries of a \(describeShape(t.shape)) tensor") }
        catch let e as TensorError { throw fail(e.message) }
        let isInt = t.dtype == .int64
        let values = isInt ? [] : t.toDoubles(), ints = isInt ? t.toInt64s() : []
        try lua.reserve(t.rank + 4)
        var pos = 0
        func build(_ level: Int) {
            let n = t.shape[level]
            lua.newTable(narr: n)
            for k in 1...max(n, 1) where k <= n {
                if level == t.rank - 1 {
                    if isInt { lua.push(ints[pos]) } else { lua.push(values[pos]) }
                    pos += 1
                } else { build(level + 1) }
                lua.setRawIndex(-2, k)
            }
        }
        build(0)
        return 1
    }
}
