import Tensor

/// Views and copies that move elements around; each gradient moves them back.
extension Diff {
    /// Records a shape op whose pullback only needs the incoming gradient.
    @inline(__always)
    static func moved(_ out: Tensor, _ name: String, _ a: Tensor, _ back: @escaping (Tensor) throws -> Tensor) -> Tensor {
        guard Autograd.tracking(a) else { return out }
        return Autograd.record(out, name, [a]) { g in [try back(g)] }
    }

    /// The same elements in a new shape (a view when a is contiguous, else a copy).
    public static func reshape(_ a: Tensor, _ shape: [Int]) throws -> Tensor {
        let s = a.shape
        return moved(try a.reshape(shape), "reshape", a) { try $0.reshape(s) }
    }

    /// Dimensions d0 and d1 swapped (a view).
    public static func transpose(_ a: Tensor, _ d0: Int, _ d1: Int) throws -> Tensor {
        moved(try a.transpose(d0, d1), "transpose", a) { try $0.transpose(d0, d1) }
    }

    /// The transpose of a 2-D tensor (a view).
    public static func t(_ a: Tensor) throws -> Tensor {
        moved(try a.t(), "t", a) { try $0.t() }
    }

    /// Dimensions in a new order (a view).
    public static func permute(_ a: Tensor, _ dims: [Int]) throws -> Tensor {
        let out = try a.permute(dims)
        var inverse = [Int](repeating: 0, count: dims.count)
        for (k, d) in dims.enumerated() { inverse[d] = k }
        return moved(out, "permute", a) { try $0.permute(inverse) }
    }

    public static func unsqueeze(_ a: Tensor, _ dim: Int) throws -> Tensor {
        let s = a.shape
        return moved(try a.unsqueeze(dim), "unsqueeze", a) { try $0.reshape(s) }
    }

    public static func squeeze(_ a: Tensor, _ dim: Int?) throws -> Tensor {
        let s = a.shape
        return moved(try a.squeeze(dim), "squeeze", a) { try $0.reshape(s) }
    }

    /// a repeated along size-1 dimensions without copying; the gradient sums over the repeats.
    public static func expand(_ a: Tensor, _ shape: [Int]) throws -> Tensor {
        let s = a.shape
        return moved(try a.expand(shape), "expand", a) { try $0.sumTo(s) }
    }

    /// Elements from..<to along dim (a view); the gradient is zero outside.
    public static func narrow(_ a: Tensor, _ dim: Int, _ from: Int, _ to: Int) throws -> Tensor {
        let s = a.shape
        return moved(try a.narrow(dim, from, to), "slice", a) { g in
            let gx = try Tensor.zeros(s, dtype: g.dtype)
            try gx.narrow(dim, from, to).copy_(g)
            return gx
        }
    }

    /// The slice at index i of dim (a view, one dimension fewer).
    public static func select(_ a: Tensor, _ dim: Int, _ i: Int) throws -> Tensor {
        let s = a.shape
        return moved(try a.select(dim, i), "select", a) { g in
            let gx = try Tensor.zeros(s, dtype: g.dtype)
            try gx.select(dim, i).copy_(g)
            return gx
        }
    }

    /// Entries at `index` along dim (a copy); the gradient adds back (repeats accumulate).
    public static func indexSelect(_ a: Tensor, _ dim: Int, _ index: [Int]) throws -> Tensor {
        let out = try a.indexSelect(dim, index)
        guard Autograd.tracking(a) else { return out }
        let s = a.shape
        return Autograd.record(out, "index_select", [a]) { g in
            var ishape = [Int](repeating: 1, count: s.count); ishape[dim] = index.count
            let idx = try Tensor(index.map { Int64($0) }, shape: ishape).expand(g.shape)
            return [try Tensor.zeros(s, dtype: g.dtype).scatterAdd_(dim, idx.contiguous(), g)]
        }
    }

    /// The rows where the 1-D mask is non-zero.
    public static func mask(_ a: Tensor, _ m: Tensor) throws -> Tensor {
        guard m.rank == 1, a.rank >= 1, m.count == a.shape[0] else { return try a.mask(m) }  // the core's message
        return try indexSelect(a, 0, m.toDoubles().enumerated().filter { $0.element != 0 }.map { $0.offset })
    }

    /// out[…k…] = a[…index[…k…]…] along dim (index: int64, 0-based).
    public static func gather(_ a: Tensor, _ dim: Int, _ index: Tensor) throws -> Tensor {
        let out = try a.gather(dim, index)
        guard Autograd.tracking(a) else { return out }
        let s = a.shape
        return Autograd.record(out, "gather", [a]) { g in
            [try Tensor.zeros(s, dtype: g.dtype).scatterAdd_(dim, index, g)]
        }
    }

    /// A copy of a with src added at index along dim.
    public static func scatterAdd(_ a: Tensor, _ dim: Int, _ index: Tensor, _ src: Tensor) throws -> Tensor {
        let out = try a.clone().scatterAdd_(dim, index, src)
        guard Autograd.tracking(a, src) else { return out }
        let (na, ns) = (a.requiresGrad, src.requiresGrad)
        return Autograd.record(out, "scatter_add", [a, src]) { g in
            [na ? g : nil, ns ? try g.gather(dim, index) : nil]
        }
    }

    /// Tensors joined along an existing dimension.
    public static func cat(_ list: [Tensor], dim: Int) throws -> Tensor {
        let out = try Tensor.cat(list, dim: dim)
        guard Autograd.tracking(list: list) else { return out }
        let sizes = list.map { $0.shape[dim] }
        return Autograd.record(out, "cat", list) { g in
            var from = 0
            return try sizes.map { n in defer { from += n }; return try g.narrow(dim, from, from + n) }
        }
    }

    /// Same-shaped tensors joined along a new dimension.
    public static func stack(_ list: [Tensor], dim: Int) throws -> Tensor {
        let out = try Tensor.stack(list, dim: dim)
        guard Autograd.tracking(list: list) else { return out }
        return Autograd.record(out, "stack", list) { g in
            try (0..<list.count).map { try g.select(dim, $0) }
        }
    }
}
