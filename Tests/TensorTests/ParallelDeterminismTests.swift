import Foundation
import Tensor
import XCTest

/// Work split over cores gives the same bits as one core: GEMMs cut into row or column blocks,
/// elementwise maps, and float32 sums over fixed blocks.
final class ParallelDeterminismTests: XCTestCase {
    func withThreads<R>(_ n: Int, _ body: () throws -> R) rethrows -> R {
        let saved = Parallel.threads
        Parallel.threads = n
        defer { Parallel.threads = saved }
        return try body()
    }

    func testSplitGemmIsBitIdentical() throws {
        let blas = Linalg.threads
        Linalg.setThreads(1)          // ouro's setting: blocks split by ouro, each one single-threaded BLAS call
        defer { Linalg.setThreads(blas) }
        let g = RNG(seed: 11)
        // tall (row blocks), short and wide (column blocks), odd sizes, every transpose combination
        for (m, k, n) in [(700, 300, 200), (96, 517, 1500), (1000, 64, 130), (257, 129, 255)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                for dtype in [DType.float32, .float64] {
                    let a = try g.normal(ta ? [k, m] : [m, k], dtype: dtype), b = try g.normal(tb ? [n, k] : [k, n], dtype: dtype)
                    let c0 = try g.normal([m, n], dtype: dtype)
                    let one = try c0.clone(), two = try c0.clone()
                    try withThreads(1) { try Tensor.gemm(a, transA: ta, b, transB: tb, into: one, alpha: 0.5, beta: 1) }
                    try withThreads(3) { try Tensor.gemm(a, transA: ta, b, transB: tb, into: two, alpha: 0.5, beta: 1) }
                    XCTAssertEqual(try one.checksum(), try two.checksum(), "\(m)×\(k)×\(n) transA \(ta) transB \(tb) \(dtype)")
                }
            }
        }
    }

    func testElementwiseAndSumsAreBitIdentical() throws {
        let x = try RNG(seed: 12).normal([3_000_001], dtype: .float32), y = try RNG(seed: 13).normal([3_000_001], dtype: .float32)
        for kind in [UnaryKind.exp, .tanh, .sigmoid] {
            let a = try withThreads(1) { try x.unary(kind) }, b = try withThreads(2) { try x.unary(kind) }
            XCTAssertEqual(try a.checksum(), try b.checksum(), "\(kind)")
        }
        let p1 = try withThreads(1) { try x.binary(.mul, y) }, p2 = try withThreads(2) { try x.binary(.mul, y) }
        XCTAssertEqual(try p1.checksum(), try p2.checksum())
        let s1 = try withThreads(1) { try x.reduce(.sum).item() }, s2 = try withThreads(2) { try x.reduce(.sum).item() }
        XCTAssertEqual(s1, s2)
        // and the float32 sum is accurate: within float32 rounding of the float64 sum of the same values
        let exact = try x.astype(.float64).reduce(.sum).item()
        XCTAssertEqual(s1, exact, accuracy: max(1e-3, abs(exact) * 1e-6))
    }

    /// allWithin looks at every element on every core: one value out of range (or NaN) anywhere
    /// in a large tensor is found, whatever the split.
    func testAllWithinFindsEveryOutlier() throws {
        let x = try RNG(seed: 15).uniform([300_001], dtype: .float32)
        for threads in [1, 2] {
            try withThreads(threads) {
                XCTAssertTrue(try x.allWithin(0, 1))
                for (i, v) in [(0, -0.5), (150_000, 1.5), (300_000, Double.nan)] {
                    let y = try x.clone()
                    y.setFlat(i, v)
                    XCTAssertFalse(try y.allWithin(0, 1), "\(v) at \(i), \(threads) threads")
                    XCTAssertFalse(try y.astype(.float64).allWithin(0, 1))
                }
            }
        }
        XCTAssertTrue(try Tensor([Int64(0), 1]).allWithin(0, 1))
        XCTAssertFalse(try Tensor([Int64(0), 2]).allWithin(0, 1))
    }

    /// Sums over dimensions split the output across cores: the same bits on 1 and 2 threads, and
    /// the same as adding each output's inputs one by one in row-major order.
    func testSumsOverDimensionsAreBitIdentical() throws {
        let x = try RNG(seed: 14).normal([64, 37, 9, 11], dtype: .float32)
        for dims in [[0, 2, 3], [1], [0], [3], [0, 1]] {
            let a = try withThreads(1) { try x.sum(dims: dims) }, b = try withThreads(2) { try x.sum(dims: dims) }
            XCTAssertEqual(try a.checksum(), try b.checksum(), "\(dims)")
        }
        let bias = try withThreads(2) { try x.sum(dims: [0, 2, 3]) }.toDoubles()
        let v = x.toDoubles()
        for c in [0, 17, 36] {
            var acc: Float = 0
            for n in 0..<64 { for i in 0..<99 { acc += Float(v[((n * 37 + c) * 99) + i]) } }
            XCTAssertEqual(Float(bias[c]), acc, "channel \(c): row-major order")
        }
    }

    /// The worker pool runs every piece exactly once: many jobs back to back (spinning workers),
    /// after a pause long enough for the workers to sleep, nested inside a piece, from several
    /// threads at once, and inline on a thread that asked for serial work.
    func testPoolRunsEveryPieceOnce() throws {
        try withThreads(4) {
            func check(_ pieces: Int, _ label: String) {
                var hits = [Int](repeating: 0, count: pieces)
                let lock = NSLock()
                Parallel.run(pieces) { i in lock.lock(); hits[i] += 1; lock.unlock() }
                XCTAssertEqual(hits, [Int](repeating: 1, count: pieces), label)
            }
            for job in 0..<2000 { check(1 + job % 9, "job \(job)") }
            Thread.sleep(forTimeInterval: 0.01)
            check(3, "after the workers slept")
            // nested: each piece splits again (the pool is busy: Dispatch takes the inner pieces)
            var inner = [Int](repeating: 0, count: 12)
            let lock = NSLock()
            Parallel.run(3) { i in Parallel.run(4) { j in lock.lock(); inner[i * 4 + j] += 1; lock.unlock() } }
            XCTAssertEqual(inner, [Int](repeating: 1, count: 12))
            // several threads at once: one owns the pool, the others fall back; nothing lost
            DispatchQueue.concurrentPerform(iterations: 4) { t in for job in 0..<300 { check(2 + (t + job) % 5, "thread \(t) job \(job)") } }
            // serially: pieces run in order on the calling thread
            let me = Thread.current
            var order: [Int] = []
            Parallel.serially { Parallel.run(5) { i in XCTAssertTrue(Thread.current === me); order.append(i) } }
            XCTAssertEqual(order, [0, 1, 2, 3, 4])
        }
    }
}
