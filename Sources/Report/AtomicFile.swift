import Foundation

/// Writing text files so readers never see a half-written file.
enum AtomicFile {
    /// Writes `text` as UTF-8 to a temporary file next to `path`, then renames it over `path`.
    static func write(_ text: String, to path: String) throws {
        guard !path.isEmpty else { throw ReportError("cannot write a chart: the output path is empty") }
        let target = URL(fileURLWithPath: path)
        let directory = target.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
        } catch {
            throw ReportError("cannot write \(path): \(error.localizedDescription)")
        }
        if rename(temporary.path, target.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportError("cannot move the finished file into place at \(path): \(reason)")
        }
    }
}
