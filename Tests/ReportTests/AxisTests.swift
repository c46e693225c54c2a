import Foundation
import Report
import Testing

@Suite struct AxisTests {
    private let superscripts = Set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

    /// True for labels such as "10⁻³" or "10²".
    private func isPowerOfTen(_ label: String) -> Bool {
        label.hasPrefix("10") && label.count > 2 && label.dropFirst(2).allSatisfy { superscripts.contains($0) }
    }

    @Test func linearTicksAreNiceSteps() throws {
        let chart = LineChart(series: [PlotSeries(name: "a", x: [0, 10], y: [0.13, 0.87])])
        let doc = SVGInspector(try chart.svg())
        let ys = doc.texts(class: "ytick").compactMap(Double.init)
        let xs = doc.texts(class: "xtick").compactMap(Double.init)
        #expect(ys.count >= 3 && xs.count >= 3)
        for ticks in [xs, ys] {
            let steps = zip(ticks.dropFirst(), ticks).map { $0 - $1 }
            let step = try #require(steps.first)
            #expect(steps.allSatisfy { abs($0 - step) < 1e-9 })
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1.0, 2.0, 5.0].contains { abs(mantissa - $0) < 1e-9 }, "step \(step)")
        }
        #expect(try #require(ys.first) <= 0.13 && #require(ys.last) >= 0.87)
    }

    @Test func logAxisLabelsArePowersOfTen() throws {
        let chart = LineChart(logY: true, series: [
            PlotSeries(name: "a", x: [0, 1, 2, 3], y: [1, 0.1, 0.01, 0.001]),
        ])
        let labels = SVGInspector(try chart.svg()).texts(class: "ytick")
        #expect(!labels.isEmpty)
        #expect(labels.allSatisfy(isPowerOfTen), "\(labels)")
        #expect(labels.contains("10⁻³") && labels.contains("10⁰"))
    }

    @Test func logAxisSkipsNonPositiveAndBreaksTheLine() throws {
        let chart = LineChart(logY: true, series: [
            PlotSeries(name: "a", x: [0, 1, 2, 3, 4, 5], y: [1, 0.5, 0, 0.1, -2, 0.01]),
        ])
        let doc = SVGInspector(try chart.svg())
        let d = try #require(doc.all("path", class: "series-line").first?.attributes["d"])
        // Runs: {0,1}, {3}, {5} → three subpaths and two lines drawn.
        #expect(d.filter { $0 == "M" }.count == 3)
        #expect(d.filter { $0 == "L" }.count == 1)
        #expect(doc.texts(class: "ytick").allSatisfy(isPowerOfTen))
        #expect(!d.contains("nan") && !d.contains("inf"))
    }

    @Test func linearAxisSkipsNaNAndInfinity() throws {
        let chart = LineChart(series: [
            PlotSeries(name: "a", x: [0, 1, 2, .nan, 4, 5], y: [1, .infinity, 3, 4, 5, .nan]),
        ])
        let doc = SVGInspector(try chart.svg())
        let d = try #require(doc.all("path", class: "series-line").first?.attributes["d"])
        #expect(d.filter { $0 == "M" }.count == 3)  // {0}, {2}, {4}
        #expect(!d.lowercased().contains("nan") && !d.lowercased().contains("inf"))
    }

    @Test func logBandLowerEdgeClampsToAxisMinimum() throws {
        let chart = LineChart(logY: true, series: [
            PlotSeries(name: "a", x: [0, 1, 2], y: [1, 0.1, 0.01], lower: [0.5, -1, 0], upper: [2, 0.2, 0.02]),
        ])
        let doc = SVGInspector(try chart.svg())
        let polygon = try #require(doc.all("polygon").first?.attributes["points"])
        let ys = polygon.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        #expect(ys.count == 6)
        // Clamped points sit on the bottom edge of the plot frame.
        let frame = try #require(doc.all("rect").first { $0.attributes["fill"] == "none" })
        let bottom = try #require(Double(frame.attributes["y"] ?? "")) + #require(Double(frame.attributes["height"] ?? ""))
        #expect(ys.filter { abs($0 - bottom) < 0.01 }.count == 2)
    }

    @Test func constantSeriesRenders() throws {
        for value in [0.0, 5.0, -3.0, 1e-300, 1e300] {
            let chart = LineChart(series: [PlotSeries(name: "c", x: [0, 1, 2], y: [value, value, value])])
            let doc = SVGInspector(try chart.svg())
            #expect(doc.parsed)
            #expect(doc.texts(class: "ytick").count >= 2, "value \(value)")
            let d = doc.all("path", class: "series-line").first?.attributes["d"] ?? ""
            #expect(d.filter { $0 == "L" }.count == 2)
        }
    }

    @Test func constantSeriesOnLogAxisRenders() throws {
        let chart = LineChart(logY: true, series: [PlotSeries(name: "c", x: [0, 1], y: [0.001, 0.001])])
        let labels = SVGInspector(try chart.svg()).texts(class: "ytick")
        #expect(labels.count >= 2 && labels.allSatisfy(isPowerOfTen))
    }

    @Test func singlePointRenders() throws {
        let chart = LineChart(series: [PlotSeries(name: "one", x: [3], y: [7], lower: [6], upper: [8])])
        let doc = SVGInspector(try chart.svg())
        #expect(doc.parsed)
        #expect(doc.all("path", class: "series-line").count == 1)
        #expect(doc.all("circle", class: "marker").count == 1)
        #expect(doc.all("line", class: "band-bar").count == 1)
        #expect(doc.texts(class: "xtick").count >= 2)
    }

    @Test func wideLogRangeThinsLabels() throws {
        let chart = LineChart(logY: true, series: [PlotSeries(name: "w", x: [0, 1], y: [1e-300, 1e300])])
        let labels = SVGInspector(try chart.svg()).texts(class: "ytick")
        #expect(labels.count >= 2 && labels.count <= 10)
        #expect(labels.allSatisfy(isPowerOfTen))
    }

    @Test func largeLinearValuesUseShortLabels() throws {
        let chart = LineChart(series: [PlotSeries(name: "big", x: [0, 1e7], y: [0, 3e9])])
        let labels = SVGInspector(try chart.svg()).texts(class: "ytick") + SVGInspector(try chart.svg()).texts(class: "xtick")
        #expect(labels.allSatisfy { $0.count <= 8 }, "\(labels)")
        #expect(labels.allSatisfy { Double($0) != nil }, "\(labels)")
    }
}
