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
        var out: [(range: Range<Int>, fields: Int)] = []
        try bytes.withUnsafeBufferPointer { b in
            try forEachRecord(b, file: file) { range, commas, _ in out.append((range, commas.count + 1)) }
        }
        return out
    }

    /// Calls `body` with each record of CSV bytes: its byte range (without the line break, a \r
    /// before it dropped), the offsets of the commas that separate its fields, and whether it has
    /// quotes (then its fields need `parse`). A line without quotes — nearly every line of the
    /// loop's tables — is found with memchr and its commas counted in a tight loop; quoted fields
    /// may hold commas and line breaks.
    public static func forEachRecord(_ b: UnsafeBufferPointer<UInt8>, file: String,
                                     _ body: (_ range: Range<Int>, _ commas: UnsafeBufferPointer<Int>, _ quoted: Bool) throws -> Void) throws {
        guard let base = b.baseAddress else { return }
        var commas: [Int] = []
        commas.reserveCapacity(64)
        var start = 0
        let n = b.count
        while start < n {
            let left = n - start
            let newline = memchr(base + start, 10, left).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? n
            commas.removeAll(keepingCapacity: true)
            var end = newline, quoted = false
            if memchr(base + start, 34, newline - start) == nil {
                for i in start..<newline where b[i] == 44 { commas.append(i) }
            } else {                                                    // quotes: the careful scan
                quoted = true
                var inside = false, i = start
                end = n
                while i < n {
                    let c = b[i]
                    if c == 34 { inside.toggle() }
                    else if !inside && c == 44 { commas.append(i) }
                    else if !inside && c == 10 { end = i; break }
                    i += 1
                }
                if inside { throw ReportError("'\(file)': a quoted field is not closed") }
            }
            let next = end + 1
            if end > start && b[end - 1] == 13 { end -= 1 }
            try commas.withUnsafeBufferPointer { try body(start..<end, $0, quoted) }
            start = next
        }
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
