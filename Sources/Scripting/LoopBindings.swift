import CLua
import CLuaBridge
import Foundation
import Loop
import Models
import Tensor

/// `ouro.loop{...}`: builds a run from a configuration table; calling the run executes it.
enum LoopBindings {
    static func install(_ host: LuaHost) {
        host.registerClass(kind: Userdata.pool, display: "Pool", methods: poolMethods, meta: [
            Binding("__tostring", "") { a in a.lua.push("ouro.Pool(\(try pool(a, 1).size) rows)"); return 1 },
            Binding("__len", "#pool — the number of rows.") { a in a.lua.push(try pool(a, 1).size); return 1 },
        ])
    }

    static func pool(_ a: Args, _ i: Int32) throws -> Pool {
        guard let p = try Userdata.object(a.lua, i, Userdata.pool) as? Pool else { throw a.expected(i, "pool") }
        return p
    }

    static let functions: [Binding] = [
        Binding("loop", """
            ouro.loop{name=, model=function(seed) … end, real=, test=, generations=, samples=(default: the number of real rows), workflow=, verifier=, keep_top=, metrics=, seeds= | seed=, out=, threads=2, max_resample_rounds=10, keep_pool=false, subsample=} — a self-consuming run; call it (run()) to execute. real/test are tensors or function(seed) returning train, test. workflow is "replace", "accumulate", "accumulate-subsample", {real=k, synthetic=m} or function(pool, t, ctx) returning 1-based indices. Resumable: rerunning with the same out continues an interrupted run.
            """) { a in
            guard a.isTable(1) else { throw a.expected(1, "configuration table") }
            _ = try parse(a, 1)                       // fail early on a bad configuration
            guard let host = HostRegistry.host(a.lua.L) else { throw LuaError("loop: no host") }
            lua_pushvalue(a.lua.L, 1)
            host.pushClosure("run", doc: "run() — executes the loop and returns its results.") { r in
                try execute(r)
            }
            return 1
        },
    ]

    /// The configuration as read from the table at index i (callbacks stay in the table).
    struct Parsed {
        var config: LoopConfig
        var hasVerifier: Bool
        var hasMetrics: Bool
        var dataIsFunction: Bool
        var fingerprint: [String: Any]
    }

    static func parse(_ a: Args, _ i: Int32) throws -> Parsed {
        let lua = a.lua
        func type(_ key: String) -> Int32 { let t = lua.rawField(i, key); lua.pop(); return t }
        guard type("model") == LUA_TFUNCTION else {
            throw a.error(i, "'model' must be a function(seed) returning a fresh model (a model object would be shared between seeds)")
        }
        let generations = try a.optIntField(i, "generations") ?? 10
        guard generations >= 1 && generations <= 1_000_000 else { throw a.error(i, "'generations' must be in 1..10^6, got \(generations)") }
        var fp: [String: Any] = ["generations": generations]
        let dataIsFunction = type("real") == LUA_TFUNCTION
        if !dataIsFunction {
            guard let real = try tensorField(a, i, "real") else { throw a.error(i, "'real' must be a tensor or a function(seed) returning train, test") }
            guard real.rank == 2 else { throw a.error(i, "'real' must be an n×d tensor, got shape \(describeShape(real.shape))") }
            fp["real"] = checksum(real)
            if let test = try tensorField(a, i, "test") {
                guard test.rank == 2, test.shape[1] == real.shape[1] else {
                    throw a.error(i, "'test' must have the columns of 'real' (\(real.shape[1])), got shape \(describeShape(test.shape))")
                }
                fp["test"] = checksum(test)
            }
        } else { fp["real"] = "function" }
        // Default: as many samples per generation as there are real rows (-1 = decided per seed).
        var samplesDefault = -1
        if !dataIsFunction, let real = try tensorField(a, i, "real") { samplesDefault = real.shape[0] }
        let given = try a.optIntField(i, "samples")
        if let g = given, g < 0 { throw a.error(i, "'samples' must be non-negative, got \(g)") }
        let samples = given ?? samplesDefault
        fp["samples"] = samples
        let workflow = try parseWorkflow(a, i)
        fp["workflow"] = workflow.name
        var seeds: [Int] = []
        if let at = a.option(i, "seeds") {
            defer { lua.pop() }
            guard lua.type(at) == LUA_TTABLE else { throw a.error(i, "'seeds' must be a list of integers") }
            seeds = try a.intList(at, what: "seed")
        } else {
            seeds = [try a.optIntField(i, "seed") ?? 0]
        }
        guard !seeds.isEmpty, Set(seeds).count == seeds.count else { throw a.error(i, "'seeds' must be a non-empty list of distinct integers") }
        fp["seeds"] = seeds
        let name = try a.optStringField(i, "name") ?? "run"
        fp["name"] = name
        var config = LoopConfig(name: name, generations: generations, samples: samples, workflow: workflow, seeds: seeds)
        config.keepTop = try a.optNumberField(i, "keep_top")
        if let q = config.keepTop { guard q > 0 && q <= 1 else { throw a.error(i, "'keep_top' must be in (0, 1], got \(q)") }; fp["keep_top"] = q }
        config.maxResampleRounds = try a.optIntField(i, "max_resample_rounds") ?? 10
        guard config.maxResampleRounds >= 0 && config.maxResampleRounds <= 10_000 else { throw a.error(i, "'max_resample_rounds' must be in 0..10000") }
        fp["max_resample_rounds"] = config.maxResampleRounds
        config.threads = try a.optIntField(i, "threads") ?? 2
        guard config.threads >= 1 && config.threads <= 256 else { throw a.error(i, "'threads' must be in 1..256") }
        config.out = try a.optStringField(i, "out")
        config.keepPool = try a.optBoolField(i, "keep_pool", false)
        let hasVerifier = type("verifier") != LUA_TNIL
        if hasVerifier && type("verifier") != LUA_TFUNCTION { throw a.error(i, "'verifier' must be a function(batch, ctx)") }
        let hasMetrics = type("metrics") != LUA_TNIL
        if hasMetrics && type("metrics") != LUA_TFUNCTION { throw a.error(i, "'metrics' must be a function(model, ctx) returning {name = value}") }
        fp["verifier"] = hasVerifier; fp["metrics"] = hasMetrics
        return Parsed(config: config, hasVerifier: hasVerifier, hasMetrics: hasMetrics, dataIsFunction: dataIsFunction, fingerprint: fp)
    }

    static func tensorField(_ a: Args, _ i: Int32, _ key: String) throws -> Tensor? {
        guard let at = a.option(i, key) else { return nil }
        defer { a.lua.pop() }
        guard let t = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor else {
            throw a.error(i, "'\(key)' must be a tensor, got \(a.lua.typeName(at))")
        }
        return t
    }

    static func parseWorkflow(_ a: Args, _ i: Int32) throws -> Workflow {
        let lua = a.lua
        guard let at = a.option(i, "workflow") else { return .replace }
        defer { lua.pop() }
        if let s = lua.toString(at) {
            switch s {
            case "replace": return .replace
            case "accumulate": return .accumulate
            case "accumulate-subsample": return .accumulateSubsample(size: try a.optIntField(i, "subsample"))
            default: throw a.error(i, "unknown workflow '\(s)' (expected replace, accumulate, accumulate-subsample, {real=k, synthetic=m} or a function)")
            }
        }
        if lua.type(at) == LUA_TTABLE {
            guard let r = try a.optIntField(at, "real"), let s = try a.optIntField(at, "synthetic"), r >= 0, s >= 0, r + s > 0 else {
                throw a.error(i, "a mix workflow is {real = k, synthetic = m} with non-negative integers")
            }
            return .mix(real: r, synthetic: s)
        }
        if lua.type(at) == LUA_TFUNCTION {
            let name = try a.optStringField(i, "workflow_name") ?? "custom"
            return .custom(name: name, select: { _, _ in [] })     // replaced by the gate-backed policy at run time
        }
        throw a.error(i, "'workflow' must be a name, a {real=, synthetic=} table or a function")
    }

    /// FNV-1a of a tensor's shape, dtype and bytes: identifies the data in a run's fingerprint.
    static func checksum(_ t: Tensor) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        for c in (t.dtype.rawValue + describeShape(t.shape)).utf8 { mix(c) }
        if let c = try? t.contiguous() {
            let p = (c.storage.bytes + c.offset * t.dtype.size).assumingMemoryBound(to: UInt8.self)
            for k in 0..<(c.count * t.dtype.size) { mix(p[k]) }
        }
        return String(h, radix: 16)
    }

    // MARK: running

    static func execute(_ r: Args) throws -> Int32 {
        let L = r.lua.L
        let cfgIndex = ouro_lua_upvalueindex(2)
        lua_pushvalue(L, cfgIndex)
        let cfg = r.lua.top
        var parsed = try parse(r, cfg)
        let fpData = try JSONSerialization.data(withJSONObject: parsed.fingerprint, options: [.sortedKeys])
        parsed.config.fingerprint = String(decoding: fpData, as: UTF8.self)
        parsed.config.manifestExtras = ["config": parsed.fingerprint]
        let workers = max(1, min(parsed.config.threads, parsed.config.seeds.count))
        lua_pushvalue(L, cfg)
        let gate = LuaGate(L, threads: workers + 1)
        defer { gate.close() }
        let callbacks = try makeCallbacks(parsed, gate: gate)
        if case .custom(let name, _) = parsed.config.workflow {
            parsed.config.workflow = .custom(name: name, select: { pool, ctx in try customSelect(gate, pool, ctx) })
        }
        let runner = try LoopRunner(config: parsed.config, callbacks: callbacks, showProgress: true)
        let result: LoopResult
        do { result = try runner.run() } catch {
            throw LuaError("\(parsed.config.name): \(error)")
        }
        try pushResult(r, result)
        return 1
    }

    static func makeCallbacks(_ p: Parsed, gate: LuaGate) throws -> LoopCallbacks {
        var cb = LoopCallbacks(
            makeModel: { seed, generation in
                try gate.call { lua in
                    lua.rawField(1, "model")
                    lua.push(seed); lua.push(generation)
                    try lua.protectedCall(nargs: 2, nresults: 1, what: "model")
                    guard let m = try Userdata.object(lua, -1, Userdata.model) as? GenerativeModel else {
                        throw LuaError("model: the model function must return a model (ouro.models.*), got \(lua.typeName(-1))")
                    }
                    return m
                }
            },
            data: { seed in
                try gate.call { lua in
                    if p.dataIsFunction {
                        lua.rawField(1, "real")
                        lua.push(seed)
                        try lua.protectedCall(nargs: 1, nresults: 2, what: "real")
                        guard let train = try Userdata.object(lua, -2, Userdata.tensor) as? Tensor else {
                            throw LuaError("real: the data function must return the training tensor (and the test tensor), got \(lua.typeName(-2))")
                        }
                        let test = try Userdata.object(lua, -1, Userdata.tensor) as? Tensor
                        guard train.rank == 2 else { throw LuaError("real: training data must be n×d, got \(describeShape(train.shape))") }
                        return (train, try test ?? Tensor.zeros([0, train.shape[1]]))
                    }
                    lua.rawField(1, "real"); lua.rawField(1, "test")
                    guard let train = try Userdata.object(lua, -2, Userdata.tensor) as? Tensor else { throw LuaError("real: not a tensor") }
                    let test = try Userdata.object(lua, -1, Userdata.tensor) as? Tensor
                    return (train, try test ?? Tensor.zeros([0, train.shape[1]]))
                }
            })
        if p.hasVerifier {
            let scores = p.config.keepTop != nil
            cb.verifier = { batch, model, ctx in
                try gate.call { lua in
                    lua.rawField(1, "verifier")
                    Userdata.push(lua, batch, kind: Userdata.tensor)
                    pushContext(lua, ctx, model: model)
                    try lua.protectedCall(nargs: 2, nresults: 1, what: "verifier")
                    let values = try numbers(lua, -1, count: batch.shape[0], what: "verifier")
                    return scores ? .scores(values) : .mask(values.map { $0 != 0 && !$0.isNaN })
                }
            }
        }
        if p.hasMetrics {
            cb.metrics = { model, ctx in
                try gate.call { lua in
                    lua.rawField(1, "metrics")
                    Userdata.push(lua, model, kind: Userdata.model)
                    pushContext(lua, ctx, model: model)
                    try lua.protectedCall(nargs: 2, nresults: 1, what: "metrics")
                    guard lua.type(-1) == LUA_TTABLE else { throw LuaError("metrics: must return a table {name = number}, got \(lua.typeName(-1))") }
                    var out: [Metric] = []
                    lua_pushnil(lua.L)
                    while lua_next(lua.L, -2) != 0 {
                        defer { lua.pop() }
                        guard let k = lua.toString(-2), let v = lua.toNumber(-1) else {
                            throw LuaError("metrics: entries must be name = number, got \(lua.typeName(-2)) = \(lua.typeName(-1))")
                        }
                        out.append(Metric(k, v))
                    }
                    return out.sorted { $0.name < $1.name }
                }
            }
        }
        cb.interrupted = { Interruption.isRequested() }
        return cb
    }

    static func pushContext(_ lua: Lua, _ ctx: LoopContext, model: GenerativeModel?) {
        lua.newTable(nrec: 6)
        lua.push(ctx.seed); lua.setRawField(-2, "seed")
        lua.push(ctx.generation); lua.setRawField(-2, "generation")
        lua.push(ctx.samples); lua.setRawField(-2, "n")
        lua.push(ctx.realCount); lua.setRawField(-2, "real_count")
        Userdata.push(lua, ctx.rng, kind: Userdata.rng); lua.setRawField(-2, "rng")
        if let model { Userdata.push(lua, model, kind: Userdata.model); lua.setRawField(-2, "model") }
    }

    /// A Lua value that should hold `count` numbers: a tensor or a list.
    static func numbers(_ lua: Lua, _ i: Int32, count: Int, what: String) throws -> [Double] {
        if let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor {
            guard t.count == count, t.rank <= 2 else {
                throw LuaError("\(what): must return one value per sample (\(count)), got a tensor of shape \(describeShape(t.shape))")
            }
            return t.toDoubles()
        }
        guard lua.type(i) == LUA_TTABLE else { throw LuaError("\(what): must return a tensor or a list of \(count) values, got \(lua.typeName(i))") }
        let n = lua.rawLength(i)
        guard n == count else { throw LuaError("\(what): returned \(n) values for \(count) samples") }
        var out = [Double](); out.reserveCapacity(n)
        for k in 1...max(n, 1) where k <= n {
            lua.rawIndex(i, k)
            defer { lua.pop() }
            if lua.type(-1) == LUA_TBOOLEAN { out.append(lua.toBool(-1) ? 1 : 0) }
            else if let v = lua.toNumber(-1) { out.append(v) }
            else { throw LuaError("\(what): value \(k) is a \(lua.typeName(-1)), expected a number or boolean") }
        }
        return out
    }

    static func customSelect(_ gate: LuaGate, _ pool: Pool, _ ctx: LoopContext) throws -> [Int] {
        try gate.call { lua in
            lua.rawField(1, "workflow")
            Userdata.push(lua, pool, kind: Userdata.pool)
            lua.push(ctx.generation)
            pushContext(lua, ctx, model: nil)
            try lua.protectedCall(nargs: 3, nresults: 1, what: "workflow")
            let i: Int32 = -1
            var raw: [Int] = []
            if let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor {
                guard t.rank == 1 else { throw LuaError("workflow: must return a 1-D tensor of indices, got shape \(describeShape(t.shape))") }
                if t.dtype != .int64, t.toDoubles().contains(where: { $0.rounded() != $0 }) {
                    throw LuaError("workflow: indices must be integers")
                }
                raw = t.toInt64s().map { Int($0) }
            } else if lua.type(i) == LUA_TTABLE {
                raw = try numbers(lua, i, count: lua.rawLength(i), what: "workflow").map { v in
                    guard v.rounded() == v, Swift.abs(v) < 1e15 else { throw LuaError("workflow: index \(v) is not an integer") }
                    return Int(v)
                }
            } else {
                throw LuaError("workflow: must return 1-based pool indices (an int64 tensor or a list), got \(lua.typeName(i))")
            }
            for k in raw where k < 1 || k > pool.size {
                throw LuaError("workflow: index \(k) is outside the pool (1..\(pool.size))")
            }
            return raw.map { $0 - 1 }
        }
    }

    static func pushResult(_ a: Args, _ r: LoopResult) throws {
        let lua = a.lua
        lua.newTable(nrec: 8)
        lua.push(r.name); lua.setRawField(-2, "name")
        lua.push(r.workflow); lua.setRawField(-2, "workflow")
        lua.push(r.generations); lua.setRawField(-2, "generations")
        if let d = r.dir { lua.push(d); lua.setRawField(-2, "dir") }
        lua.newTable(narr: r.seeds.count)
        for (k, s) in r.seeds.enumerated() { lua.push(s); lua.setRawIndex(-2, k + 1) }
        lua.setRawField(-2, "seeds")
        lua.newTable(nrec: r.metricNames.count)
        for name in r.metricNames {
            let rows = r.values[name] ?? []
            a.push(try Tensor(rows.flatMap { $0 }, shape: [r.seeds.count, r.generations]))
            lua.setRawField(-2, name)
        }
        lua.setRawField(-2, "metrics")
    }

    // MARK: pool methods (for workflow functions)

    static let poolMethods: [Binding] = [
        Binding("size", "pool:size() — the number of rows (real and synthetic, accepted or not).") { a in a.lua.push(try pool(a, 1).size); return 1 },
        Binding("generation", "pool:generation() — an int64 tensor: the generation of each row (0 = real).") { a in
            a.push(try Tensor(try pool(a, 1).generation))
        },
        Binding("accepted", "pool:accepted() — an int64 0/1 tensor: the verifier's verdict on each row (1 without a verifier).") { a in
            a.push(try Tensor(try pool(a, 1).accepted.map { Int64($0 ? 1 : 0) }))
        },
        Binding("scores", "pool:scores() — the verifier's score of each row (NaN where there is none).") { a in
            a.push(try Tensor(try pool(a, 1).score))
        },
        Binding("data", "pool:data() — all rows as a tensor (a copy).") { a in a.push(try pool(a, 1).data().clone()) },
        Binding("origin", "pool:origin(i) — where row i came from: \"real\" or the family of the model that sampled it.") { a in
            let p = try pool(a, 1)
            guard let o = p.origin(ofRow: try a.index(2, size: p.size, dim: 0)) else { throw a.error(2, "no such row") }
            a.lua.push(o); return 1
        },
        Binding("where", "pool:where{generation=k, accepted=true} — 1-based indices of matching rows (accepted rows only unless accepted=false or \"any\").") { a in
            let p = try pool(a, 1)
            let g = try a.optIntField(2, "generation")
            var acc: Bool? = true
            if let at = a.option(2, "accepted") {
                defer { a.lua.pop() }
                if a.lua.type(at) == LUA_TBOOLEAN { acc = a.lua.toBool(at) }
                else if a.lua.toString(at) == "any" { acc = nil }
                else { throw a.error(2, "accepted must be true, false or \"any\"") }
            }
            return a.push(try Tensor(p.indices(generation: g, accepted: acc).map { Int64($0 + 1) }))
        },
    ]
}
