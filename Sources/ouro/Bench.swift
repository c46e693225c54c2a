import ArgumentParser
import CBenchKernels
import CBLAS
import Foundation
import Scripting
import Tensor

/// `ouro bench`: the tensor API against raw BLAS and plain C loops, side by side in one run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark matrix products and elementwise ops of the Lua tensor API against raw cblas and C loops.")

    @Option(help: "BLAS threads for both sides (default 1, ouro's reproducible setting).") var threads: Int = 1
    @Flag(help: "Fewer repetitions (a smoke run, not for BENCHMARKS.md).") var quick = false

    func run() throws {
        let host = try LuaHost()
        Linalg.setThreads(threads)
        Parallel.threads = threads      // ouro's own splitting of large ops uses the same number of cores
        let trials = quick ? 2 : 21
        print("ouro bench — \(ProcessInfo.processInfo.activeProcessorCount) cores, OpenBLAS threads: \(Linalg.threads), ouro op threads: \(Parallel.threads), OpenBLAS kernels: \(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "auto"), trials: \(trials) (best of, interleaved)")
        print("")
        print("Matrix product  C = A·B, n×n, raw cblas_?gemm into a preallocated C vs Lua `a:mm(b)` (a new C each time)")
        print("and Lua `a:mm(b, {out = c})` (into a preallocated C, as raw)")
        print(pad("dtype", 8) + pad("n", 6) + pad("raw GFLOP/s", 13) + pad("mm GFLOP/s", 12) + pad("overhead", 10)
              + pad("out= GFLOP/s", 14) + "overhead")
        for dtype in [DType.float64, .float32] {
            for n in [64, 128, 256, 512, 1024] {
                let reps = max(2, Int(8e9 / Double(2 * n * n * n)) / (quick ? 8 : 1))
                let g = RNG(seed: 1)
                let a = try g.normal([n, n], dtype: dtype), b = try g.normal([n, n], dtype: dtype)
                let c = try Tensor.zeros([n, n], dtype: dtype)
                try host.run(string: "local g = ouro.rng(1); A = g:normal({\(n),\(n)}, 0, 1, '\(dtype.rawValue)'); B = g:normal({\(n),\(n)}, 0, 1, '\(dtype.rawValue)')")
                let rawRun = {
                    self.timeit {
                        for _ in 0..<reps {
                            if dtype == .float64 {
                                cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.base(Double.self), Int32(n),
                                            b.base(Double.self), Int32(n), 0, c.base(Double.self), Int32(n))
                            } else {
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.base(Float.self), Int32(n),
                                            b.base(Float.self), Int32(n), 0, c.base(Float.self), Int32(n))
                            }
                        }
                    } / Double(reps)
                }
                let apiRun = {
                    try self.timeit { try host.run(string: "local a, b = A, B; local c; for i = 1, \(reps) do c = a:mm(b) end") } / Double(reps)
                }
                let outRun = {
                    try self.timeit { try host.run(string: "local a, b, c = A, B, C; for i = 1, \(reps) do a:mm(b, {out = c}) end") } / Double(reps)
                }
                try host.run(string: "C = A:mm(B)")
                let (raw, api, into) = try interleaved(trials, rawRun, apiRun, outRun)
                let flops = 2 * Double(n * n * n)
                print(pad(dtype.rawValue, 8) + pad("\(n)", 6) + pad(String(format: "%.2f", flops / raw / 1e9), 13)
                      + pad(String(format: "%.2f", flops / api / 1e9), 12) + pad(String(format: "%+.1f%%", (api / raw - 1) * 100), 10)
                      + pad(String(format: "%.2f", flops / into / 1e9), 14) + String(format: "%+.1f%%", (into / raw - 1) * 100))
            }
        }
        print("")
        let n = 10_000_000
        print("Elementwise on \(n) float64 elements: Lua tensor op vs a plain C loop (SwiftPM release build of clang C) writing a preallocated buffer")
        print(pad("op", 22) + pad("C ms", 10) + pad("ouro ms", 10) + "ratio")
        let g = RNG(seed: 2)
        let x = try g.normal([n]), y = try g.normal([n]), z = try Tensor.zeros([n])
        try host.run(string: "local g = ouro.rng(2); X = g:normal({\(n)}); Y = g:normal({\(n)})")
        let cases: [(String, () -> Void, String)] = [
            ("x + y", { ouro_c_add_f64(x.base(Double.self), y.base(Double.self), z.base(Double.self), n) }, "Z = X + Y"),
            ("x * y", { ouro_c_mul_f64(x.base(Double.self), y.base(Double.self), z.base(Double.self), n) }, "Z = X * Y"),
            ("x:exp()", { ouro_c_exp_f64(x.base(Double.self), z.base(Double.self), n) }, "Z = X:exp()"),
            ("x:add_(y) (in place)", { ouro_c_add_f64(x.base(Double.self), y.base(Double.self), x.base(Double.self), n) }, "X:add_(Y)"),
        ]
        for (name, cLoop, lua) in cases {
            let (tc, to) = try interleaved(trials, { self.timeit(cLoop) }, { try self.timeit { try host.run(string: lua) } })
            print(pad(name, 22) + pad(String(format: "%.2f", tc * 1e3), 10) + pad(String(format: "%.2f", to * 1e3), 10) + String(format: "%.2fx", to / tc))
        }
        try host.run(string: "X, Y, Z, A, B = nil; collectgarbage()")

        // A verifier written as a sandboxed Lua plugin over whole tensors, against the same rule in Swift.
        print("")
        let rows = 1_000_000
        print("Verifier on \(rows) two-dimensional samples: keep ‖x‖ ≤ 1 (an int64 0/1 mask)")
        print(pad("rule", 40) + pad("ms", 10) + "ratio")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-bench-plugins-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            return {name = "bench_ball", kind = "verifier", description = "keep rows with norm <= radius",
              params = {radius = {default = 1.0, doc = "radius"}},
              make = function(p) return function(batch, ctx) return batch:norm(2, 2):le(p.radius) end end}
            """.write(toFile: dir + "/bench_ball.lua", atomically: true, encoding: .utf8)
        try host.run(string: "ouro.add_plugin_dir('\(dir)'); V = ouro.plugin('bench_ball'); P = ouro.rng(3):normal({\(rows), 2})")
        let points = try RNG(seed: 3).normal([rows, 2])
        let swiftRule = { () throws -> Tensor in
            let mask = try Tensor(uninitialized: [rows], dtype: .int64)
            let p = points.base(Double.self), m = mask.base(Int64.self)
            for i in 0..<rows {
                let (a, b) = (p[2 * i], p[2 * i + 1])
                m[i] = (a * a + b * b).squareRoot() <= 1 ? 1 : 0
            }
            return mask
        }
        let (ts, tl) = try interleaved(trials, { try self.timeit { _ = try swiftRule() } },
                                       { try self.timeit { try host.run(string: "M = V(P)") } })
        print(pad("Swift loop (one pass)", 40) + pad(String(format: "%.2f", ts * 1e3), 10) + "1.00x")
        print(pad("Lua plugin: batch:norm(2, 2):le(r)", 40) + pad(String(format: "%.2f", tl * 1e3), 10) + String(format: "%.2fx", tl / ts))
        try host.run(string: "V, P, M = nil; collectgarbage()")
        try records(host, trials: quick ? 2 : 11)
    }

    /// What run records cost: the Gaussian slice of issue 10 (d = 10, n = 100, 100 generations,
    /// 100 seeds, 2 worker threads) run with `out` (a fresh folder each time) and without.
    func records(_ host: LuaHost, trials: Int) throws {
        print("")
        print("Run records: Gaussian d=10 n=100, 100 generations × 100 seeds, 2 threads; the same run with out= and without")
        print(pad("workflow", 24) + pad("no records s", 15) + pad("records s", 12) + "overhead")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-bench-records-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try host.run(string: """
            local T = ouro.tensor
            local truth = {mean = T.zeros({10}), cov = T.eye(10)}
            local seeds = {}
            for i = 1, 100 do seeds[i] = i end
            function RECORDS_RUN(workflow, out)
              return ouro.loop{name = "slice", model = function() return ouro.models.gaussian{truth = truth} end,
                real = function(seed) return ouro.rng(seed):normal({100, 10}) end, generations = 100, samples = 100,
                workflow = workflow, seeds = seeds, threads = 2, out = out}()
            end
            """)
        for workflow in ["replace", "accumulate", "accumulate-subsample"] {
            var k = 0
            let (plain, recorded) = try interleaved(trials, {
                try self.timeit { try host.run(string: "RECORDS_RUN('\(workflow)', nil)") }
            }, {
                k += 1
                let out = dir + "/\(workflow)-\(k)"
                let t = try self.timeit { try host.run(string: "RECORDS_RUN('\(workflow)', '\(out)')") }
                try? FileManager.default.removeItem(atPath: out)
                return t
            })
            print(pad(workflow, 24) + pad(String(format: "%.4f", plain), 15) + pad(String(format: "%.4f", recorded), 12)
                  + String(format: "%+.1f%%", (recorded / plain - 1) * 100))
        }
        try host.run(string: "RECORDS_RUN = nil; collectgarbage()")
    }

    func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s + " " : s + String(repeating: " ", count: w - s.count) }

    func timeit(_ body: () throws -> Void) rethrows -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
    }

    /// Best of k timed runs of two contenders, alternating so that drift in the machine's speed
    /// hits both alike, after two untimed warm-up runs each (first touches of fresh buffers pay
    /// page faults on both sides; the steady state is what a loop sees). The minimum is the
    /// estimate least disturbed by other work on a shared VM.
    func interleaved(_ k: Int, _ f: () throws -> Double, _ g: () throws -> Double) rethrows -> (Double, Double) {
        let best = try interleaved(k, contenders: 2) { try $0 == 0 ? f() : g() }
        return (best[0], best[1])
    }

    func interleaved(_ k: Int, _ f: () throws -> Double, _ g: () throws -> Double, _ h: () throws -> Double) rethrows -> (Double, Double, Double) {
        let best = try interleaved(k, contenders: 3) { try $0 == 0 ? f() : $0 == 1 ? g() : h() }
        return (best[0], best[1], best[2])
    }

    /// Best of k rounds for each of `contenders` runs (run(i) times contender i), in turn each round.
    func interleaved(_ k: Int, contenders: Int, _ run: (Int) throws -> Double) rethrows -> [Double] {
        for _ in 0..<2 { for i in 0..<contenders { _ = try run(i) } }
        var times = Array(repeating: [Double](), count: contenders)
        for _ in 0..<k { for i in 0..<contenders { times[i].append(try run(i)) } }
        return times.map { $0.min() ?? 0 }
    }
}
