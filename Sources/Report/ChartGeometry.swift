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
