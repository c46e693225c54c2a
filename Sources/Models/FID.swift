import Autograd
import Foundation
import NN
import Tensor

/// A fixed feature space for comparing sets of images: the 128-unit penultimate layer of a small
/// CNN classifier (two stride-2 convolutions with GELU, a 128-unit layer, then the classes),
/// trained once, seeded, on real images and then frozen. The same network serves every
/// generation and workflow of an experiment, so Fréchet distances in it are comparable across
/// them (the reference code draws a new untrained network at every call, which makes its FID
/// incomparable between rounds).
public final class ImageFeatures: @unchecked Sendable {
    public let side: Int, classes: Int
    public static let width = 128
    let net: FeatureNetwork
    /// Feature statistics of image sets already seen (the test set is scored every generation).
    private var cache: [UInt64: (mean: Tensor, cov: Tensor)] = [:]
    private let lock = NSLock()

    /// Trains the classifier on images (n × side² in [0, 1]) with 0-based labels: Adam 1e-3,
    /// batch 128, `epochs` passes in an order drawn from rng.
    public init(trainedOn x: Tensor, labels: [Int], classes: Int = 10, side: Int = 28, epochs: Int = 1, rng: RNG) throws {
        guard side % 4 == 0, side >= 4 else { throw ModelError("fid features: the side must be a multiple of 4, got \(side)") }
        guard x.rank == 2, x.shape[1] == side * side, labels.count == x.shape[0], x.shape[0] >= 1 else {
            throw ModelError("fid features: expected n × \(side * side) images and n labels, got \(describeShape(x.shape)) and \(labels.count) labels")
        }
        guard epochs >= 1 else { throw ModelError("fid features: epochs must be ≥ 1") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) { throw ModelError("fid features: label \(bad + 1) is not a class 1…\(classes)") }
        self.side = side; self.classes = classes
        net = try FeatureNetwork(side: side, classes: classes, rng: rng.split("init"))
        let images = try x.astype(.float32).contiguous()
        let net = self.net
        try MiniBatches.train(net.parameters(), lr: 1e-3, rows: images.shape[0], batch: 128, epochs: epochs, rng: rng) { idx, _ in
            try Loss.crossEntropy(net.logits(images.rows(idx)), Tensor(idx.map { Int64(labels[$0]) }))
        }
    }

    /// The classifier saved by `save`.
    public init(weights path: String, classes: Int = 10, side: Int = 28) throws {
        self.side = side; self.classes = classes
        net = try FeatureNetwork(side: side, classes: classes, rng: RNG(seed: 0))
        try net.load(from: path)
    }

    public func save(to path: String) throws { try net.save(to: path) }

    /// A checksum of the weights: part of a run's identity when its metrics use these features.
    public var fingerprint: UInt64 {
        (try? net.parameters().reduce(UInt64(0)) { Checksum.combine($0, try $1.checksum()) }) ?? 0
    }

    /// The 128 features of each image (float64 n × 128), in batches, untracked.
    public func features(_ images: Tensor) throws -> Tensor { try inBatches(images) { try net.features($0) } }

    /// The classifier's class probabilities for each image (float64 n × classes).
    public func probabilities(_ images: Tensor) throws -> Tensor {
        try inBatches(images) { try Softmax.forward(net.logits($0), dim: 1, log: false) }
    }

    /// f over batches of 1000 images (memory stays bounded), untracked, joined as float64.
    private func inBatches(_ images: Tensor, _ f: (Tensor) throws -> Tensor) throws -> Tensor {
        guard images.rank == 2, images.shape[1] == side * side else {
            throw ModelError("fid features: expected n × \(side * side) images, got \(describeShape(images.shape))")
        }
        let x = try images.astype(.float32).contiguous()
        let n = x.shape[0]
        return try GradMode.disabled {
            var parts: [Tensor] = []
            var start = 0
            while start < n {
                parts.append(try f(x.narrow(0, start, min(n, start + 1000))).astype(.float64))
                start += 1000
            }
            return parts.count == 1 ? parts[0] : try Tensor.cat(parts, dim: 0)
        }
    }

    /// The classifier's accuracy on labelled images (a check that the feature space sees classes).
    public func accuracy(_ images: Tensor, labels: [Int]) throws -> Double {
        let predicted = try probabilities(images).reduce(.argmax, dim: 1).toDoubles()
        guard predicted.count == labels.count, !labels.isEmpty else { throw ModelError("fid features: one label per image") }
        return Double(zip(predicted, labels).filter { Int($0) == $1 }.count) / Double(labels.count)
    }

    /// Mean and covariance (divided by n − 1) of a set's features; remembered for a set seen before.
    public func statistics(_ images: Tensor) throws -> (mean: Tensor, cov: Tensor) {
        let key = try images.checksum()
        lock.lock(); let hit = cache[key]; lock.unlock()
        if let hit { return hit }
        let s = try Frechet.statistics(features(images))
        lock.lock(); cache[key] = s; lock.unlock()
        return s
    }

    /// The Fréchet distance between two sets of images in this feature space.
    public func fid(_ a: Tensor, _ b: Tensor) throws -> Double {
        let (m1, c1) = try statistics(a), (m2, c2) = try statistics(b)
        return try Frechet.distance(m1, c1, m2, c2)
    }
}

/// The Fréchet distance between Gaussians, d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁^½ Σ₂ Σ₁^½)^½),
/// with the matrix square roots through symmetric eigendecompositions (eigenvalues below zero,
/// rounding, are taken as zero).
public enum Frechet {
    /// Mean and sample covariance (n − 1) of the rows of f (n ≥ 2).
    public static func statistics(_ f: Tensor) throws -> (mean: Tensor, cov: Tensor) {
        guard f.rank == 2, f.shape[0] >= 2 else { throw ModelError("fid: needs at least two rows of features, got \(describeShape(f.shape))") }
        let x = try f.astype(.float64)
        let mean = try x.mean(dims: [0])
        let centred = try x.binary(.sub, mean)
        let cov = try centred.t().mm(centred).binary(.div, Tensor(scalar: Double(f.shape[0] - 1)))
        return (mean, cov)
    }

    /// Σ^½ of a symmetric positive semi-definite matrix.
    static func sqrtm(_ a: Tensor) throws -> Tensor {
        let (values, vectors) = try Linalg.eigh(a)
        let roots = try Tensor(values.toDoubles().map { Swift.max($0, 0).squareRoot() })
        return try vectors.binary(.mul, roots).mm(vectors.t())
    }

    public static func distance(_ m1: Tensor, _ c1: Tensor, _ m2: Tensor, _ c2: Tensor) throws -> Double {
        guard m1.shape == m2.shape, c1.shape == c2.shape, c1.rank == 2, c1.shape == [m1.count, m1.count] else {
            throw ModelError("fid: mismatched statistics \(describeShape(m1.shape)), \(describeShape(c1.shape)) and \(describeShape(m2.shape)), \(describeShape(c2.shape))")
        }
        let d = try m1.binary(.sub, m2)
        let meanTerm = try d.binary(.mul, d).reduce(.sum).item()
        let r = try sqrtm(c1)
        var inner = try r.mm(c2).mm(r)
        inner = try inner.binary(.add, inner.t()).binary(.mul, Tensor(scalar: 0.5))      // symmetric to rounding
        let crossTrace = try Linalg.eigh(inner).values.toDoubles().reduce(0) { $0 + Swift.max($1, 0).squareRoot() }
        let traces = try (0..<c1.shape[0]).reduce(0.0) { $0 + (try c1.double(at: [$1, $1])) + (try c2.double(at: [$1, $1])) }
        return Swift.max(0, meanTerm + traces - 2 * crossTrace)
    }
}

/// The classifier behind `ImageFeatures`.
final class FeatureNetwork: Module {
    let side: Int
    let conv1: Conv2d, conv2: Conv2d, hidden: Linear, out: Linear

    init(side: Int, classes: Int, rng: RNG) throws {
        self.side = side
        let q = side / 4
        conv1 = try Conv2d(1, 32, kernel: 4, stride: 2, padding: 1, rng: rng.split("conv1"))
        conv2 = try Conv2d(32, 64, kernel: 4, stride: 2, padding: 1, rng: rng.split("conv2"))
        hidden = try Linear(64 * q * q, ImageFeatures.width, rng: rng.split("hidden"))
        out = try Linear(ImageFeatures.width, classes, rng: rng.split("out"))
        super.init(kind: "fid-features")
        addChild("conv1", conv1); addChild("conv2", conv2); addChild("hidden", hidden); addChild("out", out)
    }

    override var summary: String { "fid-features(\(side)×\(side), \(ImageFeatures.width) features)" }

    func features(_ x: Tensor) throws -> Tensor {
        var h = try Diff.reshape(x, [x.shape[0], 1, side, side])
        h = try Diff.unary(.gelu, conv1.forward(h))
        h = try Diff.unary(.gelu, conv2.forward(h))
        h = try Diff.reshape(h, [x.shape[0], h.count / x.shape[0]])
        return try Diff.unary(.gelu, hidden.forward(h))
    }

    func logits(_ x: Tensor) throws -> Tensor { try out.forward(features(x)) }
}
