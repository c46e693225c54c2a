// Drawing a laid-out chart: series prepared for the axes, then axes, series and legend as SVG.

/// A point in axis units.
struct AxisPoint {
    var x: Double
    var y: Double
}

/// One x position of a band in axis units; `low` may be −∞, meaning the axis minimum.
struct BandPoint {
    var x: Double
    var low: Double
    var high: Double
}

/// A series reduced to the runs of consecutive plottable points; a skipped point breaks the line.
struct PreparedSeries {
    var name: String
    var color: String
    var dashed: Bool
    var markers: Bool
    var hasBand: Bool
    var lineRuns: [[AxisPoint]]
    var bandRuns: [[BandPoint]]

    init(_ series: PlotSeries, color: String, transform: ValueTransform) {
        name = series.name
        self.color = color
        dashed = series.dashed
        markers = series.markers
        hasBand = series.hasBand
        let xs = series.x
        let ys = series.y
        let count = min(xs.count, ys.count)
        lineRuns = Self.runs(count) { i in
            guard let x = ValueTransform.x(xs[i]), let y = transform.value(ys[i]) else { return nil }
            return AxisPoint(x: x, y: y)
        }
        if series.hasBand, let lower = series.lower, let upper = series.upper {
            let bandCount = min(xs.count, lower.count, upper.count)
            bandRuns = Self.runs(bandCount) { i in
                guard let x = ValueTransform.x(xs[i]),
                      let lo = transform.lowerEdge(lower[i]),
                      let hi = transform.value(upper[i]) else { return nil }
                return BandPoint(x: x, low: min(lo, hi), high: max(lo, hi))
            }
        } else {
            bandRuns = []
        }
    }

    /// Every point, line and band, for working out the axis ranges.
    var xValues: [Double] {
        lineRuns.joined().map(\.x) + bandRuns.joined().map(\.x)
    }

    /// Every finite y in axis units (band edges at −∞ excluded).
    var yValues: [Double] {
        let band = bandRuns.joined().flatMap { [$0.low, $0.high] }
        return (lineRuns.joined().map(\.y) + band).filter(\.isFinite)
    }

    /// Splits indices 0..<count into maximal runs where `point` is non-nil.
    private static func runs<T>(_ count: Int, _ point: (Int) -> T?) -> [[T]] {
        var result: [[T]] = []
        var current: [T] = []
        for i in 0..<max(count, 0) {
            if let p = point(i) {
                current.append(p)
            } else if !current.isEmpty {
                result.append(current)
                current = []
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

/// Draws the plot frame, grid lines, tick marks and tick labels.
struct AxesRenderer {
    let layout: ChartLayout
    let xScale: AxisScale
    let yScale: AxisScale

    private let gridColor = "#E3E3E3"
    private let minorGridColor = "#F1F1F1"
    private let axisColor = "#333333"
    private let tickLength = 5.0

    /// Background and grid; drawn before the data.
    func drawGrid(into w: inout SVGWriter) {
        let l = layout
        w.element("rect", [("x", px(l.plotLeft)), ("y", px(l.plotTop)), ("width", px(l.plotWidth)),
                           ("height", px(l.plotHeight)), ("fill", "#FFFFFF")])
        w.open("g", [("class", "grid"), ("stroke-width", "1"), ("fill", "none")])
        for v in yScale.minorTicks {
            let y = l.y(yScale.fraction(v))
            w.element("line", [("x1", px(l.plotLeft)), ("y1", px(y)), ("x2", px(l.plotRight)), ("y2", px(y)),
                               ("stroke", minorGridColor)])
        }
        for t in yScale.ticks {
            let y = l.y(yScale.fraction(t.value))
            w.element("line", [("x1", px(l.plotLeft)), ("y1", px(y)), ("x2", px(l.plotRight)), ("y2", px(y)),
                               ("stroke", gridColor)])
        }
        for t in xScale.ticks {
            let x = l.x(xScale.fraction(t.value))
            w.element("line", [("x1", px(x)), ("y1", px(l.plotTop)), ("x2", px(x)), ("y2", px(l.plotBottom)),
                               ("stroke", gridColor)])
        }
        w.close("g")
    }

    /// Frame, tick marks and tick labels; drawn after the data.
    func drawAxes(into w: inout SVGWriter) {
        let l = layout
        w.element("rect", [("x", px(l.plotLeft)), ("y", px(l.plotTop)), ("width", px(l.plotWidth)),
                           ("height", px(l.plotHeight)), ("fill", "none"), ("stroke", axisColor)])
        w.open("g", [("class", "ticks"), ("stroke", axisColor), ("stroke-width", "1")])
        for t in xScale.ticks {
            let x = l.x(xScale.fraction(t.value))
            w.element("line", [("x1", px(x)), ("y1", px(l.plotBottom)), ("x2", px(x)), ("y2", px(l.plotBottom + tickLength))])
        }
        for t in yScale.ticks {
            let y = l.y(yScale.fraction(t.value))
            w.element("line", [("x1", px(l.plotLeft - tickLength)), ("y1", px(y)), ("x2", px(l.plotLeft)), ("y2", px(y))])
        }
        for v in yScale.minorTicks {
            let y = l.y(yScale.fraction(v))
            w.element("line", [("x1", px(l.plotLeft - tickLength / 2)), ("y1", px(y)), ("x2", px(l.plotLeft)), ("y2", px(y))])
        }
        w.close("g")
        drawTickLabels(into: &w)
    }

    private func drawTickLabels(into w: inout SVGWriter) {
        let l = layout
        let font = l.tickFont
        w.open("g", [("class", "xtick-labels"), ("font-size", px(font)), ("fill", axisColor), ("text-anchor", "middle")])
        let xWidest = xScale.ticks.map { TextMetrics.width($0.label, fontSize: font) }.max() ?? 0
        let xStride = labelStride(ticks: xScale.ticks.count, length: l.plotWidth, room: xWidest + 12)
        for (i, t) in xScale.ticks.enumerated() where i % xStride == 0 {
            let x = l.x(xScale.fraction(t.value))
            w.element("text", [("class", "xtick"), ("x", px(x)), ("y", px(l.plotBottom + tickLength + font + 2))], content: t.label)
        }
        w.close("g")
        w.open("g", [("class", "ytick-labels"), ("font-size", px(font)), ("fill", axisColor), ("text-anchor", "end")])
        let yStride = labelStride(ticks: yScale.ticks.count, length: l.plotHeight, room: font + 4)
        for (i, t) in yScale.ticks.enumerated() where i % yStride == 0 {
            let y = l.y(yScale.fraction(t.value))
            w.element("text", [("class", "ytick"), ("x", px(l.plotLeft - tickLength - 4)), ("y", px(y + font * 0.35))], content: t.label)
        }
        w.close("g")
    }

    /// Label every n-th tick so that neighbouring labels get at least `room` pixels.
    private func labelStride(ticks: Int, length: Double, room: Double) -> Int {
        guard ticks > 1 else { return 1 }
        let spacing = length / Double(ticks - 1)
        guard spacing > 0, room > spacing else { return 1 }
        let n = (room / spacing).rounded(.up)
        return n.isFinite && n < Double(ticks) ? max(Int(n), 1) : max(ticks - 1, 1)
    }
}

/// Draws bands, lines and point markers for every series.
struct SeriesRenderer {
    let layout: ChartLayout
    let xScale: AxisScale
    let yScale: AxisScale

    /// Series with at most this many points get a marker on every point.
    private let markerLimit = 60
    static let bandOpacity = "0.18"
    static let dashPattern = "7 5"

    /// Bands of all series first, so every line stays visible above every band.
    func draw(_ series: [PreparedSeries], into w: inout SVGWriter) {
        w.open("g", [("class", "bands")])
        for s in series where s.hasBand {
            drawBand(s, into: &w)
        }
        w.close("g")
        w.open("g", [("class", "lines")])
        for s in series {
            drawLine(s, into: &w)
        }
        w.close("g")
    }

    private func point(_ x: Double, _ y: Double) -> String {
        px(layout.x(xScale.fraction(x))) + "," + px(layout.y(yScale.fraction(y)))
    }

    /// One translucent polygon per run of band points; a lone band point becomes an error bar.
    private func drawBand(_ s: PreparedSeries, into w: inout SVGWriter) {
        w.open("g", [("class", "band"), ("data-series", s.name), ("fill", s.color),
                     ("fill-opacity", Self.bandOpacity), ("stroke", "none")])
        for run in s.bandRuns {
            if run.count == 1, let p = run.first {
                let x = px(layout.x(xScale.fraction(p.x)))
                w.element("line", [("class", "band-bar"), ("x1", x), ("y1", px(layout.y(yScale.fraction(p.low)))),
                                   ("x2", x), ("y2", px(layout.y(yScale.fraction(p.high)))),
                                   ("stroke", s.color), ("stroke-opacity", "0.5"), ("stroke-width", "3")])
            } else {
                let upper = run.map { point($0.x, $0.high) }
                let lower = run.reversed().map { point($0.x, $0.low) }
                w.element("polygon", [("points", (upper + lower).joined(separator: " "))])
            }
        }
        w.close("g")
    }

    /// One path per series; each run of plottable points is its own subpath, so gaps stay open.
    private func drawLine(_ s: PreparedSeries, into w: inout SVGWriter) {
        w.open("g", [("class", "series"), ("data-series", s.name)])
        if s.markers {
            // a scatter: translucent dots, so that dense regions look dense
            w.open("g", [("fill", s.color), ("fill-opacity", "0.55")])
            for p in s.lineRuns.joined() {
                w.element("circle", [("class", "dot"), ("cx", px(layout.x(xScale.fraction(p.x)))), ("cy", px(layout.y(yScale.fraction(p.y)))),
                                     ("r", px(1.8 * layout.scale))])
            }
            w.close("g")
            w.close("g")
            return
        }
        let d = s.lineRuns.map { run in
            run.enumerated().map { (i, p) in (i == 0 ? "M" : "L") + point(p.x, p.y) }.joined(separator: " ")
        }.joined(separator: " ")
        var attributes: SVGWriter.Attributes = [("class", "series-line"), ("d", d), ("fill", "none"),
                                                ("stroke", s.color), ("stroke-width", px(2 * max(layout.scale, 0.75))),
                                                ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if s.dashed { attributes.append(("stroke-dasharray", Self.dashPattern)) }
        w.element("path", attributes)
        let total = s.lineRuns.reduce(0) { $0 + $1.count }
        let everyPoint = !s.dashed && total <= markerLimit
        for run in s.lineRuns where everyPoint || run.count == 1 {
            for p in run {
                let c = layout.x(xScale.fraction(p.x)), r = layout.y(yScale.fraction(p.y))
                w.element("circle", [("class", "marker"), ("cx", px(c)), ("cy", px(r)),
                                     ("r", px((run.count == 1 ? 3.5 : 2.5) * layout.scale)), ("fill", s.color)])
            }
        }
        w.close("g")
    }
}

/// Draws the legend box in the top-right corner of the plot area.
struct LegendRenderer {
    let layout: ChartLayout

    private var padding: Double { 8 * layout.scale }
    private var sampleLength: Double { 26 * layout.scale }
    private var gap: Double { 7 * layout.scale }
    private var rowHeight: Double { 18 * layout.scale }
    private var inset: Double { 10 * layout.scale }

    /// The legend's rectangle in pixels.
    struct Box {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
    }

    /// Where the legend for `series` goes: top-right inside the plot area.
    static func box(for series: [PreparedSeries], layout: ChartLayout) -> Box {
        let r = LegendRenderer(layout: layout)
        let widest = series.map { TextMetrics.width($0.name, fontSize: layout.legendFont) }.max() ?? 0
        let width = r.padding * 2 + r.sampleLength + r.gap + widest
        let height = r.padding * 2 + r.rowHeight * Double(series.count) - 4 * layout.scale
        let left = max(layout.plotRight - r.inset - width, layout.plotLeft + 2)
        return Box(left: left, top: layout.plotTop + r.inset, width: width, height: height)
    }

    func draw(_ series: [PreparedSeries], into w: inout SVGWriter) {
        guard !series.isEmpty else { return }
        let font = layout.legendFont
        let b = Self.box(for: series, layout: layout)
        let (left, top, boxWidth, boxHeight) = (b.left, b.top, b.width, b.height)
        w.open("g", [("class", "legend"), ("font-size", px(font))])
        w.element("rect", [("x", px(left)), ("y", px(top)), ("width", px(boxWidth)), ("height", px(boxHeight)),
                           ("rx", "3"), ("fill", "#FFFFFF"), ("fill-opacity", "0.88"),
                           ("stroke", "#BBBBBB"), ("stroke-width", "1")])
        for (i, s) in series.enumerated() {
            let mid = top + padding + rowHeight * (Double(i) + 0.5) - 2 * layout.scale
            let x0 = left + padding
            if s.hasBand {
                w.element("rect", [("x", px(x0)), ("y", px(mid - 5 * layout.scale)), ("width", px(sampleLength)),
                                   ("height", px(10 * layout.scale)), ("fill", s.color),
                                   ("fill-opacity", SeriesRenderer.bandOpacity)])
            }
            if s.markers {
                w.element("circle", [("cx", px(x0 + sampleLength / 2)), ("cy", px(mid)), ("r", px(3.5 * layout.scale)), ("fill", s.color)])
            } else {
                var line: SVGWriter.Attributes = [("x1", px(x0)), ("y1", px(mid)), ("x2", px(x0 + sampleLength)),
                                                  ("y2", px(mid)), ("stroke", s.color), ("stroke-width", "2")]
                if s.dashed { line.append(("stroke-dasharray", SeriesRenderer.dashPattern)) }
                w.element("line", line)
            }
            w.element("text", [("class", "legend-entry"), ("x", px(x0 + sampleLength + gap)),
                               ("y", px(mid + font * 0.35)), ("fill", "#222222")], content: s.name)
        }
        w.close("g")
    }
}
