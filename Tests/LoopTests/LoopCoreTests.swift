import Data
import Foundation
import Loop
import Models
import Tensor
import Testing

@Suite struct PoolTests {
    @Test func appendsWithProvenanceAndGrows() throws {
        let pool = try Pool(real: Tensor.zeros([3, 2]))
        for g in 1...20 { try pool.append(.rows(Tensor.full([5, 2], Double(g))), generation: g, accepted: [true, false, true, true, true]) }
        #expect(pool.size == 103 && pool.acceptedCount == 83)
        #expect(pool.indices(generation: 0) == [0, 1, 2])
        #expect(pool.indices(generation: 7, accepted: false) == [3 + 6 * 5 + 1])
        #expect(try pool.rows([3 + 19 * 5]).tensor?.toDoubles() == [20, 20])
        #expect(throws: LoopError.self) { try pool.append(.rows(Tensor.zeros([1, 3])), generation: 21) }
        #expect(throws: LoopError.self) { try pool.append(.documents(Documents([[1]])), generation: 21) }
    }

    @Test func holdsDocumentsAndPairs() throws {
        let pool = try Pool(real: .documents(Documents([Array("one".utf8), Array("two".utf8)])))
        try pool.append(.documents(Documents([Array("three".utf8), [0xFF, 0]])), generation: 1, accepted: [false, true])
        #expect(pool.holdsDocuments && pool.size == 4 && pool.indices(generation: nil) == [0, 1, 3])
        #expect(try pool.rows([3, 0]).documents?.texts == [[0xFF, 0], Array("one".utf8)], "bytes kept as they are")
        #expect(throws: LoopError.self) { try pool.append(.rows(Tensor.zeros([1, 3])), generation: 2) }
        let pairs = try Pool(real: .documents(Documents([Array("Q?A!".utf8)], promptLengths: [2])))
        #expect(throws: LoopError.self) { try pairs.append(.documents(Documents([Array("plain".utf8)])), generation: 1) }
        try pairs.append(.documents(Documents([Array("Q?B".utf8)], promptLengths: [2])), generation: 1)
        let d = try #require(try pairs.data().documents)
        #expect(d.promptLengths == [2, 2] && Array(d.response(1)) == Array("B".utf8))
        #expect(try Samples.documents(d).checksum() != Samples.documents(Documents(d.texts, promptLengths: [1, 2])).checksum(),
                "where a prompt ends is part of the data")
    }
}

@Suite struct GaussianModelTests {
    @Test func statisticsMergedBatchByBatchEqualOneFit() throws {
        let x = try RNG(seed: 1).normal([300, 4], mean: 5, std: 2)
        var s = GaussianStatistics(dim: 4)
        for k in 0..<3 { try s.add(x.narrow(0, k * 100, (k + 1) * 100)) }
        let whole = try GaussianModel(), parts = try GaussianModel()
        try whole.fit(x); try parts.fit(statistics: s)
        let a = try #require(whole.cov).toDoubles(), b = try #require(parts.cov).toDoubles()
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 })
        // the MLE covariance divides by N: compare with the textbook formula
        let c = try x.binary(.sub, x.reduce(.mean, dim: 0))
        let manual = try c.t().mm(c).binary(.div, Tensor(scalar: 300.0)).toDoubles()
        #expect(zip(a, manual).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func metricsAgainstHandComputedOneDimensionalCase() throws {
        // data {0, 2}: mean 1, MLE variance 1; truth N(0, 4)
        let m = try GaussianModel(truth: (Tensor([0.0]), Tensor([4.0], shape: [1, 1])))
        try m.fit(Tensor([0.0, 2.0], shape: [2, 1]))
        let r = Dictionary(uniqueKeysWithValues: try m.evaluate(Tensor([1.0], shape: [1, 1])).map { ($0.name, $0.value) })
        #expect(abs(r["nll"]! - 0.5 * log(2 * Double.pi)) < 1e-12)          // density of N(1,1) at 1
        #expect(abs(r["mean_sq_err"]! - 1) < 1e-12)
        #expect(abs(r["cov_trace_ratio"]! - 0.25) < 1e-12)
        #expect(abs(r["cov_det_ratio"]! - 0.25) < 1e-12)
        // KL(N(0,4) ‖ N(1,1)) = ½ [4 + 1 − 1 + ln 1 − ln 4]
        #expect(abs(r["kl"]! - 0.5 * (4 + 1 - 1 - log(4))) < 1e-12)
        #expect(r["cov_singular"] == 0)
    }

    @Test func singularCovarianceIsReportedNotACrash() throws {
        let m = try GaussianModel(truth: (Tensor.zeros([2]), Tensor.eye(2)))
        try m.fit(Tensor([1.0, 1, 2, 2, 3, 3], shape: [3, 2]))        // all on a line
        let r = Dictionary(uniqueKeysWithValues: try m.evaluate(Tensor.zeros([4, 2])).map { ($0.name, $0.value) })
        #expect(r["cov_singular"] == 1 && r["kl"] == .infinity && r["cov_det_ratio"] == 0 && r["nll"] == .infinity)
        let s = try m.sample(50, rng: RNG(seed: 2)).toDoubles()
        #expect(stride(from: 0, to: s.count, by: 2).allSatisfy { abs(s[$0] - s[$0 + 1]) < 1e-9 })   // stays on the line
        let jittered = try GaussianModel(jitter: 1e-3)
        try jittered.fit(Tensor([1.0, 1, 2, 2, 3, 3], shape: [3, 2]))
        #expect(!jittered.isSingular)
    }
}

@Suite struct TheoryTests {
    @Test func closedForms() throws {
        let r = try Theory.gaussian(workflow: "replace", n: 10, trace: 3, generations: 3)
        #expect(r.covTraceRatio == [0.9, 0.81, 0.9 * 0.81])
        #expect(abs(r.meanSqErr[1] - 3 * (1 - 0.81)) < 1e-15)
        let a = try Theory.gaussian(workflow: "accumulate", n: 10, trace: 3, generations: 2)
        #expect(abs(a.covTraceRatio[1] - (1 - 0.1) * (1 - 1 / 40.0)) < 1e-15)
        #expect(abs(a.meanSqErr[1] - (3 + 3 * 0.9 / 4) / 10) < 1e-15)
        let lr = try Theory.linearRegression(workflow: "accumulate", d: 10, t: 100, sigma2: 1, generations: 200)
        #expect(lr.last! < Double.pi * Double.pi / 6 * lr[0] && lr.last! > 1.6 * lr[0])
        #expect(throws: ModelError.self) { try Theory.gaussian(workflow: "accumulate-subsample", n: 10, trace: 1, generations: 2) }
    }
}

@Suite struct RegressionStatisticsTests {
    @Test func statisticsFitEqualsLeastSquaresOnAllRows() throws {
        let g = RNG(seed: 7)
        let x = try g.normal([120, 4]), y = try g.normal([120])
        var s = RegressionStatistics(dim: 4)
        for k in 0..<3 { try s.add(x: x.narrow(0, 40 * k, 40 * (k + 1)), y: y.narrow(0, 40 * k, 40 * (k + 1))) }
        let m = try LinearRegressionModel(noise: 1)
        try m.fit(statistics: s)
        let ls = try Linalg.lstsq(x, y).solution.toDoubles()
        let w = try #require(m.weights).toDoubles()
        #expect(zip(w, ls).allSatisfy { abs($0 - $1) < 1e-10 })
        // rank-deficient: the minimum-norm solution, as lstsq
        let m2 = try LinearRegressionModel(noise: 1)
        try m2.fit(x: Tensor([1.0, 1], shape: [1, 2]), y: Tensor([2.0]))
        #expect(zip(try #require(m2.weights).toDoubles(), [1.0, 1.0]).allSatisfy { abs($0 - $1) < 1e-8 })
    }
}
