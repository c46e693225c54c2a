/// Pixel geometry of a chart: canvas size, margins, the plot rectangle and text sizes.
struct ChartLayout {
    let width: Double
    let height: Double
    let left: Double
    let right: Double
    let top: Double
    let bottom: Double
    /// Shrink factor for text and margins on small canvases (1 at the default size).
    let scale: Double

    var tickFont: Double { 12 * scale }
    var labelFont: Double { 13 * scale }
    var titleFont: Double { 16 * scale }
    var legendFont: Double { 12 * scale }

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }
    var plotWidth: Double { max(plotRight - plotLeft, 1) }
    var plotHeight: Double { max(plotBottom - plotTop, 1) }

    /// Pixel x of a fraction along the x axis.
    func x(_ fraction: Double) -> Double { plotLeft + fraction * plotWidth }

    /// Pixel y of a fraction along the y axis (0 at the bottom).
    func y(_ fraction: Double) -> Double { plotBottom - fraction * plotHeight }

    /// Text and margins shrink on canvases smaller than 480×300, down to 55%.
    static func scale(width: Double, height: Double) -> Double {
        min(max(min(width / 480, height / 300), 0.55), 1)
    }

    /// Top and bottom margins for the given texts.
    static func verticalMargins(title: String, xLabel: String, scale: Double) -> (top: Double, bottom: Double) {
        ((title.isEmpty ? 16 : 42) * scale, (xLabel.isEmpty ? 32 : 54) * scale)
    }

    /// Left margin wide enough for the y tick labels and the y axis label, at most 45% of the width.
    static func leftMargin(tickLabels: [String], yLabel: String, width: Double, scale: Double) -> Double {
        let widest = tickLabels.map { TextMetrics.width($0, fontSize: 12 * scale) }.max() ?? 0
        let wanted = (12 + (yLabel.isEmpty ? 0 : 22) + 10) * scale + widest
        return min(wanted, width * 0.45)
    }

    /// Right margin, leaving room for half of the last x tick label.
    static func rightMargin(scale: Double) -> Double { 24 * scale }
}

/// Rough text widths for layout (no font metrics are available).
enum TextMetrics {
    /// Estimated width of `text` at `fontSize`, assuming an average glyph of 0.6 em (0.68 em when bold).
    static func width(_ text: String, fontSize: Double, bold: Bool = false) -> Double {
        Double(text.count) * fontSize * (bold ? 0.68 : 0.6)
    }

    /// `text`, shortened with a trailing "…" if its estimated width exceeds `available`.
    static func fit(_ text: String, width available: Double, fontSize: Double, bold: Bool = false) -> String {
        guard width(text, fontSize: fontSize, bold: bold) > available else { return text }
        let perChar = fontSize * (bold ? 0.68 : 0.6)
        guard perChar > 0, available.isFinite else { return text }
        let room = Int(max(min(available / perChar, Double(text.count)), 1)) - 1
        return String(text.prefix(max(room, 0))) + "…"
    }
}
