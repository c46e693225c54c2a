import Autograd
import Foundation
import NN
import Tensor

/// A variational autoencoder on images with a Bernoulli decoder, the VAE of Gerstgrasser et al.
/// (`mlp`: 784-400-(20, 20) / 20-400-784, ReLU) or Yi et al.'s conditional convolutional VAE
/// (`cvae-conv`: two stride-2 convolutions with GELU, the one-hot label joined to the features and
/// to the latent code, two transposed convolutions back).
///
/// Rows are flattened images with values in [0, 1] (side × side columns); the conditional model's
/// rows carry the class as one more column, 1-based, as Lua counts (`[pixels | label]`), and its
/// samples carry theirs. Synthetic images are the decoder's Bernoulli means, not binary draws.
/// The loss is the negative ELBO in nats per image: the binary cross-entropy summed over pixels
/// plus the KL divergence of the encoder's Gaussian from N(0, I), one reparameterised draw.
public final class VAEModel: GenerativeModel, LabelConditional, WeightCheckpointing, ImageSampling {
    public enum Arch: String, CaseIterable, Sendable { case mlp, cvaeConv = "cvae-conv" }

    /// Everything that configures a VAE (the defaults are the papers').
    public struct Options {
        public var arch = Arch.mlp
        public var latent = 20
        /// Hidden units of the mlp architecture.
        public var hidden = 400
        /// Classes of the conditional model (labels 1…classes).
        public var classes = 10
        /// Images are side × side.
        public var side = 28
        /// Passes over the training data (the most, with early stopping).
        public var epochs = 1
        public var batch = 128
        public var lr = 1e-3
        /// Fraction of the training rows held out to stop early (0: no early stopping).
        public var validation = 0.0
        /// Epochs without a better held-out NELBO before training stops (with validation > 0).
        public var patience = 5
        /// With a feature space, evaluate() adds `fid`: test images against as many samples.
        public var fid: ImageFeatures? = nil
        public init() {}
    }

    public let options: Options
    public let family = "vae"
    private var net: VAENetwork?
    /// Epochs trained and whether early stopping ended the fit (for reports).
    public private(set) var epochsRun = 0

    public init(_ options: Options) throws {
        let o = options
        guard o.latent >= 1, o.hidden >= 1, o.side >= 1 else { throw ModelError("vae: latent, hidden and side must be ≥ 1") }
        guard o.epochs >= 1, o.batch >= 1 else { throw ModelError("vae: epochs and batch must be ≥ 1, got epochs \(o.epochs), batch \(o.batch)") }
        guard o.lr > 0, o.lr.isFinite else { throw ModelError("vae: lr must be a positive number, got \(o.lr)") }
        guard o.validation >= 0, o.validation < 1 else { throw ModelError("vae: validation must be a fraction in [0, 1), got \(o.validation)") }
        guard o.patience >= 1 else { throw ModelError("vae: patience must be ≥ 1, got \(o.patience)") }
        if o.arch == .cvaeConv {
            guard o.side % 4 == 0 else { throw ModelError("vae: cvae-conv halves the image twice, so side must be a multiple of 4, got \(o.side)") }
            guard o.classes >= 1 else { throw ModelError("vae: classes must be ≥ 1") }
        }
        self.options = o
    }

    public var conditional: Bool { options.arch == .cvaeConv }
    /// Columns of a row: the pixels, and the label for the conditional model.
    public var columns: Int { options.side * options.side + (conditional ? 1 : 0) }

    public var configuration: [String: String] {
        let o = options
        var c = ["family": family, "arch": o.arch.rawValue, "latent": "\(o.latent)", "side": "\(o.side)", "epochs": "\(o.epochs)",
                 "batch": "\(o.batch)", "lr": "\(o.lr)", "validation": "\(o.validation)", "patience": "\(o.patience)"]
        if o.arch == .mlp { c["hidden"] = "\(o.hidden)" } else { c["classes"] = "\(o.classes)" }
        if let f = o.fid { c["fid_features"] = Checksum.hex(f.fingerprint) }
        return c
    }

    public func fresh() throws -> GenerativeModel { try VAEModel(options) }

    /// The network, once fitted (for saving weights and for scripts that look inside).
    public var network: Module? { net }

    public var labelClasses: Int? { conditional ? options.classes : nil }

    public func saveWeights(to path: String) throws { try fitted().save(to: path) }

    public func loadWeights(from path: String) throws {
        let net = try VAENetwork(options, rng: RNG(seed: 0))
        try net.load(from: path)
        net.setTraining(false)
        self.net = net
    }

    // MARK: data

    /// How rows hold images (and labels, for the conditional model).
    var imageRows: ImageRows { ImageRows(side: options.side, classes: conditional ? options.classes : nil, model: "vae (\(options.arch.rawValue))") }

    /// Pixels (float32 n × side²) and 0-based labels of rows, checked.
    func split(_ data: Tensor, what: String) throws -> (x: Tensor, labels: [Int]) { try imageRows.split(data, what: what) }

    // MARK: fit

    public func fit(_ data: Tensor) throws { try fit(data, rng: RNG(seed: 0)) }

    /// Adam over shuffled mini-batches for `epochs` passes; with `validation`, the best weights on
    /// the held-out rows are kept and training stops after `patience` epochs without improvement.
    public func fit(_ data: Tensor, rng: RNG) throws {
        let (x0, labels0) = try split(data, what: "training")
        let n0 = x0.shape[0]
        guard n0 >= 1 else { throw ModelError("vae: no training rows") }
        let net = try VAENetwork(options, rng: rng.split("init"))
        // Held-out rows for early stopping: a seeded subset, never trained on.
        var trainIdx = Array(0..<n0), heldIdx: [Int] = []
        if options.validation > 0 {
            let k = Int((Double(n0) * options.validation).rounded())
            guard k >= 1, k < n0 else { throw ModelError("vae: validation = \(options.validation) of \(n0) rows leaves no held-out or no training rows") }
            let perm = try rng.split("validation").permutation(n0)
            heldIdx = Array(perm.prefix(k)).sorted(); trainIdx = Array(perm.dropFirst(k)).sorted()
        }
        let x = heldIdx.isEmpty ? x0 : try x0.rows(trainIdx)
        let labels = heldIdx.isEmpty || !conditional ? labels0 : trainIdx.map { labels0[$0] }
        let held = heldIdx.isEmpty ? nil : (try x0.rows(heldIdx), conditional ? heldIdx.map { labels0[$0] } : [])
        let n = x.shape[0], latent = options.latent, patience = options.patience, conditional = self.conditional
        var best = Double.infinity, bestWeights: [Tensor]? = nil, sinceBest = 0
        var noise = rng.split("noise", 0), noiseEpoch = 0
        epochsRun = 0
        net.setTraining(true)
        try MiniBatches.train(net.parameters(), lr: options.lr, rows: n, batch: options.batch, epochs: options.epochs, rng: rng, loss: { idx, epoch in
            if epoch != noiseEpoch { noise = rng.split("noise", epoch); noiseEpoch = epoch }
            let eps = try noise.normal([idx.count, latent], dtype: .float32)
            let terms = try net.loss(x.rows(idx), conditional ? idx.map { labels[$0] } : [], eps: eps)
            return try Diff.div(Diff.add(terms.bce, terms.kl), Tensor.scalar(Double(idx.count), like: terms.bce))
        }, afterEpoch: { epoch in
            epochsRun = epoch + 1
            guard let (hx, hy) = held else { return true }
            let score = try VAEModel.nelbo(net, hx, hy, latent: latent, batch: options.batch).nelbo
            if score < best {
                best = score; sinceBest = 0
                bestWeights = try net.parameters().map { try $0.clone() }
                return true
            }
            sinceBest += 1
            return sinceBest < patience
        })
        if let w = bestWeights {
            try GradMode.disabled { for (p, v) in zip(net.parameters(), w) { try p.copy_(v) } }
        }
        net.setTraining(false)
        self.net = net
    }

    // MARK: sample and evaluate

    func fitted() throws -> VAENetwork {
        guard let net else { throw ModelError("vae: the model is not fitted yet (call fit first)") }
        return net
    }

    /// n images as the decoder's Bernoulli means for z ~ N(0, I); the conditional model's labels
    /// cycle through the classes (balanced: n/classes each, the first n mod classes one more).
    public func sample(_ n: Int, rng: RNG) throws -> Tensor {
        try MemoryPolicy.checkCount(n, bytesPerItem: 4 * columns + 8, what: "n")     // before the labels are listed
        return try sample(n, labels: imageRows.balanced(n), rng: rng)
    }

    /// n images for the given 0-based labels (the conditional model), rows `[pixels | label]`.
    public func sample(_ n: Int, labels: [Int]?, rng: RNG) throws -> Tensor {
        let net = try fitted()
        guard n >= 0 else { throw ModelError("vae: cannot draw \(n) samples") }
        if let labels {
            guard conditional else { throw ModelError("vae: labels are for the conditional model (arch \"cvae-conv\")") }
            try imageRows.check(labels, n: n)
        }
        let p = options.side * options.side
        let out = try Tensor(uninitialized: [n, columns], dtype: .float32)
        let chunk = 1024
        try GradMode.disabled {
            var start = 0
            while start < n {
                let m = min(chunk, n - start)
                let z = try rng.normal([m, options.latent], dtype: .float32)
                let ys = labels.map { Array($0[start..<(start + m)]) } ?? []
                let means = try net.decode(z, ys).unary(.sigmoid)
                try out.narrow(0, start, start + m).narrow(1, 0, p).copy_(means.reshape([m, p]))
                if conditional {
                    try out.narrow(0, start, start + m).select(1, p).copy_(Tensor(ys.map { Float($0 + 1) }))
                }
                start += m
            }
        }
        return out
    }

    /// The decoder's Bernoulli means (n × side², float32) for latent codes z (n × latent) and,
    /// for the conditional model, 0-based labels: what `sample` returns for z ~ N(0, I).
    public func decodeMeans(_ z: Tensor, labels: [Int] = []) throws -> Tensor {
        let net = try fitted()
        guard z.rank == 2, z.shape[1] == options.latent else { throw ModelError("vae: latent codes must be n × \(options.latent), got \(describeShape(z.shape))") }
        guard labels.count == (conditional ? z.shape[0] : 0) else { throw ModelError("vae: \(labels.count) labels for \(z.shape[0]) codes") }
        return try GradMode.disabled { try net.decode(z.astype(.float32), labels).unary(.sigmoid) }
    }

    /// 8 samples per class, a class per row (the conditional model), or 8 × 8 samples.
    public func sampleGrid(rng: RNG) throws -> (images: Tensor, columns: Int)? {
        let (labels, count) = imageRows.gridLabels()
        return (try sample(count, labels: labels, rng: rng).narrow(1, 0, options.side * options.side), 8)
    }

    public func logProb(_ x: Tensor) throws -> Tensor {
        throw ModelError("vae: the log-likelihood has no closed form; evaluate() reports the negative ELBO (nelbo), an upper bound on −log p")
    }

    /// `nelbo` (nats per image) on the test rows, with its parts `bce` (reconstruction) and `kl`;
    /// one reparameterised draw per image from a fixed stream, so the number is reproducible.
    public func evaluate(_ test: Tensor) throws -> [Metric] {
        let net = try fitted()
        let (x, y) = try split(test, what: "test")
        guard x.shape[0] >= 1 else { throw ModelError("vae: no test rows") }
        let r = try VAEModel.nelbo(net, x, y, latent: options.latent, batch: 1000)
        var metrics = [Metric("nelbo", r.nelbo), Metric("bce", r.bce), Metric("kl", r.kl)]
        if let f = options.fid {
            guard f.side == options.side else { throw ModelError("vae: the fid features are for \(f.side)×\(f.side) images, the model's are \(options.side)×\(options.side)") }
            // as many samples as test images (the conditional model: the test images' classes),
            // from a fixed stream
            let p = options.side * options.side
            let samples = try sample(x.shape[0], labels: conditional ? y : nil, rng: RNG(seed: 0xf1d)).narrow(1, 0, p)
            metrics.append(Metric("fid", try f.fid(x, samples)))
        }
        return metrics
    }

    /// Mean NELBO and its parts over rows, in batches, untracked, with a fixed noise stream.
    static func nelbo(_ net: VAENetwork, _ x: Tensor, _ labels: [Int], latent: Int, batch: Int) throws -> (nelbo: Double, bce: Double, kl: Double) {
        let wasTraining = net.training
        net.setTraining(false)
        defer { net.setTraining(wasTraining) }
        let noise = RNG(seed: 0x7e57)
        let n = x.shape[0]
        var bce = 0.0, kl = 0.0, start = 0
        try GradMode.disabled {
            while start < n {
                let m = min(batch, n - start)
                let eps = try noise.normal([m, latent], dtype: .float32)
                let t = try net.loss(x.narrow(0, start, start + m), labels.isEmpty ? [] : Array(labels[start..<(start + m)]), eps: eps)
                bce += try t.bce.item(); kl += try t.kl.item()
                start += m
            }
        }
        return ((bce + kl) / Double(n), bce / Double(n), kl / Double(n))
    }
}

/// The encoder and decoder of a VAE as one module (parameter names as PyTorch's would be).
final class VAENetwork: Module {
    let o: VAEModel.Options
    private var encoder: [Module] = [], decoder: [Module] = []
    private let toMean: Linear, toLogVar: Linear, fromLatent: Linear

    init(_ o: VAEModel.Options, rng: RNG) throws {
        self.o = o
        let p = o.side * o.side
        switch o.arch {
        case .mlp:
            encoder = [try Linear(p, o.hidden, rng: rng.split("fc1")), Activation(.relu)]
            toMean = try Linear(o.hidden, o.latent, rng: rng.split("fc21"))
            toLogVar = try Linear(o.hidden, o.latent, rng: rng.split("fc22"))
            fromLatent = try Linear(o.latent, o.hidden, rng: rng.split("fc3"))
            decoder = [Activation(.relu), try Linear(o.hidden, p, rng: rng.split("fc4"))]
        case .cvaeConv:
            let q = o.side / 4, features = 64 * q * q
            encoder = [try Conv2d(1, 32, kernel: 4, stride: 2, padding: 1, rng: rng.split("enc1")), Activation(.gelu),
                       try Conv2d(32, 64, kernel: 4, stride: 2, padding: 1, rng: rng.split("enc2")), Activation(.gelu), Flatten()]
            toMean = try Linear(features + o.classes, o.latent, rng: rng.split("mu"))
            toLogVar = try Linear(features + o.classes, o.latent, rng: rng.split("logvar"))
            fromLatent = try Linear(o.latent + o.classes, features, rng: rng.split("dec_in"))
            decoder = [try Conv2d(64, 32, kernel: 4, stride: 2, padding: 1, transposed: true, rng: rng.split("dec1")), Activation(.gelu),
                       try Conv2d(32, 1, kernel: 4, stride: 2, padding: 1, transposed: true, rng: rng.split("dec2"))]
        }
        super.init(kind: "vae")
        for (i, m) in encoder.enumerated() { addChild("encoder.\(i + 1)", m) }
        addChild("mu", toMean); addChild("logvar", toLogVar); addChild("latent", fromLatent)
        for (i, m) in decoder.enumerated() { addChild("decoder.\(i + 1)", m) }
    }

    override var summary: String { "vae(\(o.arch.rawValue), latent \(o.latent))" }

    /// One-hot rows (float32 n × classes) for 0-based labels.
    func oneHot(_ labels: [Int]) throws -> Tensor {
        var v = [Float](repeating: 0, count: labels.count * o.classes)
        for (i, l) in labels.enumerated() { v[i * o.classes + l] = 1 }
        return try Tensor(v, shape: [labels.count, o.classes])
    }

    func encode(_ x: Tensor, _ labels: [Int]) throws -> (mean: Tensor, logVar: Tensor) {
        var h = o.arch == .mlp ? x : try x.reshape([x.shape[0], 1, o.side, o.side])
        for m in encoder { h = try m.forward(h) }
        if o.arch == .cvaeConv { h = try Diff.cat([h, oneHot(labels)], dim: 1) }
        return (try toMean.forward(h), try toLogVar.forward(h))
    }

    /// Logits of the pixels, n × side².
    func decode(_ z: Tensor, _ labels: [Int]) throws -> Tensor {
        var h: Tensor
        if o.arch == .cvaeConv {
            let q = o.side / 4
            h = try Diff.reshape(fromLatent.forward(Diff.cat([z, oneHot(labels)], dim: 1)), [z.shape[0], 64, q, q])
        } else {
            h = try fromLatent.forward(z)
        }
        for m in decoder { h = try m.forward(h) }
        return try Diff.reshape(h, [z.shape[0], o.side * o.side])
    }

    /// The batch's summed reconstruction cross-entropy and KL divergence (nats), for noise eps.
    func loss(_ x: Tensor, _ labels: [Int], eps: Tensor) throws -> (bce: Tensor, kl: Tensor) {
        let (mu, logVar) = try encode(x, labels)
        let std = try Diff.unary(.exp, Diff.mul(logVar, Tensor.scalar(0.5, like: logVar)))
        let z = try Diff.add(mu, Diff.mul(std, eps))
        let bce = try Loss.bceWithLogits(decode(z, labels), x, reduction: .sum)
        // KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ (1 + log σ² − μ² − σ²)
        let inner = try Diff.sub(Diff.sub(Diff.add(logVar, Tensor.scalar(1, like: logVar)), Diff.mul(mu, mu)), Diff.unary(.exp, logVar))
        let kl = try Diff.mul(Diff.sum(inner), Tensor.scalar(-0.5, like: logVar))
        return (bce, kl)
    }
}
