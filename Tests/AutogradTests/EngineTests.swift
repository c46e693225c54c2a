import Autograd
import Tensor
import XCTest

/// The engine's bookkeeping: accumulation, shared subgraphs, no_grad, detach, and the errors.
final class EngineTests: XCTestCase {
    func testAccumulatesAcrossBackwardsAndSharedUses() throws {
        let x = try Tensor([1.0, 2, 3]); x.requiresGrad = true
        let y = try Diff.mul(x, x)                       // x used twice in one op
        let z = try Diff.sum(Diff.add(y, x))             // and again through another path
        try Autograd.backward(z)
        XCTAssertEqual(x.grad?.toDoubles(), [3, 5, 7])   // 2x + 1
        try Autograd.backward(try Diff.sum(x))           // a second backward adds
        XCTAssertEqual(x.grad?.toDoubles(), [4, 6, 8])
    }

    func testNoGradAndDetachRecordNothing() throws {
        let x = try Tensor([1.0, 2]); x.requiresGrad = true
        let y = try GradMode.disabled { try Diff.mul(x, x) }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.gradNode)
        let d = Autograd.detach(x)
        XCTAssertFalse(try Diff.mul(d, d).requiresGrad)
    }

    func testErrorsInsteadOfCrashes() throws {
        let x = try Tensor([1.0, 2]); x.requiresGrad = true
        let y = try Diff.mul(x, x)
        XCTAssertThrowsError(try Autograd.backward(y)) { XCTAssertTrue("\($0)".contains("scalar")) }
        XCTAssertThrowsError(try Autograd.backward(try Tensor([1.0]))) { XCTAssertTrue("\($0)".contains("does not require grad")) }
        XCTAssertThrowsError(try Autograd.requireGrad(try Tensor([Int64(1)]))) { XCTAssertTrue("\($0)".contains("floating-point")) }
        // A leaf that requires grad cannot be changed in place while recording.
        XCTAssertThrowsError(try x.binary_(.add, Tensor(scalar: 1.0))) { XCTAssertTrue("\($0)".contains("requires grad")) }
        // A saved tensor changed in place after use: backward refuses.
        let w = try Tensor([3.0, 4])
        let z = try Diff.sum(Diff.mul(x, w))
        try w.fill_(0)
        XCTAssertThrowsError(try Autograd.backward(z)) { XCTAssertTrue("\($0)".contains("modified in place")) }
        // Backward twice through a freed graph.
        let u = try Diff.sum(Diff.mul(x, x))
        try Autograd.backward(u)
        XCTAssertThrowsError(try Autograd.backward(u)) { XCTAssertTrue("\($0)".contains("freed")) }
        // NaN loss
        let n = try Diff.sum(Diff.mul(x, Tensor([Double.nan, 1])))
        XCTAssertThrowsError(try Autograd.backward(n)) { XCTAssertTrue("\($0)".contains("nan")) }
    }

    func testDeepGraphDoesNotOverflowTheStack() throws {
        let x = try Tensor([0.5]); x.requiresGrad = true
        var y = x
        for _ in 0..<100_000 { y = try Diff.add(y, Tensor(scalar: 0.0)) }
        try Autograd.backward(try Diff.sum(y))
        XCTAssertEqual(x.grad?.toDoubles(), [1])
    }

    func testUntrackedOpsCostNoNode() throws {
        let a = try Tensor([1.0, 2]), b = try Tensor([3.0, 4])
        let c = try Diff.mul(a, b)
        XCTAssertNil(c.gradNode)
        XCTAssertFalse(c.requiresGrad)
    }
}
