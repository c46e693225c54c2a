import Tensor

/// A convolution computed image by image over a small column matrix, so the k²-fold expanded
/// columns stay in cache instead of streaming a whole batch's worth through memory.
///
/// Two sides meet in every convolution: the *column side*, N images of C×H×W whose k×k patches
/// make the column matrix (rows C·k·k, one column per output position), and the *matrix side*,
/// N images of M × (outH·outW) values, tied to it by a weight matrix W of M × C·k·k. conv2d maps
/// column side to matrix side (y = W·cols(x)); its adjoint, conv_transpose2d, maps matrix side
/// to column side (y = col2im(Wᵀ·x)). Their backward passes are the same steps the other way
/// round, so both ops are written with the chunk steps below.
///
/// Small images go several to a chunk; an image whose column matrix would not fit in cache is
/// cut into parts by channels of the column side (rows of the column matrix), its GEMMs summed
/// over the parts in order. Chunks go in at most `maxGroups` contiguous groups that run
/// concurrently. Chunks, parts and groups follow from the shapes alone and every GEMM is one
/// single-threaded call of a fixed shape, so results never depend on the thread count: the
/// weight gradient is summed per group in image order, then over groups in order.
struct ConvLowering {
    let g: ConvGeometry
    /// Channels of the matrix side.
    let m: Int
    /// How each image's column matrix is had.
    let mode: Mode
    /// Images per chunk, chunks, groups of chunks, and channel parts per image.
    let perChunk, chunks, groups, parts: Int

    enum Mode {
        /// im2col into a scratch column matrix.
        case columns
        /// A 1×1 convolution at stride 1 without padding: the image is its own column matrix.
        case pointwise
        /// Stride 1 on images wide enough for it (ConvShifted.swift): never built — kernel offset
        /// (ki, kj)'s rows of the column matrix are the zero-padded image read from offset
        /// ki·W' + kj, W' the padded width, so a convolution is k² GEMMs straight from the padded
        /// image, with k − 1 ignored columns per output row.
        case shifted
        /// float32 by oneDNN's direct kernels, a chunk of images per call (ConvDirect.swift).
        case direct
    }

    /// About this many values of column matrix per chunk (a chunk holds at least one image, or
    /// one channel of one image).
    static let chunkValues = 1 << 16
    static let maxGroups = 8

    /// Bytes of oneDNN workspace per group (direct mode).
    let directBytes: Int
    /// Where a failed oneDNN call is recorded (direct mode).
    let failure: DirectFailure?

    /// The plan for a convolution of this geometry with M channels on the matrix side; `float32`
    /// convolutions go to oneDNN when it can run them (`bias`: the forward pass adds one).
    init(_ g: ConvGeometry, m: Int, float32: Bool = false, bias: Bool = false) {
        self.g = g
        self.m = m
        let direct = float32 ? Self.directChunk(g, m: m) : 0
        if direct > 0, let bytes = Self.directWorkspace(g, m: m, perChunk: direct, bias: bias) {
            (mode, directBytes, failure) = (.direct, bytes, DirectFailure())
        } else {
            (directBytes, failure) = (0, nil)
            if g.k == 1 && g.stride == 1 && g.padding == 0 { mode = .pointwise }
            else if g.stride == 1 && 4 * (g.k - 1) <= g.outW { mode = .shifted }
            else { mode = .columns }
        }
        let perImage = max(1, g.rows * g.positions)
        switch mode {
        case .shifted: perChunk = 1
        case .direct: perChunk = direct
        default: perChunk = max(1, min(g.n, Self.chunkValues / perImage))
        }
        chunks = (g.n + perChunk - 1) / perChunk
        groups = min(chunks, Self.maxGroups)
        parts = mode != .columns ? 1 : max(1, min(g.c, (perImage + Self.chunkValues - 1) / Self.chunkValues))
    }

    var L: Int { g.positions }
    /// Values per image on the matrix side.
    var matrixSize: Int { m * g.positions }
    /// Values of one group's scratch: a chunk's column matrix (its largest part), or for a
    /// shifted convolution a padded image and one extended image of the matrix side, or for a
    /// direct one room for a weight gradient and the oneDNN workspace.
    var scratchSize: Int {
        switch mode {
        case .shifted: return paddedImage + m * extended
        case .direct: return m * g.rows + (directBytes + 3) / 4 + 16
        default: return perChunk * g.positions * g.k * g.k * ((g.c + parts - 1) / parts)
        }
    }

    func images(ofChunk c: Int) -> Range<Int> { (c * perChunk)..<min(g.n, (c + 1) * perChunk) }
    /// Channels of the column side in part q.
    func channels(ofPart q: Int) -> Range<Int> { (g.c * q / parts)..<(g.c * (q + 1) / parts) }

    /// Runs body(group, its chunks, its scratch) for every group, concurrently when there are
    /// cores (a multi-threaded BLAS, OURO_BLAS_THREADS > 1, runs them one by one).
    func forGroups<T: ConvElement>(_: T.Type, _ body: (Int, Range<Int>, UnsafeMutablePointer<T>) -> Void) throws {
        let scratch = try Tensor(uninitialized: [groups * scratchSize], dtype: T.dtype)
        let base = scratch.base(T.self), size = scratchSize, n = groups, total = chunks
        func run(_ gi: Int) { body(gi, (total * gi / n)..<(total * (gi + 1) / n), base + gi * size) }
        if Linalg.threads > 1 { for gi in 0..<n { run(gi) } } else { Parallel.run(n) { run($0) } }
        withExtendedLifetime(scratch) {}
        if failure?.failed == true { throw TensorError("convolution: a oneDNN call failed (out of memory?)") }
    }

    /// The weight matrix W (M × C·k·k), and for a shifted convolution its k² offsets' M × C
    /// blocks (`taps`, built by `weights`).
    struct Weights<T> {
        let matrix: UnsafePointer<T>
        let taps: UnsafePointer<T>?
    }

    /// One chunk's column matrix, or one part of it: image j's columns start at base + j·imageStride,
    /// rows ld apart; `rows` rows starting at row `row0` of the whole column matrix. For a
    /// shifted convolution, the padded image (one per chunk).
    struct Columns<T> {
        let base: UnsafeMutablePointer<T>
        let imageStride, ld, row0, rows: Int
        let first, last: Bool
        func image(_ j: Int) -> UnsafeMutablePointer<T> { base + j * imageStride }
    }

    /// The geometry of channels `cs` of `count` images.
    func geometry(images count: Int, channels cs: Range<Int>) -> ConvGeometry {
        ConvGeometry(n: count, c: cs.count, h: g.h, w: g.w, k: g.k, stride: g.stride, padding: g.padding)
    }

    // MARK: the chunk steps

    /// Part q of the column matrix of the chunk's images on the column side: built in `scratch`
    /// (im2col), the images themselves (pointwise), or the padded image (shifted).
    func columns<T: ConvElement>(_ side: UnsafeMutablePointer<T>, chunk c: Int, part q: Int, scratch: UnsafeMutablePointer<T>) -> Columns<T> {
        let r = images(ofChunk: c), cs = channels(ofPart: q), kk = g.k * g.k
        let first = side + r.lowerBound * g.imageSize
        switch mode {
        case .pointwise, .direct: return Columns(base: first, imageStride: g.imageSize, ld: L, row0: 0, rows: g.rows, first: true, last: true)
        case .shifted:
            pad(first, into: scratch)
            return Columns(base: scratch, imageStride: paddedImage, ld: paddedPlane, row0: 0, rows: g.rows, first: true, last: true)
        case .columns:
            // One image per chunk whenever there are several parts, so the part's channels are one run.
            T.im2col(first + cs.lowerBound * g.h * g.w, scratch, geometry(images: r.count, channels: cs), images: r.count)
            return Columns(base: scratch, imageStride: L, ld: r.count * L, row0: cs.lowerBound * kk, rows: cs.count * kk,
                           first: q == 0, last: q == parts - 1)
        }
    }

    /// Matrix side ← W · columns for each image of the chunk (+= for every part but the first),
    /// plus a per-row bias after the last part.
    func multiply<T: ConvElement>(_ w: Weights<T>, _ cols: Columns<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                                  into out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        if mode == .shifted, let taps = w.taps { return shiftedMultiply(taps, cols.base, image: c, scratch: scratch, into: out, bias: bias) }
        if mode == .direct { return directMultiply(w, cols, chunk: c, scratch: scratch, into: out, bias: bias) }
        for (j, i) in images(ofChunk: c).enumerated() {
            let o = out + i * matrixSize
            Tensor.gemm(false, false, m: m, n: L, k: cols.rows, alpha: 1, w.matrix + cols.row0, lda: g.rows, cols.image(j), ldb: cols.ld,
                        beta: cols.first ? 0 : 1, o, ldc: L)
            if let bias, cols.last {
                for row in 0..<m { let b = bias[row], p = o + row * L; for l in 0..<L { p[l] = T.add(p[l], b) } }
            }
        }
    }

    /// Column side ← col2im(Wᵀ · matrix side) for the chunk's images, over zeros or a per-channel
    /// bias, part by part (a pointwise convolution writes the product straight into the column side).
    func raise<T: ConvElement>(_ w: Weights<T>, _ matrix: UnsafePointer<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                               into side: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        if mode == .shifted, let taps = w.taps { return shiftedRaise(taps, matrix, image: c, scratch: scratch, into: side, bias: bias) }
        if mode == .direct { return directRaise(w, matrix, chunk: c, scratch: scratch, into: side, bias: bias) }
        let r = images(ofChunk: c), plane = g.h * g.w, first = side + r.lowerBound * g.imageSize, kk = g.k * g.k
        let pointwise = mode == .pointwise
        for q in 0..<parts {
            let cs = channels(ofPart: q), rows = cs.count * kk
            let cols = pointwise ? Columns(base: first, imageStride: g.imageSize, ld: L, row0: 0, rows: g.rows, first: true, last: true)
                                 : Columns(base: scratch, imageStride: L, ld: r.count * L, row0: cs.lowerBound * kk, rows: rows, first: true, last: true)
            for (j, i) in r.enumerated() {
                Tensor.gemm(true, false, m: rows, n: L, k: m, alpha: 1, w.matrix + cols.row0, lda: g.rows, matrix + i * matrixSize, ldb: L,
                            beta: 0, cols.image(j), ldc: cols.ld)
            }
            for img in 0..<r.count {
                for ch in cs {
                    let p = first + img * g.imageSize + ch * plane
                    if pointwise { if let b = bias?[ch] { for l in 0..<plane { p[l] = T.add(p[l], b) } } }
                    else { p.update(repeating: bias?[ch] ?? T.zero, count: plane) }
                }
            }
            if !pointwise { T.col2im(scratch, first + cs.lowerBound * plane, geometry(images: r.count, channels: cs), images: r.count) }
        }
    }

    /// The part's columns of gW (M × C·k·k) ← gW + Σ over the chunk's images of matrix side ·
    /// columnsᵀ (overwrites when `first`). A shifted convolution keeps gW by offsets (k² × M × C)
    /// until `weightGradient`.
    func accumulate<T: ConvElement>(_ matrix: UnsafePointer<T>, _ cols: Columns<T>, chunk c: Int, scratch: UnsafeMutablePointer<T>,
                                    into gw: UnsafeMutablePointer<T>, first: Bool) {
        if mode == .shifted { return shiftedAccumulate(matrix, cols.base, image: c, scratch: scratch, into: gw, first: first) }
        if mode == .direct { return directAccumulate(matrix, cols, chunk: c, scratch: scratch, into: gw, first: first) }
        for (j, i) in images(ofChunk: c).enumerated() {
            Tensor.gemm(false, true, m: m, n: cols.rows, k: L, alpha: 1, matrix + i * matrixSize, lda: L, cols.image(j), ldb: cols.ld,
                        beta: first && j == 0 ? 0 : 1, gw + cols.row0, ldc: g.rows)
        }
    }

    /// Room for each group's partial weight gradient.
    func partials(_ dtype: DType) throws -> Tensor { try Tensor(uninitialized: [groups, m * g.rows], dtype: dtype) }

    /// The weight gradient: the groups' partial sums added in group order.
    func weightGradient<T: ConvElement>(_ partials: Tensor, _: T.Type, shape: [Int]) throws -> Tensor {
        if groups == 0 { return try Tensor.zeros(shape, dtype: T.dtype) }
        let out = try Tensor(uninitialized: shape, dtype: T.dtype)
        let p = partials.base(T.self), o = out.base(T.self), size = m * g.rows, n = groups
        let kk = g.k * g.k, c = g.c, byOffsets = mode == .shifted
        Parallel.forRanges(size) { range in
            for e in range {
                var s = p[e]
                for gi in 1..<n { s = T.add(s, p[gi * size + e]) }
                // by offsets, e = (t·M + row)·C + ch goes to (row·C + ch)·k² + t
                if byOffsets { let t = e / (m * c), rc = e % (m * c); o[rc * kk + t] = s } else { o[e] = s }
            }
        }
        return out
    }
}
