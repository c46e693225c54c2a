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
