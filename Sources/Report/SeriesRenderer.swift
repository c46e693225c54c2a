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
