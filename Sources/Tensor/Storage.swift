import Foundation
import Synchronization

/// A reference-counted, 64-byte aligned buffer of elements of one dtype.
/// Tensors are views (shape, strides, offset) onto a storage; several tensors may share one.
public final class Storage: @unchecked Sendable {
    public let dtype: DType
    public let count: Int
    public let byteCount: Int
    public let bytes: UnsafeMutableRawPointer
    /// Bumped by every in-place write, so autograd can tell a saved tensor was changed after use.
    public var version: UInt64 = 0

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
            throw TensorError("a tensor of \(count) \(dtype.rawValue) elements (\(MemoryPolicy.describe(bytes: overflow ? Int.max : bytes))) exceeds the memory limit of \(MemoryPolicy.describe(bytes: MemoryPolicy.maxTensorBytes)) (OURO_MEMORY_LIMIT)")
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

/// The memory policy: how much tensor memory this process may hold, and the one check every size
/// that comes from a user (a count of samples, points, rows, draws) goes through before anything
/// is allocated or looped over. The limit defaults to 3/4 of the machine's physical memory, so
/// that a request the machine cannot serve is refused with a message instead of ending in the
/// kernel's out-of-memory killer; `OURO_MEMORY_LIMIT` (bytes, or with a K/M/G/T suffix) sets it.
public enum MemoryPolicy {
    /// Tensor bytes the process may hold at once; also the largest single request.
    nonisolated(unsafe) public static var limitBytes: Int = defaultLimit()

    /// The largest single tensor that may be allocated (the limit itself).
    public static var maxTensorBytes: Int { limitBytes }

    static func defaultLimit() -> Int {
        if let text = ProcessInfo.processInfo.environment["OURO_MEMORY_LIMIT"], let v = parseBytes(text), v > 0 { return v }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory / 4 * 3)
    }

    /// "8G", "512M", "1048576" → bytes (nil if unreadable).
    public static func parseBytes(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(t), scale = 1
        if t.hasSuffix("B") { digits = digits.dropLast() }
        if let u = digits.last, let f = units[u] { scale = f; digits = digits.dropLast() }
        guard let v = Double(digits), v >= 0, v.isFinite else { return nil }
        let bytes = v * Double(scale)
        return bytes < 0x1p62 ? Int(bytes) : nil
    }

    /// Checks, before any allocation or loop, that `count` items costing `bytesPerItem` bytes each
    /// (everything the request implies: results and working copies) fit the policy. `what` names
    /// the request in the message ("'n'", "samples").
    public static func checkCount(_ count: Int, bytesPerItem: Int, what: String) throws {
        guard count >= 0 else { throw TensorError("\(what) must be non-negative, got \(count)") }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: max(bytesPerItem, 1))
        let limit = limitBytes
        if overflow || bytes > limit {
            throw TensorError("\(what) = \(count) asks for \(overflow ? "more than 8 EiB" : describe(bytes: bytes)) (\(bytesPerItem) bytes each), beyond the memory limit of \(describe(bytes: limit)) (OURO_MEMORY_LIMIT)")
        }
        let free = limit - liveBytes
        if bytes > free {
            throw TensorError("\(what) = \(count) asks for \(describe(bytes: bytes)), but only \(describe(bytes: max(free, 0))) of the memory limit of \(describe(bytes: limit)) is free (tensors hold \(describe(bytes: liveBytes)))")
        }
    }

    private static let lock = NSLock()
    private static let live = Atomic<Int>(0)

    /// Bytes held by live tensors in this process.
    public static var liveBytes: Int { live.load(ordering: .relaxed) }

    /// Thread-dictionary key of the per-thread allocation budget (used by sandboxed plugins).
    static let threadBudgetKey = "ouro.tensor.budget"

    /// Runs `body` with at most `bytes` of new tensor memory allocatable on this thread. Budgets
    /// nest: an inner budget never allows more than what is left of the outer one, and what the
    /// inner call allocates counts against the outer one too.
    public static func withBudget<R>(_ bytes: Int, label: String, _ body: () throws -> R) rethrows -> R {
        let d = Thread.current.threadDictionary
        let outer = d[threadBudgetKey] as? BudgetBox
        let box = BudgetBox(remaining: min(bytes, outer?.remaining ?? .max), total: bytes, label: label, outer: outer)
        d[threadBudgetKey] = box
        lock.lock(); budgetsActive += 1; lock.unlock()
        defer {
            d[threadBudgetKey] = outer
            lock.lock(); budgetsActive -= 1; lock.unlock()
        }
        return try body()
    }

    /// Number of budgets in force on any thread (the thread dictionary is consulted only then).
    nonisolated(unsafe) private static var budgetsActive = 0

    static func charge(_ bytes: Int) throws {
        let now = live.add(bytes, ordering: .relaxed).newValue
        if now > limitBytes {
            live.subtract(bytes, ordering: .relaxed)
            throw TensorError("cannot allocate \(describe(bytes: bytes)) for a tensor: tensors already hold \(describe(bytes: now - bytes)) of the memory limit of \(describe(bytes: limitBytes)) (OURO_MEMORY_LIMIT)")
        }
        if budgetsActive > 0, let b = Thread.current.threadDictionary[threadBudgetKey] as? BudgetBox {
            guard bytes <= b.remaining else {
                live.subtract(bytes, ordering: .relaxed)
                throw TensorError("\(b.label): tensor memory budget of \(describe(bytes: b.total)) exceeded (asked for \(describe(bytes: bytes)) more)")
            }
            var box: BudgetBox? = b
            while let c = box { c.remaining -= bytes; box = c.outer }
        }
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

    final class BudgetBox {
        var remaining: Int; let total: Int; let label: String; let outer: BudgetBox?
        init(remaining: Int, total: Int, label: String, outer: BudgetBox?) {
            self.remaining = remaining; self.total = total; self.label = label; self.outer = outer
        }
    }
}

/// Keeps freed buffers of 64 KiB and more for reuse, so that a loop of out-of-place ops on big
/// tensors does not pay the kernel's page-fault cost on every fresh allocation (a training step of
/// a convolutional network frees and asks again for gigabytes of the same sizes). Among free
/// buffers of the requested size it hands out the one freed most recently: the likeliest to be
/// warm in the CPU caches. It holds at most a quarter of the memory limit, up to 4 GiB; when full,
/// the buffers freed longest ago go first.
final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()
    private let lock = NSLock()
    private var free: [Int: [(p: UnsafeMutableRawPointer, seq: UInt64)]] = [:]
    private var sequence: UInt64 = 0
    private var cachedBytes = 0
    private let minCached = 1 << 16
    private var maxCached: Int { min(1 << 32, MemoryPolicy.limitBytes / 4) }

    func take(byteCount: Int) -> UnsafeMutableRawPointer? {
        guard byteCount >= minCached else {
            var p: UnsafeMutableRawPointer?
            return posix_memalign(&p, 64, max(byteCount, 64)) == 0 ? p : nil
        }
        lock.lock()
        defer { lock.unlock() }
        if var list = free[byteCount], !list.isEmpty {
            var best = 0
            for i in 1..<list.count where list[i].seq > list[best].seq { best = i }
            let p = list[best].p
            list.swapAt(best, list.count - 1); list.removeLast()
            free[byteCount] = list.isEmpty ? nil : list
            cachedBytes -= byteCount
            return p
        }
        var p: UnsafeMutableRawPointer?
        guard posix_memalign(&p, 64, byteCount) == 0, let q = p else { return nil }
        return q
    }

    func give(_ p: UnsafeMutableRawPointer, byteCount: Int) {
        guard byteCount >= minCached else { Foundation.free(p); return }
        lock.lock()
        var dropped: [UnsafeMutableRawPointer] = []
        let limit = maxCached
        if byteCount > limit { lock.unlock(); Foundation.free(p); return }
        while cachedBytes + byteCount > limit {
            // Full: release the buffer freed longest ago (the one given back with the oldest use).
            var oldest: (size: Int, index: Int, seq: UInt64)? = nil
            for (size, list) in free {
                for (i, e) in list.enumerated() where oldest == nil || e.seq < oldest!.seq { oldest = (size, i, e.seq) }
            }
            guard let o = oldest else { break }
            var list = free[o.size]!
            dropped.append(list.remove(at: o.index).p)
            free[o.size] = list.isEmpty ? nil : list
            cachedBytes -= o.size
        }
        sequence &+= 1
        free[byteCount, default: []].append((p, sequence))
        cachedBytes += byteCount
        lock.unlock()
        for q in dropped { Foundation.free(q) }
    }
}
