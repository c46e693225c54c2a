import Foundation
import Tensor

/// Gaussian kernel density estimate in d dimensions: p(x) = (1/n) Σᵢ N(x; xᵢ, h²I).
/// log p is computed exactly with a streaming log-sum-exp over chunks of training points, so a
/// point far from all data gets a finite, correct log density, and no n_test × n_train matrix
/// is ever allocated. Sampling: a random training point plus N(0, h²I).
public final class KDEModel: ParameterReporting {
    public enum Bandwidth: Equatable {
        case fixed(Double)
        /// n^(−1/(d+4)) (scikit-learn's "scott").
        case scott
        /// (n(d+2)/4)^(−1/(d+4)) (scikit-learn's "silverman").
        case silverman
    }

    public let family = "kde"
    public let rule: Bandwidth
    public private(set) var bandwidth: Double = .nan
    private var train: [Double] = []
    private var n = 0, d = 0

    public init(bandwidth: Bandwidth) throws {
        if case .fixed(let h) = bandwidth, !(h > 0 && h.isFinite) {
            throw ModelError("kde: bandwidth must be a positive number, got \(h)")
        }
        rule = bandwidth
    }

    /// The bandwidth h (a 0-d tensor), once fitted.
    public var parameters: [(name: String, value: Tensor)] {
        n > 0 ? ((try? Tensor(scalar: bandwidth)).map { [("bandwidth", $0)] } ?? []) : []
    }

    public var configuration: [String: String] {
        switch rule {
        case .fixed(let h): return ["family": family, "bandwidth": "\(h)"]
        case .scott: return ["family": family, "bandwidth": "scott"]
        case .silverman: return ["family": family, "bandwidth": "silverman"]
        }
    }

    public func fresh() throws -> GenerativeModel { try KDEModel(bandwidth: rule) }

    public func fit(_ data: Tensor) throws {
        guard data.rank == 2, data.shape[0] >= 1, data.shape[1] >= 1 else {
            throw ModelError("kde: fit expects an n×d tensor with n, d ≥ 1, got shape \(describeShape(data.shape))")
        }
        train = try data.astypeIfNeeded(.float64).contiguous().toDoubles()
        guard train.allSatisfy({ $0.isFinite }) else { throw ModelError("kde: the training data contain NaN or infinite values") }
        (n, d) = (data.shape[0], data.shape[1])
        let (nd, dd) = (Double(n), Double(d))
        switch rule {
        case .fixed(let h): bandwidth = h
        case .scott: bandwidth = Foundation.pow(nd, -1 / (dd + 4))
        case .silverman: bandwidth = Foundation.pow(nd * (dd + 2) / 4, -1 / (dd + 4))
        }
    }

    public func sample(_ count: Int, rng: RNG) throws -> Tensor {
        guard n > 0 else { throw ModelError("kde: sample before fit") }
        guard count >= 0 else { throw ModelError("kde: cannot draw \(count) samples") }
        try MemoryPolicy.checkCount(count, bytesPerItem: 8 * d + 8, what: "n")
        let picks = try rng.integers(0, Int64(n - 1), [count]).toInt64s()
        let x = try rng.normal([count, d], std: bandwidth)
        let px = x.base(Double.self)
        for i in 0..<count {
            let row = Int(picks[i]) * d
            for j in 0..<d { px[i * d + j] += train[row + j] }
        }
        return x
    }

    /// Training points per chunk of the streaming log-sum-exp.
    static let chunk = 4096

    /// Terms more than this far below the running maximum (in log units) are skipped: each is
    /// below e^−40 ≈ 4·10⁻¹⁸ of the largest, so even a million of them change the sum by less
    /// than 10⁻¹¹ relative.
    static let negligible = 40.0

    /// log Σₖ exp(scale·‖x − tₖ‖²) over n training rows, streamed in chunks with a running maximum.
    @inline(__always)
    static func logSumExpKernel(_ x: UnsafePointer<Double>, _ t: UnsafePointer<Double>, _ n: Int, _ d: Int,
                                _ scale: Double, _ buffer: UnsafeMutablePointer<Double>) -> Double {
        var runMax = -Double.infinity, runSum = 0.0
        var start = 0
        while start < n {
            let len = min(chunk, n - start)
            var chunkMax = -Double.infinity
            let base = t + start * d
            if d == 2 {
                let (x0, x1) = (x[0], x[1])
                for k in 0..<len {
                    let e0 = x0 - base[2 * k], e1 = x1 - base[2 * k + 1]
                    let v = (e0 * e0 + e1 * e1) * scale
                    buffer[k] = v
                    chunkMax = v > chunkMax ? v : chunkMax
                }
            } else {
                for k in 0..<len {
                    let row = base + k * d
                    var s = 0.0
                    for j in 0..<d { let e = x[j] - row[j]; s += e * e }
                    let v = s * scale
                    buffer[k] = v
                    chunkMax = v > chunkMax ? v : chunkMax
                }
            }
            if chunkMax > runMax {
                runSum *= Foundation.exp(runMax - chunkMax)
                runMax = chunkMax
            }
            let floor = runMax - negligible
            for k in 0..<len where buffer[k] > floor { runSum += Foundation.exp(buffer[k] - runMax) }
            start += len
        }
        return runMax + Foundation.log(runSum)
    }

    public func logProb(_ x: Tensor) throws -> Tensor {
        guard n > 0 else { throw ModelError("kde: log_prob before fit") }
        guard x.rank == 2, x.shape[1] == d else {
            throw ModelError("kde: log_prob expects rows of \(d) values, got shape \(describeShape(x.shape))")
        }
        let q = try x.astypeIfNeeded(.float64).contiguous().toDoubles()
        let m = x.shape[0]
        let out = try Tensor(uninitialized: [m], dtype: .float64)
        let po = out.base(Double.self)
        let scale = -0.5 / (bandwidth * bandwidth)
        let constant = -Foundation.log(Double(n)) - 0.5 * Double(d) * Foundation.log(2 * Double.pi * bandwidth * bandwidth)
        let rows = m
        // Test points are independent: blocks of them run on all cores; each point's value is
        // computed the same way whatever the split, so results do not depend on the thread count.
        let blocks = max(1, min(rows / 16, 64))
        let interrupted = Interruption.poll()
        train.withUnsafeBufferPointer { tp in
            q.withUnsafeBufferPointer { qp in
                guard let t = tp.baseAddress, let qb = qp.baseAddress else { return }
                let (nn, dd) = (n, d)
                Parallel.run(blocks) { b in
                    let lo = rows * b / blocks, hi = rows * (b + 1) / blocks
                    var buffer = [Double](repeating: 0, count: min(KDEModel.chunk, nn))
                    buffer.withUnsafeMutableBufferPointer { bp in
                        guard let buf = bp.baseAddress else { return }
                        for i in lo..<hi {
                            if (i - lo) & 15 == 0 && interrupted() { return }   // Ctrl-C: give up
                            po[i] = KDEModel.logSumExpKernel(qb + i * dd, t, nn, dd, scale, buf) + constant
                        }
                    }
                }
            }
        }
        if interrupted() { throw TensorError("interrupted") }
        return out
    }

    /// nll: the mean negative log-likelihood (nats per point) of held-out data.
    public func evaluate(_ test: Tensor) throws -> [Metric] {
        guard n > 0 else { throw ModelError("kde: evaluate before fit") }
        guard test.count > 0 else { return [] }
        return [Metric("nll", -(try logProb(test).reduce(.mean).item()))]
    }
}
