import Foundation
import Tensor

/// One row of metrics.csv: run,workflow,seed,generation,metric,value.
public struct MetricRow: Equatable {
    public let seed: Int
    public let generation: Int
    public let metric: String
    public let value: Double

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

    /// What a previous attempt left for a seed.
    public struct SeedState {
        public var completed = 0
        public var done = false
        public var rows: [MetricRow] = []
        public var timings: [Double] = []
    }

    public func load(seed: Int) throws -> SeedState {
        let d = seedDir(seed)
        var st = SeedState()
        guard let data = FileManager.default.contents(atPath: d + "/state.json"),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let completed = obj["completed"] as? Int else { return st }
        st.completed = completed
        st.done = obj["done"] as? Bool ?? false
        st.timings = (obj["timings"] as? [Double]) ?? []
        st.timings = Array(st.timings.prefix(completed))
        let text = FileManager.default.contents(atPath: d + "/rows.csv").map { String(decoding: $0, as: UTF8.self) } ?? ""
        for line in text.split(separator: "\n") {
            let p = line.split(separator: ",", omittingEmptySubsequences: false)
            guard p.count == 4, let g = Int(p[0]), let v = Double(String(p[2])) else { continue }
            if g <= completed { st.rows.append(MetricRow(seed: seed, generation: g, metric: String(p[1]), value: v)) }
        }
        return st
    }

    /// The samples drawn at `generation` (rows, verdicts, scores), as saved by `commit`.
    public func loadBatch(seed: Int, generation: Int) throws -> (Tensor, [Bool], [Double]) {
        let d = seedDir(seed)
        let x = try NPY.load(d + "/batch-\(generation).npy")
        let meta = try NPY.load(d + "/batch-\(generation)-meta.npy").toDoubles()
        let n = x.shape.first ?? 0
        guard meta.count == 2 * n else { throw LoopError("run folder damaged: batch \(generation) of seed \(seed) has inconsistent metadata") }
        return (x, (0..<n).map { meta[2 * $0] != 0 }, (0..<n).map { meta[2 * $0 + 1] })
    }

    /// Records a completed generation: its sampled batch (if any), all rows so far, timings.
    public func commit(seed: Int, generation: Int, batch: (Tensor, [Bool], [Double])?, rows: [MetricRow], timings: [Double], done: Bool) throws {
        let d = seedDir(seed)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        if let (x, acc, sc) = batch {
            try NPY.save(x, to: d + "/batch-\(generation).npy")
            var meta = [Double](); meta.reserveCapacity(2 * acc.count)
            for i in 0..<acc.count { meta.append(acc[i] ? 1 : 0); meta.append(sc[i]) }
            try NPY.save(try Tensor(meta, shape: [acc.count, 2]), to: d + "/batch-\(generation)-meta.npy")
        }
        let text = rows.map { "\($0.generation),\($0.metric),\(formatValue($0.value)),\n" }.joined()
        try atomicWrite(text, to: d + "/rows.csv")
        let state: [String: Any] = ["completed": generation, "done": done, "timings": timings]
        try atomicWrite(try JSONSerialization.data(withJSONObject: state, options: [.sortedKeys]), to: d + "/state.json")
        if done && !keepPool {
            for g in 0...max(generation, 0) {
                try? FileManager.default.removeItem(atPath: d + "/batch-\(g).npy")
                try? FileManager.default.removeItem(atPath: d + "/batch-\(g)-meta.npy")
            }
        }
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
