import Autograd
import CLua
import Tensor

/// Autograd from Lua: the tensor methods that mark, read and propagate gradients, the new
/// differentiable ops, `ouro.no_grad` and `ouro.tensor.where`.
enum AutogradBindings {
    static let tensorMethods: [Binding] = [
        Binding("requires_grad", "x:requires_grad(on?) — marks x as a leaf whose gradient backward() accumulates into x:grad() (on=false unmarks it); returns x.") { a in
            let t = try a.tensor(1)
            let on = a.lua.isNoneOrNil(2) ? true : lua_toboolean(a.lua.L, 2) != 0
            try Autograd.requireGrad(t, on)
            lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("needs_grad", "x:needs_grad() — true if gradients flow to x (a marked leaf, or the result of a recorded op).") { a in
            a.lua.push(try a.tensor(1).requiresGrad); return 1
        },
        Binding("is_leaf", "x:is_leaf() — true unless x is the result of a recorded op.") { a in
            a.lua.push(try a.tensor(1).gradNode == nil); return 1
        },
        Binding("grad", "x:grad() — the gradient accumulated into leaf x by backward() (nil before any, or after zero_grad).") { a in
            guard let g = try a.tensor(1).grad else { a.lua.pushNil(); return 1 }
            return a.push(g)
        },
        Binding("zero_grad", "x:zero_grad() — forgets x's accumulated gradient.") { a in
            try a.tensor(1).grad = nil; return 0
        },
        Binding("backward", "x:backward(grad?, {retain_graph=false}) — back-propagates from x (a one-element tensor, or any shape with grad of that shape), adding d x / d leaf into every leaf's grad(). The graph is freed unless retain_graph.") { a in
            let t = try a.tensor(1)
            var seed: Tensor? = nil, opt: Int32 = 2
            if let s = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor { seed = s; opt = 3 }
            try a.checkOptions(opt, ["retain_graph"])
            try Autograd.backward(t, seed: seed, retainGraph: try a.optBoolField(opt, "retain_graph", false))
            return 0
        },
        Binding("detach", "x:detach() — x's elements as a tensor autograd does not track (shares memory).") { a in
            a.push(Autograd.detach(try a.tensor(1)))
        },
        Binding("softmax", "x:softmax(d) — exp(x) / Σ exp(x) along dimension d (default the last), stably.") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.softmax(t, dim: a.lua.isNoneOrNil(2) ? t.rank - 1 : try a.dim(2, of: t)))
        },
        Binding("log_softmax", "x:log_softmax(d) — x − log Σ exp(x) along dimension d (default the last), stably.") { a in
            let t = try a.tensor(1)
            return a.push(try Diff.logSoftmax(t, dim: a.lua.isNoneOrNil(2) ? t.rank - 1 : try a.dim(2, of: t)))
        },
        Binding("leaky_relu", "x:leaky_relu(slope?) — x where positive, slope·x elsewhere (slope 0.01 by default).") { a in
            a.push(try Diff.leakyRelu(try a.tensor(1), slope: try a.optNumber(2, 0.01)))
        },
        Binding("clamp", "x:clamp(lo, hi) — each element limited to [lo, hi]; either may be nil for no bound.") { a in
            let t = try a.tensor(1)
            let lo = a.lua.isNoneOrNil(2) ? nil : try a.number(2), hi = a.lua.isNoneOrNil(3) ? nil : try a.number(3)
            return a.push(try Diff.clamp(t, lo: lo, hi: hi))
        },
    ]

    static let library: [Binding] = [
        Binding("where", "where(mask, a, b) — elementwise a where mask is non-zero, else b (all three broadcast; a or b may be numbers).") { a in
            let m = try a.tensor(1)
            let x = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor
            let y = try Userdata.object(a.lua, 3, Userdata.tensor) as? Tensor
            let like = try x ?? y ?? Tensor(scalar: 0.0)
            return a.push(try Diff.where(m, try a.tensorOrNumber(2, like: like), try a.tensorOrNumber(3, like: like)))
        },
    ]

    static let functions: [Binding] = [
        Binding("no_grad", "no_grad(fn, ...) — calls fn(...) with gradient recording off (for evaluation and manual updates) and returns its results.") { a in
            guard a.lua.type(1) == LUA_TFUNCTION else { throw a.expected(1, "function") }
            let n = a.lua.top - 1
            try GradMode.disabled { try a.lua.pcall(nargs: n, nresults: LUA_MULTRET) }
            return a.lua.top
        },
    ]
}
