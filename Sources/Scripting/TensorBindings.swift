import Autograd
import CLua
import Tensor

/// `ouro.tensor` and the tensor userdata's methods and metamethods.
enum TensorBindings {
    static func install(_ host: LuaHost) {
        host.registerClass(kind: Userdata.tensor, display: "Tensor", methods: methods, meta: meta, index: index)
        host.pushLibrary("ouro.tensor", library + AutogradBindings.library)
    }

    /// Where the creation functions find their dtype: after a shape table, or after shape numbers.
    static func shapeAndNext(_ a: Args, _ i: Int32) throws -> ([Int], Int32) {
        let shape = try a.intList(i)
        return (shape, a.isTable(i) ? i + 1 : i + Int32(shape.count))
    }

    // MARK: ouro.tensor.*

    static let library: [Binding] = [
        Binding("new", "new(data, dtype?) — a tensor from a nested Lua table of numbers (rows first), a number (0-d) or another tensor (copied). dtype defaults to \"float64\".") { a in
            a.push(try a.tensorFromLua(1, dtype: try a.dtype(2)))
        },
        Binding("zeros", "zeros(shape, dtype?) — a tensor of zeros; shape is a table such as {2,3}.") { a in
            let (s, i) = try shapeAndNext(a, 1)
            return a.push(try Tensor.zeros(s, dtype: try a.dtype(i) ?? .float64))
        },
        Binding("ones", "ones(shape, dtype?) — a tensor of ones.") { a in
            let (s, i) = try shapeAndNext(a, 1)
            return a.push(try Tensor.ones(s, dtype: try a.dtype(i) ?? .float64))
        },
        Binding("full", "full(shape, value, dtype?) — a tensor filled with value.") { a in
            let (s, i) = try shapeAndNext(a, 1)
            return a.push(try Tensor.full(s, try a.number(i), dtype: try a.dtype(i + 1) ?? .float64))
        },
        Binding("eye", "eye(n, dtype?) — the n×n identity matrix.") { a in
            a.push(try Tensor.eye(try a.integer(1), dtype: try a.dtype(2) ?? .float64))
        },
        Binding("arange", "arange(a, b, step?, dtype?) — a, a+step, … strictly below b (NumPy's arange; arange(b) starts at 0). Integer arguments give int64.") { a in
            var lo = 0.0, hi = try a.number(1), step = 1.0
            var allInt = a.lua.isInteger(1)
            if !a.lua.isNoneOrNil(2) && a.lua.type(2) == LUA_TNUMBER {
                lo = hi; hi = try a.number(2); allInt = allInt && a.lua.isInteger(2)
                if a.lua.type(3) == LUA_TNUMBER { step = try a.number(3); allInt = allInt && a.lua.isInteger(3) }
            }
            let dtIdx: Int32 = a.lua.type(2) == LUA_TSTRING ? 2 : (a.lua.type(3) == LUA_TSTRING ? 3 : 4)
            let dt = try a.dtype(dtIdx) ?? (allInt ? .int64 : .float64)
            return a.push(try Tensor.arange(lo, hi, step: step, dtype: dt))
        },
        Binding("linspace", "linspace(a, b, n) — n evenly spaced values from a to b inclusive.") { a in
            a.push(try Tensor.linspace(try a.number(1), try a.number(2), try a.integer(3), dtype: try a.dtype(4) ?? .float64))
        },
        Binding("cat", "cat(list, dim?) — joins a list of tensors along an existing dimension (default 1).") { a in
            let list = try tensorList(a, 1)
            guard let first = list.first else { throw a.error(1, "empty list (need at least one tensor)") }
            let d = a.lua.isNoneOrNil(2) ? 0 : try a.dim(2, of: first)
            return a.push(try Diff.cat(list, dim: d))
        },
        Binding("stack", "stack(list, dim?) — joins same-shaped tensors along a new dimension (default 1).") { a in
            let list = try tensorList(a, 1)
            guard let first = list.first else { throw a.error(1, "empty list (need at least one tensor)") }
            var d = 0
            if !a.lua.isNoneOrNil(2) {
                let k = try a.integer(2), r = first.rank + 1
                d = k < 0 ? r + k : k - 1
                guard d >= 0 && d < r else { throw a.error(2, "dimension \(k) out of range for stacking \(first.rank)-dimensional tensors") }
            }
            return a.push(try Diff.stack(list, dim: d))
        },
        Binding.fileAccess("load", "load(path) — reads a NumPy .npy file (C or Fortran order; float64, float32, integers and bool, which become int64).") { a in
            a.push(try NPY.load(try a.path(1)))
        },
        Binding("is_tensor", "is_tensor(v) — true if v is a tensor.") { a in
            a.lua.push(luaL_testudata(a.lua.L, 1, Userdata.tensor) != nil)
            return 1
        },
    ]

    static func tensorList(_ a: Args, _ i: Int32) throws -> [Tensor] {
        guard a.isTable(i) else { throw a.expected(i, "list of tensors") }
        var out: [Tensor] = []
        try a.eachItem(i) { k, at in
            guard let t = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor else {
                throw a.error(i, "element \(k) is a \(a.lua.typeName(at)), expected a tensor")
            }
            out.append(t)
        }
        return out
    }

    // MARK: indexing metamethods

    static let index = Binding("__index", "x[i] — row i (1-based; a number for 1-D tensors); x:method(...) — tensor methods.") { a in
        let t = try a.tensor(1)
        if a.lua.type(2) == LUA_TSTRING {
            guard lua_getmetatable(a.lua.L, 1) != 0 else { a.lua.pushNil(); return 1 }
            a.lua.rawField(-1, "__methods")
            lua_pushvalue(a.lua.L, 2)
            lua_rawget(a.lua.L, -2)
            return 1
        }
        guard a.lua.type(2) == LUA_TNUMBER else { throw a.error(2, "index must be an integer or a method name, got \(a.lua.typeName(2))") }
        guard t.rank >= 1 else { throw LuaError("cannot index a 0-d tensor; use x:item()") }
        let row = try Diff.select(t, 0, try a.index(2, size: t.shape[0], dim: 0))
        return try a.pushValue(row)
    }

    static let newindex = Binding("__newindex", "x[i] = v — sets row i to a number or a tensor (broadcast).") { a in
        let t = try a.tensor(1)
        guard a.lua.type(2) == LUA_TNUMBER else { throw LuaError("cannot set field '\(a.lua.describe(2))' on a tensor") }
        guard t.rank >= 1 else { throw LuaError("cannot index a 0-d tensor") }
        let row = try t.select(0, try a.index(2, size: t.shape[0], dim: 0))
        if let v = a.lua.toNumber(3) { try row.fill_(v) } else { try row.copy_(try a.tensor(3)) }
        return 0
    }

    // MARK: metamethods

    static func arith(_ symbol: String, _ kind: BinaryKind) -> Binding {
        Binding(symbol, "a \(LuaFunction.operatorNames[symbol] ?? symbol) b — elementwise with broadcasting; either side may be a number.") { a in
            if let t = try Userdata.object(a.lua, 1, Userdata.tensor) as? Tensor {
                return a.push(try Diff.binary(kind, t, try a.tensorOrNumber(2, like: t)))
            }
            let t = try a.tensor(2)
            return a.push(try Diff.binary(kind, try a.tensorOrNumber(1, like: t), t))
        }
    }

    static let meta: [Binding] = [
        arith("__add", .add), arith("__sub", .sub), arith("__mul", .mul), arith("__div", .div), arith("__pow", .pow),
        newindex,
        Binding("__unm", "-x — elementwise negation.") { a in a.push(try Diff.unary(.neg, try a.tensor(1))) },
        Binding("__len", "#x — the size of dimension 1.") { a in
            let t = try a.tensor(1)
            guard t.rank >= 1 else { throw LuaError("a 0-d tensor has no length; use x:item()") }
            a.lua.push(t.shape[0]); return 1
        },
        Binding("__tostring", "tostring(x) — Torch-style text of the tensor.") { a in
            a.lua.push(try a.tensor(1).description); return 1
        },
        Binding("__concat", "s .. x — concatenates the tensor's text.") { a in
            let l = try Userdata.object(a.lua, 1, Userdata.tensor) as? Tensor
            let r = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor
            a.lua.push((l?.description ?? a.lua.describe(1)) + (r?.description ?? a.lua.describe(2)))
            return 1
        },
    ]

    // MARK: methods

    /// The `{out = z}` option of the elementwise methods: z, checked to be writable outside autograd.
    static func outOption(_ a: Args, _ i: Int32, inputs: [Tensor]) throws -> Tensor? {
        guard a.isTable(i) else {
            if !a.lua.isNoneOrNil(i) { throw a.expected(i, "options table {out = tensor}") }
            return nil
        }
        try a.checkOptions(i, ["out"])
        guard let at = a.option(i, "out") else { return nil }
        defer { a.lua.pop() }
        guard let out = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor else { throw a.error(i, "option 'out' must be a tensor, got \(a.lua.typeName(at))") }
        if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
            throw a.error(i, "out= writes in place, which autograd cannot record; drop out= or use ouro.no_grad")
        }
        return out
    }

    static func unaryMethod(_ kind: UnaryKind, _ doc: String) -> Binding {
        Binding(kind.rawValue, doc + " x:\(kind.rawValue)({out = z}) writes into z (no allocation) and returns it.") { a in
            let t = try a.tensor(1)
            if let out = try outOption(a, 2, inputs: [t]) {
                try t.unary(kind, into: out)
                a.lua.rawField(2, "out"); return 1            // the very value passed in

            }
            return a.push(try Diff.unary(kind, t))
        }
    }

    static func binaryMethod(_ name: String, _ kind: BinaryKind) -> Binding {
        Binding(name, "x:\(name)(y, {out = z}?) — elementwise \(kind.rawValue) with broadcasting; y may be a number. With out, the result is written into z (which may be x itself; no allocation) and z is returned.") { a in
            let t = try a.tensor(1)
            let y = try a.tensorOrNumber(2, like: t)
            if let out = try outOption(a, 3, inputs: [t, y]) {
                try t.binary(kind, y, into: out)
                a.lua.rawField(3, "out"); return 1
            }
            return a.push(try Diff.binary(kind, t, y))
        }
    }

    static func inPlace(_ name: String, _ kind: BinaryKind) -> Binding {
        Binding(name, "x:\(name)(y) — in place: x = x \(kind.rawValue) y; returns x.") { a in
            let t = try a.tensor(1)
            try t.binary_(kind, try a.tensorOrNumber(2, like: t))
            lua_pushvalue(a.lua.L, 1); return 1
        }
    }

    static func compareMethod(_ kind: CompareKind, _ symbol: String) -> Binding {
        Binding(kind.rawValue, "x:\(kind.rawValue)(y) — int64 0/1 mask of x \(symbol) y (broadcast; y may be a number).") { a in
            let t = try a.tensor(1)
            return a.push(try t.compare(kind, try a.tensorOrNumber(2, like: t)))
        }
    }

    /// Shared argument handling of reductions: x:f(), x:f(dim), x:f(dim, {keepdim=, unbiased=}), x:f({...}).
    static func reductionArgs(_ a: Args, _ t: Tensor, from i: Int32) throws -> (dim: Int?, keepdim: Bool, unbiased: Bool) {
        var dim: Int? = nil, opt = i
        if a.lua.type(i) == LUA_TNUMBER { dim = try a.dim(i, of: t); opt = i + 1 }
        else if !a.lua.isNoneOrNil(i) && !a.isTable(i) { throw a.expected(i, "dimension (integer) or options table") }
        try a.checkOptions(opt, ["keepdim", "unbiased"])
        return (dim, try a.optBoolField(opt, "keepdim", false), try a.optBoolField(opt, "unbiased", false))
    }

    static func reduction(_ kind: ReduceKind, _ doc: String) -> Binding {
        Binding(kind.rawValue, doc) { a in
            let t = try a.tensor(1)
            // sum and mean over several dimensions: x:sum({1, 3}, {keepdim=})
            if (kind == .sum || kind == .mean), a.isTable(2), a.lua.rawLength(2) > 0 {
                let dims = try a.intList(2, what: "dimension").map { d -> Int in
                    let z = d < 0 ? t.rank + d : d - 1
                    guard z >= 0 && z < t.rank else { throw a.error(2, "dimension \(d) out of range for a \(t.rank)-dimensional tensor") }
                    return z
                }
                try a.checkOptions(3, ["keepdim"])
                let keepdim = try a.optBoolField(3, "keepdim", false)
                return try a.pushValue(kind == .sum ? Diff.sum(t, dims: dims, keepdim: keepdim) : Diff.mean(t, dims: dims, keepdim: keepdim))
            }
            let r = try reductionArgs(a, t, from: 2)
            if t.requiresGrad && GradMode.isEnabled {
                let ds = r.dim.map { [$0] }
                switch kind {
                case .sum: return try a.pushValue(Diff.sum(t, dims: ds, keepdim: r.keepdim))
                case .mean: return try a.pushValue(Diff.mean(t, dims: ds, keepdim: r.keepdim))
                case .variance: return try a.pushValue(Diff.variance(t, dims: ds, keepdim: r.keepdim, unbiased: r.unbiased))
                case .std: return try a.pushValue(Diff.unary(.sqrt, Diff.variance(t, dims: ds, keepdim: r.keepdim, unbiased: r.unbiased)))
                case .logsumexp: return try a.pushValue(Diff.logsumexp(t, dim: r.dim, keepdim: r.keepdim))
                default: break
                }
            }
            var out = try t.reduce(kind, dim: r.dim, keepdim: r.keepdim, unbiased: r.unbiased)
            if kind == .argmax || kind == .argmin { out = try out.binary(.add, Tensor(scalar: Int64(1))) }
            return try a.pushValue(out)
        }
    }

    static func extremum(_ isMax: Bool) -> Binding {
        let name = isMax ? "max" : "min"
        return Binding(name, "x:\(name)(dim?) — the \(isMax ? "largest" : "smallest") value; with dim, the values and their 1-based indices along it.") { a in
            let t = try a.tensor(1)
            let r = try reductionArgs(a, t, from: 2)
            let (v, i) = try Diff.extremum(t, max: isMax, dim: r.dim, keepdim: r.keepdim)
            if r.dim == nil && !r.keepdim { return try a.pushValue(v) }
            a.push(v)
            a.push(try i.binary(.add, Tensor(scalar: Int64(1))))
            return 2
        }
    }

    static let methods: [Binding] = [
        Binding("shape", "x:shape() — the sizes as a table, e.g. {2,3}.") { a in
            let t = try a.tensor(1)
            a.lua.newTable(narr: t.rank)
            for (k, s) in t.shape.enumerated() { a.lua.push(s); a.lua.setRawIndex(-2, k + 1) }
            return 1
        },
        Binding("size", "x:size(dim?) — the size of one dimension, or all sizes as a table.") { a in
            let t = try a.tensor(1)
            if a.lua.isNoneOrNil(2) {
                a.lua.newTable(narr: t.rank)
                for (k, s) in t.shape.enumerated() { a.lua.push(s); a.lua.setRawIndex(-2, k + 1) }
            } else { a.lua.push(t.shape[try a.dim(2, of: t)]) }
            return 1
        },
        Binding("dim", "x:dim() — the number of dimensions.") { a in a.lua.push(try a.tensor(1).rank); return 1 },
        Binding("numel", "x:numel() — the number of elements.") { a in a.lua.push(try a.tensor(1).count); return 1 },
        Binding("dtype", "x:dtype() — \"float64\", \"float32\" or \"int64\".") { a in a.lua.push(try a.tensor(1).dtype.rawValue); return 1 },
        Binding("item", "x:item() — the value of a one-element tensor as a number.") { a in
            let t = try a.tensor(1)
            guard t.count == 1 else { throw LuaError("item() needs a tensor with exactly one element, got shape \(describeShape(t.shape))") }
            return try a.pushValue(t.reshape([]))
        },
        Binding("totable", "x:totable() — nested Lua tables of the values (a number for 0-d).") { a in try a.pushTable(try a.tensor(1)) },
        Binding("astype", "x:astype(dtype) — a copy converted to dtype (floats truncate toward zero into int64).") { a in
            let t = try a.tensor(1)
            guard let d = try a.dtype(2) else { throw a.expected(2, "dtype name") }
            return a.push(try Diff.astype(t, d))
        },
        Binding("clone", "x:clone() — a contiguous copy with its own storage.") { a in a.push(try Diff.clone(try a.tensor(1))) },
        Binding("contiguous", "x:contiguous() — x itself if contiguous, else a contiguous copy.") { a in
            let t = try a.tensor(1)
            return a.push(t.isContiguous ? t : try Diff.clone(t))
        },
        Binding("is_contiguous", "x:is_contiguous() — whether x is laid out row-major without gaps.") { a in a.lua.push(try a.tensor(1).isContiguous); return 1 },
        Binding("rows", "x:rows(idx) — the rows at 1-based indices idx (an int64 tensor or a Lua list), as a new tensor.") { a in
            let t = try a.tensor(1)
            guard t.rank >= 1 else { throw LuaError("rows() needs at least a 1-D tensor") }
            return a.push(try Diff.indexSelect(t, 0, try a.indexList(2, size: t.shape[0])))
        },
        Binding("mask", "x:mask(m) — the rows where the 1-D mask m is non-zero.") { a in
            a.push(try Diff.mask(try a.tensor(1), try a.tensor(2)))
        },
        Binding("select", "x:select(dim, i) — the slice at index i of dimension dim (a view, one dimension fewer).") { a in
            let t = try a.tensor(1)
            let d = try a.dim(2, of: t)
            return a.push(try Diff.select(t, d, try a.index(3, size: t.shape[d], dim: d)))
        },
        Binding("slice", "x:slice(dim, from, to?) — elements from..to (1-based, inclusive; negative counts from the end) along dim, as a view.") { a in
            let t = try a.tensor(1)
            let d = try a.dim(2, of: t)
            let n = t.shape[d]
            let f = try a.integer(3), e = try a.optInteger(4, n)
            let from = f < 0 ? n + f : f - 1, to = e < 0 ? n + e + 1 : e
            guard from >= 0, to <= n, from <= to else {
                throw LuaError("slice \(f)..\(e) out of range for dimension \(d + 1) of size \(n)")
            }
            return a.push(try Diff.narrow(t, d, from, to))
        },
        Binding("reshape", "x:reshape(shape) — same elements in a new shape (one size may be -1); a view when x is contiguous, else a copy.") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.reshape(t, try a.intList(2)))
        },
        Binding("t", "x:t() — the transpose of a 2-D tensor (a view).") { a in a.push(try Diff.t(try a.tensor(1))) },
        Binding("sum_to", "x:sum_to(shape) — x summed down to shape, a shape that broadcasts to x's (over the leading dimensions it lacks and where it has size 1): the adjoint of broadcasting.") { a in
            a.push(try a.tensor(1).sumTo(try a.intList(2)))
        },
        Binding("permute", "x:permute(d1, d2, …) or x:permute({…}) — the dimensions in a new order: result dimension k is x's dimension dk (a view).") { a in
            let t = try a.tensor(1)
            let dims = try a.intList(2, what: "dimension")
            return a.push(try Diff.permute(t, dims.map { $0 < 0 ? t.rank + $0 : $0 - 1 }))
        },
        Binding("unsqueeze", "x:unsqueeze(d) — a size-1 dimension inserted at position d (1…dim()+1; a view).") { a in
            let t = try a.tensor(1)
            let d = try a.integer(2)
            return a.push(try Diff.unsqueeze(t, d < 0 ? t.rank + 1 + d : d - 1))
        },
        Binding("squeeze", "x:squeeze(d?) — without the size-1 dimension d, or without every size-1 dimension (a view).") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.squeeze(t, a.lua.isNoneOrNil(2) ? nil : try a.dim(2, of: t)))
        },
        Binding("expand", "x:expand(shape) — x repeated along its size-1 (and new leading) dimensions to shape, without copying (-1 keeps a size); a view that cannot be written into.") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.expand(t, try a.intList(2)))
        },
        Binding("index_select", "x:index_select(d, idx) — the entries at 1-based indices idx (an int64 tensor or a list) along dimension d, as a new tensor.") { a in
            let t = try a.tensor(1)
            let d = try a.dim(2, of: t)
            return a.push(try Diff.indexSelect(t, d, try a.indexList(3, size: t.shape[d])))
        },
        Binding("gather", "x:gather(d, idx) — out[…k…] = x[…idx[…k…]…] along dimension d; idx is an int64 tensor of 1-based positions with x's number of dimensions, and the result has its shape.") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.gather(t, try a.dim(2, of: t), try a.positions(3)))
        },
        Binding("scatter_add_", "x:scatter_add_(d, idx, src) — x[…idx[…k…]…] += src[…k…] along dimension d, in place (repeated indices accumulate, always in the same order); returns x.") { a in
            let t = try a.tensor(1)
            try t.scatterAdd_(try a.dim(2, of: t), try a.positions(3), try a.tensorOrNumber(4, like: t))
            lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("scatter_add", "x:scatter_add(d, idx, src) — a copy of x with src added at idx along dimension d (see scatter_add_).") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.scatterAdd(t, try a.dim(2, of: t), try a.positions(3), try a.tensorOrNumber(4, like: t)))
        },
        Binding("transpose", "x:transpose(a, b) — swaps dimensions a and b (a view).") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.transpose(t, try a.dim(2, of: t), try a.dim(3, of: t)))
        },
        binaryMethod("add", .add), binaryMethod("sub", .sub), binaryMethod("mul", .mul), binaryMethod("div", .div),
        binaryMethod("pow", .pow), binaryMethod("maximum", .maximum), binaryMethod("minimum", .minimum),
        inPlace("add_", .add), inPlace("sub_", .sub), inPlace("mul_", .mul), inPlace("div_", .div),
        Binding("fill_", "x:fill_(v) — sets every element to v, in place; returns x.") { a in
            try a.tensor(1).fill_(try a.number(2)); lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("copy_", "x:copy_(y) — copies y (broadcast, converted) into x; returns x.") { a in
            try a.tensor(1).copy_(try a.tensor(2)); lua_pushvalue(a.lua.L, 1); return 1
        },
        unaryMethod(.neg, "x:neg() — elementwise −x."),
        unaryMethod(.exp, "x:exp() — elementwise e^x."),
        unaryMethod(.log, "x:log() — elementwise natural logarithm."),
        unaryMethod(.sqrt, "x:sqrt() — elementwise square root."),
        unaryMethod(.abs, "x:abs() — elementwise absolute value."),
        unaryMethod(.tanh, "x:tanh() — elementwise hyperbolic tangent."),
        unaryMethod(.sigmoid, "x:sigmoid() — elementwise 1/(1+e^−x), stable in both tails."),
        unaryMethod(.relu, "x:relu() — elementwise max(x, 0)."),
        unaryMethod(.gelu, "x:gelu() — elementwise x·Φ(x), the exact Gaussian error linear unit (PyTorch's default GELU)."),
    ] + AutogradBindings.tensorMethods + [
        compareMethod(.lt, "<"), compareMethod(.le, "<="), compareMethod(.gt, ">"), compareMethod(.ge, ">="),
        compareMethod(.eq, "=="), compareMethod(.ne, "~="),
        Binding("mm", "x:mm(y) — matrix product of any rank through BLAS: 1-D operands are vectors, 2-D are matrices, and higher ranks are stacks of matrices whose leading dimensions broadcast (x:mm(y) of 2×1×5×3 and 4×3×7 is 2×4×5×7). x:mm(y, {out = z}) writes into z (the product's shape and dtype, memory of its own) and returns it.") { a in
            let x = try a.tensor(1), y = try a.tensor(2)
            if let out = try outOption(a, 3, inputs: [x, y]) {
                try x.mm(y, into: out)
                a.lua.rawField(3, "out"); return 1
            }
            return a.push(try Diff.mm(x, y))
        },
        reduction(.sum, "x:sum(dim?) — the sum of all elements (a number), or along dim (a tensor without that dimension; {keepdim=true} keeps it); x:sum({d1, d2, …}) over several dimensions, in x's own dtype."),
        reduction(.mean, "x:mean(dim?) — the mean of all elements, or along dim; x:mean({d1, d2, …}) over several dimensions."),
        reduction(.variance, "x:var(dim?, {unbiased=false}) — the population variance (divides by N; unbiased=true divides by N−1)."),
        reduction(.std, "x:std(dim?, {unbiased=false}) — the population standard deviation (unbiased=true uses N−1)."),
        reduction(.argmax, "x:argmax(dim?) — the 1-based index of the largest value (flat index without dim)."),
        reduction(.argmin, "x:argmin(dim?) — the 1-based index of the smallest value (flat index without dim)."),
        reduction(.logsumexp, "x:logsumexp(dim?) — log Σ exp(x), computed stably."),
        extremum(true), extremum(false),
        Binding("norm", "x:norm(p?, dim?) — the p-norm (default 2; math.huge for max |x|) of all elements or along dim.") { a in
            let t = try a.tensor(1)
            let p = try a.optNumber(2, 2)
            let r = try reductionArgs(a, t, from: 3)
            if p == 2 && t.requiresGrad && GradMode.isEnabled {
                return try a.pushValue(Diff.unary(.sqrt, Diff.sum(Diff.mul(t, t), dims: r.dim.map { [$0] }, keepdim: r.keepdim)))
            }
            return try a.pushValue(try t.norm(p, dim: r.dim, keepdim: r.keepdim))
        },
        Binding.fileAccess("save", "x:save(path) — writes x as a NumPy .npy file (atomically).") { a in
            try NPY.save(try a.tensor(1), to: try a.path(2)); return 0
        },
    ]
}
