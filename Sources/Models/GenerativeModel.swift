import Tensor

/// What every generative model in Ouroboros does: fit on a training set, sample with a
/// generator, score held-out real data. The loop knows models only through this protocol.
public protocol GenerativeModel: AnyObject {
    /// Short name of the model family ("gaussian", "kde", …).
    var family: String { get }
    /// Fits the model to the rows of `data` (n × d).
    func fit(_ data: Tensor) throws
    /// Fits with a generator for whatever the fit draws (weight initialisation, batch order,
    /// dropout); the loop passes one derived from (seed, generation). Models whose fit draws
    /// nothing need not implement it.
    func fit(_ data: Tensor, rng: RNG) throws
    /// n new rows drawn from the fitted model.
    func sample(_ n: Int, rng: RNG) throws -> Tensor
    /// Log-density of each row of `x` (a 1-D tensor of length n), where the model defines one.
    func logProb(_ x: Tensor) throws -> Tensor
    /// Named metrics on held-out real data, in a fixed order.
    func evaluate(_ test: Tensor) throws -> [Metric]
    /// A new, unfitted model with the same configuration (what the loop fits each generation).
    func fresh() throws -> GenerativeModel
    /// The model's configuration, for run manifests (and for refusing to resume a run with a different one).
    var configuration: [String: String] { get }
    /// Prepares a copy for one seed of a loop from that seed's real training data: state that
    /// belongs to the seed rather than to the configuration (linear regression's fixed design).
    /// The loop calls it on a fresh copy before generation 1 and again when a seed resumes, so it
    /// must depend on `real` alone; `fresh()` copies of the prepared model keep what it set.
    func prepare(forSeedWithRealData real: Tensor) throws
}

extension GenerativeModel {
    public func prepare(forSeedWithRealData real: Tensor) throws {}
    public func fit(_ data: Tensor, rng: RNG) throws { try fit(data) }
}

/// One named metric value.
public struct Metric {
    public let name: String
    public let value: Double
    public init(_ name: String, _ value: Double) { self.name = name; self.value = value }
}

/// Summary statistics from which a model can be fitted without revisiting the data, so that
/// fitting on "all data so far" costs O(new data) per generation.
public protocol FitStatistics {
    /// Adds the rows of `batch`.
    mutating func add(_ batch: Tensor) throws
    /// Number of rows summarised.
    var count: Int { get }
}

/// A model whose fit depends on the data only through `FitStatistics`.
public protocol StatisticsFittable: GenerativeModel {
    /// Empty statistics for data of `dim` columns.
    func emptyStatistics(dim: Int) -> FitStatistics
    /// Fits from statistics (equivalent to `fit` on the summarised rows).
    func fit(statistics: FitStatistics) throws
}

/// An error from a model: what went wrong, in words a script author can act on.
public struct ModelError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
