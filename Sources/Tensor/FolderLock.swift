import Foundation

/// An exclusive claim on a folder for one process, held with flock(2) on a lock file inside it
/// (the run folders of the loop, sweep folders): a second claimant is refused and told who holds
/// it — pid, host, command line and since when, written into the lock file. The kernel drops the
/// lock if the holder dies, so a killed process never leaves a folder claimed.
public final class FolderLock {
    private var fd: Int32 = -1

    /// Claims `folder` through its file `name`. `busy(holder)` makes the error for a folder that
    /// another process holds; other failures say what the system said.
    public init(folder: String, name: String, busy: (String) -> String) throws {
        let lockPath = folder + "/" + name
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFile.failure("cannot create the lock '\(lockPath)'") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let held = errno == EWOULDBLOCK
            let failure = AtomicFile.failure("cannot lock '\(lockPath)'")
            let holder = FolderLock.holder(fd)
            close(fd)
            throw held ? TensorError(busy(holder)) : failure
        }
        self.fd = fd
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let command = CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        let info = "pid \(getpid()) on \(String(cString: host)) (\(command)), since \(FolderLock.utcNow())\n"
        _ = ftruncate(fd, 0)
        let bytes = Array(info.utf8)
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// The time now as ISO 8601 in UTC, e.g. 2026-12-02T21:36:35Z (strftime: Foundation's date
    /// formatters load ICU's time zone data, milliseconds a lock, and every sweep task takes one).
    static func utcNow() -> String {
        var now = time(nil), parts = tm()
        gmtime_r(&now, &parts)
        var text = [CChar](repeating: 0, count: 32)
        let n = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: text[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What the lock file says about its holder ("held by pid … on …").
    static func holder(_ fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "holder unknown" : "held by " + text
    }

    /// Releases the claim (also on deinit).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}
