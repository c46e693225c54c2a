import Foundation
import Report
import Testing

@Suite struct LineChartStructureTests {
    @Test func parsesAsXML() throws {
        let doc = SVGInspector(try Fixtures.threeSeries().svg())
        #expect(doc.parsed, "\(doc.parseError ?? "")")
        #expect(doc.all("svg").count == 1)
    }

    @Test func onePathPerSeriesAndOnePolygonPerBand() throws {
        let doc = SVGInspector(try Fixtures.threeSeries().svg())
        #expect(doc.all("path").count == 3)
        #expect(doc.all("path", class: "series-line").count == 3)
        #expect(doc.all("polygon").count == 2)
    }

    @Test func theoryCurveIsDashedAndHasNoBand() throws {
        var chart = Fixtures.threeSeries()
        chart.series[2].lower = chart.series[2].y
        chart.series[2].upper = chart.series[2].y
        let doc = SVGInspector(try chart.svg())
        let paths = doc.all("path", class: "series-line")
        #expect(paths.map { $0.attributes["stroke-dasharray"] != nil } == [false, false, true])
        #expect(doc.all("polygon").count == 2)
    }

    /// A markers series is a scatter: a dot per point inside the plot, no line, no band, a dot in the legend.
    @Test func markersSeriesIsAScatter() throws {
        let xs = (0..<50).map { Double($0) / 7 }, ys = xs.map { sin($0) * 3 }
        let chart = LineChart(title: "samples", series: [PlotSeries(name: "real", x: xs, y: ys, lower: ys, upper: ys, markers: true),
                                                         PlotSeries(name: "line", x: [0, 7], y: [-3, 3])])
        let doc = SVGInspector(try chart.svg())
        #expect(doc.parsed, "\(doc.parseError ?? "")")
        let dots = doc.all("circle", class: "dot")
        #expect(dots.count == 50)
        #expect(doc.all("path", class: "series-line").count == 1 && doc.all("polygon").isEmpty, "no line or band for the scatter")
        let cx = dots.compactMap { Double($0.attributes["cx"] ?? "") }, cy = dots.compactMap { Double($0.attributes["cy"] ?? "") }
        #expect(cx.count == 50 && cx == cx.sorted(), "dots left to right as x grows")
        #expect(cx.allSatisfy { $0 > 0 && $0 < 760 } && cy.allSatisfy { $0 > 0 && $0 < 480 }, "every dot on the canvas")
        #expect(doc.texts(class: "legend-entry") == ["real", "line"])
    }

    @Test func seriesGetDistinctColours() throws {
        let doc = SVGInspector(try Fixtures.threeSeries().svg())
        let colours = doc.all("path", class: "series-line").compactMap { $0.attributes["stroke"] }
        #expect(colours.count == 3 && Set(colours).count == 3)
    }

    @Test func legendListsEveryName() throws {
        let doc = SVGInspector(try Fixtures.threeSeries().svg())
        #expect(doc.texts(class: "legend-entry") == ["replace", "accumulate", "theory"])
        #expect(doc.texts(class: "title") == ["Variance collapse"])
        #expect(doc.texts(class: "xlabel") == ["generation"])
        #expect(doc.texts(class: "ylabel") == ["variance"])
    }

    @Test func textIsEscaped() throws {
        let name = "a<b> & \"c\" 'd'"
        let chart = LineChart(title: "T & <U>", xLabel: "x \"q\"", yLabel: "y'", series: [
            PlotSeries(name: name, x: [0, 1], y: [1, 2]),
        ])
        let svg = try chart.svg()
        #expect(svg.contains("a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"))
        #expect(!svg.contains("a<b>"))
        let doc = SVGInspector(svg)
        #expect(doc.parsed, "\(doc.parseError ?? "")")
        #expect(doc.texts(class: "legend-entry") == [name])
        #expect(doc.texts(class: "title") == ["T & <U>"])
        #expect(doc.all("g", class: "series").first?.attributes["data-series"] == name)
    }

    @Test func controlCharactersDoNotBreakTheXML() throws {
        let chart = LineChart(title: "bell\u{07}", series: [PlotSeries(name: "nul\u{0}", x: [0, 1], y: [1, 2])])
        #expect(SVGInspector(try chart.svg()).parsed)
    }

    @Test func outputIsDeterministic() throws {
        let a = try Fixtures.threeSeries(logY: true).svg()
        let b = try Fixtures.threeSeries(logY: true).svg()
        #expect(a == b)
        #expect(try Fixtures.threeSeries().svg() == Fixtures.threeSeries().svg())
    }

    @Test func coloursCycleBeyondThePalette() throws {
        let series = (0..<12).map { PlotSeries(name: "s\($0)", x: [0, 1], y: [Double($0), Double($0) + 1]) }
        let doc = SVGInspector(try LineChart(series: series).svg())
        let colours = doc.all("path", class: "series-line").compactMap { $0.attributes["stroke"] }
        #expect(colours.count == 12)
        #expect(Set(colours.prefix(8)).count == 8)
        #expect(colours[8] == colours[0])
    }

    @Test func writesFileAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("chart.svg").path
        let chart = Fixtures.threeSeries()
        try chart.write(to: path)
        try chart.write(to: path)  // replacing an existing file works too
        #expect(try String(contentsOfFile: path, encoding: .utf8) == chart.svg())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["chart.svg"])
        #expect(throws: ReportError.self) { try chart.write(to: dir.appendingPathComponent("missing/x.svg").path) }
    }
}

@Suite struct LayoutTests {
    @Test func yAxisIsRaisedToKeepTheLegendOffRisingData() throws {
        let x = (0...10).map(Double.init)
        let chart = LineChart(series: [PlotSeries(name: "rising", x: x, y: x.map { $0 * $0 })])
        let ticks = SVGInspector(try chart.svg()).texts(class: "ytick").compactMap(Double.init)
        #expect((ticks.last ?? 0) > 100)
    }

    @Test func smallCanvasShortensLongTitles() throws {
        let chart = LineChart(title: "A very long title that cannot fit in a hundred pixels",
                              series: [PlotSeries(name: "a", x: [0, 1], y: [0, 1])], width: 100, height: 100)
        let title = SVGInspector(try chart.svg()).texts(class: "title").first ?? ""
        #expect(title.hasSuffix("…") && title.count < 30)
    }
}
