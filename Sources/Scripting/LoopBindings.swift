import CLua
import CLuaBridge
import Data
import Foundation
import Loop
import Report
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
            ouro.loop{name=, model=function(seed) … end, real=, test=, generations=, samples=(default: the number of real rows), workflow=, subsample=, verifier=, keep_top=, metrics=, seeds= | seed=, out=, threads=2, max_resample_rounds=10, keep_pool=false, workflow_name=} — a self-consuming run; call it (run()) to execute. real is a tensor or a function(seed) returning train (and optionally test); test is a tensor or a function(seed). workflow is "replace", "accumulate", "accumulate-subsample" (subsample= rows, default the real count), {real=k, synthetic=m} or function(pool, t, ctx) returning 1-based indices. out is a new or empty folder (or one of this run's): it is locked while the run writes, and a rerun with the same configuration and data resumes an interrupted run.
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

    static let keys = ["name", "model", "real", "test", "generations", "samples", "workflow", "workflow_name", "subsample",
                       "verifier", "keep_top", "metrics", "seeds", "seed", "out", "threads", "max_resample_rounds", "keep_pool"]

    /// The configuration as read from the table at index i (callbacks stay in the table).
    struct Parsed {
        var config: LoopConfig
        var hasVerifier: Bool
        var hasMetrics: Bool
        var realIsFunction: Bool
        var testIsFunction: Bool
        var hasTest: Bool
    }

    static func parse(_ a: Args, _ i: Int32) throws -> Parsed {
        let lua = a.lua
        try a.checkOptions(i, keys)
        func type(_ key: String) -> Int32 { let t = lua.rawField(i, key); lua.pop(); return t }
        guard type("model") == LUA_TFUNCTION else {
            throw a.error(i, "'model' must be a function(seed) returning a model (a model object would be shared between seeds)")
        }
        var sources: [String: String] = ["model": describeSource(lua, i, "model")]
        var config = LoopConfig()                     // the loop's defaults, overridden by what is given
        if let g = try a.optIntField(i, "generations") { config.generations = g }
        let realIsFunction = type("real") == LUA_TFUNCTION
        var rowBytes: Int?
        if realIsFunction {
            sources["real"] = describeSource(lua, i, "real")
        } else {
            guard let real = try samplesField(a, i, "real") else { throw a.error(i, "'real' must be a tensor, documents (ouro.data.text) or a function(seed) returning train (and optionally test)") }
            switch real {
            case .rows(let t):
                guard t.rank == 2, t.shape[0] >= 1, t.shape[1] >= 1 else {
                    throw a.error(i, "'real' must be an n×d tensor with n, d ≥ 1, got shape \(describeShape(t.shape))")
                }
                sources["real"] = "tensor \(describeShape(t.shape))"
            case .documents(let d):
                guard d.count >= 1 else { throw a.error(i, "'real' holds no documents") }
                sources["real"] = real.summary
            }
            rowBytes = real.byteCount / max(real.count, 1)
        }
        let testType = type("test")
        let testIsFunction = testType == LUA_TFUNCTION
        if testIsFunction {
            sources["test"] = describeSource(lua, i, "test")
        } else if testType != LUA_TNIL {
            guard let test = try samplesField(a, i, "test"), test.tensor.map({ $0.rank == 2 }) ?? true else {
                throw a.error(i, "'test' must be an n×d tensor, documents or a function(seed)")
            }
            if !realIsFunction, let real = try samplesField(a, i, "real") {
                if let t = test.tensor, let r = real.tensor, t.shape[1] != r.shape[1] {
                    throw a.error(i, "'test' must have the columns of 'real' (\(r.shape[1])), got shape \(describeShape(t.shape))")
                }
                if (test.tensor == nil) != (real.tensor == nil) {
                    throw a.error(i, "'test' (\(test.summary)) must be of the kind of 'real' (\(real.summary))")
                }
            }
            sources["test"] = test.tensor.map { "tensor \(describeShape($0.shape))" } ?? test.summary
        }
        let samples = try rowBytes.map { try a.optCountField(i, "samples", bytesPerItem: 4 * $0 + 32) } ?? a.optIntField(i, "samples")
        let workflow = try parseWorkflow(a, i)
        if case .custom = workflow { sources["workflow"] = describeSource(lua, i, "workflow") }
        if let at = a.option(i, "seeds") {
            defer { lua.pop() }
            guard type("seed") == LUA_TNIL else { throw a.error(i, "give 'seeds' or 'seed', not both") }
            guard lua.type(at) == LUA_TTABLE else { throw a.error(i, "'seeds' must be a list of integers") }
            config.seeds = try a.intList(at, what: "seed")
        } else if let s = try a.optIntField(i, "seed") {
            config.seeds = [s]
        }
        if let name = try a.optStringField(i, "name") { config.name = name }
        config.samples = samples
        config.workflow = workflow
        config.keepTop = try a.optNumberField(i, "keep_top")
        if let v = try a.optIntField(i, "max_resample_rounds") { config.maxResampleRounds = v }
        if let v = try a.optIntField(i, "threads") { config.threads = v }
        config.out = try a.optPathField(i, "out")
        if config.out != nil { try Sandbox.requireFileAccess("ouro.loop's out") }
        config.keepPool = try a.optBoolField(i, "keep_pool", false)
        let verifierType = type("verifier")
        let hasVerifier = verifierType != LUA_TNIL
        if hasVerifier {
            guard verifierType == LUA_TFUNCTION else { throw a.error(i, "'verifier' must be a function(batch, ctx)") }
            sources["verifier"] = describeSource(lua, i, "verifier")
        }
        let metricsType = type("metrics")
        let hasMetrics = metricsType != LUA_TNIL
        if hasMetrics {
            guard metricsType == LUA_TFUNCTION else { throw a.error(i, "'metrics' must be a function(model, ctx) returning {name = value}") }
            sources["metrics"] = describeSource(lua, i, "metrics")
        }
        config.sources = sources
        do { try config.validate() } catch let e as LoopError { throw a.error(i, e.message) }
        return Parsed(config: config, hasVerifier: hasVerifier, hasMetrics: hasMetrics, realIsFunction: realIsFunction,
                      testIsFunction: testIsFunction, hasTest: testType != LUA_TNIL)
    }

    /// Where a callback comes from, for the run's identity: a plugin's name and parameters, or the
    /// file and line where a Lua function is defined. (Its code itself is not seen: a change to a
    /// function's body at the same place is not detected.)
    static func describeSource(_ lua: Lua, _ i: Int32, _ key: String) -> String {
        lua.rawField(i, key)
        defer { lua.pop() }
        if let known = Sources.description(lua, -1) { return known }
        var ar = lua_Debug()
        lua_pushvalue(lua.L, -1)
        guard lua_getinfo(lua.L, ">S", &ar) != 0 else { return "function" }
        let src = withUnsafePointer(to: ar.short_src) { $0.withMemoryRebound(to: CChar.self, capacity: Int(LUA_IDSIZE)) { String(cString: $0) } }
        return ar.linedefined > 0 ? "function at \(src):\(ar.linedefined)" : "function (\(src))"
    }

    static func tensorField(_ a: Args, _ i: Int32, _ key: String) throws -> Tensor? {
        guard let at = a.option(i, key) else { return nil }
        defer { a.lua.pop() }
        guard let t = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor else {
            throw a.error(i, "'\(key)' must be a tensor, got \(a.lua.typeName(at))")
        }
        return t
    }

    static func samplesField(_ a: Args, _ i: Int32, _ key: String) throws -> Samples? {
        guard let at = a.option(i, key) else { return nil }
        defer { a.lua.pop() }
        guard let s = try samples(a.lua, at) else {
            throw a.error(i, "'\(key)' must be a tensor or documents (ouro.data.text), got \(a.lua.typeName(at))")
        }
        return s
    }

    /// The real or test data at i: a tensor's rows, or documents; nil for anything else.
    static func samples(_ lua: Lua, _ i: Int32) throws -> Samples? {
        if let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor { return .rows(t) }
        if let d = try Userdata.object(lua, i, TextBindings.documentsKind) as? Documents { return .documents(d) }
        return nil
    }

    /// A sampled batch as a verifier sees it: a tensor, or a list of strings (for prompt/response
    /// pairs the responses; their prompts go in ctx.prompts).
    static func pushBatch(_ lua: Lua, _ batch: Samples) {
        switch batch {
        case .rows(let t): Userdata.push(lua, t, kind: Userdata.tensor)
        case .documents(let d):
            lua.newTable(narr: d.count)
            for k in 0..<d.count { lua.push(bytes: Array(d.response(k))); lua.setRawIndex(-2, k + 1) }
        }
    }

    static func parseWorkflow(_ a: Args, _ i: Int32) throws -> Workflow {
        let lua = a.lua
        let subsample = try a.optIntField(i, "subsample")
        let workflowName = try a.optStringField(i, "workflow_name")
        var workflow = Workflow.replace
        if let at = a.option(i, "workflow") {
            defer { lua.pop() }
            if let s = lua.toString(at) {
                switch s {
                case "replace": workflow = .replace
                case "accumulate": workflow = .accumulate
                case "accumulate-subsample": workflow = .accumulateSubsample(size: subsample)
                default:
                    let near = Args.closest(to: s, in: ["replace", "accumulate", "accumulate-subsample"]).map { "; did you mean '\($0)'?" } ?? ""
                    throw a.error(i, "unknown workflow '\(s)' (expected replace, accumulate, accumulate-subsample, {real=k, synthetic=m} or a function)\(near)")
                }
            } else if lua.type(at) == LUA_TTABLE {
                try a.checkOptions(at, ["real", "synthetic"], what: "workflow")
                guard let r = try a.optIntField(at, "real"), let s = try a.optIntField(at, "synthetic"), r >= 0, s >= 0, r + s > 0 else {
                    throw a.error(i, "a mix workflow is {real = k, synthetic = m} with non-negative integers, not both 0")
                }
                workflow = .mix(real: r, synthetic: s)
            } else if lua.type(at) == LUA_TFUNCTION {
                workflow = .custom(name: workflowName ?? "custom", select: { _, _ in [] })     // the gate-backed policy at run time
            } else {
                throw a.error(i, "'workflow' must be a name, a {real=, synthetic=} table or a function")
            }
        }
        if subsample != nil, case .accumulateSubsample = workflow {} else if subsample != nil {
            throw a.error(i, "'subsample' applies to workflow = \"accumulate-subsample\" only (this run's is '\(workflow.name)')")
        }
        if workflowName != nil, case .custom = workflow {} else if workflowName != nil {
            throw a.error(i, "'workflow_name' names a workflow function; this run's workflow is '\(workflow.name)'")
        }
        return workflow
    }

    // MARK: running

    static func execute(_ r: Args) throws -> Int32 {
        let L = r.lua.L
        let cfgIndex = ouro_lua_upvalueindex(2)
        lua_pushvalue(L, cfgIndex)
        let cfg = r.lua.top
        var parsed = try parse(r, cfg)
        parsed.config.manifestExtras = ["config": parsed.config.sources]
        let workers = max(1, min(parsed.config.threads, parsed.config.seeds.count))
        lua_pushvalue(L, cfg)
        let gate = LuaGate(L, threads: workers + 1)
        let store = LuaValueStore(r.lua)
        defer { store.close(r.lua); gate.close() }
        let callbacks = try makeCallbacks(parsed, gate: gate, store: store)
        if case .custom(let name, _) = parsed.config.workflow {
            parsed.config.workflow = .custom(name: name, select: { pool, ctx in try customSelect(gate, pool, ctx) })
        }
        let result: LoopResult
        do {
            let runner = try LoopRunner(config: parsed.config, callbacks: callbacks, showProgress: true)
            result = try runner.run()
        } catch {
            throw LuaError("\(parsed.config.name): \(error)")
        }
        try pushResult(r, result)
        return 1
    }

    static func makeCallbacks(_ p: Parsed, gate: LuaGate, store: LuaValueStore) throws -> LoopCallbacks {
        /// The model function's result: a built-in model, or a table written in Lua (wrapped).
        func makeModel(_ seed: Int, _ generation: Int) throws -> GenerativeModel {
            try gate.call { lua in
                lua.rawField(1, "model")
                lua.push(seed); lua.push(generation)
                try lua.protectedCall(nargs: 2, nresults: 1, what: "model")
                if let m = try Userdata.anyModel(lua, -1) { return m }
                guard lua.type(-1) == LUA_TTABLE else {
                    throw LuaError("model: the model function must return a model (ouro.models.*) or a table with fit, sample and evaluate, got \(lua.typeName(-1))")
                }
                for method in ["fit", "sample", "evaluate"] {
                    lua.rawField(-1, method)
                    defer { lua.pop() }
                    guard lua.type(-1) == LUA_TFUNCTION else {
                        throw LuaError("model: the table returned by the model function needs a '\(method)' function (fit(self, data, ctx), sample(self, n, ctx), evaluate(self, test, ctx))")
                    }
                }
                lua.rawField(-1, "name")
                let family = lua.toString(-1) ?? "lua model"
                lua.pop()
                let id = store.add(lua, -1)
                return LuaTableModel(gate: gate, store: store, id: id, family: family, remake: { try makeModel(seed, generation) })
            }
        }
        var cb = LoopCallbacks(
            makeModel: makeModel,
            data: { seed in
                try gate.call { lua in
                    /// Calls the configuration's function `key` with the seed; its first result must be data.
                    func call(_ key: String, results: Int32, what: String) throws -> Samples {
                        lua.rawField(1, key)
                        lua.push(seed)
                        try lua.protectedCall(nargs: 1, nresults: results, what: key)
                        guard let t = try samples(lua, -results) else {
                            throw LuaError("\(key): the function must return \(what), got \(lua.typeName(-results))")
                        }
                        return t
                    }
                    var train: Samples, test: Samples?
                    if p.realIsFunction {
                        train = try call("real", results: 2, what: "the training data, a tensor or documents (and optionally the test data)")
                        if !lua.isNoneOrNil(-1) {
                            guard let t2 = try samples(lua, -1) else {
                                throw LuaError("real: the second value must be the test data, got \(lua.typeName(-1))")
                            }
                            guard !p.hasTest else {
                                throw LuaError("real: the data function returned test data and test= is given too; give one of them")
                            }
                            test = t2
                        }
                        lua.pop(2)
                    } else {
                        lua.rawField(1, "real")
                        guard let t = try samples(lua, -1) else { throw LuaError("real: not a tensor or documents") }
                        train = t
                        lua.pop()
                    }
                    if p.testIsFunction {
                        test = try call("test", results: 1, what: "a tensor or documents")
                    } else if p.hasTest {
                        lua.rawField(1, "test")
                        test = try samples(lua, -1)
                    }
                    switch train {
                    case .rows(let t):
                        guard t.rank == 2 else { throw LuaError("real: training data must be n×d, got \(describeShape(t.shape))") }
                        return (train, try test ?? .rows(Tensor.zeros([0, t.shape[1]])))
                    case .documents(let d):
                        return (train, try test ?? .documents(Documents([], promptLengths: d.isPairs ? [] : nil)))
                    }
                }
            })
        if p.hasVerifier {
            let scores = p.config.keepTop != nil
            cb.verifier = { batch, model, ctx in
                try gate.call { lua in
                    lua.rawField(1, "verifier")
                    pushBatch(lua, batch)
                    pushContext(lua, ctx, model: model)
                    if let d = batch.documents, d.isPairs {
                        lua.newTable(narr: d.count)
                        for k in 0..<d.count { lua.push(bytes: Array(d.prompt(k))); lua.setRawIndex(-2, k + 1) }
                        lua.setRawField(-2, "prompts")
                    }
                    try lua.protectedCall(nargs: 2, nresults: 1, what: "verifier")
                    let values = try numbers(lua, -1, count: batch.count, what: "verifier")
                    return scores ? .scores(values) : .mask(values.map { $0 != 0 && !$0.isNaN })
                }
            }
        }
        if p.hasMetrics {
            cb.metrics = { model, ctx in
                try gate.call { lua in
                    lua.rawField(1, "metrics")
                    Userdata.pushModel(lua, model)
                    pushContext(lua, ctx, model: model)
                    try lua.protectedCall(nargs: 2, nresults: 1, what: "metrics")
                    return try metricTable(lua, -1, what: "metrics")
                }
            }
        }
        if let out = p.config.out, let first = p.config.seeds.first {
            // Models show their samples for the run's first seed: image models a grid in
            // out/samples/gen-XXX.png, language models a few documents in out/samples/gen-XXX.txt.
            // (Models that show nothing, the Gaussian's, pay only the two casts per generation.)
            cb.generationDone = { model, ctx in
                guard ctx.seed == first else { return }
                func path(_ ext: String) throws -> String {
                    guard Directory.make(out + "/samples") else { throw LuaError(AtomicFile.failure("cannot create '\(out)/samples'").message) }
                    return out + "/samples/" + RunStore.generationFile(ctx.generation, ext)
                }
                if let m = model as? ImageSampling, let (images, columns) = try m.sampleGrid(rng: ctx.rng) {
                    try PNG.write(ImageGrid.render(images, columns: columns, scale: 2), to: try path("png"))
                } else if let m = model as? DocumentModel {
                    try AtomicFile.write(try m.sampleDocuments(8, rng: ctx.rng).fortuneText(), to: try path("txt"))
                }
            }
        }
        let source = Interruption.current
        cb.interrupted = { Interruption.process() || (source?.isRaised() ?? false) }
        return cb
    }

    /// A table {name = number} a Lua function returned (metrics, a Lua model's evaluate), sorted by name.
    static func metricTable(_ lua: Lua, _ i: Int32, what: String) throws -> [Metric] {
        guard lua.type(i) == LUA_TTABLE else { throw LuaError("\(what): must return a table {name = number}, got \(lua.typeName(i))") }
        let at = lua_absindex(lua.L, i)
        var out: [Metric] = []
        lua_pushnil(lua.L)
        while lua_next(lua.L, at) != 0 {
            defer { lua.pop() }
            guard lua.type(-2) == LUA_TSTRING, let k = lua.toString(-2), let v = lua.toNumber(-1) else {
                throw LuaError("\(what): entries must be name = number, got \(lua.typeName(-2)) = \(lua.typeName(-1))")
            }
            out.append(Metric(k, v))
        }
        return out.sorted { $0.name < $1.name }
    }

    static func pushContext(_ lua: Lua, _ ctx: LoopContext, model: GenerativeModel?) {
        lua.newTable(nrec: 6)
        lua.push(ctx.seed); lua.setRawField(-2, "seed")
        lua.push(ctx.generation); lua.setRawField(-2, "generation")
        lua.push(ctx.samples); lua.setRawField(-2, "n")
        lua.push(ctx.realCount); lua.setRawField(-2, "real_count")
        Userdata.push(lua, ctx.rng, kind: Userdata.rng); lua.setRawField(-2, "rng")
        if let model { Userdata.pushModel(lua, model); lua.setRawField(-2, "model") }
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
        Binding("data", "pool:data() — all rows as a tensor (a copy), or all documents (for a language model's pool).") { a in
            switch try pool(a, 1).data() {
            case .rows(let t): return a.push(try t.clone())
            case .documents(let d): return TextBindings.pushDocuments(a, d)
            }
        },
        Binding("origin", "pool:origin(i) — where row i came from: \"real\" or the family of the model that sampled it.") { a in
            let p = try pool(a, 1)
            guard let o = p.origin(ofRow: try a.index(2, size: p.size, dim: 0)) else { throw a.error(2, "no such row") }
            a.lua.push(o); return 1
        },
        Binding("where", "pool:where{generation=k, accepted=true} — 1-based indices of matching rows (accepted rows only unless accepted=false or \"any\").") { a in
            let p = try pool(a, 1)
            try a.checkOptions(2, ["generation", "accepted"])
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
