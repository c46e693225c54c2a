import Foundation

/// The forward (noising) process of a DDPM: x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε over steps t = 1…T,
/// with β_t the variance added at step t and ᾱ_t = Π_{s ≤ t} (1 − β_s) (ᾱ_0 = 1).
///
/// - linear (Ho et al. 2020): β rises linearly from 1e-4 to 0.02 for T = 1000; for other T both ends
///   are scaled by 1000/T (as Nichol & Dhariwal do), so that ᾱ_T is about the same.
/// - cosine (Nichol & Dhariwal 2021): ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008,
///   with β_t = 1 − ᾱ_t/ᾱ_{t−1} clipped to 0.999 (ᾱ then follows the clipped β).
public struct NoiseSchedule: Sendable {
    public enum Kind: String, CaseIterable, Sendable { case linear, cosine }

    public let kind: Kind
    public let steps: Int
    /// β_1 … β_T (index t − 1).
    public let betas: [Double]
    /// ᾱ_0 … ᾱ_T (index t; ᾱ_0 = 1).
    public let alphaBars: [Double]

    public init(_ kind: Kind, steps: Int) throws {
        guard steps >= 1, steps <= 100_000 else { throw ModelError("diffusion: steps must be in 1…100000, got \(steps)") }
        self.kind = kind
        self.steps = steps
        var b = [Double](repeating: 0, count: steps)
        switch kind {
        case .linear:
            let scale = 1000 / Double(steps), lo = 1e-4 * scale, hi = min(0.02 * scale, 0.999)
            for t in 0..<steps { b[t] = steps == 1 ? lo : lo + (hi - lo) * Double(t) / Double(steps - 1) }
        case .cosine:
            let s = 0.008
            func f(_ t: Int) -> Double { let c = cos((Double(t) / Double(steps) + s) / (1 + s) * Double.pi / 2); return c * c }
            for t in 1...steps { b[t - 1] = min(1 - f(t) / f(t - 1), 0.999) }
        }
        var ab = [Double](repeating: 1, count: steps + 1)
        for t in 1...steps { ab[t] = ab[t - 1] * (1 - b[t - 1]) }
        betas = b
        alphaBars = ab
    }

    /// β_t for t in 1…T.
    public func beta(_ t: Int) -> Double { betas[t - 1] }
    /// ᾱ_t for t in 0…T.
    public func alphaBar(_ t: Int) -> Double { alphaBars[t] }
    /// The variance of the posterior q(x_{t−1} | x_t, x_0): β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t
    /// (0 at t = 1, where the posterior is x_0 itself); ancestral sampling draws with it.
    public func posteriorVariance(_ t: Int) -> Double { (1 - alphaBars[t - 1]) / (1 - alphaBars[t]) * betas[t - 1] }
    /// The mean of q(x_{t−1} | x_t, x_0) is c0 · x_0 + ct · x_t with these coefficients.
    public func posteriorMeanCoefficients(_ t: Int) -> (c0: Double, ct: Double) {
        let ab = alphaBars[t], abPrev = alphaBars[t - 1], b = betas[t - 1]
        return (abPrev.squareRoot() * b / (1 - ab), (1 - b).squareRoot() * (1 - abPrev) / (1 - ab))
    }

    /// An evenly spaced subsequence of `count` steps of 1…T ending at T (DDIM's τ), increasing.
    public func subsequence(_ count: Int) -> [Int] {
        let k = max(1, min(count, steps))
        var out: [Int] = []
        for i in 1...k {
            let t = Int((Double(i) * Double(steps) / Double(k)).rounded())
            if t != out.last { out.append(max(1, t)) }
        }
        return out
    }
}
