import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned buffer of elements of one dtype.
/// Tensors are views (shape, strides, offset) onto a storage; several tensors may share one.
public final class Storage: @unchecked Sendable {
    public let dtype: DType
    public let count: Int
    public let byteCount: Int
    public let bytes: UnsafeMutableRawPointer

    /// Allocates uninitialised storage for `count` elements; throws if the request is absurd
    /// or the memory cannot be had.
    public init(dtype: DType, count: Int) throws {
        let bytes = try Storage.checkRequest(dtype: dtype, count: count)
        try MemoryPolicy.charge(bytes)
        guard let p = BufferCache.shared.take(byteCount: bytes) else {
            MemoryPolicy.refund(bytes)
            throw TensorError("out of memory: cannot allocate \(MemoryPolicy.describe(bytes: bytes)) for a tensor")
        }
        self.dtype = dtype
        self.count = count
        self.byteCount = bytes
        self.bytes = p
    }

    /// The byte size of a request, or an error if it is negative or beyond the per-tensor limit.
    public static func checkRequest(dtype: DType, count: Int) throws -> Int {
        guard count >= 0 else { throw TensorError("cannot allocate a negative number of elements (\(count))") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes <= MemoryPolicy.maxTensorBytes else {
            throw TensorError("a tensor of \(count) \(dtype.rawValue) elements (\(MemoryPolicy.describe(bytes: overflow ? Int.max : bytes))) exceeds the limit of \(MemoryPolicy.describe(bytes: MemoryPolicy.maxTensorBytes)) per tensor")
        }
        return bytes
    }

    deinit {
        BufferCache.shared.give(bytes, byteCount: byteCount)
        MemoryPolicy.refund(byteCount)
    }

    @inline(__always) public func pointer<T: TensorElement>(_: T.Type) -> UnsafeMutablePointer<T> {
        bytes.assumingMemoryBound(to: T.self)
    }
}

/// Limits on tensor memory, and the live-byte count Lua's collector is told about.
public enum MemoryPolicy {
    /// The largest single tensor that may be allocated (default: the machine's physical memory).
    nonisolated(unsafe) public static var maxTensorBytes: Int = Int(clamping: ProcessInfo.processInfo.physicalMemory)

    private static let lock = NSLock()
    private static let live = Atomic<Int>(0)

    /// Bytes held by live tensors in this process.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// Thread-dictionary key of the per-thread allocation budget (used by sandboxed plugins).
    static let threadBudgetKey = "ouro.tensor.budget"

    /// Runs `body` with at most `bytes` of new tensor memory allocatable on this thread.
    public static func withBudget<R>(_ bytes: Int, label: String, _ body: () throws -> R) rethrows -> R {
        let d = Thread.current.threadDictionary
        let saved = d[threadBudgetKey]
        d[threadBudgetKey] = BudgetBox(remaining: bytes, total: bytes, label: label)
        lock.lock(); budgetsActive += 1; lock.unlock()
        defer {
            d[threadBudgetKey] = saved
            lock.lock(); budgetsActive -= 1; lock.unlock()
        }
        return try body()
    }

    /// Number of budgets in force on any thread (the thread dictionary is consulted only then).
    nonisolated(unsafe) private static var budgetsActive = 0

    static func charge(_ bytes: Int) throws {
        if budgetsActive > 0, let b = Thread.current.threadDictionary[threadBudgetKey] as? BudgetBox {
            guard bytes <= b.remaining else {
                throw TensorError("\(b.label): tensor memory budget of \(describe(bytes: b.total)) exceeded (asked for \(describe(bytes: bytes)) more)")
            }
            b.remaining -= bytes
        }
        live.add(bytes, ordering: .relaxed)
    }

    static func refund(_ bytes: Int) {
        live.subtract(bytes, ordering: .relaxed)
    }

    public static func describe(bytes: Int) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(bytes), i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return i == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", v, units[i])
    }

    final class BudgetBox { var remaining: Int; let total: Int; let label: String
        init(remaining: Int, total: Int, label: String) { self.remaining = remaining; self.total = total; self.label = label } }
}

/// Keeps freed buffers of 64 KiB and more for reuse, so that a loop of out-of-place ops on big
/// tensors does not pay the kernel's page-fault cost on every fresh allocation. Among free buffers
/// of the requested size it hands out the one allocated most recently: the likeliest to be warm
/// in the CPU caches.
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()
    private let lock = NSLock()
    private var free: [Int: [(p: UnsafeMutableRawPointer, seq: UInt64)]] = [:]
    private var issued: [UnsafeMutableRawPointer: UInt64] = [:]
    private var sequence: UInt64 = 0
    private var cachedBytes = 0
    private let minCached = 1 << 16
    private let maxCached = 1 << 30        // at most 1 GiB held in the cache

    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= minCached else {
            var p: UnsafeMutableRawPointer?
            return posix_memalign(&p, 64, max(byteCount, 64)) == 0 ? p : nil
        }
        lock.lock()
        defer { lock.unlock() }
        sequence &+= 1
        if var list = free[byteCount], !list.isEmpty {
            var best = 0
            for i in 1..<list.count where list[i].seq > list[best].seq { best = i }
            let p = list[best].p
            list.swapAt(best, list.count - 1); list.removeLast()
            free[byteCount] = list.isEmpty ? nil : list
            cachedBytes -= byteCount
            issued[p] = sequence
            return p
        }
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, byteCount) == 0, let q = p else { return nil }
        issued[q] = sequence
        return q
    }

    func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= minCached else { Foundation.free(p); return }
        lock.lock()
        let seq = issued.removeValue(forKey: p) ?? 0
        if byteCount > maxCached {
            lock.unlock()
            Foundation.free(p)
            return
        }
        var dropped: [UnsafeMutableRawPointer] = []
        if cachedBytes + byteCount > maxCached {
            // Full: release everything cached to make room for the most recent buffer.
            dropped = free.values.flatMap { $0.map { $0.p } }
            free = [:]; cachedBytes = 0
        }
        free[byteCount, default: []].append((p, seq))
        cachedBytes += byteCount
        lock.unlock()
        for q in dropped { Foundation.free(q) }
    }
}
