import Foundation
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
