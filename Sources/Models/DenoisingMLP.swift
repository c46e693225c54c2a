import Autograd
import Foundation
import NN
import Tensor

/// ε̂(x_t, t): [x | sinusoidal embedding of t] → `layers` GELU layers of `hidden` units → d outputs.
final class DenoisingMLP: Module, Denoiser {
    let time: TimeEmbedding
    private var layers: [Module] = []

    /// The training data's per-column mean and standard deviation, and the range of the
    /// standardised data (saved with the weights; not trained).
    let mean: Tensor, std: Tensor, lo: Tensor, hi: Tensor

    init(dim: Int, _ o: DiffusionModel.Options, rng: RNG) throws {
        time = TimeEmbedding(width: o.embedding)
        mean = try Tensor.zeros([dim], dtype: .float32); std = try Tensor.ones([dim], dtype: .float32)
        lo = try Tensor.zeros([dim], dtype: .float32); hi = try Tensor.zeros([dim], dtype: .float32)
        super.init(kind: "denoiser")
        for (name, t) in [("data.mean", mean), ("data.std", std), ("data.lo", lo), ("data.hi", hi)] {
            _ = addParameter(name, t)
            t.requiresGrad = false
        }
        var width = dim + o.embedding
        for i in 0..<o.layers {
            let l = try Linear(width, o.hidden, rng: rng.split("layer", i))
            addChild(i == 0 ? "input" : "hidden.\(i)", l)
            layers += [l, Activation(.gelu)]
            width = o.hidden
        }
        let out = try Linear(width, dim, rng: rng.split("output"))
        addChild("output", out)
        layers.append(out)
    }

    override var summary: String { "denoising mlp (time embedding \(time.width))" }

    /// The parameters the optimiser updates (not the data's statistics).
    var trainable: [Tensor] { namedParameters().filter { !$0.0.hasPrefix("data.") }.map { $0.1 } }

    /// (x − mean) / std; with `fit`, first sets mean, std (a constant column gets 1) and the range.
    func standardise(_ x: Tensor, fit: Bool = true) throws -> Tensor {
        if fit {
            let n = Double(x.shape[0]), d = x.shape[1], v = x.toDoubles()
            var m = [Float](repeating: 0, count: d), s = [Float](repeating: 1, count: d)
            for k in 0..<d {
                var sum = 0.0, sq = 0.0
                for i in 0..<x.shape[0] { sum += v[i * d + k] }
                let mk = sum / n
                for i in 0..<x.shape[0] { let u = v[i * d + k] - mk; sq += u * u }
                let sk = (sq / n).squareRoot()
                m[k] = Float(mk); s[k] = sk > 0 && sk.isFinite ? Float(sk) : 1
            }
            try GradMode.disabled { try mean.copy_(Tensor(m)); try std.copy_(Tensor(s)) }
        }
        let z = try x.binary(.sub, mean).binary(.div, std)
        if fit {
            try GradMode.disabled { try lo.copy_(z.reduce(.min, dim: 0)); try hi.copy_(z.reduce(.max, dim: 0)) }
        }
        return z
    }

    func unstandardise(_ z: Tensor) throws -> Tensor { try z.binary(.mul, std).binary(.add, mean) }

    /// The range DDIM clips its estimate of x_0 to: the standardised training data's, widened by half.
    func clipRange() throws -> (lo: Tensor, hi: Tensor) {
        let half = try hi.binary(.sub, lo).binary(.mul, Tensor.scalar(0.5, like: lo))
        return (try lo.binary(.sub, half), try hi.binary(.add, half))
    }

    func toNetwork(_ x: Tensor, fit: Bool) throws -> Tensor { try standardise(x, fit: fit) }
    func fromNetwork(_ z: Tensor) throws -> Tensor { try unstandardise(z) }

    func predict(_ x: Tensor, _ ts: [Int], _ labels: [Int], steps: Int) throws -> Tensor {
        var h = try Diff.cat([x, time.rows(ts, steps: steps)], dim: 1)
        for l in layers { h = try l.forward(h) }
        return h
    }
}
