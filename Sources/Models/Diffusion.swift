import Autograd
import Foundation
import NN
import Tensor

/// A denoising diffusion probabilistic model (Ho et al. 2020) of points or of images: a network
/// learns to predict the noise ε in x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε (mean squared error, t
/// uniform on 1…T) and sampling runs the learned reverse process from x_T ~ N(0, I) — ancestral
/// sampling (T steps) or DDIM (Song et al. 2021, deterministic, η = 0, on an evenly spaced
/// subsequence).
///
/// Points (`data = .points`): rows of an n × d tensor, standardised per column (the training
/// data's mean and standard deviation, kept with the weights) and samples mapped back; the network
/// is a time-conditioned MLP ([x | sinusoidal embedding of t] → GELU layers → ε̂). The model works in
/// float32 and returns float64. DDIM clips its estimate of x_0 to the training data's range
/// widened by half of it on each side (Ho et al. clip to the pixel range): at t = T, where √ᾱ_T is
/// tiny, the estimate amplifies the network's error.
/// Metrics on held-out points: `energy` (the energy distance between them and as many samples;
/// 0 when the distributions agree), `kde_nll` (their mean negative log-likelihood under a Gaussian
/// KDE of `kdeSamples` samples with Scott's factor as bandwidth, h = n^(−1/(d+4)) as scikit-learn's
/// "scott", not scaled by the data's spread; reported as `kde_bandwidth`)
/// and `denoise_mse` (the training loss on them, with a fixed stream of t and ε).
///
/// Images (`data = .images`): rows of side² pixels in [0, 1] (and the class, 1-based, as one more
/// column when `classes` is set: a class-conditional model), mapped to [−1, 1]; the network is a
/// small time- (and class-) conditioned U-Net (`DenoisingUNet`); both samplers clip x̂_0 to [−1, 1]
/// (ancestral sampling through the posterior's mean at the clipped x̂_0) and samples to [0, 1]. Metrics on held-out images: `denoise_mse`, and with a feature
/// space `fid` (the test images against as many samples, of the test images' classes).
public final class DiffusionModel: GenerativeModel, WeightCheckpointing, SamplerChoosing, LabelConditional, ImageSampling {
    public enum Sampler: String, CaseIterable, Sendable { case ancestral, ddim }
    /// The variance of ancestral sampling's steps: β_t (exact when the data are N(0, I), which the
    /// standardised data approach) or the posterior's β̃_t (exact for a single point; it shrinks
    /// the samples' spread when T is small: −6% in the variance of a Gaussian at T = 100).
    public enum Variance: String, CaseIterable, Sendable { case beta, posterior }
    /// What the rows are.
    public enum DataKind: String, CaseIterable, Sendable { case points, images }

    /// Everything that configures a diffusion model.
    public struct Options {
        public var data = DataKind.points
        /// Diffusion steps T.
        public var steps = 100
        public var schedule = NoiseSchedule.Kind.linear
        /// Points: hidden units and hidden layers of the MLP.
        public var hidden = 128
        public var layers = 3
        /// Width of the time embedding.
        public var embedding = 64
        /// Images: side × side pixels, the U-Net's base channels (a multiple of 8), and the classes
        /// of a class-conditional model (nil: rows are pixels only).
        public var side = 28
        public var channels = 32
        public var classes: Int? = nil
        /// Adam steps of `batch` rows drawn with replacement.
        public var iterations = 3000
        public var batch = 256
        public var lr = 3e-3
        public var sampler = Sampler.ancestral
        public var variance = Variance.beta
        /// DDIM's number of steps (an evenly spaced subsequence of 1…T; at most T).
        public var samplerSteps = 50
        /// Points: samples the KDE of the `kde_nll` metric is fitted on.
        public var kdeSamples = 2000
        /// Images: with a feature space, evaluate() adds `fid`.
        public var fid: ImageFeatures? = nil
        public init() {}
        /// The defaults for a kind of data: those above for points; for images (a U-Net step costs
        /// ~100× an MLP's) 1000 iterations of batch 32, DDIM over 20 steps, and ancestral steps with
        /// the posterior's variance (Ho et al.'s choice for images: data on a manifold, not N(0, I)).
        public init(data: DataKind) {
            self.data = data
            if data == .images { iterations = 1000; batch = 32; sampler = .ddim; samplerSteps = 20; variance = .posterior }
        }
    }

    public let options: Options
    public let schedule: NoiseSchedule
    public let family = "diffusion"
    private var net: Denoiser?
    /// Values per row the network sees (a point's coordinates, an image's pixels); 0 for points before fit.
    private var dim = 0

    public init(_ options: Options) throws {
        let o = options
        guard o.embedding >= 2, o.embedding % 2 == 0 else { throw ModelError("diffusion: embedding must be an even number ≥ 2, got \(o.embedding)") }
        switch o.data {
        case .points:
            guard o.hidden >= 1, o.layers >= 1 else { throw ModelError("diffusion: hidden and layers must be ≥ 1, got hidden \(o.hidden), layers \(o.layers)") }
            guard o.classes == nil, o.fid == nil else { throw ModelError("diffusion: classes and fid are options of data = \"images\"") }
        case .images:
            guard o.side >= 4, o.side % 4 == 0, o.side <= 256 else { throw ModelError("diffusion: the U-Net halves the image twice, so side must be a multiple of 4 in 4…256, got \(o.side)") }
            guard o.channels >= 8, o.channels % 8 == 0, o.channels <= 1024 else { throw ModelError("diffusion: channels must be a multiple of 8 (the group norms' groups) in 8…1024, got \(o.channels)") }
            if let c = o.classes { guard c >= 1, c <= 1 << 16 else { throw ModelError("diffusion: classes must be in 1…\(1 << 16), got \(c)") } }
            if let f = o.fid, f.side != o.side { throw ModelError("diffusion: the fid features are for \(f.side)×\(f.side) images, the model's are \(o.side)×\(o.side)") }
        }
        guard o.iterations >= 1, o.batch >= 1 else { throw ModelError("diffusion: iterations and batch must be ≥ 1, got \(o.iterations), \(o.batch)") }
        guard o.lr > 0, o.lr.isFinite else { throw ModelError("diffusion: lr must be a positive number, got \(o.lr)") }
        guard o.samplerSteps >= 1 else { throw ModelError("diffusion: sampler_steps must be ≥ 1, got \(o.samplerSteps)") }
        guard o.kdeSamples >= 2, o.kdeSamples <= 1 << 22 else { throw ModelError("diffusion: kde_samples must be in 2…\(1 << 22), got \(o.kdeSamples)") }
        schedule = try NoiseSchedule(o.schedule, steps: o.steps)
        self.options = o
        if o.data == .images { dim = o.side * o.side }
    }

    var images: Bool { options.data == .images }
    /// How rows hold images (the image model).
    var imageRows: ImageRows { ImageRows(side: options.side, classes: options.classes, model: "diffusion") }

    public var configuration: [String: String] {
        let o = options
        var c = ["family": family, "data": o.data.rawValue, "steps": "\(o.steps)", "schedule": o.schedule.rawValue, "embedding": "\(o.embedding)",
                 "iterations": "\(o.iterations)", "batch": "\(o.batch)", "lr": "\(o.lr)", "sampler": o.sampler.rawValue,
                 "variance": o.variance.rawValue, "sampler_steps": "\(o.samplerSteps)"]
        if images {
            c["side"] = "\(o.side)"; c["channels"] = "\(o.channels)"
            if let k = o.classes { c["classes"] = "\(k)" }
            if let f = o.fid { c["fid_features"] = Checksum.hex(f.fingerprint) }
        } else {
            c["hidden"] = "\(o.hidden)"; c["layers"] = "\(o.layers)"; c["kde_samples"] = "\(o.kdeSamples)"
        }
        return c
    }

    public func fresh() throws -> GenerativeModel { try DiffusionModel(options) }

    /// The network, once fitted.
    public var network: Module? { net }

    public var labelClasses: Int? { images ? options.classes : nil }

    public func saveWeights(to path: String) throws { try fitted().save(to: path) }

    public func loadWeights(from path: String) throws {
        if images {
            let net = try makeNetwork(dim: dim, rng: RNG(seed: 0))
            try net.load(from: path)
            self.net = net
            return
        }
        let (tensors, _) = try Safetensors.load(path)
        guard let first = tensors.first(where: { $0.0 == "input.weight" })?.1, first.rank == 2,
              first.shape[1] > options.embedding else { throw ModelError("diffusion: '\(path)' holds no diffusion network of this configuration") }
        let d = first.shape[1] - options.embedding
        let net = try makeNetwork(dim: d, rng: RNG(seed: 0))
        try net.load(from: path)
        self.net = net
        dim = d
    }

    /// The network for rows of `dim` values.
    func makeNetwork(dim: Int, rng: RNG) throws -> Denoiser {
        let o = options
        return images ? try DenoisingUNet(side: o.side, channels: o.channels, embedding: o.embedding, classes: o.classes, rng: rng)
                      : try DenoisingMLP(dim: dim, o, rng: rng)
    }

    func fitted() throws -> Denoiser {
        guard let net else { throw ModelError("diffusion: the model is not fitted yet (call fit first)") }
        return net
    }

    /// The values (float32 n × dim, the data's scale) and 0-based labels of rows, checked.
    func split(_ data: Tensor, what: String) throws -> (x: Tensor, labels: [Int]) {
        if images { return try imageRows.split(data, what: what) }
        guard data.rank == 2, data.shape[1] >= 1 else { throw ModelError("diffusion: the \(what) data must be an n×d tensor of points, got shape \(describeShape(data.shape))") }
        guard data.dtype.isFloatingPoint || data.dtype == .int64 else { throw ModelError("diffusion: the \(what) points must be numbers") }
        let x = try data.astype(.float32).contiguous()
        let big = Double(Float.greatestFiniteMagnitude)
        guard try x.allWithin(-big, big) else {
            throw ModelError("diffusion: the \(what) points hold NaN or infinite values (or values beyond float32's range)")
        }
        return (x, [])
    }

    // MARK: fit

    public func fit(_ data: Tensor) throws { try fit(data, rng: RNG(seed: 0)) }

    /// Adam on the noise-prediction loss, its learning rate decaying from lr to lr/100 along a
    /// cosine: each step draws `batch` rows (with replacement), a step t uniform on 1…T and noise ε
    /// for each.
    public func fit(_ data: Tensor, rng: RNG) throws {
        let (x, labels) = try split(data, what: "training")
        let n = x.shape[0], d = x.shape[1]
        guard n >= 1 else { throw ModelError("diffusion: no training \(images ? "images" : "points")") }
        try MemoryPolicy.checkCount(options.batch, bytesPerItem: 4 * d * (images ? 128 * options.channels : 8), what: "batch")
        let net = try makeNetwork(dim: d, rng: rng.split("init"))
        let z = try net.toNetwork(x, fit: true)
        let opt = try Adam(net.trainable, lr: options.lr)
        let lr = try Schedule(kind: .cosine, lr: options.lr, warmup: 0, total: options.iterations, minLR: options.lr / 100)
        let draws = rng.split("batches")
        for step in 0..<options.iterations {
            opt.lr = lr(step + 1)
            let idx = (0..<options.batch).map { _ in Int(draws.below(UInt64(n))) }
            let ts = (0..<options.batch).map { _ in 1 + Int(draws.below(UInt64(schedule.steps))) }
            let eps = try rng.split("noise", step).normal([options.batch, d], dtype: .float32)
            let loss = try denoisingLoss(net, z.rows(idx), ts, labels.isEmpty ? [] : idx.map { labels[$0] }, eps)
            opt.zeroGrad()
            try Autograd.backward(loss)
            do { try opt.step() } catch { throw ModelError("diffusion: training step \(step + 1): \(error)") }
        }
        self.net = net
        dim = d
    }

    /// mean ‖ε̂(x_t, t) − ε‖² / d over the rows, x_t noised from x0 with ε at steps ts.
    func denoisingLoss(_ net: Denoiser, _ x0: Tensor, _ ts: [Int], _ labels: [Int], _ eps: Tensor) throws -> Tensor {
        let a = try Tensor(ts.map { Float(schedule.alphaBar($0).squareRoot()) }, shape: [ts.count, 1])
        let s = try Tensor(ts.map { Float((1 - schedule.alphaBar($0)).squareRoot()) }, shape: [ts.count, 1])
        let xt = try x0.binary(.mul, a).binary(.add, eps.binary(.mul, s))
        return try Loss.mse(net.predict(xt, ts, labels, steps: schedule.steps), eps)
    }

    // MARK: sample

    /// n rows from the reverse process, with the model's sampler (an image model's classes balanced).
    public func sample(_ n: Int, rng: RNG) throws -> Tensor {
        try sample(n, rng: rng, sampler: options.sampler, steps: options.samplerSteps, labels: nil)
    }

    public func sample(_ n: Int, labels: [Int]?, rng: RNG) throws -> Tensor {
        try sample(n, rng: rng, sampler: options.sampler, steps: options.samplerSteps, labels: labels)
    }

    public func sample(_ n: Int, rng: RNG, sampler: String?, steps: Int?, labels: [Int]?) throws -> Tensor {
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
        return try sample(n, rng: rng, sampler: kind, steps: steps ?? options.samplerSteps, labels: labels)
    }

    /// n rows: ancestral sampling over all T steps, or DDIM (η = 0) over `steps` of them; an
    /// image model's samples are of the given 0-based classes (nil: balanced), as rows [pixels | label].
    public func sample(_ n: Int, rng: RNG, sampler: Sampler, steps: Int, labels: [Int]? = nil) throws -> Tensor {
        let net = try fitted()
        guard n >= 0 else { throw ModelError("diffusion: cannot draw \(n) samples") }
        guard steps >= 1 else { throw ModelError("diffusion: the sampler needs ≥ 1 steps, got \(steps)") }
        try MemoryPolicy.checkCount(n, bytesPerItem: 8 * dim + 8, what: "n")
        var classes: [Int] = []
        if images, options.classes != nil {
            classes = labels ?? imageRows.balanced(n) ?? []
            try imageRows.check(classes, n: n)
        } else if labels != nil {
            throw ModelError("diffusion: labels are for a class-conditional model of images (data = \"images\", classes = …)")
        }
        let out = try Tensor(uninitialized: [n, dim], dtype: images ? .float32 : .float64)
        let chunk = images ? 256 : 4096
        let clip = try net.clipRange()
        try GradMode.disabled {
            var start = 0, part = 0
            while start < n {
                let m = min(chunk, n - start)
                let r = rng.split("chunk", part)
                let ys = classes.isEmpty ? [] : Array(classes[start..<(start + m)])
                // ancestral sampling clips images (to the pixel range), not points
                let z = try DiffusionModel.reverse(try r.normal([m, dim], dtype: .float32), schedule: schedule, sampler: sampler, steps: steps,
                                                   variance: options.variance, clip: sampler == .ddim || images ? clip : nil, rng: r) { x, t in
                    try net.predict(x, [Int](repeating: t, count: x.shape[0]), ys, steps: self.schedule.steps)
                }
                try out.narrow(0, start, start + m).copy_(net.fromNetwork(z))
                start += m; part += 1
            }
        }
        return images ? try imageRows.rows(out, labels: classes.isEmpty ? nil : classes) : out
    }

    /// An image model's grid: 8 samples per class, a class per row, or 8 × 8 samples; nil for points.
    public func sampleGrid(rng: RNG) throws -> (images: Tensor, columns: Int)? {
        guard images else { return nil }
        let (labels, count) = imageRows.gridLabels()
        return (try sample(count, labels: labels, rng: rng).narrow(1, 0, dim), 8)
    }

    /// The reverse process from x_T (rows) with a noise predictor ε̂(x, t): ancestral sampling over
    /// all T steps (x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) · ε̂) / √(1 − β_t) + σ_t · z, σ_t² = β_t or β̃_t,
    /// no noise at t = 1; with `clip`, the mean is the posterior's at x̂_0 clipped, which is the
    /// same mean where the clip does not bind),
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
        /// x̂_0 = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t, clipped when a box is given.
        func estimate(_ x: Tensor, _ e: Tensor, _ ab: Double) throws -> Tensor {
            let x0 = try scaled(x.binary(.sub, scaled(e, (1 - ab).squareRoot())), 1 / ab.squareRoot())
            guard let clip else { return x0 }
            return try x0.binary(.maximum, clip.lo).binary(.minimum, clip.hi)
        }
        switch sampler {
        case .ancestral:
            for t in stride(from: schedule.steps, through: 1, by: -1) {
                let e = try predict(x, t)
                let b = schedule.beta(t), ab = schedule.alphaBar(t)
                if clip != nil {
                    // the posterior's mean at the estimate of x_0, clipped (Ho et al.'s images)
                    let x0 = try estimate(x, e, ab)
                    let (c0, ct) = schedule.posteriorMeanCoefficients(t)
                    x = try scaled(x0, c0).binary(.add, scaled(x, ct))
                } else {
                    x = try scaled(x.binary(.sub, scaled(e, b / (1 - ab).squareRoot())), 1 / (1 - b).squareRoot())
                }
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
                let x0 = try estimate(x, e, ab)
                x = try scaled(x0, abPrev.squareRoot()).binary(.add, scaled(e, (1 - abPrev).squareRoot()))
            }
        }
        return x
    }

    public func logProb(_ x: Tensor) throws -> Tensor {
        throw ModelError("diffusion: the log-likelihood has no closed form; evaluate() reports " + (images ? "denoise_mse and fid" : "kde_nll (held-out points under a KDE of samples) and the energy distance"))
    }

    // MARK: evaluate

    public func evaluate(_ test: Tensor) throws -> [Metric] {
        let net = try fitted()
        let (y, labels) = try split(test, what: "test")
        guard y.shape[1] == dim else { throw ModelError("diffusion: the test points have \(y.shape[1]) columns, the model's \(dim)") }
        let m = y.shape[0]
        guard m >= 2 else { throw ModelError("diffusion: evaluation needs at least 2 test rows, got \(m)") }
        let streams = RNG(seed: 0xd1ff)
        // the training loss on the test rows, with fixed t and ε
        let noise = streams.split("denoise")
        let ts = (0..<m).map { _ in 1 + Int(noise.below(UInt64(schedule.steps))) }
        let eps = try noise.normal([m, dim], dtype: .float32)
        var mse = 0.0, start = 0
        try GradMode.disabled {
            while start < m {
                let e = min(m, start + 1000), part = Array(start..<e)
                let loss = try denoisingLoss(net, try net.toNetwork(y.narrow(0, start, e), fit: false), Array(ts[start..<e]),
                                             labels.isEmpty ? [] : part.map { labels[$0] }, eps.narrow(0, start, e))
                mse += try loss.item() * Double(e - start)
                start = e
            }
        }
        let denoise = Metric("denoise_mse", mse / Double(m))
        if images {
            guard let f = options.fid else { return [denoise] }
            // as many samples as test images (a conditional model: of the test images' classes)
            let samples = try sample(m, rng: streams.split("samples"), sampler: options.sampler, steps: options.samplerSteps,
                                     labels: labels.isEmpty ? nil : labels).narrow(1, 0, dim)
            return [denoise, Metric("fid", try f.fid(y, samples))]
        }
        let samples = try sample(max(m, options.kdeSamples), rng: streams.split("samples"))
        let energy = try DiffusionModel.energyDistance(y.astype(.float64), samples.narrow(0, 0, m))
        let kde = try KDEModel(bandwidth: .scott)
        try kde.fit(samples.narrow(0, 0, options.kdeSamples))
        let nll = -(try kde.logProb(y.astype(.float64)).reduce(.sum).item()) / Double(m)
        return [Metric("energy", energy), Metric("kde_nll", nll), Metric("kde_bandwidth", kde.bandwidth), denoise]
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
