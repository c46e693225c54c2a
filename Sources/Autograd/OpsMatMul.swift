import Tensor

/// Matrix products: `mm` of any rank and the fused affine map `linear`.
extension Diff {
    /// Matrix product of any rank (see `Tensor.mm`); 1-D operands go through unsqueeze/squeeze so
    /// their gradients are those of the 2-D case.
    public static func mm(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard Autograd.tracking(a, b) else { return try a.mm(b) }
        if a.rank == 1 && b.rank == 1 { return try reshape(mm(unsqueeze(a, 0), unsqueeze(b, 1)), []) }
        if a.rank == 1 { let r = try mm(unsqueeze(a, 0), b); return try squeeze(r, r.rank - 2) }
        if b.rank == 1 { let r = try mm(a, unsqueeze(b, 1)); return try squeeze(r, r.rank - 1) }
        let out = try a.mm(b)
        let x = Autograd.alias(a), y = Autograd.alias(b)
        let (sa, sb, na, nb) = (a.shape, b.shape, a.requiresGrad, b.requiresGrad)
        return Autograd.record(out, "mm", [a, b], saved: [a, b]) { g in
            if g.rank == 2 {
                // The common case, straight into BLAS with transposes.
                var ga: Tensor? = nil, gb: Tensor? = nil
                if na { let t = try Tensor(uninitialized: sa, dtype: g.dtype); try Tensor.gemm(g, y, transB: true, into: t); ga = t }
                if nb { let t = try Tensor(uninitialized: sb, dtype: g.dtype); try Tensor.gemm(x, transA: true, g, into: t); gb = t }
                return [ga, gb]
            }
            let ga = na ? try g.mm(y.transpose(y.rank - 2, y.rank - 1)).sumTo(sa) : nil
            let gb = nb ? try x.transpose(x.rank - 2, x.rank - 1).mm(g).sumTo(sb) : nil
            return [ga, gb]
        }
    }

    /// x · Wᵀ + b over the last dimension of x (W: out × in, b: out or nil), fused: the bias is
    /// written first and the product accumulated onto it in one BLAS call; backward is three
    /// BLAS-shaped passes (dx = g·W, dW = gᵀ·x, db = Σ rows of g).
    public static func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor?) throws -> Tensor {
        guard w.rank == 2, x.rank >= 1, x.shape[x.rank - 1] == w.shape[1] else {
            throw TensorError("linear: the input's last dimension must be \(w.rank == 2 ? String(w.shape[1]) : "the weight's"), got input \(describeShape(x.shape)) for weight \(describeShape(w.shape))")
        }
        if let b = b, b.shape != [w.shape[0]] {
            throw TensorError("linear: the bias must have shape [\(w.shape[0])], got \(describeShape(b.shape))")
        }
        let (nin, nout) = (w.shape[1], w.shape[0])
        let rows = x.count / max(nin, 1)
        let dt = w.dtype
        let x2 = try x.astypeIfNeeded(dt).reshape([rows, nin])
        let out = try Tensor(uninitialized: [rows, nout], dtype: dt)
        if let b = b { try out.copy_(b.astypeIfNeeded(dt)) }
        try Tensor.gemm(x2, w, transB: true, into: out, alpha: 1, beta: b == nil ? 0 : 1)
        let shaped = try out.reshape(Array(x.shape.dropLast()) + [nout])
        let inputs = b.map { [x, w, $0] } ?? [x, w]
        guard Autograd.tracking(list: inputs) else { return shaped }
        let xs = Autograd.alias(x2), ws = Autograd.alias(w)
        let (nx, nw, nb, sx) = (x.requiresGrad, w.requiresGrad, b?.requiresGrad ?? false, x.shape)
        return Autograd.record(shaped, "linear", inputs, saved: [x2, w]) { g0 in
            let g = try g0.reshape([rows, nout])
            var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
            // the two products are independent (and equally large): on two cores they run together
            let tx = nx ? try Tensor(uninitialized: [rows, nin], dtype: dt) : nil
            let tw = nw ? try Tensor(uninitialized: [nout, nin], dtype: dt) : nil
            try Parallel.both({ if let tx { try Tensor.gemm(g, ws, into: tx) } },
                              { if let tw { try Tensor.gemm(g, transA: true, xs, into: tw) } })
            if let tx { gx = try tx.reshape(sx) }
            gw = tw
            if nb { gb = try g.sum(dims: [0]) }
            return b == nil ? [gx, gw] : [gx, gw, gb]
        }
    }
}
