import Tensor

/// Count, mean and centred scatter matrix M2 = Σ (x − x̄)(x − x̄)ᵀ of rows, merged batch by
/// batch with Chan et al.'s pairwise update (stable where raw sums of squares are not).
public struct GaussianStatistics: FitStatistics {
    public private(set) var count = 0
    public let dim: Int
    public private(set) var mean: [Double]
    public private(set) var m2: [Double]      // dim × dim, row-major

    public init(dim: Int) {
        self.dim = dim
        mean = [Double](repeating: 0, count: dim)
        m2 = [Double](repeating: 0, count: dim * dim)
    }

    public mutating func add(_ batch: Tensor) throws {
        guard batch.rank == 2, batch.shape[1] == dim else {
            throw ModelError("expected rows of \(dim) values, got shape \(describeShape(batch.shape))")
        }
        let nb = batch.shape[0]
        if nb == 0 { return }
        let x = try batch.astypeIfNeeded(.float64).contiguous()
        guard Int32(exactly: nb) != nil else { throw ModelError("batch too large for BLAS") }
        let (bmv, sv) = DenseMatrix.meanAndScatter(x.base(Double.self), nb, dim)
        let na = Double(count), nbd = Double(nb), n = na + nbd
        var delta = [Double](repeating: 0, count: dim)
        for i in 0..<dim { delta[i] = bmv[i] - mean[i] }
        let w = na * nbd / n
        for i in 0..<dim {
            for j in 0..<dim { m2[i * dim + j] += sv[i * dim + j] + delta[i] * delta[j] * w }
        }
        for i in 0..<dim { mean[i] += delta[i] * nbd / n }
        count += nb
    }
}
