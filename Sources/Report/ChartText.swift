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
