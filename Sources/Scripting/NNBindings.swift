import Autograd
import CLua
import NN
import Tensor

/// `ouro.nn` (layers and losses) and `ouro.optim` (optimisers, clipping, schedules): a thin skin
/// over the NN target. Modules are userdata callable as functions; their parameters are the
/// very tensors the optimisers update.
enum NNBindings {
    static let module = "ouro.Module"
    static let optimizer = "ouro.Optimizer"
    static let schedule = "ouro.Schedule"

    static func install(_ host: LuaHost) {
        host.registerClass(kind: module, display: "Module", methods: moduleMethods, meta: moduleMeta, index: moduleIndex)
        host.registerClass(kind: optimizer, display: "Optimizer", methods: optimizerMethods, meta: [
            Binding("__tostring", "") { a in
                let o = try optimizerArg(a, 1)
                a.lua.push("\(String(describing: type(of: o)).lowercased())(\(o.params.count) parameters, lr \(o.lr), step \(o.steps))"); return 1
            },
        ])
        host.registerClass(kind: schedule, display: "Schedule", methods: [], meta: [
            Binding("__call", "schedule(step) — the learning rate at a step (1-based).") { a in
                guard let s = try Userdata.object(a.lua, 1, schedule) as? ScheduleBox else { throw a.expected(1, "schedule") }
                a.lua.push(s.schedule(try a.integer(2))); return 1
            },
            Binding("__tostring", "") { a in
                guard let s = try Userdata.object(a.lua, 1, schedule) as? ScheduleBox else { throw a.expected(1, "schedule") }
                let v = s.schedule
                a.lua.push("schedule(\(v.kind.rawValue), lr \(v.lr), warmup \(v.warmup), total \(v.total))"); return 1
            },
        ])
    }

    final class ScheduleBox { let schedule: Schedule; init(_ s: Schedule) { schedule = s } }

    // MARK: arguments

    static func moduleArg(_ a: Args, _ i: Int32) throws -> Module {
        guard let m = try Userdata.object(a.lua, i, module) as? Module else { throw a.expected(i, "module (ouro.nn.*)") }
        return m
    }

    static func optimizerArg(_ a: Args, _ i: Int32) throws -> Optimizer {
        guard let o = try Userdata.object(a.lua, i, optimizer) as? Optimizer else { throw a.expected(i, "optimizer (ouro.optim.*)") }
        return o
    }

    static func pushModule(_ a: Args, _ m: Module) -> Int32 {
        Userdata.push(a.lua, m, kind: module); return 1
    }

    /// The `rng=` and `dtype=` options every layer takes.
    static func layerOptions(_ a: Args, _ i: Int32, _ extra: [String]) throws -> (rng: RNG?, dtype: DType) {
        try a.checkOptions(i, ["rng", "dtype"] + extra)
        var rng: RNG? = nil
        if let at = a.option(i, "rng") {
            defer { a.lua.pop() }
            guard let g = try Userdata.object(a.lua, at, Userdata.rng) as? RNG else { throw a.error(i, "option 'rng' must be a generator (ouro.rng), got \(a.lua.typeName(at))") }
            rng = g
        }
        var dtype = DType.float32
        if let name = try a.optStringField(i, "dtype") {
            guard let d = DType(name: name), d.isFloatingPoint else { throw a.error(i, "option 'dtype' must be \"float32\" or \"float64\", got \"\(name)\"") }
            dtype = d
        }
        return (rng, dtype)
    }

    /// A size argument ≥ 1.
    static func size(_ a: Args, _ i: Int32, _ what: String) throws -> Int {
        let n = try a.integer(i)
        guard n >= 1 else { throw a.error(i, "\(what) must be at least 1, got \(n)") }
        guard n <= 1 << 24 else { throw a.error(i, "\(what) of \(n) is beyond the largest layer size supported (\(1 << 24))") }
        return n
    }

    /// A parameter list: a Lua list of tensors, or a module (its parameters).
    static func parameterList(_ a: Args, _ i: Int32) throws -> [Tensor] {
        if let m = try Userdata.object(a.lua, i, module) as? Module { return m.parameters() }
        guard a.isTable(i) else { throw a.expected(i, "list of parameters (tensors) or a module") }
        return try TensorBindings.tensorList(a, i)
    }

    static func reduction(_ a: Args, _ i: Int32, extra: [String] = []) throws -> Reduction {
        try a.checkOptions(i, ["reduction"] + extra)
        guard let r = try a.optStringField(i, "reduction") else { return .mean }
        guard let v = Reduction(rawValue: r) else { throw a.error(i, "option 'reduction' must be \"mean\", \"sum\" or \"none\", got \"\(r)\"") }
        return v
    }

    // MARK: ouro.nn

    static func conv(_ transposed: Bool) -> Binding {
        let name = transposed ? "conv_transpose2d" : "conv2d"
        let doc = transposed
            ? "conv_transpose2d(cin, cout, k, {stride=1, padding=0, bias=true, rng=, dtype=}) — the transpose of conv2d (weight cin×cout×k×k): N×cin×H×W → N×cout×((H−1)·stride − 2·padding + k)×…; PyTorch's initialisation."
            : "conv2d(cin, cout, k, {stride=1, padding=0, bias=true, rng=, dtype=}) — 2-D convolution with a k×k kernel (weight cout×cin×k×k) through im2col + GEMM: N×cin×H×W → N×cout×((H + 2·padding − k)/stride + 1)×…; PyTorch's initialisation."
        return Binding(name, doc) { a in
            let cin = try size(a, 1, "cin"), cout = try size(a, 2, "cout"), k = try size(a, 3, "kernel size")
            let o = try layerOptions(a, 4, ["stride", "padding", "bias"])
            let m = try Conv2d(cin, cout, kernel: k, stride: try a.optIntField(4, "stride") ?? 1, padding: try a.optIntField(4, "padding") ?? 0,
                               bias: try a.optBoolField(4, "bias", true), transposed: transposed, rng: o.rng, dtype: o.dtype)
            return pushModule(a, m)
        }
    }

    static func activation(_ kind: Activation.Kind, _ doc: String) -> Binding {
        Binding(kind.rawValue, doc) { a in
            if kind == .leaky_relu { return pushModule(a, Activation(kind, slope: try a.optNumber(1, 0.01))) }
            return pushModule(a, Activation(kind))
        }
    }

    static let nn: [Binding] = [
        Binding("linear", "linear(in, out, {bias=true, rng=, dtype=\"float32\"}) — y = x·Wᵀ + b over the last dimension (W out×in); weights and bias uniform in ±1/√in as in PyTorch, drawn from rng (a fixed stream without one).") { a in
            let nin = try size(a, 1, "in"), nout = try size(a, 2, "out")
            let o = try layerOptions(a, 3, ["bias"])
            return pushModule(a, try Linear(nin, nout, bias: try a.optBoolField(3, "bias", true), rng: o.rng, dtype: o.dtype))
        },
        conv(false), conv(true),
        Binding("layer_norm", "layer_norm(d, {eps=1e-5, dtype=}) — normalises the last dimension (size d) to mean 0, variance 1, then scales and shifts (learned; ones and zeros at first).") { a in
            let d = try size(a, 1, "d")
            let o = try layerOptions(a, 2, ["eps"])
            return pushModule(a, try LayerNorm(d, eps: try a.optNumberField(2, "eps") ?? 1e-5, dtype: o.dtype))
        },
        Binding("group_norm", "group_norm(groups, channels, {eps=1e-5, dtype=}) — normalises each image's groups of consecutive channels (N×C×… input, C = channels, a multiple of groups) to mean 0, variance 1 over the group's channels and positions, then scales and shifts each channel (learned; ones and zeros at first).") { a in
            let g = try size(a, 1, "groups"), c = try size(a, 2, "channels")
            let o = try layerOptions(a, 3, ["eps"])
            return pushModule(a, try GroupNorm(g, c, eps: try a.optNumberField(3, "eps") ?? 1e-5, dtype: o.dtype))
        },
        Binding("embedding", "embedding(n, d, {rng=, dtype=}) — a table of n rows of size d (N(0,1) at first); e(idx) maps an int64 tensor of 1-based indices to their rows (one more dimension).") { a in
            let n = try size(a, 1, "n"), d = try size(a, 2, "d")
            let o = try layerOptions(a, 3, [])
            let e = try Embedding(n, d, rng: o.rng, dtype: o.dtype)
            e.indexBase = 1
            return pushModule(a, e)
        },
        Binding("dropout", "dropout(p, {rng=}) — in training mode zeroes each element with probability p and scales the rest by 1/(1−p); the identity after m:eval().") { a in
            let p = try a.number(1)
            let o = try layerOptions(a, 2, [])
            return pushModule(a, try Dropout(p, rng: o.rng))
        },
        activation(.relu, "relu() — max(x, 0) as a module."),
        activation(.gelu, "gelu() — x·Φ(x) (exact GELU) as a module."),
        activation(.tanh, "tanh() — tanh as a module."),
        activation(.sigmoid, "sigmoid() — 1/(1+e^−x) as a module."),
        activation(.leaky_relu, "leaky_relu(slope?) — x where positive, slope·x elsewhere (0.01 by default), as a module."),
        Binding("flatten", "flatten() — N×… → N×(product of the rest), as a module.") { a in pushModule(a, Flatten()) },
        Binding("sequential", "sequential({m1, m2, …}) — the modules applied in order; m[i] is the i-th.") { a in
            guard a.isTable(1) else { throw a.expected(1, "list of modules") }
            var list: [Module] = []
            try a.eachItem(1) { k, at in
                guard let m = try Userdata.object(a.lua, at, module) as? Module else {
                    throw a.error(1, "element \(k) is a \(a.lua.typeName(at)), expected a module (ouro.nn.*)")
                }
                list.append(m)
            }
            guard !list.isEmpty else { throw a.error(1, "empty list (need at least one module)") }
            return pushModule(a, Sequential(list))
        },
        Binding("cross_entropy", "cross_entropy(logits, target, {reduction=\"mean\"|\"sum\"|\"none\", ignore_index=}) — −log softmax(logits)[target] for N×C logits and N 1-based class indices (int64), fused and stable; targets equal to ignore_index (e.g. 0) count for nothing, and the mean is over the others.") { a in
            let z = try a.tensor(1), t = try a.positions(2)
            let ignore = try a.optIntField(3, "ignore_index").map { Int64($0) &- 1 }
            return a.push(try Loss.crossEntropy(z, t, reduction: try reduction(a, 3, extra: ["ignore_index"]), ignoreIndex: ignore))
        },
        Binding("bce_with_logits", "bce_with_logits(logits, target, {reduction=\"mean\"|\"sum\"|\"none\"}) — binary cross-entropy of sigmoid(logits) against targets in [0, 1], computed stably from the logits.") { a in
            a.push(try Loss.bceWithLogits(try a.tensor(1), try a.tensor(2), reduction: try reduction(a, 3)))
        },
        Binding("mse", "mse(a, b, {reduction=\"mean\"|\"sum\"|\"none\"}) — squared error between a and b (broadcast).") { a in
            a.push(try Loss.mse(try a.tensor(1), try a.tensor(2), reduction: try reduction(a, 3)))
        },
    ]

    // MARK: module methods

    static let moduleMeta: [Binding] = [
        Binding("__call", "m(x) — the module's output for x (recorded by autograd when its parameters require grad).") { a in
            let m = try moduleArg(a, 1)
            guard let x = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor else {
                throw LuaError("\(m.summary): expected a tensor as input, got \(a.lua.typeName(2))")
            }
            // The layer's own message ("linear(2 → 32): expected …") says everything; no prefix.
            do { return a.push(try m.forward(x)) } catch let e as TensorError { throw LuaError(e.message) }
        },
        Binding("__tostring", "tostring(m) — the module tree.") { a in
            let m = try moduleArg(a, 1)
            a.lua.push(m.describe() + " — \(m.numParameters()) parameters"); return 1
        },
        Binding("__len", "#m — the number of layers of a sequential (0 for others).") { a in
            a.lua.push((try moduleArg(a, 1) as? Sequential)?.layers.count ?? 0); return 1
        },
    ]

    static let moduleIndex = Binding("__index", "m[i] — layer i of a sequential; m.weight, m.bias — a layer's own parameters; m:method(...) — module methods.") { a in
        let m = try moduleArg(a, 1)
        if a.lua.type(2) == LUA_TNUMBER {
            guard let s = m as? Sequential else { throw LuaError("only a sequential can be indexed by number; this is \(m.summary)") }
            let i = try a.integer(2)
            guard i >= 1 && i <= s.layers.count else { throw LuaError("layer \(i) out of range (the sequential has \(s.layers.count))") }
            return pushModule(a, s.layers[i - 1])
        }
        guard let key = a.lua.toString(2) else { a.lua.pushNil(); return 1 }
        if let p = m.ownParameters.first(where: { $0.name == key }) { return a.push(p.tensor) }
        guard lua_getmetatable(a.lua.L, 1) != 0 else { a.lua.pushNil(); return 1 }
        a.lua.rawField(-1, "__methods")
        lua_pushvalue(a.lua.L, 2)
        lua_rawget(a.lua.L, -2)
        return 1
    }

    static let moduleMethods: [Binding] = [
        Binding("forward", "m:forward(x) — the same as m(x).") { a in a.push(try moduleArg(a, 1).forward(try a.tensor(2))) },
        Binding("parameters", "m:parameters() — the parameters (tensors that require grad), in a fixed order: what an optimiser takes.") { a in
            let ps = try moduleArg(a, 1).parameters()
            a.lua.newTable(narr: ps.count)
            for (k, p) in ps.enumerated() { a.push(p); a.lua.setRawIndex(-2, k + 1) }
            return 1
        },
        Binding("named_parameters", "m:named_parameters() — a table from dotted names (\"1.weight\", \"3.bias\") to parameters.") { a in
            let ps = try moduleArg(a, 1).namedParameters()
            a.lua.newTable(nrec: ps.count)
            for (name, p) in ps { a.push(p); a.lua.setRawField(-2, name) }
            return 1
        },
        Binding("num_parameters", "m:num_parameters() — the number of scalar parameters.") { a in
            a.lua.push(try moduleArg(a, 1).numParameters()); return 1
        },
        Binding("train", "m:train() — training mode (dropout active); returns m.") { a in
            try moduleArg(a, 1).setTraining(true); lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("eval", "m:eval() — evaluation mode (dropout off); returns m.") { a in
            try moduleArg(a, 1).setTraining(false); lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("is_training", "m:is_training() — true in training mode.") { a in a.lua.push(try moduleArg(a, 1).training); return 1 },
        Binding("init", "m:init(rng) — re-draws every parameter from rng (PyTorch's default initialisation); returns m.") { a in
            try moduleArg(a, 1).initialize(rng: try a.rng(2)); lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding.fileAccess("save", "m:save(path) — writes the parameters as a safetensors file (names as named_parameters), atomically.") { a in
            try moduleArg(a, 1).save(to: try a.path(2)); return 0
        },
        Binding.fileAccess("load", "m:load(path) — reads parameters from a safetensors file; every name and shape must match (nothing changes otherwise). Returns m.") { a in
            try moduleArg(a, 1).load(from: try a.path(2)); lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("zero_grad", "m:zero_grad() — forgets every parameter's gradient.") { a in
            for p in try moduleArg(a, 1).parameters() { p.grad = nil }
            return 0
        },
    ]

    // MARK: ouro.optim

    static func betas(_ a: Args, _ i: Int32) throws -> (Double, Double) {
        guard let at = a.option(i, "betas") else { return (0.9, 0.999) }
        defer { a.lua.pop() }
        guard a.lua.type(at) == LUA_TTABLE, a.lua.rawLength(at) == 2 else { throw a.error(i, "option 'betas' must be a list of two numbers, e.g. {0.9, 0.999}") }
        var v: [Double] = []
        for k in 1...2 {
            lua_rawgeti(a.lua.L, at, lua_Integer(k))
            defer { a.lua.pop() }
            guard let x = a.lua.toNumber(-1) else { throw a.error(i, "option 'betas' must hold numbers") }
            v.append(x)
        }
        return (v[0], v[1])
    }

    static func adam(_ decoupled: Bool) -> Binding {
        let name = decoupled ? "adamw" : "adam"
        let doc = decoupled
            ? "adamw(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=0.01}) — Adam with decoupled weight decay (Loshchilov & Hutter)."
            : "adam(params, {lr=1e-3, betas={0.9, 0.999}, eps=1e-8, weight_decay=0}) — Adam with bias correction (weight decay as L2 in the gradient, as PyTorch's)."
        return Binding(name, doc) { a in
            let ps = try parameterList(a, 1)
            try a.checkOptions(2, ["lr", "betas", "eps", "weight_decay"])
            let o = try Adam(ps, lr: try a.optNumberField(2, "lr") ?? 1e-3, betas: try betas(a, 2), eps: try a.optNumberField(2, "eps") ?? 1e-8,
                             weightDecay: try a.optNumberField(2, "weight_decay") ?? (decoupled ? 0.01 : 0), decoupled: decoupled)
            Userdata.push(a.lua, o, kind: optimizer); return 1
        }
    }

    static let optim: [Binding] = [
        Binding("sgd", "sgd(params, {lr, momentum=0, weight_decay=0}) — stochastic gradient descent (params: a list of tensors or a module).") { a in
            let ps = try parameterList(a, 1)
            try a.checkOptions(2, ["lr", "momentum", "weight_decay"])
            guard let lr = try a.optNumberField(2, "lr") else { throw a.error(2, "option 'lr' is required") }
            let o = try SGD(ps, lr: lr, momentum: try a.optNumberField(2, "momentum") ?? 0, weightDecay: try a.optNumberField(2, "weight_decay") ?? 0)
            Userdata.push(a.lua, o, kind: optimizer); return 1
        },
        adam(false), adam(true),
        Binding("clip_grad_norm", "clip_grad_norm(params, max) — scales the gradients so that their joint L2 norm is at most max; returns the norm before clipping.") { a in
            a.lua.push(try GradUtil.clipGradNorm(try parameterList(a, 1), maxNorm: try a.number(2))); return 1
        },
        Binding("schedule", "schedule{kind=\"constant\"|\"cosine\"|\"linear\", lr=, warmup=0, total=, min_lr=0} — a callable s(step) giving the learning rate: linear warm-up from 0, then constant, or cosine/linear decay to min_lr at total.") { a in
            try a.checkOptions(1, ["kind", "lr", "warmup", "total", "min_lr"])
            let k = try a.optStringField(1, "kind") ?? "constant"
            guard let kind = Schedule.Kind(rawValue: k) else { throw a.error(1, "option 'kind' must be \"constant\", \"cosine\" or \"linear\", got \"\(k)\"") }
            guard let lr = try a.optNumberField(1, "lr") else { throw a.error(1, "option 'lr' is required") }
            let s = try Schedule(kind: kind, lr: lr, warmup: try a.optIntField(1, "warmup") ?? 0, total: try a.optIntField(1, "total") ?? 0,
                                 minLR: try a.optNumberField(1, "min_lr") ?? 0)
            Userdata.push(a.lua, ScheduleBox(s), kind: schedule); return 1
        },
    ]

    static let optimizerMethods: [Binding] = [
        Binding("zero_grad", "opt:zero_grad() — forgets the gradients of the optimiser's parameters.") { a in try optimizerArg(a, 1).zeroGrad(); return 0 },
        Binding("step", "opt:step() — one update from the current gradients (an error names the step if a gradient is not finite).") { a in
            try optimizerArg(a, 1).step(); return 0
        },
        Binding("set_lr", "opt:set_lr(lr) — the learning rate from now on.") { a in
            let lr = try a.number(2)
            guard lr >= 0 && lr.isFinite else { throw a.error(2, "lr must be a finite number ≥ 0, got \(lr)") }
            try optimizerArg(a, 1).lr = lr; return 0
        },
        Binding("lr", "opt:lr() — the current learning rate.") { a in a.lua.push(try optimizerArg(a, 1).lr); return 1 },
        Binding("steps", "opt:steps() — the number of steps taken.") { a in a.lua.push(try optimizerArg(a, 1).steps); return 1 },
    ]
}
