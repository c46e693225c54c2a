import Data
import Foundation
import Models
import Tensor

/// One row of metrics.csv: run,workflow,seed,generation,metric,value.
public struct MetricRow: Equatable {
    public let seed: Int
    public let generation: Int
    public let metric: String
    public let value: Double

    public init(seed: Int, generation: Int, metric: String, value: Double) {
        self.seed = seed; self.generation = generation; self.metric = metric; self.value = value
    }
}

/// A run's records: `run.json` (identity), `manifest.json`, `metrics.csv`, per unfinished seed a
/// journal (`seeds/<seed>/journal.bin`, checksummed entries appended as generations complete), and
/// `finished.bin`, an append-only log with one checksummed record per finished seed (its rows,
/// timings and its part of metrics.csv, already formatted). Every record carries the run's
/// identity and the checksum of the seed's data: a record of another run or of other data is
/// refused; a damaged or missing one is recomputed (the log is cut back to its last intact record).
public final class RunStore {
    public let dir: String
    let run: String
    let workflow: String
    let identity: UInt64
    let keepPool: Bool
    private let folder: RunFolder
    /// Finished seeds as the log holds them, and where the log's intact part ends.
    private var finished: [Int: FinalRecord] = [:]
    private var finishedFD: Int32 = -1
    private let lock = NSLock()
    var finishedPath: String { dir + "/finished.bin" }

    /// Claims the run folder (see `RunFolder`): creates and marks it, or resumes it if it holds
    /// this run; refuses anything else.
    public init(dir: String, run: String, workflow: String, identity: UInt64, description: [String: Any], keepPool: Bool) throws {
        folder = try RunFolder(path: dir, identity: identity, description: description)
        self.dir = dir; self.run = run; self.workflow = workflow; self.identity = identity; self.keepPool = keepPool
        try readFinished()
    }

    deinit { if finishedFD >= 0 { Foundation.close(finishedFD) } }

    /// Releases the folder's lock (the run is over).
    public func close() {
        lock.lock()
        if finishedFD >= 0 { Foundation.close(finishedFD); finishedFD = -1 }
        lock.unlock()
        folder.unlock()
    }

    func seedDir(_ seed: Int) -> String { dir + "/seeds/\(seed)" }

    /// Reads the finished-seeds log; a damaged tail (a kill mid-append) is cut off.
    private func readFinished() throws {
        guard let bytes = try read(finishedPath) else { return }
        var good = 0
        try bytes.withUnsafeBytes { raw in
            var pos = 0
            while let (payload, end) = Record.unframe(magic: FinalRecord.magic, raw, at: pos) {
                guard let f = FinalRecord.decode(payload) else { break }
                guard f.identity == identity else {
                    throw LoopError("\(finishedPath) was written by a different run (identity \(Checksum.hex(f.identity)), this run's is \(Checksum.hex(identity))): refusing to mix their records; delete that file to recompute its seeds")
                }
                finished[f.seed] = f                  // a seed recomputed later supersedes its earlier record
                pos = end; good = end
            }
        }
        if good < bytes.count, truncate(finishedPath, off_t(good)) != 0 {
            throw LoopError(AtomicFile.failure("cannot repair '\(finishedPath)'").message)
        }
    }

    /// What a previous attempt left for a seed: completed generations with their metric rows,
    /// timings and sampled batches.
    public struct SeedState {
        public var completed = 0
        public var done = false
        public var rows: [MetricRow] = []
        public var timings: [Double] = []
        public var batches: [(generation: Int, batch: SampledBatch)] = []
        /// A journal file was there (finishing the seed removes it).
        public var hadJournal = false
        /// Something was damaged or missing and is being recomputed (said once to the user).
        public var repaired: String?
    }

    /// Reads a seed's finished record, or else its journal, checked against the run's identity and
    /// the checksum `data` of the seed's real and test data. A journal entry cut short by a kill,
    /// or damaged, ends the journal there (the generation is run again); a record of another run,
    /// or computed from other data, is an error.
    /// With `checkpointed`, a journal entry counts only if its generation's weights
    /// (`checkpointPath`) are there: the batches of such runs are drawn again from them.
    public func load(seed: Int, data: UInt64, generations: Int, thin: Bool = false, checkpointed: Bool = false) throws -> SeedState {
        let d = seedDir(seed)
        var st = SeedState()
        lock.lock()
        let f = finished[seed]
        lock.unlock()
        if let f {
            guard f.data == data else {
                throw LoopError("seed \(seed): the real/test data differ from the data its records in '\(dir)' were computed from (checksum \(Checksum.hex(data)), recorded \(Checksum.hex(f.data))); choose another `out`, or delete the folder to start afresh")
            }
            let poolIntact = try !keepPool || poolChecksum(seed: seed) == f.pool
            if f.generations == generations, f.timings.count == generations, poolIntact {
                st.completed = generations; st.done = true; st.rows = f.rows; st.timings = f.timings
                if !keepPool { unlink(d + "/journal.bin") }      // a kill between the two steps of finish
                return st
            }
            st.repaired = "seed \(seed): \(poolIntact ? "its record is incomplete" : "its kept pool files are missing or damaged"); recomputing the seed"
            lock.lock(); finished[seed] = nil; lock.unlock()
            unlink(d + "/journal.bin")
            return st
        }
        let journalPath = d + "/journal.bin"
        guard let bytes = try read(journalPath) else { return st }
        st.hadJournal = true
        var good = 0
        var entries: [(entry: JournalEntry, end: Int)] = []
        try bytes.withUnsafeBytes { raw in
            var pos = 0
            while let (payload, end) = Record.unframe(magic: JournalEntry.magic, raw, at: pos) {
                guard let e = JournalEntry.decode(payload, seed: seed) else { break }
                try check(e.identity, e.data, seed: seed, data: data, file: journalPath)
                guard e.generation == entries.count + 1, e.generation < generations else { break }
                if checkpointed && !FileManager.default.fileExists(atPath: checkpointPath(seed: seed, generation: e.generation)) { break }
                entries.append((e, end))
                pos = end
            }
        }
        // A thinned journal resumes after the last entry that kept its batch (a kill in the middle
        // of a write may have cut it after an entry without one).
        if thin, let last = entries.lastIndex(where: { $0.entry.batch != nil }) { entries.removeSubrange((last + 1)...) }
        else if thin { entries = [] }
        for (e, end) in entries {
            st.completed = e.generation
            st.timings.append(e.seconds)
            st.rows += e.rows
            if let b = e.batch { st.batches.append((e.generation, b)) }
            good = end
        }
        if good < bytes.count {
            // A kill mid-append (or damage): drop the tail; its generation is run again.
            if truncate(journalPath, off_t(good)) != 0 {
                throw LoopError(AtomicFile.failure("cannot repair '\(journalPath)'").message)
            }
        }
        return st
    }

    private func read(_ path: String) throws -> [UInt8]? {
        do { return try AtomicFile.read(path) } catch let e as TensorError { throw LoopError(e.message) }
    }

    private func check(_ recordIdentity: UInt64, _ recordData: UInt64, seed: Int, data: UInt64, file: String) throws {
        guard recordIdentity == identity else {
            throw LoopError("\(file) was written by a different run (identity \(Checksum.hex(recordIdentity)), this run's is \(Checksum.hex(identity))): refusing to mix their records; delete that file to recompute seed \(seed)")
        }
        guard recordData == data else {
            throw LoopError("seed \(seed): the real/test data differ from the data its records in '\(dir)' were computed from (checksum \(Checksum.hex(data)), recorded \(Checksum.hex(recordData))); choose another `out`, or delete the folder to start afresh")
        }
    }

    /// A seed's journal, appended to in batches. Entries are kept in memory and written together
    /// once `flushInterval` has passed since the last write (or much is buffered), and when the seed
    /// stops early; a seed that completes replaces its journal by its final record, so a fast seed
    /// never writes one at all. A kill loses at most the last interval's generations, which a
    /// resumed run computes again (to the same numbers). When the workflow only ever trains on the
    /// latest generation (`thin`), only the latest batch of each write is kept.
    public final class Journal {
        let dir: String
        var path: String { dir + "/journal.bin" }
        let thin: Bool
        private var fd: Int32 = -1
        private let fresh: Bool
        private var pending: [JournalEntry] = []
        private var pendingBytes = 0
        private var lastWrite = DispatchTime.now().uptimeNanoseconds
        private var buffer: [UInt8] = []
        /// 200 ms; OURO_JOURNAL_INTERVAL_MS changes it (0: write every generation, as tests do).
        static let flushInterval: UInt64 = {
            if let v = ProcessInfo.processInfo.environment["OURO_JOURNAL_INTERVAL_MS"].flatMap({ UInt64($0) }) { return v * 1_000_000 }
            return 200_000_000
        }()
        static let flushBytes = 8 << 20

        init(dir: String, fresh: Bool, thin: Bool) { self.dir = dir; self.fresh = fresh; self.thin = thin }
        /// True once something was written (the seed's folder and journal exist).
        public var written: Bool { fd >= 0 }
        deinit { if fd >= 0 { Foundation.close(fd) } }

        func add(_ e: JournalEntry) throws {
            pending.append(e)
            pendingBytes += e.batch?.rows.byteCount ?? 0
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastWrite >= Journal.flushInterval || pendingBytes >= Journal.flushBytes { try flush() }
        }

        /// Writes what is buffered (one write call).
        public func flush() throws {
            lastWrite = DispatchTime.now().uptimeNanoseconds
            guard !pending.isEmpty else { return }
            if fd < 0 {
                guard Directory.make(dir) else { throw LoopError(AtomicFile.failure("cannot create '\(dir)'").message) }
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0o644)
                guard fd >= 0 else { throw LoopError(AtomicFile.failure("cannot open '\(path)'").message) }
            }
            buffer.removeAll(keepingCapacity: true)
            for (k, e) in pending.enumerated() {
                try (thin && k < pending.count - 1 ? e.withoutBatch : e).encode(into: &buffer)
            }
            pending.removeAll(keepingCapacity: true)
            pendingBytes = 0
            do { try buffer.withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) } }
            catch let e as TensorError { throw LoopError(e.message) }
        }
    }

    /// Where a neural model's weights after `generation` are kept (safetensors): a resumed run
    /// draws that generation's samples again from them instead of storing every sample.
    public func checkpointPath(seed: Int, generation: Int) -> String {
        seedDir(seed) + "/" + RunStore.generationFile(generation, "safetensors")
    }

    /// A generation's file name: `gen-007.ext` (at least three digits, as `%03d` pads).
    public static func generationFile(_ generation: Int, _ ext: String) -> String {
        let digits = String(generation)
        return "gen-" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits + "." + ext
    }

    /// Writes a model's weights for a generation (atomically, creating the seed's folder).
    public func saveCheckpoint(_ model: WeightCheckpointing, seed: Int, generation: Int) throws {
        guard Directory.make(seedDir(seed)) else { throw LoopError(AtomicFile.failure("cannot create '\(seedDir(seed))'").message) }
        do { try model.saveWeights(to: checkpointPath(seed: seed, generation: generation)) }
        catch let e as TensorError { throw LoopError(e.message) }
    }

    /// Opens a seed's journal for appending; `fresh` starts it anew (a seed with no generation done).
    public func openJournal(seed: Int, fresh: Bool, thin: Bool) throws -> Journal {
        Journal(dir: seedDir(seed), fresh: fresh, thin: thin)
    }

    /// Records one completed generation in the seed's journal (see `Journal` for when it is written).
    public func commit(_ journal: Journal, data: UInt64, generation: Int, batch: SampledBatch?, rows: [MetricRow], seconds: Double) throws {
        try journal.add(JournalEntry(identity: identity, data: data, generation: generation, seconds: seconds, rows: rows, batch: batch))
    }

    /// Marks a seed complete: its record (with its part of metrics.csv, formatted here, on the
    /// seed's worker) is appended to the finished log, after the kept pool if any; then the journal
    /// is removed (kept with keep_pool).
    public func finish(seed: Int, data: UInt64, rows: [MetricRow], timings: [Double], pool: Pool?, hadJournal: Bool) throws {
        let d = seedDir(seed)
        var poolSum: UInt64 = 0
        if keepPool, let pool {
            do {
                try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
                switch try pool.data() {
                case .rows(let t):
                    try NPY.save(t, to: d + "/pool.npy")
                    var meta = [Double](); meta.reserveCapacity(3 * pool.size)
                    for i in 0..<pool.size { meta += [Double(pool.generation[i]), pool.accepted[i] ? 1 : 0, pool.score[i]] }
                    try NPY.save(try Tensor(meta, shape: [pool.size, 3]), to: d + "/pool-meta.npy")
                case .documents(let docs):
                    try folder.write(Array(poolLines(docs, pool).utf8), to: d + "/pool.jsonl")
                }
            } catch let e as TensorError { throw LoopError(e.message) }
            catch let e as LoopError { throw e }
            catch { throw LoopError("cannot create '\(d)': \(RunFolder.reason(error))") }
            poolSum = try poolChecksum(seed: seed) ?? 0
        }
        let record = FinalRecord(identity: identity, data: data, seed: seed, generations: timings.count, timings: timings, rows: rows,
                                 pool: poolSum, csv: CSV.rows(rows, run: run, workflow: workflow))
        let bytes = record.encode()
        lock.lock(); defer { lock.unlock() }
        if finishedFD < 0 {
            finishedFD = open(finishedPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard finishedFD >= 0 else { throw LoopError(AtomicFile.failure("cannot open '\(finishedPath)'").message) }
        }
        do { try bytes.withUnsafeBytes { try AtomicFile.writeAll(finishedFD, $0, path: finishedPath) } }
        catch let e as TensorError { throw LoopError(e.message) }
        finished[seed] = record
        if !keepPool && hadJournal { unlink(d + "/journal.bin"); rmdir(d) }   // rmdir keeps a folder holding checkpoints
    }

    /// Checksum of a seed's kept pool files (nil if one is missing).
    private func poolChecksum(seed: Int) throws -> UInt64? {
        if let text = try read(seedDir(seed) + "/pool.jsonl") { return Checksum.of(text) }
        guard let a = try read(seedDir(seed) + "/pool.npy"), let b = try read(seedDir(seed) + "/pool-meta.npy") else { return nil }
        return Checksum.combine(Checksum.of(a), Checksum.of(b))
    }

    /// A pool of documents as JSON Lines, one document per line with its generation, verdict and
    /// score (prompt and response apart for pairs). Bytes that are not UTF-8 are written as U+FFFD:
    /// the file is for reading, the run's records keep the bytes.
    private func poolLines(_ docs: Documents, _ pool: Pool) -> String {
        var out = ""
        for i in 0..<docs.count {
            var line: [String: Any] = ["generation": Int(pool.generation[i]), "accepted": pool.accepted[i]]
            if !pool.score[i].isNaN { line["score"] = pool.score[i] }
            if docs.isPairs {
                line["prompt"] = String(decoding: docs.prompt(i), as: UTF8.self)
                line["response"] = String(decoding: docs.response(i), as: UTF8.self)
            } else {
                line["text"] = String(decoding: docs.texts[i], as: UTF8.self)
            }
            out += JSONText.encode(line, pretty: false) + "\n"
        }
        return out
    }

    /// Writes metrics.csv (RFC 4180): the header and each finished seed's part, in seed order.
    public func writeMetrics(seeds: [Int]) throws {
        lock.lock()
        var out = Array("run,workflow,seed,generation,metric,value\n".utf8)
        out.reserveCapacity(seeds.reduce(out.count) { $0 + (finished[$1]?.csv.count ?? 0) })
        for s in seeds { if let f = finished[s] { out.append(contentsOf: f.csv) } }
        lock.unlock()
        try folder.write(out, to: dir + "/metrics.csv")
    }

    /// Writes theory.csv, the model's closed-form expectations (TheoryReporting) in metrics.csv's
    /// columns without the seed: run, workflow, generation, metric, value; metrics by name, then
    /// generations 1…T. Nothing for no curves.
    public func writeTheory(_ curves: [String: [Double]]) throws {
        guard !curves.isEmpty else { return }
        var out = Array("run,workflow,generation,metric,value\n".utf8)
        let prefix = Array((CSV.field(run) + "," + CSV.field(workflow) + ",").utf8)
        for name in curves.keys.sorted() {
            let metric = Array(("," + CSV.field(name) + ",").utf8)
            for (i, v) in curves[name]!.enumerated() {
                out += prefix
                CSV.appendInteger(i + 1, to: &out)
                out += metric
                out += CSV.number(v).utf8
                out.append(0x0A)
            }
        }
        try folder.write(out, to: dir + "/theory.csv")
    }

    public func writeManifest(_ manifest: [String: Any]) throws {
        try folder.write(Array((JSONText.encode(manifest) + "\n").utf8), to: dir + "/manifest.json")
    }
}

/// CSV as RFC 4180 writes it: a field holding a comma, a quote, CR or LF is quoted, with quotes
/// doubled; numbers are the shortest text that reads back to the same double.
public enum CSV {
    public static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The metrics.csv lines of one seed's rows.
    static func rows(_ rows: [MetricRow], run: String, workflow: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 48)
        let prefix = Array((field(run) + "," + field(workflow) + ",").utf8)
        var names: [String: [UInt8]] = [:]
        for r in rows {
            out.append(contentsOf: prefix)
            appendInteger(r.seed, to: &out); out.append(0x2C)
            appendInteger(r.generation, to: &out); out.append(0x2C)
            if let n = names[r.metric] { out.append(contentsOf: n) } else {
                let n = Array((field(r.metric) + ",").utf8)
                names[r.metric] = n
                out.append(contentsOf: n)
            }
            out.append(contentsOf: number(r.value).utf8)
            out.append(0x0A)
        }
        return out
    }

    static func appendInteger(_ v: Int, to out: inout [UInt8]) {
        if v < 0 || v >= 1_000_000 { out.append(contentsOf: String(v).utf8); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        var n = v, k = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[k] = UInt8(48 + n % 10); n /= 10; k += 1 } while n > 0
            for i in stride(from: k - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    public static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return v.description
    }

    /// Rows of one seed from its metrics.csv lines (nil if they are not such lines).
    static func parseRows(_ bytes: [UInt8], seed: Int) -> [MetricRow]? {
        var out: [MetricRow] = []
        for fields in parse(String(decoding: bytes, as: UTF8.self)) {
            guard fields.count == 6, Int(fields[2]) == seed, let g = Int(fields[3]) else { return nil }
            let text = fields[5]
            let v = text == "nan" ? Double.nan : text == "inf" ? .infinity : text == "-inf" ? -.infinity : Double(text)
            guard let value = v else { return nil }
            out.append(MetricRow(seed: seed, generation: g, metric: fields[4], value: value))
        }
        return out
    }

    /// Splits CSV text into records of fields (quoted fields may hold commas, quotes and newlines).
    public static func parse(_ text: String) -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], field = [UInt8]()
        var quoted = false, wasQuoted = false
        let bytes = Array(text.utf8)
        var i = 0
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field = []; wasQuoted = false }
        while i < bytes.count {
            let b = bytes[i]
            if quoted {
                if b == 0x22 {
                    if i + 1 < bytes.count && bytes[i + 1] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                } else { field.append(b) }
            } else if b == 0x22 && field.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true
            } else if b == 0x2C {
                endField()
            } else if b == 0x0A {
                endField(); records.append(fields); fields = []
            } else if b != 0x0D {
                field.append(b)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endField(); records.append(fields) }
        return records
    }
}
