// SVG output: the document, element writing and XML escaping.

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

/// Builds SVG text element by element, escaping every attribute value and text content.
struct SVGWriter {
    private(set) var text = ""
    private var depth = 0

    /// An attribute list; order is kept so output is deterministic.
    typealias Attributes = [(String, String)]

    /// Writes `<name …>` and indents what follows until the matching ``close(_:)``.
    mutating func open(_ name: String, _ attributes: Attributes = []) {
        line("<\(name)\(render(attributes))>")
        depth += 1
    }

    /// Writes `</name>`.
    mutating func close(_ name: String) {
        depth = max(depth - 1, 0)
        line("</\(name)>")
    }

    /// Writes a complete element, self-closing unless it has text content.
    mutating func element(_ name: String, _ attributes: Attributes, content: String? = nil) {
        if let content {
            line("<\(name)\(render(attributes))>\(XMLEscaping.escape(content))</\(name)>")
        } else {
            line("<\(name)\(render(attributes))/>")
        }
    }

    /// Writes a line verbatim (used for the XML declaration).
    mutating func raw(_ text: String) {
        line(text)
    }

    private mutating func line(_ s: String) {
        text += String(repeating: "  ", count: depth) + s + "\n"
    }

    private func render(_ attributes: Attributes) -> String {
        attributes.map { " \($0.0)=\"\(XMLEscaping.escape($0.1))\"" }.joined()
    }
}

/// Short form for formatting a pixel coordinate.
func px(_ value: Double) -> String {
    NumberFormatting.coordinate(value)
}

/// Escaping of user text for SVG element content and attribute values.
enum XMLEscaping {
    /// Replaces `& < > " '` by entities and drops characters XML 1.0 does not allow.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if isAllowed(scalar) { out.unicodeScalars.append(scalar) } else { out += "\u{FFFD}" }
            }
        }
        return out
    }

    /// The XML 1.0 `Char` production.
    private static func isAllowed(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
