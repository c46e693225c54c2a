import Foundation
import Tensor

/// One record of a seed's append-only journal:
///   "OUROJRN1" | u64 payload length | payload | u64 FNV-1a of the payload
/// payload: u64 generation | f64 seconds | u64 text length | text |
///          u8 has batch | [u8 dtype | u64 rank | u64 dims… | data | n accepted bytes | n f64 scores]
enum JournalRecord {
    static let magic = Array("OUROJRN1".utf8)

    static func encode(generation: Int, seconds: Double, rowsText: String, batch: (Tensor, [Bool], [Double])?) throws -> Data {
        var p = Data()
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { p.append(contentsOf: $0) } }
        u64(UInt64(generation)); u64(seconds.bitPattern)
        let text = Array(rowsText.utf8)
        u64(UInt64(text.count)); p.append(contentsOf: text)
        if let (x, acc, sc) = batch {
            p.append(1)
            let c = try x.contiguous()
            p.append(UInt8(DType.allCases.firstIndex(of: c.dtype) ?? 0))
            u64(UInt64(c.rank)); for dim in c.shape { u64(UInt64(dim)) }
            p.append(Data(bytes: c.storage.bytes + c.offset * c.dtype.size, count: c.count * c.dtype.size))
            // Verdicts and scores, one per row (an unverified batch has none: all kept, no score).
            let n = c.shape.first ?? 0
            p.append(contentsOf: acc.count == n ? acc.map { $0 ? UInt8(1) : 0 } : [UInt8](repeating: 1, count: n))
            for i in 0..<n { u64((sc.count == n ? sc[i] : .nan).bitPattern) }
        } else { p.append(0) }
        var out = Data(magic)
        withUnsafeBytes(of: UInt64(p.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(p)
        withUnsafeBytes(of: fnv(p).littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    static func fnv(_ d: Data) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in d { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}

/// Reads journal records until the end or the first incomplete or damaged one.
struct JournalReader {
    struct Record { let generation: Int; let seconds: Double; let rowsText: String; let batch: (Tensor, [Bool], [Double])? }
    let bytes: [UInt8]
    var pos = 0
    /// Bytes up to the end of the last good record.
    private(set) var goodBytes = 0

    init(data: Data) { bytes = [UInt8](data) }

    private func u64(at i: Int) -> UInt64? {
        guard i >= 0, i + 8 <= bytes.count else { return nil }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
        return v
    }

    mutating func next() -> Record? {
        let m = JournalRecord.magic
        guard pos + m.count + 8 <= bytes.count, Array(bytes[pos..<(pos + m.count)]) == m,
              let len64 = u64(at: pos + m.count), len64 < UInt64(Int.max / 2) else { return nil }
        let start = pos + m.count + 8, len = Int(len64)
        guard start + len + 8 <= bytes.count, let sum = u64(at: start + len) else { return nil }
        let payload = Data(bytes[start..<(start + len)])
        guard JournalRecord.fnv(payload) == sum, let rec = parse(payload) else { return nil }
        pos = start + len + 8
        goodBytes = pos
        return rec
    }

    private func parse(_ p: Data) -> Record? {
        let b = [UInt8](p)
        var i = 0
        func u64() -> UInt64? {
            guard i + 8 <= b.count else { return nil }
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
            i += 8
            return v
        }
        guard let g = u64(), let s = u64(), let tl = u64(), tl <= UInt64(b.count - i) else { return nil }
        let text = String(decoding: b[i..<(i + Int(tl))], as: UTF8.self)
        i += Int(tl)
        guard i < b.count else { return nil }
        let has = b[i]; i += 1
        var batch: (Tensor, [Bool], [Double])?
        if has == 1 {
            guard i < b.count, Int(b[i]) < DType.allCases.count else { return nil }
            let dtype = DType.allCases[Int(b[i])]; i += 1
            guard let r = u64(), r <= 16 else { return nil }
            var shape: [Int] = []
            for _ in 0..<r { guard let d = u64(), d < 1 << 40 else { return nil }; shape.append(Int(d)) }
            guard let n = shape.first, let t = try? Tensor(uninitialized: shape, dtype: dtype) else { return nil }
            let nb = t.count * dtype.size
            guard i + nb + n + 8 * n <= b.count else { return nil }
            b.withUnsafeBytes { raw in
                if let base = raw.baseAddress { t.storage.bytes.copyMemory(from: base + i, byteCount: nb) }
            }
            i += nb
            let acc = b[i..<(i + n)].map { $0 != 0 }; i += n
            var sc: [Double] = []
            for _ in 0..<n { guard let v = u64() else { return nil }; sc.append(Double(bitPattern: v)) }
            batch = (t, acc, sc)
        }
        return Record(generation: Int(g), seconds: Double(bitPattern: s), rowsText: text, batch: batch)
    }
}
