import Autograd
import Foundation
import Tensor
import XCTest

/// The float32 softmax kernel (CKernels/math.c) against softmax computed in float64 from the same
/// float32 inputs: rows short and long (past the log form's 512-value chunks), shifted far from 0,
/// with −inf entries and a NaN; both threads' splits give the same bits.
final class SoftmaxKernelTests: XCTestCase {
    func reference(_ row: [Float], log: Bool) -> [Double] {
        let x = row.map(Double.init)
        let m = x.max()!
        let s = x.reduce(0) { $0 + Foundation.exp($1 - m) }
        return x.map { log ? $0 - m - Foundation.log(s) : Foundation.exp($0 - m) / s }
    }

    func testMatchesFloat64() throws {
        for n in [1, 7, 16, 257, 1300] {
            let rows = 9
            var values = try RNG(seed: UInt64(n)).normal([rows, n], dtype: .float32).toDoubles().map { Float($0) }
            for j in 0..<n { values[n + j] += 1000 }                 // row 2 far from 0
            for j in 0..<n { values[2 * n + j] *= 30 }                // row 3 spread over e^±100
            if n > 1 { values[3 * n] = -.infinity }                   // row 4 holds a −inf
            let x = try Tensor(values).reshape([rows, n]).astype(.float32)
            for logForm in [false, true] {
                let y = try Softmax.forward(x, dim: 1, log: logForm).toDoubles()
                for r in 0..<rows {
                    let want = reference(Array(values[(r * n)..<((r + 1) * n)]), log: logForm)
                    for j in 0..<n {
                        let got = y[r * n + j], w = want[j]
                        if w.isInfinite || w == 0 { XCTAssertEqual(got, w); continue }
                        // x − max is rounded to float32 first (half an ulp of |x − max|, which e^· turns into
                        // a relative error); then a few roundings: relative for softmax, absolute for its log
                        let shift = Double(values[r * n + j]) - Double(values[(r * n)..<((r + 1) * n)].max()!)
                        let tol: Double = logForm ? 4e-7 * Swift.max(1.0, Swift.abs(w)) : (4e-7 + Swift.abs(shift) * 6e-8) * w + 3e-45   // two subnormal steps
                        XCTAssertLessThanOrEqual(Swift.abs(got - w), tol, "n \(n), row \(r), value \(j), log \(logForm): \(got) vs \(w)")
                    }
                }
                if !logForm { for r in 0..<rows { XCTAssertEqual((0..<n).reduce(0.0) { $0 + y[r * n + $1] }, 1, accuracy: 1e-5) } }
            }
        }
        var nan = [Float](repeating: 0.5, count: 12)
        nan[5] = .nan
        let y = try Softmax.forward(try Tensor(nan).astype(.float32), dim: 0, log: false).toDoubles()
        XCTAssertTrue(y.allSatisfy { $0.isNaN }, "a NaN makes its row NaN: \(y)")
    }
}
