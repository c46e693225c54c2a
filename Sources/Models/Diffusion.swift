import Autograd
import Foundation
import NN
import Tensor

/// A denoising diffusion probabilistic model (Ho et al. 2020) of points: a network learns to
/// predict the noise ε in x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε (mean squared error, t uniform on 1…T)
/// and sampling runs the learned reverse process from x_T ~ N(0, I) — ancestral sampling (T steps,
/// variance β̃_t) or DDIM (Song et al. 2021, deterministic, η = 0, on an evenly spaced subsequence).
///
/// The network for points is a time-conditioned MLP: [x | sinusoidal embedding of t] → hidden
/// layers with GELU → ε̂. Rows are points (n × d); they are standardised per column (the training
/// data's mean and standard deviation, kept with the weights) and samples mapped back. The model
/// works in float32 and returns float64. DDIM clips its estimate of x_0 to the training data's
/// range widened by half of it on each side (Ho et al. clip to the pixel range): at t = T, where
/// √ᾱ_T is tiny, the estimate amplifies the network's error.
/// Metrics on held-out points: `energy` (the energy distance between them and as many samples;
/// 0 when the distributions agree), `kde_nll` (their mean negative log-likelihood under a Gaussian
/// KDE of `kdeSamples` samples with Scott's factor as bandwidth, h = n^(−1/(d+4)) as scikit-learn's
/// "scott", not scaled by the data's spread; reported as `kde_bandwidth`)
/// and `denoise_mse` (the training loss on them, with a fixed stream of t and ε).
public final class DiffusionModel: GenerativeModel, WeightCheckpointing, SamplerChoosing {
    public enum Sampler: String, CaseIterable, Sendable { case ancestral, ddim }
    /// The variance of ancestral sampling's steps: β_t (exact when the data are N(0, I), which the
    /// standardised data approach) or the posterior's β̃_t (exact for a single point; it shrinks
    /// the samples' spread when T is small: −6% in the variance of a Gaussian at T = 100).
    public enum Variance: String, CaseIterable, Sendable { case beta, posterior }

    /// Everything that configures a diffusion model.
    public struct Options {
        /// Diffusion steps T.
        public var steps = 100
        public var schedule = NoiseSchedule.Kind.linear
        /// Hidden units and hidden layers of the MLP; width of the time embedding.
        public var hidden = 128
        public var layers = 3
        public var embedding = 64
        /// Adam steps of `batch` rows drawn with replacement.
        public var iterations = 3000
        public var batch = 256
        public var lr = 3e-3
        public var sampler = Sampler.ancestral
        public var variance = Variance.beta
        /// DDIM's number of steps (an evenly spaced subsequence of 1…T; at most T).
        public var samplerSteps = 50
        /// Samples the KDE of the `kde_nll` metric is fitted on.
        public var kdeSamples = 2000
        public init() {}
    }

    public let options: Options
    public let schedule: NoiseSchedule
    public let family = "diffusion"
    private var net: DenoisingMLP?
    private var dim = 0

    public init(_ options: Options) throws {
        let o = options
        guard o.hidden >= 1, o.layers >= 1, o.embedding >= 2, o.embedding % 2 == 0 else {
            throw ModelError("diffusion: hidden and layers must be ≥ 1 and embedding an even number ≥ 2, got hidden \(o.hidden), layers \(o.layers), embedding \(o.embedding)")
        }
        guard o.iterations >= 1, o.batch >= 1 else { throw ModelError("diffusion: iterations and batch must be ≥ 1, got \(o.iterations), \(o.batch)") }
        guard o.lr > 0, o.lr.isFinite else { throw ModelError("diffusion: lr must be a positive number, got \(o.lr)") }
        guard o.samplerSteps >= 1 else { throw ModelError("diffusion: sampler_steps must be ≥ 1, got \(o.samplerSteps)") }
        guard o.kdeSamples >= 2, o.kdeSamples <= 1 << 22 else { throw ModelError("diffusion: kde_samples must be in 2…\(1 << 22), got \(o.kdeSamples)") }
        schedule = try NoiseSchedule(o.schedule, steps: o.steps)
        self.options = o
    }

    public var configuration: [String: String] {
        let o = options
        return ["family": family, "data": "points", "steps": "\(o.steps)", "schedule": o.schedule.rawValue, "hidden": "\(o.hidden)",
                "layers": "\(o.layers)", "embedding": "\(o.embedding)", "iterations": "\(o.iterations)", "batch": "\(o.batch)",
                "lr": "\(o.lr)", "sampler": o.sampler.rawValue, "variance": o.variance.rawValue, "sampler_steps": "\(o.samplerSteps)", "kde_samples": "\(o.kdeSamples)"]
    }

    public func fresh() throws -> GenerativeModel { try DiffusionModel(options) }

    /// The network, once fitted.
    public var network: Module? { net }

    public func saveWeights(to path: String) throws { try fitted().save(to: path) }

    public func loadWeights(from path: String) throws {
        let (tensors, _) = try Safetensors.load(path)
        guard let first = tensors.first(where: { $0.0 == "input.weight" })?.1, first.rank == 2,
              first.shape[1] > options.embedding else { throw ModelError("diffusion: '\(path)' holds no diffusion network of this configuration") }
        let d = first.shape[1] - options.embedding
        let net = try DenoisingMLP(dim: d, options, rng: RNG(seed: 0))
        try net.load(from: path)
        self.net = net
        dim = d
    }

    func fitted() throws -> DenoisingMLP {
        guard let net else { throw ModelError("diffusion: the model is not fitted yet (call fit first)") }
        return net
    }

    func points(_ data: Tensor, what: String) throws -> Tensor {
        guard data.rank == 2, data.shape[1] >= 1 else { throw ModelError("diffusion: the \(what) data must be an n×d tensor of points, got shape \(describeShape(data.shape))") }
        guard data.dtype.isFloatingPoint || data.dtype == .int64 else { throw ModelError("diffusion: the \(what) points must be numbers") }
        let x = try data.astype(.float32).contiguous()
        let big = Double(Float.greatestFiniteMagnitude)
        guard try x.allWithin(-big, big) else {
            throw ModelError("diffusion: the \(what) points hold NaN or infinite values (or values beyond float32's range)")
        }
        return x
    }

    // MARK: fit

    public func fit(_ data: Tensor) throws { try fit(data, rng: RNG(seed: 0)) }

    /// Adam on the noise-prediction loss, its learning rate decaying from lr to lr/100 along a
    /// cosine: each step draws `batch` rows (with replacement), a step t uniform on 1…T and noise ε
    /// for each.
    public func fit(_ data: Tensor, rng: RNG) throws {
        let x = try points(data, what: "training")
        let n = x.shape[0], d = x.shape[1]
        guard n >= 1 else { throw ModelError("diffusion: no training points") }
        let net = try DenoisingMLP(dim: d, options, rng: rng.split("init"))
        let z = try net.standardise(x)
        let opt = try Adam(net.trainable, lr: options.lr)
        let lr = try Schedule(kind: .cosine, lr: options.lr, warmup: 0, total: options.iterations, minLR: options.lr / 100)
        let draws = rng.split("batches")
        for step in 0..<options.iterations {
            opt.lr = lr(step + 1)
            let idx = (0..<options.batch).map { _ in Int(draws.below(UInt64(n))) }
            let ts = (0..<options.batch).map { _ in 1 + Int(draws.below(UInt64(schedule.steps))) }
            let eps = try rng.split("noise", step).normal([options.batch, d], dtype: .float32)
            let loss = try denoisingLoss(net, z.rows(idx), ts, eps)
            opt.zeroGrad()
            try Autograd.backward(loss)
            do { try opt.step() } catch { throw ModelError("diffusion: training step \(step + 1): \(error)") }
        }
        self.net = net
        dim = d
    }

    /// mean ‖ε̂(x_t, t) − ε‖² / d over the rows, x_t noised from x0 with ε at steps ts.
    func denoisingLoss(_ net: DenoisingMLP, _ x0: Tensor, _ ts: [Int], _ eps: Tensor) throws -> Tensor {
        let a = try Tensor(ts.map { Float(schedule.alphaBar($0).squareRoot()) }, shape: [ts.count, 1])
        let s = try Tensor(ts.map { Float((1 - schedule.alphaBar($0)).squareRoot()) }, shape: [ts.count, 1])
        let xt = try x0.binary(.mul, a).binary(.add, eps.binary(.mul, s))
        return try Loss.mse(net.predict(xt, ts, steps: schedule.steps), eps)
    }

    // MARK: sample

    /// n points from the reverse process, with the model's sampler.
    public func sample(_ n: Int, rng: RNG) throws -> Tensor {
        try sample(n, rng: rng, sampler: options.sampler, steps: options.samplerSteps)
    }

    public func sample(_ n: Int, rng: RNG, sampler: String?, steps: Int?) throws -> Tensor {
        var kind = options.sampler
        if let sampler {
            guard let k = Sampler(rawValue: sampler) else {
                throw ModelError("diffusion: sampler must be " + Sampler.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ") + ", got \"\(sampler)\"")
            }
            kind = k
        }
        if kind == .ancestral, let steps, steps != schedule.steps {
            throw ModelError("diffusion: ancestral sampling runs all \(schedule.steps) steps; choose sampler = \"ddim\" for \(steps)")
        }
        return try sample(n, rng: rng, sampler: kind, steps: steps ?? options.samplerSteps)
    }

    /// n points: ancestral sampling over all T steps, or DDIM (η = 0) over `steps` of them.
    public func sample(_ n: Int, rng: RNG, sampler: Sampler, steps: Int) throws -> Tensor {
        let net = try fitted()
        guard n >= 0 else { throw ModelError("diffusion: cannot draw \(n) samples") }
        guard steps >= 1 else { throw ModelError("diffusion: the sampler needs ≥ 1 steps, got \(steps)") }
        let out = try Tensor(uninitialized: [n, dim], dtype: .float64)
        let chunk = 4096
        try GradMode.disabled {
            var start = 0, part = 0
            while start < n {
                let m = min(chunk, n - start)
                let r = rng.split("chunk", part)
                let z = try DiffusionModel.reverse(try r.normal([m, dim], dtype: .float32), schedule: schedule, sampler: sampler, steps: steps,
                                                   variance: options.variance, clip: try net.clipRange(), rng: r) { x, t in
                    try net.predict(x, [Int](repeating: t, count: x.shape[0]), steps: self.schedule.steps)
                }
                try out.narrow(0, start, start + m).copy_(net.unstandardise(z).astype(.float64))
                start += m; part += 1
            }
        }
        return out
    }

    /// The reverse process from x_T (rows) with a noise predictor ε̂(x, t): ancestral sampling over
    /// all T steps (x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) · ε̂) / √(1 − β_t) + σ_t · z, σ_t² = β_t or β̃_t,
    /// no noise at t = 1),
    /// or DDIM with η = 0 over an evenly spaced subsequence of `steps` steps
    /// (x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, clipped to `clip` when given; x_prev = √ᾱ_prev · x̂_0 +
    /// √(1 − ᾱ_prev) · ε̂).
    /// The noise z comes from rng.split("z", t).
    public static func reverse(_ start: Tensor, schedule: NoiseSchedule, sampler: Sampler, steps: Int, variance: Variance = .beta,
                               clip: (lo: Tensor, hi: Tensor)? = nil, rng: RNG,
                               predict: (Tensor, Int) throws -> Tensor) throws -> Tensor {
        var x = start
        let (m, d) = (start.shape[0], start.shape[1])
        func scaled(_ t: Tensor, _ c: Double) throws -> Tensor { try t.binary(.mul, Tensor.scalar(c, like: t)) }
        switch sampler {
        case .ancestral:
            for t in stride(from: schedule.steps, through: 1, by: -1) {
                let e = try predict(x, t)
                let b = schedule.beta(t), ab = schedule.alphaBar(t)
                x = try scaled(x.binary(.sub, scaled(e, b / (1 - ab).squareRoot())), 1 / (1 - b).squareRoot())
                if t > 1 {
                    let z = try rng.split("z", t).normal([m, d], dtype: x.dtype)
                    let v = variance == .beta ? schedule.beta(t) : schedule.posteriorVariance(t)
                    x = try x.binary(.add, scaled(z, v.squareRoot()))
                }
            }
        case .ddim:
            let taus = schedule.subsequence(steps)
            for i in stride(from: taus.count - 1, through: 0, by: -1) {
                let t = taus[i], prev = i > 0 ? taus[i - 1] : 0
                let e = try predict(x, t)
                let ab = schedule.alphaBar(t), abPrev = schedule.alphaBar(prev)
                var x0 = try scaled(x.binary(.sub, scaled(e, (1 - ab).squareRoot())), 1 / ab.squareRoot())
                if let clip { x0 = try x0.binary(.maximum, clip.lo).binary(.minimum, clip.hi) }
                x = try scaled(x0, abPrev.squareRoot()).binary(.add, scaled(e, (1 - abPrev).squareRoot()))
            }
        }
        return x
    }

    public func logProb(_ x: Tensor) throws -> Tensor {
        throw ModelError("diffusion: the log-likelihood has no closed form; evaluate() reports kde_nll (held-out points under a KDE of samples) and the energy distance")
    }

    // MARK: evaluate

    public func evaluate(_ test: Tensor) throws -> [Metric] {
        let net = try fitted()
        let y = try points(test, what: "test")
        guard y.shape[1] == dim else { throw ModelError("diffusion: the test points have \(y.shape[1]) columns, the model's \(dim)") }
        let m = y.shape[0]
        guard m >= 2 else { throw ModelError("diffusion: evaluation needs at least 2 test points, got \(m)") }
        let streams = RNG(seed: 0xd1ff)
        let samples = try sample(max(m, options.kdeSamples), rng: streams.split("samples"))
        let energy = try DiffusionModel.energyDistance(y.astype(.float64), samples.narrow(0, 0, m))
        let kde = try KDEModel(bandwidth: .scott)
        try kde.fit(samples.narrow(0, 0, options.kdeSamples))
        let nll = -(try kde.logProb(y.astype(.float64)).reduce(.sum).item()) / Double(m)
        // the training loss on the test points, with fixed t and ε
        let noise = streams.split("denoise")
        let ts = (0..<m).map { _ in 1 + Int(noise.below(UInt64(schedule.steps))) }
        let eps = try noise.normal([m, dim], dtype: .float32)
        let mse = try GradMode.disabled { try denoisingLoss(net, try net.standardise(y, fit: false), ts, eps).item() }
        return [Metric("energy", energy), Metric("kde_nll", nll), Metric("kde_bandwidth", kde.bandwidth), Metric("denoise_mse", mse)]
    }

    /// The energy distance 2·E‖X − Y‖ − E‖X − X′‖ − E‖Y − Y′‖ between the rows of a and b
    /// (float64), the within-sample means over distinct pairs (U-statistics): 0 in expectation
    /// when both are drawn from one distribution, positive otherwise.
    public static func energyDistance(_ a: Tensor, _ b: Tensor) throws -> Double {
        let (n, m, d) = (a.shape[0], b.shape[0], a.shape[1])
        guard n >= 2, m >= 2, b.shape[1] == d else { throw ModelError("energy distance: need two n×d point sets with n ≥ 2") }
        let x = try a.contiguous().toDoubles(), y = try b.contiguous().toDoubles()
        func mean(_ p: [Double], _ np: Int, _ q: [Double], _ nq: Int, distinct: Bool) -> Double {
            var total = 0.0
            for i in 0..<np {
                for j in (distinct ? i + 1 : 0)..<nq {
                    var s = 0.0
                    for k in 0..<d { let v = p[i * d + k] - q[j * d + k]; s += v * v }
                    total += s.squareRoot()
                }
            }
            return total / (distinct ? Double(np * (np - 1) / 2) : Double(np * nq))
        }
        return 2 * mean(x, n, y, m, distinct: false) - mean(x, n, x, n, distinct: true) - mean(y, m, y, m, distinct: true)
    }
}

/// ε̂(x_t, t): [x | sinusoidal embedding of t] → `layers` GELU layers of `hidden` units → d outputs.
final class DenoisingMLP: Module {
    let embedding: Int
    private var layers: [Module] = []

    /// The training data's per-column mean and standard deviation, and the range of the
    /// standardised data (saved with the weights; not trained).
    let mean: Tensor, std: Tensor, lo: Tensor, hi: Tensor

    init(dim: Int, _ o: DiffusionModel.Options, rng: RNG) throws {
        embedding = o.embedding
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

    override var summary: String { "denoising mlp (time embedding \(embedding))" }

    /// The parameters the optimiser updates (not the data's statistics).
    var trainable: [Tensor] { namedParameters().filter { !$0.0.hasPrefix("data.") }.map { $0.1 } }

    /// (x − mean) / std; with `fit`, first sets mean, std (a constant column gets 1) and the range.
    func standardise(_ x: Tensor, fit: Bool = true) throws -> Tensor {
        if fit {
            let n = Double(x.shape[0]), d = x.shape[1], v = try x.toDoubles()
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

    /// Rows sin(t·ω_k), cos(t·ω_k) with ω_k = 10000^(−k/(E/2)), t scaled to 0…1000 whatever T is:
    /// a table with a row per step 0…T, computed once per T.
    private var table: (steps: Int, rows: Tensor)?
    func timeEmbedding(_ ts: [Int], steps: Int) throws -> Tensor {
        if table?.steps != steps {
            let half = embedding / 2
            let w = (0..<half).map { Foundation.pow(10000, -Double($0) / Double(half)) }
            var v = [Float](repeating: 0, count: (steps + 1) * embedding)
            for t in 0...steps {
                let s = Double(t) * 1000 / Double(steps)
                for k in 0..<half { v[t * embedding + k] = Float(Foundation.sin(s * w[k])); v[t * embedding + half + k] = Float(Foundation.cos(s * w[k])) }
            }
            table = (steps, try Tensor(v, shape: [steps + 1, embedding]))
        }
        return try table!.rows.rows(ts)
    }

    func predict(_ x: Tensor, _ ts: [Int], steps: Int) throws -> Tensor {
        var h = try Diff.cat([x, timeEmbedding(ts, steps: steps)], dim: 1)
        for l in layers { h = try l.forward(h) }
        return h
    }
}
