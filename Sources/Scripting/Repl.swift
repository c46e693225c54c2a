import CLineEdit
import CLua
import CLuaBridge
import Foundation

/// `ouro repl`: an interactive session over a `ReplSession` — libedit line editing with history
/// and completion on a terminal; on any other stdin, the chunk stream without prompts or colours.
public enum Repl {
    /// Runs the session; returns the exit status (0, or 1 if a chunk failed while not interactive).
    public static func run(script: String?, args: [String]) -> Int32 {
        let host: LuaHost
        do { host = try LuaHost() } catch {
            fputs("ouro: \(error)\n", stderr)
            return 1
        }
        let session = ReplSession(host: host)
        installGlobalHelp(host)
        let interactive = isatty(0) != 0
        var failed = false
        if interactive {
            banner(host)
            _ = ouro_bridge_catch_sigint()      // Ctrl-C interrupts the -i script too, not the process
        }
        if let script {
            do { try host.run(file: script, args: args) } catch let e as ScriptError {
                report(e.description, colour: interactive && isatty(2) != 0)
                failed = true
            } catch { report("\(error)", colour: false); failed = true }
        }
        ouro_bridge_clear_interrupt(host.L)
        if interactive {
            return TerminalLoop(session: session).run()
        }
        // Lines as bytes: a NUL or an invalid UTF-8 byte reaches Lua as it is.
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while true {
            let n = getline(&buffer, &capacity, stdin)
            guard n >= 0, let b = buffer else { break }
            var line = [UInt8](UnsafeRawBufferPointer(start: b, count: n))
            if line.last == 0x0A { line.removeLast() }
            for step in session.feed(bytes: line) where !show(step, colour: false) { failed = true }
        }
        if let last = session.finish(), !show(last, colour: false) { failed = true }
        return failed ? 1 : 0
    }

    /// Prints what a step produced; false if it was a failure.
    @discardableResult
    static func show(_ step: ReplSession.Step, colour: Bool) -> Bool {
        switch step {
        case .incomplete: return true
        case .ran(_, let output):
            if let output { fputs(output + "\n", stdout); fflush(stdout) }
            return true
        case .failed(_, let message):
            report(message, colour: colour)
            return false
        }
    }

    static func report(_ message: String, colour: Bool) {
        fflush(stdout)
        fputs(colour ? "\u{1B}[31m" + message + "\u{1B}[0m\n" : message + "\n", stderr)
        fflush(stderr)
    }

    /// The global `help(x)`: prints what `ouro.help(x)` returns.
    static func installGlobalHelp(_ host: LuaHost) {
        host.pushFunction("help", doc: "help(x) — prints the help text of x (see ouro.help): help() for an overview, help(ouro) for the API, help(x) for a value's methods.") { a in
            guard let host = HostRegistry.host(a.lua.L) else { return 0 }
            fputs(Help.text(host, a.lua, a.count >= 1 ? 1 : nil) + "\n", stdout)
            fflush(stdout)
            return 0
        }
        lua_setglobal(host.L, "help")
    }

    static func banner(_ host: LuaHost) {
        var plugins = "plugins: none found"
        do {
            let n = try host.run(string: "return #ouro.plugins()", chunkName: "=repl").first ?? "0"
            plugins = "\(n) plugin\(n == "1" ? "" : "s") found"
        } catch let e as ScriptError {
            plugins = "plugins: \(e.message)"
        } catch {}
        print("Ouroboros \(LuaHost.version) (\(LuaHost.luaVersion)) — \(plugins); help() for help, Ctrl-D to quit")
    }

    /// The history file: $XDG_DATA_HOME/ouro/history, else ~/.local/share/ouro/history.
    static var historyPath: String? {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_DATA_HOME"].map { $0 + "/ouro" } ?? (env["HOME"] ?? NSHomeDirectory()) + "/.local/share/ouro"
        do {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        } catch {
            fputs("ouro: history is not kept: cannot create \(base) (\(error.localizedDescription))\n", stderr)
            return nil
        }
        return base + "/history"
    }
}

/// The interactive loop on a terminal.
final class TerminalLoop {
    let session: ReplSession
    let colour: Bool

    init(session: ReplSession) {
        self.session = session
        self.colour = isatty(2) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    func run() -> Int32 {
        let context = Unmanaged.passUnretained(session).toOpaque()
        guard let editor = ouro_editor_open("ouro", Repl.historyPath, 1000, completeCallback, context) else {
            fputs("ouro: cannot start the line editor\n", stderr)
            return 1
        }
        defer { ouro_editor_close(editor) }
        while true {
            var status: Int32 = 0
            let prompt = session.isContinuing ? ">> " : "> "
            guard let raw = ouro_editor_read(editor, prompt, &status) else {
                if status == Int32(OURO_EDITOR_INTERRUPTED) {
                    // Ctrl-C at the prompt: drop the line (and any unfinished chunk), start afresh
                    fputs("^C\n", stdout); fflush(stdout)
                    session.discardPending()
                    ouro_bridge_clear_interrupt(session.host.L)
                    continue
                }
                fputs("\n", stdout)
                return 0
            }
            let line = [UInt8](UnsafeRawBufferPointer(start: raw, count: strlen(raw)))
            free(raw)
            for step in session.feed(bytes: line) {
                switch step {
                case .ran(let chunk, _), .failed(let chunk, _):
                    if !chunk.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { _ = ouro_editor_remember(editor, chunk) }
                case .incomplete: break
                }
                if session.wasInterrupted { fputs("\n", stdout) }   // the terminal echoed ^C mid-line
                Repl.show(step, colour: colour)
            }
        }
    }
}

/// libedit's Tab: asks the session for candidates and hands them back as malloc'ed C strings.
private let completeCallback: ouro_complete_fn = { context, before, out, wordLength in
    guard let context, let before, let out, let wordLength else { return 0 }
    let session = Unmanaged<ReplSession>.fromOpaque(context).takeUnretainedValue()
    let (word, candidates) = session.completions(before: String(cString: before))
    guard !candidates.isEmpty,
          let array = malloc(candidates.count * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)?
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: candidates.count) else { return 0 }
    for (k, c) in candidates.enumerated() { array[k] = strdup(c) }
    out.pointee = array
    wordLength.pointee = Int32(word)
    return Int32(candidates.count)
}
