import CKernels
import Tensor

/// The geometry of a 2-D convolution over N×C×H×W input with a square k×k kernel.
struct ConvGeometry {
    let n, c, h, w, k, stride, padding: Int
    var outH: Int { (h + 2 * padding - k) / stride + 1 }
    var outW: Int { (w + 2 * padding - k) / stride + 1 }
    /// Rows of the column matrix (one per input channel and kernel offset).
    var rows: Int { c * k * k }
    /// Output positions per image (columns of one image's column matrix).
    var positions: Int { outH * outW }
    /// Values per input image (C·H·W).
    var imageSize: Int { c * h * w }
}

/// The element types convolutions run in, with their im2col and col2im kernels (CKernels/im2col.c:
/// branch-free planes, contiguous runs at stride 1). For `images` consecutive images starting at
/// `x`, the column matrix has row (c, ki, kj) and column (image, oh, ow) holding
/// x[image, c, oh·s − p + ki, ow·s − p + kj] (0 outside); col2im adds each entry back where it came
/// from, in a fixed order per channel, onto what `x` already holds.
protocol ConvElement: FloatElement {
    static func im2col(_ x: UnsafePointer<Self>, _ cols: UnsafeMutablePointer<Self>, _ g: ConvGeometry, images: Int)
    static func col2im(_ cols: UnsafePointer<Self>, _ x: UnsafeMutablePointer<Self>, _ g: ConvGeometry, images: Int)
}

extension Float: ConvElement {
    static func im2col(_ x: UnsafePointer<Float>, _ cols: UnsafeMutablePointer<Float>, _ g: ConvGeometry, images: Int) {
        ouro_im2col_f32(x, cols, Int32(images), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride),
                        Int32(g.padding), Int32(g.outH), Int32(g.outW), 0, Int32(g.c))
    }
    static func col2im(_ cols: UnsafePointer<Float>, _ x: UnsafeMutablePointer<Float>, _ g: ConvGeometry, images: Int) {
        ouro_col2im_f32(cols, x, Int32(images), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride),
                        Int32(g.padding), Int32(g.outH), Int32(g.outW), 0, Int32(g.c))
    }
}

extension Double: ConvElement {
    static func im2col(_ x: UnsafePointer<Double>, _ cols: UnsafeMutablePointer<Double>, _ g: ConvGeometry, images: Int) {
        ouro_im2col_f64(x, cols, Int32(images), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride),
                        Int32(g.padding), Int32(g.outH), Int32(g.outW), 0, Int32(g.c))
    }
    static func col2im(_ cols: UnsafePointer<Double>, _ x: UnsafeMutablePointer<Double>, _ g: ConvGeometry, images: Int) {
        ouro_col2im_f64(cols, x, Int32(images), Int32(g.c), Int32(g.h), Int32(g.w), Int32(g.k), Int32(g.stride),
                        Int32(g.padding), Int32(g.outH), Int32(g.outW), 0, Int32(g.c))
    }
}
