/// Assembles the full SVG document from the chart parts, in drawing order.
enum SVGDocument {
    static func render(geometry: ChartGeometry, series: [PreparedSeries], chart: LineChart) -> String {
        let (layout, xScale, yScale) = (geometry.layout, geometry.xScale, geometry.yScale)
        var w = SVGWriter()
        w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        w.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("version", "1.1"),
                       ("width", String(chart.width)), ("height", String(chart.height)),
                       ("viewBox", "0 0 \(chart.width) \(chart.height)"),
                       ("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif")])
        if !chart.title.isEmpty { w.element("title", [], content: chart.title) }
        w.element("rect", [("width", "100%"), ("height", "100%"), ("fill", "#FFFFFF")])
        let axes = AxesRenderer(layout: layout, xScale: xScale, yScale: yScale)
        axes.drawGrid(into: &w)
        SeriesRenderer(layout: layout, xScale: xScale, yScale: yScale).draw(series, into: &w)
        axes.drawAxes(into: &w)
        ChartText(layout: layout, title: chart.title, xLabel: chart.xLabel, yLabel: chart.yLabel).draw(into: &w)
        LegendRenderer(layout: layout).draw(series, into: &w)
        w.close("svg")
        return w.text
    }
}
