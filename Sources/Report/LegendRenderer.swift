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
            var line: SVGWriter.Attributes = [("x1", px(x0)), ("y1", px(mid)), ("x2", px(x0 + sampleLength)),
                                              ("y2", px(mid)), ("stroke", s.color), ("stroke-width", "2")]
            if s.dashed { line.append(("stroke-dasharray", SeriesRenderer.dashPattern)) }
            w.element("line", line)
            w.element("text", [("class", "legend-entry"), ("x", px(x0 + sampleLength + gap)),
                               ("y", px(mid + font * 0.35)), ("fill", "#222222")], content: s.name)
        }
        w.close("g")
    }
}
