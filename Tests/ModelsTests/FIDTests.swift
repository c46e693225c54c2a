import Data
import Foundation
import Models
import Tensor
import XCTest

/// FID: the Fréchet distance against closed forms, and the fixed CNN feature space on real images.
final class FIDTests: XCTestCase {
    /// √A of a 2×2 symmetric positive definite matrix in closed form: (A + √det A · I) / √(tr A + 2√det A).
    func sqrt2(_ a: [Double]) -> [Double] {
        let s = (a[0] * a[3] - a[1] * a[2]).squareRoot(), t = (a[0] + a[3] + 2 * s).squareRoot()
        return [(a[0] + s) / t, a[1] / t, a[2] / t, (a[3] + s) / t]
    }
    func mul2(_ a: [Double], _ b: [Double]) -> [Double] {
        [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]]
    }

    func testFrechetDistanceMatchesClosedForms() throws {
        // diagonal covariances: ‖μ₁ − μ₂‖² + Σ (σ₁ᵢ − σ₂ᵢ)²
        let m1 = try Tensor([1.0, -2, 0.5]), m2 = try Tensor([0.0, 1, 0.5])
        let c1 = try Tensor([4.0, 0, 0, 0, 1, 0, 0, 0, 9], shape: [3, 3]), c2 = try Tensor([1.0, 0, 0, 0, 1, 0, 0, 0, 0.25], shape: [3, 3])
        XCTAssertEqual(try Frechet.distance(m1, c1, m2, c2), 1 + 9 + 0 + 1 + 0 + 6.25, accuracy: 1e-10)
        // correlated 2×2 covariances that do not commute, against explicit 2×2 square roots
        let a = [2.0, 0.8, 0.8, 1.0], b = [1.0, -0.3, -0.3, 0.5]
        let r = sqrt2(a), inner = sqrt2(mul2(mul2(r, b), r))
        let want = 0.25 + (a[0] + a[3] + b[0] + b[3]) - 2 * (inner[0] + inner[3])
        let got = try Frechet.distance(Tensor([0.5, 0]), Tensor(a, shape: [2, 2]), Tensor([0.0, 0]), Tensor(b, shape: [2, 2]))
        XCTAssertEqual(got, want, accuracy: 1e-10)
        XCTAssertEqual(try Frechet.distance(Tensor([0.0, 0]), Tensor(b, shape: [2, 2]), Tensor([0.5, 0]), Tensor(a, shape: [2, 2])), want, accuracy: 1e-10, "symmetric")
        XCTAssertEqual(try Frechet.distance(m1, c1, m1, c1), 0, accuracy: 1e-10)
        XCTAssertThrowsError(try Frechet.distance(m1, c1, Tensor([0.0, 1]), Tensor(b, shape: [2, 2])))
    }

    /// On real images: two disjoint sets of real test images are close (sampling noise, measured
    /// 0.6 for 2000 images against 2000), the same images blurred towards gray are far (measured
    /// 222), so a factor of 10 between them leaves a wide margin. The space is seeded (same
    /// weights twice) and survives save/load.
    func testFeatureSpaceSeparatesRealFromDegraded() throws {
        guard FileManager.default.fileExists(atPath: ImageDataset.debianFashionMNIST) else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        let d = try ImageDataset.load(directory: ImageDataset.debianFashionMNIST, split: "test", classes: ImageDataset.fashionClasses)
        let labels = d.labels.toDoubles().map { Int($0) }
        let x = try d.x.narrow(0, 0, 3000)
        let f = try ImageFeatures(trainedOn: x, labels: Array(labels[0..<3000]), epochs: 1, rng: RNG(seed: 0))
        let again = try ImageFeatures(trainedOn: x, labels: Array(labels[0..<3000]), epochs: 1, rng: RNG(seed: 0))
        XCTAssertEqual(f.fingerprint, again.fingerprint, "seeded: the same weights")
        XCTAssertGreaterThan(try f.accuracy(d.x.narrow(0, 5000, 7000), labels: Array(labels[5000..<7000])), 0.6, "the classifier sees the classes")
        let a = try d.x.narrow(0, 3000, 5000), b = try d.x.narrow(0, 5000, 7000)
        let blurred = try b.binary(.mul, Tensor(scalar: Float(0.5))).binary(.add, Tensor(scalar: Float(0.25)))
        let near = try f.fid(a, b), far = try f.fid(a, blurred)
        XCTAssertLessThan(near * 10, far, "real vs real \(near), real vs degraded \(far)")
        let path = NSTemporaryDirectory() + "fid-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try f.save(to: path)
        let back = try ImageFeatures(weights: path)
        XCTAssertEqual(back.fingerprint, f.fingerprint)
        XCTAssertEqual(try back.fid(a, b), near)
        // a VAE scores its samples in the space: fid beside nelbo, the space part of its configuration
        var o = VAEModel.Options()
        o.fid = f
        let m = try VAEModel(o)
        try m.fit(x.narrow(0, 0, 500), rng: RNG(seed: 1))
        let metrics = try m.evaluate(a)
        let fid = try XCTUnwrap(metrics.first { $0.name == "fid" }).value
        XCTAssertGreaterThan(fid, near, "an undertrained VAE's samples are further from the test images than real images are")
        XCTAssertEqual(m.configuration["fid_features"], Checksum.hex(f.fingerprint))
    }
}
