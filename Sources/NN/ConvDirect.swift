import CDNNL
import Synchronization
import Tensor

/// float32 convolutions by oneDNN's direct kernels (ConvLowering.Mode.direct, CDNNL/conv.c):
/// several times faster than GEMMs over columns at the channel counts of small networks.
///
/// A batch goes in fixed chunks of at most `directImages` images; each chunk is one oneDNN call on
/// one thread (a primitive prepared for exactly that chunk shape and for one thread), so whichever
/// core runs it, a chunk's result is the same. The forward convolution, its input gradient and its
/// weight gradient are the forward, backward-data and backward-weights primitives; a transposed
/// convolution uses the same three the other way round (its forward pass is backward-data). Weight
/// gradients are summed over chunks per group and over groups in order, as for the GEMM paths.
extension ConvLowering {
    /// Images per oneDNN call (fewer for large images: about 2¹⁹ values per chunk on either side).
    static let directImages = 8

    static func directChunk(_ g: ConvGeometry, m: Int) -> Int {
        max(1, min(g.n, directImages, (1 << 19) / max(1, g.imageSize, m * g.positions)))
    }

    static func dnnlShape(_ g: ConvGeometry, m: Int, images: Int) -> ouro_dnnl_conv {
        ouro_dnnl_conv(n: Int32(images), c: Int32(g.c), h: Int32(g.h), w: Int32(g.w), m: Int32(m), k: Int32(g.k),
                       stride: Int32(g.stride), padding: Int32(g.padding), oh: Int32(g.outH), ow: Int32(g.outW))
    }

    /// Bytes of oneDNN workspace the largest call of this convolution needs, preparing every call it
    /// may make (forward with and without bias, backward data, backward weights, for a full chunk and
    /// the last one); nil when oneDNN cannot run one of them (the GEMM paths take over).
    static func directWorkspace(_ g: ConvGeometry, m: Int, perChunk: Int, bias: Bool) -> Int? {
        guard ouro_dnnl_available() != 0, g.n > 0,
              [g.n, g.c, g.h, g.w, m, g.k, g.stride, g.padding].allSatisfy({ $0 <= Int(Int32.max) }) else { return nil }
        var most = 0
        for images in Set([perChunk, g.n % perChunk]) where images > 0 {
            var s = dnnlShape(g, m: m, images: images)
            var calls = [(OURO_DNNL_FORWARD, 0), (OURO_DNNL_BACKWARD_DATA, 0), (OURO_DNNL_BACKWARD_WEIGHTS, 0)]
            if bias { calls.append((OURO_DNNL_FORWARD, 1)) }
            for (kind, b) in calls {
                let bytes = ouro_dnnl_workspace(Int32(kind), &s, Int32(b))
                guard bytes > 0 else { return nil }
                most = max(most, bytes)
            }
        }
        return most
    }

    /// Runs one oneDNN call on the chunk's images; the workspace follows the M × C·k² values of
    /// weight-gradient room at the start of the group's scratch.
    func direct<T>(_ kind: Int32, chunk c: Int, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, bias: UnsafePointer<T>?,
                   into out: UnsafeMutablePointer<T>, scratch: UnsafeMutablePointer<T>) {
        var s = Self.dnnlShape(g, m: m, images: images(ofChunk: c).count)
        let f = { (p: UnsafePointer<T>) in UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }
        let status = ouro_dnnl_run(kind, &s, f(a), f(b), bias.map(f), UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self),
                                   UnsafeMutableRawPointer(scratch + m * g.rows))
        if status != 0 { failure?.record() }
    }

    /// Matrix side of the chunk ← conv(column side) (+ bias).
    func directMultiply<T: ConvElement>(_ w: Weights<T>, _ cols: Columns<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                                        into out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        direct(Int32(OURO_DNNL_FORWARD), chunk: c, cols.base, w.matrix, bias: bias,
               into: out + images(ofChunk: c).lowerBound * matrixSize, scratch: scratch)
    }

    /// Column side of the chunk ← the adjoint convolution of the matrix side, plus a per-channel bias.
    func directRaise<T: ConvElement>(_ w: Weights<T>, _ matrix: UnsafePointer<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                                     into side: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        let r = images(ofChunk: c), out = side + r.lowerBound * g.imageSize
        direct(Int32(OURO_DNNL_BACKWARD_DATA), chunk: c, matrix + r.lowerBound * matrixSize, w.matrix, bias: nil, into: out, scratch: scratch)
        guard let bias else { return }
        let plane = g.h * g.w
        for img in 0..<r.count {
            for ch in 0..<g.c {
                let p = out + img * g.imageSize + ch * plane, b = bias[ch]
                for l in 0..<plane { p[l] = T.add(p[l], b) }
            }
        }
    }

    /// gW ← gW + the chunk's weight gradient (overwrites when `first`).
    func directAccumulate<T: ConvElement>(_ matrix: UnsafePointer<T>, _ cols: Columns<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                                          into gw: UnsafeMutablePointer<T>, first: Bool) {
        let size = m * g.rows
        direct(Int32(OURO_DNNL_BACKWARD_WEIGHTS), chunk: c, cols.base, matrix + images(ofChunk: c).lowerBound * matrixSize, bias: nil,
               into: first ? gw : scratch, scratch: scratch)
        if !first { for e in 0..<size { gw[e] = T.add(gw[e], scratch[e]) } }
    }
}

/// Set by any oneDNN call that failed during a convolution, so that it throws instead of returning
/// what was not computed.
final class DirectFailure: @unchecked Sendable {
    private let lock = Mutex(false)
    func record() { lock.withLock { $0 = true } }
    var failed: Bool { lock.withLock { $0 } }
}
