import CKernels
import Tensor

/// The geometry of a 2-D convolution over N×C×H×W input with a square k×k kernel.
struct ConvGeometry {
    let n, c, h, w, k, stride, padding: Int
    var outH: Int { (h + 2 * padding - k) / stride + 1 }
    var outW: Int { (w + 2 * padding - k) / stride + 1 }
    /// Rows of the column matrix (one per input channel and kernel offset).
    var rows: Int { c * k * k }
    /// Columns of the column matrix (one per image and output position).
    var cols: Int { n * outH * outW }
}

/// im2col and its adjoint col2im: a convolution becomes one GEMM over a column matrix whose row
/// (c, ki, kj) and column (image, oh, ow) holds x[image, c, oh·s − p + ki, ow·s − p + kj] (0 outside).
enum Im2Col {
    /// Channels per piece so that a piece moves at least Parallel.grain values. Channels run on
    /// all cores: each channel's rows of the column matrix (and, in the adjoint, each channel's
    /// image planes) belong to it alone, so results do not depend on the split.
    static func channelGrain(_ g: ConvGeometry) -> Int { max(1, Parallel.grain / max(1, g.k * g.k * g.cols)) }

    /// Runs `kernel(c0, c1)` over channel ranges, concurrently when the work is large.
    static func byChannels(_ g: ConvGeometry, _ kernel: (Int32, Int32) -> Void) {
        Parallel.forRanges(g.c, grain: channelGrain(g)) { r in kernel(Int32(r.lowerBound), Int32(r.upperBound)) }
    }

    /// The column matrix of a contiguous N×C×H×W tensor, as a new rows × cols tensor
    /// (CKernels/im2col.c: branch-free planes over per-offset index tables).
    static func columns(_ x: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let out = try Tensor(uninitialized: [g.rows, g.cols], dtype: x.dtype)
        let d = (Int32(g.n), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride), Int32(g.padding), Int32(g.outH), Int32(g.outW))
        if x.dtype == .float64 {
            let (px, po) = (x.base(Double.self), out.base(Double.self))
            byChannels(g) { ouro_im2col_f64(px, po, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7, d.8, $0, $1) }
        } else {
            let (px, po) = (x.base(Float.self), out.base(Float.self))
            byChannels(g) { ouro_im2col_f32(px, po, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7, d.8, $0, $1) }
        }
        return out
    }

    /// The N×C×H×W tensor whose column matrix is adjoint to `cols` (contiguous rows × cols): each
    /// entry added back where it came from, in a fixed order per channel (bit-reproducible).
    /// With `bias`, each channel's planes start from its bias instead of 0 (one pass fewer).
    static func image(_ cols: Tensor, _ g: ConvGeometry, bias: Tensor? = nil) throws -> Tensor {
        let x: Tensor
        if let b = bias {
            x = try Tensor(uninitialized: [g.n, g.c, g.h, g.w], dtype: cols.dtype)
            try x.copy_(b.astypeIfNeeded(cols.dtype).reshape([g.c, 1, 1]))
        } else {
            x = try Tensor.zeros([g.n, g.c, g.h, g.w], dtype: cols.dtype)
        }
        let d = (Int32(g.n), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride), Int32(g.padding), Int32(g.outH), Int32(g.outW))
        if cols.dtype == .float64 {
            let (pc, px) = (cols.base(Double.self), x.base(Double.self))
            byChannels(g) { ouro_col2im_f64(pc, px, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7, d.8, $0, $1) }
        } else {
            let (pc, px) = (cols.base(Float.self), x.base(Float.self))
            byChannels(g) { ouro_col2im_f32(pc, px, d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7, d.8, $0, $1) }
        }
        return x
    }
}
