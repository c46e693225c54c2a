import CLua
import Foundation
import Models
import Tensor

/// `ouro.models.*`: factories, and the methods every model userdata has.
enum ModelBindings {
    static let featuresKind = "ouro.ImageFeatures"

    static func install(_ host: LuaHost) {
        host.registerClass(kind: Userdata.model, display: "Model", methods: methods, meta: [
            Binding("__tostring", "") { a in a.lua.push("ouro.models.\(try a.model(1).family)"); return 1 },
        ])
        host.registerClass(kind: discriminatorKind, display: "Discriminator", methods: discriminatorMethods, meta: [
            Binding("__tostring", "") { a in
                let d = try discriminator(a, 1)
                a.lua.push("ouro.models.discriminator(\(d.side * d.side) → \(d.hidden) → \(d.hidden) → 1)"); return 1
            },
        ])
        host.registerClass(kind: featuresKind, display: "ImageFeatures", methods: featureMethods, meta: [
            Binding("__tostring", "") { a in
                let f = try features(a, 1)
                a.lua.push("ouro.models.fid_features(\(f.side)×\(f.side), \(ImageFeatures.width) features, \(Checksum.hex(f.fingerprint)))"); return 1
            },
        ])
        GPTBindings.install(host)
        host.pushLibrary("ouro.models", factories + [GPTBindings.factory])
    }

    static func pushModel(_ a: Args, _ m: GenerativeModel) -> Int32 {
        Userdata.push(a.lua, m, kind: Userdata.model)
        return 1
    }

    /// Reads `truth = {mean=, cov=}` from an options table at i.
    static func truth(_ a: Args, _ i: Int32) throws -> (mean: Tensor, cov: Tensor)? {
        guard let t = a.option(i, "truth") else { return nil }
        defer { a.lua.pop() }
        guard a.lua.type(t) == LUA_TTABLE else { throw a.error(i, "truth must be a table {mean=, cov=}") }
        try a.checkOptions(t, ["mean", "cov"], what: "truth")
        a.lua.rawField(t, "mean"); a.lua.rawField(t, "cov")
        defer { a.lua.pop(2) }
        guard let m = try Userdata.object(a.lua, -2, Userdata.tensor) as? Tensor,
              let c = try Userdata.object(a.lua, -1, Userdata.tensor) as? Tensor else {
            throw a.error(i, "truth needs tensors mean (d) and cov (d×d)")
        }
        return (m, c)
    }

    static let factories: [Binding] = [
        Binding("gaussian", "ouro.models.gaussian{covariance=\"mle\"|\"unbiased\", jitter=0, truth={mean=, cov=}} — a multivariate Gaussian; with truth, evaluate() adds mean_sq_err, cov_trace_ratio, cov_det_ratio and kl.") { a in
            try a.checkOptions(1, ["covariance", "jitter", "truth"])
            var est = GaussianModel.CovarianceEstimator.mle
            if let at = a.option(1, "covariance") {
                defer { a.lua.pop() }
                guard let s = a.lua.toString(at), let e = GaussianModel.CovarianceEstimator(rawValue: s) else {
                    throw a.error(1, "covariance must be \"mle\" or \"unbiased\"")
                }
                est = e
            }
            let jitter = try a.optNumberField(1, "jitter") ?? 0
            guard a.lua.isNoneOrNil(1) || a.isTable(1) else { throw a.expected(1, "options table") }
            return pushModel(a, try GaussianModel(estimator: est, jitter: jitter, truth: try truth(a, 1)))
        },
        Binding("linear_regression", "ouro.models.linear_regression{noise=σ, truth={w=}, covariates=\"fixed\"|\"fresh\"} — OLS (minimum-norm when under-determined) with Gaussian label noise: m:fit(x, y), m:predict(x), m:sample(x, rng) → y; evaluate({x | y} rows) gives test_mse (against x·w* with truth) and param_sq_err.") { a in
            try a.checkOptions(1, ["noise", "truth", "covariates"])
            var w: Tensor?
            if let at = a.option(1, "truth") {
                defer { a.lua.pop() }
                guard a.lua.type(at) == LUA_TTABLE else { throw a.error(1, "truth must be {w = tensor}") }
                try a.checkOptions(at, ["w"], what: "truth")
                guard let t = try LoopBindings.tensorField(a, at, "w") else { throw a.error(1, "truth must be {w = tensor}") }
                w = t
            }
            let cov = try a.optStringField(1, "covariates") ?? "fixed"
            guard cov == "fixed" || cov == "fresh" else { throw a.error(1, "covariates must be \"fixed\" or \"fresh\"") }
            return pushModel(a, try LinearRegressionModel(noise: try a.optNumberField(1, "noise") ?? 1, truth: w, freshCovariates: cov == "fresh"))
        },
        Binding("kde", "ouro.models.kde{bandwidth = h | \"scott\" | \"silverman\"} — a Gaussian kernel density estimate (bandwidth rules as scikit-learn's); evaluate() gives nll, the mean negative log-likelihood per point.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["bandwidth"])
            var rule = KDEModel.Bandwidth.fixed(0.1)
            if let at = a.option(1, "bandwidth") {
                defer { a.lua.pop() }
                if let h = a.lua.toNumber(at) { rule = .fixed(h) }
                else if a.lua.toString(at) == "scott" { rule = .scott }
                else if a.lua.toString(at) == "silverman" { rule = .silverman }
                else { throw a.error(1, "bandwidth must be a positive number, \"scott\" or \"silverman\"") }
            }
            return pushModel(a, try KDEModel(bandwidth: rule))
        },
        Binding.fileAccess("fid_features", "ouro.models.fid_features{x=, y=, rng=, epochs=1, classes=10, side=28, cache=} — a fixed feature space for FID: a small CNN classifier (two stride-2 convolutions, 128 features) trained once, seeded, on labelled real images (x n × side² in [0, 1], y 1-based classes). With cache = path, a classifier saved there is loaded instead of trained, and a new one is saved there: every run of an experiment then scores in the same space. Pass it to ouro.models.vae{fid = f} or ouro.models.diffusion{data = \"images\", fid = f}.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["x", "y", "rng", "epochs", "classes", "side", "cache"])
            let classes = try a.optIntField(1, "classes") ?? 10, side = try a.optIntField(1, "side") ?? 28
            let cache = try a.optPathField(1, "cache")
            if let cache, FileManager.default.fileExists(atPath: cache) {
                Userdata.push(a.lua, try ImageFeatures(weights: cache, classes: classes, side: side), kind: featuresKind)
                return 1
            }
            guard let x = try LoopBindings.tensorField(a, 1, "x") else { throw a.error(1, "'x' (the real training images) is required") }
            guard let at = a.option(1, "y") else { throw a.error(1, "'y' (their classes, 1-based) is required") }
            let labels = try ModelBindings.classes(a, 1, at: at, count: x.shape.first ?? 0, classes: classes)
            a.lua.pop()
            guard let rat = a.option(1, "rng") else { throw a.error(1, "'rng' is required (a generator, ouro.rng(seed))") }
            let rng = try a.rng(rat)
            a.lua.pop()
            let f = try ImageFeatures(trainedOn: x, labels: labels, classes: classes, side: side, epochs: try a.optIntField(1, "epochs") ?? 1, rng: rng)
            if let cache {
                let dir = (cache as NSString).deletingLastPathComponent
                if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                try f.save(to: cache)
            }
            Userdata.push(a.lua, f, kind: featuresKind)
            return 1
        },
        Binding("discriminator", "ouro.models.discriminator{real=, fake=, rng=, epochs=2, hidden=256, side=28} — an MLP (side² → hidden → hidden → 1, ReLU) trained to tell real image rows from a generator's samples (Yi et al.'s verifier): d:score(rows) gives realness logits, d:accuracy(real, fake). Rows may carry a label column (ignored). See plugins/discriminator.lua.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["real", "fake", "rng", "epochs", "hidden", "side"])
            guard let real = try LoopBindings.tensorField(a, 1, "real") else { throw a.error(1, "'real' (real image rows) is required") }
            guard let fake = try LoopBindings.tensorField(a, 1, "fake") else { throw a.error(1, "'fake' (a generator's samples) is required") }
            guard let rat = a.option(1, "rng") else { throw a.error(1, "'rng' is required (a generator, ouro.rng(seed))") }
            let rng = try a.rng(rat)
            a.lua.pop()
            let d = try ImageDiscriminator(real: real, fake: fake, side: try a.optIntField(1, "side") ?? 28, hidden: try a.optIntField(1, "hidden") ?? 256,
                                           epochs: try a.optIntField(1, "epochs") ?? 2, rng: rng)
            Userdata.push(a.lua, d, kind: discriminatorKind)
            return 1
        },
        Binding("vae", "ouro.models.vae{arch=\"mlp\"|\"cvae-conv\", latent=20, hidden=400, classes=10, side=28, epochs=1, batch=128, lr=1e-3, validation=0, patience=5, fid=} — a VAE on side×side images in [0, 1] with a Bernoulli decoder: mlp (784-400-20, ReLU; rows are pixels) or Yi et al.'s conditional conv VAE (rows are [pixels | label], label 1…classes, see ouro.data.labelled). Adam over shuffled batches; validation = a held-out fraction for early stopping (patience epochs). m:fit(rows, rng), m:sample(n, rng, {labels=}) (the decoder's Bernoulli means; labels balanced by default), evaluate() gives nelbo, bce and kl (nats per image), and fid (the test images against as many samples) with fid = ouro.models.fid_features{...}; m:save(path) / m:load(path) (safetensors).") { a in
            guard a.lua.isNoneOrNil(1) || a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["arch", "latent", "hidden", "classes", "side", "epochs", "batch", "lr", "validation", "patience", "fid"])
            var o = VAEModel.Options()
            o.arch = try a.optEnumField(1, "arch", VAEModel.Arch.self) ?? o.arch
            o.latent = try a.optIntField(1, "latent") ?? o.latent
            o.hidden = try a.optIntField(1, "hidden") ?? o.hidden
            o.classes = try a.optIntField(1, "classes") ?? o.classes
            o.side = try a.optIntField(1, "side") ?? o.side
            o.epochs = try a.optIntField(1, "epochs") ?? o.epochs
            o.batch = try a.optIntField(1, "batch") ?? o.batch
            o.lr = try a.optNumberField(1, "lr") ?? o.lr
            o.validation = try a.optNumberField(1, "validation") ?? o.validation
            o.patience = try a.optIntField(1, "patience") ?? o.patience
            if let at = a.option(1, "fid") {
                defer { a.lua.pop() }
                o.fid = try features(a, at)
            }
            return pushModel(a, try VAEModel(o))
        },
        Binding("diffusion", "ouro.models.diffusion{data=\"points\"|\"images\", steps=100, schedule=\"linear\"|\"cosine\", embedding=64, iterations=3000, batch=256, lr=3e-3, sampler=\"ancestral\"|\"ddim\", sampler_steps=50, variance=\"beta\"|\"posterior\", hidden=128, layers=3, kde_samples=2000, side=28, channels=32, classes=, fid=} — a DDPM: a network learns to predict the noise of x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε (MSE, t uniform on 1…steps; Adam, batch rows drawn with replacement, lr decaying along a cosine to lr/100). Sampling runs the reverse process from N(0, I): ancestral over all steps (step variance β_t, or the posterior's β̃_t, which shrinks the spread at few steps), or DDIM (deterministic) over sampler_steps of them. Points (rows of an n×d tensor, standardised per column and mapped back): a time-conditioned MLP (the point and a sinusoidal embedding of t, `layers` GELU layers of `hidden` units); evaluate() gives energy (the energy distance between the test points and as many samples), kde_nll (the test points' mean negative log-likelihood under a Gaussian KDE, kde_samples samples with bandwidth h = kde_samples^(−1/(d+4)), Scott's factor as in scikit-learn, reported as kde_bandwidth) and denoise_mse (the training loss on the test points). Images (defaults iterations=1000, batch=32, sampler=\"ddim\", sampler_steps=20, variance=\"posterior\"; rows of side² pixels in [0, 1], mapped to [−1, 1]; with classes = K rows are [pixels | label], label 1…K, and the model is class-conditional): a small U-Net (residual blocks with group norm at side, side/2 and side/4, `channels` base channels, a multiple of 8; the step's and class's embedding added in every block); both samplers clip their estimate of x_0 to the pixel range and samples to [0, 1]; evaluate() gives denoise_mse and, with fid = ouro.models.fid_features{...}, fid (the test images against as many samples, of the test images' classes); in ouro.loop with out, the first seed's samples are drawn as a grid (a row per class) in out/samples/gen-XXX.png. m:sample(n, rng, {sampler=, steps=, labels=}); m:save(path) / m:load(path) (safetensors).") { a in
            guard a.lua.isNoneOrNil(1) || a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["data", "steps", "schedule", "hidden", "layers", "embedding", "iterations", "batch", "lr", "sampler", "sampler_steps", "variance",
                                   "kde_samples", "side", "channels", "classes", "fid"])
            var o = DiffusionModel.Options(data: try a.optEnumField(1, "data", DiffusionModel.DataKind.self) ?? .points)
            o.steps = try a.optIntField(1, "steps") ?? o.steps
            o.schedule = try a.optEnumField(1, "schedule", NoiseSchedule.Kind.self) ?? o.schedule
            o.hidden = try a.optIntField(1, "hidden") ?? o.hidden
            o.layers = try a.optIntField(1, "layers") ?? o.layers
            o.embedding = try a.optIntField(1, "embedding") ?? o.embedding
            o.iterations = try a.optIntField(1, "iterations") ?? o.iterations
            o.batch = try a.optIntField(1, "batch") ?? o.batch
            o.lr = try a.optNumberField(1, "lr") ?? o.lr
            o.sampler = try a.optEnumField(1, "sampler", DiffusionModel.Sampler.self) ?? o.sampler
            o.samplerSteps = try a.optIntField(1, "sampler_steps") ?? o.samplerSteps
            o.variance = try a.optEnumField(1, "variance", DiffusionModel.Variance.self) ?? o.variance
            o.kdeSamples = try a.optIntField(1, "kde_samples") ?? o.kdeSamples
            o.side = try a.optIntField(1, "side") ?? o.side
            o.channels = try a.optIntField(1, "channels") ?? o.channels
            o.classes = try a.optIntField(1, "classes")
            if let at = a.option(1, "fid") {
                defer { a.lua.pop() }
                o.fid = try features(a, at)
            }
            return pushModel(a, try DiffusionModel(o))
        },
    ]

    static func features(_ a: Args, _ i: Int32) throws -> ImageFeatures {
        guard let f = try Userdata.object(a.lua, i, featuresKind) as? ImageFeatures else {
            throw a.expected(i, "image features (ouro.models.fid_features)")
        }
        return f
    }

    /// 0-based classes from 1-based labels (a tensor or list), checked.
    /// 0-based classes from the 1-based labels (a tensor or list) at stack slot `at` (default i);
    /// errors name argument i.
    static func classes(_ a: Args, _ i: Int32, at: Int32? = nil, count: Int, classes: Int) throws -> [Int] {
        try LoopBindings.numbers(a.lua, at ?? i, count: count, what: "labels").map { v in
            guard v == v.rounded(), v >= 1, v <= Double(classes) else { throw a.error(i, "labels must be classes 1…\(classes), found \(v)") }
            return Int(v) - 1
        }
    }

    static let discriminatorKind = "ouro.Discriminator"

    static func discriminator(_ a: Args, _ i: Int32) throws -> ImageDiscriminator {
        guard let d = try Userdata.object(a.lua, i, discriminatorKind) as? ImageDiscriminator else {
            throw a.expected(i, "a discriminator (ouro.models.discriminator)")
        }
        return d
    }

    static let discriminatorMethods: [Binding] = [
        Binding("score", "d:score(rows) — each row's realness logit (float64 n; higher looks more real). Rows are images (side² pixels), optionally with a label column.") { a in
            a.push(try discriminator(a, 1).scores(try a.tensor(2)))
        },
        Binding("accuracy", "d:accuracy(real, fake) — the share of rows classified right (real: logit > 0).") { a in
            a.lua.push(try discriminator(a, 1).accuracy(real: try a.tensor(2), fake: try a.tensor(3))); return 1
        },
    ]

    static let featureMethods: [Binding] = [
        Binding("probabilities", "f:probabilities(images) — the underlying classifier's class probabilities (float64 n × classes).") { a in
            a.push(try features(a, 1).probabilities(try a.tensor(2)))
        },
        Binding("fid", "f:fid(a, b) — the Fréchet distance between two sets of images (n × side² in [0, 1]) in this feature space.") { a in
            a.lua.push(try features(a, 1).fid(try a.tensor(2), try a.tensor(3))); return 1
        },
        Binding("features", "f:features(images) — the 128 features of each image (float64 n × 128).") { a in
            a.push(try features(a, 1).features(try a.tensor(2)))
        },
        Binding("accuracy", "f:accuracy(images, y) — the underlying classifier's accuracy on labelled images (y: 1-based classes).") { a in
            let f = try features(a, 1), x = try a.tensor(2)
            a.lua.push(try f.accuracy(x, labels: try classes(a, 3, count: x.shape.first ?? 0, classes: f.classes))); return 1
        },
        Binding.fileAccess("save", "f:save(path) — the classifier's weights as safetensors.") { a in
            try features(a, 1).save(to: try a.path(2)); return 0
        },
    ]

    /// The `labels` option of m:sample: a Lua list or a tensor of 1-based classes, one per sample
    /// (the options table may hold the keys `also` too).
    static func labelsOption(_ a: Args, _ i: Int32, n: Int, model m: GenerativeModel, also: [String] = []) throws -> [Int]? {
        guard a.isTable(i) else {
            if !a.lua.isNoneOrNil(i) { throw a.expected(i, "options table {labels = …}") }
            return nil
        }
        try a.checkOptions(i, ["labels"] + also)
        guard let at = a.option(i, "labels") else { return nil }
        defer { a.lua.pop() }
        guard let c = m as? LabelConditional, let classes = c.labelClasses else {
            throw a.error(i, "labels are for class-conditional models; this \(m.family) has no classes")
        }
        return try ModelBindings.classes(a, i, at: at, count: n, classes: classes)
    }

    static let methods: [Binding] = [
        Binding("bandwidth", "m:bandwidth() — a fitted KDE's kernel bandwidth h.") { a in
            let m = try a.model(1)
            guard let p = m as? ParameterReporting, let h = p.parameters.first(where: { $0.name == "bandwidth" }) else {
                throw LuaError("bandwidth() is defined for fitted models with a bandwidth (kde), not \(m.family)")
            }
            a.lua.push(try h.value.item()); return 1
        },
        Binding("fit", "m:fit(data, rng?) — fits the model to the rows of data (rng: the generator for what the fit draws, for the models that draw); m:fit(x, y) for a regression. Returns m.") { a in
            let m = try a.model(1)
            if let r = m as? ConditionalModel, try Userdata.object(a.lua, 3, Userdata.tensor) != nil {
                try r.fit(x: try a.tensor(2), y: try a.tensor(3))
            } else if !a.lua.isNoneOrNil(3) {
                try m.fit(try a.tensor(2), rng: try a.rng(3))
            } else {
                try m.fit(try a.tensor(2))
            }
            lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("sample", "m:sample(n, rng, {labels=}) — n rows drawn from the fitted model (a class-conditional model draws the given 1-based classes, balanced without labels; a diffusion model takes {sampler = \"ancestral\"|\"ddim\", steps =} too); m:sample(x, rng) — a regression's labels at covariates x.") { a in
            let m = try a.model(1)
            if let r = m as? ConditionalModel, let x = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor {
                return a.push(try r.sample(x: x, rng: try a.rng(3)))
            }
            let n = try a.integer(2), rng = try a.rng(3)
            let labels = try labelsOption(a, 4, n: n, model: m, also: m is SamplerChoosing ? ["sampler", "steps"] : [])
            if let c = m as? SamplerChoosing {
                let sampler = a.isTable(4) ? try a.optStringField(4, "sampler") : nil, steps = a.isTable(4) ? try a.optIntField(4, "steps") : nil
                return a.push(try c.sample(n, rng: rng, sampler: sampler, steps: steps, labels: labels))
            }
            if let labels, let c = m as? LabelConditional {
                return a.push(try c.sample(n, labels: labels, rng: rng))
            }
            return a.push(try m.sample(n, rng: rng))
        },
        Binding.fileAccess("save", "m:save(path) — a fitted neural model's weights as safetensors.") { a in
            let m = try a.model(1)
            guard let w = m as? WeightCheckpointing else { throw LuaError("save() is defined for models with weights (vae, diffusion), not \(m.family)") }
            try w.saveWeights(to: try a.path(2))
            return 0
        },
        Binding.fileAccess("load", "m:load(path) — makes m the fitted model whose weights m:save wrote (same configuration); returns m.") { a in
            let m = try a.model(1)
            guard let w = m as? WeightCheckpointing else { throw LuaError("load() is defined for models with weights (vae, diffusion), not \(m.family)") }
            try w.loadWeights(from: try a.path(2))
            lua_pushvalue(a.lua.L, 1); return 1
        },
        Binding("predict", "m:predict(x) — a regression's predictions x·ŵ.") { a in
            let m = try a.model(1)
            guard let r = m as? ConditionalModel else { throw LuaError("predict() is defined for regression models, not \(m.family)") }
            return a.push(try r.predict(try a.tensor(2)))
        },
        Binding("log_prob", "m:log_prob(x) — log-density of each row of x.") { a in
            a.push(try a.model(1).logProb(try a.tensor(2)))
        },
        Binding("evaluate", "m:evaluate(test) — a table of named metrics on held-out data.") { a in
            let r = try a.model(1).evaluate(try a.tensor(2))
            a.lua.newTable(nrec: r.count)
            for m in r { a.lua.push(m.value); a.lua.setRawField(-2, m.name) }
            return 1
        },
        Binding("family", "m:family() — the model family, e.g. \"gaussian\".") { a in a.lua.push(try a.model(1).family); return 1 },
        Binding("params", "m:params() — the fitted parameters as a table of tensors (gaussian: mean, cov; linear_regression: w; kde: bandwidth, a number); empty before fit.") { a in
            let m = try a.model(1)
            a.lua.newTable()
            for (name, value) in (m as? ParameterReporting)?.parameters ?? [] { _ = try a.pushValue(value); a.lua.setRawField(-2, name) }
            return 1
        },
    ]
}

/// `ouro.theory.*`: the closed forms of DESIGN.md, for plots and tests.
enum TheoryBindings {
    static let functions: [Binding] = [
        Binding("gaussian", "ouro.theory.gaussian{workflow=\"replace\"|\"accumulate\", n=, generations=, trace=1, d=} — expected cov_trace_ratio and mean_sq_err per generation (tensors), MLE covariance, n samples per generation. With d (replace only): cov_log_det_ratio, E log det(Σ̂_t Σ₀⁻¹) = t·(Σᵢ ψ((n−i)/2) + d·log(2/n)), and cov_log_det_ratio_var, its variance for one seed.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["workflow", "n", "generations", "trace", "d"])
            let wf = try a.optStringField(1, "workflow") ?? "replace"
            guard let n = try a.optIntField(1, "n"), let g = try a.optIntField(1, "generations") else {
                throw a.error(1, "needs integer fields n and generations")
            }
            guard g <= 1_000_000 else { throw a.error(1, "generations must be at most 10^6") }
            let trace = try a.optNumberField(1, "trace") ?? 1
            let (ratio, mse) = try Theory.gaussian(workflow: wf, n: n, trace: trace, generations: g)
            a.lua.newTable()
            a.push(try Tensor(ratio)); a.lua.setRawField(-2, "cov_trace_ratio")
            a.push(try Tensor(mse)); a.lua.setRawField(-2, "mean_sq_err")
            if let d = try a.optIntField(1, "d") {
                guard wf == "replace" else { throw a.error(1, "cov_log_det_ratio has a closed form for workflow \"replace\" only; leave out d") }
                let (mean, variance) = try Theory.gaussianLogDet(n: n, d: d, generations: g)
                a.push(try Tensor(mean)); a.lua.setRawField(-2, "cov_log_det_ratio")
                a.push(try Tensor(variance)); a.lua.setRawField(-2, "cov_log_det_ratio_var")
            }
            return 1
        },
        Binding("linear_regression", "ouro.theory.linear_regression{workflow=, d=, T=, sigma2=1, generations=} — expected ‖ŵ_t − w*‖² per generation.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["workflow", "d", "T", "sigma2", "generations"])
            let wf = try a.optStringField(1, "workflow") ?? "replace"
            guard let d = try a.optIntField(1, "d"), let t = try a.optIntField(1, "T"), let g = try a.optIntField(1, "generations") else {
                throw a.error(1, "needs integer fields d, T and generations")
            }
            guard g >= 0 && g <= 1_000_000 else { throw a.error(1, "generations must be in 0..10^6") }
            let s2 = try a.optNumberField(1, "sigma2") ?? 1
            return a.push(try Tensor(try Theory.linearRegression(workflow: wf, d: d, t: t, sigma2: s2, generations: g)))
        },
    ]
}
