import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One parsed XML element: its name, attributes and direct text.
struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var text: String
}

/// Parses SVG text with XMLParser and keeps a flat list of elements in document order.
final class SVGInspector: NSObject, XMLParserDelegate {
    private(set) var elements: [ParsedElement] = []
    private var open: [Int] = []
    private(set) var parsed = false
    private(set) var parseError: String?

    init(_ svg: String) {
        super.init()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = self
        parsed = parser.parse()
        if !parsed { parseError = parser.parserError.map { "\($0)" } ?? "unknown parse error" }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append(ParsedElement(name: elementName, attributes: attributeDict, text: ""))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        _ = open.popLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let i = open.last { elements[i].text += string }
    }

    /// Elements called `name`, optionally only those with the given class.
    func all(_ name: String, class cls: String? = nil) -> [ParsedElement] {
        elements.filter { $0.name == name && (cls == nil || $0.attributes["class"] == cls) }
    }

    /// Texts of `<text>` elements with the given class.
    func texts(class cls: String) -> [String] {
        all("text", class: cls).map(\.text)
    }
}
