import Autograd
import CDNNL
import Tensor

/// conv2d and conv_transpose2d with their backward passes, image by image over small column
/// matrices (ConvLowering).
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

    /// Whether oneDNN's direct convolutions are in use for float32 (libdnnl, unless OURO_DNNL=0).
    public static var oneDNNAvailable: Bool { ouro_dnnl_available() != 0 }

    /// Which kernels run this convolution ("oneDNN", "shifted GEMMs", "column GEMMs" or
    /// "pointwise GEMM"): float32 goes to oneDNN's direct convolutions where it can
    /// (OURO_DNNL=0 turns them off), float64 always to GEMMs.
    public static func kernels(_ x: Tensor, _ w: Tensor, bias: Bool, stride: Int = 1, padding: Int = 0, transposed: Bool = false) throws -> String {
        let g = try geometry(x, w, stride: stride, padding: padding, transposed: transposed, op: transposed ? "conv_transpose2d" : "conv2d")
        switch ConvLowering(g, m: w.shape[0], float32: w.dtype == .float32, bias: bias && !transposed).mode {
        case .direct: return "oneDNN"
        case .shifted: return "shifted GEMMs"
        case .columns: return "column GEMMs"
        case .pointwise: return "pointwise GEMM"
        }
    }

    /// Σ over images and positions per channel of a contiguous N × C × H × W gradient: each (image,
    /// channel) plane summed on any core (float32 in fixed lanes, CKernels), then the images in order.
    static func biasGradient(_ gy: Tensor) throws -> Tensor {
        let n = gy.shape[0], plane = gy.shape[2] * gy.shape[3]
        let planes = RowSums.perPlane(n * gy.shape[1], length: plane, zero: 0.0) { p in
            gy.dtype == .float32 ? RowSums.sum(gy.base(Float.self) + p * plane, plane) : RowSums.sum(gy.base(Double.self) + p * plane, plane)
        }
        return try Tensor(RowSums.channelTotals(planes, channels: gy.shape[1])).astype(gy.dtype)
    }

    /// 2-D cross-correlation (PyTorch's conv2d): x N×C×H×W, w Cout×C×k×k, b Cout or nil.
    public static func conv2d(_ x0: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let g = try geometry(x0, w, stride: stride, padding: padding, transposed: false, op: "conv2d")
        return try lowered(x0, w, b, ConvLowering(g, m: w.shape[0], float32: w.dtype == .float32, bias: b != nil), transposed: false)
    }

    /// The transpose (adjoint) of conv2d, PyTorch's conv_transpose2d: x N×Cin×H×W, w Cin×Cout×k×k;
    /// the output is N×Cout×((H−1)s − 2p + k)×((W−1)s − 2p + k).
    public static func convTranspose2d(_ x0: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        let g = try geometry(x0, w, stride: stride, padding: padding, transposed: true, op: "conv_transpose2d")
        guard g.outH == x0.shape[2], g.outW == x0.shape[3] else {
            throw TensorError("conv_transpose2d: internal geometry mismatch")
        }
        return try lowered(x0, w, b, ConvLowering(g, m: w.shape[0], float32: w.dtype == .float32), transposed: true)
    }

    /// Both convolutions and their gradients through the plan's chunk steps. conv2d goes from the
    /// column side (x) to the matrix side (y = W·cols(x)); its transpose from the matrix side (x)
    /// to the column side (y = col2im(Wᵀ·x)); each one's backward pass is the other's forward pass
    /// for the input gradient, plus the weight gradient from the columns of whichever of x and gy
    /// is on the column side.
    static func lowered(_ x0: Tensor, _ w: Tensor, _ b: Tensor?, _ plan: ConvLowering, transposed: Bool) throws -> Tensor {
        let g = plan.g
        let x = try x0.astypeIfNeeded(w.dtype).contiguous(), wc = try w.contiguous()
        let bias = try b.map { try $0.astypeIfNeeded(w.dtype).contiguous() }
        var y = try Tensor(uninitialized: transposed ? [g.n, g.c, g.h, g.w] : [g.n, plan.m, g.outH, g.outW], dtype: w.dtype)
        func forward<T: ConvElement>(_: T.Type) throws {
            let (px, py, pb) = (x.base(T.self), y.base(T.self), bias?.base(T.self))
            let (pw, taps) = try plan.weights(wc, T.self)
            try plan.forGroups(T.self) { _, chunks, scratch in
                for c in chunks {
                    if transposed { plan.raise(pw, px, chunk: c, scratch: scratch, into: py, bias: pb); continue }
                    for q in 0..<plan.parts {
                        plan.multiply(pw, plan.columns(px, chunk: c, part: q, scratch: scratch), chunk: c, scratch: scratch, into: py, bias: pb)
                    }
                }
            }
            withExtendedLifetime(taps) {}
        }
        if w.dtype == .float64 { try forward(Double.self) } else { try forward(Float.self) }
        let inputs = b.map { [x0, w, $0] } ?? [x0, w]
        guard Autograd.tracking(list: inputs) else { return y }
        let (nx, nw, nb) = (x0.requiresGrad, w.requiresGrad, b?.requiresGrad ?? false)
        let wk = Autograd.alias(wc), wshape = w.shape, xdt = x0.dtype
        y = Autograd.record(y, transposed ? "conv_transpose2d" : "conv2d", inputs, saved: [w]) { gy0 in
            let gy = try gy0.astypeIfNeeded(wk.dtype).contiguous()
            let gx = nx ? try Tensor(uninitialized: x.shape, dtype: wk.dtype) : nil
            let partials = try plan.partials(wk.dtype)
            func backward<T: ConvElement>(_: T.Type) throws -> Tensor? {
                let (px, pgy, pgx, pp) = (x.base(T.self), gy.base(T.self), gx?.base(T.self), partials.base(T.self))
                let (column, matrix) = transposed ? (pgy, px) : (px, pgy)
                let (pw, taps) = try plan.weights(wk, T.self)
                try plan.forGroups(T.self) { gi, chunks, scratch in
                    for c in chunks {
                        if nw || (transposed && pgx != nil) {
                            for q in 0..<plan.parts {
                                let cols = plan.columns(column, chunk: c, part: q, scratch: scratch)
                                if nw { plan.accumulate(matrix, cols, chunk: c, scratch: scratch, into: pp + gi * partials.shape[1], first: c == chunks.lowerBound) }
                                if transposed, let pgx { plan.multiply(pw, cols, chunk: c, scratch: scratch, into: pgx, bias: nil) }
                            }
                        }
                        if !transposed, let pgx { plan.raise(pw, pgy, chunk: c, scratch: scratch, into: pgx, bias: nil) }
                    }
                }
                withExtendedLifetime(taps) {}
                return nw ? try plan.weightGradient(partials, T.self, shape: wshape) : nil
            }
            let gw = wk.dtype == .float64 ? try backward(Double.self) : try backward(Float.self)
            let gb = nb ? try biasGradient(gy) : nil
            let gxo = try gx?.astypeIfNeeded(xdt)
            return b == nil ? [gxo, gw] : [gxo, gw, gb]
        }
        return y
    }
}
