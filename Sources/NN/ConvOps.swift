import Autograd
import Tensor

/// conv2d and conv_transpose2d through im2col + one GEMM per call, with their backward passes.
/// Channel-major products: W (Cout × C·k·k) · cols (C·k·k × N·L) gives Cout × N·L, which one
/// permute turns into N × Cout × L.
public enum Conv {
    static func geometry(_ x: Tensor, _ w: Tensor, stride: Int, padding: Int, transposed: Bool, op: String) throws -> ConvGeometry {
        guard x.rank == 4 else { throw TensorError("\(op): the input must be 4-D (batch × channels × height × width), got \(describeShape(x.shape))") }
        guard w.rank == 4, w.shape[2] == w.shape[3] else { throw TensorError("\(op): the weight must be 4-D with a square kernel, got \(describeShape(w.shape))") }
        guard stride >= 1, padding >= 0 else { throw TensorError("\(op): stride must be ≥ 1 and padding ≥ 0, got stride \(stride), padding \(padding)") }
        let cin = transposed ? w.shape[0] : w.shape[1]
        guard x.shape[1] == cin else {
            throw TensorError("\(op): the input has \(x.shape[1]) channels but the weight \(describeShape(w.shape)) expects \(cin) (input \(describeShape(x.shape)))")
        }
        let k = w.shape[2]
        if transposed {
            // The conv whose adjoint this is maps the output (N × Cout × Ho × Wo) to x's size.
            let ho = (x.shape[2] - 1) * stride - 2 * padding + k, wo = (x.shape[3] - 1) * stride - 2 * padding + k
            guard ho > 0, wo > 0 else { throw TensorError("\(op): the output would be empty for input \(describeShape(x.shape)), kernel \(k), stride \(stride), padding \(padding)") }
            return ConvGeometry(n: x.shape[0], c: w.shape[1], h: ho, w: wo, k: k, stride: stride, padding: padding)
        }
        guard x.shape[2] + 2 * padding >= k, x.shape[3] + 2 * padding >= k else {
            throw TensorError("\(op): the kernel (\(k)×\(k)) is larger than the padded input \(x.shape[2] + 2 * padding)×\(x.shape[3] + 2 * padding)")
        }
        return ConvGeometry(n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], k: k, stride: stride, padding: padding)
    }

    /// (C × N·L) ↔ (N × C × L) for channel-major results and gradients.
    static func channelsFirst(_ t0: Tensor, n: Int, c: Int, l: Int) throws -> Tensor {
        // Each (image, channel) plane of l values is contiguous in both layouts: one copy per plane.
        let t = try t0.contiguous()
        let out = try Tensor(uninitialized: [c, n * l], dtype: t.dtype)
        let size = t.dtype.size, src = t.storage.bytes + t.offset * size, dst = out.storage.bytes
        Parallel.forRanges(c, grain: max(1, Parallel.grain / max(1, n * l))) { chans in
            for ch in chans {
                for img in 0..<n { (dst + (ch * n + img) * l * size).copyMemory(from: src + (img * c + ch) * l * size, byteCount: l * size) }
            }
        }
        return out
    }
    /// (C × N·L) → N × C × H × W, adding a per-channel bias in the same pass when there is one.
    static func batchFirst(_ t0: Tensor, n: Int, c: Int, h: Int, w: Int, bias: Tensor? = nil) throws -> Tensor {
        let t = try t0.contiguous()
        let out = try Tensor(uninitialized: [n, c, h, w], dtype: t.dtype)
        let b = try bias.map { try $0.astypeIfNeeded(t.dtype).contiguous() }
        if t.dtype == .float64 { regroup(t.base(Double.self), out.base(Double.self), b?.base(Double.self), n, c, h * w) }
        else { regroup(t.base(Float.self), out.base(Float.self), b?.base(Float.self), n, c, h * w) }
        return out
    }

    @inline(__always)
    static func regroup<T: FloatElement>(_ src: UnsafeMutablePointer<T>, _ dst: UnsafeMutablePointer<T>, _ bias: UnsafeMutablePointer<T>?, _ n: Int, _ c: Int, _ l: Int) {
        Parallel.forRanges(c, grain: max(1, Parallel.grain / max(1, n * l))) { chans in
            for ch in chans {
                for img in 0..<n {
                    let s = src + (ch * n + img) * l, d = dst + (img * c + ch) * l
                    if let bias { let b = bias[ch]; for k in 0..<l { d[k] = T.add(s[k], b) } } else { d.update(from: s, count: l) }
                }
            }
        }
    }

    /// 2-D cross-correlation (PyTorch's conv2d): x N×C×H×W, w Cout×C×k×k, b Cout or nil.
    public static func conv2d(_ x0: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let g = try geometry(x0, w, stride: stride, padding: padding, transposed: false, op: "conv2d")
        let x = try x0.astypeIfNeeded(w.dtype).contiguous()
        let cout = w.shape[0], L = g.outH * g.outW
        let cols = try Im2Col.columns(x, g)
        let wm = try w.reshape([cout, g.rows])
        let ym = try Tensor(uninitialized: [cout, g.cols], dtype: w.dtype)
        try Tensor.gemm(wm, cols, into: ym)
        var y = try batchFirst(ym, n: g.n, c: cout, h: g.outH, w: g.outW, bias: b)
        let inputs = b.map { [x0, w, $0] } ?? [x0, w]
        guard Autograd.tracking(list: inputs) else { return y }
        let (nx, nw, nb) = (x0.requiresGrad, w.requiresGrad, b?.requiresGrad ?? false)
        let wk = Autograd.alias(w), wshape = w.shape, xdt = x0.dtype
        y = Autograd.record(y, "conv2d", inputs, saved: [w]) { gy in
            let gm = try channelsFirst(gy.contiguous(), n: g.n, c: cout, l: L)
            var gx: Tensor? = nil, gw: Tensor? = nil
            if nw {
                let t = try Tensor(uninitialized: [cout, g.rows], dtype: gm.dtype)
                try Tensor.gemm(gm, cols, transB: true, into: t)
                gw = try t.reshape(wshape)
            }
            if nx {
                let dcols = try Tensor(uninitialized: [g.rows, g.cols], dtype: gm.dtype)
                try Tensor.gemm(wk.reshape([cout, g.rows]), transA: true, gm, into: dcols)
                gx = try Im2Col.image(dcols, g).astypeIfNeeded(xdt)
            }
            let gb = nb ? try gm.sum(dims: [1]) : nil
            return b == nil ? [gx, gw] : [gx, gw, gb]
        }
        return y
    }

    /// The transpose (adjoint) of conv2d, PyTorch's conv_transpose2d: x N×Cin×H×W, w Cin×Cout×k×k;
    /// the output is N×Cout×((H−1)s − 2p + k)×((W−1)s − 2p + k).
    public static func convTranspose2d(_ x0: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let g = try geometry(x0, w, stride: stride, padding: padding, transposed: true, op: "conv_transpose2d")
        guard g.outH == x0.shape[2], g.outW == x0.shape[3] else {
            throw TensorError("conv_transpose2d: internal geometry mismatch")
        }
        let x = try x0.astypeIfNeeded(w.dtype).contiguous()
        let cin = w.shape[0], L = x.shape[2] * x.shape[3]
        let xm = try channelsFirst(x, n: g.n, c: cin, l: L)                      // Cin × N·L
        let wm = try w.reshape([cin, g.rows])                                    // Cin × Cout·k·k
        let cols = try Tensor(uninitialized: [g.rows, g.cols], dtype: w.dtype)
        try Tensor.gemm(wm, transA: true, xm, into: cols)
        var y = try Im2Col.image(cols, g, bias: b)
        let inputs = b.map { [x0, w, $0] } ?? [x0, w]
        guard Autograd.tracking(list: inputs) else { return y }
        let (nx, nw, nb) = (x0.requiresGrad, w.requiresGrad, b?.requiresGrad ?? false)
        let wk = Autograd.alias(w), wshape = w.shape, xdt = x0.dtype
        y = Autograd.record(y, "conv_transpose2d", inputs, saved: [w]) { gy in
            let gc = try Im2Col.columns(gy.contiguous(), g)                     // Cout·k·k × N·L
            var gx: Tensor? = nil, gw: Tensor? = nil
            if nx {
                let t = try Tensor(uninitialized: [cin, g.cols], dtype: gc.dtype)
                try Tensor.gemm(wk.reshape([cin, g.rows]), gc, into: t)
                gx = try batchFirst(t, n: g.n, c: cin, h: x.shape[2], w: x.shape[3]).astypeIfNeeded(xdt)
            }
            if nw {
                let t = try Tensor(uninitialized: [cin, g.rows], dtype: gc.dtype)
                try Tensor.gemm(xm, gc, transB: true, into: t)
                gw = try t.reshape(wshape)
            }
            let gb = nb ? try gy.sum(dims: [0, 2, 3]) : nil
            return b == nil ? [gx, gw] : [gx, gw, gb]
        }
        return y
    }
}
