import Foundation

/// A string as a JSON literal (quotes, backslashes and control characters escaped): the one
/// escaper behind the project's JSON (run manifests, safetensors headers).
public enum JSONString {
    public static func quoted(_ s: String) -> String {
        // most strings need no escape: one pass over the bytes, then a single copy
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) { return "\"" + s + "\"" }
        // escapes are ASCII, so the UTF-8 bytes go through as they are (a run's identity holds its
        // scripts' whole text: this runs for every run a sweep's task starts)
        var out: [UInt8] = [0x22]
        out.reserveCapacity(s.utf8.count + s.utf8.count / 8 + 2)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
