import Tensor

extension Autograd {
    /// Back-propagates from `root`: accumulates d(root)/d(leaf) · seed into every leaf's `grad`.
    /// `seed` defaults to 1 and may be omitted only for a one-element root. The graph is freed
    /// afterwards unless `retainGraph`; a second backward through a freed graph is an error.
    public static func backward(_ root: Tensor, seed: Tensor? = nil, retainGraph: Bool = false) throws {
        guard root.requiresGrad else {
            throw TensorError("backward: the tensor does not require grad (no recorded op produced it; mark leaves with requires_grad())")
        }
        let g0: Tensor
        if let s = seed {
            guard s.shape == root.shape else {
                throw TensorError("backward: the gradient's shape \(describeShape(s.shape)) does not match the tensor's \(describeShape(root.shape))")
            }
            g0 = try s.astypeIfNeeded(root.dtype)
        } else {
            guard root.count == 1 else {
                throw TensorError("backward: needs a scalar (one-element) tensor, got shape \(describeShape(root.shape)); reduce it first (e.g. with sum or mean) or pass a gradient")
            }
            if let v = try? root.item(), !v.isFinite {
                throw TensorError("backward: the value is \(v) — the loss diverged (lower the learning rate, check the inputs)")
            }
            g0 = try Tensor.ones(root.shape, dtype: root.dtype)
        }
        try GradMode.disabled { try run(root, g0, retainGraph: retainGraph) }
    }

    private static func run(_ root: Tensor, _ g0: Tensor, retainGraph: Bool) throws {
        let order = topologicalOrder(root)
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): g0]
        var givenToLeaves = Set<ObjectIdentifier>()
        func accumulate(_ t: Tensor, _ g: Tensor) throws {
            guard g.shape == t.shape else {
                throw TensorError("backward: internal error, a gradient of shape \(describeShape(g.shape)) for a tensor of shape \(describeShape(t.shape))")
            }
            if t.gradNode == nil {
                // A leaf: add into .grad; never hand one buffer to two leaves or keep an alias of one.
                if let old = t.grad {
                    t.grad = try old.binary(.add, g.astypeIfNeeded(t.dtype))
                } else {
                    let own = !g.isContiguous || g.count != g.storage.count || g.dtype != t.dtype
                        || givenToLeaves.contains(ObjectIdentifier(g.storage))
                    let stored = own ? try g.astype(t.dtype) : g
                    givenToLeaves.insert(ObjectIdentifier(stored.storage))
                    t.grad = stored
                }
                return
            }
            let id = ObjectIdentifier(t)
            if let old = grads[id] { grads[id] = try old.binary(.add, g) } else { grads[id] = g }
        }
        if root.gradNode == nil { try accumulate(root, g0); return }
        for t in order {
            guard let node = t.gradNode as? Node, let g = grads.removeValue(forKey: ObjectIdentifier(t)) else { continue }
            guard let pullback = node.pullback else {
                throw TensorError("backward: the graph through '\(node.name)' was already used by an earlier backward and freed (pass retain_graph to go through it twice)")
            }
            for (storage, version) in node.saved where storage.version != version {
                throw TensorError("backward: a tensor that '\(node.name)' needs for its gradient was modified in place after it was used; clone it before changing it")
            }
            try Interruption.check()
            let gs = try pullback(g)
            for (i, input) in node.inputs.enumerated() where node.needs[i] {
                if let gi = gs[i] { try accumulate(input, gi) }
            }
            // Free the graph as we go: the pullback (with what it saved) and the links to the
            // inputs, so activations are released now rather than when Lua collects the loss.
            if !retainGraph { node.pullback = nil; node.inputs = [] }
        }
    }

    /// Non-leaf tensors reachable from root, each after every tensor that uses it (iterative DFS,
    /// so deep graphs cannot overflow the stack).
    static func topologicalOrder(_ root: Tensor) -> [Tensor] {
        var visited = Set<ObjectIdentifier>()
        var post: [Tensor] = []
        var stack: [(Tensor, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (t, next) = stack.popLast() {
            guard let node = t.gradNode as? Node else { continue }
            if next < node.inputs.count {
                stack.append((t, next + 1))
                let child = node.inputs[next]
                if node.needs[next], child.gradNode != nil, visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                post.append(t)
            }
        }
        return post.reversed()
    }
}
