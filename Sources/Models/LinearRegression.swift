import Foundation
import Tensor

/// Ordinary least squares y ≈ x·w with Gaussian label noise σ — the fixed-design setting of
/// Gerstgrasser et al. and Kazdan et al. As a generative model its rows are [x | y] (the last
/// column is the label): it generates labels, x·ŵ + N(0, σ²), at given covariates — by default
/// at the design it was first fitted on (in a loop: the seed's real covariates), which fresh copies
/// keep (the fixed design X). The fit solves the normal equations by Cholesky, or through the
/// pseudo-inverse when XᵀX is singular (the minimum-norm solution, as lstsq gives).
public final class LinearRegressionModel: StatisticsFittable, ConditionalModel, ParameterReporting, TheoryReporting {
    public let family = "linear_regression"
    public let noise: Double
    /// Where unconditional samples put their covariates: the fixed design (Gerstgrasser et al.),
    /// or fresh standard normal draws each time (Yi et al.'s verified retraining).
    public let freshCovariates: Bool
    /// The true weights, when known: enables param_sq_err and test_mse against the noiseless target.
    public let truth: Tensor?
    /// Fitted weights (nil before fit).
    public private(set) var weights: Tensor?

    /// ŵ, once fitted.
    public var parameters: [(name: String, value: Tensor)] { weights.map { [("w", $0)] } ?? [] }
    /// The fixed design that unconditional `sample(n, rng)` draws labels at: the covariates of the
    /// first fit, or of the seed's real data in a loop (`prepare`). Never modified once set, so
    /// fresh copies share it safely.
    public private(set) var design: Tensor?

    public init(noise: Double, truth: Tensor? = nil, freshCovariates: Bool = false) throws {
        guard noise >= 0, noise.isFinite else { throw ModelError("linear_regression: noise must be a non-negative number, got \(noise)") }
        if let t = truth, t.rank != 1 { throw ModelError("linear_regression: truth w must be a 1-D tensor, got shape \(describeShape(t.shape))") }
        self.noise = noise
        self.truth = try truth?.astype(.float64)
        self.freshCovariates = freshCovariates
    }

    private init(noise: Double, truth: Tensor?, fresh: Bool, design: Tensor?) {
        self.noise = noise; self.truth = truth; freshCovariates = fresh; self.design = design
    }

    public var configuration: [String: String] {
        var c = ["family": family, "noise": "\(noise)", "covariates": freshCovariates ? "fresh" : "fixed"]
        if let t = truth { c["truth"] = "\(t.toDoubles())" }
        return c
    }

    public func fresh() throws -> GenerativeModel { LinearRegressionModel(noise: noise, truth: truth, fresh: freshCovariates, design: design) }

    /// With the true weights known and the fixed design relabelled whole each generation (samples =
    /// real rows = T): E‖ŵ_t − w*‖² under replace and accumulate (Theory.linearRegression), for an
    /// isotropic Gaussian design whose real labels carry this model's noise σ.
    public func theory(workflow: String, samples: Int, realRows: Int, generations: Int) -> [String: [Double]] {
        guard let w = truth, !freshCovariates, samples == realRows,
              let e = try? Theory.linearRegression(workflow: workflow, d: w.count, t: realRows, sigma2: noise * noise, generations: generations) else { return [:] }
        return ["param_sq_err": e]
    }

    /// In a loop, the fixed design is the seed's real covariates (Gerstgrasser et al.'s X).
    public func prepare(forSeedWithRealData real: Tensor) throws {
        design = try LinearRegressionModel.split(real).0.astype(.float64)
    }

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
}

/// XᵀX, Xᵀy and the row count of [x | y] rows: enough to refit OLS on everything accumulated
/// at O(new rows · d²) per generation.
public struct RegressionStatistics: FitStatistics {
    public let dim: Int
    public private(set) var count = 0
    public private(set) var xtx: [Double]
    public private(set) var xty: [Double]

    public init(dim: Int) {
        self.dim = max(dim, 0)
        xtx = [Double](repeating: 0, count: self.dim * self.dim)
        xty = [Double](repeating: 0, count: self.dim)
    }

    public mutating func add(_ batch: Tensor) throws {
        let (x, y) = try LinearRegressionModel.split(batch)
        try add(x: x, y: y)
    }

    public mutating func add(x: Tensor, y: Tensor) throws {
        guard x.rank == 2, x.shape[1] == dim, y.count == x.shape[0] else {
            throw ModelError("linear_regression: expected rows of \(dim) covariates and one label")
        }
        let xd = try x.astypeIfNeeded(.float64).contiguous(), yd = try y.astypeIfNeeded(.float64).contiguous()
        let g = try xd.t().mm(xd).toDoubles(), b = try xd.t().mm(yd.reshape([x.shape[0]])).toDoubles()
        for i in 0..<(dim * dim) { xtx[i] += g[i] }
        for i in 0..<dim { xty[i] += b[i] }
        count += x.shape[0]
    }
}

extension LinearRegressionModel {

    /// Fits y ≈ x·w (x n×d, y of n values); remembers x as the design if there is none yet.
    public func fit(x: Tensor, y: Tensor) throws {
        guard x.rank == 2, (y.rank == 1 && y.shape[0] == x.shape[0]) || (y.rank == 2 && y.shape == [x.shape[0], 1]) else {
            throw ModelError("linear_regression: x must be n×d and y have n values; got \(describeShape(x.shape)) and \(describeShape(y.shape))")
        }
        var s = RegressionStatistics(dim: x.shape[1])
        try s.add(x: x, y: y.reshape([x.shape[0]]))
        try fit(statistics: s)
        if design == nil { design = try x.astype(.float64) }
    }

    public func emptyStatistics(dim: Int) -> FitStatistics { RegressionStatistics(dim: dim - 1) }

    /// ŵ from XᵀX and Xᵀy: a Cholesky solve when XᵀX is well conditioned, else the pseudo-inverse
    /// (which gives the minimum-norm least-squares solution, as lstsq would).
    public func fit(statistics: FitStatistics) throws {
        guard let s = statistics as? RegressionStatistics else { throw ModelError("linear_regression: wrong statistics type") }
        guard s.count >= 1 else { throw ModelError("linear_regression: need at least one row to fit") }
        if let t = truth, t.shape[0] != s.dim {
            throw ModelError("linear_regression: truth has \(t.shape[0]) weights but x has \(s.dim) columns")
        }
        let d = s.dim
        let xtx = try Tensor(s.xtx, shape: [d, d]), xty = try Tensor(s.xty)
        if let l = DenseMatrix.cholesky(s.xtx, d), (0..<d).allSatisfy({ l[$0 * d + $0] * l[$0 * d + $0] > Double(d) * 1e-12 * (s.xtx.max() ?? 0) }) {
            var z = s.xty
            DenseMatrix.solveLower(l, &z, d, 1)
            var lt = [Double](repeating: 0, count: d * d)
            for i in 0..<d { for j in 0..<d { lt[i * d + j] = l[j * d + i] } }
            // Back substitution with Lᵀ (upper): solve by reversing the order.
            var w = [Double](repeating: 0, count: d)
            for i in stride(from: d - 1, through: 0, by: -1) {
                var acc = z[i]
                for j in (i + 1)..<max(d, i + 1) { acc -= lt[i * d + j] * w[j] }
                w[i] = acc / lt[i * d + i]
            }
            weights = try Tensor(w)
        } else {
            weights = try Linalg.pinv(xtx, rcond: 1e-10).mm(xty)
        }
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
        guard let design, let w = weights else { throw ModelError("linear_regression: sample before fit") }
        guard n >= 0 else { throw ModelError("linear_regression: cannot draw \(n) samples") }
        // covariates (or their row indices), labels and the joined rows
        try MemoryPolicy.checkCount(n, bytesPerItem: 16 * (w.shape[0] + 2), what: "n")
        let t = design.shape[0]
        let x = freshCovariates ? try rng.normal([n, w.shape[0]]) : n == t ? design : try design.rows((0..<n).map { $0 % t })
        let y = try sample(x: x, rng: rng)
        return try Tensor.cat([x, y.reshape([n, 1])], dim: 1)
    }

    /// Log-density of [x | y] rows: the Gaussian label density at each x (−inf/+inf when σ = 0).
    public func logProb(_ data: Tensor) throws -> Tensor {
        let (x, y) = try LinearRegressionModel.split(data)
        let r = try y.astypeIfNeeded(.float64).binary(.sub, predict(x))
        if noise == 0 {
            // σ = 0: a point mass at x·ŵ (+∞ on it, −∞ off it), not 0/0
            return try Tensor(r.toDoubles().map { $0 == 0 ? Double.infinity : -Double.infinity })
        }
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
