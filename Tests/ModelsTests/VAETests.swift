import Data
import Foundation
import Models
import NN
import Tensor
import XCTest

/// The VAEs on real Fashion-MNIST images (Debian's dataset-fashion-mnist, which `make test`
/// installs): training lowers the held-out NELBO, samples are the decoder's means, labels travel
/// with the conditional model's rows, weights round-trip, a seed gives the same numbers on 1 and
/// 2 threads, and bad input is an error that says what was expected.
final class VAETests: XCTestCase {
    nonisolated(unsafe) static var cached: ImageDataset?

    /// The 10 000 test-split images (small and quick to read); tests train on the first 1000.
    func images() throws -> ImageDataset {
        if let d = Self.cached { return d }
        guard FileManager.default.fileExists(atPath: ImageDataset.debianFashionMNIST) else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        let d = try ImageDataset.load(directory: ImageDataset.debianFashionMNIST, split: "test", classes: ImageDataset.fashionClasses)
        Self.cached = d
        return d
    }

    /// Rows lo..<hi in the model's layout: pixels, and the 1-based label for the conditional model.
    func rows(_ arch: VAEModel.Arch, _ lo: Int, _ hi: Int) throws -> Tensor {
        let d = try images()
        let x = try d.x.narrow(0, lo, hi)
        return arch == .mlp ? x : try Labelled.rows(x, d.labels.narrow(0, lo, hi).binary(.add, Tensor(scalar: Int64(1))))
    }

    func vae(_ arch: VAEModel.Arch, epochs: Int = 1, validation: Double = 0, patience: Int = 5) throws -> VAEModel {
        var o = VAEModel.Options()
        o.arch = arch; o.epochs = epochs; o.validation = validation; o.patience = patience
        return try VAEModel(o)
    }

    func nelbo(_ m: VAEModel, _ test: Tensor) throws -> Double {
        try XCTUnwrap(m.evaluate(test).first { $0.name == "nelbo" }).value
    }

    /// Measured over seeds 1–4 on these 1000 images: one epoch gives 437 ± 3 (mlp) and 480–540
    /// (cvae-conv), four give 336 ± 2 and 319–338 nats per image; an untrained Bernoulli decoder
    /// is near 784·ln 2 = 543. A drop of 50 and a four-epoch NELBO below 0.7·543 = 380 leave
    /// margins several times the spread, and fail if training does nothing or goes the wrong way.
    func testTrainingLowersTheHeldOutNELBO() throws {
        for arch in VAEModel.Arch.allCases {
            let train = try rows(arch, 0, 1000), test = try rows(arch, 5000, 6000)
            for seed in 1...2 {
                let one = try vae(arch, epochs: 1), four = try vae(arch, epochs: 4)
                try one.fit(train, rng: RNG(seed: UInt64(seed)))
                try four.fit(train, rng: RNG(seed: UInt64(seed)))
                let (a, b) = (try nelbo(one, test), try nelbo(four, test))
                XCTAssertLessThan(b, a - 50, "\(arch.rawValue), seed \(seed): NELBO \(a) after one epoch, \(b) after four")
                XCTAssertLessThan(b, 0.7 * 784 * log(2.0), "\(arch.rawValue), seed \(seed)")
                let parts = try four.evaluate(test)
                let bce = parts.first { $0.name == "bce" }!.value, kl = parts.first { $0.name == "kl" }!.value
                XCTAssertEqual(bce + kl, b, accuracy: 1e-9 * b, "nelbo = bce + kl")
                XCTAssertGreaterThan(kl, 0)
            }
        }
    }

    /// Samples are the decoder's Bernoulli means for z ~ N(0, I) from the generator, exactly; the
    /// conditional model's labels cycle through the classes and come back 1-based in the last column.
    func testSamplesAreTheDecodersMeans() throws {
        for arch in VAEModel.Arch.allCases {
            let m = try vae(arch)
            try m.fit(try rows(arch, 0, 300), rng: RNG(seed: 3))
            let s = try m.sample(25, rng: RNG(seed: 9))
            XCTAssertEqual(s.shape, [25, arch == .mlp ? 784 : 785])
            let labels = arch == .mlp ? [] : (0..<25).map { $0 % 10 }
            let means = try m.decodeMeans(RNG(seed: 9).normal([25, 20], dtype: .float32), labels: labels)
            XCTAssertEqual(try s.narrow(1, 0, 784).contiguous().checksum(), try means.checksum(), arch.rawValue)
            XCTAssertTrue(try s.narrow(1, 0, 784).allWithin(0, 1))
            // means, not binary draws: most pixels strictly inside (0, 1)
            let inside = try s.narrow(1, 0, 784).toDoubles().filter { $0 > 1e-6 && $0 < 1 - 1e-6 }.count
            XCTAssertGreaterThan(inside, 25 * 784 / 2)
            if arch == .cvaeConv {
                XCTAssertEqual(try s.select(1, 784).toDoubles(), (0..<25).map { Double($0 % 10 + 1) })
                let chosen = try m.sample(4, labels: [7, 7, 0, 3], rng: RNG(seed: 1))
                XCTAssertEqual(try chosen.select(1, 784).toDoubles(), [8, 8, 1, 4])
            }
        }
    }

    func testWeightsRoundTripAndThreadsDoNotChangeResults() throws {
        let train = try rows(.cvaeConv, 0, 400), test = try rows(.cvaeConv, 5000, 5400)
        let saved = Parallel.threads
        defer { Parallel.threads = saved }
        var scores: [Double] = []
        var weights: [UInt64] = []
        for threads in [1, 2] {
            Parallel.threads = threads
            let m = try vae(.cvaeConv)
            try m.fit(train, rng: RNG(seed: 4))
            scores.append(try nelbo(m, test))
            weights.append(try m.network!.parameters().reduce(0) { $0 &+ (try $1.checksum()) })
        }
        XCTAssertEqual(scores[0], scores[1], "the same NELBO on 1 and 2 threads")
        XCTAssertEqual(weights[0], weights[1], "the same weights on 1 and 2 threads")

        let m = try vae(.cvaeConv)
        try m.fit(train, rng: RNG(seed: 4))
        let path = NSTemporaryDirectory() + "vae-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try m.saveWeights(to: path)
        let back = try vae(.cvaeConv)
        try back.loadWeights(from: path)
        XCTAssertEqual(try nelbo(back, test), scores[0])
        XCTAssertEqual(try back.sample(10, rng: RNG(seed: 2)).checksum(), try m.sample(10, rng: RNG(seed: 2)).checksum())
        XCTAssertThrowsError(try vae(.mlp).loadWeights(from: path)) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
    }

    func testEarlyStoppingKeepsTheBestEpoch() throws {
        // 50 training images (one batch an epoch) overfit within a few dozen epochs
        let m = try vae(.mlp, epochs: 300, validation: 0.5, patience: 2)
        try m.fit(try rows(.mlp, 0, 100), rng: RNG(seed: 6))
        XCTAssertLessThan(m.epochsRun, 300)
        XCTAssertGreaterThan(m.epochsRun, 2)
        // the conditional model holds out labelled rows (their labels follow them)
        let c = try vae(.cvaeConv, epochs: 3, validation: 0.5, patience: 5)
        try c.fit(try rows(.cvaeConv, 0, 100), rng: RNG(seed: 6))
        XCTAssertEqual(c.epochsRun, 3)
        XCTAssertLessThan(try nelbo(c, try rows(.cvaeConv, 5000, 5100)), 784 * log(2.0))
    }

    func testBadInputIsAnErrorThatSaysWhatWasExpected() throws {
        func fails(_ fragment: String, _ body: () throws -> Void) {
            XCTAssertThrowsError(try body(), "no error containing '\(fragment)'") { XCTAssertTrue("\($0)".contains(fragment), "'\($0)' lacks '\(fragment)'") }
        }
        let mlp = try vae(.mlp), cvae = try vae(.cvaeConv)
        fails("785 columns") { try cvae.fit(try rows(.mlp, 0, 10), rng: RNG(seed: 1)) }
        fails("784 columns") { try mlp.fit(try rows(.cvaeConv, 0, 10), rng: RNG(seed: 1)) }
        fails("[0, 1]") { try mlp.fit(try rows(.mlp, 0, 10).binary(.mul, Tensor(scalar: Float(255))), rng: RNG(seed: 1)) }
        fails("classes 1…10, found 11") { try cvae.fit(try Labelled.rows(try images().x.narrow(0, 0, 10), Tensor([Float](repeating: 11, count: 10))), rng: RNG(seed: 1)) }
        fails("not fitted") { _ = try mlp.sample(3, rng: RNG(seed: 1)) }
        fails("multiple of 4") { var o = VAEModel.Options(); o.arch = .cvaeConv; o.side = 30; _ = try VAEModel(o) }
        fails("validation") { _ = try vae(.mlp, validation: 1) }
        fails("no closed form") { _ = try mlp.logProb(try rows(.mlp, 0, 2)) }
        try cvae.fit(try rows(.cvaeConv, 0, 50), rng: RNG(seed: 1))
        fails("label 11 is not a class") { _ = try cvae.sample(1, labels: [10], rng: RNG(seed: 1)) }
    }
}
