import Foundation

/// Closed-form expectations of the self-consuming loop (DESIGN.md), as functions of the
/// generation t = 1…T, where generation 1 is the fit on real data alone.
public enum Theory {
    /// Gaussian, MLE covariance, n samples per generation, true covariance with trace `trace`:
    /// E[tr Σ̂_t]/tr Σ₀ and E‖μ̂_t − μ₀‖² for `replace` or `accumulate`.
    public static func gaussian(workflow: String, n: Int, trace: Double, generations: Int) throws -> (covTraceRatio: [Double], meanSqErr: [Double]) {
        guard n >= 1, generations >= 0 else { throw ModelError("theory: need n >= 1 and generations >= 0") }
        let nd = Double(n)
        switch workflow {
        case "replace":
            let ratio = (1...max(generations, 1)).prefix(generations).map { Foundation.pow(1 - 1 / nd, Double($0)) }
            return (ratio, ratio.map { trace * (1 - $0) })
        case "accumulate":
            var ratio: [Double] = [], mse: [Double] = []
            var prod = 1.0, prevRatio = 1.0, sum = 0.0
            for k in 1...max(generations, 1) where k <= generations {
                let kd = Double(k)
                sum += trace * prevRatio / (kd * kd)          // tr E[Σ̂_{k−1}] / k²
                prod *= 1 - 1 / (nd * kd * kd)
                ratio.append(prod); mse.append(sum / nd)
                prevRatio = prod
            }
            return (ratio, mse)
        default:
            throw ModelError("theory: no closed form for workflow '\(workflow)' (replace or accumulate)")
        }
    }

    /// Gaussian, MLE covariance, replace: E and Var of log det(Σ̂_t Σ₀⁻¹) per generation. Each
    /// generation multiplies the covariance by an independent Wishart factor W/n with W ~ W_d(n−1, I),
    /// so the log determinant is a sum of t i.i.d. terms: E = t·(Σᵢ ψ((n−i)/2) + d·log(2/n)) and
    /// Var = t·Σᵢ ψ′((n−i)/2), i = 1…d (ψ the digamma, ψ′ the trigamma function). Unlike the mean
    /// of tr Σ̂_t, which a few seeds dominate (a product of random factors), this is what a mean over
    /// seeds — the log of their geometric mean — estimates well.
    public static func gaussianLogDet(n: Int, d: Int, generations: Int) throws -> (mean: [Double], variance: [Double]) {
        guard d >= 1, n > d else { throw ModelError("theory: log det needs n > d (n = \(n), d = \(d)); with n ≤ d the fitted covariance is singular") }
        guard generations >= 0 else { throw ModelError("theory: need generations >= 0") }
        var c = Double(d) * Foundation.log(2 / Double(n)), v = 0.0
        for i in 1...d {
            let a = Double(n - i) / 2
            c += digamma(a); v += trigamma(a)
        }
        return ((0..<generations).map { Double($0 + 1) * c }, (0..<generations).map { Double($0 + 1) * v })
    }

    /// ψ(x) for x > 0: the recurrence up to x ≥ 6, then the asymptotic series (error < 1e-13).
    public static func digamma(_ x: Double) -> Double {
        var x = x, r = 0.0
        while x < 6 { r -= 1 / x; x += 1 }
        let f = 1 / (x * x)
        return r + Foundation.log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))))
    }

    /// ψ′(x) for x > 0, the same way.
    public static func trigamma(_ x: Double) -> Double {
        var x = x, r = 0.0
        while x < 6 { r += 1 / (x * x); x += 1 }
        let f = 1 / (x * x)
        return r + 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * 5 / 66))))
    }

    /// Linear regression with fixed isotropic design (T×d), noise σ²: E‖ŵ_t − w*‖².
    public static func linearRegression(workflow: String, d: Int, t rows: Int, sigma2: Double, generations: Int) throws -> [Double] {
        guard rows > d + 1 else { throw ModelError("theory: linear regression needs T > d + 1 (T = \(rows), d = \(d))") }
        let base = sigma2 * Double(d) / Double(rows - d - 1)
        switch workflow {
        case "replace": return (0..<generations).map { base * Double($0 + 1) }
        case "accumulate":
            var s = 0.0
            return (0..<generations).map { i in s += 1 / Double((i + 1) * (i + 1)); return base * s }
        default: throw ModelError("theory: no closed form for workflow '\(workflow)' (replace or accumulate)")
        }
    }
}
