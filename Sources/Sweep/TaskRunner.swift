import Foundation
import Tensor

/// Runs tasks of a sweep in this process, one after another: each task is the script run as
/// `ouro run SCRIPT <arguments> <grid values> seed= out=` would run it, in a fresh interpreter
/// (`execute`, given by the caller: the Lua host lives above this layer), with stdout and stderr
/// sent to the task's `log` and its status file kept up to date — running, then done or failed
/// with the failure's first line. Reusing one process for many tasks is what makes a sweep of small
/// tasks cost little more than one process doing the same work: a process start costs about as
/// much as a 100-generation Gaussian task. A task that was interrupted is simply run again: its
/// out= folder holds the loop's records, so the run resumes where it stopped.
public struct TaskRunner {
    public let folder: SweepFolder
    /// Runs the script with these arguments and returns nil, or the message of its failure (what
    /// `ouro run` would print after "ouro: ").
    public let execute: (_ script: String, _ arguments: [String]) -> String?

    public init(folder: SweepFolder, execute: @escaping (_ script: String, _ arguments: [String]) -> String?) {
        self.folder = folder
        self.execute = execute
    }

    /// This process's own executable (ouro).
    public static var ownExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs the task to its end and returns its final status.
    @discardableResult
    public func run(_ t: SweepTask) throws -> TaskStatus {
        let dir = folder.taskFolder(t)
        guard Directory.make(dir) else { throw SweepError(AtomicFile.failure("cannot create the task folder '\(dir)'").message) }
        let args = folder.arguments(t)
        let log = open(dir + "/log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw AtomicFile.failure("cannot create the log of task \(t.index) in '\(dir)'") }
        defer { close(log) }
        // "running" once stdout is the log: what tells a live task from a stale status (isStale)
        var statusError: Error?
        let failure = TaskRunner.redirected(to: log) { () -> String? in
            do { try folder.setStatus(t, .running(host: SweepFolder.hostName, pid: getpid())) } catch { statusError = error; return nil }
            return execute(folder.spec.script, args)
        }
        if let statusError { throw statusError }
        let status: TaskStatus = failure.map { .failed($0.split(separator: "\n").first.map(String.init) ?? $0) } ?? .done
        try folder.setStatus(t, status)
        return status
    }

    /// The arguments `script` declares, as `ouro run SCRIPT --help-json` prints them (what a
    /// sweep checks its grid against), read in this process; or the failure's message.
    public static func declaredArguments(of script: String, execute: (_ script: String, _ arguments: [String]) -> String?) -> Result<String, SweepError> {
        guard let file = tmpfile() else { return .failure(SweepError("cannot make a temporary file: \(String(cString: strerror(errno)))")) }
        defer { fclose(file) }
        let fd = fileno(file)
        if let failure = TaskRunner.redirected(to: fd, { execute(script, ["--help-json"]) }) {
            return .failure(SweepError(failure))
        }
        lseek(fd, 0, SEEK_SET)
        return .success(String(decoding: FileHandle(fileDescriptor: fd, closeOnDealloc: false).readDataToEndOfFile(), as: UTF8.self))
    }

    /// Runs body with this process's stdout and stderr both going to `log`, as a terminal would show
    /// them (and the failure, if any, written as `ouro run` writes it), then puts them back.
    static func redirected(to log: Int32, _ body: () -> String?) -> String? {
        fflush(stdout); fflush(stderr)
        let savedIn = dup(0), savedOut = dup(1), savedErr = dup(2), null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        dup2(null, 0); dup2(log, 1); dup2(log, 2)                // a task reads nothing: stdin is the sweep's channel
        let failure = body()
        if let failure { fputs("ouro: \(failure)\n", stderr) }
        fflush(stdout); fflush(stderr)
        dup2(savedIn, 0); dup2(savedOut, 1); dup2(savedErr, 2)
        for fd in [savedIn, savedOut, savedErr, null] where fd >= 0 { close(fd) }
        clearerr(stdin)              // a task that read /dev/null to its end must not end the worker's requests
        return failure
    }

    static func quote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_=/.,:+@%".contains($0) }) && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
