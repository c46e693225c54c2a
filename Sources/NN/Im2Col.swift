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
    /// Output columns j whose input column j·s − p + kj falls inside 0..<w: j in lo..<hi.
    @inline(__always)
    static func validRange(_ kj: Int, _ g: ConvGeometry, _ out: Int, _ w: Int) -> (Int, Int) {
        let off = kj - g.padding                       // iw = j·s + off
        let lo = off >= 0 ? 0 : (-off + g.stride - 1) / g.stride
        let hi = w - 1 - off < 0 ? 0 : min(out, (w - 1 - off) / g.stride + 1)
        return (min(lo, hi), hi)
    }

    /// Channels run on all cores: each channel's rows of the column matrix (and, in the adjoint,
    /// each channel's image plane) belong to it alone, so results do not depend on the split.
    static func forward<T: FloatElement>(_ x: UnsafePointer<T>, _ g: ConvGeometry, _ out: UnsafeMutablePointer<T>) {
        let (oh, ow, L) = (g.outH, g.outW, g.outH * g.outW)
        let plane = g.h * g.w
        Parallel.forRanges(g.c, grain: max(1, Parallel.grain / max(1, g.k * g.k * g.cols))) { channels in
            for c in channels {
                for ki in 0..<g.k {
                    for kj in 0..<g.k {
                        let row = out + ((c * g.k + ki) * g.k + kj) * g.cols
                        let (jlo, jhi) = validRange(kj, g, ow, g.w)
                        let off = kj - g.padding
                        for img in 0..<g.n {
                            let src = x + (img * g.c + c) * plane
                            let dst = row + img * L
                            for i in 0..<oh {
                                let ih = i * g.stride - g.padding + ki
                                let d = dst + i * ow
                                if ih < 0 || ih >= g.h { for j in 0..<ow { d[j] = T.zero }; continue }
                                let s = src + ih * g.w + off
                                for j in 0..<jlo { d[j] = T.zero }
                                if g.stride == 1 { for j in jlo..<jhi { d[j] = s[j] } }
                                else { for j in jlo..<jhi { d[j] = s[j * g.stride] } }
                                for j in jhi..<ow { d[j] = T.zero }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint: adds each column-matrix entry back into the image position it came from
    /// (in a fixed order per channel, so results are bit-reproducible). `x` must be zeroed.
    static func adjoint<T: FloatElement>(_ cols: UnsafePointer<T>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<T>) {
        let (oh, ow, L) = (g.outH, g.outW, g.outH * g.outW)
        let plane = g.h * g.w
        Parallel.forRanges(g.c, grain: max(1, Parallel.grain / max(1, g.k * g.k * g.cols))) { channels in
            for c in channels {
                for ki in 0..<g.k {
                    for kj in 0..<g.k {
                        let row = cols + ((c * g.k + ki) * g.k + kj) * g.cols
                        let (jlo, jhi) = validRange(kj, g, ow, g.w)
                        let off = kj - g.padding
                        for img in 0..<g.n {
                            let dst = x + (img * g.c + c) * plane
                            let src = row + img * L
                            for i in 0..<oh {
                                let ih = i * g.stride - g.padding + ki
                                if ih < 0 || ih >= g.h { continue }
                                let d = dst + ih * g.w + off, s = src + i * ow
                                if g.stride == 1 { for j in jlo..<jhi { d[j] = T.add(d[j], s[j]) } }
                                else { for j in jlo..<jhi { d[j * g.stride] = T.add(d[j * g.stride], s[j]) } }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The column matrix of a contiguous N×C×H×W tensor, as a new rows × cols tensor.
    static func columns(_ x: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let out = try Tensor(uninitialized: [g.rows, g.cols], dtype: x.dtype)
        if x.dtype == .float64 { forward(x.base(Double.self), g, out.base(Double.self)); return out }
        let (px, po) = (x.base(Float.self), out.base(Float.self))
        Parallel.forRanges(g.c, grain: channelGrain(g)) { r in
            ouro_im2col_f32(px, po, Int32(g.n), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride), Int32(g.padding),
                            Int32(g.outH), Int32(g.outW), Int32(r.lowerBound), Int32(r.upperBound))
        }
        return out
    }

    /// Channels per piece so that a piece moves at least Parallel.grain values.
    static func channelGrain(_ g: ConvGeometry) -> Int { max(1, Parallel.grain / max(1, g.k * g.k * g.cols)) }

    /// The N×C×H×W tensor whose column matrix is adjoint to `cols` (contiguous rows × cols).
    static func image(_ cols: Tensor, _ g: ConvGeometry) throws -> Tensor {
        let x = try Tensor.zeros([g.n, g.c, g.h, g.w], dtype: cols.dtype)
        if cols.dtype == .float64 { adjoint(cols.base(Double.self), g, x.base(Double.self)); return x }
        let (pc, px) = (cols.base(Float.self), x.base(Float.self))
        Parallel.forRanges(g.c, grain: channelGrain(g)) { r in
            ouro_col2im_f32(pc, px, Int32(g.n), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride), Int32(g.padding),
                            Int32(g.outH), Int32(g.outW), Int32(r.lowerBound), Int32(r.upperBound))
        }
        return x
    }
}
