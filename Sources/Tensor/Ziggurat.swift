import Foundation

/// Tables of Marsaglia and Tsang's ziggurat for the standard normal (256 layers): layer 0 is
/// the base strip with the tail beyond r, layers 1…255 are rectangles of equal area v.
enum Ziggurat {
    static let r = 3.6541528853610088
    static let v = 0.00492867323399
    /// Right edges, decreasing: x[0] = v / f(r) (the base strip's width), x[1] = r, …, x[256] = 0.
    static let x: [Double] = {
        var x = [Double](repeating: 0, count: 257)
        let f = { (t: Double) in Foundation.exp(-0.5 * t * t) }
        x[0] = v / f(r)
        x[1] = r
        for i in 2..<256 { x[i] = (-2 * Foundation.log(v / x[i - 1] + f(x[i - 1]))).squareRoot() }
        x[256] = 0
        return x
    }()
    /// f(x[i]) = exp(−x[i]²/2).
    static let f: [Double] = x.map { Foundation.exp(-0.5 * $0 * $0) }

    /// The tables in fixed memory, for the sampling loop (allocated once, never freed).
    static let xTable = table(x), fTable = table(f)
    private static func table(_ v: [Double]) -> UnsafePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: v.count)
        p.initialize(from: v, count: v.count)
        return UnsafePointer(p)
    }
}

extension RNG {
    /// A standard normal draw by the ziggurat method: one 64-bit draw almost always suffices.
    @inline(__always)
    func zigguratNormal(_ x: UnsafePointer<Double>, _ f: UnsafePointer<Double>) -> Double {
        let bits = next()
        let i = Int(bits & 0xFF)
        let z = Double(bits >> 11) * 0x1.0p-53 * x[i]
        if z < x[i + 1] { return bits & 0x100 != 0 ? -z : z }
        return rareNormal(bits: bits, x, f)
    }
}

extension RNG {
    /// Fills p[0..<n] with mean + std·z: the ziggurat's fast path with the generator's state in
    /// local variables (kept in registers), falling back to the general draw on the rare
    /// layer-0 and wedge cases. Same numbers as calling `normal()` n times.
    func fillNormal(_ p: UnsafeMutablePointer<Double>, _ n: Int, mean: Double, std: Double) {
        let x = Ziggurat.xTable, f = Ziggurat.fTable
        var (a, b, c, d) = (s0, s1, s2, s3)
        var i = 0
        while i < n {
            let bits = ((b &* 5) << 7 | (b &* 5) >> 57) &* 9
            let t = b << 17
            c ^= a; d ^= b; b ^= c; a ^= d
            c ^= t
            d = (d << 45) | (d >> 19)
            let k = Int(bits & 0xFF)
            let z = Double(bits >> 11) * 0x1.0p-53 * x[k]
            if z < x[k + 1] {
                p[i] = mean + std * (bits & 0x100 != 0 ? -z : z)
                i += 1
                continue
            }
            // Rare path: hand the state back, redo this draw the general way, take the state again.
            (s0, s1, s2, s3) = (a, b, c, d)
            p[i] = mean + std * rareNormal(bits: bits, x, f)
            (a, b, c, d) = (s0, s1, s2, s3)
            i += 1
        }
        (s0, s1, s2, s3) = (a, b, c, d)
    }

    /// Finishes a ziggurat draw whose first 64 bits fell outside the inner rectangles.
    func rareNormal(bits first: UInt64, _ x: UnsafePointer<Double>, _ f: UnsafePointer<Double>) -> Double {
        var bits = first
        while true {
            let i = Int(bits & 0xFF)
            let negative = bits & 0x100 != 0
            let z = Double(bits >> 11) * 0x1.0p-53 * x[i]
            if z < x[i + 1] { return negative ? -z : z }
            if i == 0 {
                var a = 0.0, b = 0.0
                repeat {
                    a = -Foundation.log(1 - uniform()) / Ziggurat.r
                    b = -Foundation.log(1 - uniform())
                } while b + b < a * a
                let t = Ziggurat.r + a
                return negative ? -t : t
            }
            if f[i + 1] + uniform() * (f[i] - f[i + 1]) < Foundation.exp(-0.5 * z * z) { return negative ? -z : z }
            bits = next()
        }
    }
}
