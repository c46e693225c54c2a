import Foundation

/// A string as a JSON literal (quotes, backslashes and control characters escaped): the one
/// escaper behind the project's JSON (run manifests, safetensors headers).
public enum JSONString {
    public static func quoted(_ s: String) -> String {
        // most strings need no escape: one pass over the bytes, then a single copy
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
