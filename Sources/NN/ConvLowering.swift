import Tensor

/// A convolution computed image by image over a small column matrix, so the k²-fold expanded
/// columns stay in cache instead of streaming a whole batch's worth through memory.
///
/// Two sides meet in every convolution: the *column side*, N images of C×H×W whose k×k patches
/// make the column matrix (rows C·k·k, one column per output position), and the *matrix side*,
/// N images of M × (outH·outW) values, tied to it by a weight matrix W of M × C·k·k. conv2d maps
/// column side to matrix side (y = W·cols(x)); its adjoint, conv_transpose2d, maps matrix side
/// to column side (y = col2im(Wᵀ·x)). Their backward passes are the same four steps the other
/// way round, so both ops are written with the four chunk steps below.
///
/// Images go in fixed chunks, and chunks in at most `maxGroups` contiguous groups that run
/// concurrently. Chunks and groups follow from the shapes alone and every GEMM is one
/// single-threaded call of a fixed shape, so results never depend on the thread count: the
/// weight gradient is summed per group in image order, then over groups in order.
struct ConvLowering {
    let g: ConvGeometry
    /// Channels of the matrix side.
    let m: Int
    /// Images per chunk, chunks, and groups of chunks.
    let perChunk, chunks, groups: Int

    /// About this many values of column matrix per chunk (a chunk holds at least one image).
    static let chunkValues = 1 << 16
    static let maxGroups = 8

    init(_ g: ConvGeometry, m: Int) {
        self.g = g
        self.m = m
        perChunk = max(1, min(g.n, Self.chunkValues / max(1, g.rows * g.positions)))
        chunks = (g.n + perChunk - 1) / perChunk
        groups = min(chunks, Self.maxGroups)
    }

    var L: Int { g.positions }
    /// Values per image on the matrix side.
    var matrixSize: Int { m * g.positions }
    /// Values of one chunk's column matrix.
    var columnsSize: Int { g.rows * perChunk * g.positions }

    func images(ofChunk c: Int) -> Range<Int> { (c * perChunk)..<min(g.n, (c + 1) * perChunk) }

    /// Runs body(group, its chunks, its column-matrix scratch) for every group, concurrently when
    /// there are cores (a multi-threaded BLAS, OURO_BLAS_THREADS > 1, runs them one by one).
    func forGroups<T: ConvElement>(_: T.Type, _ body: (Int, Range<Int>, UnsafeMutablePointer<T>) -> Void) throws {
        let scratch = try Tensor(uninitialized: [groups * columnsSize], dtype: T.dtype)
        let base = scratch.base(T.self), size = columnsSize, n = groups, total = chunks
        func run(_ gi: Int) { body(gi, (total * gi / n)..<(total * (gi + 1) / n), base + gi * size) }
        if Linalg.threads > 1 { for gi in 0..<n { run(gi) } } else { Parallel.run(n) { run($0) } }
        withExtendedLifetime(scratch) {}
    }

    /// A 1×1 convolution at stride 1 without padding: an image's column matrix is the image itself.
    var pointwise: Bool { g.k == 1 && g.stride == 1 && g.padding == 0 }

    /// One chunk's column matrix: image j's columns start at base + j·imageStride, rows ld apart.
    struct Columns<T> {
        let base: UnsafeMutablePointer<T>
        let imageStride, ld: Int
        func image(_ j: Int) -> UnsafeMutablePointer<T> { base + j * imageStride }
    }

    // MARK: the chunk steps

    /// The column matrix of the chunk's images on the column side: built in `scratch` (im2col),
    /// or for a pointwise convolution the images themselves.
    func columns<T: ConvElement>(_ side: UnsafeMutablePointer<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>) -> Columns<T> {
        let r = images(ofChunk: c), first = side + r.lowerBound * g.imageSize
        if pointwise { return Columns(base: first, imageStride: g.imageSize, ld: L) }
        T.im2col(first, scratch, g, images: r.count)
        return Columns(base: scratch, imageStride: L, ld: r.count * L)
    }

    /// Matrix side ← W · columns for each image of the chunk, plus a per-row bias.
    func multiply<T: ConvElement>(_ w: UnsafePointer<T>, _ cols: Columns<T>, chunk c: Int,
                                  into out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        for (j, i) in images(ofChunk: c).enumerated() {
            let o = out + i * matrixSize
            Tensor.gemm(false, false, m: m, n: L, k: g.rows, alpha: 1, w, lda: g.rows, cols.image(j), ldb: cols.ld, beta: 0, o, ldc: L)
            if let bias {
                for row in 0..<m { let b = bias[row], p = o + row * L; for l in 0..<L { p[l] = T.add(p[l], b) } }
            }
        }
    }

    /// Column side ← col2im(Wᵀ · matrix side) for the chunk's images, over zeros or a per-channel
    /// bias (a pointwise convolution writes the product straight into the column side).
    func raise<T: ConvElement>(_ w: UnsafePointer<T>, _ matrix: UnsafePointer<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                               into side: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        let r = images(ofChunk: c), plane = g.h * g.w, first = side + r.lowerBound * g.imageSize
        let cols = pointwise ? Columns(base: first, imageStride: g.imageSize, ld: L) : Columns(base: scratch, imageStride: L, ld: r.count * L)
        for (j, i) in r.enumerated() {
            Tensor.gemm(true, false, m: g.rows, n: L, k: m, alpha: 1, w, lda: g.rows, matrix + i * matrixSize, ldb: L, beta: 0,
                        cols.image(j), ldc: cols.ld)
        }
        if pointwise {
            guard let bias else { return }
            for img in 0..<r.count {
                for ch in 0..<g.c { let b = bias[ch], p = first + img * g.imageSize + ch * plane; for l in 0..<plane { p[l] = T.add(p[l], b) } }
            }
            return
        }
        for img in 0..<r.count {
            for ch in 0..<g.c { (first + img * g.imageSize + ch * plane).update(repeating: bias?[ch] ?? T.zero, count: plane) }
        }
        T.col2im(scratch, first, g, images: r.count)
    }

    /// gW (M × C·k·k) ← gW + Σ over the chunk's images of matrix side · columnsᵀ (overwrites when `first`).
    func accumulate<T: ConvElement>(_ matrix: UnsafePointer<T>, _ cols: Columns<T>, chunk c: Int,
                                    into gw: UnsafeMutablePointer<T>, first: Bool) {
        for (j, i) in images(ofChunk: c).enumerated() {
            Tensor.gemm(false, true, m: m, n: g.rows, k: L, alpha: 1, matrix + i * matrixSize, lda: L, cols.image(j), ldb: cols.ld,
                        beta: first && j == 0 ? 0 : 1, gw, ldc: g.rows)
        }
    }

    /// Room for each group's partial weight gradient.
    func partials(_ dtype: DType) throws -> Tensor { try Tensor(uninitialized: [groups, m * g.rows], dtype: dtype) }

    /// The weight gradient: the groups' partial sums added in group order.
    func weightGradient<T: ConvElement>(_ partials: Tensor, _: T.Type, shape: [Int]) throws -> Tensor {
        if groups == 0 { return try Tensor.zeros(shape, dtype: T.dtype) }
        let out = try Tensor(uninitialized: shape, dtype: T.dtype)
        let p = partials.base(T.self), o = out.base(T.self), size = m * g.rows, n = groups
        Parallel.forRanges(size) { range in
            for e in range {
                var s = p[e]
                for gi in 1..<n { s = T.add(s, p[gi * size + e]) }
                o[e] = s
            }
        }
        return out
    }
}
