import Autograd
import Foundation
import Tensor

/// Uniform(−bound, bound) values: PyTorch's default for linear and convolution layers
/// (kaiming_uniform with a = √5 gives bound = 1/√fan_in, and so does its bias rule).
func uniformInit(_ shape: [Int], bound: Double, rng: RNG, dtype: DType) throws -> Tensor {
    try rng.uniform(shape, lo: -bound, hi: bound, dtype: dtype)
}

/// y = x·Wᵀ + b over the last dimension; W is out × in.
public final class Linear: Module {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Tensor, bias: Tensor?
    public init(_ nin: Int, _ nout: Int, bias: Bool = true, rng: RNG? = nil, dtype: DType = .float32) throws {
        guard nin >= 1, nout >= 1 else { throw TensorError("linear: sizes must be ≥ 1, got \(nin) → \(nout)") }
        inFeatures = nin; outFeatures = nout
        weight = try Tensor.zeros([nout, nin], dtype: dtype)
        self.bias = bias ? try Tensor.zeros([nout], dtype: dtype) : nil
        super.init(kind: "linear")
        addParameter("weight", weight)
        if let b = self.bias { addParameter("bias", b) }
        try initialize(rng: rng ?? DefaultInit.next(kind))
    }
    public override var summary: String { "linear(\(inFeatures) → \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
    public override func reset(rng: RNG) throws {
        let bound = 1 / Double(inFeatures).squareRoot()
        try weight.copy_(uniformInit(weight.shape, bound: bound, rng: rng, dtype: weight.dtype))
        if let b = bias { try b.copy_(uniformInit(b.shape, bound: bound, rng: rng, dtype: b.dtype)) }
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape[x.rank - 1] == inFeatures else {
            throw TensorError("\(summary): expected input with last dimension \(inFeatures), got shape \(describeShape(x.shape))")
        }
        return try Diff.linear(x, weight, bias)
    }
}

/// 2-D convolution (cross-correlation) with a square kernel; weight Cout × Cin × k × k.
public final class Conv2d: Module {
    public let cin: Int, cout: Int, k: Int, stride: Int, padding: Int, transposed: Bool
    public let weight: Tensor, bias: Tensor?
    public init(_ cin: Int, _ cout: Int, kernel k: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true,
                transposed: Bool = false, rng: RNG? = nil, dtype: DType = .float32) throws {
        let name = transposed ? "conv_transpose2d" : "conv2d"
        guard cin >= 1, cout >= 1, k >= 1 else { throw TensorError("\(name): channels and kernel size must be ≥ 1, got \(cin) → \(cout), k \(k)") }
        guard stride >= 1, padding >= 0 else { throw TensorError("\(name): stride must be ≥ 1 and padding ≥ 0, got \(stride), \(padding)") }
        self.cin = cin; self.cout = cout; self.k = k; self.stride = stride; self.padding = padding; self.transposed = transposed
        weight = try Tensor.zeros(transposed ? [cin, cout, k, k] : [cout, cin, k, k], dtype: dtype)
        self.bias = bias ? try Tensor.zeros([cout], dtype: dtype) : nil
        super.init(kind: name)
        addParameter("weight", weight)
        if let b = self.bias { addParameter("bias", b) }
        try initialize(rng: rng ?? DefaultInit.next(kind))
    }
    public override var summary: String { "\(kind)(\(cin) → \(cout), k\(k), s\(stride), p\(padding))" }
    public override func reset(rng: RNG) throws {
        // PyTorch computes fan_in from weight.size(1): Cin·k·k for conv, Cout·k·k for its transpose.
        let bound = 1 / Double(weight.shape[1] * k * k).squareRoot()
        try weight.copy_(uniformInit(weight.shape, bound: bound, rng: rng, dtype: weight.dtype))
        if let b = bias { try b.copy_(uniformInit(b.shape, bound: bound, rng: rng, dtype: b.dtype)) }
    }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 4, x.shape[1] == cin else {
            throw TensorError("\(summary): expected input N×\(cin)×H×W, got shape \(describeShape(x.shape))")
        }
        return transposed ? try Conv.convTranspose2d(x, weight, bias, stride: stride, padding: padding)
                          : try Conv.conv2d(x, weight, bias, stride: stride, padding: padding)
    }
}

/// Layer normalisation over the last dimension, with a learned scale (ones) and shift (zeros).
public final class LayerNorm: Module {
    public let dim: Int, eps: Double
    public let weight: Tensor, bias: Tensor
    public init(_ dim: Int, eps: Double = 1e-5, dtype: DType = .float32) throws {
        guard dim >= 1 else { throw TensorError("layer_norm: size must be ≥ 1, got \(dim)") }
        self.dim = dim; self.eps = eps
        weight = try Tensor.ones([dim], dtype: dtype); bias = try Tensor.zeros([dim], dtype: dtype)
        super.init(kind: "layer_norm")
        addParameter("weight", weight); addParameter("bias", bias)
    }
    public override var summary: String { "layer_norm(\(dim))" }
    public override func reset(rng: RNG) throws { try weight.fill_(1); try bias.fill_(0) }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1, x.shape[x.rank - 1] == dim else {
            throw TensorError("\(summary): expected input with last dimension \(dim), got shape \(describeShape(x.shape))")
        }
        return try LayerNormOp.forward(x, weight: weight, bias: bias, eps: eps)
    }
}

/// Group normalisation (Wu & He 2018) of N × C × … inputs: the channels fall into `groups`
/// consecutive groups, each image's group is normalised to mean 0 and variance 1 over its channels
/// and positions, then every channel is scaled and shifted (learned; ones and zeros at first).
/// One group is layer normalisation over channels and positions; C groups is instance norm.
public final class GroupNorm: Module {
    public let groups: Int, channels: Int, eps: Double
    public let weight: Tensor, bias: Tensor
    public init(_ groups: Int, _ channels: Int, eps: Double = 1e-5, dtype: DType = .float32) throws {
        guard groups >= 1, channels >= 1, channels % groups == 0 else {
            throw TensorError("group_norm: channels must be a positive multiple of groups, got \(channels) channels in \(groups) groups")
        }
        self.groups = groups; self.channels = channels; self.eps = eps
        weight = try Tensor.ones([channels], dtype: dtype); bias = try Tensor.zeros([channels], dtype: dtype)
        super.init(kind: "group_norm")
        addParameter("weight", weight); addParameter("bias", bias)
    }
    public override var summary: String { "group_norm(\(groups) groups, \(channels) channels)" }
    public override func reset(rng: RNG) throws { try weight.fill_(1); try bias.fill_(0) }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 2, x.shape[1] == channels else {
            throw TensorError("\(summary): expected input N×\(channels)×…, got shape \(describeShape(x.shape))")
        }
        return try GroupNormOp.forward(x, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

/// A lookup table: row i of an n × d weight for each (0-based) index; weights N(0, 1).
public final class Embedding: Module {
    public let count: Int, dim: Int
    public let weight: Tensor
    /// The index of the first row as callers count (0 from Swift; 1 when built from Lua).
    public var indexBase: Int64 = 0
    public init(_ n: Int, _ d: Int, rng: RNG? = nil, dtype: DType = .float32) throws {
        guard n >= 1, d >= 1 else { throw TensorError("embedding: sizes must be ≥ 1, got \(n) × \(d)") }
        count = n; dim = d
        weight = try Tensor.zeros([n, d], dtype: dtype)
        super.init(kind: "embedding")
        addParameter("weight", weight)
        try initialize(rng: rng ?? DefaultInit.next(kind))
    }
    public override var summary: String { "embedding(\(count) × \(dim))" }
    public override func reset(rng: RNG) throws { try weight.copy_(rng.normal(weight.shape, dtype: weight.dtype)) }
    /// x: an int64 tensor of 0-based indices, any shape; the result adds a last dimension d.
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.dtype == .int64 else { throw TensorError("\(summary): expected an int64 tensor of indices, got \(x.dtype.rawValue)") }
        let idx = x.toInt64s().map { $0 - indexBase }
        for v in idx where v < 0 || v >= Int64(count) {
            throw TensorError("\(summary): index \(v + indexBase) is outside \(indexBase)..\(Int64(count) - 1 + indexBase)")
        }
        return try Diff.reshape(Diff.indexSelect(weight, 0, idx.map { Int($0) }), x.shape + [dim])
    }
}

/// Zeroes each element with probability p in training mode and scales the rest by 1/(1−p);
/// the identity in evaluation mode. Draws from its own generator (set by `initialize`).
public final class Dropout: Module {
    public let p: Double
    private var rng: RNG
    public init(_ p: Double, rng: RNG? = nil) throws {
        guard p >= 0 && p < 1 else { throw TensorError("dropout: p must be in [0, 1), got \(p)") }
        self.p = p
        self.rng = rng ?? DefaultInit.next("dropout")
        super.init(kind: "dropout")
    }
    public override var summary: String { "dropout(\(p))" }
    public override func reset(rng: RNG) throws { self.rng = rng.split("dropout") }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard training && p > 0 else { return x }
        let keep = try rng.uniform(x.shape, dtype: x.dtype).compare(.ge, Tensor.scalar(p, like: x)).astype(x.dtype)
        return try Diff.mul(x, keep.binary(.mul, Tensor.scalar(1 / (1 - p), like: x)))
    }
}

/// A parameter-free elementwise activation.
public final class Activation: Module {
    public enum Kind: String, CaseIterable { case relu, gelu, tanh, sigmoid, leaky_relu }
    public let which: Kind, slope: Double
    public init(_ which: Kind, slope: Double = 0.01) {
        self.which = which; self.slope = slope
        super.init(kind: which.rawValue)
    }
    public override var summary: String { which == .leaky_relu ? "leaky_relu(\(slope))" : which.rawValue }
    public override func forward(_ x: Tensor) throws -> Tensor {
        switch which {
        case .relu: return try Diff.unary(.relu, x)
        case .gelu: return try Diff.unary(.gelu, x)
        case .tanh: return try Diff.unary(.tanh, x)
        case .sigmoid: return try Diff.unary(.sigmoid, x)
        case .leaky_relu: return try Diff.leakyRelu(x, slope: slope)
        }
    }
}

/// Flattens every dimension after the first (N × … → N × rest).
public final class Flatten: Module {
    public init() { super.init(kind: "flatten") }
    public override func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank >= 1 else { throw TensorError("flatten: needs at least a 1-D input") }
        return try Diff.reshape(x, [x.shape[0], x.count / max(x.shape[0], 1)])
    }
}

/// Modules applied in order; children are named 1, 2, … (as Lua indexes them).
public final class Sequential: Module {
    public private(set) var layers: [Module]
    public init(_ layers: [Module]) {
        self.layers = layers
        super.init(kind: "sequential")
        for (i, m) in layers.enumerated() { addChild(String(i + 1), m) }
    }
    public override var summary: String { "sequential" }
    public override func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for m in layers { h = try m.forward(h) }
        return h
    }
}
