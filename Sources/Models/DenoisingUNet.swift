import Autograd
import Foundation
import NN
import Tensor

/// ε̂(x_t, t, class) for side × side grey images: a small U-Net in the manner of Ho et al.'s
/// (without attention). With C = `channels`:
///
///     input conv 1 → C (3×3)
///     down:  res(C → C) at side        ─ skip ─┐   then a stride-2 3×3 conv to side/2
///            res(C → 2C) at side/2    ─ skip ─┐│   then a stride-2 3×3 conv to side/4
///     middle: res(2C → 2C) at side/4          ││
///     up:    transposed 4×4 conv to side/2, joined to its skip → res(4C → 2C)
///            transposed 4×4 conv to side,   joined to its skip → res(3C → C)
///     output: group norm, GELU, conv C → 1 (3×3)
///
/// Each residual block is norm → GELU → 3×3 conv, plus a projection of the step (and class)
/// embedding added per channel, then norm → GELU → 3×3 conv, added to its input (through a 1×1
/// conv when the channels change). Group norms have 8 groups. The step embedding is the sinusoidal
/// one through Linear(E, 4C) → GELU → Linear(4C, 4C); a class's learned embedding (4C) is added to
/// it. Pixels in [0, 1] are mapped to [−1, 1] for the network and back (clipped) for samples.
final class DenoisingUNet: Module, Denoiser {
    let side: Int, channels: Int, classes: Int?
    let time: TimeEmbedding
    private let timeIn: Linear, timeOut: Linear, classEmbedding: Embedding?
    private let input: Conv2d, output: Conv2d, outputNorm: GroupNorm
    private let down1: ResidualBlock, down2: ResidualBlock, middle: ResidualBlock, up2: ResidualBlock, up1: ResidualBlock
    private let reduce1: Conv2d, reduce2: Conv2d, enlarge2: Conv2d, enlarge1: Conv2d

    init(side: Int, channels c: Int, embedding: Int, classes: Int?, rng: RNG) throws {
        self.side = side; self.channels = c; self.classes = classes
        time = TimeEmbedding(width: embedding)
        let tw = 4 * c
        timeIn = try Linear(embedding, tw, rng: rng.split("time.1"))
        timeOut = try Linear(tw, tw, rng: rng.split("time.2"))
        classEmbedding = try classes.map { try Embedding($0, tw, rng: rng.split("class")) }
        input = try Conv2d(1, c, kernel: 3, padding: 1, rng: rng.split("input"))
        down1 = try ResidualBlock(c, c, timeWidth: tw, rng: rng.split("down1"))
        reduce1 = try Conv2d(c, c, kernel: 3, stride: 2, padding: 1, rng: rng.split("reduce1"))
        down2 = try ResidualBlock(c, 2 * c, timeWidth: tw, rng: rng.split("down2"))
        reduce2 = try Conv2d(2 * c, 2 * c, kernel: 3, stride: 2, padding: 1, rng: rng.split("reduce2"))
        middle = try ResidualBlock(2 * c, 2 * c, timeWidth: tw, rng: rng.split("middle"))
        enlarge2 = try Conv2d(2 * c, 2 * c, kernel: 4, stride: 2, padding: 1, transposed: true, rng: rng.split("enlarge2"))
        up2 = try ResidualBlock(4 * c, 2 * c, timeWidth: tw, rng: rng.split("up2"))
        enlarge1 = try Conv2d(2 * c, 2 * c, kernel: 4, stride: 2, padding: 1, transposed: true, rng: rng.split("enlarge1"))
        up1 = try ResidualBlock(3 * c, c, timeWidth: tw, rng: rng.split("up1"))
        outputNorm = try GroupNorm(ResidualBlock.groups, c)
        output = try Conv2d(c, 1, kernel: 3, padding: 1, rng: rng.split("output"))
        super.init(kind: "denoiser")
        for (name, m) in [("time.1", timeIn), ("time.2", timeOut), ("input", input), ("down1", down1), ("reduce1", reduce1),
                          ("down2", down2), ("reduce2", reduce2), ("middle", middle), ("enlarge2", enlarge2), ("up2", up2),
                          ("enlarge1", enlarge1), ("up1", up1), ("output_norm", outputNorm), ("output", output)] as [(String, Module)] {
            addChild(name, m)
        }
        if let e = classEmbedding { addChild("class", e) }
    }

    override var summary: String { "denoising u-net (\(side)×\(side), \(channels) channels\(classes.map { ", \($0) classes" } ?? ""))" }

    var trainable: [Tensor] { parameters() }

    func toNetwork(_ x: Tensor, fit: Bool) throws -> Tensor { try x.binary(.mul, Tensor.scalar(2, like: x)).binary(.sub, Tensor.scalar(1, like: x)) }

    func fromNetwork(_ z: Tensor) throws -> Tensor {
        try z.binary(.add, Tensor.scalar(1, like: z)).binary(.mul, Tensor.scalar(0.5, like: z))
            .binary(.maximum, Tensor.scalar(0, like: z)).binary(.minimum, Tensor.scalar(1, like: z))
    }

    func clipRange() throws -> (lo: Tensor, hi: Tensor) {
        (try Tensor.full([side * side], -1, dtype: .float32), try Tensor.full([side * side], 1, dtype: .float32))
    }

    func predict(_ x: Tensor, _ ts: [Int], _ labels: [Int], steps: Int) throws -> Tensor {
        let n = x.shape[0]
        var emb = try timeOut.forward(Diff.unary(.gelu, timeIn.forward(time.rows(ts, steps: steps))))
        if let e = classEmbedding { emb = try Diff.add(emb, e.forward(Tensor(labels.map { Int64($0) }))) }
        emb = try Diff.unary(.gelu, emb)
        let h0 = try input.forward(Diff.reshape(x, [n, 1, side, side]))
        let s1 = try down1.forward(h0, emb)
        let s2 = try down2.forward(reduce1.forward(s1), emb)
        var h = try middle.forward(reduce2.forward(s2), emb)
        h = try up2.forward(Diff.cat([enlarge2.forward(h), s2], dim: 1), emb)
        h = try up1.forward(Diff.cat([enlarge1.forward(h), s1], dim: 1), emb)
        h = try output.forward(Diff.unary(.gelu, outputNorm.forward(h)))
        return try Diff.reshape(h, [n, side * side])
    }
}

/// norm → GELU → conv, + the embedding's projection per channel, norm → GELU → conv, + the input.
final class ResidualBlock: Module {
    static let groups = 8
    let cin: Int, cout: Int
    private let norm1: GroupNorm, conv1: Conv2d, project: Linear, norm2: GroupNorm, conv2: Conv2d, skip: Conv2d?

    init(_ cin: Int, _ cout: Int, timeWidth: Int, rng: RNG) throws {
        self.cin = cin; self.cout = cout
        norm1 = try GroupNorm(ResidualBlock.groups, cin)
        conv1 = try Conv2d(cin, cout, kernel: 3, padding: 1, rng: rng.split("conv1"))
        project = try Linear(timeWidth, cout, rng: rng.split("time"))
        norm2 = try GroupNorm(ResidualBlock.groups, cout)
        conv2 = try Conv2d(cout, cout, kernel: 3, padding: 1, rng: rng.split("conv2"))
        skip = cin == cout ? nil : try Conv2d(cin, cout, kernel: 1, rng: rng.split("skip"))
        super.init(kind: "residual")
        for (name, m) in [("norm1", norm1), ("conv1", conv1), ("time", project), ("norm2", norm2), ("conv2", conv2)] as [(String, Module)] {
            addChild(name, m)
        }
        if let skip { addChild("skip", skip) }
    }

    override var summary: String { "residual(\(cin) → \(cout))" }

    func forward(_ x: Tensor, _ emb: Tensor) throws -> Tensor {
        var h = try conv1.forward(Diff.unary(.gelu, norm1.forward(x)))
        h = try Diff.add(h, Diff.reshape(project.forward(emb), [x.shape[0], cout, 1, 1]))
        h = try conv2.forward(Diff.unary(.gelu, norm2.forward(h)))
        return try Diff.add(h, skip?.forward(x) ?? x)
    }
}
