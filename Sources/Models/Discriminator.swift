import Autograd
import Foundation
import NN
import Tensor

/// A discriminator for image verifiers (Yi et al. 2025): an MLP (side² → hidden → hidden → 1,
/// ReLU) trained with binary cross-entropy to tell real images (target 1) from a generator's
/// samples (target 0). Its logit is a "realness" score: a verifier keeps the samples it scores
/// highest. Rows may carry a label as their last column; only the pixels are read.
public final class ImageDiscriminator: @unchecked Sendable {
    public let side: Int, hidden: Int
    let net: Sequential

    /// Trains on real and fake rows (n × side², or with one more label column), Adam 1e-3, batch
    /// 128, `epochs` passes over both sets shuffled together, in an order drawn from rng.
    public init(real: Tensor, fake: Tensor, side: Int = 28, hidden: Int = 256, epochs: Int = 2, rng: RNG) throws {
        let p = side * side
        for (name, t) in [("real", real), ("fake", fake)] {
            guard t.rank == 2, t.shape[1] == p || t.shape[1] == p + 1, t.shape[0] >= 1 else {
                throw ModelError("discriminator: the \(name) rows must have \(p) pixels (and optionally a label), got shape \(describeShape(t.shape))")
            }
        }
        guard hidden >= 1, epochs >= 1 else { throw ModelError("discriminator: hidden and epochs must be ≥ 1") }
        self.side = side; self.hidden = hidden
        let start = rng.split("init")
        net = Sequential([try Linear(p, hidden, rng: start.split("1")), Activation(.relu), try Linear(hidden, hidden, rng: start.split("2")),
                          Activation(.relu), try Linear(hidden, 1, rng: start.split("3"))])
        let x = try Tensor.cat([real.narrow(1, 0, p).astype(.float32), fake.narrow(1, 0, p).astype(.float32)], dim: 0).contiguous()
        let target = try Tensor([Float](repeating: 1, count: real.shape[0]) + [Float](repeating: 0, count: fake.shape[0]), shape: [x.shape[0], 1])
        try MiniBatches.train(net.parameters(), lr: 1e-3, rows: x.shape[0], batch: 128, epochs: epochs, rng: rng) { idx, _ in
            try Loss.bceWithLogits(net.forward(x.rows(idx)), target.rows(idx))
        }
        net.setTraining(false)
    }

    /// The realness logit of each row (float64, n).
    public func scores(_ rows: Tensor) throws -> Tensor {
        let p = side * side
        guard rows.rank == 2, rows.shape[1] == p || rows.shape[1] == p + 1 else {
            throw ModelError("discriminator: expected rows of \(p) pixels (and optionally a label), got shape \(describeShape(rows.shape))")
        }
        let x = try rows.narrow(1, 0, p).astype(.float32).contiguous()
        return try GradMode.disabled { try net.forward(x).reshape([x.shape[0]]).astype(.float64) }
    }

    /// The share of rows classified right (real: logit > 0; fake: logit ≤ 0).
    public func accuracy(real: Tensor, fake: Tensor) throws -> Double {
        let r = try scores(real).toDoubles(), f = try scores(fake).toDoubles()
        return Double(r.filter { $0 > 0 }.count + f.filter { $0 <= 0 }.count) / Double(max(1, r.count + f.count))
    }
}
