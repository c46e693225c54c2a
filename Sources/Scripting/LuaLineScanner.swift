/// Follows Lua's lexical structure line by line, to tell when a chunk that Lua found unfinished
/// is certainly still unfinished after another line, without parsing it again: the REPL then
/// skips recompiling, which keeps a long piped chunk linear instead of quadratic.
///
/// It tracks what Lua's lexer would be inside at the end of the text so far — a long string or
/// comment (`[==[ … ]==]`), or a quoted string continued by `\` or `\z` — and the nesting depth of
/// brackets and blocks (`( { [` and `function if do repeat` against `) } ] end until`). Inside a
/// long bracket or a continued string, more lines can only lengthen that token: Lua's verdict on
/// the chunk cannot change. A positive depth means the chunk cannot be complete (though it may
/// already hold an error, which the REPL finds when it next compiles).
struct LuaLineScanner {
    enum Mode: Equatable {
        case code
        /// Inside `[=*[` … `]=*]` (a long string or, with `--`, a long comment) of this level.
        case longBracket(level: Int)
        /// Inside a quoted string continued across the line end (`\` + newline, or `\z`).
        case shortString(quote: UInt8, skippingSpace: Bool)
    }

    private(set) var mode: Mode = .code
    private(set) var depth = 0

    /// True when the text so far certainly does not end a chunk, whatever its earlier lines.
    var insideToken: Bool { mode != .code }

    static let openers: Set<String> = ["function", "if", "do", "repeat"]
    static let closers: Set<String> = ["end", "until"]

    /// Scans one more line (without its newline).
    mutating func scan<C: RandomAccessCollection>(_ line: C) where C.Element == UInt8, C.Index == Int {
        var i = line.startIndex
        let end = line.endIndex
        func at(_ k: Int) -> UInt8? { k < end ? line[k] : nil }
        /// The level of a long bracket opening at k (`[`, `=`*, `[`), or nil.
        func longOpen(_ k: Int) -> (level: Int, length: Int)? {
            guard at(k) == UInt8(ascii: "[") else { return nil }
            var j = k + 1, level = 0
            while at(j) == UInt8(ascii: "=") { level += 1; j += 1 }
            return at(j) == UInt8(ascii: "[") ? (level, j + 1 - k) : nil
        }
        while i < end {
            switch mode {
            case .longBracket(let level):
                // look for `]`, `=`×level, `]`
                while i < end {
                    if line[i] == UInt8(ascii: "]") {
                        var j = i + 1, eq = 0
                        while at(j) == UInt8(ascii: "=") { eq += 1; j += 1 }
                        if eq == level && at(j) == UInt8(ascii: "]") { i = j + 1; mode = .code; break }
                    }
                    i += 1
                }
            case .shortString(let quote, let skipping):
                var skip = skipping
                var closed = false
                while i < end {
                    let c = line[i]
                    if skip {
                        if c == 0x20 || c == 0x09 || c == 0x0B || c == 0x0C || c == 0x0D { i += 1; continue }
                        skip = false
                    }
                    if c == UInt8(ascii: "\\") {
                        if i + 1 >= end { i += 1; mode = .shortString(quote: quote, skippingSpace: false); return }  // \ + newline
                        if line[i + 1] == UInt8(ascii: "z") { skip = true; i += 2; continue }
                        i += 2; continue
                    }
                    i += 1
                    if c == quote { closed = true; break }
                }
                if closed { mode = .code; continue }
                // The line ended inside the string: only `\z` carries it on; otherwise Lua reports an
                // unfinished string, and that error ends the chunk.
                mode = skip ? .shortString(quote: quote, skippingSpace: true) : .code
                return
            case .code:
                let c = line[i]
                if c == UInt8(ascii: "-") && at(i + 1) == UInt8(ascii: "-") {
                    if let (level, length) = longOpen(i + 2) { mode = .longBracket(level: level); i += 2 + length; continue }
                    return                                              // a comment to the end of the line
                }
                if let (level, length) = longOpen(i) { mode = .longBracket(level: level); i += length; continue }
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { mode = .shortString(quote: c, skippingSpace: false); i += 1; continue }
                if c == UInt8(ascii: "(") || c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1; i += 1; continue }
                if c == UInt8(ascii: ")") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1; i += 1; continue }
                if LuaLineScanner.isNameStart(c) {
                    var j = i + 1
                    while j < end && LuaLineScanner.isNamePart(line[j]) { j += 1 }
                    if j - i <= 8 {
                        let word = String(decoding: line[i..<j], as: UTF8.self)
                        if LuaLineScanner.openers.contains(word) { depth += 1 } else if LuaLineScanner.closers.contains(word) { depth -= 1 }
                    }
                    i = j
                    continue
                }
                if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                    // a number: digits, letters (hex, exponents), dots, and a sign after an exponent
                    var j = i + 1
                    while j < end {
                        let d = line[j]
                        if LuaLineScanner.isNamePart(d) || d == UInt8(ascii: ".") { j += 1; continue }
                        if (d == UInt8(ascii: "+") || d == UInt8(ascii: "-")), [UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "p"), UInt8(ascii: "P")].contains(line[j - 1]) { j += 1; continue }
                        break
                    }
                    i = j
                    continue
                }
                i += 1
            }
        }
    }

    static func isNameStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }

    static func isNamePart(_ c: UInt8) -> Bool { isNameStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) }
}
