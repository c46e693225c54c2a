import Foundation
import Tensor

/// A run folder on disk, claimed for one run: marked with `run.json` (the run's identity),
/// locked while a process writes to it, and tidied only of the loop's own temporary files.
///
/// - A new or empty folder is marked; a folder marked with the same identity is resumed; a folder
///   marked with another identity, or holding anything without a mark (a user's folder, `/`, a
///   run whose `run.json` was deleted), is refused — nothing in it is touched.
/// - `lock` is held with flock(2) for the whole run: a second process (or a second run in this
///   one) refuses the folder and names the holder. The kernel drops the lock if the holder dies.
/// - Temporary files of interrupted atomic writes are removed only where the loop writes them
///   (the folder and `seeds/<seed>/`), only when named like its own records.
public final class RunFolder {
    public let path: String
    private var folderLock: FolderLock?

    static let marker = "run.json"
    static let lockName = "lock"
    /// Files the loop writes atomically (their temporaries may be left by a kill).
    static let recordNames: Set<String> = [marker, "manifest.json", "metrics.csv", "theory.csv", "pool.npy", "pool-meta.npy", "report.html"]

    /// Claims `path` for a run with `identity` (described by `description`, the canonical
    /// configuration stored in the mark for people to read).
    public init(path: String, identity: UInt64, description: [String: Any]) throws {
        guard !path.isEmpty else { throw LoopError("'out' is empty: give the folder for the run's records") }
        guard !path.utf8.contains(0) else { throw LoopError("'out' contains a NUL byte") }
        self.path = path
        var s = stat()
        if stat(path, &s) == 0 {
            guard (s.st_mode & S_IFMT) == S_IFDIR else { throw LoopError("'out' = '\(path)' is a file, not a folder") }
            try RunFolder.refuseForeign(path, entries: try RunFolder.entries(path))
        } else {
            guard Directory.make(path) else { throw LoopError(AtomicFile.failure("cannot create the run folder '\(path)'").message) }
        }
        try lock()
        do {
            // Under the lock, look again: another process may have marked it meanwhile.
            let entries = try RunFolder.entries(path)
            if let text = try AtomicFile.read(path + "/" + RunFolder.marker) {
                let found = RunFolder.identity(inMark: text)
                guard found == identity else {
                    throw LoopError("the run folder '\(path)' holds a run with a different configuration or data (identity \(found.map(Checksum.hex) ?? "unreadable"), this run's is \(Checksum.hex(identity))); choose another `out`, or delete that folder to start afresh")
                }
            } else {
                try RunFolder.refuseForeign(path, entries: entries)
                var mark = description
                mark["identity"] = Checksum.hex(identity)
                mark["ouroboros_run"] = 2
                try write(Array((JSONText.encode(mark) + "\n").utf8), to: path + "/" + RunFolder.marker)
            }
            try removeOwnTemporaries()
        } catch {
            unlock()
            throw error
        }
    }

    deinit { unlock() }

    /// Names in a folder (no "." or "..").
    static func entries(_ path: String) throws -> [String] {
        guard let names = Directory.names(at: path) else { throw LoopError("cannot read the run folder '\(path)': \(String(cString: strerror(errno)))") }
        return names
    }

    /// Refuses a folder that holds anything but a mark, our lock and temporaries of our mark.
    static func refuseForeign(_ path: String, entries: [String]) throws {
        if entries.contains(marker) { return }
        let stray = entries.filter { $0 != lockName && !($0.hasPrefix(marker + AtomicFile.temporaryMarker)) }
        if entries.contains("fingerprint.txt") {
            throw LoopError("'out' = '\(path)' holds a run recorded by an older ouro (with fingerprint.txt, no \(marker)); its records cannot be resumed by this version: delete the folder to run again")
        }
        guard stray.isEmpty else {
            let shown = stray.sorted().prefix(3).joined(separator: ", ") + (stray.count > 3 ? ", …" : "")
            throw LoopError("'out' = '\(path)' is not an Ouroboros run folder: it holds \(stray.count) item\(stray.count == 1 ? "" : "s") (\(shown)) and no \(marker); the loop writes only into a new or empty folder, or one it marked itself (if this was a run whose \(marker) was deleted, its records cannot be trusted: delete the folder)")
        }
    }

    static func identity(inMark bytes: [UInt8]) -> UInt64? {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let hex = obj["identity"] as? String else { return nil }
        return UInt64(hex, radix: 16)
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? CocoaError, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError,
           u.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(u.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return error.localizedDescription
    }

    // MARK: lock

    private func lock() throws {
        do {
            folderLock = try FolderLock(folder: path, name: RunFolder.lockName) { holder in
                "the run folder '\(self.path)' is in use by another run (\(holder)); wait for it to finish, or choose another `out`"
            }
        } catch let e as TensorError { throw LoopError(e.message) }
    }

    /// Releases the lock (also on deinit).
    public func unlock() {
        folderLock?.release()
        folderLock = nil
    }

    // MARK: files

    func write(_ bytes: [UInt8], to file: String) throws {
        do { try AtomicFile.write(bytes, to: file) } catch let e as TensorError { throw LoopError(e.message) }
    }

    /// Removes `<record>.tmp-<digits>` files in the folder, in `seeds/<seed>/` (with the weights
    /// checkpointed per generation) and in `samples/` (sample grids and texts): what a kill during
    /// one of the loop's own atomic writes leaves. Nothing else is removed.
    private func removeOwnTemporaries() throws {
        var dirs = [path, path + "/samples"]
        let seeds = path + "/seeds"
        if let names = Directory.names(at: seeds) {
            dirs += names.filter { Int($0) != nil }.map { seeds + "/" + $0 }
        }
        for dir in dirs {
            for name in Directory.names(at: dir) ?? [] where RunFolder.isOwnTemporary(name) {
                unlink(dir + "/" + name)
            }
        }
    }

    static func isOwnTemporary(_ name: String) -> Bool {
        guard let base = AtomicFile.temporaryTarget(of: name) else { return false }
        return recordNames.contains(base) || isGenerationFile(base)
    }

    /// `gen-XXX.safetensors` (a generation's weights), `gen-XXX.png` or `gen-XXX.txt` (its samples).
    static func isGenerationFile(_ name: String) -> Bool {
        guard name.hasPrefix("gen-"), let dot = name.firstIndex(of: ".") else { return false }
        let digits = name[name.index(name.startIndex, offsetBy: 4)..<dot], ext = name[name.index(after: dot)...]
        return digits.count >= 3 && digits.allSatisfy(\.isNumber) && ["safetensors", "png", "txt"].contains(String(ext))
    }
}
