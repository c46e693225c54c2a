import Foundation
import Testing

/// kill -9 at random moments, for every model × workflow (and with a verifier, a Lua metric and kept
/// pools on some): each run is killed twice, then run to the end, and must leave the same
/// metrics.csv, byte for byte, as an uninterrupted run, with no temporary file behind. `make
/// test-resume` (run by CI) sets OURO_RESUME_MATRIX; `make test` runs the smaller ResumeTests.
@Suite(.enabled(if: OuroBinary.shouldRun && ProcessInfo.processInfo.environment["OURO_RESUME_MATRIX"] != nil,
                "make test-resume runs the kill -9 matrix"))
struct ResumeMatrixTests {
    struct Cell: CustomTestStringConvertible, Sendable {
        let model: String, workflow: String, extras: String
        var testDescription: String { "\(model) × \(workflow)\(extras.isEmpty ? "" : " + " + extras)" }
    }

    static let models = [
        "gaussian": "ouro.models.gaussian{truth = {mean = T.zeros({D}), cov = T.eye(D)}}",
        "kde": "ouro.models.kde{bandwidth = 0.5}",
        "linear_regression (fixed design)": "ouro.models.linear_regression{noise = 0.5, truth = {w = T.ones({D - 1})}}",
        "linear_regression (fresh covariates)": "ouro.models.linear_regression{noise = 0.5, covariates = \"fresh\"}",
        "lua table model": "lua_model()",
        "gpt (text)": "ouro.models.gpt{layers = 1, heads = 1, dim = 8, context = 16, steps = 40, batch = 4, describe = 4, max_tokens = 8}",
    ]
    /// A model written in Lua: its mean fitted by Adam from a random start drawn from ctx.rng.
    static let luaModel = """
        local function lua_model()
          local m = {name = "lua-gaussian"}
          function m:fit(data, ctx)
            self.mu = ctx.rng:normal({D}, 0, 0.1):requires_grad()
            local opt = ouro.optim.adam({self.mu}, {lr = 0.05})
            for _ = 1, 30 do
              local loss = ouro.nn.mse(data, self.mu)
              opt:zero_grad(); loss:backward(); opt:step()
            end
            self.sd = data:std(1)
          end
          function m:sample(n, ctx) return ctx.rng:normal({n, D}) * self.sd + self.mu:detach() end
          function m:evaluate(test, ctx) return {mean_err = ((test:mean(1) - self.mu:detach()) ^ 2):sum()} end
          return m
        end
        """
    static let workflows = [
        "replace": "\"replace\"", "accumulate": "\"accumulate\"", "accumulate-subsample": "\"accumulate-subsample\"",
        "mix": "{real = 10, synthetic = 14}",
        "policy": "function(pool, t) local a, b = pool:where{generation = 0}, pool:where{generation = t - 1}; return T.cat({a:slice(1, 1, 8), b}) end",
    ]
    static let cells: [Cell] = {
        var out: [Cell] = []
        for (i, m) in models.keys.sorted().enumerated() {
            for (j, w) in workflows.keys.sorted().enumerated() {
                let k = i * workflows.count + j
                out.append(Cell(model: m, workflow: w, extras: k % 3 == 0 ? "verifier" : k % 3 == 1 ? "keep_pool" : ""))
            }
        }
        return out
    }()

    static func script(_ c: Cell) -> String {
        let text = c.model.hasSuffix("(text)")
        let verifier = c.extras != "verifier" ? ""
            : text ? "verifier = function(batch) local k = {}; for i = 1, #batch do k[i] = #batch[i] % 4 ~= 3 and 1 or 0 end; return k end,"
            : "verifier = function(batch) return batch:select(2, 1):gt(-1) end,"
        // text: documents of random words from a small vocabulary
        let real = text
            ? "function(seed) local g = ouro.rng(seed); local function docs(n) local d = {}; for i = 1, n do local w = {}; for j = 1, g:integers(1, 5, {1})[1] do w[j] = ({\"ab\", \"cd\", \"efg\", \"h\"})[g:integers(1, 4, {1})[1]] end; d[i] = table.concat(w, \" \") end; return ouro.data.documents(d) end; return docs(24), docs(40) end"
            : "function(seed) local g = ouro.rng(seed); return g:normal({24, D}), g:normal({40, D}) end"
        return """
            local T = ouro.tensor
            local D = 3
            \(luaModel)
            local seeds = {}
            for i = 1, 5 do seeds[i] = i end
            ouro.loop{
              name = "matrix", out = arg[1], seeds = seeds, threads = 2, generations = 12, samples = 24,
              keep_pool = \(c.extras == "keep_pool"),
              workflow = \(workflows[c.workflow]!), \(verifier)
              model = function() return \(models[c.model]!) end,
              real = \(real),
              -- a Lua metric, slow enough that kills land mid-run
              metrics = function(model, ctx) local t = os.clock(); while os.clock() - t < 0.004 do end; return {gen = ctx.generation} end,
            }()
            """
    }

    @Test(arguments: cells)
    func killedTwiceThenResumedGivesTheSameRecords(_ cell: Cell) throws {
        let bin = try #require(OuroBinary.path, "the ouro binary")
        let name = cell.testDescription.replacingOccurrences(of: " ", with: "_").filter { $0.isLetter || $0.isNumber || $0 == "_" }
        let s = try scratchFile("matrix-\(name).lua", ResumeMatrixTests.script(cell))
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-matrix-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: base)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let whole = base + "/whole", killed = base + "/killed"
        // half the cells write the journal after every generation, the others as ouro does by default
        let everyGeneration = ResumeMatrixTests.cells.firstIndex { $0.testDescription == cell.testDescription }.map { $0 % 2 == 0 } ?? false
        var environment = ProcessInfo.processInfo.environment
        if everyGeneration { environment["OURO_JOURNAL_INTERVAL_MS"] = "0" }
        let w = try OuroBinary.run(["run", s, whole])
        #expect(w.status == 0, "\(w.err)")
        let reference = try String(contentsOfFile: whole + "/metrics.csv", encoding: .utf8)
        var generator = SystemRandomNumberGenerator()
        for attempt in 0..<2 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["run", s, killed]
            p.environment = environment
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            // a random moment: early (while folders are made), mid-run, or late (while records are written)
            let delay = attempt == 0 ? Double.random(in: 0.02...0.25, using: &generator) : Double.random(in: 0.05...0.6, using: &generator)
            usleep(UInt32(delay * 1_000_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let resumed = try OuroBinary.run(["run", s, killed], environment: environment)
        #expect(resumed.status == 0, "\(cell.testDescription): \(resumed.err)")
        let after = (try? String(contentsOfFile: killed + "/metrics.csv", encoding: .utf8)) ?? ""
        #expect(after == reference, "\(cell.testDescription): the resumed run's metrics.csv differs from the uninterrupted one")
        if cell.extras == "keep_pool" {
            let file = cell.model.hasSuffix("(text)") ? "pool.jsonl" : "pool.npy"
            for seed in 1...5 {
                let a = FileManager.default.contents(atPath: whole + "/seeds/\(seed)/\(file)")
                let b = FileManager.default.contents(atPath: killed + "/seeds/\(seed)/\(file)")
                #expect(a != nil && a == b, "\(cell.testDescription): seed \(seed)'s kept pool differs")
            }
        }
        let leftovers = FileManager.default.enumerator(atPath: killed)?.compactMap { $0 as? String }.filter { $0.contains(".tmp-") } ?? []
        #expect(leftovers.isEmpty, "\(cell.testDescription): temporary files left behind: \(leftovers)")
    }
}
