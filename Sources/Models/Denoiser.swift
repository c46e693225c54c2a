import Foundation
import NN
import Tensor

/// The network of a diffusion model: it predicts the noise in x_t, and maps the data to and from
/// the scale it works in (standardised points; images in [−1, 1]).
protocol Denoiser: Module {
    /// ε̂(x_t, t) for rows x (n × D, the network's scale) at steps ts (1…steps), with 0-based
    /// class labels (empty for a model without classes).
    func predict(_ x: Tensor, _ ts: [Int], _ labels: [Int], steps: Int) throws -> Tensor
    /// The parameters the optimiser updates.
    var trainable: [Tensor] { get }
    /// Data rows → the network's scale; with `fit`, first learns what the map needs from x.
    func toNetwork(_ x: Tensor, fit: Bool) throws -> Tensor
    /// The network's scale → data rows.
    func fromNetwork(_ z: Tensor) throws -> Tensor
    /// The box DDIM clips its estimate of x_0 to, in the network's scale.
    func clipRange() throws -> (lo: Tensor, hi: Tensor)
}

/// The sinusoidal embedding of a diffusion step (Vaswani et al.'s positions, as Ho et al. use):
/// rows sin(s·ω_k), cos(s·ω_k) with ω_k = 10000^(−k/(width/2)) and s = t scaled to 0…1000
/// whatever T is; a table with a row per step 0…T, computed once per T.
final class TimeEmbedding {
    let width: Int
    private var table: (steps: Int, rows: Tensor)?

    init(width: Int) { self.width = width }

    /// The rows of steps ts (float32 n × width).
    func rows(_ ts: [Int], steps: Int) throws -> Tensor {
        if let table, table.steps == steps { return try table.rows.rows(ts) }
        let half = width / 2
        let w = (0..<half).map { Foundation.pow(10000, -Double($0) / Double(half)) }
        var v = [Float](repeating: 0, count: (steps + 1) * width)
        for t in 0...steps {
            let s = Double(t) * 1000 / Double(steps)
            for k in 0..<half { v[t * width + k] = Float(Foundation.sin(s * w[k])); v[t * width + half + k] = Float(Foundation.cos(s * w[k])) }
        }
        let rows = try Tensor(v, shape: [steps + 1, width])
        table = (steps, rows)
        return try rows.rows(ts)
    }
}
