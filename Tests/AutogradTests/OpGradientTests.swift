import Foundation
import Autograd
import Tensor
import XCTest

/// Every differentiable op's backward against central finite differences (float64), including
/// broadcasting and non-contiguous inputs.
final class OpGradientTests: XCTestCase {
    let r = GradCheck.randn

    func testBinaryOpsWithBroadcasting() throws {
        for kind in [BinaryKind.add, .sub, .mul, .div, .maximum, .minimum] {
            let a = try r([3, 1, 4], 1, 1), b = try r([2, 4], 2, 1)
            if kind == .div { try b.binary_(.add, Tensor(scalar: 3.0)) }   // keep away from 0
            try GradCheck.check("\(kind)", [a, b]) { try Diff.binary(kind, $0[0], $0[1]) }
        }
        let base = try r([2, 3], 3, 0.3).binary(.add, Tensor(scalar: 2.0)), ex = try r([3], 4, 1)
        try GradCheck.check("pow", [base, ex]) { try Diff.binary(.pow, $0[0], $0[1]) }
    }

    func testNonContiguousInputs() throws {
        // The leaves themselves are strided views (a transpose, a column slice).
        let a = try r([4, 3], 5, 1).t(), b = try r([3, 8], 6, 1).narrow(1, 2, 6)
        XCTAssertFalse(a.isContiguous); XCTAssertFalse(b.isContiguous)
        try GradCheck.check("mul of strided views", [a, b]) { try Diff.mul($0[0], $0[1]) }
        try GradCheck.check("mm of strided views", [try r([4, 3], 36, 1).t(), try r([6, 5], 37, 1).narrow(0, 1, 5)]) { try Diff.mm($0[0], $0[1]) }
        let c = try r([5, 6], 7, 1)
        try GradCheck.check("sum of a strided slice", [c]) { try Diff.sum(Diff.narrow(Diff.t($0[0]), 0, 1, 4), dims: [1]) }
    }

    func testUnaryOps() throws {
        // Inputs kept away from kinks (0 for abs/relu) and domains (log/sqrt of positives).
        let pos = try r([3, 4], 8, 0.3).binary(.add, Tensor(scalar: 1.5))
        let any = try r([3, 4], 9, 1).binary(.add, Tensor(scalar: 0.05))
        for kind in [UnaryKind.neg, .exp, .tanh, .sigmoid, .gelu] {
            try GradCheck.check("\(kind)", [try any.clone()]) { try Diff.unary(kind, $0[0]) }
        }
        for kind in [UnaryKind.log, .sqrt, .abs, .relu] {
            try GradCheck.check("\(kind)", [try pos.clone()]) { try Diff.unary(kind, $0[0]) }
            try GradCheck.check("\(kind) of negatives", [try pos.unary(.neg)]) { x in
                kind == .log || kind == .sqrt ? try Diff.unary(kind, Diff.unary(.neg, x[0])) : try Diff.unary(kind, x[0])
            }
        }
        try GradCheck.check("leaky_relu", [try any.clone()]) { try Diff.leakyRelu($0[0], slope: 0.2) }
        try GradCheck.check("clamp", [try any.clone()]) { try Diff.clamp($0[0], lo: -0.5, hi: 0.7) }
    }

    /// float32 GELU runs its own vectorised backward kernel: against the float64 derivative of the
    /// same inputs from −20 to 20, within 8 float32 roundings of the size of its two terms
    /// (Φ(x) and |x|·φ(x): their sum crosses zero near x = −0.75, where a relative error means nothing).
    func testFloat32GeluBackwardMatchesFloat64() throws {
        let x = try Tensor.linspace(-20, 20, 40001).astype(.float32)
        let g = try RNG(seed: 3).normal([x.count], dtype: .float32)
        try Autograd.requireGrad(x)
        try Autograd.backward(try Diff.sum(Diff.mul(Diff.unary(.gelu, x), g)))
        let got = try XCTUnwrap(x.grad).toDoubles(), xs = x.toDoubles(), gs = g.toDoubles()
        var worst = 0.0
        for i in 0..<xs.count {
            let v = xs[i], cdf = 0.5 * erfc(-v / 2.0.squareRoot()), pdf = exp(-0.5 * v * v) / (2 * Double.pi).squareRoot()
            let want = gs[i] * (cdf + v * pdf), scale = abs(gs[i]) * (cdf + abs(v) * pdf)
            worst = max(worst, abs(got[i] - want) / (scale * 0x1p-24 + 0x1p-140))
        }
        XCTAssertLessThan(worst, 8, "worst error in float32 roundings of the terms' size")
    }

    func testReductionsAndSoftmax() throws {
        let x = try r([3, 4, 5], 10, 1)
        try GradCheck.check("sum dims keepdim", [try x.clone()]) { try Diff.sum($0[0], dims: [0, 2], keepdim: true) }
        try GradCheck.check("mean all", [try x.clone()]) { try Diff.mean($0[0]) }
        try GradCheck.check("variance unbiased", [try x.clone()]) { try Diff.variance($0[0], dims: [1], unbiased: true) }
        try GradCheck.check("logsumexp", [try x.clone()]) { try Diff.logsumexp($0[0], dim: 2) }
        try GradCheck.check("max along dim", [try x.clone()]) { try Diff.extremum($0[0], max: true, dim: 1).values }
        try GradCheck.check("min of all", [try x.clone()]) { try Diff.extremum($0[0], max: false, dim: nil).values }
        try GradCheck.check("softmax", [try x.clone()]) { try Diff.softmax($0[0], dim: 1) }
        try GradCheck.check("log_softmax", [try x.clone()]) { try Diff.logSoftmax($0[0], dim: 2) }
    }

    func testShapeOps() throws {
        let x = try r([2, 3, 4], 11, 1)
        try GradCheck.check("reshape", [try x.clone()]) { try Diff.reshape($0[0], [4, 6]) }
        try GradCheck.check("permute", [try x.clone()]) { try Diff.permute($0[0], [2, 0, 1]) }
        try GradCheck.check("transpose", [try x.clone()]) { try Diff.transpose($0[0], 0, 2) }
        try GradCheck.check("unsqueeze+expand", [try x.clone()]) { try Diff.expand(Diff.unsqueeze($0[0], 1), [2, 3, 3, 4]) }
        try GradCheck.check("squeeze", [try r([2, 1, 3], 12, 1)]) { try Diff.squeeze($0[0], 1) }
        try GradCheck.check("select", [try x.clone()]) { try Diff.select($0[0], 1, 2) }
        try GradCheck.check("index_select with repeats", [try x.clone()]) { try Diff.indexSelect($0[0], 2, [3, 0, 3, 1]) }
        let idx = try Tensor([Int64(2), 0, 1, 2, 2, 0], shape: [2, 3, 1])
        try GradCheck.check("gather", [try x.clone()]) { try Diff.gather($0[0], 2, idx) }
        let src = try r([2, 3, 1], 13, 1)
        try GradCheck.check("scatter_add", [try x.clone(), src]) { try Diff.scatterAdd($0[0], 2, idx, $0[1]) }
        let y = try r([2, 2, 4], 14, 1)
        try GradCheck.check("cat", [try x.clone(), y]) { try Diff.cat([$0[0], $0[1]], dim: 1) }
        try GradCheck.check("stack", [try x.clone(), try r([2, 3, 4], 15, 1)]) { try Diff.stack([$0[0], $0[1]], dim: 1) }
        try GradCheck.check("clone of a strided view", [try x.clone()]) { try Diff.clone(Diff.transpose($0[0], 0, 1)) }
        try GradCheck.check("mask rows", [try r([4, 3], 38, 1)]) { try Diff.mask($0[0], Tensor([Int64(1), 0, 1, 1])) }
        try GradCheck.check("astype to its own dtype", [try r([3], 39, 1)]) { try Diff.astype($0[0], .float64) }
        let m = try Tensor([Int64(1), 0, 0, 1], shape: [4])
        try GradCheck.check("where", [try r([3, 4], 16, 1), try r([4], 17, 1)]) { try Diff.where(m, $0[0], $0[1]) }
    }

    func testMatrixProducts() throws {
        try GradCheck.check("mm 2-D", [try r([3, 4], 18, 1), try r([4, 5], 19, 1)]) { try Diff.mm($0[0], $0[1]) }
        try GradCheck.check("mm broadcast 4-D", [try r([2, 1, 3, 4], 20, 1), try r([3, 4, 2], 21, 1)]) { try Diff.mm($0[0], $0[1]) }
        try GradCheck.check("mm vector·matrix", [try r([4], 22, 1), try r([2, 4, 3], 23, 1)]) { try Diff.mm($0[0], $0[1]) }
        try GradCheck.check("mm matrix·vector", [try r([3, 4], 24, 1), try r([4], 25, 1)]) { try Diff.mm($0[0], $0[1]) }
        try GradCheck.check("mm of transposed views", [try r([4, 3], 26, 1), try r([5, 4], 27, 1)]) { try Diff.mm(Diff.t($0[0]), Diff.t($0[1])) }
        try GradCheck.check("linear", [try r([2, 3, 4], 28, 1), try r([5, 4], 29, 1), try r([5], 30, 1)]) { try Diff.linear($0[0], $0[1], $0[2]) }
    }

    func testBroadcastMatmulMatchesLoop() throws {
        let a = try r([2, 1, 3, 4], 31, 1), b = try r([3, 4, 5], 32, 1)
        let c = try a.mm(b)
        XCTAssertEqual(c.shape, [2, 3, 3, 5])
        for i in 0..<2 { for j in 0..<3 {
            let ref = try a.select(0, i).select(0, 0).mm(b.select(0, j))
            let got = try c.select(0, i).select(0, j)
            XCTAssertLessThan(try got.binary(.sub, ref).unary(.abs).reduce(.max).item(), 1e-12)
        } }
    }

    func testGemmAccumulates() throws {
        // C = 2·Aᵀ·B + 0.5·C, against the composition.
        let a = try r([4, 3], 33, 1), b = try r([4, 5], 34, 1), c = try r([3, 5], 35, 1)
        let expect = try a.t().mm(b).binary(.mul, Tensor(scalar: 2.0)).binary(.add, c.binary(.mul, Tensor(scalar: 0.5)))
        try Tensor.gemm(a, transA: true, b, into: c, alpha: 2, beta: 0.5)
        XCTAssertLessThan(try c.binary(.sub, expect).unary(.abs).reduce(.max).item(), 1e-12)
    }
}
