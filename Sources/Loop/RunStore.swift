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
}

/// A run's records: `run.json` (identity), `manifest.json`, `metrics.csv`, and per seed either a
/// journal (`seeds/<seed>/journal.bin`, one checksummed entry appended per generation) or, once
/// the seed is done, `seeds/<seed>/final.bin` (its rows and timings, checksummed, written
/// atomically). Every entry carries the run's identity and the checksum of the seed's data: a
/// record of another run or of other data is refused, a damaged or missing one recomputed.
public final class RunStore {
    public let dir: String
    let run: String
    let workflow: String
    let identity: UInt64
    let keepPool: Bool
    private let folder: RunFolder

    /// Claims the run folder (see `RunFolder`): creates and marks it, or resumes it if it holds
    /// this run; refuses anything else.
    public init(dir: String, run: String, workflow: String, identity: UInt64, description: [String: Any], keepPool: Bool) throws {
        folder = try RunFolder(path: dir, identity: identity, description: description)
        self.dir = dir; self.run = run; self.workflow = workflow; self.identity = identity; self.keepPool = keepPool
        do { try FileManager.default.createDirectory(atPath: dir + "/seeds", withIntermediateDirectories: true) }
        catch { throw LoopError("cannot create '\(dir)/seeds': \(RunFolder.reason(error))") }
    }

    /// Releases the folder's lock (the run is over).
    public func close() { folder.unlock() }

    func seedDir(_ seed: Int) -> String { dir + "/seeds/\(seed)" }

    /// What a previous attempt left for a seed: completed generations with their metric rows,
    /// timings and sampled batches.
    public struct SeedState {
        public var completed = 0
        public var done = false
        public var rows: [MetricRow] = []
        public var timings: [Double] = []
        public var batches: [(generation: Int, batch: SampledBatch)] = []
        /// Something was damaged or missing and is being recomputed (said once to the user).
        public var repaired: String?
    }

    /// Reads a seed's final record, or else its journal, checked against the run's identity and
    /// the checksum `data` of the seed's real and test data. A journal entry cut short by a kill,
    /// or damaged, ends the journal there (the generation is run again); a damaged final record is
    /// recomputed; a record of another run, or computed from other data, is an error.
    public func load(seed: Int, data: UInt64, generations: Int) throws -> SeedState {
        let d = seedDir(seed)
        var st = SeedState()
        let finalPath = d + "/final.bin"
        if let bytes = try read(finalPath) {
            if let f = FinalRecord.decode(bytes, seed: seed), f.generations == generations, f.timings.count == generations,
               Set(f.rows.map(\.generation)) == Set(1...generations) {
                try check(f.identity, f.data, seed: seed, data: data, file: finalPath)
                let poolIntact = try !keepPool || poolChecksum(seed: seed) == f.pool
                if poolIntact {
                    st.completed = generations; st.done = true; st.rows = f.rows; st.timings = f.timings
                    if !keepPool { unlink(d + "/journal.bin") }      // a kill between the two steps of finish
                    return st
                }
                st.repaired = "seed \(seed): its kept pool files are missing or damaged; recomputing the seed"
            } else {
                st.repaired = "seed \(seed): \(finalPath) is damaged or incomplete; recomputing the seed"
            }
            unlink(finalPath)
            unlink(d + "/journal.bin")
            return st
        }
        let journalPath = d + "/journal.bin"
        guard let bytes = try read(journalPath) else { return st }
        var good = 0
        try bytes.withUnsafeBytes { raw in
            var pos = 0
            while let (payload, end) = Record.unframe(magic: JournalEntry.magic, raw, at: pos) {
                guard let e = JournalEntry.decode(payload, seed: seed) else { break }
                try check(e.identity, e.data, seed: seed, data: data, file: journalPath)
                guard e.generation == st.completed + 1, e.generation < generations else { break }
                st.completed = e.generation
                st.timings.append(e.seconds)
                st.rows += e.rows
                if let b = e.batch { st.batches.append((e.generation, b)) }
                pos = end
                good = end
            }
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

    /// An open journal for appending one seed's generations (one write per generation).
    public final class Journal {
        let fd: Int32
        let path: String
        var buffer: [UInt8] = []
        init(fd: Int32, path: String) { self.fd = fd; self.path = path }
        deinit { Foundation.close(fd) }
    }

    /// Opens a seed's journal for appending; `fresh` starts it anew (a seed with no generation done).
    public func openJournal(seed: Int, fresh: Bool) throws -> Journal {
        let d = seedDir(seed)
        do { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        catch { throw LoopError("cannot create '\(d)': \(RunFolder.reason(error))") }
        let path = d + "/journal.bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0), 0o644)
        guard fd >= 0 else { throw LoopError(AtomicFile.failure("cannot open '\(path)'").message) }
        return Journal(fd: fd, path: path)
    }

    /// Appends one completed generation (an append of one checksummed entry; safe under kill -9).
    public func commit(_ journal: Journal, data: UInt64, generation: Int, batch: SampledBatch?, rows: [MetricRow], seconds: Double) throws {
        journal.buffer.removeAll(keepingCapacity: true)
        let entry = JournalEntry(identity: identity, data: data, generation: generation, seconds: seconds, rows: rows, batch: batch)
        try entry.encode(into: &journal.buffer)
        do { try journal.buffer.withUnsafeBytes { try AtomicFile.writeAll(journal.fd, $0, path: journal.path) } }
        catch let e as TensorError { throw LoopError(e.message) }
    }

    /// Marks a seed complete: its final record is written atomically (after the kept pool, if
    /// any), then the journal is removed (kept with keep_pool).
    public func finish(seed: Int, data: UInt64, rows: [MetricRow], timings: [Double], pool: Pool?) throws {
        let d = seedDir(seed)
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        var poolSum: UInt64 = 0
        if keepPool, let pool {
            do {
                try NPY.save(try pool.data(), to: d + "/pool.npy")
                var meta = [Double](); meta.reserveCapacity(3 * pool.size)
                for i in 0..<pool.size { meta += [Double(pool.generation[i]), pool.accepted[i] ? 1 : 0, pool.score[i]] }
                try NPY.save(try Tensor(meta, shape: [pool.size, 3]), to: d + "/pool-meta.npy")
            } catch let e as TensorError { throw LoopError(e.message) }
            poolSum = try poolChecksum(seed: seed) ?? 0
        }
        let record = FinalRecord(identity: identity, data: data, generations: timings.count, timings: timings, rows: rows, pool: poolSum)
        try folder.write(record.encode(), to: d + "/final.bin")
        if !keepPool { unlink(d + "/journal.bin") }
    }

    /// Checksum of a seed's kept pool files (nil if one is missing).
    private func poolChecksum(seed: Int) throws -> UInt64? {
        guard let a = try read(seedDir(seed) + "/pool.npy"), let b = try read(seedDir(seed) + "/pool-meta.npy") else { return nil }
        return Checksum.combine(Checksum.of(a), Checksum.of(b))
    }

    /// Writes metrics.csv (RFC 4180) from every seed's rows, in seed order.
    public func writeMetrics(_ rowsBySeed: [[MetricRow]]) throws {
        var text = "run,workflow,seed,generation,metric,value\n"
        text.reserveCapacity(rowsBySeed.reduce(0) { $0 + $1.count } * 48)
        let prefix = CSV.field(run) + "," + CSV.field(workflow) + ","
        for rows in rowsBySeed {
            for r in rows {
                text += prefix; text += String(r.seed); text += ","; text += String(r.generation); text += ","
                text += CSV.field(r.metric); text += ","; text += CSV.number(r.value); text += "\n"
            }
        }
        try folder.write(Array(text.utf8), to: dir + "/metrics.csv")
    }

    public func writeManifest(_ manifest: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try folder.write(data, to: dir + "/manifest.json")
    }
}

/// CSV as RFC 4180 writes it: a field holding a comma, a quote, CR or LF is quoted, with quotes
/// doubled; numbers are the shortest text that reads back to the same double.
public enum CSV {
    public static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func number(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v > 0 ? "inf" : "-inf" }
        return "\(v)"
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
