import Foundation
import Tensor

/// A sweep on this machine: every task not yet done runs on one of `jobs` workers (one process
/// each), with progress on stderr; finished tasks are skipped, interrupted ones run again (and
/// resume), a failed task does not stop the others. Then the finished tasks' metrics are merged.
public struct LocalSweep {
    public let runner: TaskRunner
    public let jobs: Int

    public init(runner: TaskRunner, jobs: Int) {
        self.runner = runner
        self.jobs = max(1, jobs)
    }

    public struct Summary: Equatable {
        public var done = 0, failed = 0, skipped = 0
    }

    /// Runs the tasks (all of them, or `only`); `progress` receives one line per change.
    public func run(only: [SweepTask]? = nil, progress: @escaping @Sendable (String, Bool) -> Void) throws -> Summary {
        let folder = runner.folder
        let all = only ?? folder.tasks
        var todo: [SweepTask] = [], summary = Summary()
        for t in all {
            switch folder.status(t) {
            case .done: summary.done += 1; summary.skipped += 1
            case .running(let host, let pid) where !folder.status(t).isStale(task: folder.taskFolder(t)):
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
                let left = Double(total - s.summary.done - s.summary.failed) * per
                eta = ", ETA " + LocalSweep.duration(left)
            }
            progress("sweep: \(s.summary.done)/\(total) done, \(s.running) running, \(s.summary.failed) failed\(eta)", final)
        }
        report(final: false)
        let errors = Locked<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<min(jobs, todo.count) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while let t = state.withLock({ s -> SweepTask? in
                    guard let t = s.queue.popFirst() else { return nil }
                    s.running += 1
                    return t
                }) {
                    let status: TaskStatus
                    do { status = try runner.run(t) } catch {
                        errors.withLock { $0.append("task \(t.index): \(error)") }
                        status = .failed("\(error)")
                    }
                    state.withLock { s in
                        s.running -= 1
                        if status == .done { s.summary.done += 1 } else { s.summary.failed += 1 }
                    }
                    report(final: false)
                }
            }
        }
        group.wait()
        report(final: true)
        if let first = errors.withLock({ $0.first }) { throw SweepError(first) }
        return state.withLock { $0.summary }
    }

    struct State {
        var queue: ArraySlice<SweepTask>
        var summary: Summary
        var running = 0
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
