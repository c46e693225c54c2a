import Foundation
import Report
import Testing

/// kill -9 in the middle of a run, rerun the same command: the run continues and ends with the
/// same metrics.csv, byte for byte, as an uninterrupted run.
@Suite(.enabled(if: OuroBinary.shouldRun, "needs the ouro binary"))
struct ResumeTests {
    static let script = """
        local T = ouro.tensor
        local out = arg[1]
        local seeds = {}
        for i = 1, 6 do seeds[i] = i end
        ouro.loop{
          name = "resume", out = out, seeds = seeds, threads = 2, generations = 25, samples = 30,
          workflow = "accumulate-subsample",
          model = function() return ouro.models.gaussian{truth = {mean = T.zeros({3}), cov = T.eye(3)}} end,
          real = function(seed) local g = ouro.rng(seed); return g:normal({30, 3}), g:normal({50, 3}) end,
          -- slow each generation down so that the kill lands mid-run
          metrics = function(model, ctx) local t = os.clock(); while os.clock() - t < 0.01 do end; return {slow = 1} end,
        }()
        """

    /// A conditional VAE on labelled Fashion-MNIST rows with a label-aware verifier, accumulating:
    /// its batches are not stored but drawn again from each generation's checkpointed weights.
    static let vaeScript = """
        local te = ouro.data.fashion_mnist{split = "test"}
        local function rows(a, b) return ouro.data.labelled(te.x:slice(1, a, b), te.y:slice(1, a, b)) end
        ouro.loop{
          name = "vae-resume", out = arg[1], seeds = {1, 2}, threads = 2, generations = 6, samples = 200,
          workflow = "accumulate",
          model = function() return ouro.models.vae{arch = "cvae-conv", epochs = 1} end,
          real = function(seed) return rows(1 + 300 * seed, 300 * seed + 300), rows(9001, 9200) end,
          verifier = function(batch) return batch:select(2, 785):ne(1) end,   -- drop class 1
        }()
        """

    /// A small GPT on fortunes with a length verifier, accumulating: batches of documents drawn
    /// again from the checkpointed weights on resume, as for the VAE.
    static let gptScript = """
        local function first(d, n) local idx = {} for i = 1, n do idx[i] = i end return d:sub(idx) end
        ouro.loop{
          name = "gpt-resume", out = arg[1], seeds = {1, 2}, threads = 2, generations = 6, samples = 60,
          workflow = "accumulate",
          model = function() return ouro.models.gpt{layers = 1, heads = 2, dim = 32, context = 32, steps = 15, batch = 8,
                                                    max_tokens = 40, describe = 10} end,
          real = function(seed) return first(ouro.data.text{split_seed = seed}, 150), first(ouro.data.text{split = "test"}, 40) end,
          verifier = function(batch) local ok = {} for i, s in ipairs(batch) do ok[i] = #s >= 10 end return ok end,
        }()
        """

    @Test func neuralRunsResumeFromCheckpointedWeights() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else { return }
        try killAndResume(ResumeTests.vaeScript, name: "vae", samples: "png", metrics: ["accepted_frac", "nelbo"]) { path in
            // the first seed's samples, a grid per generation: 10 classes (rows) × 8, 28-pixel images at scale 2
            let png = try PNG.read(path)
            #expect(png.width == 8 * 56 + 9 * 2 && png.height == 10 * 56 + 11 * 2, "\(path): \(png.width)×\(png.height)")
        }
    }

    @Test func languageModelRunsResumeFromCheckpointedWeights() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/games/fortunes/riddles") else { return }
        try killAndResume(ResumeTests.gptScript, name: "gpt", samples: "txt",
                          metrics: ["accepted_frac", "test_ce", "bits_per_byte", "mean_bytes", "distinct_2", "truncated"]) { path in
            // eight documents in the fortune format
            let text = try String(contentsOfFile: path, encoding: .isoLatin1)
            #expect(text.components(separatedBy: "\n%\n").count - 1 >= 8, "\(path) should hold 8 documents")
        }
    }

    /// Runs the script whole, then again killed (SIGKILL) once seed 1 has its journal and two
    /// generations' weights, and resumed: the same metrics.csv and sample files, no temporaries.
    func killAndResume(_ script: String, name: String, samples ext: String, metrics: [String], checkSample: (String) throws -> Void) throws {
        let s = try scratchFile("resume-\(name).lua", script)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-resume-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let whole = base + "/whole", killed = base + "/killed"
        let w = try OuroBinary.run(["run", s, whole])
        #expect(w.status == 0, "\(w.err)")
        let reference = try String(contentsOfFile: whole + "/metrics.csv", encoding: .utf8)
        for seed in 1...2 {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: whole + "/seeds/\(seed)")) ?? []
            #expect(files.sorted() == (1...6).map { String(format: "gen-%03d.safetensors", $0) }, "seed \(seed): \(files)")
        }
        for g in 1...6 { try checkSample(whole + String(format: "/samples/gen-%03d.\(ext)", g)) }
        let bin = try #require(OuroBinary.path, "the ouro binary")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", s, killed]
        var environment = ProcessInfo.processInfo.environment
        environment["OURO_JOURNAL_INTERVAL_MS"] = "0"
        p.environment = environment
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        // kill once a seed has its journal and the weights of two generations
        let deadline = Date().addingTimeInterval(60)
        var journal = 0
        while Date() < deadline && p.isRunning {
            let has = FileManager.default.fileExists(atPath: killed + "/seeds/1/gen-002.safetensors")
            journal = ((try? FileManager.default.attributesOfItem(atPath: killed + "/seeds/1/journal.bin")[.size]) as? Int) ?? 0
            if has && journal > 0 { break }
            usleep(10_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(journal > 0 && journal < 50_000, "the journal holds metrics, not samples (\(journal) bytes)")
        let resumed = try OuroBinary.run(["run", s, killed])
        #expect(resumed.status == 0, "\(resumed.err)")
        let after = try String(contentsOfFile: killed + "/metrics.csv", encoding: .utf8)
        #expect(after == reference, "the resumed run's metrics.csv differs from the uninterrupted one")
        for m in metrics { #expect(reference.contains("," + m + ","), "metrics.csv lacks \(m)") }
        for g in 1...6 {
            let name = String(format: "/samples/gen-%03d.\(ext)", g)
            #expect(FileManager.default.contents(atPath: whole + name) == FileManager.default.contents(atPath: killed + name), "\(name) differs after resuming")
        }
        let leftovers = FileManager.default.enumerator(atPath: killed)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }

    @Test func killNineThenResumeGivesTheSameRecord() throws {
        let s = try scratchFile("resume.lua", ResumeTests.script)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-resume-\(getpid())").path
        try? FileManager.default.removeItem(atPath: base)
        let whole = base + "/whole", killed = base + "/killed"
        #expect(try OuroBinary.run(["run", s, whole]).status == 0)
        let reference = try String(contentsOfFile: whole + "/metrics.csv", encoding: .utf8)

        let bin = try #require(OuroBinary.path, "the ouro binary")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", s, killed]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait until some generations are recorded, then kill without warning.
        let deadline = Date().addingTimeInterval(20)
        var started = false
        while Date() < deadline && p.isRunning {
            let states = (try? FileManager.default.contentsOfDirectory(atPath: killed + "/seeds")) ?? []
            let sizes = states.compactMap { try? FileManager.default.attributesOfItem(atPath: killed + "/seeds/\($0)/journal.bin")[.size] as? Int }
            if sizes.contains(where: { $0 > 0 }) { started = true; break }
            usleep(20_000)
        }
        usleep(150_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(started, "the run never recorded a generation")
        #expect(p.terminationReason == .uncaughtSignal, "the run finished before it could be killed; slow it down")
        let partial = try? String(contentsOfFile: killed + "/metrics.csv", encoding: .utf8)
        #expect(partial != reference, "the killed run should not have finished")

        let resumed = try OuroBinary.run(["run", s, killed])
        #expect(resumed.status == 0, "\(resumed.err)")
        let after = try String(contentsOfFile: killed + "/metrics.csv", encoding: .utf8)
        #expect(after == reference, "the resumed run's metrics.csv differs from the uninterrupted one")
        let leftovers = FileManager.default.enumerator(atPath: killed)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
        try? FileManager.default.removeItem(atPath: base)
    }
}
