import Foundation
import Testing

/// `ouro repl` on a real pseudo-terminal (tmux; `make test` installs it): what a user types and
/// what the screen then shows.
@Suite(.enabled(if: OuroBinary.shouldRun, "build the ouro executable first (make test does)"))
struct ReplTerminalTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A REPL with its own history folder.
    func start(_ extra: String = "", data: String? = nil) throws -> (TerminalSession, String) {
        #expect(TerminalSession.available, "tmux is needed to drive a pseudo-terminal (make test installs it)")
        let bin = try #require(OuroBinary.path)
        let dataDir = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("ouro-repl-\(getpid())-\(UUID().uuidString)").path
        let term = try TerminalSession("'\(bin)' repl \(extra)", env: ["XDG_DATA_HOME": dataDir, "NO_COLOR": "1"], cwd: root)
        try #require(term.wait(for: "Ctrl-D to quit").ok, "no banner: \(term.screen())")
        try #require(term.wait { $0.hasSuffix(">") }.ok)
        return (term, dataDir)
    }

    @Test func multiLineFunctionTensorExpressionAndErrors() throws {
        let (t, _) = try start()
        try t.enter("function sq(x)")
        try #require(t.wait(for: ">>").ok, "secondary prompt: \(t.screen())")
        try t.enter("  return x * x")
        try t.enter("end")
        try t.enter("sq(12)")
        let square = t.wait(for: "\n144")
        #expect(square.ok, "\(square.screen)")
        try t.enter("ouro.tensor.ones({2, 3}) * 2")
        let tensor = t.wait(for: "[float64 tensor of size 2x3]")
        #expect(tensor.ok && tensor.screen.contains(" 2 2 2\n 2 2 2\n[float64"), "\(tensor.screen)")
        try t.enter("error('boom')")
        let error = t.wait(for: "stdin:1: boom")
        #expect(error.ok, "\(error.screen)")
        try t.enter("ouro.tensor.zeros({2}) + ouro.tensor.zeros({3})")
        #expect(t.wait(for: "cannot be broadcast").ok)
        try t.enter("sq(3) + 1")
        let after = t.wait(for: "\n10")
        #expect(after.ok, "errors do not end the session: \(after.screen)")
        try t.press("C-d")
        let exit = t.wait(for: "[exit 0]")
        #expect(exit.ok, "Ctrl-D exits with status 0: \(exit.screen)")
    }

    @Test func tabCompletesFieldsAndMethods() throws {
        let (t, _) = try start()
        try t.enter("x = ouro.tensor.ones({3})")
        // wait for the next prompt before typing on (a loaded machine may take a moment)
        #expect(t.wait { $0.hasSuffix("ones({3})\n>") }.ok, "\(t.screen())")
        try t.type("m = ouro.mo")
        try t.press("Tab")
        #expect(t.wait { $0.hasSuffix("> m = ouro.models") }.ok, "\(t.screen())")
        try t.press("C-u")
        try t.type("x:su")
        try t.press("Tab")
        let listed = t.wait { $0.contains("sub") && $0.contains("sub_") && $0.contains("sum") && $0.hasSuffix("> x:su") }
        #expect(listed.ok, "ambiguous completions are listed: \(listed.screen)")
        try t.press("C-u")
        try t.type("x:nume")
        try t.press("Tab")
        #expect(t.wait { $0.hasSuffix("> x:numel(") }.ok, "a unique method completes with its parenthesis: \(t.screen())")
        try t.type(")")
        try t.press("Enter")
        #expect(t.wait(for: "\n3\n").ok, "\(t.screen())")
    }

    @Test func ctrlCInterruptsBusyCodeAndClearsTheLine() throws {
        let (t, _) = try start()
        try t.enter("n = 0; while true do n = n + 1 end")
        usleep(500_000)
        try t.press("C-c")
        let stopped = t.wait(for: "stdin:1: interrupted")
        #expect(stopped.ok, "\(stopped.screen)")
        try t.enter("n > 0")
        #expect(t.wait(for: "\ntrue").ok, "the state survives: \(t.screen())")
        // pcall does not swallow Ctrl-C
        try t.enter("ok = pcall(function() while true do end end)")
        usleep(300_000)
        try t.press("C-c")
        #expect(t.wait(for: "interrupted", count: 2).ok, "\(t.screen())")
        #expect(t.wait { $0.hasSuffix(">") }.ok, "\(t.screen())")
        // Ctrl-C on a half-typed line (and in a half-typed chunk) throws it away
        // (each Ctrl-C is a signal, not a keystroke in the input queue: wait for the fresh prompt
        // before typing on, or a loaded machine can deliver the next keys first)
        try t.type("this is not lua")
        #expect(t.wait { $0.hasSuffix("this is not lua") }.ok, "\(t.screen())")
        try t.press("C-c")
        #expect(t.wait { $0.hasSuffix("\n>") }.ok, "\(t.screen())")
        try t.enter("for i = 1, 2 do")
        #expect(t.wait { $0.hasSuffix(">>") }.ok, "\(t.screen())")
        try t.press("C-c")
        #expect(t.wait { $0.hasSuffix("\n>") }.ok, "\(t.screen())")
        try t.enter("6 * 7")
        let fresh = t.wait(for: "\n42")
        #expect(fresh.ok && !fresh.screen.contains("syntax error"), "\(fresh.screen)")
    }

    @Test func ctrlCStopsALoopRunAndMarksItInterrupted() throws {
        let (t, _) = try start()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-repl-run-\(getpid())-\(UUID().uuidString)").path
        try t.enter("run = ouro.loop{workflow = 'replace', generations = 1000000, samples = 20000, seeds = {1, 2}, model = function() return ouro.models.gaussian{} end, real = function(s) return ouro.rng(s):normal({20000, 2}) end, out = '\(out)'}")
        try t.enter("result = run()")
        try #require(t.wait(for: "generations").ok, "progress shows: \(t.screen())")
        // (under a loaded machine a keystroke sent through tmux can be lost before it reaches the
        // terminal — no ^C echoed — so it is sent again, as a person would press it again)
        var stopped = (ok: false, screen: "")
        for _ in 0..<4 where !stopped.ok {
            try t.press("C-c")
            stopped = t.wait(for: "interrupted at seed", timeout: 5)
        }
        #expect(stopped.ok, "\(stopped.screen)")
        let manifest = try String(contentsOfFile: out + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"status\" : \"interrupted\""), "\(manifest)")
        try t.enter("1 + 1000")
        #expect(t.wait(for: "\n1001").ok)
    }

    @Test func historyPersistsAndCtrlRSearchesIt() throws {
        let (first, data) = try start()
        try first.enter("history_marker = 41")
        try first.enter("print('unrelated')")
        // keys pressed while a chunk still runs can be flushed when the line editor takes the
        // terminal back: wait for the prompt first
        try #require(first.wait { $0.hasSuffix("unrelated\n>") }.ok, "\(first.screen())")
        try first.press("C-d")
        try #require(first.wait(for: "[exit 0]").ok)
        let (t, _) = try start(data: data)
        try t.press("C-r")
        try t.type("marker")
        #expect(t.wait { $0.contains("history_marker = 41") }.ok, "\(t.screen())")
        try t.press("Enter")
        try t.enter("history_marker + 1")
        let found = t.wait(for: "\n42")
        #expect(found.ok, "\(found.screen)")
        try t.press("Up")
        #expect(t.wait { $0.hasSuffix("> history_marker + 1") }.ok, "\(t.screen())")
    }

    @Test func scriptFirstThenInteractiveAndHelp() throws {
        let script = try scratchFile("setup.lua", "answer = 6 * 7\nprint('script ran with ' .. tostring(arg[1]))\n")
        let (t, _) = try start("-i '\(script)' extra")
        #expect(t.wait(for: "script ran with extra").ok, "\(t.screen())")
        try t.enter("answer")
        #expect(t.wait(for: "\n42").ok)
        try t.enter("help(ouro.tensor.zeros)")
        let help = t.wait(for: "ouro.tensor.zeros\n  zeros(shape")
        #expect(help.ok, "\(help.screen)")
    }
}
