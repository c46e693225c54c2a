import Autograd
import Foundation
import NN
import Tensor
import XCTest

/// Optimisers against their update rules written out, schedules against their formulas, and
/// weights through safetensors.
final class OptimizerTests: XCTestCase {
    /// Runs `steps` updates of f(p) = ½‖p − target‖² (gradient p − target) and returns p.
    func run(_ make: ([Tensor]) throws -> Optimizer, steps: Int) throws -> [Double] {
        let p = try Tensor([1.0, -2, 0.5]); p.requiresGrad = true
        let target = try Tensor([0.3, 0.1, -0.4])
        let opt = try make([p])
        for _ in 0..<steps {
            opt.zeroGrad()
            let d = try Diff.sub(p, target)
            try Autograd.backward(try Diff.mul(Diff.sum(Diff.mul(d, d)), Tensor(scalar: 0.5)))
            try opt.step()
        }
        return p.toDoubles()
    }

    func testAdamAndAdamWFollowTheirRules() throws {
        for (decoupled, wd) in [(false, 0.0), (false, 0.1), (true, 0.1)] {
            let got = try run({ try Adam($0, lr: 0.05, weightDecay: wd, decoupled: decoupled) }, steps: 7)
            var p = [1.0, -2, 0.5], m = [0.0, 0, 0], v = [0.0, 0, 0]
            let target = [0.3, 0.1, -0.4]
            for t in 1...7 {
                for j in 0..<3 {
                    let g = p[j] - target[j] + (decoupled ? 0 : wd * p[j])   // the gradient at the current p
                    if decoupled { p[j] *= 1 - 0.05 * wd }
                    m[j] = 0.9 * m[j] + 0.1 * g
                    v[j] = 0.999 * v[j] + 0.001 * g * g
                    let mh = m[j] / (1 - pow(0.9, Double(t))), vh = v[j] / (1 - pow(0.999, Double(t)))
                    p[j] -= 0.05 * mh / (vh.squareRoot() + 1e-8)
                }
            }
            for j in 0..<3 { XCTAssertEqual(got[j], p[j], accuracy: 1e-12, "decoupled \(decoupled) wd \(wd)") }
        }
    }

    func testSGDWithMomentum() throws {
        let got = try run({ try SGD($0, lr: 0.1, momentum: 0.9) }, steps: 5)
        var p = [1.0, -2, 0.5], b = [0.0, 0, 0]
        let target = [0.3, 0.1, -0.4]
        for t in 0..<5 { for j in 0..<3 { let g = p[j] - target[j]; b[j] = t == 0 ? g : 0.9 * b[j] + g; p[j] -= 0.1 * b[j] } }
        for j in 0..<3 { XCTAssertEqual(got[j], p[j], accuracy: 1e-12) }
    }

    func testDivergenceIsReportedWithTheStep() throws {
        let p = try Tensor([1.0]); p.requiresGrad = true
        let opt = try SGD([p], lr: 0.1)
        p.grad = try Tensor([1.0]); try opt.step()
        p.grad = try Tensor([Double.infinity])
        XCTAssertThrowsError(try opt.step()) { XCTAssertTrue("\($0)".contains("step 2"), "\($0)") }
    }

    func testClipGradNorm() throws {
        let a = try Tensor([3.0]), b = try Tensor([4.0, 0])
        a.grad = try Tensor([3.0]); b.grad = try Tensor([4.0, 0])
        let n = try GradUtil.clipGradNorm([a, b], maxNorm: 1)
        XCTAssertEqual(n, 5, accuracy: 1e-12)
        XCTAssertEqual(a.grad!.toDoubles()[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(b.grad!.toDoubles()[0], 0.8, accuracy: 1e-6)
    }

    func testSchedules() throws {
        let s = try Schedule(kind: .cosine, lr: 1, warmup: 10, total: 110, minLR: 0.1)
        XCTAssertEqual(s(5), 0.5, accuracy: 1e-12)
        XCTAssertEqual(s(10), 1, accuracy: 1e-12)
        XCTAssertEqual(s(60), 0.55, accuracy: 1e-12)      // halfway: min + (lr − min)/2
        XCTAssertEqual(s(110), 0.1, accuracy: 1e-12)
        XCTAssertEqual(s(500), 0.1, accuracy: 1e-12)
        XCTAssertThrowsError(try Schedule(kind: .cosine, lr: 1, warmup: 10, total: 5))
    }

    func testSafetensorsRoundTripAndStrictLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-st-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let net = Sequential([try Linear(3, 4, rng: RNG(seed: 1)), Activation(.relu), try Linear(4, 2, rng: RNG(seed: 2))])
        let path = dir + "/net.safetensors"
        try net.save(to: path)
        let other = Sequential([try Linear(3, 4, rng: RNG(seed: 7)), Activation(.relu), try Linear(4, 2, rng: RNG(seed: 8))])
        try other.load(from: path)
        for ((n1, a), (n2, b)) in zip(net.namedParameters(), other.namedParameters()) {
            XCTAssertEqual(n1, n2); XCTAssertEqual(a.toDoubles(), b.toDoubles())
        }
        XCTAssertEqual(net.namedParameters().map { $0.0 }, ["1.weight", "1.bias", "3.weight", "3.bias"])
        let wrong = Sequential([try Linear(3, 5), Activation(.relu), try Linear(5, 2)])
        let before = wrong.parameters().map { $0.toDoubles() }
        XCTAssertThrowsError(try wrong.load(from: path)) { XCTAssertTrue("\($0)".contains("1.weight"), "\($0)") }
        XCTAssertEqual(wrong.parameters().map { $0.toDoubles() }, before, "a failed load changes nothing")
        // Damaged files are errors, not crashes.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.removeLast(5)
        try bytes.write(to: URL(fileURLWithPath: dir + "/cut.safetensors"))
        XCTAssertThrowsError(try Safetensors.load(dir + "/cut.safetensors"))
        try Data([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).write(to: URL(fileURLWithPath: dir + "/huge.safetensors"))
        XCTAssertThrowsError(try Safetensors.load(dir + "/huge.safetensors"))
    }

    /// The file is readable by the `safetensors` Python package, and ouro reads what it writes.
    func testInteroperatesWithThePythonPackage() throws {
        guard let python = which("python3") ?? ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("python3 not found")
        }
        func py(_ code: String) throws -> (Int32, String) {
            let p = Process(); p.executableURL = URL(fileURLWithPath: python); p.arguments = ["-c", code]
            let out = Pipe(); p.standardOutput = out; p.standardError = out
            try p.run(); p.waitUntilExit()
            return (p.terminationStatus, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        }
        guard try py("import safetensors, numpy").0 == 0 else { throw XCTSkip("the safetensors Python package is not installed (pip install safetensors numpy)") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-stpy-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try RNG(seed: 3).normal([2, 3], dtype: .float32), i = try Tensor([Int64(5), -7])
        try Safetensors.save([("w", w), ("i", i)], to: dir + "/a.safetensors")
        let (status, text) = try py("""
            from safetensors.numpy import load_file, save_file
            import numpy as np
            d = load_file('\(dir)/a.safetensors')
            print(d['w'].dtype, d['w'].shape, repr(float(d['w'].sum())), d['i'].tolist())
            save_file({'x': np.arange(6, dtype=np.float64).reshape(2, 3) / 4, 'h': np.array([1.5, -2], dtype=np.float16)}, '\(dir)/b.safetensors')
            """)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.hasPrefix("float32 (2, 3)"), text)
        XCTAssertTrue(text.contains("[5, -7]"), text)
        let pySum = Double(text.split(separator: " ")[3].trimmingCharacters(in: CharacterSet(charactersIn: ",\n")))!
        XCTAssertEqual(pySum, try w.reduce(.sum).item(), accuracy: 1e-5)
        let (back, _) = try Safetensors.load(dir + "/b.safetensors")
        let byName = Dictionary(back, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName["x"]?.toDoubles(), [0, 0.25, 0.5, 0.75, 1, 1.25])
        XCTAssertEqual(byName["h"]?.toDoubles(), [1.5, -2])
    }

    func which(_ name: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
