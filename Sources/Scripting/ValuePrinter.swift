import CLua
import Foundation
import Tensor

/// Renders Lua values for the REPL. Tensors print in full Torch style at the top level and as
/// a one-line summary inside tables; tables print with bounded depth and width, keys sorted,
/// and a table met again on its own path is marked as a cycle instead of followed. Nothing here
/// runs Lua code except `__tostring`, in protected mode.
public struct ValuePrinter {
    public var maxDepth = 3
    public var maxItems = 24
    public var lineWidth = 78
    public var maxStringInTable = 60
    public var maxScanned = 10_000
    let lua: Lua

    public init(_ lua: Lua) { self.lua = lua }

    /// The value at `i` as the REPL shows it.
    public func render(_ i: Int32) -> String {
        let at = lua_absindex(lua.L, i)
        switch lua.type(at) {
        case LUA_TSTRING: return lua.toString(at) ?? ""
        case LUA_TTABLE: return renderTable(at, depth: 0, ancestors: [])
        default: return lua.describe(at)
        }
    }

    private func renderNested(_ index: Int32, depth: Int, ancestors: [UnsafeRawPointer]) -> String {
        let i = lua_absindex(lua.L, index)
        switch lua.type(i) {
        case LUA_TSTRING: return quoted(lua.toString(i) ?? "", limit: maxStringInTable)
        case LUA_TTABLE: return renderTable(i, depth: depth, ancestors: ancestors)
        case LUA_TUSERDATA:
            if let t = (try? Userdata.object(lua, i, Userdata.tensor)) as? Tensor {
                return "<\(t.dtype.rawValue) tensor of size \(t.shape.isEmpty ? "scalar" : describeShape(t.shape))>"
            }
            return lua.describe(i)
        default: return lua.describe(i)
        }
    }

    private func hasToString(_ i: Int32) -> Bool {
        guard lua_getmetatable(lua.L, i) != 0 else { return false }
        defer { lua.pop(2) }
        return lua.rawField(-1, "__tostring") != LUA_TNIL
    }

    private func renderTable(_ index: Int32, depth: Int, ancestors: [UnsafeRawPointer]) -> String {
        let t = lua_absindex(lua.L, index)
        if hasToString(t) { return lua.describe(t) }
        guard let me = lua_topointer(lua.L, t) else { return lua.describe(t) }
        if ancestors.contains(me) { return "<cycle: \(lua.describe(t))>" }
        guard lua_checkstack(lua.L, 8) != 0 else { return "{…}" }
        let n = lua.rawLength(t)
        // Keys outside the array part, in a stable order: collect their descriptions first.
        // (at most `maxScanned` of them are sorted; a table with millions of keys prints the first ones met)
        var others: [(key: String, ordinal: Int)] = []
        var unscanned = 0
        var ordinal = 0
        lua.pushNil()
        while lua_next(lua.L, t) != 0 {
            lua.pop()
            defer { ordinal += 1 }
            if lua.isInteger(-1), let k = lua.toInteger(-1), k >= 1, k <= n { continue }
            if others.count < maxScanned { others.append((keyText(-1), ordinal)) } else { unscanned += 1 }
        }
        if n == 0 && others.isEmpty && unscanned == 0 { return "{}" }
        if depth >= maxDepth { return "{…}" }
        let inner = ancestors + [me]
        var items: [String] = []
        for k in stride(from: 1, through: min(n, maxItems), by: 1) {
            lua.rawIndex(t, k)
            items.append(renderNested(-1, depth: depth + 1, ancestors: inner))
            lua.pop()
        }
        others.sort { $0.key < $1.key }
        let room = max(maxItems - min(n, maxItems), 0)
        let shown = Array(others.prefix(room))
        var valueText: [Int: String] = [:]
        if !shown.isEmpty {
            let wanted = Set(shown.map { $0.ordinal })
            var o = 0
            lua.pushNil()
            while lua_next(lua.L, t) != 0 {
                if wanted.contains(o) { valueText[o] = renderNested(-1, depth: depth + 1, ancestors: inner) }
                lua.pop()
                o += 1
            }
        }
        items += shown.map { "\($0.key) = \(valueText[$0.ordinal] ?? "?")" }
        let hidden = max(n - maxItems, 0) + (others.count - shown.count) + unscanned
        if hidden > 0 { items.append("… (\(hidden) more)") }
        let oneLine = "{" + items.joined(separator: ", ") + "}"
        if oneLine.count + 2 * depth <= lineWidth && !oneLine.contains("\n") { return oneLine }
        let body = items.map { "  " + $0.replacingOccurrences(of: "\n", with: "\n  ") + "," }
        return "{\n" + body.joined(separator: "\n") + "\n}"
    }

    /// A table key as written in a constructor: `name`, `["two words"]`, `[2.5]`.
    private func keyText(_ i: Int32) -> String {
        if lua.type(i) == LUA_TSTRING, let s = lua.toString(i) {
            return ValuePrinter.isIdentifier(s) ? s : "[\(quoted(s, limit: maxStringInTable))]"
        }
        return "[\(lua.type(i) == LUA_TNUMBER ? numberText(i) : lua.describe(i))]"
    }

    private func numberText(_ i: Int32) -> String {
        lua_pushvalue(lua.L, i)      // describe on a copy: lua_tolstring would change the key in place
        defer { lua.pop() }
        return lua.describe(-1)
    }

    static let keywords: Set<String> = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function",
                                        "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
                                        "true", "until", "while"]

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) } && !keywords.contains(s)
    }

    /// A string as a Lua literal, cut after `limit` characters.
    func quoted(_ s: String, limit: Int) -> String {
        var body = ""
        for (k, ch) in s.enumerated() {
            if k == limit { body += "…"; break }
            switch ch {
            case "\"": body += "\\\""
            case "\\": body += "\\\\"
            case "\n": body += "\\n"
            case "\t": body += "\\t"
            case "\r": body += "\\r"
            default:
                if let a = ch.asciiValue, a < 32 || a == 127 { body += "\\\(a)" } else { body.append(ch) }
            }
        }
        return "\"" + body + "\""
    }
}
