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
