import Foundation

/// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled.
public enum CSV {
    public static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",")
    }

    /// The records of CSV bytes — each one's byte range (without its line break) and field count —
    /// in one pass that knows quoted fields may hold commas and line breaks.
    public static func records(_ bytes: [UInt8], file: String) throws -> [(range: Range<Int>, fields: Int)] {
        var out: [(range: Range<Int>, fields: Int)] = [], start = 0, fields = 1, quoted = false
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<b.count {
                let c = b[i]
                if c == 34 { quoted.toggle() }                                   // "
                else if !quoted && c == 44 { fields += 1 }                       // ,
                else if !quoted && c == 10 {                                     // \n, with a \r before it dropped
                    let end = i > start && b[i - 1] == 13 ? i - 1 : i
                    out.append((start..<end, fields))
                    start = i + 1; fields = 1
                }
            }
        }
        if quoted { throw ReportError("'\(file)': a quoted field is not closed") }
        if start < bytes.count { out.append((start..<bytes.count, fields)) }
        return out
    }

    public static func parse(_ text: String, file: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, afterQuote = false
        var it = text.makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" { quoted = false; afterQuote = true } else { field.append(c) }
                continue
            }
            switch c {
            case "\"":
                if afterQuote { field.append("\""); quoted = true; afterQuote = false }
                else if field.isEmpty { quoted = true }
                else { throw ReportError("'\(file)': a quote inside an unquoted field (row \(rows.count + 1))") }
            case ",": row.append(field); field = ""; afterQuote = false
            case "\n", "\r\n":
                row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            case "\r": break
            default:
                if afterQuote { throw ReportError("'\(file)': text after a closing quote (row \(rows.count + 1))") }
                field.append(c)
            }
        }
        if quoted { throw ReportError("'\(file)': a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
