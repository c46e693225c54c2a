import Autograd
import NN
import Tensor

/// The training loop the built-in neural models share: Adam over shuffled mini-batches.
enum MiniBatches {
    /// `epochs` passes over `rows` rows, each in an order drawn from rng.split("order", epoch), in
    /// batches of `batch`: loss(indices, epoch) gives a batch's scalar loss, which Adam (lr)
    /// minimises over `params`. afterEpoch(epoch) returning false stops training early.
    static func train(_ params: [Tensor], lr: Double, rows: Int, batch: Int, epochs: Int, rng: RNG,
                      loss: ([Int], Int) throws -> Tensor, afterEpoch: (Int) throws -> Bool = { _ in true }) throws {
        let opt = try Adam(params, lr: lr)
        for epoch in 0..<epochs {
            let order = try rng.split("order", epoch).permutation(rows)
            var start = 0
            while start < rows {
                let idx = Array(order[start..<min(rows, start + batch)])
                start += batch
                let l = try loss(idx, epoch)
                opt.zeroGrad()
                try Autograd.backward(l)
                try opt.step()
            }
            if try !afterEpoch(epoch) { break }
        }
    }
}
