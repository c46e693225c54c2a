import Foundation
import Report
import Testing

/// Random awkward inputs: every chart either renders to well-formed XML or throws ReportError.
@Suite struct RobustnessTests {
    /// A small deterministic generator (SplitMix64) so failures are reproducible.
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func value() -> Double {
            let awkward: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, -1, 1e-300, 1e300,
                                     .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
            if below(6) == 0 { return awkward[below(awkward.count)] }
            return (Double(below(2_000_001)) - 1_000_000) / Double([1, 10, 1000, 1_000_000][below(4)])
        }
    }

    @Test func randomInputsNeverTrap() throws {
        var r = Mix(state: 42)
        var rendered = 0
        for _ in 0..<400 {
            let seriesCount = r.below(4)
            let series = (0..<seriesCount).map { i -> PlotSeries in
                let n = r.below(8)
                let m = r.below(10) == 0 ? n + 1 : n
                let x = (0..<n).map { _ in r.below(3) == 0 ? r.value() : Double(r.below(30)) }
                let y = (0..<m).map { _ in r.value() }
                let lower: [Double]? = r.below(2) == 0 ? (0..<n).map { _ in r.value() } : nil
                let upper: [Double]? = r.below(2) == 0 ? (0..<(r.below(10) == 0 ? 0 : n)).map { _ in r.value() } : nil
                return PlotSeries(name: "s\(i) <&>", x: x, y: y, lower: lower, upper: upper, dashed: r.below(3) == 0)
            }
            let sizes = [-1, 0, 99, 100, 101, 333, 760, 5000]
            let chart = LineChart(title: "t", xLabel: "x", yLabel: "y", logY: r.below(2) == 0, series: series,
                                  width: sizes[r.below(sizes.count)], height: sizes[r.below(sizes.count)])
            do {
                let svg = try chart.svg()
                rendered += 1
                #expect(SVGInspector(svg).parsed)
                #expect(!svg.contains("nan") && !svg.contains("inf"))
            } catch is ReportError {
                continue
            }
        }
        #expect(rendered > 20)
    }
}
