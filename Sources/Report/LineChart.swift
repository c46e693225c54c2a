import Tensor

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
            PreparedSeries(s, color: Palette.color(at: i), transform: transform)
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
