import Autograd
import Foundation
import NN
import Tensor
import XCTest

/// Layers and losses: forward against direct definitions, backward against finite differences.
final class LayerTests: XCTestCase {
    let r = GradCheck.randn

    /// conv2d straight from its definition (cross-correlation with zero padding).
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) throws -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (co, k) = (w.shape[0], w.shape[2])
        let ho = (h + 2 * p - k) / s + 1, wo = (wd + 2 * p - k) / s + 1
        var out = [Double](repeating: 0, count: n * co * ho * wo)
        let xv = x.toDoubles(), wv = w.toDoubles(), bv = b?.toDoubles()
        for i in 0..<n { for o in 0..<co { for y in 0..<ho { for z in 0..<wo {
            var acc = bv?[o] ?? 0
            for ci in 0..<c { for a in 0..<k { for e in 0..<k {
                let iy = y * s - p + a, iz = z * s - p + e
                if iy >= 0 && iy < h && iz >= 0 && iz < wd { acc += xv[((i * c + ci) * h + iy) * wd + iz] * wv[((o * c + ci) * k + a) * k + e] }
            } } }
            out[((i * co + o) * ho + y) * wo + z] = acc
        } } } }
        return try Tensor(out, shape: [n, co, ho, wo])
    }

    func maxAbsDiff(_ a: Tensor, _ b: Tensor) throws -> Double { try a.binary(.sub, b).unary(.abs).reduce(.max).item() }

    func testConv2dMatchesDefinition() throws {
        // 7×6 images take the column-matrix path (and 1×1 the pointwise one); 5×17 images at stride
        // 1 take the shifted path (no column matrix: the output is 4·(k − 1) or more wide).
        for (s, p, k, h, wd) in [(1, 0, 3, 7, 6), (2, 1, 4, 7, 6), (2, 0, 3, 7, 6), (3, 2, 2, 7, 6), (1, 0, 1, 7, 6),
                                 (1, 1, 3, 5, 17), (1, 0, 3, 5, 17), (1, 2, 5, 5, 17), (1, 3, 2, 5, 17)] {
            let x = try r([2, 3, h, wd], 40 + s, 1), w = try r([4, 3, k, k], 41 + p, 1), b = try r([4], 42, 1)
            let got = try Conv.conv2d(x, w, b, stride: s, padding: p)
            let want = try naiveConv(x, w, b, stride: s, padding: p)
            XCTAssertEqual(got.shape, want.shape)
            XCTAssertLessThan(try maxAbsDiff(got, want), 1e-12, "stride \(s) padding \(p) kernel \(k) on \(h)×\(wd)")
        }
    }

    /// float32 goes through the C kernels (im2col/col2im) or, on the 6×16 images, the shifted
    /// GEMMs: against the float64 definition within float32 rounding (sums of ≤ 48 products of N(0,1)).
    func testFloat32ConvMatchesDefinition() throws {
        for (s, p, k, h, wd) in [(1, 0, 3, 9, 7), (2, 1, 4, 9, 7), (2, 0, 3, 9, 7), (3, 2, 2, 9, 7), (1, 1, 3, 9, 7), (1, 1, 3, 6, 16), (1, 0, 1, 9, 7)] {
            let x = try r([3, 4, h, wd], 90 + s, 1), w = try r([5, 4, k, k], 91 + p, 1), b = try r([5], 92, 1)
            let got = try Conv.conv2d(x.astype(.float32), w.astype(.float32), b.astype(.float32), stride: s, padding: p)
            XCTAssertEqual(got.dtype, .float32)
            XCTAssertLessThan(try maxAbsDiff(got.astype(.float64), naiveConv(x, w, b, stride: s, padding: p)), 1e-4, "stride \(s) padding \(p) kernel \(k)")
            // the transpose: float32 against float64 (both through their own kernels)
            let y = try r(got.shape, 93, 1)
            let t32 = try Conv.convTranspose2d(y.astype(.float32), w.astype(.float32), nil, stride: s, padding: p)
            let t64 = try Conv.convTranspose2d(y, w, nil, stride: s, padding: p)
            XCTAssertLessThan(try maxAbsDiff(t32.astype(.float64), t64), 1e-4, "transpose: stride \(s) padding \(p) kernel \(k)")
        }
    }

    /// float32 convolutions (oneDNN's direct kernels where available, a chunk of at most 8 images per
    /// call) against float64 (GEMMs): outputs and all three gradients, for batches of one image and
    /// of 19 (two full chunks and a remainder), with and without bias, as conv and as its transpose.
    func testFloat32ConvAndGradientsMatchFloat64() throws {
        var worst = 0.0
        for (s, p, k, h, wd) in [(1, 1, 3, 9, 7), (2, 1, 4, 8, 8), (2, 0, 3, 9, 7), (3, 2, 2, 9, 7), (1, 0, 1, 5, 6), (1, 2, 5, 12, 10)] {
            for (n, bias, transposed) in [(1, true, false), (19, true, false), (19, false, true), (19, true, true), (19, false, false)] {
                let what = "stride \(s) padding \(p) kernel \(k) \(h)×\(wd), \(n) images, bias \(bias)\(transposed ? ", transposed" : "")"
                let w0 = try r([5, 4, k, k], 100 + k, 1), b0 = try r([transposed ? 4 : 5], 101, 1)
                var x0 = try r([n, 4, h, wd], 102 + s, 1)
                if transposed { x0 = try r(Conv.conv2d(x0, w0, nil, stride: s, padding: p).shape, 103, 1) }
                if Conv.oneDNNAvailable {
                    XCTAssertEqual(try Conv.kernels(x0.astype(.float32), w0.astype(.float32), bias: bias, stride: s, padding: p, transposed: transposed),
                                   "oneDNN", what)
                }
                var results: [[Tensor]] = []
                for dtype in [DType.float32, .float64] {
                    let x = try x0.astype(dtype), w = try w0.astype(dtype), b = bias ? try b0.astype(dtype) : nil
                    for t in [x, w] + (b.map { [$0] } ?? []) { t.requiresGrad = true }
                    let y = transposed ? try Conv.convTranspose2d(x, w, b, stride: s, padding: p) : try Conv.conv2d(x, w, b, stride: s, padding: p)
                    let seed = try r(y.shape, 104, 1).astype(dtype)
                    try Autograd.backward(Diff.sum(Diff.mul(y, seed)))
                    results.append(try [y, XCTUnwrap(x.grad), XCTUnwrap(w.grad)] + (b.map { [try XCTUnwrap($0.grad)] } ?? []))
                }
                for (name, (a, e)) in zip(["y", "gx", "gw", "gb"], zip(results[0], results[1])) {
                    XCTAssertEqual(a.dtype, .float32)
                    let scale = try e.unary(.abs).reduce(.max).item(), err = try maxAbsDiff(a.astype(.float64), e)
                    worst = max(worst, err / max(1, scale))
                    XCTAssertLessThan(err, 1e-5 * max(1, scale), "\(name): \(what)")
                }
            }
        }
        print("float32 convolutions against float64: worst error relative to the largest value \(worst)")
    }

    func testConvTransposeIsTheAdjoint() throws {
        // ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ for the same weights (no bias), for several geometries.
        for (s, p, k, h, wd) in [(1, 0, 3, 8, 8), (2, 1, 4, 8, 8), (2, 0, 2, 8, 8), (1, 1, 3, 4, 14), (1, 0, 1, 8, 8)] {
            let w = try r([5, 3, k, k], 50 + s, 1)                    // conv: 3 → 5 channels
            let x = try r([2, 3, h, wd], 51, 1)
            let cx = try Conv.conv2d(x, w, nil, stride: s, padding: p)
            let y = try r(cx.shape, 52, 1)
            let ty = try Conv.convTranspose2d(y, w, nil, stride: s, padding: p)   // w as Cin=5 × Cout=3
            XCTAssertEqual(ty.shape, x.shape)
            let lhs = try cx.binary(.mul, y).reduce(.sum).item(), rhs = try x.binary(.mul, ty).reduce(.sum).item()
            XCTAssertEqual(lhs, rhs, accuracy: 1e-9 * max(1, abs(lhs)))
        }
    }

    func testConvGradients() throws {
        try GradCheck.check("conv2d s2 p1", [try r([2, 2, 6, 5], 60, 1), try r([3, 2, 3, 3], 61, 1), try r([3], 62, 1)]) {
            try Conv.conv2d($0[0], $0[1], $0[2], stride: 2, padding: 1)
        }
        try GradCheck.check("conv_transpose2d s2 p1", [try r([2, 3, 4, 3], 63, 1), try r([3, 2, 4, 4], 64, 1), try r([2], 65, 1)]) {
            try Conv.convTranspose2d($0[0], $0[1], $0[2], stride: 2, padding: 1)
        }
        try GradCheck.check("conv2d s1 p1 without a column matrix", [try r([2, 2, 3, 9], 68, 1), try r([3, 2, 3, 3], 69, 1), try r([3], 70, 1)]) {
            try Conv.conv2d($0[0], $0[1], $0[2], stride: 1, padding: 1)
        }
        try GradCheck.check("conv_transpose2d s1 p1 without a column matrix", [try r([2, 3, 3, 9], 71, 1), try r([3, 2, 3, 3], 72, 1), try r([2], 73, 1)]) {
            try Conv.convTranspose2d($0[0], $0[1], $0[2], stride: 1, padding: 1)
        }
        try GradCheck.check("conv2d 1×1", [try r([2, 3, 3, 4], 74, 1), try r([2, 3, 1, 1], 75, 1), try r([2], 76, 1)]) {
            try Conv.conv2d($0[0], $0[1], $0[2], stride: 1, padding: 0)
        }
        try GradCheck.check("conv_transpose2d 1×1", [try r([2, 3, 3, 4], 77, 1), try r([3, 2, 1, 1], 78, 1), try r([2], 79, 1)]) {
            try Conv.convTranspose2d($0[0], $0[1], $0[2], stride: 1, padding: 0)
        }
        try GradCheck.check("conv2d of a non-contiguous input", [try r([2, 5, 5, 2], 66, 1), try r([2, 2, 3, 3], 67, 1)]) {
            try Conv.conv2d(Diff.permute($0[0], [0, 3, 1, 2]), $0[1], nil, stride: 1, padding: 1)
        }
    }

    func testLayerNorm() throws {
        let x = try r([3, 4, 6], 70, 2)
        let y = try LayerNormOp.forward(x, weight: nil, bias: nil, eps: 0)
        let m = try y.mean(dims: [2]), v = try y.binary(.mul, y).mean(dims: [2])
        XCTAssertLessThan(try m.unary(.abs).reduce(.max).item(), 1e-12)
        XCTAssertLessThan(try v.binary(.sub, Tensor(scalar: 1.0)).unary(.abs).reduce(.max).item(), 1e-12)
        try GradCheck.check("layer_norm", [try x.clone(), try r([6], 71, 1), try r([6], 72, 1)]) {
            try LayerNormOp.forward($0[0], weight: $0[1], bias: $0[2], eps: 1e-5)
        }
    }

    func testGroupNorm() throws {
        // 6 channels in 3 groups: each image's pair of channels is normalised over both channels
        // and all positions, then each channel scaled and shifted.
        let gn = try GroupNorm(3, 6, eps: 0, dtype: .float64)
        let x = try r([2, 6, 3, 4], 73, 2)
        let y = try gn.forward(x)
        for img in 0..<2 {
            for g in 0..<3 {
                let part = try y.narrow(0, img, img + 1).narrow(1, 2 * g, 2 * g + 2)
                XCTAssertEqual(try part.reduce(.mean).item(), 0, accuracy: 1e-12)
                XCTAssertEqual(try part.binary(.mul, part).reduce(.mean).item(), 1, accuracy: 1e-12)
            }
        }
        let norm = try GroupNorm(3, 6, eps: 1e-5, dtype: .float64)
        try GradMode.disabled { try norm.weight.copy_(r([6], 74, 1)); try norm.bias.copy_(r([6], 75, 1)) }
        try GradCheck.check("group_norm", [try x.clone(), norm.weight, norm.bias]) { try norm.forward($0[0]) }
        XCTAssertThrowsError(try GroupNorm(4, 6)) { XCTAssertTrue("\($0)".contains("multiple of groups")) }
        XCTAssertThrowsError(try gn.forward(try r([2, 4, 3, 3], 76, 1))) { XCTAssertTrue("\($0)".contains("expected input N×6")) }
    }

    func testLosses() throws {
        let z = try r([5, 4], 80, 2)
        let t = try Tensor([Int64(0), 3, 1, 1, 2])
        // cross-entropy = mean of −log_softmax at the target, against the composition.
        let ce = try Loss.crossEntropy(z, t).item()
        let lsm = try Softmax.forward(z, dim: 1, log: true)
        let direct = try -(0..<5).map { try lsm.double(at: [$0, Int(t.toInt64s()[$0])]) }.reduce(0, +) / 5
        XCTAssertEqual(ce, direct, accuracy: 1e-12)
        for red in [Reduction.mean, .sum, .none] {
            try GradCheck.check("cross_entropy \(red)", [try z.clone()]) { try Loss.crossEntropy($0[0], t, reduction: red) }
        }
        XCTAssertThrowsError(try Loss.crossEntropy(z, Tensor([Int64(0), 4, 1, 1, 2]))) { XCTAssertTrue("\($0)".contains("outside 1..4")) }
        XCTAssertThrowsError(try Loss.crossEntropy(z, Tensor([Int64(0), 1]))) { XCTAssertTrue("\($0)".contains("5 samples")) }
        // BCE with logits: stable at large |x| (no inf/NaN), equal to the textbook form elsewhere.
        let x = try Tensor([-200.0, -3, 0, 2.5, 200]), y = try Tensor([0.0, 1, 0.5, 0, 1])
        let per = try Loss.bceWithLogits(x, y, reduction: .none).toDoubles()
        for (i, (xi, yi)) in zip(x.toDoubles(), y.toDoubles()).enumerated() where abs(xi) < 50 {
            let s = 1 / (1 + exp(-xi))
            XCTAssertEqual(per[i], -(yi * log(s) + (1 - yi) * log(1 - s)), accuracy: 1e-12)
        }
        XCTAssertEqual(per[0], 0, accuracy: 1e-12); XCTAssertEqual(per[4], 0, accuracy: 1e-12)
        // float32 runs its own vectorised kernel: against float64 of the same float32 values, over
        // logits from −100 to 100 (the log1p trick keeps tiny e^−|x| exact) and several targets,
        // within 4 float32 ulps of the value (the loss is a difference, so also a small absolute slack).
        let xs = try Tensor.linspace(-100, 100, 40001).astype(.float32), n = xs.count
        for t in [0.0, 0.25, 1] {
            let ts = try Tensor.full([n], t, dtype: .float32)
            let got = try Loss.bceWithLogits(xs, ts, reduction: .none).toDoubles()
            let want = try Loss.bceWithLogits(xs.astype(.float64), ts.astype(.float64), reduction: .none).toDoubles()
            var worst = 0.0
            for i in 0..<n { worst = max(worst, abs(got[i] - want[i]) / (abs(want[i]) * 0x1p-23 + 0x1p-26)) }
            XCTAssertLessThan(worst, 4, "target \(t): worst error in units of float32 rounding")
        }
        try GradCheck.check("bce_with_logits", [try r([3, 4], 81, 1), try RNG(seed: 82).uniform([3, 4])]) { try Loss.bceWithLogits($0[0], $0[1], reduction: .sum) }
        try GradCheck.check("mse", [try r([3, 4], 83, 1), try r([4], 84, 1)]) { try Loss.mse($0[0], $0[1]) }
    }

    func testEmbeddingAndDropout() throws {
        let e = try Embedding(5, 3, rng: RNG(seed: 1), dtype: .float64)
        let idx = try Tensor([Int64(4), 0, 4], shape: [3])
        let out = try e.forward(idx)
        XCTAssertEqual(out.shape, [3, 3])
        try Autograd.backward(try Diff.sum(out))
        // Row 4 was used twice, row 0 once, the rest never.
        XCTAssertEqual(try e.weight.grad!.sum(dims: [1]).toDoubles(), [3, 0, 0, 0, 6])
        XCTAssertThrowsError(try e.forward(try Tensor([Int64(5)])))

        // Dropout keeps a share 1−p of the elements, scaled by 1/(1−p); the identity in eval mode.
        let d = try Dropout(0.25, rng: RNG(seed: 3))
        let x = try Tensor.ones([200_000], dtype: .float64)
        let y = try d.forward(x).toDoubles()
        let kept = Double(y.filter { $0 != 0 }.count) / Double(y.count)
        XCTAssertEqual(kept, 0.75, accuracy: 5 * (0.75 * 0.25 / 200_000).squareRoot())  // 5 binomial SEs
        XCTAssertTrue(y.allSatisfy { $0 == 0 || abs($0 - 1 / 0.75) < 1e-12 })
        d.setTraining(false)
        XCTAssertTrue(try d.forward(x) === x)
    }

    func testInitialisationFollowsPyTorch() throws {
        let l = try Linear(400, 300, rng: RNG(seed: 4), dtype: .float64)
        let bound = 1 / 400.0.squareRoot()
        let w = l.weight.toDoubles()
        XCTAssertLessThanOrEqual(w.map(abs).max()!, bound)
        // Uniform(−b, b) has standard deviation b/√3; 120 000 draws pin it to within 1%.
        let sd = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(sd, bound / 3.0.squareRoot(), accuracy: 0.01 * bound / 3.0.squareRoot())
        let c = try Conv2d(8, 16, kernel: 3, transposed: true, rng: RNG(seed: 5), dtype: .float64)
        XCTAssertLessThanOrEqual(c.weight.toDoubles().map(abs).max()!, 1 / Double(16 * 9).squareRoot())
        // The same generator gives the same network; another gives another.
        XCTAssertEqual(try Linear(4, 3, rng: RNG(seed: 9)).weight.toDoubles(), try Linear(4, 3, rng: RNG(seed: 9)).weight.toDoubles())
        XCTAssertNotEqual(try Linear(4, 3, rng: RNG(seed: 9)).weight.toDoubles(), try Linear(4, 3, rng: RNG(seed: 10)).weight.toDoubles())
    }

    func testShapeErrorsNameTheLayer() throws {
        let l = try Linear(4, 3)
        XCTAssertThrowsError(try l.forward(try Tensor.zeros([2, 5], dtype: .float32))) {
            XCTAssertTrue("\($0)".contains("linear(4 → 3)") && "\($0)".contains("2x5"), "\($0)")
        }
        let c = try Conv2d(3, 4, kernel: 3)
        XCTAssertThrowsError(try c.forward(try Tensor.zeros([1, 2, 5, 5], dtype: .float32))) { XCTAssertTrue("\($0)".contains("conv2d")) }
    }
}
