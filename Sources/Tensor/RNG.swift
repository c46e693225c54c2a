import Foundation

/// A seeded, splittable pseudo-random generator (xoshiro256** seeded through SplitMix64).
///
/// Streams are reproducible bit for bit for a given seed on the same build. `split(name)`
/// derives an independent child stream from the generator's *key* and the name — not from how
/// much the parent has been used — so `g:split("gen-3")` names the same stream every time.
public final class RNG: @unchecked Sendable {
    /// The key this generator was derived from (seed material for children).
    public let key: UInt64
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed: UInt64) {
        key = seed
        var sm = seed
        s0 = RNG.splitmix(&sm); s1 = RNG.splitmix(&sm); s2 = RNG.splitmix(&sm); s3 = RNG.splitmix(&sm)
    }

    public convenience init(seed: Int) { self.init(seed: UInt64(bitPattern: Int64(seed))) }

    @inline(__always) static func splitmix(_ x: inout UInt64) -> UInt64 {
        x = x &+ 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent child stream named `name`.
    public func split(_ name: String) -> RNG {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325          // FNV-1a of the name
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        var m = key ^ 0x6A09_E667_F3BC_C908
        let a = RNG.splitmix(&m)
        var m2 = a ^ h
        return RNG(seed: RNG.splitmix(&m2))
    }

    /// The child stream `name` number `index` (the loop's per-generation streams): like
    /// `split(name)` followed by a split on the index, without building strings.
    public func split(_ name: String, _ index: Int) -> RNG {
        let child = split(name)
        var m = child.key ^ (UInt64(bitPattern: Int64(index)) &* 0x9E37_79B9_7F4A_7C15)
        return RNG(seed: RNG.splitmix(&m))
    }

    /// The next 64 random bits.
    @inline(__always) public func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always) public func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal draw (ziggurat).
    public func normal() -> Double { zigguratNormal(Ziggurat.xTable, Ziggurat.fTable) }

    /// Uniform integer in 0..<n (Lemire's unbiased multiply-shift), n > 0.
    @inline(__always) public func below(_ n: UInt64) -> UInt64 {
        var m = next().multipliedFullWidth(by: n)
        if m.low < n {
            let t = (0 &- n) % n
            while m.low < t { m = next().multipliedFullWidth(by: n) }
        }
        return m.high
    }

    // MARK: tensors

    /// Standard normal (times std, plus mean) values of the given shape.
    public func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float64) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError("normal() needs a floating-point dtype, got \(dtype.rawValue)") }
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        let n = t.count
        if dtype == .float64 {
            fillNormal(t.base(Double.self), n, mean: mean, std: std)
        } else {
            let p = t.base(Float.self)
            let x = Ziggurat.xTable, f = Ziggurat.fTable
            for i in 0..<n { p[i] = Float(mean + std * zigguratNormal(x, f)) }
        }
        return t
    }

    /// Uniform values in [lo, hi).
    public func uniform(_ shape: [Int], lo: Double = 0, hi: Double = 1, dtype: DType = .float64) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError("uniform() needs a floating-point dtype, got \(dtype.rawValue); use integers()") }
        guard lo.isFinite, hi.isFinite, lo <= hi else { throw TensorError("uniform: need finite lo <= hi, got \(lo), \(hi)") }
        let t = try Tensor(uninitialized: shape, dtype: dtype)
        for i in 0..<t.count { t.setFlat(i, lo + (hi - lo) * uniform()) }
        return t
    }

    /// Uniform int64 values in lo...hi, both inclusive (like Lua's math.random(m, n)).
    public func integers(_ lo: Int64, _ hi: Int64, _ shape: [Int]) throws -> Tensor {
        guard lo <= hi else { throw TensorError("integers: empty range \(lo)..\(hi) (need lo <= hi)") }
        let t = try Tensor(uninitialized: shape, dtype: .int64)
        let span = UInt64(bitPattern: hi &- lo) &+ 1     // 0 means the full 2^64 range
        let p = t.base(Int64.self)
        for i in 0..<t.count {
            let r = span == 0 ? next() : below(span)
            p[i] = lo &+ Int64(bitPattern: r)
        }
        return t
    }

    /// A random permutation of 0..<n.
    public func permutation(_ n: Int) throws -> [Int] {
        guard n >= 0 else { throw TensorError("permutation needs n >= 0, got \(n)") }
        try MemoryPolicy.checkCount(n, bytesPerItem: 16, what: "n")
        return try choice(n, n, replace: false)
    }

    /// k draws from 0..<n, with or without replacement. Without replacement this is a partial
    /// Fisher–Yates shuffle (sparse for huge n), so the order of the result is random too.
    public func choice(_ n: Int, _ k: Int, replace: Bool) throws -> [Int] {
        guard n >= 0, k >= 0 else { throw TensorError("choice needs n >= 0 and k >= 0, got n = \(n), k = \(k)") }
        // The result (k) and, drawing many without replacement, the whole range (n) are allocated.
        if !replace && k >= n / 8 { try MemoryPolicy.checkCount(n, bytesPerItem: 16, what: "n") }
        else { try MemoryPolicy.checkCount(k, bytesPerItem: 24, what: "k") }
        if replace {
            guard n > 0 || k == 0 else { throw TensorError("choice: cannot draw \(k) values from an empty range") }
            return (0..<k).map { _ in Int(below(UInt64(n))) }
        }
        guard k <= n else { throw TensorError("choice: cannot draw \(k) values without replacement from \(n)") }
        var out = [Int](repeating: 0, count: k)
        if k >= n / 8 {
            // Partial Fisher–Yates over the whole range.
            var a = Array(0..<n)
            for i in 0..<k {
                let j = i + Int(below(UInt64(n - i)))
                a.swapAt(i, j)
                out[i] = a[i]
            }
        } else if n <= 1 << 24 {
            // Few from many: draw and reject repeats, remembered in a bitset (expected < 1.07 k draws).
            var seen = [UInt64](repeating: 0, count: (n + 63) / 64)
            var i = 0
            while i < k {
                let j = Int(below(UInt64(n)))
                let (w, b) = (j >> 6, UInt64(1) << UInt64(j & 63))
                if seen[w] & b == 0 { seen[w] |= b; out[i] = j; i += 1 }
            }
        } else {
            var seen = Set<Int>(minimumCapacity: k)
            var i = 0
            while i < k {
                let j = Int(below(UInt64(n)))
                if seen.insert(j).inserted { out[i] = j; i += 1 }
            }
        }
        return out
    }
}
