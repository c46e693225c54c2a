import Foundation
import Tensor

/// JSON text for run records, written directly: keys sorted, numbers as the shortest text that
/// reads back to the same double (non-finite ones as strings), two-space indentation. Foundation's
/// serializer takes tens of milliseconds for a manifest with 10 000 timings; this takes one.
public enum JSONText {
    /// The JSON text of a value made of String, Bool, Int, Double, arrays and [String: Any].
    public static func encode(_ value: Any, pretty: Bool = true) -> String {
        var out = ""
        write(value, to: &out, indent: pretty ? 0 : nil)
        return out
    }

    private static func write(_ value: Any, to out: inout String, indent: Int?) {
        switch value {
        case let s as String: string(s, to: &out)
        case let b as Bool: out += b ? "true" : "false"
        case let i as Int: out += String(i)
        case let d as Double: double(d, to: &out)
        // Arrays of numbers are written without boxing each element into an Any (the timings of
        // a manifest); the text is the same as the general case's, a flat array.
        case let a as [Double]: flat(a, to: &out, indent: indent, double)
        case let a as [Int]: flat(a, to: &out, indent: indent) { v, o in o += String(v) }
        case let a as [Any]:
            if a.isEmpty { out += "[]"; return }
            let flat = a.allSatisfy { $0 is Double || $0 is Int || $0 is Bool }
            out += "["
            for (k, v) in a.enumerated() {
                if k > 0 { out += "," }
                if let indent, !flat { newline(indent + 1, &out) } else if indent != nil && k > 0 { out += " " }
                write(v, to: &out, indent: indent.map { $0 + 1 })
            }
            if let indent, !flat { newline(indent, &out) }
            out += "]"
        case let d as [String: Any]:
            if d.isEmpty { out += "{}"; return }
            out += "{"
            for (k, key) in d.keys.sorted().enumerated() {
                if k > 0 { out += "," }
                if let indent { newline(indent + 1, &out) }
                string(key, to: &out)
                out += indent == nil ? ":" : " : "
                write(d[key]!, to: &out, indent: indent.map { $0 + 1 })
            }
            if let indent { newline(indent, &out) }
            out += "}"
        default: string("\(value)", to: &out)
        }
    }

    private static func double(_ d: Double, to out: inout String) {
        out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) + ".0" : "\(d)") : "\"\(CSV.number(d))\""
    }

    private static func flat<T>(_ a: [T], to out: inout String, indent: Int?, _ element: (T, inout String) -> Void) {
        out += "["
        for (k, v) in a.enumerated() {
            if k > 0 { out += indent == nil ? "," : ", " }
            element(v, &out)
        }
        out += "]"
    }

    private static func newline(_ indent: Int, _ out: inout String) {
        out += "\n" + String(repeating: "  ", count: indent)
    }

    private static func string(_ s: String, to out: inout String) { out += JSONString.quoted(s) }
}
