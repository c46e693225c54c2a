import CProcess
import Foundation

/// A program on a real pseudo-terminal, driven through a private tmux server: keys go in with
/// `send-keys`, and `capture-pane` returns what the screen shows (escape sequences already applied).
final class TerminalSession {
    private let socket: String
    private static let counter = Counter()

    /// Starts `command` (a shell command line) in a `width`×`height` terminal with `env` set.
    /// When the command ends the pane shows `[exit N]` and stays, so its last screen can be read.
    init(_ command: String, env: [String: String] = [:], cwd: String, width: Int = 100, height: Int = 40) throws {
        socket = "ouro-test-\(getpid())-\(TerminalSession.counter.next())"
        var args = ["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)", "-c", cwd]
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { args += ["-e", "\(k)=\(v)"] }
        args.append("\(command); echo \"[exit $?]\"; sleep 600")
        try tmux(args, capture: false)    // the server this starts keeps whatever stdout it was given
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// Types text literally (no key names).
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "t", "-l", text]) }

    /// Presses keys by tmux name: "Enter", "Tab", "C-c", "C-d", "C-r", "Up".
    func press(_ keys: String...) throws { try tmux(["send-keys", "-t", "t"] + keys) }

    /// Types a line and presses Enter.
    func enter(_ line: String) throws { try type(line); try press("Enter") }

    /// The screen now, wrapped lines joined, trailing blank lines dropped.
    func screen() -> String {
        let text = (try? tmux(["capture-pane", "-t", "t", "-p", "-J"])) ?? ""
        return text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    /// Waits until the screen satisfies `condition` (polling); returns the last screen either way.
    @discardableResult
    func wait(timeout: Double = 20, until condition: (String) -> Bool) -> (ok: Bool, screen: String) {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen()
            if condition(last) { return (true, last) }
            usleep(50_000)
        }
        return (false, last)
    }

    /// Waits until `text` appears `count` times on the screen.
    @discardableResult
    func wait(for text: String, count: Int = 1, timeout: Double = 20) -> (ok: Bool, screen: String) {
        wait(timeout: timeout) { $0.components(separatedBy: text).count - 1 >= count }
    }

    /// Runs tmux with posix_spawn rather than Process: the tmux server it may start must not
    /// inherit this process's descriptors (Foundation watches a socket to see a child exit, and
    /// the long-lived server would hold it open), so the child closes every descriptor above 2.
    @discardableResult
    private func tmux(_ args: [String], capture: Bool = true) throws -> String {
        var pipeFDs: [Int32] = [-1, -1]
        if capture { guard pipe(&pipeFDs) == 0 else { throw SpawnError.failed("pipe") } }
        for _ in 0..<5 {
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            if capture { posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1) } else { posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) }
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
            for fd in open where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
            let argv = (["tmux", "-L", socket, "-f", "/dev/null"] + args).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            // Test threads block signals and a spawned child inherits that mask: start tmux (and so
            // the program under test, and the SIGHUP kill-server sends) with none blocked.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            ouro_spawn_default_signals(&attributes)
            var pid: pid_t = 0
            let rc = posix_spawnp(&pid, "tmux", &actions, &attributes, argv, environ)
            if rc == EBADF { continue }     // a listed descriptor closed meanwhile: list again
            guard rc == 0 else { throw SpawnError.failed("posix_spawnp tmux: \(rc)") }
            var output = Data()
            if capture {
                close(pipeFDs[1])
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(pipeFDs[0], &buffer, buffer.count)
                    if n > 0 { output.append(contentsOf: buffer[0..<n]) } else if n == 0 || errno != EINTR { break }
                }
                close(pipeFDs[0])
            }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return String(decoding: output, as: UTF8.self)
        }
        throw SpawnError.failed("posix_spawnp tmux kept failing")
    }

    enum SpawnError: Error { case failed(String) }

    static var available: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tmux", "-V"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }
}
