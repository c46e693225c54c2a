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
