import Tensor

/// Stride-1 convolutions without a column matrix (ConvLowering.Mode.shifted).
///
/// With the image zero-padded to H' × W' (H' = H + 2p, W' = W + 2p), output position (oh, ow)
/// at kernel offset (ki, kj) reads padded position (oh + ki, ow + kj), which is (oh·W' + ow) +
/// (ki·W' + kj) in the flattened plane. Over the *extended* outputs oh·W' + ow for ow < W' (the
/// k − 1 extra per row read values that wrap into the next row and are dropped), offset t's rows
/// of the column matrix are therefore the padded planes read from ki·W' + kj: a GEMM can take
/// them in place, with the planes as rows (ld = H'·W'). A convolution is k² GEMMs of K = C
/// accumulated in offset order; its adjoint adds k² GEMMs into shifted windows of a padded plane;
/// the weight gradient is k² GEMMs of K = the extended outputs, whose ignored columns are zero on
/// the matrix side. Each image costs one padding copy and one extended copy instead of a column
/// matrix k² times its size.
extension ConvLowering {
    var paddedWidth: Int { g.w + 2 * g.padding }
    var paddedPlane: Int { (g.h + 2 * g.padding) * paddedWidth }
    /// A padded image, and k values of zeros after it: the last offset's window reaches k − 1
    /// values past the last plane (into ignored columns).
    var paddedImage: Int { g.c * paddedPlane + g.k }
    /// Extended output positions per image: outH rows of W'.
    var extended: Int { g.outH * paddedWidth }

    /// Where offset t = ki·k + kj starts in a padded plane.
    func shift(_ t: Int) -> Int { (t / g.k) * paddedWidth + t % g.k }

    /// The weight matrix (M × C·k², contiguous) and, for a shifted convolution, a new tensor of its
    /// offsets' blocks: taps[t] = W[:, c·k² + t] as M × C.
    func weights<T: ConvElement>(_ w: Tensor, _: T.Type) throws -> (Weights<T>, Tensor?) {
        guard mode == .shifted else { return (Weights(matrix: w.base(T.self), taps: nil), nil) }
        let kk = g.k * g.k, c = g.c, mm = m
        let taps = try Tensor(uninitialized: [kk, m, c], dtype: T.dtype)
        let src = w.base(T.self), dst = taps.base(T.self)
        for t in 0..<kk { for row in 0..<mm { for ch in 0..<c { dst[(t * mm + row) * c + ch] = src[(row * c + ch) * kk + t] } } }
        return (Weights(matrix: src, taps: dst), taps)
    }

    /// The image (C × H × W) zero-padded into `out` (paddedImage values).
    func pad<T: ConvElement>(_ image: UnsafePointer<T>, into out: UnsafeMutablePointer<T>) {
        let p = g.padding, wp = paddedWidth
        out.update(repeating: T.zero, count: paddedImage)
        for ch in 0..<g.c {
            for i in 0..<g.h {
                (out + ch * paddedPlane + (i + p) * wp + p).update(from: image + (ch * g.h + i) * g.w, count: g.w)
            }
        }
    }

    /// One image of the matrix side (M × outH·outW) as M × extended, ignored columns zero.
    func extend<T: ConvElement>(_ image: UnsafePointer<T>, into out: UnsafeMutablePointer<T>) {
        let wp = paddedWidth, wo = g.outW
        for row in 0..<m {
            for i in 0..<g.outH {
                let d = out + row * extended + i * wp
                d.update(from: image + row * L + i * wo, count: wo)
                (d + wo).update(repeating: T.zero, count: wp - wo)
            }
        }
    }

    /// Matrix side image i ← Σ_t taps[t] · (padded image from shift(t)), plus a per-row bias.
    func shiftedMultiply<T: ConvElement>(_ taps: UnsafePointer<T>, _ padded: UnsafePointer<T>, image i: Int,
                                         scratch: UnsafeMutablePointer<T>, into out: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        let ext = scratch + paddedImage, c = g.c
        for t in 0..<(g.k * g.k) {
            Tensor.gemm(false, false, m: m, n: extended, k: c, alpha: 1, taps + t * m * c, lda: c, padded + shift(t), ldb: paddedPlane,
                        beta: t == 0 ? 0 : 1, ext, ldc: extended)
        }
        let o = out + i * matrixSize, wp = paddedWidth, wo = g.outW
        for row in 0..<m {
            let b = bias?[row] ?? T.zero
            for oh in 0..<g.outH {
                let s = ext + row * extended + oh * wp, d = o + row * L + oh * wo
                if bias == nil { d.update(from: s, count: wo) } else { for j in 0..<wo { d[j] = T.add(s[j], b) } }
            }
        }
    }

    /// Column side image i ← the inside of Σ_t (taps[t]ᵀ · extended matrix image) added at
    /// shift(t) of a zero padded image, plus a per-channel bias.
    func shiftedRaise<T: ConvElement>(_ taps: UnsafePointer<T>, _ matrix: UnsafePointer<T>, image i: Int,
                                      scratch: UnsafeMutablePointer<T>, into side: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?) {
        let padded = scratch, ext = scratch + paddedImage, c = g.c
        extend(matrix + i * matrixSize, into: ext)
        padded.update(repeating: T.zero, count: paddedImage)
        for t in 0..<(g.k * g.k) {
            Tensor.gemm(true, false, m: c, n: extended, k: m, alpha: 1, taps + t * m * c, lda: c, ext, ldb: extended,
                        beta: 1, padded + shift(t), ldc: paddedPlane)
        }
        let out = side + i * g.imageSize, p = g.padding, wp = paddedWidth
        for ch in 0..<c {
            let b = bias?[ch] ?? T.zero
            for ih in 0..<g.h {
                let s = padded + ch * paddedPlane + (ih + p) * wp + p, d = out + (ch * g.h + ih) * g.w
                if bias == nil { d.update(from: s, count: g.w) } else { for j in 0..<g.w { d[j] = T.add(s[j], b) } }
            }
        }
    }

    /// gW by offsets (k² × M × C) ← gW + Σ_t (extended matrix image i) · (padded image from shift(t))ᵀ
    /// (overwrites when `first`).
    func shiftedAccumulate<T: ConvElement>(_ matrix: UnsafePointer<T>, _ padded: UnsafePointer<T>, image i: Int,
                                           scratch: UnsafeMutablePointer<T>, into gw: UnsafeMutablePointer<T>, first: Bool) {
        let ext = scratch + paddedImage, c = g.c
        extend(matrix + i * matrixSize, into: ext)
        for t in 0..<(g.k * g.k) {
            Tensor.gemm(false, true, m: m, n: c, k: extended, alpha: 1, ext, lda: extended, padded + shift(t), ldb: paddedPlane,
                        beta: first ? 0 : 1, gw + t * m * c, ldc: c)
        }
    }
}
