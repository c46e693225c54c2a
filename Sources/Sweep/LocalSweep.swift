import Foundation
import Tensor

/// A sweep on this machine: `jobs` worker processes (`ouro sweep --worker DIR`), each running the
/// tasks it is handed one after another (TaskRunner), with progress on stderr. Finished tasks are
/// skipped, interrupted ones run again (and resume), a failed task does not stop the others, and a
/// worker that dies (a script calling os.exit, a signal) fails only the task it was running and is
/// replaced. Workers end with the sweep, even a killed one (OURO_SWEEP_PARENT).
public struct LocalSweep {
    public let folder: SweepFolder
    public let jobs: Int
    /// Threads per worker (OURO_OP_THREADS), unless the environment sets it.
    public let threads: Int
    public let executable: String

    /// Workers started before the folder was ready (`startWorkers`), taken first.
    let started: [Worker]

    public init(folder: SweepFolder, jobs: Int, threads: Int, executable: String = TaskRunner.ownExecutable, started: Workers? = nil) {
        self.folder = folder
        self.jobs = max(1, jobs)
        self.threads = max(1, threads)
        self.executable = executable
        self.started = started?.workers ?? []
    }

    /// Worker processes started ahead, while the caller still checks the script and makes the
    /// folder (a worker opens the folder at its first task): their start-up overlaps that work.
    public struct Workers {
        let workers: [Worker]

        /// The arguments `script` declares (its --help-json), read by the first worker (no
        /// process started for it); nil if there is no worker.
        public func declaredArguments(of script: String) throws -> String? {
            try workers.first?.declaredArguments(of: script)
        }
    }

    /// Starts `count` workers for the sweep folder at `path`. With `serve` (what `ouro sweep
    /// --worker DIR` runs, given DIR; it must exit), they are forks of this process where that is
    /// safe (it runs one thread): ready at once, instead of after loading ouro and its libraries
    /// again (about 25 ms here, before the first task can start).
    public static func startWorkers(_ count: Int, folder path: String, threads: Int, executable: String = TaskRunner.ownExecutable,
                                    serve: ((String) -> Never)? = nil) throws -> Workers {
        Workers(workers: try (0..<max(0, count)).map { _ in
            try Worker(folder: path, threads: max(1, threads), executable: executable, serve: serve)
        })
    }

    public struct Summary: Equatable {
        public var done = 0, failed = 0, skipped = 0
    }

    /// Runs every task not done; `progress` receives a line per change (and `final` at the end);
    /// `ended` hears of every task that has ended (for a merge running beside the sweep).
    public func run(ended: EndedTasks? = nil, progress: @escaping @Sendable (String, Bool) -> Void) throws -> Summary {
        var todo: [SweepTask] = [], summary = Summary()
        let all = folder.tasks
        for t in all {
            let status = folder.status(t)
            switch status {
            case .done: summary.done += 1; summary.skipped += 1; ended?.end(t.index)
            case .running(let host, let pid) where !status.isStale(sweep: folder.path):
                throw SweepError("task \(t.index) is running on \(host) (pid \(pid)); wait for it, or look with `ouro sweep --status \(folder.path)`")
            default: todo.append(t)
            }
        }
        let state = Locked(State(queue: todo[...], summary: summary))
        let total = all.count, start = Date(), skipped = summary.skipped
        @Sendable func report(final: Bool) {
            let s = state.withLock { $0 }
            let finishedHere = s.summary.done - skipped + s.summary.failed
            var eta = ""
            if finishedHere > 0 && !final {
                let per = Date().timeIntervalSince(start) / Double(finishedHere)
                eta = ", ETA " + LocalSweep.duration(Double(total - s.summary.done - s.summary.failed) * per)
            }
            progress("sweep: \(s.summary.done)/\(total) done, \(s.running) running, \(s.summary.failed) failed\(eta)", final)
        }
        report(final: false)
        let errors = Locked<[String]>([])
        let group = DispatchGroup()
        for k in 0..<min(jobs, todo.count) {
            group.enter()
            let ready = k < started.count ? started[k] : nil
            Thread.detachNewThread {
                defer { group.leave() }
                // A worker that died makes writing to it fail (EPIPE) instead of raising SIGPIPE here.
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                var worker: Worker? = ready
                while let t = state.withLock({ s -> SweepTask? in
                    guard let t = s.queue.popFirst() else { return nil }
                    s.running += 1
                    return t
                }) {
                    var status = TaskStatus.failed("no worker")
                    do {
                        if worker == nil { worker = try Worker(folder: folder.path, threads: threads, executable: executable) }
                        if let w = worker, w.run(t.index) { status = folder.status(t) }
                        else {
                            let how = worker?.end() ?? "did not start"
                            worker = nil
                            status = .failed("the worker process running the task ended (\(how))")
                            try folder.setStatus(t, status)
                        }
                    } catch {
                        errors.withLock { $0.append("task \(t.index): \(error)") }
                    }
                    state.withLock { s in
                        s.running -= 1
                        if status == .done { s.summary.done += 1 } else { s.summary.failed += 1 }
                    }
                    ended?.end(t.index)
                    report(final: false)
                }
                _ = worker?.end()
            }
        }
        group.wait()
        for w in started.dropFirst(min(jobs, todo.count)) { _ = w.end() }     // started but not needed
        ended?.endAll()
        report(final: true)
        if let first = errors.withLock({ $0.first }) { throw SweepError(first) }
        return state.withLock { $0.summary }
    }

    /// Runs every task not done with the merge beside them (it takes each task as soon as it
    /// and those before it have ended, so little is left to merge at the end); the merge's
    /// outcome is returned, not thrown: the sweep's own summary comes first.
    public func runAndMerge(progress: @escaping @Sendable (String, Bool) -> Void) throws -> (Summary, Result<SweepMerge.Result, Error>) {
        let ended = EndedTasks(), merged = Locked<Result<SweepMerge.Result, Error>?>(nil), mergeDone = DispatchSemaphore(value: 0)
        let folder = self.folder
        Thread.detachNewThread {
            merged.withLock { $0 = Result { try SweepMerge.merge(folder, as: ended) } }
            mergeDone.signal()
        }
        let summary: Summary
        do { summary = try run(ended: ended, progress: progress) } catch {
            ended.cancel()                        // the merge stops, leaving no file
            mergeDone.wait()
            throw error
        }
        mergeDone.wait()
        return (summary, merged.withLock { $0 } ?? .failure(SweepError("the merge did not run")))
    }

    struct State {
        var queue: ArraySlice<SweepTask>
        var summary: Summary
        var running = 0
    }

    /// One `ouro sweep --worker DIR` process: task indices go in on its stdin, each comes back on
    /// its stdout when the task has ended.
    final class Worker {
        let child: ChildProcess

        init(folder: String, threads: Int, executable: String, serve: ((String) -> Never)? = nil) throws {
            var env = ProcessInfo.processInfo.environment
            if env["OURO_OP_THREADS"] == nil { env["OURO_OP_THREADS"] = String(threads) }
            env["OURO_SWEEP_PARENT"] = String(getpid())
            if let serve, let forked = try ChildProcess.forking({
                for key in ["OURO_OP_THREADS", "OURO_SWEEP_PARENT"] { setenv(key, env[key]!, 1) }
                Parallel.threads = Parallel.threadsFromEnvironment()        // read once already, maybe
                serve(folder)
            }) {
                child = forked
            } else {
                child = try ChildProcess(executable, ["sweep", "--worker", folder], environment: env, pipeInput: true, pipeOutput: true)
            }
        }

        /// Hands task i over and waits until it has ended; false if the worker died.
        func run(_ i: Int) -> Bool {
            guard child.write("\(i)\n") else { return false }
            return readLine() == String(i)
        }

        /// Asks for the arguments `script` declares: "arguments N" and the path's N bytes go in,
        /// "ok N" or "failed N" and N bytes (the JSON, or the failure) come back.
        func declaredArguments(of script: String) throws -> String {
            func fail(_ why: String) -> SweepError { SweepError("cannot read the arguments of '\(script)': \(why)") }
            guard child.write("arguments \(script.utf8.count)\n" + script) else { throw fail("the process running it ended (\(end()))") }
            let header = readLine().split(separator: " ")
            guard header.count == 2, header[0] == "ok" || header[0] == "failed", let n = Int(header[1]), n >= 0,
                  let body = readBytes(n) else { throw fail("the process running it ended (\(end()))") }
            let text = String(decoding: body, as: UTF8.self)
            guard header[0] == "ok" else { throw fail(text) }
            return text
        }

        /// A line of its stdout (without the newline); what was read if it ended first.
        private func readLine() -> String {
            var line: [UInt8] = [], byte: UInt8 = 0
            while read(child.output, &byte, 1) == 1 && byte != 10 { line.append(byte) }
            return String(decoding: line, as: UTF8.self)
        }

        /// Exactly n bytes of its stdout, or nil if it ended first.
        private func readBytes(_ n: Int) -> [UInt8]? {
            var out = [UInt8](repeating: 0, count: n), at = 0
            while at < n {
                let k = out.withUnsafeMutableBytes { read(child.output, $0.baseAddress! + at, n - at) }
                if k < 0 && errno == EINTR { continue }
                guard k > 0 else { return nil }
                at += k
            }
            return out
        }

        /// Closes its stdin (it then exits) and says how it ended.
        func end() -> String {
            child.closeInput()
            return child.wait().description
        }
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", t % 3600 / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}

/// A value shared between worker threads, read and changed under a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ v: Value) { value = v }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
