import Tensor

// The public chart: a line chart of series against generation, its series, and the checks on them.

/// A line chart of one metric against generation: one line per series, optional bands, optional log y axis.
public struct LineChart {
    /// Title drawn above the plot; empty for none.
    public var title: String
    /// Label under the x axis; empty for none.
    public var xLabel: String
    /// Label beside the y axis; empty for none.
    public var yLabel: String
    /// Logarithmic y axis; values ≤ 0 are then skipped and band edges ≤ 0 clamp to the axis minimum.
    public var logY: Bool
    /// The lines to draw, in legend order.
    public var series: [PlotSeries]
    /// Canvas width in pixels (at least 100).
    public var width: Int
    /// Canvas height in pixels (at least 100).
    public var height: Int

    /// Creates a chart; nothing is checked until it is rendered.
    public init(title: String = "", xLabel: String = "", yLabel: String = "", logY: Bool = false,
                series: [PlotSeries] = [], width: Int = 760, height: Int = 480) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series
        self.width = width
        self.height = height
    }

    /// The chart as a standalone SVG document; throws ReportError for unusable input.
    public func svg() throws -> String {
        try ChartValidation.validate(self)
        let transform = ValueTransform(logarithmic: logY)
        let prepared = series.enumerated().map { i, s in
            PreparedSeries(s, color: Palette.color(at: s.colorIndex ?? i), transform: transform)
        }
        let xs = prepared.flatMap(\.xValues)
        let ys = prepared.flatMap(\.yValues)
        guard let xMin = xs.min(), let xMax = xs.max(), let yMin = ys.min(), let yMax = ys.max() else {
            let rule = logY ? "finite x and y > 0 (log axis)" : "finite x and y"
            throw ReportError("no plottable point in any series: every point needs \(rule)")
        }
        let geometry = try ChartGeometry.make(for: self, series: prepared,
                                              xRange: (xMin, xMax), yRange: (yMin, yMax))
        return SVGDocument.render(geometry: geometry, series: prepared, chart: self)
    }

    /// Writes the SVG atomically (temporary file + rename).
    public func write(to path: String) throws {
        do { try AtomicFile.write(try svg(), to: path) } catch let e as TensorError { throw ReportError("cannot write the chart: \(e.message)") }
    }
}

/// One line of a chart: a named sequence of (x, y) points with an optional shaded band.
public struct PlotSeries {
    /// Name shown in the legend.
    public var name: String
    /// Horizontal positions (for example generation numbers).
    public var x: [Double]
    /// Vertical values, one per x.
    public var y: [Double]
    /// Lower edge of the shaded band, one per x; the band is drawn only when both edges are given.
    public var lower: [Double]?
    /// Upper edge of the shaded band, one per x.
    public var upper: [Double]?
    /// Draws the line dashed and without a band (used for theory curves).
    public var dashed: Bool
    /// Draws each point as a dot, without a line or band: a scatter (of samples, say).
    public var markers: Bool
    /// Which of the palette's colours (nil: the series' position in the chart), so that a theory
    /// curve can share its workflow's colour.
    public var colorIndex: Int?

    /// Creates a series; counts are checked when the chart is rendered.
    public init(name: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil, dashed: Bool = false, markers: Bool = false, colorIndex: Int? = nil) {
        self.name = name
        self.x = x
        self.y = y
        self.lower = lower
        self.upper = upper
        self.dashed = dashed
        self.markers = markers
        self.colorIndex = colorIndex
    }

    /// Whether a band is drawn for this series.
    var hasBand: Bool { !dashed && !markers && lower != nil && upper != nil }
}

/// Checks of a chart's shape before anything is drawn.
enum ChartValidation {
    /// Smallest accepted width or height, in pixels.
    static let minimumSize = 100

    /// Throws a ``ReportError`` naming the first problem found.
    static func validate(_ chart: LineChart) throws {
        if chart.width < minimumSize || chart.height < minimumSize {
            throw ReportError("chart size \(chart.width)×\(chart.height) is too small: width and height must be at least \(minimumSize)")
        }
        if chart.series.isEmpty {
            throw ReportError("chart has no series to plot")
        }
        for (index, series) in chart.series.enumerated() {
            try validate(series, index: index)
        }
    }

    private static func validate(_ series: PlotSeries, index: Int) throws {
        let label = "series \(index + 1) (\"\(series.name)\")"
        if series.x.count != series.y.count {
            throw ReportError("\(label) has \(series.x.count) x values but \(series.y.count) y values")
        }
        if let lower = series.lower, lower.count != series.x.count {
            throw ReportError("\(label) has \(lower.count) lower band values but \(series.x.count) x values")
        }
        if let upper = series.upper, upper.count != series.x.count {
            throw ReportError("\(label) has \(upper.count) upper band values but \(series.x.count) x values")
        }
    }
}
