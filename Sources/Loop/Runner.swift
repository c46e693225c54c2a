import Foundation
import Models
import Tensor

/// Everything that defines a run except the callbacks.
public struct LoopConfig {
    public var name: String
    public var generations: Int
    public var samples: Int
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
    /// Text identifying the configuration (and data) for resuming; a different one is refused.
    public var fingerprint = ""
    /// Extra manifest entries (the whole configuration as the script gave it).
    public var manifestExtras: [String: Any] = [:]

    public init(name: String, generations: Int, samples: Int, workflow: Workflow, seeds: [Int]) {
        self.name = name; self.generations = generations; self.samples = samples; self.workflow = workflow; self.seeds = seeds
    }
}

/// The parts of a run that come from the user (Lua functions, through the scripting layer).
public struct LoopCallbacks {
    /// The seed's model, as configured by the user; each generation fits a `fresh()` copy of it.
    public var makeModel: (_ seed: Int, _ generation: Int) throws -> GenerativeModel
    /// Real training and held-out test data for a seed.
    public var data: (_ seed: Int) throws -> (train: Tensor, test: Tensor)
    public var verifier: ((_ batch: Tensor, _ model: GenerativeModel, _ ctx: LoopContext) throws -> Verdict)?
    public var metrics: ((_ model: GenerativeModel, _ ctx: LoopContext) throws -> [Metric])?
    /// Checked between generations; true stops the run ("interrupted").
    public var interrupted: () -> Bool = { false }
    /// Messages for the user (verifier shortfalls), with the seed and generation.
    public var warn: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(makeModel: @escaping (Int, Int) throws -> GenerativeModel, data: @escaping (Int) throws -> (train: Tensor, test: Tensor)) {
        self.makeModel = makeModel; self.data = data
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
        guard config.generations >= 1 else { throw LoopError("generations must be at least 1, got \(config.generations)") }
        guard config.samples >= -1 else { throw LoopError("samples must be non-negative, got \(config.samples)") }
        guard !config.seeds.isEmpty else { throw LoopError("need at least one seed") }
        guard Set(config.seeds).count == config.seeds.count else { throw LoopError("seeds must be distinct") }
        if let q = config.keepTop { guard q > 0 && q <= 1 else { throw LoopError("keep_top must be in (0, 1], got \(q)") } }
        // The model as the factory configures it (for the first seed) is part of the run's identity.
        let model = try callbacks.makeModel(config.seeds[0], 1).configuration
        var config = config
        config.manifestExtras["model"] = model
        config.fingerprint += " model " + model.keys.sorted().map { "\($0)=\(model[$0] ?? "")" }.joined(separator: ";")
        self.config = config
        self.callbacks = callbacks
        store = try config.out.map {
            try RunStore(dir: $0, run: config.name, workflow: config.workflow.name, fingerprint: config.fingerprint, keepPool: config.keepPool)
        }
        progress = showProgress ? Progress(name: config.name, total: config.seeds.count * config.generations, seeds: config.seeds.count) : nil
    }

    /// Runs every seed; returns when all are done or throws the first failure.
    public func run() throws -> LoopResult {
        let started = Date()
        var rows = [[MetricRow]](repeating: [], count: config.seeds.count)
        var timings = [[Double]](repeating: [], count: config.seeds.count)
        var failure: Error?
        let lock = NSLock()
        var next = 0
        func work() {
            while true {
                lock.lock()
                if failure != nil || next >= config.seeds.count { lock.unlock(); return }
                let i = next; next += 1
                lock.unlock()
                do {
                    let (r, t) = try runSeed(config.seeds[i], stop: { lock.lock(); defer { lock.unlock() }; return failure != nil })
                    progress?.seedFinished()
                    lock.lock(); rows[i] = r; timings[i] = t; lock.unlock()
                } catch {
                    lock.lock(); if failure == nil { failure = error }; lock.unlock()
                }
            }
        }
        let workers = max(1, min(config.threads, config.seeds.count))
        if workers == 1 {
            work()
        } else {
            let group = DispatchGroup()
            for _ in 0..<workers {
                group.enter()
                let t = Thread { work(); group.leave() }
                t.stackSize = 8 << 20
                t.start()
            }
            group.wait()
        }
        progress?.finish()
        if let store {
            try store.writeMetrics(rows)
            var manifest = config.manifestExtras
            manifest["name"] = config.name
            manifest["workflow"] = config.workflow.name
            manifest["seeds"] = config.seeds
            manifest["generations"] = config.generations
            manifest["samples"] = config.samples
            manifest["tool"] = "ouro \(OuroVersion.string)"
            manifest["status"] = failure == nil ? "complete" : failure is LoopInterrupted ? "interrupted" : "failed"
            manifest["wall_seconds"] = Date().timeIntervalSince(started)
            manifest["seconds_per_generation"] = Dictionary(uniqueKeysWithValues: zip(config.seeds.map(String.init), timings))
            try store.writeManifest(manifest)
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

    /// One seed, from where its records stop to the last generation.
    func runSeed(_ seed: Int, stop: () -> Bool) throws -> ([MetricRow], [Double]) {
        var state = try store?.load(seed: seed) ?? RunStore.SeedState()
        if state.done {
            progress?.advance(config.generations)
            return (state.rows, state.timings)
        }
        var generation = state.completed + 1
        do {
            let (train, test) = try callbacks.data(seed)
            let pool = try Pool(real: train)
            let root = RNG(seed: seed)
            var stats: FitStatistics?
            func addToStats(_ rows: Tensor) throws { if stats != nil { try stats?.add(rows) } }
            // The user's factory runs once per seed; every generation fits a fresh copy.
            let prototype = try callbacks.makeModel(seed, 1)
            // Locals for the hot loop: no shared reference counts touched per generation.
            let generations = config.generations, workflow = config.workflow
            let samples = config.samples < 0 ? train.shape[0] : config.samples
            let realCount = train.shape[0]
            let interrupted = callbacks.interrupted, extraMetrics = callbacks.metrics, verified = callbacks.verifier != nil
            // Rebuild the pool (and running statistics) from the generations already done.
            if config.workflow.isAccumulate, let m = prototype as? StatisticsFittable, train.rank == 2 {
                stats = m.emptyStatistics(dim: train.shape[1])
                try addToStats(train)
            }
            for b in state.batches where b.generation < config.generations {
                try pool.append(b.rows, generation: b.generation, accepted: b.accepted.isEmpty ? nil : b.accepted,
                                scores: b.scores.isEmpty ? nil : b.scores, origin: prototype.family)
                try addToStats(b.rows.mask(Tensor(b.accepted.map { Int64($0 ? 1 : 0) })))
            }
            state.batches = []
            progress?.advance(state.completed)
            while generation <= generations {
                if stop() { throw LoopError("stopped because another seed failed") }
                if interrupted() { throw LoopInterrupted(seed: seed, generation: generation) }
                let t0 = DispatchTime.now().uptimeNanoseconds
                let ctx = { (purpose: String) in
                    LoopContext(seed: seed, generation: generation, rng: root.split(purpose, generation),
                                realCount: realCount, samples: samples)
                }
                let model = try prototype.fresh()
                if generation == 1 {
                    try model.fit(train)
                } else if let s = stats, let m = model as? StatisticsFittable {
                    try m.fit(statistics: s)
                } else {
                    let idx = try workflow.select(pool, ctx("workflow"))
                    guard !idx.isEmpty else { throw LoopError("the workflow selected no training rows") }
                    try model.fit(pool.rows(idx))
                }
                var newRows = try model.evaluate(test).map { MetricRow(seed: seed, generation: generation, metric: $0.name, value: $0.value) }
                if let extra = extraMetrics {
                    newRows += try extra(model, ctx("metrics")).map { MetricRow(seed: seed, generation: generation, metric: $0.name, value: $0.value) }
                }
                var batch: (Tensor, [Bool], [Double])?
                if generation < generations {
                    let (b, frac) = try drawBatch(model, ctx: ctx)
                    batch = b
                    if verified { newRows.append(MetricRow(seed: seed, generation: generation, metric: "accepted_frac", value: frac)) }
                    // Unverified batches carry no verdicts (all accepted, no scores).
                    let verified = !b.1.isEmpty
                    try pool.append(b.0, generation: generation, accepted: verified ? b.1 : nil, scores: verified ? b.2 : nil,
                                    origin: model.family)
                    try addToStats(b.1.contains(false) ? b.0.mask(Tensor(b.1.map { Int64($0 ? 1 : 0) })) : b.0)
                }
                state.rows += newRows
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                state.timings.append(seconds)
                if generation == generations {
                    try store?.finish(seed: seed, rows: state.rows, timings: state.timings, pool: pool)
                } else {
                    try store?.commit(seed: seed, generation: generation, batch: batch, rows: newRows, seconds: seconds)
                }
                progress?.advance(1)
                generation += 1
            }
        } catch let e as LoopFailure {
            throw e
        } catch {
            // Ctrl-C: whatever it broke (a generation boundary, a Lua callback) reads as one interruption
            if callbacks.interrupted() { throw LoopInterrupted(seed: seed, generation: generation) }
            throw LoopFailure(seed: seed, generation: generation, underlying: error)
        }
        return (state.rows, state.timings)
    }

    /// Samples from the model, runs the verifier, and keeps sampling (bounded) until enough
    /// rows are accepted. Returns all drawn rows with verdicts and scores, and the accepted fraction.
    func drawBatch(_ model: GenerativeModel, ctx: (String) -> LoopContext) throws -> ((Tensor, [Bool], [Double]), Double) {
        let want = ctx("sample").samples
        guard let verify = callbacks.verifier else {
            let x = try model.sample(want, rng: ctx("sample").rng)
            return ((x, [], []), 1)
        }
        var parts: [Tensor] = [], acc: [Bool] = [], scores: [Double] = []
        var kept = 0, drawn = 0, round = 0
        while kept < want && round <= config.maxResampleRounds {
            let base = ctx("sample")
            let c = ctx("verify/\(round)")
            let rng = round == 0 ? base.rng : base.rng.split("round-\(round)")
            let n = config.keepTop.map { Int((Double(want - kept) / $0).rounded(.up)) } ?? (want - kept)
            let x = try model.sample(n, rng: rng)
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
        let all = parts.count == 1 ? parts[0] : try Tensor.cat(parts, dim: 0)
        return ((all, acc, scores), drawn > 0 ? Double(kept) / Double(drawn) : 0)
    }
}

/// The tool's version, recorded in manifests.
public enum OuroVersion { public static var string = "0.1.0" }

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
