// Where everything goes on the canvas: plot area, legend room, text sizes, colours.

/// Pixel geometry of a chart: canvas size, margins, the plot rectangle and text sizes.
struct ChartLayout {
    let width: Double
    let height: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    /// Shrink factor for text and margins on small canvases (1 at the default size).
    let scale: Double

    var tickFont: Double { 12 * scale }
    var labelFont: Double { 13 * scale }
    var titleFont: Double { 16 * scale }
    var legendFont: Double { 12 * scale }

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }
    var plotWidth: Double { max(plotRight - plotLeft, 1) }
    var plotHeight: Double { max(plotBottom - plotTop, 1) }

    /// Pixel x of a fraction along the x axis.
    func x(_ fraction: Double) -> Double { plotLeft + fraction * plotWidth }

    /// Pixel y of a fraction along the y axis (0 at the bottom).
    func y(_ fraction: Double) -> Double { plotBottom - fraction * plotHeight }

    /// Text and margins shrink on canvases smaller than 480×300, down to 55%.
    static func scale(width: Double, height: Double) -> Double {
        min(max(min(width / 480, height / 300), 0.55), 1)
    }

    /// Top and bottom margins for the given texts.
    static func verticalMargins(title: String, xLabel: String, scale: Double) -> (top: Double, bottom: Double) {
        ((title.isEmpty ? 16 : 42) * scale, (xLabel.isEmpty ? 32 : 54) * scale)
    }

    /// Left margin wide enough for the y tick labels and the y axis label, at most 45% of the width.
    static func leftMargin(tickLabels: [String], yLabel: String, width: Double, scale: Double) -> Double {
        let widest = tickLabels.map { TextMetrics.width($0, fontSize: 12 * scale) }.max() ?? 0
        let wanted = (12 + (yLabel.isEmpty ? 0 : 22) + 10) * scale + widest
        return min(wanted, width * 0.45)
    }

    /// Right margin, leaving room for half of the last x tick label.
    static func rightMargin(scale: Double) -> Double { 24 * scale }
}

/// Rough text widths for layout (no font metrics are available).
enum TextMetrics {
    /// Estimated width of `text` at `fontSize`, assuming an average glyph of 0.6 em (0.68 em when bold).
    static func width(_ text: String, fontSize: Double, bold: Bool = false) -> Double {
        Double(text.count) * fontSize * (bold ? 0.68 : 0.6)
    }

    /// `text`, shortened with a trailing "…" if its estimated width exceeds `available`.
    static func fit(_ text: String, width available: Double, fontSize: Double, bold: Bool = false) -> String {
        guard width(text, fontSize: fontSize, bold: bold) > available else { return text }
        let perChar = fontSize * (bold ? 0.68 : 0.6)
        guard perChar > 0, available.isFinite else { return text }
        let room = Int(max(min(available / perChar, Double(text.count)), 1)) - 1
        return String(text.prefix(max(room, 0))) + "…"
    }
}

/// The chart's pixel layout together with both axis scales.
struct ChartGeometry {
    let layout: ChartLayout
    let xScale: AxisScale
    let yScale: AxisScale

    /// Works out scales and margins in turn (margins depend on y tick labels, x ticks on the plot width),
    /// then raises the y axis once if that keeps the legend clear of the data.
    static func make(for chart: LineChart, series: [PreparedSeries],
                     xRange: (Double, Double), yRange: (Double, Double)) throws -> ChartGeometry {
        let first = try make(chart, xRange: xRange, yRange: yRange)
        guard let top = LegendHeadroom.raisedTop(for: series, geometry: first, yRange: yRange) else {
            return first
        }
        return (try? make(chart, xRange: xRange, yRange: (yRange.0, top))) ?? first
    }

    private static func make(_ chart: LineChart, xRange: (Double, Double), yRange: (Double, Double)) throws
        -> ChartGeometry {
        let w = Double(chart.width), h = Double(chart.height)
        let scale = ChartLayout.scale(width: w, height: h)
        let (top, bottom) = ChartLayout.verticalMargins(title: chart.title, xLabel: chart.xLabel, scale: scale)
        let plotHeight = max(h - top - bottom, 1)
        let yTarget = tickTarget(plotHeight / (60 * scale), most: 8)
        let yScale = chart.logY
            ? LogTicks.scale(minExponent: yRange.0, maxExponent: yRange.1, target: yTarget)
            : try LinearTicks.scale(min: yRange.0, max: yRange.1, target: yTarget)
        let left = ChartLayout.leftMargin(tickLabels: yScale.ticks.map(\.label), yLabel: chart.yLabel,
                                              width: w, scale: scale)
        let layout = ChartLayout(width: w, height: h, left: left, right: ChartLayout.rightMargin(scale: scale),
                                 top: top, bottom: bottom, scale: scale)
        let xTarget = tickTarget(layout.plotWidth / (90 * scale), most: 10)
        let xScale = try LinearTicks.scale(min: xRange.0, max: xRange.1, target: xTarget)
        return ChartGeometry(layout: layout, xScale: xScale, yScale: yScale)
    }

    /// A tick count between 2 and `most`, from a size-based estimate.
    private static func tickTarget(_ estimate: Double, most: Int) -> Int {
        guard estimate.isFinite else { return 2 }
        return Int(min(max(estimate, 2), Double(most)))
    }
}

/// Decides whether to extend the y axis upwards so the legend does not cover the data.
enum LegendHeadroom {
    /// Data may be squeezed into no less than this fraction of the plot height to make room.
    private static let smallestDataShare = 0.6
    /// Gap between the data and the legend, as a fraction of the plot height.
    private static let gap = 0.03

    /// A new top for the y data range (axis units), or nil when the legend already sits clear
    /// of the data or clearing it would squeeze the data too much.
    static func raisedTop(for series: [PreparedSeries], geometry g: ChartGeometry,
                          yRange: (Double, Double)) -> Double? {
        let box = LegendRenderer.box(for: series, layout: g.layout)
        let l = g.layout
        let (spanLeft, spanRight) = (box.left - 4, box.left + box.width + 4)
        var highest: Double?
        // Each point and each line segment reaching into the legend's columns counts (segments by their
        // higher end, which may overestimate slightly).
        func check(_ run: [(x: Double, y: Double)]) {
            for (i, p) in run.enumerated() {
                let q = i + 1 < run.count ? run[i + 1] : p
                let a = l.x(g.xScale.fraction(p.x)), b = l.x(g.xScale.fraction(q.x))
                guard min(a, b) <= spanRight, max(a, b) >= spanLeft else { continue }
                let top = max(p.y, q.y)
                highest = max(highest ?? top, top)
            }
        }
        for s in series {
            for run in s.lineRuns {
                if s.markers { for p in run { check([(p.x, p.y)]) } } else { check(run.map { ($0.x, $0.y) }) }
            }
            for run in s.bandRuns { check(run.map { ($0.x, $0.high) }) }
        }
        guard let highest else { return nil }
        let legendBottom = (l.plotBottom - (box.top + box.height)) / l.plotHeight
        let limit = legendBottom - gap
        guard g.yScale.fraction(highest) > limit, limit >= smallestDataShare else { return nil }
        let lo = g.yScale.lo
        let top = lo + (highest - lo) / limit
        return top.isFinite && top > yRange.1 ? top : nil
    }
}

/// Draws the chart title and the two axis labels, shortened with "…" when they do not fit.
struct ChartText {
    let layout: ChartLayout
    let title: String
    let xLabel: String
    let yLabel: String

    func draw(into w: inout SVGWriter) {
        let l = layout
        let ink = "#222222"
        if !title.isEmpty {
            let text = TextMetrics.fit(title, width: l.width - 16 * l.scale, fontSize: l.titleFont, bold: true)
            // Centred on the plot area, but kept inside the canvas.
            let half = TextMetrics.width(text, fontSize: l.titleFont, bold: true) / 2
            let cx = min(max(l.plotLeft + l.plotWidth / 2, half + 8 * l.scale), l.width - half - 8 * l.scale)
            w.element("text", [("class", "title"), ("x", px(cx)), ("y", px(26 * l.scale)),
                               ("font-size", px(l.titleFont)), ("font-weight", "bold"),
                               ("text-anchor", "middle"), ("fill", ink)], content: text)
        }
        if !xLabel.isEmpty {
            let text = TextMetrics.fit(xLabel, width: l.plotWidth, fontSize: l.labelFont)
            w.element("text", [("class", "xlabel"), ("x", px(l.plotLeft + l.plotWidth / 2)),
                               ("y", px(l.height - 12 * l.scale)), ("font-size", px(l.labelFont)),
                               ("text-anchor", "middle"), ("fill", ink)], content: text)
        }
        if !yLabel.isEmpty {
            let text = TextMetrics.fit(yLabel, width: l.plotHeight, fontSize: l.labelFont)
            let cx = 18 * l.scale
            let cy = l.plotTop + l.plotHeight / 2
            w.element("text", [("class", "ylabel"), ("transform", "translate(\(px(cx)),\(px(cy))) rotate(-90)"),
                               ("x", "0"), ("y", "0"), ("font-size", px(l.labelFont)),
                               ("text-anchor", "middle"), ("fill", ink)], content: text)
        }
    }
}

/// Series colours: the Okabe–Ito colour-blind-safe palette, reordered so the first few contrast best on white.
enum Palette {
    static let colors = [
        "#0072B2",  // blue
        "#D55E00",  // vermillion
        "#009E73",  // bluish green
        "#CC79A7",  // reddish purple
        "#E69F00",  // orange
        "#56B4E9",  // sky blue
        "#000000",  // black
        "#B8A200",  // yellow, darkened to stay visible on white
    ]

    /// Colour of the series at `index`, cycling through the palette.
    static func color(at index: Int) -> String {
        let n = colors.count
        return colors[((index % n) + n) % n]
    }
}
