import Foundation
import Report
import Models
import Tensor

/// Everything that defines a run except the callbacks.
public struct LoopConfig {
    public var name: String
    public var generations: Int
    /// Synthetic samples drawn per generation (nil: as many as the seed has real rows).
    public var samples: Int?
    public var workflow: Workflow
    public var seeds: [Int]
    /// With a score verifier: the fraction of each batch kept (the top scores).
    public var keepTop: Double?
    /// Extra sampling rounds allowed when a verifier rejects too much (then the loop goes on
    /// with fewer samples and says so).
    public var maxResampleRounds = 10
    /// Worker threads across seeds (BLAS stays single-threaded inside each).
    public var threads = 2
    /// Run folder, or nil for an in-memory run.
    public var out: String?
    /// Keep every generation's samples on disk after a seed completes.
    public var keepPool = false
    /// What the loop cannot see for itself but determines the numbers: where the callbacks and
    /// data come from (e.g. "function at script.lua:12", "tensor 100x2 <checksum>"). Part of the
    /// run's identity.
    public var sources: [String: String] = [:]
    /// Extra manifest entries (the whole configuration as the script gave it).
    public var manifestExtras: [String: Any] = [:]

    /// A configuration with the loop's defaults: name "run", 10 generations, as many samples per
    /// generation as real rows, replace, seed 0 (and 2 threads, 10 resampling rounds, no out).
    public init(name: String = "run", generations: Int = 10, samples: Int? = nil, workflow: Workflow = .replace, seeds: [Int] = [0]) {
        self.name = name; self.generations = generations; self.samples = samples; self.workflow = workflow; self.seeds = seeds
    }

    /// Checks the configuration; errors name the setting and what it must be.
    public func validate() throws {
        guard !name.isEmpty else { throw LoopError("'name' must not be empty") }
        guard generations >= 1 && generations <= 1_000_000 else { throw LoopError("'generations' must be in 1..10^6, got \(generations)") }
        if let s = samples { guard s >= 0 else { throw LoopError("'samples' must be non-negative, got \(s)") } }
        guard !seeds.isEmpty else { throw LoopError("'seeds' must hold at least one seed") }
        guard Set(seeds).count == seeds.count else { throw LoopError("'seeds' must be distinct") }
        if let q = keepTop { guard q > 0 && q <= 1 else { throw LoopError("'keep_top' must be in (0, 1], got \(q)") } }
        guard maxResampleRounds >= 0 && maxResampleRounds <= 10_000 else { throw LoopError("'max_resample_rounds' must be in 0..10000, got \(maxResampleRounds)") }
        guard threads >= 1 && threads <= 256 else { throw LoopError("'threads' must be in 1..256, got \(threads)") }
        try workflow.validate()
        if let out {
            guard !out.isEmpty else { throw LoopError("'out' is empty: give the folder for the run's records") }
            guard !out.utf8.contains(0) else { throw LoopError("'out' contains a NUL byte") }
        }
    }

    /// The canonical description of everything that determines the numbers, and its checksum:
    /// the run's identity. A run folder holding another identity is refused.
    public func identity(model: [String: String]) throws -> (value: UInt64, description: [String: Any]) {
        var d: [String: Any] = [
            "name": name, "generations": generations, "samples": samples.map { "\($0)" } ?? "as many as real rows",
            "workflow": workflow.identity, "seeds": seeds, "max_resample_rounds": maxResampleRounds,
            "keep_pool": keepPool, "model": model, "sources": sources,
        ]
        if let q = keepTop { d["keep_top"] = q }
        return (Checksum.of(JSONText.encode(d, pretty: false)), d)
    }
}

/// The parts of a run that come from the user (Lua functions, through the scripting layer).
public struct LoopCallbacks {
    /// The seed's model, as configured by the user. The loop never changes the object it gets:
    /// each seed works on a `fresh()` copy, prepared with the seed's real data, and each
    /// generation fits a `fresh()` copy of that — so one object returned for every seed is safe.
    public var makeModel: (_ seed: Int, _ generation: Int) throws -> GenerativeModel
    /// Real training and held-out test data for a seed (tensor rows, or documents for a language model).
    public var data: (_ seed: Int) throws -> (train: Samples, test: Samples)
    public var verifier: ((_ batch: Samples, _ model: GenerativeModel, _ ctx: LoopContext) throws -> Verdict)?
    public var metrics: ((_ model: GenerativeModel, _ ctx: LoopContext) throws -> [Metric])?
    /// Called with each generation's fitted model once its metrics and samples are done (before
    /// it is recorded): where the scripting layer writes sample grids of image models.
    public var generationDone: ((_ model: GenerativeModel, _ ctx: LoopContext) throws -> Void)?
    /// Checked between generations; true stops the run ("interrupted").
    public var interrupted: () -> Bool = { false }
    /// Messages for the user (verifier shortfalls, repairs), with the seed and generation.
    public var warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(makeModel: @escaping (Int, Int) throws -> GenerativeModel, data: @escaping (Int) throws -> (train: Samples, test: Samples)) {
        self.makeModel = makeModel; self.data = data
    }

    /// Callbacks for tensor data.
    public init(makeModel: @escaping (Int, Int) throws -> GenerativeModel, tensors: @escaping (Int) throws -> (train: Tensor, test: Tensor)) {
        self.init(makeModel: makeModel, data: { seed in let (a, b) = try tensors(seed); return (.rows(a), .rows(b)) })
    }
}

/// What a run returns: every metric as seeds × generations.
public struct LoopResult {
    public let name: String
    public let workflow: String
    public let seeds: [Int]
    public let generations: Int
    public let metricNames: [String]
    /// values[metric][seedIndex][generation − 1]; NaN where a metric was not recorded.
    public let values: [String: [[Double]]]
    public let dir: String?
}

/// A failure with the seed and generation where it happened.
public struct LoopFailure: Error, CustomStringConvertible {
    public let seed: Int
    public let generation: Int
    public let underlying: Error
    public var description: String { "run failed at seed \(seed), generation \(generation): \(underlying)" }
}

/// The run was interrupted (Ctrl-C); its records are consistent and a rerun resumes it.
public struct LoopInterrupted: Error, CustomStringConvertible {
    public let seed: Int
    public let generation: Int
    public var description: String { "interrupted at seed \(seed), generation \(generation) (run again with the same out to resume)" }
}

/// Runs the self-consuming loop for every seed, in parallel across seeds, with records.
public final class LoopRunner {
    public let config: LoopConfig
    public let callbacks: LoopCallbacks
    let store: RunStore?
    let progress: Progress?

    public init(config: LoopConfig, callbacks: LoopCallbacks, showProgress: Bool) throws {
        try config.validate()
        // The model as the factory configures it (for the first seed) is part of the run's identity.
        let model = try callbacks.makeModel(config.seeds[0], 1).configuration
        var config = config
        config.manifestExtras["model"] = model
        let (identity, description) = try config.identity(model: model)
        self.config = config
        self.callbacks = callbacks
        store = try config.out.map {
            try RunStore(dir: $0, run: config.name, workflow: config.workflow.name, identity: identity,
                         description: description, keepPool: config.keepPool)
        }
        progress = showProgress ? Progress(name: config.name, total: config.seeds.count * config.generations, seeds: config.seeds.count) : nil
    }

    /// Runs every seed; returns when all are done or throws the first failure.
    /// Whether a finished run with `out` writes its report.html (a sweep's tasks do not: the
    /// sweep writes one page for all of them).
    nonisolated(unsafe) public static var writesReport = true

    public func run() throws -> LoopResult {
        defer { store?.close() }
        let started = Date()
        let shared = SharedRunState(seeds: config.seeds.count)
        let work = { [self] in
            while let i = shared.nextSeed() {
                do {
                    let (r, t) = try runSeed(config.seeds[i], stop: { shared.failed })
                    progress?.seedFinished()
                    shared.finished(i, rows: r, timings: t)
                } catch {
                    shared.fail(error)
                }
            }
        }
        let workers = max(1, min(config.threads, config.seeds.count))
        // Workers answer to whatever interrupts the caller (its host's request, Ctrl-C).
        let interruption = Interruption.current
        if workers == 1 {
            work()
        } else {
            let group = DispatchGroup()
            for _ in 0..<workers {
                group.enter()
                // Seeds already use every core: their ops run unsplit.
                let t = Thread { Interruption.with(interruption) { Parallel.serially(work) }; group.leave() }
                t.stackSize = 8 << 20
                t.start()
            }
            group.wait()
        }
        let (rows, timings, failure) = shared.results
        progress?.finish()
        if let store {
            try store.writeMetrics(seeds: config.seeds)
            var manifest = config.manifestExtras
            manifest["name"] = config.name
            manifest["workflow"] = config.workflow.name
            manifest["seeds"] = config.seeds
            manifest["generations"] = config.generations
            manifest["samples"] = config.samples ?? "as many as real rows"
            manifest["tool"] = "ouro \(Ouroboros.version)"
            manifest["status"] = failure == nil ? "complete" : failure is LoopInterrupted ? "interrupted" : "failed"
            if let failure { manifest["error"] = "\(failure)" }
            manifest["wall_seconds"] = Date().timeIntervalSince(started)
            manifest["seconds_per_generation"] = Dictionary(uniqueKeysWithValues: zip(config.seeds.map(String.init), timings))
            try store.writeManifest(manifest)
            // the page to look at (ouro report): a failure to draw it is a warning, not a lost run
            if failure == nil && LoopRunner.writesReport {
                do { try HTMLReport.write(folder: store.dir) }
                catch { FileHandle.standardError.write(Data("ouro.loop: could not write \(store.dir)/report.html: \(error)\n".utf8)) }
            }
        }
        if let failure { throw failure }
        return collect(rows)
    }

    private func collect(_ rows: [[MetricRow]]) -> LoopResult {
        var names: [String] = []
        var slot: [String: Int] = [:]
        for r in rows.joined() where slot[r.metric] == nil { slot[r.metric] = names.count; names.append(r.metric) }
        let (k, g) = (config.seeds.count, config.generations)
        var flat = [[Double]](repeating: [Double](repeating: .nan, count: k * g), count: names.count)
        for (i, rs) in rows.enumerated() {
            for r in rs where r.generation >= 1 && r.generation <= g {
                if let m = slot[r.metric] { flat[m][i * g + r.generation - 1] = r.value }
            }
        }
        var values: [String: [[Double]]] = [:]
        for (m, name) in names.enumerated() {
            values[name] = (0..<k).map { Array(flat[m][($0 * g)..<(($0 + 1) * g)]) }
        }
        return LoopResult(name: config.name, workflow: config.workflow.name, seeds: config.seeds, generations: config.generations,
                          metricNames: names, values: values, dir: config.out)
    }

    /// A seed's data, checked, and the checksum its records carry (only a run with records needs it).
    func seedData(_ seed: Int) throws -> (train: Samples, test: Samples, checksum: UInt64) {
        let (train, test) = try callbacks.data(seed)
        switch (train, test) {
        case (.rows(let a), .rows(let b)):
            guard a.rank == 2, a.shape[0] >= 1, a.shape[1] >= 1 else {
                throw LoopError("the real data must be an n×d tensor with n, d ≥ 1, got shape \(describeShape(a.shape))")
            }
            guard b.rank == 2, b.shape[1] == a.shape[1] else {
                throw LoopError("the test data must have the real data's \(a.shape[1]) columns, got shape \(describeShape(b.shape))")
            }
        case (.documents(let a), .documents):
            guard a.count >= 1 else { throw LoopError("the real data hold no documents") }
        default:
            throw LoopError("the test data (\(test.summary)) must be of the real data's kind (\(train.summary))")
        }
        return (train, test, store == nil ? 0 : Checksum.combine(try train.checksum(), try test.checksum()))
    }

    /// One seed, from where its records stop to the last generation.
    /// The closed forms of a model that has them (TheoryReporting), for the built-in replace and
    /// accumulate without a verifier: what they assume.
    func writeTheory(_ model: GenerativeModel, realRows: Int, into store: RunStore) throws {
        guard let m = model as? TheoryReporting, callbacks.verifier == nil, config.keepTop == nil else { return }
        switch config.workflow {
        case .replace, .accumulate:
            try store.writeTheory(m.theory(workflow: config.workflow.name, samples: config.samples ?? realRows,
                                           realRows: realRows, generations: config.generations))
        default: return
        }
    }

    func runSeed(_ seed: Int, stop: () -> Bool) throws -> ([MetricRow], [Double]) {
        var generation = 1
        do {
            let (train, test, dataSum) = try seedData(seed)
            // The user's object is never changed: the seed works on a fresh, prepared copy.
            let seedModel = try callbacks.makeModel(seed, 1).fresh()
            try seedModel.prepare(forSeedWithReal: train)
            if seed == config.seeds.first, let store { try writeTheory(seedModel, realRows: train.count, into: store) }
            // Neural models checkpoint their weights each generation; their batches are not stored
            // but drawn again from the weights on resume (same generator streams: same bits).
            let checkpointed = store != nil && seedModel is WeightCheckpointing
            let thin = config.workflow.usesOnlyLastGeneration && !config.keepPool && !checkpointed
            var state = try store?.load(seed: seed, data: dataSum, generations: config.generations, thin: thin,
                                        checkpointed: checkpointed) ?? RunStore.SeedState()
            if let note = state.repaired { callbacks.warn("\(config.name): \(note)") }
            if state.done {
                progress?.advance(config.generations)
                return (state.rows, state.timings)
            }
            generation = state.completed + 1
            let realCount = train.count, rowBytes = train.byteCount / max(realCount, 1)
            let samples = config.samples ?? realCount
            // The batch size, checked before anything is drawn (a batch, its copy in the pool and in
            // the records); the pool's growth is checked as it allocates.
            try MemoryPolicy.checkCount(samples, bytesPerItem: 4 * rowBytes + 32, what: "samples")
            let pool = try Pool(real: train)
            let root = RNG(seed: seed)
            var stats: FitStatistics?
            func addToStats(_ rows: Samples) throws { if stats != nil, let t = rows.tensor { try stats?.add(t) } }
            // Locals for the hot loop: no shared reference counts touched per generation.
            let generations = config.generations, workflow = config.workflow
            let interrupted = callbacks.interrupted, extraMetrics = callbacks.metrics, verified = callbacks.verifier != nil
            // Rebuild the pool (and running statistics) from the generations already done.
            if config.workflow.isAccumulate, let m = seedModel as? StatisticsFittable, let t = train.tensor {
                stats = m.emptyStatistics(dim: t.shape[1])
                try addToStats(train)
            }
            let ctxAt = { (g: Int, purpose: String) in
                LoopContext(seed: seed, generation: g, rng: root.split(purpose, g), realCount: realCount, samples: samples)
            }
            if checkpointed, let store, state.completed > 0 {
                for g in 1...state.completed {
                    guard let m = try seedModel.fresh() as? WeightCheckpointing else { break }
                    do { try m.loadWeights(from: store.checkpointPath(seed: seed, generation: g)) }
                    catch { throw LoopError("seed \(seed): cannot resume from the weights of generation \(g): \(error) (delete '\(store.checkpointPath(seed: seed, generation: g))' to recompute from there)") }
                    let (b, _) = try drawBatch(m, ctx: { ctxAt(g, $0) })
                    state.batches.append((g, b))
                }
            }
            for (g, b) in state.batches where g < config.generations {
                try pool.append(b.rows, generation: g, accepted: b.accepted.isEmpty ? nil : b.accepted,
                                scores: b.scores.isEmpty ? nil : b.scores, origin: seedModel.family)
                try addToStats(b.kept)
            }
            state.batches = []
            let journal = try store.map { try $0.openJournal(seed: seed, fresh: state.completed == 0, thin: thin) }
            // A seed that stops early (an error, Ctrl-C) keeps what it has done.
            defer { if generation <= config.generations { try? journal?.flush() } }
            progress?.advance(state.completed)
            while generation <= generations {
                if stop() { throw LoopError("stopped because another seed failed") }
                if interrupted() { throw LoopInterrupted(seed: seed, generation: generation) }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let ctx = { (purpose: String) in ctxAt(generation, purpose) }
                let model = try seedModel.fresh()
                if generation == 1 {
                    try model.fit(samples: train, rng: ctx("fit").rng)
                } else if let s = stats, let m = model as? StatisticsFittable {
                    try m.fit(statistics: s)
                } else {
                    let idx = try workflow.select(pool, ctx("workflow"))
                    guard !idx.isEmpty else { throw LoopError("the workflow selected no training rows") }
                    try model.fit(samples: pool.rows(idx), rng: ctx("fit").rng)
                }
                var metrics = try model.evaluate(samples: test)
                if let d = model as? SampleDescribing { metrics += try d.describeSamples(rng: ctx("describe").rng) }
                if let extra = extraMetrics {
                    let own = Set(metrics.map(\.name))
                    for m in try extra(model, ctx("metrics")) {
                        guard !m.name.isEmpty else { throw LoopError("metrics: a metric name is empty") }
                        guard !own.contains(m.name) else {
                            throw LoopError("metrics: '\(m.name)' is already a metric of the model (\(metrics.map(\.name).joined(separator: ", "))); give yours another name")
                        }
                        metrics.append(m)
                    }
                }
                guard !metrics.isEmpty else {
                    throw LoopError("the run computes no metric: the model reports none for this test data (\(test.summary)); give held-out data with test=, the truth to the model, or a metrics function")
                }
                var batch: SampledBatch?
                if generation < generations {
                    let (b, frac) = try drawBatch(model, ctx: ctx)
                    batch = b
                    if verified {
                        guard !metrics.contains(where: { $0.name == "accepted_frac" }) else {
                            throw LoopError("metrics: 'accepted_frac' is the verifier's metric; give yours another name")
                        }
                        metrics.append(Metric("accepted_frac", frac))
                    }
                    try pool.append(b.rows, generation: generation, accepted: b.accepted.isEmpty ? nil : b.accepted,
                                    scores: b.scores.isEmpty ? nil : b.scores, origin: model.family)
                    try addToStats(b.kept)
                }
                try BLASGuard.check("generation \(generation)")
                if let done = callbacks.generationDone { try done(model, ctx("grid")) }
                if checkpointed, let store, let m = model as? WeightCheckpointing {
                    try store.saveCheckpoint(m, seed: seed, generation: generation)
                }
                let newRows = metrics.map { MetricRow(seed: seed, generation: generation, metric: $0.name, value: $0.value) }
                state.rows += newRows
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                state.timings.append(seconds)
                if generation == generations {
                    try store?.finish(seed: seed, data: dataSum, rows: state.rows, timings: state.timings, pool: pool,
                                      hadJournal: state.hadJournal || (journal?.written ?? false))
                } else if let store, let journal {
                    try store.commit(journal, data: dataSum, generation: generation, batch: checkpointed ? nil : batch, rows: newRows, seconds: seconds)
                }
                progress?.advance(1)
                generation += 1
            }
            return (state.rows, state.timings)
        } catch let e as LoopFailure {
            throw e
        } catch let e as LoopInterrupted {
            throw e
        } catch {
            // Ctrl-C: whatever it broke (a generation boundary, a Lua callback) reads as one interruption
            if callbacks.interrupted() { throw LoopInterrupted(seed: seed, generation: generation) }
            throw LoopFailure(seed: seed, generation: generation, underlying: error)
        }
    }

    /// Samples from the model, runs the verifier, and keeps sampling (bounded) until enough
    /// rows are accepted. Returns all drawn rows with verdicts and scores, and the accepted fraction.
    func drawBatch(_ model: GenerativeModel, ctx: (String) -> LoopContext) throws -> (SampledBatch, Double) {
        let want = ctx("sample").samples
        guard let verify = callbacks.verifier else {
            let x = try model.drawSamples(want, rng: ctx("sample").rng)
            return (SampledBatch(rows: x, accepted: [], scores: []), 1)
        }
        var parts: [Samples] = [], acc: [Bool] = [], scores: [Double] = []
        var kept = 0, drawn = 0, round = 0
        while kept < want && round <= config.maxResampleRounds {
            let base = ctx("sample")
            let c = ctx("verify/\(round)")
            let rng = round == 0 ? base.rng : base.rng.split("round-\(round)")
            var n = want - kept
            if let q = config.keepTop {
                // Enough draws that the top fraction q of them covers what is missing.
                let need = (Double(want - kept) / q).rounded(.up)
                guard need < 0x1p53 else { throw LoopError("keep_top = \(q) asks for \(need) samples to keep \(want - kept)") }
                n = Int(need)
                try MemoryPolicy.checkCount(n, bytesPerItem: 64, what: "samples for keep_top = \(q)")
            }
            let x = try model.drawSamples(n, rng: rng)
            guard x.count == n else { throw LoopError("the model returned \(x.count) samples for \(n) requested") }
            let verdict = try verify(x, model, c)
            var a: [Bool], s: [Double]
            switch verdict {
            case .mask(let m):
                guard m.count == n else { throw LoopError("the verifier returned \(m.count) verdicts for \(n) samples") }
                a = m; s = [Double](repeating: .nan, count: n)
            case .scores(let sc):
                guard sc.count == n else { throw LoopError("the verifier returned \(sc.count) scores for \(n) samples") }
                s = sc
                if let q = config.keepTop {
                    let k = min(want - kept, Int((Double(n) * q).rounded(.up)))
                    let order = (0..<n).sorted { (sc[$0].isNaN ? -Double.infinity : sc[$0]) > (sc[$1].isNaN ? -Double.infinity : sc[$1]) || (sc[$0] == sc[$1] && $0 < $1) }
                    a = [Bool](repeating: false, count: n)
                    for i in order.prefix(k) { a[i] = true }
                } else {
                    a = sc.map { $0 != 0 && !$0.isNaN }
                }
            }
            // Never keep more than asked for: surplus accepted rows are recorded as not kept.
            var surplus = kept + a.filter { $0 }.count - want
            if surplus > 0 { for i in stride(from: n - 1, through: 0, by: -1) where surplus > 0 && a[i] { a[i] = false; surplus -= 1 } }
            kept += a.filter { $0 }.count
            drawn += n
            parts.append(x); acc += a; scores += s
            round += 1
        }
        if kept < want {
            let c = ctx("sample")
            callbacks.warn("\(config.name): seed \(c.seed), generation \(c.generation): the verifier accepted only \(kept) of \(want) requested samples after \(round) sampling rounds (\(drawn) drawn); continuing with \(kept)")
        }
        let all = try Samples.concatenate(parts)
        return (SampledBatch(rows: all, accepted: acc, scores: scores), drawn > 0 ? Double(kept) / Double(drawn) : 0)
    }
}

/// What the seed workers share: the next seed to take, the results, the first failure.
final class SharedRunState: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var rows: [[MetricRow]], timings: [[Double]]
    private var failure: Error?

    init(seeds: Int) { rows = Array(repeating: [], count: seeds); timings = Array(repeating: [], count: seeds) }

    /// The index of the next seed to run; nil when all are taken or a seed failed.
    func nextSeed() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, next < rows.count else { return nil }
        next += 1
        return next - 1
    }

    var failed: Bool { lock.lock(); defer { lock.unlock() }; return failure != nil }

    func finished(_ i: Int, rows r: [MetricRow], timings t: [Double]) { lock.lock(); rows[i] = r; timings[i] = t; lock.unlock() }

    func fail(_ error: Error) { lock.lock(); if failure == nil { failure = error }; lock.unlock() }

    var results: ([[MetricRow]], [[Double]], Error?) { lock.lock(); defer { lock.unlock() }; return (rows, timings, failure) }
}

/// Progress on stderr (only when stderr is a terminal): generations done, elapsed, ETA.
final class Progress {
    let name: String, total: Int
    private var done = 0, seedsDone = 0
    private let start = Date()
    private var last = Date.distantPast
    private let lock = NSLock()
    private let enabled = isatty(2) != 0

    let seeds: Int
    init(name: String, total: Int, seeds: Int) { self.name = name; self.total = total; self.seeds = seeds }

    func seedFinished() { lock.lock(); seedsDone += 1; lock.unlock() }

    func advance(_ k: Int) {
        guard enabled, k > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        done += k
        let now = Date()
        guard now.timeIntervalSince(last) > 0.2 || done == total else { return }
        last = now
        let el = now.timeIntervalSince(start)
        let eta = done > 0 ? el / Double(done) * Double(total - done) : 0
        let line = String(format: "\r%@: %d/%d generations, %d/%d seeds done  %.1fs elapsed  ETA %.1fs   ",
                          name, done, total, seedsDone, seeds, el, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        let line = String(format: "\r%@: %d/%d generations, %d/%d seeds done  %.1fs                ",
                          name, done, total, seedsDone, seeds, Date().timeIntervalSince(start))
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
