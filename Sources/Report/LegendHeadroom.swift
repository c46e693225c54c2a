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
            for run in s.lineRuns { check(run.map { ($0.x, $0.y) }) }
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
