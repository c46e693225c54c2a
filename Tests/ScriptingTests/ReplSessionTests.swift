import Foundation
import Scripting
import Testing

/// The REPL's evaluation, printing and completion, without a terminal.
struct ReplSessionTests {
    func session() throws -> ReplSession { ReplSession(host: try LuaHost()) }

    /// Feeds lines and returns the last step.
    func feed(_ s: ReplSession, _ lines: String...) -> ReplSession.Step {
        var last: ReplSession.Step = .incomplete
        for l in lines { last = s.feed(l) }
        return last
    }

    func output(_ step: ReplSession.Step) -> String? {
        if case .ran(_, let out) = step { return out }
        return nil
    }

    @Test func expressionsPrintWithoutEqualsAndSemicolonSuppresses() throws {
        let s = try session()
        #expect(output(feed(s, "1 + 2")) == "3")
        #expect(output(feed(s, "x = 40")) == nil)
        #expect(output(feed(s, "x + 2;")) == nil)
        #expect(output(feed(s, "_")) == "42", "`_` is set even when printing was suppressed")
        #expect(output(feed(s, "x, 'two', nil, true")) == "40, two, nil, true")
        #expect(output(feed(s, "_ * 2")) == "80", "`_` holds the first of several values")
        #expect(output(feed(s, "2^0.5")) == "1.4142135623731")
    }

    @Test func incompleteChunksContinueUntilComplete() throws {
        let s = try session()
        #expect(s.feed("function sq(x)") == .incomplete)
        #expect(s.isContinuing)
        #expect(s.feed("  return x * x") == .incomplete)
        #expect(output(s.feed("end")) == nil)
        #expect(!s.isContinuing)
        #expect(output(feed(s, "sq(12)")) == "144")
        // an expression spread over lines (incomplete only as `return …`)
        #expect(s.feed("{1,") == .incomplete)
        #expect(output(s.feed("2}")) == "{1, 2}")
        // Ctrl-C at the secondary prompt drops the chunk
        #expect(s.feed("for i = 1, 3 do") == .incomplete)
        s.discardPending()
        #expect(output(feed(s, "7")) == "7")
        // end of input inside a chunk is reported with Lua's message
        #expect(s.feed("while true do") == .incomplete)
        guard case .failed(_, let message)? = s.finish() else { Issue.record("expected a failure"); return }
        #expect(message.contains("'end' expected"), "\(message)")
    }

    @Test func longChunksAreNotCompiledOnEveryLine() throws {
        let s = try session()
        // a 20,000-line long string: compiled when it opens and when it closes, not per line
        _ = s.feed("text = [==[")
        let before = s.compiles
        var length = 0
        for i in 0..<20_000 {
            let line = "line \(i) ]] ]=] still inside"
            length += line.utf8.count + 1                    // each line and its newline
            #expect(s.feed(line) == .incomplete)
        }
        #expect(s.compiles == before, "lines inside a long string need no compile")
        #expect(output(feed(s, "]==]")) == nil)
        #expect(output(feed(s, "#text")) == "\(length)")
        // a long table literal: compiled for the first lines only, then when its braces close
        let start = s.compiles
        _ = s.feed("t = {")
        for i in 0..<5_000 { _ = s.feed("\(i),") }
        _ = s.feed("}")
        #expect(s.compiles - start < 2 * (ReplSession.deferCompileAfterLines + 4), "\(s.compiles - start) compiles")
        #expect(output(feed(s, "#t")) == "5000")
        // a long comment and a string continued with \z
        _ = s.feed("--[[ a comment")
        for _ in 0..<100 { _ = s.feed("still a comment") }
        #expect(output(feed(s, "]] 6 * 7")) == "42")
        #expect(s.feed("z = 'a\\z") == .incomplete)
        #expect(output(feed(s, "   b'")) == nil)
        #expect(output(feed(s, "z")) == "ab")
    }

    @Test func anErrorFoundLateSplitsTheChunkAsLuaWould() throws {
        let s = try session()
        var steps: [ReplSession.Step] = []
        steps += s.feed(bytes: Array("function f()".utf8))
        for i in 0..<100 { steps += s.feed(bytes: Array("  local a\(i) = \(i)".utf8)) }
        steps += s.feed(bytes: Array("  x = = 1".utf8))          // the error, on line 102
        steps += s.feed(bytes: Array("  y = 2".utf8))
        steps += s.feed(bytes: Array("end".utf8))                // closes the block: compiled now
        let failures = steps.compactMap { step -> String? in if case .failed(_, let m) = step { return m } else { return nil } }
        #expect(failures.count == 2, "\(failures)")
        #expect(failures.first?.hasPrefix("stdin:102: unexpected symbol near '='") == true, "\(failures)")
        #expect(failures.last?.contains("<eof>") == true, "`end` on its own is an error again: \(failures)")
        #expect(output(feed(s, "y")) == "2", "the line after the error ran as its own chunk")
    }

    @Test func nulAndInvalidBytesReachLuaUnchanged() throws {
        let s = try session()
        _ = s.feed(bytes: [0x73, 0x20, 0x3D, 0x20, 0x27, 0x61, 0x00, 0x62, 0xFF, 0x27])      // s = 'a\0b\xFF'
        #expect(output(feed(s, "#s")) == "4")
        #expect(output(feed(s, "s:byte(2), s:byte(4)")) == "0, 255")
    }

    @Test func errorsAreReportedAndTheSessionGoesOn() throws {
        let s = try session()
        guard case .failed(let chunk, let message) = feed(s, "error('boom')") else { Issue.record("expected failure"); return }
        #expect(chunk == "error('boom')")
        #expect(message.hasPrefix("stdin:1: boom"), "\(message)")
        #expect(message.contains("stack traceback:"))
        #expect(!message.contains("[C]: in ?"), "the REPL's own frame is trimmed")
        guard case .failed(_, let syntax) = feed(s, "x = = 1") else { Issue.record("expected failure"); return }
        #expect(syntax.contains("stdin:1:") && syntax.contains("unexpected symbol"), "\(syntax)")
        guard case .failed(_, let shapes) = feed(s, "ouro.tensor.zeros({2}) + ouro.tensor.zeros({3})") else { Issue.record("expected failure"); return }
        #expect(shapes.contains("cannot be broadcast"), "\(shapes)")
        #expect(output(feed(s, "1 + 1")) == "2")
    }

    @Test func tablesPrintBoundedWithCyclesMarked() throws {
        let s = try session()
        _ = feed(s, "t = {1, 2, name = 'x', ['two words'] = 3, [2.5] = true, nested = {a = {b = {c = {d = 1}}}}}")
        _ = feed(s, "t.self = t")
        let text = try #require(output(feed(s, "t")))
        #expect(text.contains("<cycle: table: 0x"), "\(text)")
        #expect(text.contains("[\"two words\"] = 3") && text.contains("[2.5] = true") && text.contains("name = \"x\""), "\(text)")
        #expect(text.contains("nested = {a = {b = {…}}}"), "depth is bounded: \(text)")
        let wide = try #require(output(feed(s, "local t = {} for i = 1, 1000 do t[i] = i end return t")))
        #expect(wide.contains("… (976 more)"), "\(wide)")
        #expect(wide.split(separator: "\n").count < 30)
        let keys = try #require(output(feed(s, "local t = {} for i = 1, 50 do t['k' .. i] = i end return t")))
        #expect(keys.contains("… (26 more)") && keys.contains("k1 = 1"), "\(keys)")
        let huge = try #require(output(feed(s, "local t = {} for i = 1, 20000 do t['k' .. i] = i end return t")))
        #expect(huge.contains("… (19976 more)"), "keys beyond those scanned are counted: \(huge.suffix(40))")
        #expect(output(feed(s, "{}")) == "{}")
        // __tostring is honoured, and one that fails does not end anything
        #expect(output(feed(s, "setmetatable({}, {__tostring = function() return 'custom' end})")) == "custom")
        let bad = try #require(output(feed(s, "setmetatable({}, {__tostring = function() error('no') end})")))
        #expect(bad.contains("__tostring failed"), "\(bad)")
    }

    @Test func tensorsPrintTorchStyleAtTopAndAsSummariesInTables() throws {
        let s = try session()
        let text = try #require(output(feed(s, "ouro.tensor.arange(0, 12):reshape({3, 4}) * 1.5")))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "[float64 tensor of size 3x4]")
        #expect(lines.count == 4)
        #expect(Set(lines.dropLast().map { $0.count }).count == 1, "columns are aligned: \(text)")
        let big = try #require(output(feed(s, "ouro.tensor.zeros({1000, 1000})")))
        #expect(big.contains("…") && big.hasSuffix("[float64 tensor of size 1000x1000]"))
        #expect(big.split(separator: "\n").count < 12)
        #expect(output(feed(s, "{w = ouro.tensor.ones({2, 3})}")) == "{w = <float64 tensor of size 2x3>}")
    }

    @Test func completionOfGlobalsFieldsAndMethods() throws {
        let s = try session()
        _ = feed(s, "x = ouro.tensor.ones({2})")
        let models = s.completions(before: "m = ouro.mo")
        #expect(models.word == 2 && models.candidates == ["models"])
        let methods = s.completions(before: "x:su")
        #expect(methods.word == 2 && methods.candidates == ["sub", "sub_", "sum", "sum_to"])
        #expect(s.completions(before: "x:nume").candidates == ["numel("])
        #expect(s.completions(before: "print(string.for").candidates == ["format("])
        #expect(s.completions(before: "ouro.tensor.zer").candidates == ["zeros("])
        #expect(s.completions(before: "pri").candidates == ["print("])
        #expect(s.completions(before: "whi").candidates == ["while"])
        #expect(s.completions(before: "ouro.nothing.x").candidates.isEmpty)
        #expect(s.completions(before: "1.5").candidates.isEmpty)
        #expect(!s.completions(before: "ouro.").candidates.contains { $0.hasPrefix("__") })
        // no Lua code runs: an __index function is not called
        _ = feed(s, "trap = setmetatable({}, {__index = function() error('ran') end})")
        #expect(s.completions(before: "trap.a.b").candidates.isEmpty)
        #expect(output(feed(s, "1")) == "1")
    }

    /// Runs `code` while another thread interrupts it after 0.2 s; returns what the chunk led to.
    func interrupted(_ s: ReplSession, _ code: String) -> String {
        let timer = Thread { usleep(200_000); s.interrupt() }
        timer.start()
        switch s.feed(code) {
        case .failed(_, let message): return message
        case .ran(_, let output): return output ?? ""
        case .incomplete: return "incomplete"
        }
    }

    @Test func interruptsReachLuaWhereverItRuns() throws {
        let s = try session()
        let cases = [
            "while true do end",
            "while true do pcall(function() while true do end end) end",    // pcall does not swallow it
            "coroutine.wrap(function() while true do end end)()",          // hooks are per coroutine
            "return coroutine.resume(coroutine.create(function() while true do end end))",
            "for v in coroutine.wrap(function() while true do coroutine.yield(1) end end) do end",
            // a long Swift computation polls the flag (10^10 kernel evaluations: minutes if it did not)
            "local k = ouro.models.kde{bandwidth = 0.5}; k:fit(ouro.rng(1):normal({1000000, 2})); return k:log_prob(ouro.rng(2):normal({10000, 2}))",
            "ouro.loop{generations = 3, samples = 10, seeds = {1, 2, 3, 4}, threads = 2, model = function() return ouro.models.gaussian{} end, real = function(s) return ouro.rng(s):normal({10, 2}) end, metrics = function() while true do end end}()",
        ]
        for code in cases {
            let text = interrupted(s, code)
            #expect(text.contains("interrupted"), "\(code) → \(text)")
            #expect(output(feed(s, "6 * 7")) == "42", "the session goes on after: \(code)")
        }
        // once cleared, nothing stays armed: a long computation runs to its end
        #expect(output(feed(s, "local n = 0 for i = 1, 3e7 do n = n + 1 end return n")) == "30000000")
    }

    @Test func coroutinesBehaveAsLuasOwnInTheRepl() throws {
        let s = try session()
        _ = feed(s, "gen = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); error('bad ' .. b) end)")
        #expect(output(feed(s, "gen(1)")) == "2")
        guard case .failed(_, let message) = feed(s, "gen(5)") else { Issue.record("expected an error"); return }
        #expect(message.hasPrefix("stdin:1: stdin:1: bad 5"), "wrap adds the caller's position, as Lua does: \(message)")
        guard case .failed(_, let dead) = feed(s, "gen(1)") else { Issue.record("expected an error"); return }
        #expect(dead.hasPrefix("stdin:1: cannot resume dead coroutine"), "\(dead)")
        _ = feed(s, "co = coroutine.create(function(x) local y = coroutine.yield(x * 2); return 'done', y end)")
        #expect(output(feed(s, "coroutine.resume(co, 21)")) == "true, 42")
        #expect(output(feed(s, "coroutine.resume(co, 'y')")) == "true, done, y")
        #expect(output(feed(s, "coroutine.resume(co)")) == "false, cannot resume dead coroutine")
        #expect(output(feed(s, "local c; c = coroutine.create(function() return coroutine.resume(c) end); return coroutine.resume(c)")) == "true, false, cannot resume non-suspended coroutine")
        _ = feed(s, "closed = false")
        _ = feed(s, "pcall(coroutine.wrap(function() local x <close> = setmetatable({}, {__close = function() closed = true end}); error('e') end))")
        #expect(output(feed(s, "closed")) == "true", "a coroutine that died of an error in wrap is closed")
        guard case .failed(_, let bad) = feed(s, "coroutine.resume(1)") else { Issue.record("expected an error"); return }
        #expect(bad.hasPrefix("stdin:1: bad argument #1 to 'resume' (thread expected, got number)"), "\(bad)")
        var words: [String] = []
        if let out = output(feed(s, "local t = {} for v in coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) do t[#t + 1] = v end return table.concat(t, ' ')")) { words = [out] }
        #expect(words == ["1 2 3"])
    }

    @Test func helpTextComesFromTheBindingsDocs() throws {
        let host = try LuaHost()
        let zeros = try #require(host.docs["ouro.tensor.zeros"])
        let text = try #require(host.helpText(forName: "ouro.tensor.zeros"))
        #expect(text.hasPrefix("ouro.tensor.zeros\n"))
        #expect(text.replacingOccurrences(of: "\n  ", with: " ").contains(zeros.split(separator: " ").prefix(6).joined(separator: " ")))
        #expect(host.helpText(forName: "Tensor:sum") != nil)
        #expect(host.helpText(forName: "no_such_thing") == nil)
        #expect(host.apiReference().contains("**`ouro.loop`**"))
    }
}
