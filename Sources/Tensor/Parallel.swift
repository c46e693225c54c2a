import CKernels
import Foundation

/// Large elementwise work and large sums split across the machine's cores. Splits never change
/// a result: elementwise ops compute each element the same way whatever the split, and sums add
/// fixed-size blocks whose partial sums are combined in block order (see `blockSums`), so the
/// numbers are the same bit for bit on one thread or many.
public enum Parallel {
    /// The most pieces one op is split into (the machine's cores; `OURO_OP_THREADS` overrides).
    nonisolated(unsafe) public static var threads: Int = threadsFromEnvironment()

    /// `OURO_OP_THREADS` (1…64), or the machine's cores.
    public static func threadsFromEnvironment() -> Int {
        if let v = getenv("OURO_OP_THREADS").flatMap({ Int(String(cString: $0)) }), v >= 1 { return min(v, 64) }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Below this many elements an op runs on the calling thread (splitting costs more than it saves).
    public static let grain = 1 << 15

    /// How long an idle pool thread spins for the next op before it sleeps (`OURO_SPIN_US`, µs).
    nonisolated(unsafe) public static var spinMicroseconds: Int = {
        if let v = ProcessInfo.processInfo.environment["OURO_SPIN_US"].flatMap(Int.init), v >= 0 { return min(v, 1_000_000) }
        return 200
    }()

    /// Runs body(0), …, body(pieces − 1), on as many cores as `threads` allows (the calling thread
    /// and a pool of spinning workers, `CKernels/pool.c`). A call made while the pool is busy — from
    /// inside a piece, or from another thread's op — goes to Dispatch instead, so the two halves of
    /// a `both` can still share cores when one finishes early. Pieces must be independent; which
    /// core runs one never changes what it computes.
    public static func run(_ pieces: Int, _ body: (Int) -> Void) {
        if pieces <= 1 || threads == 1 { for i in 0..<pieces { body(i) }; return }
        let ran: Int32 = withoutActuallyEscaping(body) { escapable in
            var job = escapable
            return withUnsafeMutablePointer(to: &job) { p in
                ouro_pool_run(pieces, { ctx, i in ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i) },
                              p, Int32(min(threads - 1, 63)), spinMicroseconds * 1000)
            }
        }
        if ran == -2 { for i in 0..<pieces { body(i) } }
        else if ran != 0 { DispatchQueue.concurrentPerform(iterations: pieces, execute: body) }
    }

    /// Runs work with every op on this thread unsplit — for work that already runs on each core
    /// (the loop's seeds in parallel), where splitting ops would only make threads fight.
    public static func serially<T>(_ work: () throws -> T) rethrows -> T {
        ouro_pool_serial(1)
        defer { ouro_pool_serial(0) }
        return try work()
    }

    /// Runs body over 0..<n in contiguous pieces, concurrently when n is large.
    @inline(__always)
    public static func forRanges(_ n: Int, grain: Int = Parallel.grain, _ body: (Range<Int>) -> Void) {
        let pieces = min(threads, n / max(grain, 1))
        if pieces <= 1 { body(0..<n); return }
        run(pieces) { k in body((n * k / pieces)..<(n * (k + 1) / pieces)) }
    }

    /// Runs two independent pieces of work, at the same time when there are cores to spare (each
    /// computes what it would alone, so results do not depend on it). The first error is thrown.
    public static func both(_ first: () throws -> Void, _ second: () throws -> Void) throws {
        guard threads > 1 else { try first(); try second(); return }
        var errors: (Error?, Error?) = (nil, nil)
        withUnsafeMutablePointer(to: &errors) { e in
            run(2) { i in
                do { if i == 0 { try first() } else { try second() } }
                catch { if i == 0 { e.pointee.0 = error } else { e.pointee.1 = error } }
            }
        }
        if let e = errors.0 ?? errors.1 { throw e }
    }

    /// Σ over `count` fixed blocks: each block's partial sum (computed by `block`, in parallel when
    /// there are many) is added in block order, so the total does not depend on the split.
    public static func blockSums(_ count: Int, _ block: (Int) -> Double) -> Double {
        if count <= 1 { return count == 1 ? block(0) : 0 }
        var partial = [Double](repeating: 0, count: count)
        partial.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            forRanges(count, grain: 32) { r in for b in r { base[b] = block(b) } }
        }
        var total = 0.0
        for v in partial { total += v }
        return total
    }
}
