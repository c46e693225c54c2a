import Foundation
import Tensor

/// Runs one task of a sweep: `ouro run SCRIPT <arguments> <grid values> seed= out=` as a child
/// process with its output in the task's folder, its status file kept up to date (running, then
/// done or failed with the failure's first line). A task that was interrupted is simply run again:
/// its out= folder holds the loop's records, so the run resumes where it stopped.
public struct TaskRunner {
    public let folder: SweepFolder
    /// The ouro executable to run tasks with.
    public let executable: String
    /// Threads per task (OURO_OP_THREADS), unless the environment sets it.
    public let threads: Int

    public init(folder: SweepFolder, executable: String = TaskRunner.ownExecutable, threads: Int = 1) {
        self.folder = folder
        self.executable = executable
        self.threads = threads
    }

    /// This process's own executable (ouro).
    public static var ownExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The child's command line, without the executable.
    public func command(_ t: SweepTask) -> [String] {
        ["run", folder.spec.script] + folder.spec.arguments + t.arguments(folder.spec.grid, out: folder.taskFolder(t) + "/out")
    }

    /// Runs the task to its end and returns its final status.
    @discardableResult
    public func run(_ t: SweepTask) throws -> TaskStatus {
        let dir = folder.taskFolder(t)
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { throw SweepError("cannot create the task folder '\(dir)': \(error.localizedDescription)") }
        let args = command(t)
        try AtomicFile.write(([executable] + args).map(TaskRunner.quote).joined(separator: " ") + "\n", to: dir + "/command")
        guard FileManager.default.createFile(atPath: dir + "/stdout", contents: nil),
              FileManager.default.createFile(atPath: dir + "/stderr", contents: nil),
              let out = FileHandle(forWritingAtPath: dir + "/stdout"), let err = FileHandle(forWritingAtPath: dir + "/stderr") else {
            throw SweepError("cannot create the output files of task \(t.index) in '\(dir)'")
        }
        defer { try? out.close(); try? err.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        if env["OURO_OP_THREADS"] == nil { env["OURO_OP_THREADS"] = String(threads) }
        env["OURO_SWEEP_PARENT"] = String(getpid())
        p.environment = env
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { throw SweepError("cannot start '\(executable)': \(error.localizedDescription)") }
        try folder.setStatus(t, .running(host: SweepFolder.hostName, pid: p.processIdentifier))
        p.waitUntilExit()
        let status: TaskStatus
        if p.terminationReason == .exit && p.terminationStatus == 0 { status = .done }
        else { status = .failed(TaskRunner.failureLine(dir + "/stderr", process: p)) }
        try folder.setStatus(t, status)
        return status
    }

    /// The first line that says what went wrong: the error ouro printed ("ouro: file:line: …"),
    /// else the last line of stderr, else how the process ended.
    static func failureLine(_ stderrPath: String, process p: Process) -> String {
        let text = (try? AtomicFile.read(stderrPath)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        if let e = lines.first(where: { $0.hasPrefix("ouro: ") }) { return String(e.dropFirst(6)) }
        if p.terminationReason == .uncaughtSignal { return "killed by signal \(p.terminationStatus)" }
        return lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) ?? "exit status \(p.terminationStatus)"
    }

    static func quote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "-_=/.,:+@%".contains($0) }) && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
