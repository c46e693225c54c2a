import Foundation
import Tensor

/// Toy distributions of the KDE task-settings, with scikit-learn's parameterisation
/// (make_blobs, make_circles, make_moons, make_swiss_roll). Every generator takes the RNG.
public enum Generators {
    public struct DataError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Isotropic Gaussian blobs: `centers` (k×dim) given, or k centres drawn uniformly in `box`.
    /// Rows are split as evenly as possible (the first n mod k clusters get one more), then shuffled.
    /// Returns the points, 0-based cluster labels and the centres (reusable for a test set).
    public static func blobs(n: Int, centers: Tensor?, count k: Int = 3, std: Double = 1, box: (Double, Double) = (-10, 10),
                             dim: Int = 2, rng: RNG) throws -> (x: Tensor, labels: [Int], centers: Tensor) {
        guard n >= 0 else { throw DataError(message: "blobs: n must be non-negative, got \(n)") }
        // points, noise, the shuffled copy (d values each), labels twice and the permutation
        try MemoryPolicy.checkCount(n, bytesPerItem: 24 * max(centers?.shape.last ?? dim, 1) + 32, what: "n")
        guard std >= 0, std.isFinite else { throw DataError(message: "blobs: std must be a non-negative number, got \(std)") }
        let c: Tensor
        if let given = centers {
            guard given.rank == 2, given.shape[0] >= 1 else {
                throw DataError(message: "blobs: centers must be a k×d tensor, got shape \(describeShape(given.shape))")
            }
            c = try given.astype(.float64)
        } else {
            guard k >= 1, dim >= 1 else { throw DataError(message: "blobs: need at least one centre and one dimension") }
            guard box.0 <= box.1, box.0.isFinite, box.1.isFinite else { throw DataError(message: "blobs: box must be {lo, hi} with lo <= hi") }
            c = try rng.uniform([k, dim], lo: box.0, hi: box.1)
        }
        let (kk, d) = (c.shape[0], c.shape[1])
        let cv = c.toDoubles()
        var labels: [Int] = []
        labels.reserveCapacity(n)
        for i in 0..<kk { labels += [Int](repeating: i, count: n / kk + (i < n % kk ? 1 : 0)) }
        let noise = try rng.normal([n, d], std: std)
        let x = try Tensor(uninitialized: [n, d], dtype: .float64)
        let px = x.base(Double.self), pz = noise.base(Double.self)
        for i in 0..<n { for j in 0..<d { px[i * d + j] = cv[labels[i] * d + j] + pz[i * d + j] } }
        let order = try rng.permutation(n)
        return (try x.rows(order), order.map { labels[$0] }, c)
    }

    /// A large circle (radius 1) around a small one (radius `factor`), n/2 points each
    /// (the outer gets the smaller half), plus N(0, noise²) on each coordinate; shuffled.
    public static func circles(n: Int, noise: Double = 0, factor: Double = 0.8, rng: RNG) throws -> (x: Tensor, labels: [Int]) {
        guard n >= 0 else { throw DataError(message: "circles: n must be non-negative, got \(n)") }
        try MemoryPolicy.checkCount(n, bytesPerItem: Generators.planarBytes, what: "n")
        guard factor >= 0 && factor < 1 else { throw DataError(message: "circles: factor must be in [0, 1), got \(factor)") }
        let nOut = n / 2, nIn = n - nOut
        var pts: [Double] = [], labels: [Int] = []
        for i in 0..<nOut { let a = 2 * Double.pi * Double(i) / Double(nOut); pts += [cos(a), sin(a)]; labels.append(0) }
        for i in 0..<nIn { let a = 2 * Double.pi * Double(i) / Double(nIn); pts += [factor * cos(a), factor * sin(a)]; labels.append(1) }
        return try finish(pts, labels, dim: 2, noise: noise, rng: rng, name: "circles")
    }

    /// Two interleaving half circles, plus N(0, noise²) on each coordinate; shuffled.
    public static func moons(n: Int, noise: Double = 0, rng: RNG) throws -> (x: Tensor, labels: [Int]) {
        guard n >= 0 else { throw DataError(message: "moons: n must be non-negative, got \(n)") }
        try MemoryPolicy.checkCount(n, bytesPerItem: Generators.planarBytes, what: "n")
        let nOut = n / 2, nIn = n - nOut
        var pts: [Double] = [], labels: [Int] = []
        for i in 0..<nOut { let a = nOut > 1 ? Double.pi * Double(i) / Double(nOut - 1) : 0; pts += [cos(a), sin(a)]; labels.append(0) }
        for i in 0..<nIn { let a = nIn > 1 ? Double.pi * Double(i) / Double(nIn - 1) : 0; pts += [1 - cos(a), 1 - sin(a) - 0.5]; labels.append(1) }
        return try finish(pts, labels, dim: 2, noise: noise, rng: rng, name: "moons")
    }

    /// The swiss roll in 3-D: t = 1.5π(1 + 2u), (t cos t, 21v, t sin t) + N(0, noise²); returns t too.
    public static func swissRoll(n: Int, noise: Double = 0, rng: RNG) throws -> (x: Tensor, t: [Double]) {
        guard n >= 0 else { throw DataError(message: "swiss_roll: n must be non-negative, got \(n)") }
        try MemoryPolicy.checkCount(n, bytesPerItem: 160, what: "n")
        guard noise >= 0, noise.isFinite else { throw DataError(message: "swiss_roll: noise must be a non-negative number") }
        let u = try rng.uniform([n]).toDoubles(), v = try rng.uniform([n]).toDoubles()
        let z = try rng.normal([n, 3]).toDoubles()
        var pts = [Double](repeating: 0, count: 3 * n), ts = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let t = 1.5 * Double.pi * (1 + 2 * u[i])
            ts[i] = t
            pts[3 * i] = t * cos(t) + noise * z[3 * i]
            pts[3 * i + 1] = 21 * v[i] + noise * z[3 * i + 1]
            pts[3 * i + 2] = t * sin(t) + noise * z[3 * i + 2]
        }
        return (try Tensor(pts, shape: [n, 3]), ts)
    }

    /// Working bytes per point of the 2-D generators: coordinates (list, tensor, noise, shuffled
    /// copy), labels twice and the permutation.
    static let planarBytes = 4 * 16 + 3 * 8

    private static func finish(_ pts: [Double], _ labels: [Int], dim: Int, noise: Double, rng: RNG, name: String) throws -> (x: Tensor, labels: [Int]) {
        guard noise >= 0, noise.isFinite else { throw DataError(message: "\(name): noise must be a non-negative number, got \(noise)") }
        let n = labels.count
        var x = try Tensor(pts, shape: [n, dim])
        if noise > 0 { x = try x.binary(.add, rng.normal([n, dim], std: noise)) }
        let order = try rng.permutation(n)
        return (try x.rows(order), order.map { labels[$0] })
    }
}
