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

/// A model whose self-consuming loop has closed forms (Theory): the expected value of some of its
/// metrics at generations 1…T (generation 1 the fit on real data alone, as the loop numbers them),
/// by metric name — for a plain loop of `workflow` (no verifier, no filter) that draws `samples`
/// rows per generation and starts from `realRows` real rows. Empty where no closed form applies.
/// The loop records them next to the metrics (theory.csv); reports draw them dashed.
public protocol TheoryReporting: GenerativeModel {
    func theory(workflow: String, samples: Int, realRows: Int, generations: Int) -> [String: [Double]]
}

/// A model whose fitted parameters can be read by name, in a fixed order (empty before fit).
public protocol ParameterReporting: GenerativeModel {
    var parameters: [(name: String, value: Tensor)] { get }
}

/// A model that can draw samples of chosen classes. Its rows carry the class as their last column
/// (1-based, as Lua counts); `labelClasses` is nil for a configuration without classes.
public protocol LabelConditional: GenerativeModel {
    var labelClasses: Int? { get }
    /// n rows for the given 0-based classes (nil: the model's default, balanced over the classes).
    func sample(_ n: Int, labels: [Int]?, rng: RNG) throws -> Tensor
}

/// A model whose fitted state is a set of named weights, written and read as safetensors
/// (the checkpoints of neural models).
public protocol WeightCheckpointing: GenerativeModel {
    func saveWeights(to path: String) throws
    /// Makes the model the fitted one whose weights `path` holds (same configuration).
    func loadWeights(from path: String) throws
}

/// A model of images that can show itself: a grid of samples for a person to look at (one row
/// per class for a class-conditional model), drawn from rng.
public protocol ImageSampling: GenerativeModel {
    /// Images as rows of side² values in [0, 1], and how many go in a row of the grid; nil when
    /// this configuration of the model does not make images (a diffusion model of points).
    func sampleGrid(rng: RNG) throws -> (images: Tensor, columns: Int)?
}

/// A model with more than one way to draw samples (a diffusion model: ancestral or DDIM).
public protocol SamplerChoosing: GenerativeModel {
    /// n samples with the named sampler (nil: the model's own) over `steps` steps (nil: its
    /// default), of the given 0-based classes (nil: the model's default).
    func sample(_ n: Int, rng: RNG, sampler: String?, steps: Int?, labels: [Int]?) throws -> Tensor
}
