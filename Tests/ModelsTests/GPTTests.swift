import Data
import Foundation
import Models
import Tensor
import XCTest

/// The GPT: it learns (loss falls well below the data's unigram entropy, greedy sampling continues
/// a pattern), the key/value cache changes nothing, seeds reproduce bit for bit on 1 or 2 threads,
/// weights save and load, and bad requests are errors.
final class GPTTests: XCTestCase {
    func tiny(steps: Int = 150) -> GPTModel.Config {
        var c = GPTModel.Config()
        c.layers = 2; c.heads = 2; c.dim = 32; c.context = 32; c.batch = 16; c.steps = steps; c.lr = 3e-3; c.warmup = 10
        return c
    }

    /// Documents of a repeating pattern with a random phase: the next byte is determined by the previous two.
    func patterned(_ n: Int, seed: Int) throws -> Documents {
        let rng = RNG(seed: seed), unit = Array("abcdefgh ".utf8)
        return Documents(try (0..<n).map { _ in
            let phase = Int(try rng.integers(0, Int64(unit.count - 1), [1]).toDoubles()[0])
            return (0..<40).map { unit[(phase + $0) % unit.count] }
        })
    }

    func testLearnsAndSamples() throws {
        let m = try GPTModel(tiny(), tokenizer: BPETokenizer())
        try m.fit(try patterned(200, seed: 1), rng: RNG(seed: 2))
        let ce = try XCTUnwrap(m.evaluate(try patterned(20, seed: 3)).first { $0.name == "test_ce" }).value
        // Uniform over 9 symbols is log 9 = 2.2 nats; the pattern is deterministic after two bytes,
        // so only the first byte of each document (and its end) cost much: far below 1 nat/token.
        XCTAssertLessThan(ce, 0.5)
        var greedy = GPTModel.SampleOptions()
        greedy.temperature = 0; greedy.maxTokens = 12
        let s = try m.sample(3, prompts: ["abcd", "fgh ", " abc"].map { Array($0.utf8) }, rng: RNG(seed: 4), options: greedy)
        XCTAssertEqual((0..<3).map { String(decoding: s.documents.response($0).prefix(6), as: UTF8.self) }, ["efgh a", "abcdef", "defgh "])
        // the cache gives what recomputing the prefix gives
        var plain = greedy
        plain.cache = false
        let u = try m.sample(3, prompts: ["abcd", "fgh ", " abc"].map { Array($0.utf8) }, rng: RNG(seed: 4), options: plain)
        XCTAssertEqual(u.documents.texts, s.documents.texts)
        // unprompted sampling at temperature 1 draws through the same path and with the same seed the same documents
        var opts = GPTModel.SampleOptions()
        opts.maxTokens = 20
        let a = try m.sample(5, prompts: nil, rng: RNG(seed: 9), options: opts), b = try m.sample(5, prompts: nil, rng: RNG(seed: 9), options: opts)
        XCTAssertEqual(a.documents.texts, b.documents.texts)
        opts.cache = false
        XCTAssertEqual(try m.sample(5, prompts: nil, rng: RNG(seed: 9), options: opts).documents.texts, a.documents.texts)
        XCTAssertTrue(a.truncated.allSatisfy { $0 } == (a.tokens == 100), "a document is truncated exactly when it ran to max_tokens")
    }

    func testReproducibleAcrossThreadCountsAndSaved() throws {
        let docs = try patterned(50, seed: 5), test = try patterned(10, seed: 6)
        func run(_ threads: Int) throws -> (Double, GPTModel) {
            let saved = Parallel.threads
            Parallel.threads = threads
            defer { Parallel.threads = saved }
            let m = try GPTModel(tiny(steps: 20), tokenizer: BPETokenizer())
            try m.fit(docs, rng: RNG(seed: 7))
            return (try m.evaluate(test)[0].value, m)
        }
        let (one, m) = try run(1), (two, _) = try run(2)
        XCTAssertEqual(one.bitPattern, two.bitPattern)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gpt-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try m.saveWeights(to: path)
        let back = try GPTModel(tiny(steps: 20), tokenizer: BPETokenizer())
        try back.loadWeights(from: path)
        XCTAssertEqual(try back.evaluate(test)[0].value.bitPattern, one.bitPattern)
        let other = try GPTModel(tiny(steps: 20), tokenizer: try BPETokenizer.train(docs.texts, vocabularySize: 270))
        XCTAssertThrowsError(try other.loadWeights(from: path))
    }

    func testErrors() throws {
        let m = try GPTModel(tiny(), tokenizer: BPETokenizer())
        XCTAssertThrowsError(try m.evaluate(Documents([Array("x".utf8)])))
        XCTAssertThrowsError(try m.fit(Documents([Array("short".utf8)]), rng: RNG(seed: 1))) { e in
            XCTAssertTrue("\(e)".contains("a window needs context + 1 = 33"), "\(e)")
        }
        var bad = tiny()
        bad.heads = 3
        XCTAssertThrowsError(try GPTModel(bad, tokenizer: BPETokenizer())) { e in XCTAssertTrue("\(e)".contains("divisible by heads"), "\(e)") }
        try m.fit(try patterned(20, seed: 1), rng: RNG(seed: 2))
        XCTAssertThrowsError(try m.sample(1, prompts: [[UInt8](repeating: 0x61, count: 40)], rng: RNG(seed: 1))) { e in
            XCTAssertTrue("\(e)".contains("leaves no room"), "\(e)")
        }
    }
}
