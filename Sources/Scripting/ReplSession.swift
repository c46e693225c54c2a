import CLua
import CLuaBridge
import Foundation

/// The read-eval-print core of `ouro repl`, independent of any terminal: lines go in, and each
/// complete chunk comes out evaluated with its values rendered (lua.c's rules: a line is first
/// tried as `return <line>`, an incomplete chunk — Lua reports `<eof>` — waits for more lines).
public final class ReplSession {
    public let host: LuaHost
    /// Lines of a chunk that is not complete yet.
    public private(set) var pending: [String] = []
    /// The chunk name in messages: errors read `stdin:1: …`.
    public var chunkName = "=stdin"
    /// True when Ctrl-C arrived while the last chunk ran.
    public private(set) var wasInterrupted = false

    /// What one line led to.
    public enum Step: Equatable {
        /// The chunk is incomplete: show the secondary prompt.
        case incomplete
        /// The chunk ran; `output` holds its rendered values (nil when there were none or a
        /// trailing `;` suppressed them). `chunk` is the whole source, for the history.
        case ran(chunk: String, output: String?)
        /// The chunk did not compile or raised an error: message and traceback.
        case failed(chunk: String, message: String)
    }

    public init(host: LuaHost) {
        self.host = host
        _ = ouro_bridge_watch_coroutines(host.L)
    }

    /// Interrupts what the session is running, as Ctrl-C does (safe from any thread or a signal).
    public func interrupt() { ouro_bridge_interrupt_host(host.L) }

    /// True while lines of an incomplete chunk are waiting.
    public var isContinuing: Bool { !pending.isEmpty }

    /// Forgets the incomplete chunk (Ctrl-C at the secondary prompt).
    public func discardPending() { pending = [] }

    /// Feeds one line (without its newline).
    public func feed(_ line: String) -> Step {
        pending.append(line)
        let chunk = pending.joined(separator: "\n")
        if chunk.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            pending = []
            return .ran(chunk: chunk, output: nil)
        }
        let L = host.L
        ouro_bridge_push_traceback_handler(L)
        let handler = lua_gettop(L)
        defer { lua_settop(L, handler - 1) }
        switch compile(chunk) {
        case .incomplete:
            return .incomplete
        case .error(let message):
            pending = []
            return .failed(chunk: chunk, message: message)
        case .loaded:
            pending = []
        }
        ouro_bridge_clear_interrupt(L)
        defer {
            wasInterrupted = ouro_bridge_interrupted(L) != 0
            ouro_bridge_clear_interrupt(L)
        }
        let status = host.protectedCall(nargs: 0, nresults: LUA_MULTRET, handler: handler)
        if status != LUA_OK {
            return .failed(chunk: chunk, message: ReplSession.trimTraceback(host.lua.describe(-1)))
        }
        let count = lua_gettop(L) - handler
        guard count > 0 else { return .ran(chunk: chunk, output: nil) }
        // `_` holds the first value of the last chunk that returned any.
        ouro_lua_pushglobaltable(L)
        lua_pushvalue(L, handler + 1)
        host.lua.setRawField(-2, "_")
        host.lua.pop()
        if chunk.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(";") {
            return .ran(chunk: chunk, output: nil)
        }
        let printer = ValuePrinter(host.lua)
        let parts = (1...count).map { printer.render(handler + $0) }
        let separator = parts.contains { $0.contains("\n") } ? "\n" : ", "
        return .ran(chunk: chunk, output: parts.joined(separator: separator))
    }

    /// At end of input: an incomplete chunk is reported with Lua's own message.
    public func finish() -> Step? {
        guard isContinuing else { return nil }
        let chunk = pending.joined(separator: "\n")
        pending = []
        let L = host.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        if case .error(let message) = compile(chunk, final: true) { return .failed(chunk: chunk, message: message) }
        return .failed(chunk: chunk, message: "incomplete chunk at end of input")
    }

    private enum Compiled { case loaded, incomplete, error(String) }

    /// Loads `chunk` as an expression (`return <chunk>`) or else as a statement; the function
    /// is left on the stack when it loads.
    private func compile(_ chunk: String, final: Bool = false) -> Compiled {
        let expression = load("return " + chunk)
        if expression == LUA_OK { return .loaded }
        let expressionMessage = host.lua.describe(-1)
        host.lua.pop()
        let statement = load(chunk)
        if statement == LUA_OK { return .loaded }
        let message = host.lua.describe(-1)
        host.lua.pop()
        // Either reading may be the unfinished one: `x = {1,` ends early as a statement,
        // `{1,` only as an expression.
        let unfinished = [(expression, expressionMessage), (statement, message)].contains { $0.0 == LUA_ERRSYNTAX && $0.1.hasSuffix("<eof>") }
        if unfinished && !final { return .incomplete }
        return .error(message)
    }

    private func load(_ source: String) -> Int32 {
        let L = host.L
        return source.withCString { luaL_loadbufferx(L, $0, strlen($0), chunkName, "t") }
    }

    /// Drops the frames the REPL itself adds at the bottom of a traceback.
    static func trimTraceback(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces) == "[C]: in ?" { lines.removeLast() }
        if lines.count == 2, lines[1] == "stack traceback:" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
