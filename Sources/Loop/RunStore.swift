import Foundation
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

    func csv(run: String, workflow: String) -> String {
        "\(csvField(run)),\(csvField(workflow)),\(seed),\(generation),\(csvField(metric)),\(formatValue(value))"
    }
}

/// Numbers in records: shortest text that reads back to the same double.
func formatValue(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    return "\(v)"
}

func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, then rename.
func atomicWrite(_ text: String, to path: String) throws {
    try atomicWrite(Data(text.utf8), to: path)
}

func atomicWrite(_ data: Data, to path: String) throws {
    let tmp = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: data) else {
        throw LoopError("cannot write '\(tmp)' (is the run folder writable?)")
    }
    guard rename(tmp, path) == 0 else {
        unlink(tmp)
        throw LoopError("cannot move '\(tmp)' to '\(path)': \(String(cString: strerror(errno)))")
    }
}

/// A run directory: manifest.json, metrics.csv, and per-seed state that lets an interrupted
/// run continue from its last completed generation. Every file is written atomically, and a
/// seed's `state.json` is written last, so a kill at any moment leaves a consistent record.
public final class RunStore {
    public let dir: String
    let run: String
    let workflow: String
    let fingerprint: String
    let keepPool: Bool

    /// Opens (or creates) a run directory. An existing directory must hold the same configuration.
    public init(dir: String, run: String, workflow: String, fingerprint: String, keepPool: Bool) throws {
        self.dir = dir; self.run = run; self.workflow = workflow; self.fingerprint = fingerprint; self.keepPool = keepPool
        let fm = FileManager.default
        do { try fm.createDirectory(atPath: dir + "/seeds", withIntermediateDirectories: true) }
        catch { throw LoopError("cannot create the run folder '\(dir)': \(error.localizedDescription)") }
        // A kill during an atomic write leaves its temporary file, never a half-written record: tidy them.
        if let walker = fm.enumerator(atPath: dir) {
            for case let f as String in walker where f.contains(".tmp-") { try? fm.removeItem(atPath: dir + "/" + f) }
        }
        let fpPath = dir + "/fingerprint.txt"
        if let old = fm.contents(atPath: fpPath).map({ String(decoding: $0, as: UTF8.self) }) {
            guard old == fingerprint else {
                throw LoopError("the run folder '\(dir)' holds a run with a different configuration; choose another `out` or delete that folder to start afresh")
            }
        } else {
            try atomicWrite(fingerprint, to: fpPath)
        }
    }

    func seedDir(_ seed: Int) -> String { dir + "/seeds/\(seed)" }

    /// What a previous attempt left for a seed: completed generations with their metric rows,
    /// timings and sampled batches.
    public struct SeedState {
        public var completed = 0
        public var done = false
        public var rows: [MetricRow] = []
        public var timings: [Double] = []
        public var batches: [(generation: Int, rows: Tensor, accepted: [Bool], scores: [Double])] = []
    }

    /// Reads a seed's journal (or its final record). A record cut short by a kill, or damaged,
    /// ends the journal there: the generation it held is simply run again.
    public func load(seed: Int) throws -> SeedState {
        let d = seedDir(seed)
        var st = SeedState()
        if let data = FileManager.default.contents(atPath: d + "/final.json"),
           let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let completed = obj["completed"] as? Int {
            st.completed = completed
            st.done = true
            st.timings = (obj["timings"] as? [Double]) ?? []
            let text = FileManager.default.contents(atPath: d + "/rows.csv").map { String(decoding: $0, as: UTF8.self) } ?? ""
            st.rows = parseRows(text, seed: seed)
            return st
        }
        guard let data = FileManager.default.contents(atPath: d + "/journal.bin") else { return st }
        var reader = JournalReader(data: data)
        while let rec = reader.next() {
            guard rec.generation == st.completed + 1 else { break }
            st.completed = rec.generation
            st.timings.append(rec.seconds)
            st.rows += parseRows(rec.rowsText, seed: seed)
            if let b = rec.batch { st.batches.append((rec.generation, b.0, b.1, b.2)) }
        }
        journalLock.lock(); goodJournalBytes[seed] = reader.goodBytes; journalLock.unlock()
        return st
    }

    private var goodJournalBytes: [Int: Int] = [:]
    private let journalLock = NSLock()

    func parseRows(_ text: String, seed: Int) -> [MetricRow] {
        var out: [MetricRow] = []
        for line in text.split(separator: "\n") {
            let p = line.split(separator: ",", omittingEmptySubsequences: false)
            guard p.count == 3, let g = Int(p[0]), let v = Double(String(p[2])) else { continue }
            out.append(MetricRow(seed: seed, generation: g, metric: String(p[1]), value: v))
        }
        return out
    }

    /// Appends one completed generation to the seed's journal: its sampled batch (if any),
    /// its metric rows and its wall time. Cheap (an append, no rename) and safe under kill -9:
    /// each record carries its length and checksum.
    public func commit(seed: Int, generation: Int, batch: (Tensor, [Bool], [Double])?, rows: [MetricRow], seconds: Double) throws {
        let d = seedDir(seed)
        let path = d + "/journal.bin"
        journalLock.lock()
        let good = goodJournalBytes[seed]
        goodJournalBytes[seed] = nil
        journalLock.unlock()
        if let good {
            // Drop whatever a killed attempt left after the last good record.
            if truncate(path, off_t(good)) != 0 && errno != ENOENT {
                throw LoopError("cannot repair '\(path)': \(String(cString: strerror(errno)))")
            }
        } else if generation == 1 {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            unlink(path)
        }
        let text = rows.map { "\($0.generation),\($0.metric),\(formatValue($0.value))\n" }.joined()
        let record = try JournalRecord.encode(generation: generation, seconds: seconds, rowsText: text, batch: batch)
        guard let h = FileHandle(forWritingAtPath: path) ?? {
            FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
        }() else { throw LoopError("cannot write '\(path)' (is the run folder writable?)") }
        defer { try? h.close() }
        do {
            try h.seekToEnd()
            try h.write(contentsOf: record)
        } catch { throw LoopError("cannot append to '\(path)': \(error.localizedDescription)") }
    }

    /// Marks a seed complete: its rows and timings are written atomically and the journal is
    /// removed (kept, with the pool exported as .npy, when keep_pool is set).
    public func finish(seed: Int, rows: [MetricRow], timings: [Double], pool: Pool?) throws {
        let d = seedDir(seed)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        try atomicWrite(rows.map { "\($0.generation),\($0.metric),\(formatValue($0.value))\n" }.joined(), to: d + "/rows.csv")
        if keepPool, let pool {
            try NPY.save(try pool.data(), to: d + "/pool.npy")
            var meta = [Double](); meta.reserveCapacity(3 * pool.size)
            for i in 0..<pool.size { meta += [Double(pool.generation[i]), pool.accepted[i] ? 1 : 0, pool.score[i]] }
            try NPY.save(try Tensor(meta, shape: [pool.size, 3]), to: d + "/pool-meta.npy")
        }
        let final: [String: Any] = ["completed": rows.map(\.generation).max() ?? 0, "timings": timings]
        try atomicWrite(try JSONSerialization.data(withJSONObject: final, options: [.sortedKeys]), to: d + "/final.json")
        unlink(d + "/journal.bin")
    }

    /// Writes metrics.csv from every seed's rows, in seed order.
    public func writeMetrics(_ rowsBySeed: [[MetricRow]]) throws {
        var text = "run,workflow,seed,generation,metric,value\n"
        for rows in rowsBySeed { for r in rows { text += r.csv(run: run, workflow: workflow) + "\n" } }
        try atomicWrite(text, to: dir + "/metrics.csv")
    }

    public func writeManifest(_ manifest: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try atomicWrite(data, to: dir + "/manifest.json")
    }
}
