import Autograd
import Foundation
import Synchronization
import Tensor

/// A network layer or a container of layers: it owns named parameters (leaf tensors that require
/// grad) and child modules, and maps a tensor to a tensor. Subclasses override `forward` and
/// `reset(rng:)` (their initialisation, PyTorch's defaults). float32 unless asked otherwise.
open class Module {
    /// What the module is, as printed ("linear(784 → 512)").
    open var summary: String { kind }
    public let kind: String
    public private(set) var training = true
    public private(set) var ownParameters: [(name: String, tensor: Tensor)] = []
    public private(set) var children: [(name: String, module: Module)] = []

    public init(kind: String) { self.kind = kind }

    /// The module's output for input x.
    open func forward(_ x: Tensor) throws -> Tensor { x }

    /// Re-draws the module's own parameters from rng (children are reset by `initialize`).
    open func reset(rng: RNG) throws {}

    /// Registers a parameter (made a leaf that requires grad) under `name`; returns it.
    @discardableResult
    public func addParameter(_ name: String, _ t: Tensor) -> Tensor {
        t.requiresGrad = true
        ownParameters.append((name, t))
        return t
    }

    /// Registers a child module under `name`.
    public func addChild(_ name: String, _ m: Module) { children.append((name, m)) }

    /// Every parameter of this module and its children, depth first, as (dotted name, tensor).
    public func namedParameters(prefix: String = "") -> [(String, Tensor)] {
        var out = ownParameters.map { (prefix + $0.name, $0.tensor) }
        for (name, child) in children { out += child.namedParameters(prefix: prefix + name + ".") }
        return out
    }

    public func parameters() -> [Tensor] { namedParameters().map { $0.1 } }

    public func numParameters() -> Int { parameters().reduce(0) { $0 + $1.count } }

    /// Training mode (dropout active) or evaluation mode, for this module and its children.
    public func setTraining(_ on: Bool) {
        training = on
        for (_, c) in children { c.setTraining(on) }
    }

    /// Re-initialises every parameter from rng (children draw from their own named streams).
    public func initialize(rng: RNG) throws {
        try GradMode.disabled {
            try reset(rng: rng)
            for (name, c) in children { try c.initialize(rng: rng.split(name)) }
        }
    }

    /// Writes the parameters to a safetensors file (names as `namedParameters`).
    public func save(to path: String) throws {
        try Safetensors.save(namedParameters(), to: path, metadata: ["format": "pt", "ouroboros": summary])
    }

    /// Reads parameters saved by `save` (or by PyTorch with the same names) into this module.
    /// Every parameter must be present with its shape; nothing is changed unless all match.
    public func load(from path: String) throws {
        let (found, _) = try Safetensors.load(path)
        let byName = Dictionary(found, uniquingKeysWith: { a, _ in a })
        let mine = namedParameters()
        var problems: [String] = []
        for (name, t) in mine {
            guard let f = byName[name] else { problems.append("'\(name)' is missing"); continue }
            if f.shape != t.shape { problems.append("'\(name)' has shape \(describeShape(f.shape)), expected \(describeShape(t.shape))") }
        }
        let extra = Set(byName.keys).subtracting(mine.map { $0.0 })
        if !extra.isEmpty { problems.append("unexpected tensors " + extra.sorted().map { "'\($0)'" }.joined(separator: ", ")) }
        guard problems.isEmpty else {
            throw TensorError("load: '\(path)' does not fit \(summary): " + problems.prefix(6).joined(separator: "; "))
        }
        try GradMode.disabled { for (name, t) in mine { try t.copy_(byName[name]!) } }
    }

    /// The module tree, one line per module, with parameter counts.
    public func describe(indent: String = "") -> String {
        var s = indent + summary
        if children.isEmpty { return s }
        s += " {\n"
        for (name, c) in children { s += c.describe(indent: indent + "  ").replacingOccurrences(of: indent + "  ", with: indent + "  [\(name)] ", options: .anchored) + "\n" }
        return s + indent + "}"
    }
}

/// Where modules without an explicit generator draw their initial weights: a fixed stream, split
/// once per module created, so a script builds the same network every time it runs.
public enum DefaultInit {
    private static let counter = Mutex(0)
    public static func next(_ kind: String) -> RNG {
        let k = counter.withLock { c -> Int in c += 1; return c }
        return RNG(seed: 0x6e6e).split(kind, k)
    }
}
