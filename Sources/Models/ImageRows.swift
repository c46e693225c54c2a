import Tensor

/// Rows of images as the image models take and give them: side² pixel values in [0, 1], and for a
/// class-conditional model one more column with the class, 1-based as Lua counts
/// (`[pixels | label]`, see ouro.data.labelled).
struct ImageRows {
    let side: Int
    /// Classes of a conditional model; nil when rows are pixels only.
    let classes: Int?
    /// The model's name in error messages ("vae (mlp)", "diffusion").
    let model: String

    var pixels: Int { side * side }
    var columns: Int { pixels + (classes == nil ? 0 : 1) }

    /// Pixels (float32 n × side², a view when the rows are pixels only) and 0-based labels
    /// (empty without classes), checked.
    func split(_ data: Tensor, what: String) throws -> (x: Tensor, labels: [Int]) {
        guard data.rank == 2, data.shape[1] == columns else {
            let want = classes == nil ? "\(columns) columns (\(side)×\(side) pixels)" : "\(columns) columns (\(side)×\(side) pixels and the label)"
            throw ModelError("\(model): the \(what) rows must have \(want), got shape \(describeShape(data.shape))")
        }
        guard data.dtype.isFloatingPoint || data.dtype == .int64 else { throw ModelError("\(model): the \(what) rows must be numbers") }
        let x = try data.narrow(1, 0, pixels).astypeIfNeeded(.float32).contiguous()
        guard try x.allWithin(0, 1) else {
            let lo = try x.reduce(.min).item(), hi = try x.reduce(.max).item()
            throw ModelError("\(model): pixel values must lie in [0, 1], the \(what) rows hold values in [\(lo), \(hi)]")
        }
        guard let classes else { return (x, []) }
        let labels = try data.select(1, pixels).toDoubles().map { v -> Int in
            guard v == v.rounded(), v >= 1, v <= Double(classes) else {
                throw ModelError("\(model): labels (the last column) must be classes 1…\(classes), found \(v) in the \(what) rows")
            }
            return Int(v) - 1
        }
        return (x, labels)
    }

    /// Checks 0-based labels for n samples.
    func check(_ labels: [Int], n: Int) throws {
        guard let classes else { throw ModelError("\(model): labels are for a class-conditional model") }
        guard labels.count == n else { throw ModelError("\(model): \(labels.count) labels for \(n) samples") }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) { throw ModelError("\(model): label \(bad + 1) is not a class 1…\(classes)") }
    }

    /// Labels cycling through the classes for n samples (n/classes each, the first n mod classes
    /// one more); nil without classes.
    func balanced(_ n: Int) -> [Int]? { classes.map { c in (0..<max(n, 0)).map { $0 % c } } }

    /// Rows [pixels | label] (float32) from n × side² pixels and 0-based labels (pixels only without classes).
    func rows(_ x: Tensor, labels: [Int]?) throws -> Tensor {
        guard let labels, classes != nil else { return x }
        let n = x.shape[0]
        let out = try Tensor(uninitialized: [n, columns], dtype: .float32)
        try out.narrow(1, 0, pixels).copy_(x)
        try out.select(1, pixels).copy_(Tensor(labels.map { Float($0 + 1) }))
        return out
    }

    /// The grid a person looks at: 8 samples per class, a class per row, or 8 × 8 samples.
    func gridLabels() -> (labels: [Int]?, count: Int) {
        guard let classes else { return (nil, 64) }
        return ((0..<(8 * classes)).map { $0 / 8 }, 8 * classes)
    }
}
