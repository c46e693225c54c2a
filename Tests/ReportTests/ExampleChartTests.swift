import Foundation
import Report
import Testing

/// Renders a realistic chart to /tmp/report-example.svg for a visual check.
@Suite struct ExampleChartTests {
    @Test func writesExampleChart() throws {
        let generations = (0...20).map(Double.init)
        let seeds = 0..<8
        func series(_ name: String, decay: Double, noise: Double) -> PlotSeries {
            var mean: [Double] = [], lower: [Double] = [], upper: [Double] = []
            for g in generations {
                let values = seeds.map { seed -> Double in
                    let wiggle = sin(Double(seed) * 1.7 + g * 0.9) * noise * (1 + g / 10)
                    return exp(-decay * g) * (1 + wiggle)
                }
                let band = Summary.meanBand(values)
                mean.append(band.mean)
                lower.append(band.lower)
                upper.append(band.upper)
            }
            return PlotSeries(name: name, x: generations, y: mean, lower: lower, upper: upper)
        }
        let theory = PlotSeries(name: "theory: (1 − 1/n)^g", x: generations,
                                y: generations.map { pow(1 - 1.0 / 5.0, $0) }, dashed: true)
        let chart = LineChart(
            title: "Gaussian variance across generations (n = 5, 8 seeds)",
            xLabel: "generation", yLabel: "fitted variance σ²", logY: true,
            series: [series("replace", decay: 0.22, noise: 0.3),
                     series("accumulate", decay: 0.03, noise: 0.15),
                     series("accumulate-subsample", decay: 0.08, noise: 0.2),
                     theory])
        try chart.write(to: "/tmp/report-example.svg")
        var linear = chart
        linear.logY = false
        linear.title = "Same data, linear axis"
        try linear.write(to: "/tmp/report-example-linear.svg")
        #expect(SVGInspector(try String(contentsOfFile: "/tmp/report-example.svg", encoding: .utf8)).parsed)
    }
}
