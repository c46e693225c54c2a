import Autograd
import Data
import Foundation
import Tensor

/// Prompt/response pairs (supervised fine-tuning): each pair is one example — end-of-document,
/// the prompt's tokens, the response's tokens, end-of-document — and only the response's tokens
/// and its end are predicted (targets elsewhere are ignored by the loss). Prompt and response are
/// encoded apart, as sampling continues an encoded prompt.
extension GPTModel {
    /// Every pair's tokens and the number of its tokens before the response (end-of-document and prompt).
    func examples(_ docs: Documents) -> [(tokens: [Int32], prompt: Int)] {
        (0..<docs.count).map { i in
            let p = tokenizer.encode(Array(docs.prompt(i)))
            return ([BPETokenizer.endOfText] + p + tokenizer.encode(Array(docs.response(i)), endOfText: true), 1 + p.count)
        }
    }

    /// Inputs and targets of a batch of examples, each cut to context + 1 tokens and padded to the
    /// longest (inputs with end-of-document, targets with −1: ignored); targets inside the prompt −1.
    func exampleBatch(_ ex: [(tokens: [Int32], prompt: Int)]) -> (x: [Int64], y: [Int64], length: Int) {
        let len = min(config.context, ex.map { $0.tokens.count - 1 }.max() ?? 1)
        var x = [Int64](repeating: Int64(BPETokenizer.endOfText), count: ex.count * len)
        var y = [Int64](repeating: -1, count: ex.count * len)
        for (r, e) in ex.enumerated() {
            for j in 0..<min(len, e.tokens.count - 1) {
                x[r * len + j] = Int64(e.tokens[j])
                if j + 1 >= e.prompt { y[r * len + j] = Int64(e.tokens[j + 1]) }
            }
        }
        return (x, y, len)
    }

    /// test_ce and bits_per_byte of the responses given their prompts.
    func evaluatePairs(_ docs: Documents) throws -> [Metric] {
        let ex = examples(docs)
        var total = 0.0, count = 0, bytes = 0
        try GradMode.disabled {
            var i = 0
            while i < ex.count {
                let group = Array(ex[i..<min(ex.count, i + 32)])
                i += group.count
                let (x, y, len) = exampleBatch(group)
                let counted = y.lazy.filter { $0 >= 0 }.count
                guard counted > 0 else { continue }
                let loss = try net.loss(try Tensor(x).reshape([group.count, len]), try Tensor(y), reduction: .sum, ignoreIndex: -1)
                total += try loss.item()
                count += counted
            }
        }
        for i in 0..<docs.count { bytes += docs.response(i).count }
        guard count > 0 else { throw ModelError("gpt: no response token of the test pairs fits in the context of \(config.context)") }
        return [Metric("test_ce", total / Double(count)), Metric("bits_per_byte", bytes > 0 ? total / Foundation.log(2) / Double(bytes) : .nan)]
    }
}
