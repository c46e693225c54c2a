import Tensor

/// Labelled examples as one table of rows, the form the loop's pool keeps them in (labels travel
/// with their samples): `[features | label]`, the label as the last column. And balanced subsets.
public enum Labelled {
    /// Rows `[x | y]`: x is n × d (float), y holds n labels (any numeric dtype; the values are
    /// kept as they are, so 1-based classes stay 1-based). The result has x's float dtype.
    public static func rows(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        guard x.rank == 2 else { throw TensorError("labelled: x must be n × d, got shape \(describeShape(x.shape))") }
        guard y.count == x.shape[0], y.rank <= 2, y.rank == 1 || y.shape.last == 1 else {
            throw TensorError("labelled: y must hold one label per row of x (\(x.shape[0])), got shape \(describeShape(y.shape))")
        }
        let dt: DType = x.dtype == .int64 ? .float64 : x.dtype
        return try Tensor.cat([x.astypeIfNeeded(dt), y.reshape([x.shape[0], 1]).astypeIfNeeded(dt)], dim: 1)
    }

    /// 0-based indices of k rows of each class, drawn without replacement from rng, in
    /// increasing order. Every class present in `labels` contributes; a class with fewer than k
    /// rows is an error that names it.
    public static func balanced(labels: [Int], k: Int, rng: RNG) throws -> [Int] {
        guard k >= 1 else { throw TensorError("balanced: k (rows per class) must be ≥ 1, got \(k)") }
        var byClass: [Int: [Int]] = [:]
        for (i, c) in labels.enumerated() { byClass[c, default: []].append(i) }
        var out: [Int] = []
        for c in byClass.keys.sorted() {
            let rows = byClass[c]!
            guard rows.count >= k else { throw TensorError("balanced: class \(c) has \(rows.count) rows, fewer than k = \(k)") }
            out += try rng.split("class", c).choice(rows.count, k, replace: false).map { rows[$0] }
        }
        return out.sorted()
    }
}
