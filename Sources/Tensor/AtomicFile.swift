import Foundation

/// Writing files so that readers never see a half-written one: the bytes go to a temporary file
/// next to the target (`<name>.tmp-<pid>`), which is then renamed over it. Every failure says
/// what the system said (errno: "No space left on device", "Permission denied"), and a path is
/// checked before use (no NUL bytes, not empty). The one writer of the project's files.
public enum AtomicFile {
    /// The suffix of temporary files (followed by the writer's process id).
    public static let temporaryMarker = ".tmp-"

    /// The file a temporary named `<file>.tmp-<pid>` was being written for, or nil if `name` is
    /// not such a temporary (what a kill during a write leaves; folders tidy their own).
    public static func temporaryTarget(of name: String) -> String? {
        guard let r = name.range(of: temporaryMarker, options: .backwards) else { return nil }
        let pid = name[r.upperBound...]
        return !pid.isEmpty && pid.allSatisfy(\.isNumber) ? String(name[..<r.lowerBound]) : nil
    }

    /// Throws unless `path` can name a file: not empty, no NUL byte.
    public static func validate(_ path: String) throws {
        guard !path.isEmpty else { throw TensorError("the file path is empty") }
        guard !path.utf8.contains(0) else { throw TensorError("the file path contains a NUL byte") }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    public static func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write($0, to: path) }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try bytes.withUnsafeBytes { try write($0, to: path) }
    }

    public static func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        try write(to: path) { emit in try emit(bytes) }
    }

    /// Writes what `produce` emits, chunk by chunk, to a temporary file that then replaces `path`:
    /// for outputs too large to build in memory first (a sweep's merged table).
    public static func write(to path: String, _ produce: (_ emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try validate(path)
        let tmp = path + temporaryMarker + "\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create '\(tmp)'") }
        do {
            try produce { try writeAll(fd, $0, path: tmp) }
            guard close(fd) == 0 else { let e = failure("cannot write '\(tmp)'"); unlink(tmp); throw e }
        } catch {
            close(fd); unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let e = failure("cannot move '\(tmp)' to '\(path)'")
            unlink(tmp)
            throw e
        }
    }

    /// Writes every byte to fd (retrying short writes and EINTR); errors name `path` and errno.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Foundation.write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write '\(path)'")
            }
            p += n; left -= n
        }
    }

    /// Reads a whole file; nil if it does not exist, an error (with errno) if it cannot be read.
    public static func read(_ path: String) throws -> [UInt8]? {
        try validate(path)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("cannot open '\(path)'")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 { out.reserveCapacity(Int(st.st_size)) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw failure("cannot read '\(path)'") }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// An error carrying errno's text.
    public static func failure(_ what: String) -> TensorError {
        TensorError("\(what): \(String(cString: strerror(errno)))")
    }
}
