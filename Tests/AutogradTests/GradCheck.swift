import Autograd
import Tensor
import XCTest

/// Central finite differences in float64 against the recorded backward pass.
enum GradCheck {
    /// Checks d/dx_i of sum(w ⊙ f(x)) for each input (w: fixed random weights, so every output
    /// element matters). Inputs must be float64 leaves; `h` is the difference step.
    static func check(_ name: String, _ inputs: [Tensor], h: Double = 1e-6, atol: Double = 1e-6, rtol: Double = 1e-5,
                      file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) throws -> Tensor) throws {
        for x in inputs { x.requiresGrad = true; x.grad = nil }
        let out = try f(inputs)
        let w = try RNG(seed: 99).normal(out.shape)
        let loss = try Diff.sum(Diff.mul(out, w))
        try Autograd.backward(loss)
        for (k, x) in inputs.enumerated() {
            guard let g = x.grad else { XCTFail("\(name): input \(k) got no gradient", file: file, line: line); continue }
            XCTAssertEqual(g.shape, x.shape, "\(name): gradient shape", file: file, line: line)
            let analytic = g.toDoubles()
            var worst = 0.0
            for i in 0..<x.count {
                func value(_ delta: Double) throws -> Double {
                    try GradMode.disabled {
                        let saved = try x.double(at: unflat(i, x.shape))
                        try set(x, i, saved + delta)
                        defer { try? set(x, i, saved) }
                        return try f(inputs).binary(.mul, w).sum(dims: Array(0..<out.rank)).item()
                    }
                }
                let numeric = (try value(h) - value(-h)) / (2 * h)
                let err = abs(numeric - analytic[i])
                worst = max(worst, err / (atol + rtol * abs(numeric)))
                if err > atol + rtol * abs(numeric) {
                    XCTFail("\(name): input \(k) element \(i): analytic \(analytic[i]) vs numeric \(numeric)", file: file, line: line)
                    return
                }
            }
        }
    }

    static func unflat(_ i: Int, _ shape: [Int]) -> [Int] {
        var idx = [Int](repeating: 0, count: shape.count), r = i
        for d in stride(from: shape.count - 1, through: 0, by: -1) { idx[d] = r % shape[d]; r /= shape[d] }
        return idx
    }

    /// Writes element i (row-major over the view) of x, which may be a non-contiguous view.
    static func set(_ x: Tensor, _ i: Int, _ v: Double) throws {
        let idx = unflat(i, x.shape)
        var off = x.offset
        for d in 0..<x.rank { off += idx[d] * x.strides[d] }
        x.storage.pointer(Double.self)[off] = v
    }

    /// A float64 tensor of normal draws.
    static func randn(_ shape: [Int], seed: Int = 1, scale: Double = 1) throws -> Tensor {
        try RNG(seed: seed).normal(shape, std: scale)
    }
}
