import Foundation
import CProcess
import Tensor

/// A child process started with posix_spawn (the sweep's workers, the script's `--help-json`,
/// sbatch) or forked (a sweep's first workers: `forking`). Foundation's Process takes about 50 ms
/// to start a child on Linux (posix_spawn: under 1 ms), which alone cost a sweep of small tasks
/// more than its target. A spawned child runs with every signal at its default, a forked one with
/// this process's handlers; none blocked, in this process's group (Ctrl-C at a terminal reaches
/// it too); the streams not piped are inherited.
public final class ChildProcess {
    public let pid: pid_t
    /// The parent's ends of the pipes asked for: write to `input`, read `output` and `errors`.
    public private(set) var input: Int32 = -1
    public let output: Int32, errors: Int32
    private var ended: Termination?

    /// How a child ended.
    public enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32), signaled(Int32)
        public var description: String {
            switch self {
            case .exited(let code): return "exit status \(code)"
            case .signaled(let sig): return "signal \(sig)"
            }
        }
    }

    /// Starts `executable` (a path, or a name looked up in PATH when `searchPath`) with `arguments`
    /// (without argv[0]) and `environment` (nil: this process's), with pipes for the streams asked.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                pipeInput: Bool = false, pipeOutput: Bool = false, pipeErrors: Bool = false, searchPath: Bool = false) throws {
        let pipes = try Pipes(input: pipeInput, output: pipeOutput, errors: pipeErrors)
        defer { pipes.closeChildEnds() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for p in pipes.all { posix_spawn_file_actions_adddup2(&actions, p.child, p.target) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        ouro_spawn_default_signals(&attributes)

        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var child: pid_t = 0
        let rc = searchPath ? posix_spawnp(&child, executable, &actions, &attributes, argv, envp)
                            : posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            pipes.closeParentEnds()
            throw SweepError("cannot start '\(executable)': \(String(cString: strerror(rc)))")
        }
        (pid, input, output, errors) = (child, pipes.input, pipes.output, pipes.errors)
    }

    /// Forks this process, with its stdin and stdout piped, and runs `body` in the child (which
    /// must end it: exit). No program is loaded, so the child is ready at once; its signals are
    /// unblocked and it ends with this process (`ouro_fork_worker`). Nil where a fork is not safe:
    /// this process runs more than one thread. Call it only before this process has used Dispatch
    /// (a sweep forks its workers first thing), which no thread count shows.
    public static func forking(_ body: () -> Never) throws -> ChildProcess? {
        guard Directory.names(at: "/proc/self/task")?.count == 1 else { return nil }
        let pipes = try Pipes(input: true, output: true, errors: false)
        let child = ouro_fork_worker(pipes.all[0].child, pipes.all[1].child)
        if child == 0 { body() }
        pipes.closeChildEnds()
        guard child > 0 else {
            pipes.closeParentEnds()
            throw SweepError("cannot fork a worker: \(String(cString: strerror(errno)))")
        }
        return ChildProcess(pid: child, input: pipes.input, output: pipes.output)
    }

    private init(pid: pid_t, input: Int32, output: Int32) {
        (self.pid, self.input, self.output, self.errors) = (pid, input, output, -1)
    }

    /// The pipes of a child's streams: for each, the parent's end, the child's end and the stream
    /// (0, 1, 2) the child's end becomes. Made close-on-exec: no other child inherits them.
    private struct Pipes {
        var all: [(parent: Int32, child: Int32, target: Int32)] = []
        var input: Int32 = -1, output: Int32 = -1, errors: Int32 = -1

        init(input i: Bool, output o: Bool, errors e: Bool) throws {
            do {
                if i { input = try make(0) }
                if o { output = try make(1) }
                if e { errors = try make(2) }
            } catch {
                closeParentEnds()
                closeChildEnds()
                throw error
            }
        }

        private mutating func make(_ target: Int32) throws -> Int32 {
            var fds: [Int32] = [-1, -1]
            guard ouro_pipe_cloexec(&fds) == 0 else { throw SweepError("cannot make a pipe: \(String(cString: strerror(errno)))") }
            let (parent, child) = target == 0 ? (fds[1], fds[0]) : (fds[0], fds[1])
            all.append((parent, child, target))
            return parent
        }

        func closeChildEnds() { for p in all { close(p.child) } }
        func closeParentEnds() { for p in all { close(p.parent) } }
    }

    deinit {
        closeInput()
        for fd in [output, errors] where fd >= 0 { close(fd) }
        if ended == nil { _ = wait() }
    }

    /// Writes all of `bytes` to the child's stdin; false if the child has gone.
    public func write(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            bytes = bytes.dropFirst(n)
        }
        return true
    }

    /// Closes the child's stdin (a worker then ends).
    public func closeInput() {
        if input >= 0 { close(input); input = -1 }
    }

    /// Reads the child's piped stdout and stderr to their ends (both at once, so neither fills up
    /// while the other is read).
    public func readAll() -> (output: [UInt8], errors: [UInt8]) {
        var result: [[UInt8]] = [[], []]
        var polled = [output, errors].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while polled.contains(where: { $0.fd >= 0 }) {
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in polled.indices where polled[k].fd >= 0 && polled[k].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(polled[k].fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { polled[k].fd = -1 } else { result[k] += buffer[0..<n] }
            }
        }
        return (result[0], result[1])
    }

    /// Waits for the child to end and says how it did.
    @discardableResult
    public func wait() -> Termination {
        if let ended { return ended }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let t: Termination = (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        ended = t
        return t
    }
}
