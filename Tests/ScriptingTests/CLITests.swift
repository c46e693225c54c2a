import Foundation
import Testing

/// The `ouro` executable, as a user runs it. OURO_BIN is set by `make test`; otherwise the
/// binary is looked up in the build folders. A binary older than any source file is stale: its
/// tests would test old code. Under `make test` (OURO_REQUIRE_BIN=1, also in CI) a missing or stale
/// binary fails every test that needs it; elsewhere those suites are skipped.
enum OuroBinary {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var located: String? {
        if let p = ProcessInfo.processInfo.environment["OURO_BIN"] { return FileManager.default.isExecutableFile(atPath: p) ? p : nil }
        for c in ["release", "debug"] {
            let p = root.appendingPathComponent(".build/\(c)/ouro").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Why the binary cannot be tested, or nil when it can.
    static let problem: String? = {
        guard let p = located else { return "no ouro binary (build it: make build; make test does)" }
        guard let built = (try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date else { return "cannot read \(p)" }
        var newest = Date.distantPast, newestFile = ""
        let sources = root.appendingPathComponent("Sources").path
        for case let f as String in FileManager.default.enumerator(atPath: sources) ?? FileManager.default.enumerator(atPath: "/dev/null")! {
            if let d = (try? FileManager.default.attributesOfItem(atPath: sources + "/" + f))?[.modificationDate] as? Date, d > newest { newest = d; newestFile = f }
        }
        return newest > built ? "the ouro binary \(p) is older than Sources/\(newestFile): it is stale (make build)" : nil
    }()

    static var required: Bool { ProcessInfo.processInfo.environment["OURO_REQUIRE_BIN"] != nil }

    /// True when the suites that run the binary should run (and then fail if it is missing or stale).
    static var shouldRun: Bool { required || problem == nil }

    /// The binary to test; throws (a test failure) if it is missing or stale.
    static var path: String? { problem == nil ? located : nil }

    struct Result { let status: Int32; let out: String; let err: String }

    static func run(_ args: [String], cwd: String? = nil, stdin input: String? = nil, environment: [String: String]? = nil,
                    executable: String? = nil) throws -> Result {
        if let problem { throw CLIError.unusable(problem) }
        guard let bin = path else { throw CLIError.unusable("no ouro binary") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable ?? bin)
        p.arguments = args
        if let environment { p.environment = environment }
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let o = Pipe(), e = Pipe(), i = Pipe()
        p.standardOutput = o; p.standardError = e
        if input != nil { p.standardInput = i }
        try p.run()
        if let input {
            i.fileHandleForWriting.write(Data(input.utf8))
            try i.fileHandleForWriting.close()
        }
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, out: String(decoding: od, as: UTF8.self), err: String(decoding: ed, as: UTF8.self))
    }

    enum CLIError: Error { case unusable(String) }
}

func scratchFile(_ name: String, _ text: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-tests-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

@Suite(.enabled(if: OuroBinary.shouldRun, "build the ouro executable first (make test does)"))
struct CLITests {
    @Test func runPassesArgumentsAndExitsZero() throws {
        let s = try scratchFile("args.lua", "print(arg[0] ~= nil, arg[1], arg[2], select('#', ...), ...)")
        let r = try OuroBinary.run(["run", s, "alpha", "--beta"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == "true\talpha\t--beta\t2\talpha\t--beta\n")
    }

    @Test func scriptErrorPrintsFileLineTracebackAndExitsOne() throws {
        let s = try scratchFile("fail.lua", "local T = ouro.tensor\n\nlocal x = T.zeros({2}) + T.zeros({3})\n")
        let r = try OuroBinary.run(["run", s])
        #expect(r.status == 1)
        #expect(r.err.contains("fail.lua:3: +: shapes 2 and 3 cannot be broadcast together"), "\(r.err)")
        #expect(r.err.contains("stack traceback:"))
        #expect(!r.err.contains("Fatal error") && !r.err.contains("Swift runtime"))
    }

    @Test func syntaxErrorAndMissingFileExitOne() throws {
        let s = try scratchFile("syntax.lua", "local = 1\n")
        let r = try OuroBinary.run(["run", s])
        #expect(r.status == 1)
        #expect(r.err.contains("syntax.lua:1:"), "\(r.err)")
        let m = try OuroBinary.run(["run", "/nonexistent/script.lua"])
        #expect(m.status == 1)
        #expect(m.err.contains("cannot open"), "\(m.err)")
    }

    /// Every shipped script declares its arguments with ouro.args: --help lists them and stops
    /// before any work (no run folder appears), --help-json gives them to ouro sweep, and a bad
    /// value is an error at the script's line that says what was expected.
    @Test func everyScriptListsItsArguments() throws {
        let dir = OuroBinary.root.appendingPathComponent("scripts").path
        let scripts = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".lua") }.sorted()
        #expect(scripts.count >= 13)
        let cwd = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-help-\(getpid())")
        try FileManager.default.createDirectory(at: cwd, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: cwd) }
        for name in scripts {
            let path = dir + "/" + name
            let h = try OuroBinary.run(["run", path, "--help"], cwd: cwd.path)
            #expect(h.status == 0 && h.out.hasPrefix("usage: ouro run \(path) [name=value ...]"), "\(name): \(h.out)\(h.err)")
            let j = try OuroBinary.run(["run", path, "--help-json"], cwd: cwd.path)
            let list = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as? [[String: Any]] ?? []
            #expect(j.status == 0 && !list.isEmpty && list.allSatisfy { $0["name"] is String && $0["type"] is String }, "\(name): \(j.out)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd.path).isEmpty, "--help did work")
        let g = try OuroBinary.run(["run", dir + "/gaussian.lua", "--help"], cwd: cwd.path)
        #expect(g.out.contains("  d            dimension of the Gaussian (an integer ≥ 1; default 10)"), "\(g.out)")
        let bad = try OuroBinary.run(["run", dir + "/gaussian.lua", "d=0"], cwd: cwd.path)
        #expect(bad.status == 1 && bad.err.contains("gaussian.lua:") && bad.err.contains("argument 'd': expected an integer ≥ 1, got '0'"), "\(bad.err)")
        let typo = try OuroBinary.run(["run", dir + "/gaussian.lua", "generatons=3"], cwd: cwd.path)
        #expect(typo.status == 1 && typo.err.contains("unknown argument 'generatons'; did you mean 'generations'?"), "\(typo.err)")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try OuroBinary.run(["frobnicate"]).status == 2)
        #expect(try OuroBinary.run(["run"]).status == 2)
        #expect(try OuroBinary.run(["version", "--nonsense"]).status == 2)
    }

    @Test func versionNamesLua() throws {
        let r = try OuroBinary.run(["version"])
        #expect(r.status == 0)
        #expect(r.out.hasPrefix("ouro ") && r.out.contains("Lua 5.4"), "\(r.out)")
    }

    @Test func blasParameterErrorsNeverReachStdout() throws {
        let s = try scratchFile("dsyrk.lua", "print(pcall(function() return ouro.models.gaussian{}:fit(ouro.tensor.zeros({5, 0})) end))\n")
        let r = try OuroBinary.run(["run", s])
        #expect(r.status == 0 && r.out.hasPrefix("false\t") && r.out.contains("d ≥ 1 columns"), "\(r.out)")
        #expect(!r.out.contains("DSYRK") && !r.err.contains("DSYRK") && !r.out.contains("parameter"), "\(r.out)|\(r.err)")
    }

    /// Write failures say what the system said: a file-size limit gives "File too large" (and no
    /// SIGXFSZ), a full file system "No space left on device" (checked where a small tmpfs can be mounted).
    @Test func writeFailuresReportErrno() throws {
        let script = try scratchFile("bigwrite.lua", """
            ouro.loop{name = "big", out = arg[1], seeds = {1, 2, 3, 4, 5, 6, 7, 8}, generations = 30,
              model = function() return ouro.models.gaussian{truth = {mean = ouro.tensor.zeros({2}), cov = ouro.tensor.eye(2)}} end,
              real = function(seed) return ouro.rng(seed):normal({50, 2}) end}()
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-fsize-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bin = try #require(OuroBinary.path)
        let limited = try OuroBinary.run(["-c", "ulimit -f 8; exec '\(bin)' run '\(script)' '\(out)'"], executable: "/bin/sh")
        #expect(limited.status == 1 && limited.err.contains("File too large"), "\(limited.status): \(limited.err)")
        // a full file system, where this process may mount one
        let mnt = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-full-\(getpid())").path
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: true)
        defer { _ = try? OuroBinary.run(["-c", "umount '\(mnt)'"], executable: "/bin/sh"); try? FileManager.default.removeItem(atPath: mnt) }
        guard (try? OuroBinary.run(["-c", "mount -t tmpfs -o size=32k tmpfs '\(mnt)'"], executable: "/bin/sh"))?.status == 0 else { return }
        let full = try OuroBinary.run(["run", script, mnt + "/run"])
        #expect(full.status == 1 && full.err.contains("No space left on device"), "\(full.status): \(full.err)")
        #expect(!full.err.contains("writable?"))
    }

    /// Two processes on one run folder: the second refuses and names the first; the first's
    /// records are its own.
    @Test func aRunFolderIsLockedAgainstASecondProcess() throws {
        let script = try scratchFile("locked.lua", """
            local slow = arg[2] == "slow"
            ouro.loop{name = arg[2], out = arg[1], seeds = {1, 2}, generations = slow and 40 or 3,
              model = function() return ouro.models.gaussian{} end,
              real = function(seed) return ouro.rng(seed):normal({20, 2}) end,
              metrics = function() if slow then local t = os.clock(); while os.clock() - t < 0.02 do end end; return {x = 1} end}()
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-cli-second-process-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let bin = try #require(OuroBinary.path)
        let first = Process()
        first.executableURL = URL(fileURLWithPath: bin)
        first.arguments = ["run", script, out, "slow"]
        let firstErr = Pipe()
        first.standardOutput = FileHandle.nullDevice; first.standardError = firstErr
        try first.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: out + "/run.json") && Date() < deadline { usleep(10_000) }
        let second = try OuroBinary.run(["run", script, out, "fast"])
        let firstText = String(decoding: firstErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        first.waitUntilExit()
        #expect(second.status == 1 && second.err.contains("in use by another run") && second.err.contains("pid \(first.processIdentifier)"),
                "\(second.err)")
        #expect(first.terminationStatus == 0, "\(firstText)")
        let csv = (try? String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)) ?? ""
        #expect(csv.contains("\nslow,replace,2,40,x,1.0\n") && !csv.contains("fast,"), "\(csv.prefix(200))")
    }

    /// The demo shows the closed forms matching: every row of its table lies within 4 standard
    /// errors (twice the printed ± 2 SE) of the theory, replace falls and accumulate levels off.
    @Test func quickstartShowsTheTheoryMatching() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-quickstart-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        let r = try OuroBinary.run(["run", "scripts/quickstart.lua", "20", "60", "200", out], cwd: OuroBinary.root.path)
        #expect(r.status == 0, "\(r.err)")
        var rows: [[Double]] = []
        for line in r.out.split(separator: "\n") {
            let fields = line.replacingOccurrences(of: "±", with: " ").split(separator: " ").compactMap { Double($0) }
            if fields.count == 7, fields[0] >= 1, fields[0] == fields[0].rounded() { rows.append(fields) }
        }
        #expect(rows.map { Int($0[0]) } == [1, 2, 5, 10, 20, 40, 60], "the table's generations: \(r.out)")
        for row in rows {
            #expect(abs(row[1] - row[3]) <= 2 * row[2], "replace log det at generation \(row[0]): \(row[1]) ± \(row[2]) vs \(row[3])")
            #expect(abs(row[4] - row[6]) <= 2 * row[5], "accumulate tr ratio at generation \(row[0]): \(row[4]) ± \(row[5]) vs \(row[6])")
        }
        if let last = rows.last { #expect(last[1] < -20 && last[4] > 0.8, "replace collapses, accumulate does not: \(last)") }
        let svg = (try? String(contentsOfFile: out + "/cov_log_det_ratio.svg", encoding: .utf8)) ?? ""
        #expect(svg.contains("replace (theory)") && svg.contains("accumulate") && svg.contains("95% CI"), "the plot")
        try? FileManager.default.removeItem(atPath: out)
    }

    /// The language-model scripts at toy sizes: every workflow runs, plots and sampled texts are
    /// written, and the fine-tuning script's base is pretrained once and then read from its cache.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/games/fortunes/riddles")))
    func languageModelScriptsRunAtToySizes() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-lm-scripts-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pre = try OuroBinary.run(["run", "scripts/lm_pretrain.lua", "100", "2", "1", "10", "1", "32", "64", "300", out + "/pre"], cwd: OuroBinary.root.path)
        #expect(pre.status == 0, "\(pre.err)")
        for w in ["replace", "accumulate", "accumulate-subsample"] {
            #expect(pre.out.contains("\n\(w) "), "a row per workflow: \(pre.out)")
            let text = (try? String(contentsOfFile: "\(out)/pre/\(w)/samples/gen-002.txt", encoding: .isoLatin1)) ?? ""
            #expect(text.components(separatedBy: "\n%\n").count >= 8, "eight sampled documents in fortune format: \(text.prefix(200))")
        }
        #expect(FileManager.default.fileExists(atPath: out + "/pre/test_ce.svg") && FileManager.default.fileExists(atPath: out + "/pre/drift.svg"))
        let args = ["run", "scripts/lm_finetune.lua", "2", "1", "5", "20", "1", "32", "96", "300", "/usr/share/games/fortunes/riddles", out + "/ft"]
        let ft = try OuroBinary.run(args, cwd: OuroBinary.root.path)
        #expect(ft.status == 0 && ft.out.contains("base pretrained in"), "\(ft.out)\(ft.err)")
        let again = try OuroBinary.run(args, cwd: OuroBinary.root.path)
        #expect(again.status == 0 && !again.out.contains("base pretrained in") && again.out.contains("before fine-tuning"), "the cached base: \(again.out)\(again.err)")
        let table = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("replace ") || $0.hasPrefix("accumulate") }.map { $0.split(separator: "(")[0] } }
        #expect(table(again.out) == table(ft.out) && table(ft.out).count == 3, "the rerun reads the finished runs: \(ft.out) vs \(again.out)")
    }

    /// The diffusion script at a toy size: every dataset × workflow runs, and plots, a scatter per
    /// generation (read back from the checkpoints) and, for Fashion-MNIST, a grid per generation
    /// are written.
    @Test func diffusionScriptRunsAtAToySize() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-diffusion-script-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try OuroBinary.run(["run", "scripts/diffusion.lua", "100", "2", "1", "30", out, "30", "2", "3"], cwd: OuroBinary.root.path)
        #expect(r.status == 0, "\(r.err)")
        for d in ["moons", "swiss_roll"] {
            for w in ["replace", "accumulate", "accumulate-subsample"] {
                #expect(r.out.contains("\(d)") && r.out.contains(" \(w) "), "a row per dataset and workflow: \(r.out)")
                let svg = (try? String(contentsOfFile: "\(out)/\(d)/scatter/\(w)-gen-002.svg", encoding: .utf8)) ?? ""
                #expect(svg.components(separatedBy: "class=\"dot\"").count - 1 == 2000, "1000 held-out points and 1000 samples as dots")
            }
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(d)-energy.svg") && FileManager.default.fileExists(atPath: "\(out)/\(d)-kde_nll.svg"))
        }
        for w in ["replace", "accumulate", "accumulate-subsample"] {
            for g in 1...2 {
                let png = FileManager.default.contents(atPath: String(format: "%@/fashion/%@/samples/gen-%03d.png", out, w, g)) ?? Data()
                #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47]), "a PNG grid of the \(w) samples of generation \(g)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: "\(out)/fashion-fid.svg"), "the FID plot")
    }

    @Test func replReadsPipedChunksWithoutPrompts() throws {
        let r = try OuroBinary.run(["repl"], stdin: "print(1+1)\n")
        #expect(r.status == 0 && r.out == "2\n" && r.err.isEmpty, "\(r.out)|\(r.err)")
        let chunks = try OuroBinary.run(["repl"], stdin: "x = 20\nfunction f(a)\n  return a + x\nend\nf(22)\nf(1);\nerror('boom')\n_ + 1\n")
        #expect(chunks.out == "42\n22\n", "values print, `;` hides, `_` is the last value, errors do not stop the stream: \(chunks.out)")
        #expect(chunks.err.hasPrefix("stdin:1: boom"), "\(chunks.err)")
        #expect(chunks.status == 1, "a failed chunk makes the exit status 1")
        let unfinished = try OuroBinary.run(["repl"], stdin: "for i = 1, 2 do\n")
        #expect(unfinished.status == 1 && unfinished.err.contains("'end' expected"), "\(unfinished.err)")
    }

    @Test func replRunsAScriptFirstWithArguments() throws {
        let s = try scratchFile("first.lua", "base = tonumber(arg[1])\n")
        let r = try OuroBinary.run(["repl", "-i", s, "40"], stdin: "base + 2\n")
        #expect(r.status == 0 && r.out == "42\n", "\(r.out)|\(r.err)")
        let bad = try OuroBinary.run(["repl", "-i", "/nonexistent/x.lua"], stdin: "1\n")
        #expect(bad.status == 1 && bad.out == "1\n" && bad.err.contains("cannot open"), "\(bad.out)|\(bad.err)")
    }

    @Test func docsPrintsTheSameTextAsHelp() throws {
        let r = try OuroBinary.run(["docs", "ouro.tensor.zeros"])
        let viaHelp = try OuroBinary.run(["repl"], stdin: "help(ouro.tensor.zeros)\n")
        #expect(r.status == 0 && r.out == viaHelp.out && r.out.hasPrefix("ouro.tensor.zeros\n"), "\(r.out)|\(viaHelp.out)")
        let all = try OuroBinary.run(["docs", "--markdown"])
        #expect(all.status == 0 && all.out.contains("**`Tensor:sum`**") && all.out.contains("**`ouro.loop`**"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("docs/API.md"), encoding: .utf8)
        #expect(committed == all.out, "docs/API.md is generated from the bindings: run `make docs`")
        let missing = try OuroBinary.run(["docs", "no_such_binding"])
        #expect(missing.status == 1 && missing.err.contains("no help for 'no_such_binding'"))
    }
}

/// NumPy reads what ouro writes and ouro reads what NumPy writes (skipped without numpy).
@Suite(.enabled(if: OuroBinary.shouldRun && NumPy.available, "needs python3 with numpy and the ouro binary"))
struct NumPyInteropTests {
    @Test func roundTripBothWays() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-npy-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let write = try scratchFile("npy_write.lua", """
            local T = ouro.tensor
            T.new({{1.5, -2}, {3, 4e300}}):save('\(dir)/f64.npy')
            T.new({{1, 2, 3}}, 'float32'):save('\(dir)/f32.npy')
            T.new({-9007199254740993, 7}, 'int64'):save('\(dir)/i64.npy')
            T.new(42):save('\(dir)/scalar.npy')
            """)
        #expect(try OuroBinary.run(["run", write]).status == 0)
        let check = """
            import numpy as np
            a = np.load('\(dir)/f64.npy'); assert a.dtype == np.float64 and a.tolist() == [[1.5, -2.0], [3.0, 4e300]], a
            b = np.load('\(dir)/f32.npy'); assert b.dtype == np.float32 and b.shape == (1, 3), b
            c = np.load('\(dir)/i64.npy'); assert c.dtype == np.int64 and c.tolist() == [-9007199254740993, 7], c
            s = np.load('\(dir)/scalar.npy'); assert s.shape == () and s == 42.0
            np.save('\(dir)/np_f.npy', np.asfortranarray(np.arange(12, dtype='>f8').reshape(3, 4)))
            np.save('\(dir)/np_u8.npy', np.array([[0, 255]], dtype=np.uint8))
            np.save('\(dir)/np_bool.npy', np.array([True, False, True]))
            np.save('\(dir)/np_i32.npy', np.array([-3, 2**31 - 1], dtype=np.int32))
            print('ok')
            """
        let py = try NumPy.run(check)
        #expect(py.status == 0 && py.out == "ok\n", "\(py.err)")
        let read = try scratchFile("npy_read.lua", """
            local T = ouro.tensor
            local f = T.load('\(dir)/np_f.npy')
            assert(f:dtype() == 'float64' and f:shape()[1] == 3 and f[2][3] == 6 and f[3][4] == 11)
            local u = T.load('\(dir)/np_u8.npy'); assert(u:dtype() == 'int64' and u[1][2] == 255)
            local b = T.load('\(dir)/np_bool.npy'); assert(b:sum() == 2)
            local i = T.load('\(dir)/np_i32.npy'); assert(i[1] == -3 and i[2] == 2147483647)
            print('ok')
            """)
        let r = try OuroBinary.run(["run", read])
        #expect(r.status == 0 && r.out == "ok\n", "\(r.err)")
    }

}

enum NumPy {
    static let available: Bool = (try? run("import numpy"))?.status == 0

    static func run(_ code: String) throws -> OuroBinary.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", code]
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return OuroBinary.Result(status: p.terminationStatus, out: String(decoding: od, as: UTF8.self), err: String(decoding: ed, as: UTF8.self))
    }
}

/// DESIGN's determinism for neural training: a seed trains the same weights, bit for bit, whether
/// ouro splits its large ops over one core or two (through the whole stack: Lua, autograd, the
/// split GEMMs, the parallel elementwise kernels and sums, Adam).
@Suite(.enabled(if: OuroBinary.shouldRun, "needs the ouro binary")) struct TrainingDeterminismTests {
    @Test func sameWeightsOnOneAndTwoThreads() throws {
        let s = try scratchFile("train_determinism.lua", """
            local nn, optim = ouro.nn, ouro.optim
            local g = ouro.rng(5)
            local x = g:uniform({512, 784}, 0, 1, "float32")       -- big enough that the GEMMs split
            local y = g:integers(1, 10, {512})
            local net = nn.sequential{nn.linear(784, 256, {rng = g}), nn.gelu(), nn.dropout(0.1, {rng = g}), nn.linear(256, 10, {rng = g})}
            local opt = optim.adamw(net, {lr = 1e-3})
            for _ = 1, 8 do
              local loss = nn.cross_entropy(net(x), y) + (net(x):tanh():sum() / 1e4)
              opt:zero_grad(); loss:backward(); optim.clip_grad_norm(net, 1); opt:step()
            end
            local parts = {}
            for _, p in ipairs(net:parameters()) do parts[#parts + 1] = ("%a"):format(p:detach():astype("float64"):sum()) end
            print(table.concat(parts, " "))
            """)
        try expectSameOutputOnOneAndTwoThreads(s)
    }

    /// The convolutional path too: a class-conditional diffusion U-Net (im2col, GEMMs, col2im,
    /// transposed convolutions, group norms) trains and samples the same on one and two threads.
    @Test func sameUNetOnOneAndTwoThreads() throws {
        let s = try scratchFile("unet_determinism.lua", """
            local g = ouro.rng(6)
            local rows = ouro.data.labelled(g:uniform({64, 784}, 0, 1, "float32"), g:integers(1, 10, {64}))
            local m = ouro.models.diffusion{data = "images", classes = 10, channels = 8, iterations = 4, batch = 32, sampler_steps = 3}
            m:fit(rows, ouro.rng(1))
            print(("%a %a"):format(m:sample(20, ouro.rng(2)):sum(), m:evaluate(rows).denoise_mse))
            """)
        try expectSameOutputOnOneAndTwoThreads(s)
    }

    func expectSameOutputOnOneAndTwoThreads(_ script: String) throws {
        var env = ProcessInfo.processInfo.environment
        env["OURO_OP_THREADS"] = "1"
        let one = try OuroBinary.run(["run", script], environment: env)
        env["OURO_OP_THREADS"] = "2"
        let two = try OuroBinary.run(["run", script], environment: env)
        #expect(one.status == 0 && two.status == 0, "\(one.err)\(two.err)")
        #expect(!one.out.isEmpty && one.out == two.out, "1 thread: \(one.out)\n2 threads: \(two.out)")
    }
}
