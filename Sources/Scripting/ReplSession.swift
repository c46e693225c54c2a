import CLua
import CLuaBridge
import Foundation

/// The read-eval-print core of `ouro repl`, independent of any terminal: lines go in, and each
/// complete chunk comes out evaluated with its values rendered (lua.c's rules: a line is first
/// tried as `return <line>`, an incomplete chunk — Lua reports `<eof>` — waits for more lines).
public final class ReplSession {
    public let host: LuaHost
    /// The chunk being read: its bytes so far (lines joined by newlines) and where each line starts.
    private var chunk: [UInt8] = []
    private var lineStarts: [Int] = []
    /// Lexical state at the end of the chunk, and how many of its lines the last compile saw.
    private var scanner = LuaLineScanner()
    private var compiledLines = 0
    /// The lines of the chunk being read (for display).
    public var pending: [String] { (0..<lineStarts.count).map { String(decoding: lineBytes($0), as: UTF8.self) } }
    /// How many times a chunk has been compiled (each costs its length: the REPL keeps it linear).
    public private(set) var compiles = 0
    /// The chunk name in messages: errors read `stdin:1: …`.
    public var chunkName = "=stdin"
    /// True when Ctrl-C arrived while the last chunk ran.
    public private(set) var wasInterrupted = false
    /// Beyond this many lines, a chunk whose brackets or blocks are still open is not compiled
    /// again until they close (compiling on every line would make a long chunk quadratic).
    public static let deferCompileAfterLines = 64

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
    public var isContinuing: Bool { !lineStarts.isEmpty }

    /// Forgets the incomplete chunk (Ctrl-C at the secondary prompt).
    public func discardPending() { reset() }

    private func reset() { chunk = []; lineStarts = []; scanner = LuaLineScanner(); compiledLines = 0; blankSoFar = true }
    private var blankSoFar = true

    private func lineBytes(_ k: Int) -> ArraySlice<UInt8> {
        let start = lineStarts[k], end = k + 1 < lineStarts.count ? lineStarts[k + 1] - 1 : chunk.count
        return chunk[start..<end]
    }

    /// Feeds one line (without its newline) and returns the last step it led to.
    public func feed(_ line: String) -> Step { feed(bytes: Array(line.utf8)).last ?? .incomplete }

    /// Feeds one line of bytes (without its newline; it may hold NUL bytes or invalid UTF-8, which
    /// Lua strings keep as they are). Usually one step; more when an error found late splits the
    /// chunk (the lines after the error are read again, as lua.c would have read them).
    public func feed(bytes line: [UInt8]) -> [Step] {
        if !lineStarts.isEmpty { chunk.append(0x0A) }
        lineStarts.append(chunk.count)
        chunk.append(contentsOf: line)
        let wasInsideToken = scanner.insideToken
        scanner.scan(line)
        if !blankSoFar || line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) { blankSoFar = false }
        if blankSoFar {
            let text = String(decoding: chunk, as: UTF8.self)
            reset()
            return [.ran(chunk: text, output: nil)]
        }
        // Lua's verdict cannot have changed: the line only lengthened a long string or comment
        // (or a continued string) that the last compile already saw open, or the chunk is long
        // and its brackets or blocks are still open.
        let lengthenedToken = wasInsideToken && scanner.insideToken && compiledLines > 0
        let stillOpen = scanner.depth > 0 && lineStarts.count > ReplSession.deferCompileAfterLines && compiledLines > 0
        if lengthenedToken || stillOpen { return [.incomplete] }
        return evaluate()
    }

    /// Compiles the chunk and runs it when complete.
    private func evaluate() -> [Step] {
        let L = host.L
        ouro_bridge_push_traceback_handler(L)
        let handler = lua_gettop(L)
        defer { lua_settop(L, handler - 1) }
        let lines = lineStarts.count
        let deferred = compiledLines
        compiledLines = lines
        switch compile(chunk) {
        case .incomplete:
            return [.incomplete]
        case .error(let message, let line):
            // An error on a line that a skipped compile would have stopped at: that prefix is the
            // failed chunk, and the lines after it are read again.
            if let line, line > deferred, line < lines {
                let head = Array(chunk[0..<(lineStarts[line] - 1)])
                let rest = (line..<lines).map { Array(lineBytes($0)) }
                lua_settop(L, handler)
                var headMessage = message
                if case .error(let m, _) = compile(head) { headMessage = m }
                reset()
                var steps: [Step] = [.failed(chunk: String(decoding: head, as: UTF8.self), message: headMessage)]
                for r in rest { steps += feed(bytes: r) }
                return steps
            }
            let text = String(decoding: chunk, as: UTF8.self)
            reset()
            return [.failed(chunk: text, message: message)]
        case .loaded:
            let text = String(decoding: chunk, as: UTF8.self)
            reset()
            return [run(text, handler: handler)]
        }
    }

    /// Runs the compiled chunk on top of the stack and renders its values.
    private func run(_ chunk: String, handler: Int32) -> Step {
        let L = host.L
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
        let text = String(decoding: chunk, as: UTF8.self)
        let bytes = chunk
        reset()
        let L = host.L
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        if case .error(let message, _) = compile(bytes, final: true) { return .failed(chunk: text, message: message) }
        return .failed(chunk: text, message: "incomplete chunk at end of input")
    }

    private enum Compiled { case loaded, incomplete, error(String, line: Int?) }

    /// Loads `chunk` as an expression (`return <chunk>`) or else as a statement; the function
    /// is left on the stack when it loads. An error carries the line Lua reported.
    private func compile(_ chunk: [UInt8], final: Bool = false) -> Compiled {
        compiles += 1
        let expression = load(Array("return ".utf8) + chunk)
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
        return .error(message, line: ReplSession.errorLine(message, chunkName: chunkName))
    }

    /// The line number in "stdin:12: …".
    static func errorLine(_ message: String, chunkName: String) -> Int? {
        let name = chunkName.hasPrefix("=") || chunkName.hasPrefix("@") ? String(chunkName.dropFirst()) : chunkName
        guard message.hasPrefix(name + ":") else { return nil }
        let rest = message.dropFirst(name.count + 1)
        return Int(rest.prefix { $0.isNumber })
    }

    private func load(_ source: [UInt8]) -> Int32 {
        let L = host.L
        return source.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { luaL_loadbufferx(L, $0.baseAddress, $0.count, chunkName, "t") }
        }
    }

    /// Drops the frames the REPL itself adds at the bottom of a traceback.
    static func trimTraceback(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces) == "[C]: in ?" { lines.removeLast() }
        if lines.count == 2, lines[1] == "stack traceback:" { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
