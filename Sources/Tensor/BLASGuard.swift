import CBLASGuard

/// BLAS and LAPACK parameter errors, recorded (per thread) instead of printed: inputs are
/// validated before they reach BLAS, so a report here is a bug in ouro, and the boundaries
/// that every call crosses (a Lua binding returning, a loop generation ending) turn it into an
/// error instead of letting a garbage result travel on.
public enum BLASGuard {
    /// The report recorded on this thread since the last call, if any ("DSYRK: parameter 7").
    public static func takeError() -> String? {
        var name = [CChar](repeating: 0, count: 48)
        let p = ouro_blas_take_error(&name, Int32(name.count))
        guard p != 0 else { return nil }
        return "\(String(cString: name)): parameter \(p)"
    }

    /// Throws if a report was recorded on this thread.
    public static func check(_ context: @autoclosure () -> String) throws {
        if let e = takeError() {
            throw TensorError("\(context()): internal error: BLAS/LAPACK rejected \(e) (please report this with the input's shape)")
        }
    }
}
