import Foundation

/// Whether autograd records ops on the calling thread. Recording is on by default; `disabled`
/// turns it off for a block (nesting), per thread, so the loop's worker threads and a REPL on the
/// main thread never see each other's setting.
public enum GradMode {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True unless the calling thread is inside `disabled`.
    @inline(__always) public static var isEnabled: Bool { pthread_getspecific(key) == nil }

    /// Runs `body` with recording off on this thread (restored afterwards).
    public static func disabled<R>(_ body: () throws -> R) rethrows -> R {
        let saved = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(key, saved) }
        return try body()
    }

    /// Runs `body` with recording on (inside a `disabled` block, e.g. a model's own training step).
    public static func enabled<R>(_ body: () throws -> R) rethrows -> R {
        let saved = pthread_getspecific(key)
        pthread_setspecific(key, nil)
        defer { pthread_setspecific(key, saved) }
        return try body()
    }
}
