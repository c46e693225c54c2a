import CLua
import Tensor

/// `ouro.rng(seed)` and the generator's methods.
enum RNGBindings {
    static func install(_ host: LuaHost) {
        host.registerClass(kind: Userdata.rng, display: "RNG", methods: methods, meta: [
            Binding("__tostring", "") { a in a.lua.push("ouro.rng(key \(try a.rng(1).key))"); return 1 },
        ])
        host.push(rng)
        host.document("ouro.", [rng])
    }

    static let rng = Binding("rng", "ouro.rng(seed) — a seeded, splittable random generator; the same seed gives the same numbers, bit for bit.") { a in
        let seed = try a.integer(1)
        Userdata.push(a.lua, RNG(seed: seed), kind: Userdata.rng)
        return 1
    }

    /// The shape argument of a sampler: a table or a single size.
    static func shape(_ a: Args, _ i: Int32) throws -> [Int] {
        if a.lua.type(i) == LUA_TNUMBER { return [try a.integer(i)] }
        return try a.intList(i)
    }

    static let methods: [Binding] = [
        Binding("normal", "g:normal(shape, mean?, std?, dtype?) — normal draws (standard by default).") { a in
            let g = try a.rng(1)
            let std = try a.optNumber(4, 1)
            guard std >= 0 else { throw a.error(4, "std must be non-negative, got \(std)") }
            return a.push(try g.normal(try shape(a, 2), mean: try a.optNumber(3, 0), std: std, dtype: try a.dtype(5) ?? .float64))
        },
        Binding("uniform", "g:uniform(shape, lo?, hi?, dtype?) — uniform draws in [lo, hi) (default [0, 1)).") { a in
            let g = try a.rng(1)
            return a.push(try g.uniform(try shape(a, 2), lo: try a.optNumber(3, 0), hi: try a.optNumber(4, 1), dtype: try a.dtype(5) ?? .float64))
        },
        Binding("integers", "g:integers(lo, hi, shape) — uniform int64 draws in lo..hi, both inclusive (like math.random).") { a in
            let g = try a.rng(1)
            return a.push(try g.integers(Int64(try a.integer(2)), Int64(try a.integer(3)), try shape(a, 4)))
        },
        Binding("permutation", "g:permutation(n) — a random permutation of 1..n (int64 tensor).") { a in
            let p = try a.rng(1).permutation(try a.integer(2))
            return a.push(try Tensor(p.map { Int64($0 + 1) }))
        },
        Binding("choice", "g:choice(n, k, {replace=false}) — k indices from 1..n, without replacement unless replace=true.") { a in
            let g = try a.rng(1)
            try a.checkOptions(4, ["replace"])
            let replace = try a.optBoolField(4, "replace", false)
            let c = try g.choice(try a.integer(2), try a.integer(3), replace: replace)
            return a.push(try Tensor(c.map { Int64($0 + 1) }))
        },
        Binding("split", "g:split(name) — an independent child generator named by a string or number; the same name gives the same stream.") { a in
            let g = try a.rng(1)
            let name: String
            if let s = a.lua.toString(2) { name = s }
            else if let k = a.lua.toInteger(2) { name = String(k) }
            else { throw a.expected(2, "name (string or integer)") }
            Userdata.push(a.lua, g.split(name), kind: Userdata.rng)
            return 1
        },
        Binding("random", "g:random() — one uniform number in [0, 1).") { a in a.lua.push(try a.rng(1).uniform()); return 1 },
    ]
}
