import Autograd
import NN
import Tensor
import XCTest

/// The fused causal attention against its definition written with unfused ops (values and
/// gradients), and its backward pass against central finite differences in float64.
final class AttentionTests: XCTestCase {
    /// softmax(Q·Kᵀ/√d + causal mask)·V per head, from differentiable primitives.
    func unfused(_ qkv: Tensor, heads: Int) throws -> Tensor {
        let (b, t, c) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3), d = c / heads
        func part(_ i: Int) throws -> Tensor {
            try Diff.permute(Diff.reshape(Diff.narrow(qkv, 2, i * c, (i + 1) * c), [b, t, heads, d]), [0, 2, 1, 3])
        }
        let (q, k, v) = (try part(0), try part(1), try part(2))
        var mask = [Double](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<max(i + 1, t) { mask[i * t + j] = -1e30 } }
        let m = try Tensor(mask).reshape([t, t]).astype(qkv.dtype)
        let s = try Diff.add(Diff.mul(Diff.mm(q, Diff.transpose(k, 2, 3)), Tensor.scalar(1 / Double(d).squareRoot(), like: qkv)), m)
        let o = try Diff.mm(Diff.softmax(s, dim: 3), v)
        return try Diff.reshape(Diff.permute(o, [0, 2, 1, 3]), [b, t, c])
    }

    func testMatchesTheUnfusedComposition() throws {
        for (b, t, c, h, dtype) in [(2, 5, 12, 3, DType.float64), (3, 17, 32, 4, .float32), (1, 1, 8, 2, .float64)] {
            let x0 = try RNG(seed: 3).normal([b, t, 3 * c], dtype: dtype)
            let x1 = try x0.clone(), x2 = try x0.clone()
            x1.requiresGrad = true; x2.requiresGrad = true
            let fused = try Attention.causal(x1, heads: h), ref = try unfused(x2, heads: h)
            let tol = dtype == .float64 ? 1e-12 : 2e-6
            XCTAssertLessThan(try fused.binary(.sub, ref).unary(.abs).reduce(.max).item(), tol, "\(b)×\(t)×\(c), \(h) heads")
            let w = try RNG(seed: 4).normal(fused.shape, dtype: dtype)
            try Autograd.backward(Diff.sum(Diff.mul(fused, w)))
            try Autograd.backward(Diff.sum(Diff.mul(ref, w)))
            let g1 = try XCTUnwrap(x1.grad), g2 = try XCTUnwrap(x2.grad)
            XCTAssertLessThan(try g1.binary(.sub, g2).unary(.abs).reduce(.max).item(), dtype == .float64 ? 1e-11 : 2e-5, "gradients \(b)×\(t)×\(c)")
        }
        // position i sees only positions ≤ i: changing the last position's inputs leaves earlier outputs alone
        let x = try RNG(seed: 5).normal([1, 6, 24])
        let y = try Attention.causal(x, heads: 2)
        let x2 = try x.clone()
        try x2.narrow(1, 5, 6).fill_(7)
        let y2 = try Attention.causal(x2, heads: 2)
        XCTAssertEqual(try y.narrow(1, 0, 5).checksum(), try y2.narrow(1, 0, 5).checksum())
    }

    func testGradientsAgainstFiniteDifferences() throws {
        try GradCheck.check("attention", [try GradCheck.randn([2, 4, 18], seed: 6)]) { try Attention.causal($0[0], heads: 3) }
    }

    func testBitIdenticalOnOneOrTwoThreads() throws {
        let x = try RNG(seed: 8).normal([4, 16, 96], dtype: .float32)
        func run(_ threads: Int) throws -> (UInt64, UInt64) {
            let saved = Parallel.threads
            Parallel.threads = threads
            defer { Parallel.threads = saved }
            let leaf = try x.clone(); leaf.requiresGrad = true
            let y = try Attention.causal(leaf, heads: 4)
            try Autograd.backward(Diff.sum(Diff.mul(y, y)))
            return (try y.checksum(), try XCTUnwrap(leaf.grad).checksum())
        }
        let (a, b) = (try run(1), try run(2))
        XCTAssertEqual(a.0, b.0); XCTAssertEqual(a.1, b.1)
    }

    func testShapeErrors() throws {
        XCTAssertThrowsError(try Attention.causal(try Tensor.zeros([2, 3, 10]), heads: 2)) { e in
            XCTAssertTrue("\(e)".contains("divisible by the 2 heads"), "\(e)")
        }
        XCTAssertThrowsError(try Attention.causal(try Tensor.zeros([3, 12]), heads: 2))
    }
}
