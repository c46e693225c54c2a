import Foundation
import Tensor

/// Ordinary least squares y ≈ x·w with Gaussian label noise σ — the fixed-design setting of
/// Gerstgrasser et al. and Kazdan et al. As a generative model its rows are [x | y] (the last
/// column is the label): it generates labels, x·ŵ + N(0, σ²), at given covariates — by default
/// at the design it was first fitted on, which fresh copies keep (the fixed design X).
/// The fit goes through `lstsq` (minimum-norm when rows < columns).
public final class LinearRegressionModel: GenerativeModel {
    public let family = "linear_regression"
    public let noise: Double
    /// The true weights, when known: enables param_sq_err and test_mse against the noiseless target.
    public let truth: Tensor?
    /// Fitted weights (nil before fit).
    public private(set) var weights: Tensor?
    /// The fixed design that unconditional `sample(n, rng)` draws labels at.
    private let designBox: DesignBox

    final class DesignBox { var x: Tensor? }

    public init(noise: Double, truth: Tensor? = nil) throws {
        guard noise >= 0, noise.isFinite else { throw ModelError("linear_regression: noise must be a non-negative number, got \(noise)") }
        if let t = truth, t.rank != 1 { throw ModelError("linear_regression: truth w must be a 1-D tensor, got shape \(describeShape(t.shape))") }
        self.noise = noise
        self.truth = try truth?.astype(.float64)
        designBox = DesignBox()
    }

    private init(noise: Double, truth: Tensor?, design: DesignBox) {
        self.noise = noise; self.truth = truth; designBox = design
    }

    public var configuration: [String: String] {
        var c = ["family": family, "noise": "\(noise)"]
        if let t = truth { c["truth"] = "\(t.toDoubles())" }
        return c
    }

    public func fresh() throws -> GenerativeModel { LinearRegressionModel(noise: noise, truth: truth, design: designBox) }

    /// Splits [x | y] rows.
    static func split(_ data: Tensor) throws -> (Tensor, Tensor) {
        guard data.rank == 2, data.shape[1] >= 2 else {
            throw ModelError("linear_regression: rows must be [x | y] (at least 2 columns), got shape \(describeShape(data.shape))")
        }
        let d = data.shape[1] - 1
        return (try data.narrow(1, 0, d), try data.select(1, d))
    }

    /// Fits on [x | y] rows.
    public func fit(_ data: Tensor) throws {
        let (x, y) = try LinearRegressionModel.split(data)
        try fit(x: x, y: y)
    }

    /// Fits y ≈ x·w (x n×d, y of n values); remembers x as the design if there is none yet.
    public func fit(x: Tensor, y: Tensor) throws {
        guard x.rank == 2, (y.rank == 1 && y.shape[0] == x.shape[0]) || (y.rank == 2 && y.shape == [x.shape[0], 1]) else {
            throw ModelError("linear_regression: x must be n×d and y have n values; got \(describeShape(x.shape)) and \(describeShape(y.shape))")
        }
        if let t = truth, t.shape[0] != x.shape[1] {
            throw ModelError("linear_regression: truth has \(t.shape[0]) weights but x has \(x.shape[1]) columns")
        }
        weights = try Linalg.lstsq(x, y.reshape([x.shape[0]])).solution.astypeIfNeeded(.float64)
        if designBox.x == nil { designBox.x = try x.astype(.float64) }
    }

    public func predict(_ x: Tensor) throws -> Tensor {
        guard let w = weights else { throw ModelError("linear_regression: predict before fit") }
        guard x.rank == 2, x.shape[1] == w.shape[0] else {
            throw ModelError("linear_regression: x must have \(w.shape[0]) columns, got shape \(describeShape(x.shape))")
        }
        return try x.astypeIfNeeded(.float64).mm(w)
    }

    /// Labels at covariates x: x·ŵ + N(0, σ²).
    public func sample(x: Tensor, rng: RNG) throws -> Tensor {
        let mean = try predict(x)
        return noise > 0 ? try mean.binary(.add, rng.normal([x.shape[0]], std: noise)) : mean
    }

    /// n rows [x | y] at the fixed design (cycled when n exceeds its rows).
    public func sample(_ n: Int, rng: RNG) throws -> Tensor {
        guard let design = designBox.x else { throw ModelError("linear_regression: sample before fit") }
        guard n >= 0 else { throw ModelError("linear_regression: cannot draw \(n) samples") }
        let t = design.shape[0]
        let x = n == t ? design : try design.rows((0..<n).map { $0 % t })
        let y = try sample(x: x, rng: rng)
        return try Tensor.cat([x, y.reshape([n, 1])], dim: 1)
    }

    /// Log-density of [x | y] rows: the Gaussian label density at each x (−inf/+inf when σ = 0).
    public func logProb(_ data: Tensor) throws -> Tensor {
        let (x, y) = try LinearRegressionModel.split(data)
        let r = try y.astypeIfNeeded(.float64).binary(.sub, predict(x))
        let s2 = noise * noise
        return try r.binary(.mul, r).binary(.mul, Tensor(scalar: -0.5 / s2))
            .binary(.add, Tensor(scalar: -0.5 * Foundation.log(2 * Double.pi * s2)))
    }

    /// test_mse (against the noiseless target x·w* when truth is known, else against y) and
    /// param_sq_err = ‖ŵ − w*‖².
    public func evaluate(_ test: Tensor) throws -> [Metric] {
        guard let w = weights else { throw ModelError("linear_regression: evaluate before fit") }
        var out: [Metric] = []
        if test.count > 0 {
            let (x, y) = try LinearRegressionModel.split(test)
            let target = try truth.map { try x.astypeIfNeeded(.float64).mm($0) } ?? y
            let e = try predict(x).binary(.sub, target)
            out.append(Metric("test_mse", try e.binary(.mul, e).reduce(.mean).item()))
        }
        if let t = truth {
            let e = try w.binary(.sub, t)
            out.append(Metric("param_sq_err", try e.binary(.mul, e).reduce(.sum).item()))
        }
        return out
    }
}
