import Foundation
import Report

/// Small charts shared by the tests.
enum Fixtures {
    static let generations: [Double] = [0, 1, 2, 3, 4, 5]

    /// Two banded workflows and one dashed theory curve.
    static func threeSeries(logY: Bool = false) -> LineChart {
        let x = generations
        let a = x.map { 1.0 / (1.0 + $0) }
        let b = x.map { 0.8 * exp(-0.3 * $0) }
        let theory = x.map { exp(-0.25 * $0) }
        return LineChart(
            title: "Variance collapse", xLabel: "generation", yLabel: "variance", logY: logY,
            series: [
                PlotSeries(name: "replace", x: x, y: a, lower: a.map { $0 * 0.8 }, upper: a.map { $0 * 1.2 }),
                PlotSeries(name: "accumulate", x: x, y: b, lower: b.map { $0 * 0.9 }, upper: b.map { $0 * 1.1 }),
                PlotSeries(name: "theory", x: x, y: theory, dashed: true),
            ])
    }
}
