import Tensor

/// What some models can do beyond `GenerativeModel`; bindings and the loop ask for a capability,
/// never for a concrete model type, so a new model gains a binding's behaviour by conforming.

/// A model of labels given covariates (a regression): fitted on (x, y) pairs, it predicts at x and
/// draws labels at x. As a generative model its rows are [x | y].
public protocol ConditionalModel: GenerativeModel {
    func fit(x: Tensor, y: Tensor) throws
    func predict(_ x: Tensor) throws -> Tensor
    func sample(x: Tensor, rng: RNG) throws -> Tensor
}

/// A model whose fitted parameters can be read by name, in a fixed order (empty before fit).
public protocol ParameterReporting: GenerativeModel {
    var parameters: [(name: String, value: Tensor)] { get }
}
