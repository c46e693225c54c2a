import Data
import Foundation
import Models
import Tensor

/// The binary records of a run folder: each is `magic (8 bytes) | u64 payload length | payload |
/// u64 checksum of the payload`, little-endian. A record cut short by a kill, or damaged, fails
/// its length or checksum and reads as absent: it is recomputed, never half-used.
enum Record {
    /// Appends the framed record to `out`.
    static func frame(magic: [UInt8], _ payload: [UInt8], into out: inout [UInt8]) {
        out.append(contentsOf: magic)
        ByteWriter.appendU64(UInt64(payload.count), to: &out)
        out.append(contentsOf: payload)
        ByteWriter.appendU64(Checksum.of(payload), to: &out)
    }

    /// The payload of the record starting at `pos` and the position after it; nil if the bytes
    /// there are not a whole, intact record with this magic.
    static func unframe(magic: [UInt8], _ bytes: UnsafeRawBufferPointer, at pos: Int) -> (payload: UnsafeRawBufferPointer, end: Int)? {
        let m = magic.count
        guard pos >= 0, pos + m + 8 <= bytes.count else { return nil }
        for k in 0..<m where bytes[pos + k] != magic[k] { return nil }
        let len = bytes.loadUnaligned(fromByteOffset: pos + m, as: UInt64.self).littleEndian
        let start = pos + m + 8
        guard len <= UInt64(bytes.count - start), bytes.count - start - Int(len) >= 8 else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + Int(len))])
        let sum = bytes.loadUnaligned(fromByteOffset: start + Int(len), as: UInt64.self).littleEndian
        guard Checksum.of(payload) == sum else { return nil }
        return (payload, start + Int(len) + 8)
    }
}

/// Builds a payload.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }
    /// Continues writing at the end of existing bytes.
    init(taking existing: [UInt8]) { bytes = existing }

    static func appendU64(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u64(_ v: UInt64) { ByteWriter.appendU64(v, to: &bytes) }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func string(_ s: String) { int(s.utf8.count); bytes.append(contentsOf: s.utf8) }
    mutating func raw(_ p: UnsafeRawBufferPointer) { bytes.append(contentsOf: p) }

    /// dtype, rank, dims and the values of a tensor.
    mutating func tensor(_ t: Tensor) throws {
        let c = try t.contiguous()
        u8(UInt8(DType.allCases.firstIndex(of: c.dtype) ?? 0))
        int(c.rank)
        for d in c.shape { int(d) }
        raw(UnsafeRawBufferPointer(start: c.storage.bytes + c.offset * c.dtype.size, count: c.count * c.dtype.size))
    }

    /// Documents: count, whether they are pairs, then each one's prompt length (pairs) and bytes.
    mutating func documents(_ d: Documents) {
        int(d.count); u8(d.isPairs ? 1 : 0)
        for (i, t) in d.texts.enumerated() {
            if let p = d.promptLengths { int(p[i]) }
            int(t.count); bytes.append(contentsOf: t)
        }
    }

    /// Metric rows of one seed: count, then (generation, name, value) each.
    mutating func rows(_ rows: [MetricRow]) {
        int(rows.count)
        for r in rows { int(r.generation); string(r.metric); f64(r.value) }
    }
}

/// Reads a payload; every read returns nil past the end or on an impossible value.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var pos = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { pos == bytes.count }

    mutating func u8() -> UInt8? {
        guard pos < bytes.count else { return nil }
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func u64() -> UInt64? {
        guard pos + 8 <= bytes.count else { return nil }
        defer { pos += 8 }
        return bytes.loadUnaligned(fromByteOffset: pos, as: UInt64.self).littleEndian
    }

    mutating func int() -> Int? { u64().map { Int(Int64(bitPattern: $0)) } }
    mutating func f64() -> Double? { u64().map { Double(bitPattern: $0) } }

    mutating func string() -> String? {
        guard let n = int(), n >= 0, n <= bytes.count - pos else { return nil }
        defer { pos += n }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)]), as: UTF8.self)
    }

    mutating func raw(_ n: Int) -> UnsafeRawBufferPointer? {
        guard n >= 0, n <= bytes.count - pos else { return nil }
        defer { pos += n }
        return UnsafeRawBufferPointer(rebasing: bytes[pos..<(pos + n)])
    }

    mutating func tensor() -> Tensor? {
        guard let k = u8(), Int(k) < DType.allCases.count, let rank = int(), rank >= 0, rank <= 16 else { return nil }
        let dtype = DType.allCases[Int(k)]
        var shape: [Int] = []
        for _ in 0..<rank { guard let d = int(), d >= 0, d < 1 << 40 else { return nil }; shape.append(d) }
        guard let count = try? Tensor.checkedCount(shape), count <= (bytes.count - pos) / max(dtype.size, 1),
              let data = raw(count * dtype.size), let t = try? Tensor(uninitialized: shape, dtype: dtype) else { return nil }
        if let src = data.baseAddress { t.storage.bytes.copyMemory(from: src, byteCount: data.count) }
        return t
    }

    mutating func documents() -> Documents? {
        guard let n = int(), n >= 0, n <= bytes.count - pos, let pairs = u8(), pairs <= 1 else { return nil }
        var texts: [[UInt8]] = [], prompts: [Int] = []
        texts.reserveCapacity(n)
        for _ in 0..<n {
            if pairs == 1 { guard let p = int(), p >= 0 else { return nil }; prompts.append(p) }
            guard let k = int(), k >= 0, let b = raw(k) else { return nil }
            if pairs == 1, prompts[prompts.count - 1] > k { return nil }
            texts.append(Array(b))
        }
        return try? Documents(texts, promptLengths: pairs == 1 ? prompts : nil)
    }

    mutating func rows(seed: Int) -> [MetricRow]? {
        guard let n = int(), n >= 0, n <= bytes.count - pos else { return nil }
        var out: [MetricRow] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard let g = int(), let name = string(), let v = f64() else { return nil }
            out.append(MetricRow(seed: seed, generation: g, metric: name, value: v))
        }
        return out
    }
}

/// One generation of a seed, as its journal holds it: the identity of the run and of the seed's
/// data it was computed under, the metric rows, the wall time and the sampled batch (with the
/// verifier's verdicts and scores) that later generations train on.
struct JournalEntry {
    static let magic = Array("OUROJRN2".utf8)
    let identity: UInt64
    let data: UInt64
    let generation: Int
    let seconds: Double
    let rows: [MetricRow]
    let batch: SampledBatch?

    /// The entry without its sampled batch (a workflow that needs only the latest generation's).
    var withoutBatch: JournalEntry {
        JournalEntry(identity: identity, data: data, generation: generation, seconds: seconds, rows: rows, batch: nil)
    }

    /// Appends the framed entry to `out` (built in place: no intermediate copy of the batch).
    func encode(into out: inout [UInt8]) throws {
        let start = out.count
        out.append(contentsOf: JournalEntry.magic)
        ByteWriter.appendU64(0, to: &out)                               // the length, patched below
        var w = ByteWriter(taking: out)
        out = []
        w.u64(identity); w.u64(data); w.int(generation); w.f64(seconds)
        w.rows(rows)
        // 0: no batch (the last generation), 1: rows only (unverified), 2: rows, verdicts and scores;
        // 3 and 4: the same for documents
        if let b = batch {
            let n = b.rows.count
            let verified = !b.accepted.isEmpty
            switch b.rows {
            case .rows(let t): w.u8(verified ? 2 : 1); try w.tensor(t)
            case .documents(let d): w.u8(verified ? 4 : 3); w.documents(d)
            }
            if verified {
                for i in 0..<n { w.u8(i < b.accepted.count && b.accepted[i] ? 1 : 0) }
                for i in 0..<n { w.f64(i < b.scores.count ? b.scores[i] : .nan) }
            }
        } else {
            w.u8(0)
        }
        out = w.bytes
        let payloadStart = start + JournalEntry.magic.count + 8
        let length = UInt64(out.count - payloadStart)
        let sum = out.withUnsafeBytes { Checksum.of(UnsafeRawBufferPointer(rebasing: $0[payloadStart...])) }
        out.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: payloadStart - 8, as: UInt64.self) }
        ByteWriter.appendU64(sum, to: &out)
    }

    static func decode(_ p: UnsafeRawBufferPointer, seed: Int) -> JournalEntry? {
        var r = ByteReader(p)
        guard let id = r.u64(), let data = r.u64(), let g = r.int(), let s = r.f64(), let rows = r.rows(seed: seed),
              let has = r.u8() else { return nil }
        var batch: SampledBatch?
        if has != 0 {
            guard has <= 4 else { return nil }
            let samples: Samples
            if has <= 2 {
                guard let t = r.tensor(), t.rank >= 1 else { return nil }
                samples = .rows(t)
            } else {
                guard let d = r.documents() else { return nil }
                samples = .documents(d)
            }
            if has == 1 || has == 3 {
                batch = SampledBatch(rows: samples, accepted: [], scores: [])
            } else {
                let n = samples.count
                guard let acc = r.raw(n) else { return nil }
                var scores: [Double] = []
                scores.reserveCapacity(n)
                for _ in 0..<n { guard let v = r.f64() else { return nil }; scores.append(v) }
                batch = SampledBatch(rows: samples, accepted: acc.map { $0 != 0 }, scores: scores)
            }
        }
        guard r.atEnd else { return nil }
        return JournalEntry(identity: id, data: data, generation: g, seconds: s, rows: rows, batch: batch)
    }
}

/// A finished seed's record in the run's finished log: its timings and its part of metrics.csv,
/// formatted once (its rows are read back from that text: numbers are written so that they read
/// back exactly).
struct FinalRecord {
    static let magic = Array("OUROFIN3".utf8)
    let identity: UInt64
    let data: UInt64
    let seed: Int
    let generations: Int
    let timings: [Double]
    let rows: [MetricRow]
    /// Checksum of the kept pool files (0 without keep_pool).
    let pool: UInt64
    /// The seed's lines of metrics.csv.
    let csv: [UInt8]

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 96 + 8 * timings.count + csv.count)
        w.u64(identity); w.u64(data); w.int(seed); w.int(generations)
        w.int(timings.count); for t in timings { w.f64(t) }
        w.u64(pool)
        w.int(csv.count); w.bytes.append(contentsOf: csv)
        var out: [UInt8] = []
        Record.frame(magic: FinalRecord.magic, w.bytes, into: &out)
        return out
    }

    static func decode(_ p: UnsafeRawBufferPointer) -> FinalRecord? {
        var r = ByteReader(p)
        guard let id = r.u64(), let data = r.u64(), let seed = r.int(), let g = r.int(), let nt = r.int(), nt >= 0, nt <= g else { return nil }
        var timings: [Double] = []
        for _ in 0..<nt { guard let t = r.f64() else { return nil }; timings.append(t) }
        guard let pool = r.u64(), let n = r.int(), let csv = r.raw(n), r.atEnd,
              let rows = CSV.parseRows(Array(csv), seed: seed) else { return nil }
        return FinalRecord(identity: id, data: data, seed: seed, generations: g, timings: timings, rows: rows, pool: pool, csv: Array(csv))
    }
}

/// A batch sampled in one generation: its rows and, when a verifier ran, its verdicts and scores
/// (empty arrays: unverified, all kept, no scores).
public struct SampledBatch {
    public let rows: Samples
    public let accepted: [Bool]
    public let scores: [Double]
    public init(rows: Samples, accepted: [Bool], scores: [Double]) { self.rows = rows; self.accepted = accepted; self.scores = scores }
    public init(rows: Tensor, accepted: [Bool], scores: [Double]) { self.init(rows: .rows(rows), accepted: accepted, scores: scores) }
    /// The samples the verifier kept.
    public var kept: Samples { get throws { accepted.isEmpty ? rows : try rows.keeping(accepted) } }
}
