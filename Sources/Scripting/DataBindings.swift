import CLua
import Data
import Tensor

/// `ouro.data.*`: the KDE task-settings' toy distributions (scikit-learn's parameterisation).
enum DataBindings {
    static func rng(_ a: Args) throws -> RNG {
        guard let at = a.option(1, "rng") else { throw a.error(1, "'rng' is required (a generator, ouro.rng(seed))") }
        defer { a.lua.pop() }
        return try a.rng(at)
    }

    static func count(_ a: Args) throws -> Int {
        guard let n = try a.optIntField(1, "n") else { throw a.error(1, "'n' (the number of points) is required") }
        guard n >= 0 else { throw a.error(1, "'n' must be non-negative, got \(n)") }
        return n
    }

    /// Pushes points and labels (int64, 1-based).
    static func pushLabelled(_ a: Args, _ x: Tensor, _ labels: [Int]) throws -> Int32 {
        a.push(x)
        a.push(try Tensor(labels.map { Int64($0 + 1) }))
        return 2
    }

    /// Pushes {x = N×784 float32 in [0, 1], y = int64 1-based classes, classes = {names}}.
    static func pushImages(_ a: Args, _ d: ImageDataset) throws -> Int32 {
        a.lua.newTable(nrec: 3)
        a.push(d.x); a.lua.setRawField(-2, "x")
        a.push(try d.labels.binary(.add, Tensor(scalar: Int64(1)))); a.lua.setRawField(-2, "y")
        a.lua.newTable(narr: d.classes.count)
        for (k, c) in d.classes.enumerated() { a.lua.push(c); a.lua.setRawIndex(-2, k + 1) }
        a.lua.setRawField(-2, "classes")
        return 1
    }

    static func imageSet(_ name: String, classes: [String], defaultPath: String?) -> Binding {
        let doc = defaultPath != nil
            ? "ouro.data.\(name){split=\"train\"|\"test\", path=} — Fashion-MNIST (Debian's dataset-fashion-mnist by default, or the four original IDX files in path): {x = N×784 float32 in [0, 1], y = int64 classes 1..10, classes = {names}}."
            : "ouro.data.\(name){split=\"train\"|\"test\", path=} — MNIST from the four original IDX files (gzip or not) in the directory path: {x = N×784 float32 in [0, 1], y = int64 classes 1..10 (digit + 1), classes = {\"0\", …, \"9\"}}."
        return Binding.fileAccess(name, doc) { a in
            try a.checkOptions(1, ["split", "path"])
            let split = try a.optStringField(1, "split") ?? "train"
            guard let dir = try a.optPathField(1, "path") ?? defaultPath else { throw a.error(1, "'path' (a directory with the MNIST files) is required") }
            return try pushImages(a, try ImageDataset.load(directory: dir, split: split, classes: classes))
        }
    }

    static let functions: [Binding] = [
        Binding.fileAccess("idx", "ouro.data.idx(path) — the values of an IDX file (MNIST format, gzip or not) as a tensor of its shape (integers as int64, floats as float64).") { a in
            a.push(try IDX.load(try a.path(1)))
        },
        imageSet("fashion_mnist", classes: ImageDataset.fashionClasses, defaultPath: ImageDataset.debianFashionMNIST),
        imageSet("mnist", classes: ImageDataset.digitClasses, defaultPath: nil),
        Binding("labelled", "ouro.data.labelled(x, y) — rows [x | y]: the n×d features with the n labels as one more column (x's float dtype; labels keep their values), the form labelled data take in ouro.loop, where labels travel with their samples.") { a in
            a.push(try Labelled.rows(try a.tensor(1), try a.tensor(2)))
        },
        Binding("balanced", "ouro.data.balanced(y, k, rng) — 1-based indices (int64, increasing) of k rows of each class in the labels y, drawn without replacement: x:rows(idx) is a balanced subset (Yi et al. start from 50 images per class).") { a in
            let y = try a.tensor(1)
            guard y.rank == 1 || (y.rank == 2 && y.shape[1] == 1) else { throw a.error(1, "labels must be a vector, got shape \(describeShape(y.shape))") }
            let labels = try y.toDoubles().map { v -> Int in
                guard v == v.rounded(), abs(v) < 1e15 else { throw a.error(1, "labels must be whole numbers, found \(v)") }
                return Int(v)
            }
            let idx = try Labelled.balanced(labels: labels, k: try a.integer(2), rng: try a.rng(3))
            return a.push(try Tensor(idx.map { Int64($0 + 1) }))
        },
        Binding("blobs", "ouro.data.blobs{n=, centers=3 | k×d tensor, std=1.0, box={-10, 10}, dim=2, rng=} — isotropic Gaussian blobs; returns points, labels (1-based) and the centres (pass them as centers= to draw a test set from the same blobs).") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["n", "centers", "std", "box", "dim", "rng"])
            var centers: Tensor?, k = 3
            if let at = a.option(1, "centers") {
                defer { a.lua.pop() }
                if let t = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor { centers = t }
                else if let v = a.lua.toInteger(at), v >= 1 { k = v }
                else { throw a.error(1, "'centers' must be a positive integer or a k×d tensor") }
            }
            var box = (-10.0, 10.0)
            if let at = a.option(1, "box") {
                defer { a.lua.pop() }
                guard a.lua.type(at) == LUA_TTABLE, a.lua.rawLength(at) == 2 else { throw a.error(1, "'box' must be {lo, hi}") }
                a.lua.rawIndex(at, 1); a.lua.rawIndex(at, 2)
                defer { a.lua.pop(2) }
                guard let lo = a.lua.toNumber(-2), let hi = a.lua.toNumber(-1) else { throw a.error(1, "'box' must hold two numbers") }
                box = (lo, hi)
            }
            let r = try Generators.blobs(n: try count(a), centers: centers, count: k, std: try a.optNumberField(1, "std") ?? 1,
                                         box: box, dim: try a.optIntField(1, "dim") ?? 2, rng: try rng(a))
            _ = try pushLabelled(a, r.x, r.labels)
            a.push(r.centers)
            return 3
        },
        Binding("circles", "ouro.data.circles{n=, noise=0, factor=0.8, rng=} — two concentric circles; returns points and labels (1 outer, 2 inner).") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["n", "noise", "factor", "rng"])
            let r = try Generators.circles(n: try count(a), noise: try a.optNumberField(1, "noise") ?? 0,
                                           factor: try a.optNumberField(1, "factor") ?? 0.8, rng: try rng(a))
            return try pushLabelled(a, r.x, r.labels)
        },
        Binding("moons", "ouro.data.moons{n=, noise=0, rng=} — two interleaving half circles; returns points and labels.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["n", "noise", "rng"])
            let r = try Generators.moons(n: try count(a), noise: try a.optNumberField(1, "noise") ?? 0, rng: try rng(a))
            return try pushLabelled(a, r.x, r.labels)
        },
        Binding("swiss_roll", "ouro.data.swiss_roll{n=, noise=0, rng=} — the 3-D swiss roll; returns points and the position t along the roll.") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["n", "noise", "rng"])
            let r = try Generators.swissRoll(n: try count(a), noise: try a.optNumberField(1, "noise") ?? 0, rng: try rng(a))
            a.push(r.x)
            a.push(try Tensor(r.t))
            return 2
        },
    ]
}
