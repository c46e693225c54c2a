import Foundation
import Report
import Testing

@Suite struct ErrorTests {
    private func message(_ chart: LineChart) -> String? {
        do {
            _ = try chart.svg()
            return nil
        } catch let error as ReportError {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    private let ok = PlotSeries(name: "ok", x: [0, 1], y: [1, 2])

    @Test func noSeries() {
        #expect(message(LineChart())?.contains("no series") == true)
    }

    @Test func mismatchedCounts() {
        let m = message(LineChart(series: [ok, PlotSeries(name: "bad", x: [0, 1, 2], y: [1, 2])]))
        #expect(m?.contains("bad") == true && m?.contains("3 x values") == true)
    }

    @Test func wrongBandCounts() {
        let lower = message(LineChart(series: [PlotSeries(name: "b", x: [0, 1], y: [1, 2], lower: [1], upper: [2, 3])]))
        #expect(lower?.contains("lower") == true)
        let upper = message(LineChart(series: [PlotSeries(name: "b", x: [0, 1], y: [1, 2], lower: [1, 2], upper: [])]))
        #expect(upper?.contains("upper") == true)
    }

    @Test func nothingPlottable() {
        #expect(message(LineChart(series: [PlotSeries(name: "e", x: [], y: [])]))?.contains("no plottable") == true)
        #expect(message(LineChart(series: [PlotSeries(name: "n", x: [0, 1], y: [.nan, .infinity])])) != nil)
        #expect(message(LineChart(logY: true, series: [PlotSeries(name: "z", x: [0, 1], y: [0, -1])]))?
            .contains("log") == true)
    }

    @Test func tooSmall() {
        #expect(message(LineChart(series: [ok], width: 99))?.contains("too small") == true)
        #expect(message(LineChart(series: [ok], height: 0)) != nil)
        #expect(message(LineChart(series: [ok], width: -5, height: Int.min)) != nil)
        #expect(message(LineChart(series: [ok], width: 100, height: 100)) == nil)
    }

    @Test func extremeInputsDoNotTrap() throws {
        let huge = PlotSeries(name: "h", x: [-Double.greatestFiniteMagnitude, .greatestFiniteMagnitude],
                              y: [1, 2])
        #expect(message(LineChart(series: [huge])) != nil)  // range overflows: an error, not a crash
        let d = Double.leastNonzeroMagnitude
        let tiny = PlotSeries(name: "t", x: [0, d], y: [d, d], lower: [0, 0], upper: [2 * d, 2 * d])
        #expect(SVGInspector(try LineChart(series: [tiny]).svg()).parsed)
        #expect(SVGInspector(try LineChart(logY: true, series: [tiny]).svg()).parsed)
        let big = PlotSeries(name: "b", x: [0, 1], y: [.greatestFiniteMagnitude, .greatestFiniteMagnitude])
        _ = message(LineChart(series: [big]))
        _ = message(LineChart(logY: true, series: [big]))
        let long = String(repeating: "W", count: 500)
        #expect(SVGInspector(try LineChart(title: long, xLabel: long, yLabel: long,
                                           series: [PlotSeries(name: long, x: [0, 1], y: [0, 1])],
                                           width: 100, height: 100).svg()).parsed)
        #expect(SVGInspector(try LineChart(series: [ok], width: 1_000_000_000, height: 100).svg()).parsed)
    }

    @Test func descriptionIsTheMessage() {
        let e = ReportError("boom")
        #expect(e.description == "boom" && e.message == "boom")
    }
}
