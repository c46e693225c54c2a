import Foundation
import Tensor

/// A sweep's folder: `sweep.json` (what the sweep is: script, its checksum, grid, seeds, extra
/// arguments), one folder per task under `tasks/` and the merged `metrics.csv`.
///
///     DIR/sweep.json
///     DIR/tasks/000007/status     done | failed + the failure's first line | running on HOST pid N
///     DIR/tasks/000007/log        what the task printed (stdout and stderr)
///     DIR/tasks/000007/out/       the script's out=
///     DIR/metrics.csv             every finished task's metrics.csv rows, grid columns first
///
/// A folder made for another sweep (another script, script text, grid, seeds or arguments) is
/// refused, so results never mix; a folder holding anything else is refused too.
public struct SweepFolder {
    public let path: String
    public let spec: SweepSpec

    static let markName = "sweep.json"

    /// Opens (creating it when new or empty) the folder for `spec`.
    public init(path: String, creating spec: SweepSpec) throws {
        try AtomicFile.validate(path)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw SweepError("--out '\(path)' is a file, not a folder") }
        } else {
            do { try fm.createDirectory(atPath: path, withIntermediateDirectories: true) }
            catch { throw SweepError("cannot create the sweep folder '\(path)': \(error.localizedDescription)") }
        }
        let mark = path + "/" + SweepFolder.markName
        if let existing = try SweepFolder.readSpec(mark) {
            guard existing == spec else {
                throw SweepError("the folder '\(path)' holds another sweep (\(existing.differences(from: spec))); choose another --out, or delete that folder to start afresh")
            }
        } else {
            let entries = (try? fm.contentsOfDirectory(atPath: path))?.filter { !$0.hasPrefix(".") } ?? []
            guard entries.isEmpty else {
                throw SweepError("the folder '\(path)' is not empty and is not a sweep's (it has no \(SweepFolder.markName)); choose a new or empty --out")
            }
            let data = try JSONEncoder.sorted.encode(spec)
            try AtomicFile.write(data + Data("\n".utf8), to: mark)
        }
        self.path = path
        self.spec = spec
    }

    /// Opens an existing sweep's folder.
    public init(existing path: String) throws {
        guard let spec = try SweepFolder.readSpec(path + "/" + SweepFolder.markName) else {
            throw SweepError("'\(path)' is not a sweep folder (no \(SweepFolder.markName) in it)")
        }
        self.path = path
        self.spec = spec
    }

    static func readSpec(_ file: String) throws -> SweepSpec? {
        guard let bytes = try AtomicFile.read(file) else { return nil }
        do { return try JSONDecoder().decode(SweepSpec.self, from: Data(bytes)) }
        catch { throw SweepError("'\(file)' is damaged or from another version of ouro: \(error)") }
    }

    /// Claims the folder for this process (local runs, merges), then removes what a killed sweep
    /// may have left of its own atomic writes (`metrics.csv.tmp-<pid>` and the like; nothing else).
    public func lock() throws -> FolderLock {
        let lock: FolderLock
        do {
            lock = try FolderLock(folder: path, name: ".lock") { holder in
                "the sweep folder '\(self.path)' is in use by another sweep (\(holder)); wait for it, or look with `ouro sweep --status \(self.path)`"
            }
        } catch let e as TensorError { throw SweepError(e.message) }
        for name in Directory.names(at: path) ?? [] where SweepFolder.isOwnTemporary(name) { unlink(path + "/" + name) }
        return lock
    }

    /// The files a sweep writes atomically into its folder (their temporaries may be left by a kill).
    static let recordNames: Set<String> = [markName, "metrics.csv", "theory.csv", "report.html"]

    static func isOwnTemporary(_ name: String) -> Bool {
        AtomicFile.temporaryTarget(of: name).map(recordNames.contains) ?? false
    }

    public var tasks: [SweepTask] { spec.grid.tasks }

    public func taskFolder(_ t: SweepTask) -> String {
        let width = max(4, String(max(0, spec.grid.taskCount - 1)).count)
        let name = String(t.index)
        return path + "/tasks/" + String(repeating: "0", count: max(0, width - name.count)) + name
    }

    /// The script's arguments for task t: the sweep's own, then the grid's, seed= and out=.
    public func arguments(_ t: SweepTask) -> [String] {
        spec.arguments + t.arguments(spec.grid, out: taskFolder(t) + "/out")
    }

    /// How to run task t by hand, as one shell line.
    public func command(_ t: SweepTask) -> String {
        ([TaskRunner.ownExecutable, "run", spec.script] + arguments(t)).map(TaskRunner.quote).joined(separator: " ")
    }

    public func status(_ t: SweepTask) -> TaskStatus {
        guard let bytes = try? AtomicFile.read(taskFolder(t) + "/status") else { return .pending }
        return TaskStatus(text: String(decoding: bytes, as: UTF8.self))
    }

    /// Writes a task's status in place (no temporary file and rename: a task writes it twice and
    /// on ext4 every new file costs, most after mass deletions). Every torn state is safe: the
    /// text is a single short line, "done" is written only once the task's records are complete,
    /// and anything unreadable counts as not done, so the task is run again and resumes.
    public func setStatus(_ t: SweepTask, _ s: TaskStatus) throws {
        let path = taskFolder(t) + "/status"
        try AtomicFile.validate(path)
        var fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT && Directory.make(taskFolder(t)) {     // a task whose worker ended before it began
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw AtomicFile.failure("cannot write the status '\(path)'") }
        defer { close(fd) }
        try Array(s.text.utf8).withUnsafeBytes { try AtomicFile.writeAll(fd, $0, path: path) }
    }
}

/// What a sweep is: stored in sweep.json and compared on every reuse of its folder.
public struct SweepSpec: Codable, Equatable, Sendable {
    /// The script's absolute path and the checksum of its text.
    public let script: String
    public let scriptChecksum: String
    public let grid: SweepGrid
    /// Arguments given to every task before the grid's.
    public let arguments: [String]

    public init(script: String, grid: SweepGrid, arguments: [String]) throws {
        let url = URL(fileURLWithPath: script).standardizedFileURL
        guard let bytes = try AtomicFile.read(url.path) else { throw SweepError("cannot read the script '\(script)'") }
        self.script = url.path
        self.scriptChecksum = Checksum.hex(Checksum.of(bytes))
        self.grid = grid
        self.arguments = arguments
    }

    func differences(from other: SweepSpec) -> String {
        var d: [String] = []
        if script != other.script { d.append("script \(script), not \(other.script)") }
        else if scriptChecksum != other.scriptChecksum { d.append("the script's text has changed since") }
        if grid.dimensions != other.grid.dimensions { d.append("another grid") }
        if grid.seeds != other.grid.seeds { d.append("other seeds") }
        if arguments != other.arguments { d.append("arguments \(arguments), not \(other.arguments)") }
        return d.joined(separator: "; ")
    }
}

/// A task's state, as its status file records it.
public enum TaskStatus: Equatable, Sendable {
    case pending
    case running(host: String, pid: Int32)
    case done
    case failed(String)

    public init(text: String) {
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let first = lines.first ?? ""
        if first == "done" { self = .done; return }
        if first == "failed" { self = .failed(lines.count > 1 ? lines[1].trimmingCharacters(in: .newlines) : ""); return }
        let words = first.split(separator: " ")
        if words.count == 5, words[0] == "running", words[1] == "on", words[3] == "pid", let pid = Int32(words[4]) {
            self = .running(host: String(words[2]), pid: pid); return
        }
        self = .pending
    }

    public var text: String {
        switch self {
        case .pending: return "pending\n"
        case .running(let host, let pid): return "running on \(host) pid \(pid)\n"
        case .done: return "done\n"
        case .failed(let line): return "failed\n\(line)\n"
        }
    }

    /// Whether the process a `running` status names is gone (on this host; another host's cannot be
    /// checked and counts as alive): no such process, a zombie nobody has reaped yet, or a process
    /// that is not working for this sweep folder (its pid reused): neither named on its command
    /// line (`--worker DIR`, `--task I DIR`) nor writing its stdout into the folder's tasks (a
    /// forked worker keeps the sweep's command line, which need not name the folder).
    public func isStale(sweep folder: String) -> Bool {
        guard case .running(let host, let pid) = self, host == SweepFolder.hostName else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let stat = TaskStatus.procFile("/proc/\(pid)/stat").map({ String(decoding: $0, as: UTF8.self) }) else { return false }
        if let close = stat.lastIndex(of: ")"), let state = stat[stat.index(after: close)...].split(separator: " ").first,
           state == "Z" || state == "X" { return true }
        guard let cmd = TaskStatus.procFile("/proc/\(pid)/cmdline") else { return false }
        if String(decoding: cmd.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).contains(folder) { return false }
        return !TaskStatus.writesLog(of: folder, pid: pid)
    }

    /// Whether process pid's stdout is a file under the sweep folder's tasks/ (a task's log).
    static func writesLog(of folder: String, pid: Int32) -> Bool {
        guard let real = realpath(folder, nil) else { return false }
        defer { free(real) }
        var link = [UInt8](repeating: 0, count: 4096)
        let n = link.withUnsafeMutableBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: b.count) { readlink("/proc/\(pid)/fd/1", $0, b.count) }
        }
        guard n > 0 else { return false }
        return String(decoding: link[0..<n], as: UTF8.self).hasPrefix(String(cString: real) + "/tasks/")
    }
}

extension TaskStatus {
    /// A /proc file's bytes (its size reads as 0, so it is read until the end).
    static func procFile(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = [], buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }
}

extension SweepFolder {
    public static var hostName: String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        return String(cString: host)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return e
    }
}
