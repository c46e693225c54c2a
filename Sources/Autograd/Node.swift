import Tensor

/// Reverse-mode automatic differentiation over `Tensor`.
///
/// Placement: autograd lives in its own target over Tensor so that the array library stays plain
/// and fast. Tensor only carries three fields for it (`requiresGrad`, `grad`, `gradNode`) and a
/// version counter per storage; untracked work never allocates a node or reads them beyond one
/// check. Each differentiable op (in `Ops*.swift`) computes its forward with the plain Tensor
/// kernels and, only when an input requires grad and recording is on, records a `Node`: its
/// inputs, the versions of what its pullback saved, and the pullback itself — forward and
/// backward side by side, llm.c style. `backward` walks the recorded graph once in reverse
/// topological order and accumulates into the leaves' `grad`.
public final class Node {
    /// The op's name, for messages ("mul", "conv2d", …).
    public let name: String
    /// The op's tensor inputs, in order; `needs[i]` is true when input i requires grad.
    internal(set) var inputs: [Tensor]
    let needs: [Bool]
    /// Storages the pullback reads, with their versions at record time.
    let saved: [(Storage, UInt64)]
    /// Maps the gradient of the output to the gradients of the inputs (nil where not needed).
    var pullback: ((Tensor) throws -> [Tensor?])?

    init(name: String, inputs: [Tensor], saved: [Tensor], pullback: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.needs = inputs.map { $0.requiresGrad }
        self.saved = saved.map { ($0.storage, $0.storage.version) }
        self.pullback = pullback
    }

    /// Releases a long chain of nodes iteratively: dropping the last tensor of a graph one
    /// hundred thousand ops deep must not recurse one hundred thousand deinits deep.
    deinit {
        var pending = inputs
        inputs = []
        while var t = pending.popLast() {
            guard isKnownUniquelyReferenced(&t), let node = t.gradNode as? Node else { continue }
            t.gradNode = nil
            pending += node.inputs
            node.inputs = []
        }
    }
}

/// The recording entry point every op uses.
public enum Autograd {
    /// True when an op on these inputs must be recorded (one and two inputs without an array:
    /// every untracked op asks).
    @inline(__always) public static func tracking(_ a: Tensor) -> Bool { a.requiresGrad && GradMode.isEnabled }
    @inline(__always) public static func tracking(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled
    }

    /// True when an op on this list of inputs must be recorded.
    @inline(__always) public static func tracking(list inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Marks `out` as produced by op `name` from `inputs`; `saved` are the tensors the pullback
    /// reads (checked at backward time for in-place changes). Returns `out`.
    @discardableResult
    public static func record(_ out: Tensor, _ name: String, _ inputs: [Tensor], saved: [Tensor] = [],
                              _ pullback: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        out.requiresGrad = true
        out.gradNode = Node(name: name, inputs: inputs, saved: saved, pullback: pullback)
        return out
    }

    /// Another Tensor object over the same elements: what a pullback captures instead of the op's
    /// own output (capturing the output itself would make output → node → output a cycle).
    public static func alias(_ t: Tensor) -> Tensor {
        Tensor(storage: t.storage, shape: t.shape, strides: t.strides, offset: t.offset)
    }

    /// A view of `t` that autograd does not track (shares its elements).
    public static func detach(_ t: Tensor) -> Tensor { alias(t) }

    /// Marks `t` as a leaf whose gradient is wanted; only floating-point tensors can be.
    public static func requireGrad(_ t: Tensor, _ on: Bool = true) throws {
        if on && !t.dtype.isFloatingPoint { throw TensorError("requires_grad: only floating-point tensors can require gradients, got \(t.dtype.rawValue)") }
        if !on && t.gradNode != nil { throw TensorError("requires_grad(false): the tensor is the result of a recorded op; use detach()") }
        t.requiresGrad = on
    }
}
