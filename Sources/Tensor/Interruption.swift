/// Long computations poll this between units of work and stop with an "interrupted" error when it
/// returns true. The core knows nothing of where the request comes from; the REPL points it at its
/// Ctrl-C flag.
public enum Interruption {
    nonisolated(unsafe) public static var isRequested: () -> Bool = { false }

    /// Throws "interrupted" if an interruption has been requested.
    public static func check() throws {
        if isRequested() { throw TensorError("interrupted") }
    }
}
