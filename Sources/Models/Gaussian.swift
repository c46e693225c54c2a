import Foundation
import Tensor

/// A multivariate Gaussian fitted by maximum likelihood (covariance divided by N, as in
/// Kazdan et al.) or with the unbiased N−1 divisor. Sampling goes through the Cholesky factor;
/// a covariance that is no longer positive definite is reported (`cov_singular` = 1) and
/// sampled through its eigen-decomposition with negative eigenvalues clipped — never a crash.
public final class GaussianModel: StatisticsFittable, ParameterReporting, TheoryReporting {
    public enum CovarianceEstimator: String { case mle, unbiased }

    public let family = "gaussian"
    public let estimator: CovarianceEstimator
    /// Added to the covariance's diagonal after fitting, only when the user asks (default 0).
    public let jitter: Double
    /// The true parameters, when known: enables the error metrics against them.
    public let truth: (mean: Tensor, cov: Tensor)?
    /// The truth's values and factor, read once when the model is made and shared by its fresh copies.
    private let truthSnapshot: TruthSnapshot?

    final class TruthSnapshot {
        let mean: [Double], cov: [Double], d: Int
        let cholesky: [Double]?          // nil when the true covariance is not positive definite
        let logdet: Double, trace: Double
        /// As the configuration shows it (made once: a run asks for it several times).
        let text: String
        init(mean: Tensor, cov: Tensor) throws {
            let m = mean.toDoubles(), c = cov.toDoubles(), n = mean.shape[0]
            let l = DenseMatrix.cholesky(c, n)
            self.mean = m; self.cov = c; d = n; cholesky = l
            logdet = try l.map { DenseMatrix.logdet(cholesky: $0, n) } ?? Linalg.slogdet(cov).logabsdet
            trace = DenseMatrix.trace(c, n)
            text = "mean \(m), cov \(c)"
        }
    }

    /// μ̂ and Σ̂, once fitted.
    public var parameters: [(name: String, value: Tensor)] {
        guard let m = mean, let c = cov else { return [] }
        return [("mean", m), ("cov", c)]
    }

    /// The fitted mean (nil before fit).
    public var mean: Tensor? { meanValues.isEmpty ? nil : try? Tensor(meanValues) }
    /// The fitted covariance (nil before fit).
    public var cov: Tensor? { meanValues.isEmpty ? nil : try? Tensor(covValues, shape: [meanValues.count, meanValues.count]) }
    /// Lower-triangular Cholesky factor, or nil when the covariance is singular.
    private var cholesky: Tensor? { choleskyValues.flatMap { try? Tensor($0, shape: [meanValues.count, meanValues.count]) } }
    /// A square root F with F·Fᵀ = Σ̂, used for sampling (the Cholesky factor when there is one).
    private var sqrtValues: [Double] = []

    public init(estimator: CovarianceEstimator = .mle, jitter: Double = 0, truth: (mean: Tensor, cov: Tensor)? = nil) throws {
        guard jitter >= 0, jitter.isFinite else { throw ModelError("jitter must be a non-negative number, got \(jitter)") }
        if let t = truth {
            guard t.mean.rank == 1, t.cov.rank == 2, t.cov.shape == [t.mean.shape[0], t.mean.shape[0]] else {
                throw ModelError("truth needs mean (d) and cov (d×d); got \(describeShape(t.mean.shape)) and \(describeShape(t.cov.shape))")
            }
        }
        self.estimator = estimator
        self.jitter = jitter
        let copied = try truth.map { (mean: try $0.mean.astype(.float64), cov: try $0.cov.astype(.float64)) }
        self.truth = copied
        truthSnapshot = try copied.map { try TruthSnapshot(mean: $0.mean, cov: $0.cov) }
    }

    private init(estimator: CovarianceEstimator, jitter: Double, truth: (mean: Tensor, cov: Tensor)?, snapshot: TruthSnapshot?) {
        self.estimator = estimator; self.jitter = jitter; self.truth = truth; truthSnapshot = snapshot
    }

    /// With the truth known, the MLE covariance and no jitter, n = samples = real rows: E‖μ̂_t − μ₀‖²
    /// and E tr Σ̂_t / tr Σ₀ under replace and accumulate, and E log det(Σ̂_t Σ₀⁻¹) under replace
    /// (n > d) — Theory.gaussian and Theory.gaussianLogDet.
    public func theory(workflow: String, samples: Int, realRows: Int, generations: Int) -> [String: [Double]] {
        guard let t = truthSnapshot, estimator == .mle, jitter == 0, samples == realRows,
              let g = try? Theory.gaussian(workflow: workflow, n: samples, trace: t.trace, generations: generations) else { return [:] }
        var out = ["mean_sq_err": g.meanSqErr, "cov_trace_ratio": g.covTraceRatio]
        if workflow == "replace", let ld = try? Theory.gaussianLogDet(n: samples, d: t.d, generations: generations) {
            out["cov_log_det_ratio"] = ld.mean
        }
        return out
    }

    public var dim: Int? { meanValues.isEmpty ? nil : meanValues.count }
    public var isSingular: Bool { !meanValues.isEmpty && choleskyValues == nil }

    public func emptyStatistics(dim: Int) -> FitStatistics { GaussianStatistics(dim: dim) }

    public var configuration: [String: String] {
        var c = ["family": family, "covariance": estimator.rawValue, "jitter": "\(jitter)"]
        if let t = truthSnapshot { c["truth"] = t.text }
        return c
    }

    public func fresh() throws -> GenerativeModel {
        GaussianModel(estimator: estimator, jitter: jitter, truth: truth, snapshot: truthSnapshot)
    }

    public func fit(_ data: Tensor) throws {
        guard data.rank == 2, data.shape[1] >= 1 else {
            throw ModelError("gaussian: fit expects an n×d tensor with d ≥ 1 columns, got shape \(describeShape(data.shape))")
        }
        var s = GaussianStatistics(dim: data.shape[1])
        try s.add(data)
        try fit(statistics: s)
    }

    public func fit(statistics: FitStatistics) throws {
        guard let s = statistics as? GaussianStatistics else { throw ModelError("gaussian: wrong statistics type") }
        let divisor = estimator == .mle ? s.count : s.count - 1
        guard s.count >= 1, divisor >= 1 else {
            throw ModelError("gaussian: need at least \(estimator == .mle ? "1 row" : "2 rows") to fit, got \(s.count)")
        }
        let d = s.dim
        var c = s.m2.map { $0 / Double(divisor) }
        for i in 0..<d { c[i * d + i] += jitter }
        meanValues = s.mean; covValues = c
        // Positive definite to working precision: the Cholesky factor exists and no pivot is
        // below d·ε of the largest variance (otherwise the fit is singular in all but name).
        let maxVar = (0..<d).map { c[$0 * d + $0] }.max() ?? 0
        if let l = DenseMatrix.cholesky(c, d), (0..<d).allSatisfy({ l[$0 * d + $0] * l[$0 * d + $0] > Double(d) * Double.ulpOfOne * maxVar }) {
            choleskyValues = l
            sqrtValues = l
        } else {
            choleskyValues = nil
            let (w, v) = try Linalg.eigh(try Tensor(c, shape: [d, d]))
            let roots = try w.binary(.maximum, Tensor(scalar: 0.0)).unary(.sqrt)
            sqrtValues = try v.binary(.mul, roots).toDoubles()          // V · diag(√λ⁺)
        }
    }

    private var meanValues: [Double] = [], covValues: [Double] = []
    private var choleskyValues: [Double]?

    /// x = μ̂ + z·Fᵀ for standard normal z: a triangular multiply in place when F is the
    /// Cholesky factor, a general one for the eigen-decomposition of a singular fit.
    public func sample(_ n: Int, rng: RNG) throws -> Tensor {
        guard !meanValues.isEmpty else { throw ModelError("gaussian: sample before fit") }
        guard n >= 0 else { throw ModelError("gaussian: cannot draw \(n) samples") }
        let d = meanValues.count
        try MemoryPolicy.checkCount(n, bytesPerItem: 16 * d, what: "n")
        let z = try rng.normal([n, d])
        guard n > 0 else { return z }
        guard Int32(exactly: n) != nil else { throw ModelError("gaussian: too many samples for one draw") }
        let pz = z.base(Double.self)
        if choleskyValues != nil {
            DenseMatrix.multiplyByTransposeOfLower(pz, rows: n, sqrtValues, d)
            for i in 0..<n { for j in 0..<d { pz[i * d + j] += meanValues[j] } }
            return z
        }
        let x = try Tensor(uninitialized: [n, d], dtype: .float64)
        let px = x.base(Double.self)
        for i in 0..<n { for j in 0..<d { px[i * d + j] = meanValues[j] } }
        DenseMatrix.addProductWithTranspose(pz, rows: n, sqrtValues, d, into: px)
        return x
    }

    public func logProb(_ x: Tensor) throws -> Tensor {
        guard let m = mean else { throw ModelError("gaussian: log_prob before fit") }
        let d = m.shape[0]
        guard x.rank == 2, x.shape[1] == d else {
            throw ModelError("gaussian: log_prob expects rows of \(d) values, got shape \(describeShape(x.shape))")
        }
        guard let l = cholesky else { return try Tensor.full([x.shape[0]], -.infinity) }
        let centred = try x.astypeIfNeeded(.float64).binary(.sub, m)
        let y = try Linalg.solveLowerTriangular(l, centred.t())          // d × n
        let quad = try y.binary(.mul, y).reduce(.sum, dim: 0)
        let logdet = 2 * diagLogSum(l)
        let constant = -0.5 * (Double(d) * Foundation.log(2 * Double.pi) + logdet)
        return try quad.binary(.mul, Tensor(scalar: -0.5)).binary(.add, Tensor(scalar: constant))
    }

    private func diagLogSum(_ l: Tensor) -> Double {
        let v = l.toDoubles(), n = l.shape[0]
        var s = 0.0
        for i in 0..<n { s += Foundation.log(v[i * n + i]) }
        return s
    }

    /// nll of the held-out data; with `truth`: mean_sq_err, cov_trace_ratio, cov_det_ratio,
    /// cov_log_det_ratio (log det Σ̂ − log det Σ₀, the well-behaved one to average over seeds), kl;
    /// and cov_singular (1 when the fitted covariance is not positive definite).
    public func evaluate(_ test: Tensor) throws -> [Metric] {
        guard !meanValues.isEmpty else { throw ModelError("gaussian: evaluate before fit") }
        let d = meanValues.count
        var out: [Metric] = []
        if test.count > 0 {
            let lp = try logProb(test)
            out.append(Metric("nll", -(try lp.reduce(.mean).item())))
        }
        if let t = truthSnapshot {
            guard t.d == d else {
                throw ModelError("gaussian: truth has dimension \(t.d) but the data have \(d)")
            }
            var delta = [Double](repeating: 0, count: d)
            for i in 0..<d { delta[i] = meanValues[i] - t.mean[i] }
            out.append(Metric("mean_sq_err", delta.reduce(0) { $0 + $1 * $1 }))
            out.append(Metric("cov_trace_ratio", DenseMatrix.trace(covValues, d) / t.trace))
            if let l = choleskyValues {
                let ld = DenseMatrix.logdet(cholesky: l, d)
                out.append(Metric("cov_det_ratio", Foundation.exp(ld - t.logdet)))
                out.append(Metric("cov_log_det_ratio", ld - t.logdet))
                // KL(N₀ ‖ N̂) = ½ [tr(Σ̂⁻¹Σ₀) + δᵀΣ̂⁻¹δ − d + ln det Σ̂ − ln det Σ₀], with
                // tr(Σ̂⁻¹Σ₀) = ‖L⁻¹L₀‖²_F for the Cholesky factors L (fitted) and L₀ (true).
                var traceTerm = 0.0
                if let l0 = t.cholesky {
                    var a = l0
                    DenseMatrix.solveLower(l, &a, d, d)
                    traceTerm = a.reduce(0) { $0 + $1 * $1 }
                } else {
                    var a = t.cov
                    DenseMatrix.solveLower(l, &a, d, d)                      // L⁻¹Σ₀
                    var at = [Double](repeating: 0, count: d * d)
                    for i in 0..<d { for j in 0..<d { at[i * d + j] = a[j * d + i] } }
                    DenseMatrix.solveLower(l, &at, d, d)                     // L⁻¹Σ₀L⁻ᵀ
                    traceTerm = DenseMatrix.trace(at, d)
                }
                var y = delta
                DenseMatrix.solveLower(l, &y, d, 1)
                let quad = y.reduce(0) { $0 + $1 * $1 }
                out.append(Metric("kl", 0.5 * (traceTerm + quad - Double(d) + ld - t.logdet)))
            } else {
                let (s1, ld1) = try Linalg.slogdet(try Tensor(covValues, shape: [d, d]))
                out.append(Metric("cov_det_ratio", s1 <= 0 ? 0 : Foundation.exp(ld1 - t.logdet)))
                out.append(Metric("cov_log_det_ratio", s1 <= 0 ? -.infinity : ld1 - t.logdet))
                out.append(Metric("kl", .infinity))
            }
        }
        out.append(Metric("cov_singular", isSingular ? 1 : 0))
        return out
    }
}
