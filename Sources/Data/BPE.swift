import Foundation
import Tensor

/// Byte-level byte-pair encoding (GPT-2's scheme): tokens 0…255 are the bytes, 256 is the end of
/// a document, and every further token is a merge of two earlier ones, learnt from a corpus by
/// repeatedly merging the most frequent adjacent pair. Any byte string encodes (invalid UTF-8
/// included) and decodes back to itself. Ids here are 0-based; the Lua binding adds 1.
///
/// Text is first cut into chunks that merges never cross: a run of letters (bytes ≥ 0x80 count
/// as letters, so UTF-8 sequences stay whole), of digits or of other symbols, each with at most
/// one leading space, and runs of whitespace (whose last space joins the following word).
public final class BPETokenizer {
    public static let byteCount = 256
    /// The end-of-document token.
    public static let endOfText: Int32 = 256
    public static let endOfTextName = "<|endoftext|>"
    static let firstMerge: Int32 = 257

    /// The merged pairs in the order they were learnt: token 257 + i is merges[i].0 followed by merges[i].1.
    public let merges: [(Int32, Int32)]
    /// The bytes each token stands for (empty for the end-of-document token).
    public let pieces: [[UInt8]]
    private let rank: [UInt64: Int32]
    private var cache: [ArraySlice<UInt8>: [Int32]] = [:]
    private let cacheLock = NSLock()

    public var vocabularySize: Int { pieces.count }

    /// The byte-level tokenizer: 256 bytes and the end-of-document token, no merges.
    public init() {
        merges = []
        pieces = (0..<256).map { [UInt8($0)] } + [[]]
        rank = [:]
    }

    public init(merges: [(Int32, Int32)]) throws {
        var pieces = (0..<256).map { [UInt8($0)] }
        pieces.append([])
        var rank: [UInt64: Int32] = [:]
        for (i, (a, b)) in merges.enumerated() {
            let next = Int32(pieces.count)
            guard a >= 0, b >= 0, a < next, b < next, a != Self.endOfText, b != Self.endOfText else {
                throw TensorError("merge \(i + 1) joins tokens \(a) and \(b), which are not tokens before it (0…\(next - 1), not \(Self.endOfText))")
            }
            let key = Self.key(a, b)
            guard rank[key] == nil else { throw TensorError("merge \(i + 1) repeats the pair \(a) \(b)") }
            rank[key] = next
            pieces.append(pieces[Int(a)] + pieces[Int(b)])
        }
        self.merges = merges
        self.pieces = pieces
        self.rank = rank
    }

    @inline(__always) public static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    // MARK: chunks

    enum ByteClass { case letter, digit, space, other }
    @inline(__always) static func byteClass(_ c: UInt8) -> ByteClass {
        switch c {
        case 0x41...0x5a, 0x61...0x7a, 0x80...0xff: return .letter
        case 0x30...0x39: return .digit
        case 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d: return .space
        default: return .other
        }
    }

    /// The chunks of a byte string, as ranges in order; together they cover it exactly.
    public static func chunks(_ b: ArraySlice<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = b.startIndex
        let end = b.endIndex
        while i < end {
            let start = i
            var cls = byteClass(b[i])
            if b[i] == 0x20, i + 1 < end, byteClass(b[i + 1]) != .space {
                i += 1
                cls = byteClass(b[i])
            }
            if cls == .space {
                while i < end, byteClass(b[i]) == .space { i += 1 }
                // leave a final space to the word that follows
                if i < end, i - start > 1, b[i - 1] == 0x20 { i -= 1 }
            } else {
                while i < end, byteClass(b[i]) == cls { i += 1 }
            }
            out.append(start..<i)
        }
        return out
    }

    // MARK: encoding

    /// The tokens of a byte string (with the end-of-document token after it when `endOfText`).
    public func encode<S: Collection>(_ text: S, endOfText: Bool = false) -> [Int32] where S.Element == UInt8 {
        let b = ArraySlice(text)
        var out: [Int32] = []
        out.reserveCapacity(b.count / 3 + 1)
        for r in Self.chunks(b) { out += encodeChunk(b[r]) }
        if endOfText { out.append(Self.endOfText) }
        return out
    }

    /// A chunk's tokens: its bytes, then repeatedly the adjacent pair learnt earliest merged
    /// (every occurrence, left to right), until no adjacent pair is a merge.
    func encodeChunk(_ chunk: ArraySlice<UInt8>) -> [Int32] {
        if merges.isEmpty { return chunk.map { Int32($0) } }
        cacheLock.lock()
        if let hit = cache[chunk] { cacheLock.unlock(); return hit }
        cacheLock.unlock()
        var t = chunk.map { Int32($0) }
        while t.count > 1 {
            var best: Int32 = .max
            for j in 0..<(t.count - 1) { if let r = rank[Self.key(t[j], t[j + 1])], r < best { best = r } }
            if best == .max { break }
            let (a, b) = merges[Int(best - Self.firstMerge)]
            var merged: [Int32] = []
            merged.reserveCapacity(t.count)
            var j = 0
            while j < t.count {
                if j + 1 < t.count, t[j] == a, t[j + 1] == b { merged.append(best); j += 2 } else { merged.append(t[j]); j += 1 }
            }
            t = merged
        }
        cacheLock.lock()
        if cache.count < 1 << 18 { cache[ArraySlice(Array(chunk))] = t }
        cacheLock.unlock()
        return t
    }

    /// The bytes of a token sequence; the end-of-document token adds nothing. Ids out of range are an error.
    public func decode<S: Sequence>(_ tokens: S) throws -> [UInt8] where S.Element == Int32 {
        var out: [UInt8] = []
        for t in tokens {
            guard t >= 0, Int(t) < pieces.count else { throw TensorError("token \(t) is not in the vocabulary (0…\(pieces.count - 1))") }
            out += pieces[Int(t)]
        }
        return out
    }

    // MARK: training

    /// Learns merges from documents until the vocabulary (bytes + end-of-document + merges) has
    /// `vocabularySize` tokens or no pair occurs twice. Deterministic: ties go to the pair with
    /// the smaller ids.
    public static func train(_ documents: [[UInt8]], vocabularySize: Int) throws -> BPETokenizer {
        guard vocabularySize >= 257, vocabularySize <= 1 << 20 else {
            throw TensorError("the vocabulary size must be in 257…\(1 << 20) (256 bytes, the end-of-document token and the merges), got \(vocabularySize)")
        }
        // Unique chunks with their counts, in byte order (never in hash order: the result must not depend on it).
        var counts: [ArraySlice<UInt8>: Int] = [:]
        for d in documents {
            let s = d[...]
            for r in chunks(s) where r.count > 1 { counts[s[r], default: 0] += 1 }
        }
        let unique = counts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var words = unique.map { $0.map { Int32($0) } }
        let freq = unique.map { counts[$0]! }
        counts = [:]

        var pairCount: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for (w, t) in words.enumerated() {
            for j in 0..<(t.count - 1) {
                let k = key(t[j], t[j + 1])
                pairCount[k, default: 0] += freq[w]
                pairWords[k, default: []].append(Int32(w))
            }
        }
        var heap = PairHeap()
        for k in pairCount.keys.sorted() { heap.push(pairCount[k]!, k) }

        var merges: [(Int32, Int32)] = []
        var stamp = [Int](repeating: -1, count: words.count)
        var delta: [UInt64: Int] = [:]
        while 257 + merges.count < vocabularySize, let (c, k) = heap.pop() {
            guard pairCount[k] == c else { continue }      // a stale entry
            if c < 2 { break }
            let a = Int32(truncatingIfNeeded: k >> 32), b = Int32(truncatingIfNeeded: k & 0xffff_ffff)
            let t = Int32(257 + merges.count)
            merges.append((a, b))
            delta.removeAll(keepingCapacity: true)
            for w in pairWords[k] ?? [] where stamp[Int(w)] != merges.count {
                stamp[Int(w)] = merges.count
                let old = words[Int(w)], f = freq[Int(w)]
                var merged: [Int32] = []
                merged.reserveCapacity(old.count)
                var j = 0
                while j < old.count {
                    if j + 1 < old.count, old[j] == a, old[j + 1] == b { merged.append(t); j += 2 } else { merged.append(old[j]); j += 1 }
                }
                if merged.count == old.count { continue }
                for j in 0..<(old.count - 1) { delta[key(old[j], old[j + 1]), default: 0] -= f }
                for j in 0..<(merged.count - 1) {
                    let nk = key(merged[j], merged[j + 1])
                    delta[nk, default: 0] += f
                    if merged[j] == t || merged[j + 1] == t { pairWords[nk, default: []].append(w) }
                }
                words[Int(w)] = merged
            }
            pairWords[k] = nil
            for (dk, dv) in delta where dv != 0 {
                let now = pairCount[dk, default: 0] + dv
                if now > 0 { pairCount[dk] = now; heap.push(now, dk) } else { pairCount[dk] = nil }
            }
        }
        return try BPETokenizer(merges: merges)
    }

    // MARK: files

    /// Writes the merges as text: a header line, then one "a b" line (0-based ids) per merge.
    public func save(_ path: String) throws {
        var s = "ouro-bpe 1\nspecials \(Self.endOfTextName)\nmerges \(merges.count)\n"
        for (a, b) in merges { s += "\(a) \(b)\n" }
        try AtomicFile.write(s, to: path)
    }

    public static func load(_ path: String) throws -> BPETokenizer {
        guard let bytes = try AtomicFile.read(path) else { throw TensorError("cannot read '\(path)': No such file or directory") }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw TensorError("'\(path)' is not a tokenizer file (not UTF-8 text)") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        func fail(_ line: Int, _ what: String) -> TensorError { TensorError("\(path):\(line): \(what)") }
        guard lines.count >= 3, lines[0] == "ouro-bpe 1" else { throw fail(1, "expected the header 'ouro-bpe 1' (a file written by tokenizer:save)") }
        guard lines[1] == "specials \(endOfTextName)" else { throw fail(2, "expected 'specials \(endOfTextName)'") }
        let head = lines[2].split(separator: " ")
        guard head.count == 2, head[0] == "merges", let n = Int(head[1]), n >= 0, n <= 1 << 20 else { throw fail(3, "expected 'merges N'") }
        guard lines.count >= 3 + n else { throw fail(lines.count, "the file ends after \(lines.count - 3) of \(n) merges") }
        var merges: [(Int32, Int32)] = []
        merges.reserveCapacity(n)
        for i in 0..<n {
            let f = lines[3 + i].split(separator: " ")
            guard f.count == 2, let a = Int32(f[0]), let b = Int32(f[1]) else { throw fail(4 + i, "expected two token ids 'a b'") }
            merges.append((a, b))
        }
        if lines.count > 3 + n, lines[(3 + n)...].contains(where: { !$0.isEmpty }) { throw fail(4 + n, "more lines than the \(n) merges the header announces") }
        do { return try BPETokenizer(merges: merges) } catch let e as TensorError { throw TensorError("'\(path)': \(e.message)") }
    }
}

/// A max-heap of (count, pair) ordered by count, then by the smaller pair key.
struct PairHeap {
    private var items: [(Int, UInt64)] = []
    @inline(__always) private func above(_ x: (Int, UInt64), _ y: (Int, UInt64)) -> Bool { x.0 != y.0 ? x.0 > y.0 : x.1 < y.1 }
    mutating func push(_ c: Int, _ k: UInt64) {
        items.append((c, k))
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard above(items[i], items[p]) else { break }
            items.swapAt(i, p); i = p
        }
    }
    mutating func pop() -> (Int, UInt64)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if items.isEmpty { return top }
        items[0] = last
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, above(items[l], items[m]) { m = l }
            if r < items.count, above(items[r], items[m]) { m = r }
            if m == i { break }
            items.swapAt(i, m); i = m
        }
        return top
    }
}
