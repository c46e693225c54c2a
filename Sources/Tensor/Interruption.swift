import Foundation

/// Long computations poll for an interruption between units of work and stop with an
/// "interrupted" error when one is requested. The core knows nothing of where requests come from:
/// `process` is the whole process's request (the REPL points it at its Ctrl-C flag), and each
/// thread may carry a `Source` of its own (a Lua host sets its own while it runs code, so hosts
/// embedded side by side are interrupted independently).
public enum Interruption {
    /// A request flag someone can raise: polled from any thread.
    public final class Source: @unchecked Sendable {
        public let isRaised: () -> Bool
        public init(_ isRaised: @escaping () -> Bool) { self.isRaised = isRaised }
    }

    /// The process-wide request (Ctrl-C).
    nonisolated(unsafe) public static var process: () -> Bool = { false }

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// The calling thread's source (nil: only the process-wide request applies).
    public static var current: Source? {
        get { pthread_getspecific(key).map { Unmanaged<Source>.fromOpaque($0).takeUnretainedValue() } }
    }

    /// Runs `body` with `source` as the calling thread's source (restored afterwards).
    public static func with<R>(_ source: Source?, _ body: () throws -> R) rethrows -> R {
        let saved = pthread_getspecific(key)
        pthread_setspecific(key, source.map { Unmanaged.passUnretained($0).toOpaque() })
        defer { pthread_setspecific(key, saved) }
        return try body()
    }

    /// A poll bound to the calling thread's source, for work that continues on other threads.
    public static func poll() -> () -> Bool {
        let source = current
        return { process() || (source?.isRaised() ?? false) }
    }

    /// True if an interruption has been requested of the process or of the calling thread's source.
    public static func isRequested() -> Bool { process() || (current?.isRaised() ?? false) }

    /// Throws "interrupted" if an interruption has been requested.
    public static func check() throws {
        if isRequested() { throw TensorError("interrupted") }
    }
}
