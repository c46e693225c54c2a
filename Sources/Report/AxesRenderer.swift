/// Draws the plot frame, grid lines, tick marks and tick labels.
struct AxesRenderer {
    let layout: ChartLayout
    let xScale: AxisScale
    let yScale: AxisScale

    private let gridColor = "#E3E3E3"
    private let minorGridColor = "#F1F1F1"
    private let axisColor = "#333333"
    private let tickLength = 5.0

    /// Background and grid; drawn before the data.
    func drawGrid(into w: inout SVGWriter) {
        let l = layout
        w.element("rect", [("x", px(l.plotLeft)), ("y", px(l.plotTop)), ("width", px(l.plotWidth)),
                           ("height", px(l.plotHeight)), ("fill", "#FFFFFF")])
        w.open("g", [("class", "grid"), ("stroke-width", "1"), ("fill", "none")])
        for v in yScale.minorTicks {
            let y = l.y(yScale.fraction(v))
            w.element("line", [("x1", px(l.plotLeft)), ("y1", px(y)), ("x2", px(l.plotRight)), ("y2", px(y)),
                               ("stroke", minorGridColor)])
        }
        for t in yScale.ticks {
            let y = l.y(yScale.fraction(t.value))
            w.element("line", [("x1", px(l.plotLeft)), ("y1", px(y)), ("x2", px(l.plotRight)), ("y2", px(y)),
                               ("stroke", gridColor)])
        }
        for t in xScale.ticks {
            let x = l.x(xScale.fraction(t.value))
            w.element("line", [("x1", px(x)), ("y1", px(l.plotTop)), ("x2", px(x)), ("y2", px(l.plotBottom)),
                               ("stroke", gridColor)])
        }
        w.close("g")
    }

    /// Frame, tick marks and tick labels; drawn after the data.
    func drawAxes(into w: inout SVGWriter) {
        let l = layout
        w.element("rect", [("x", px(l.plotLeft)), ("y", px(l.plotTop)), ("width", px(l.plotWidth)),
                           ("height", px(l.plotHeight)), ("fill", "none"), ("stroke", axisColor)])
        w.open("g", [("class", "ticks"), ("stroke", axisColor), ("stroke-width", "1")])
        for t in xScale.ticks {
            let x = l.x(xScale.fraction(t.value))
            w.element("line", [("x1", px(x)), ("y1", px(l.plotBottom)), ("x2", px(x)), ("y2", px(l.plotBottom + tickLength))])
        }
        for t in yScale.ticks {
            let y = l.y(yScale.fraction(t.value))
            w.element("line", [("x1", px(l.plotLeft - tickLength)), ("y1", px(y)), ("x2", px(l.plotLeft)), ("y2", px(y))])
        }
        for v in yScale.minorTicks {
            let y = l.y(yScale.fraction(v))
            w.element("line", [("x1", px(l.plotLeft - tickLength / 2)), ("y1", px(y)), ("x2", px(l.plotLeft)), ("y2", px(y))])
        }
        w.close("g")
        drawTickLabels(into: &w)
    }

    private func drawTickLabels(into w: inout SVGWriter) {
        let l = layout
        let font = l.tickFont
        w.open("g", [("class", "xtick-labels"), ("font-size", px(font)), ("fill", axisColor), ("text-anchor", "middle")])
        let xWidest = xScale.ticks.map { TextMetrics.width($0.label, fontSize: font) }.max() ?? 0
        let xStride = labelStride(ticks: xScale.ticks.count, length: l.plotWidth, room: xWidest + 12)
        for (i, t) in xScale.ticks.enumerated() where i % xStride == 0 {
            let x = l.x(xScale.fraction(t.value))
            w.element("text", [("class", "xtick"), ("x", px(x)), ("y", px(l.plotBottom + tickLength + font + 2))], content: t.label)
        }
        w.close("g")
        w.open("g", [("class", "ytick-labels"), ("font-size", px(font)), ("fill", axisColor), ("text-anchor", "end")])
        let yStride = labelStride(ticks: yScale.ticks.count, length: l.plotHeight, room: font + 4)
        for (i, t) in yScale.ticks.enumerated() where i % yStride == 0 {
            let y = l.y(yScale.fraction(t.value))
            w.element("text", [("class", "ytick"), ("x", px(l.plotLeft - tickLength - 4)), ("y", px(y + font * 0.35))], content: t.label)
        }
        w.close("g")
    }

    /// Label every n-th tick so that neighbouring labels get at least `room` pixels.
    private func labelStride(ticks: Int, length: Double, room: Double) -> Int {
        guard ticks > 1 else { return 1 }
        let spacing = length / Double(ticks - 1)
        guard spacing > 0, room > spacing else { return 1 }
        let n = (room / spacing).rounded(.up)
        return n.isFinite && n < Double(ticks) ? max(Int(n), 1) : max(ticks - 1, 1)
    }
}
