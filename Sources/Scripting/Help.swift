import CLua
import CLuaBridge
import Foundation

/// `help(x)` and `ouro docs`: one source of text — the doc string each binding is declared with.
enum Help {
    static let functions: [Binding] = [
        Binding("help", "ouro.help(x) — the help text for x as a string: a function of the API, a library table such as ouro.tensor, a tensor or other ouro value (its methods), or a name such as \"ouro.tensor.zeros\" or \"Tensor:sum\". With no argument, an overview. In the REPL, help(x) prints it.") { a in
            guard let host = HostRegistry.host(a.lua.L) else { throw a.fail("no host") }
            a.lua.push(text(host, a.lua, a.count >= 1 ? 1 : nil))
            return 1
        },
    ]

    static let overview = """
        Ouroboros \(LuaHost.version) — Lua 5.4 with the `ouro` API for self-consuming training loops.
          help(ouro)              the libraries and functions, with one line each
          help(ouro.tensor.zeros) one function in full
          help(x)                 the methods of a tensor, model, RNG or pool
          help("Tensor:sum")      by name (ouro docs NAME prints the same on the command line)
        Type an expression to see its value (a trailing ; hides it); _ holds the last value.
        Tab completes names (ouro.mo<Tab>, x:su<Tab>). Ctrl-C interrupts, Ctrl-D quits.
        """

    /// The help text for the value at `i` (nil: the overview).
    static func text(_ host: LuaHost, _ lua: Lua, _ i: Int32?) -> String {
        guard let i, lua.type(i) != LUA_TNIL, lua.type(i) != LUA_TNONE else { return overview }
        let names = nameIndex(host)
        switch lua.type(i) {
        case LUA_TSTRING:
            let name = lua.toString(i) ?? ""
            return text(forName: name, host) ?? "no help for \"\(name)\": \(suggestions(name, host))"
        case LUA_TFUNCTION:
            let name = names[lua_topointer(lua.L, i)]
            if let doc = documented(lua, i) { return entry(name, doc) }
            if let std = standardName(lua, i) { return "\(std) — a function of Lua's standard library; see the Lua 5.4 manual, §6 (https://www.lua.org/manual/5.4/manual.html#6)." }
            return "a Lua function\(definedAt(lua, i)); it has no help text."
        case LUA_TTABLE:
            return tableText(host, lua, i, names: names)
        case LUA_TUSERDATA:
            for (kind, display) in host.classes where luaL_testudata(lua.L, i, kind) != nil {
                return classText(host, display, value: lua.describe(i))
            }
            return "a userdata value (\(lua.describe(i))); it has no help text."
        default:
            return "a \(lua.typeName(i)) value: \(lua.describe(i))"
        }
    }

    /// Help for a qualified name ("ouro.tensor.zeros", "Tensor:sum", "Tensor", "zeros").
    static func text(forName name: String, _ host: LuaHost) -> String? {
        if let doc = host.docs[name] { return entry(name, doc) }
        if let doc = host.docs["ouro." + name] { return entry("ouro." + name, doc) }
        if host.classes.contains(where: { $0.display == name }) { return classText(host, name, value: nil) }
        let matches = host.docs.keys.filter { $0.hasSuffix("." + name) || $0.hasSuffix(":" + name) }.sorted()
        if matches.count == 1 { return entry(matches[0], host.docs[matches[0]] ?? "") }
        if matches.count > 1 { return "\(name) is documented under several names:\n" + matches.map { "  " + $0 }.joined(separator: "\n") }
        return nil
    }

    private static func suggestions(_ name: String, _ host: LuaHost) -> String {
        let close = host.docs.keys.filter { $0.lowercased().contains(name.lowercased()) }.sorted().prefix(8)
        return close.isEmpty ? "try help() or help(ouro)." : "did you mean " + close.joined(separator: ", ") + "?"
    }

    /// "name\n  wrapped doc" (or just the doc when the name is unknown).
    static func entry(_ name: String?, _ doc: String) -> String {
        let body = wrap(doc, width: 78, indent: name == nil ? "" : "  ")
        return name.map { $0 + "\n" + body } ?? body
    }

    /// The first sentence of a doc string, for listings.
    static func summary(_ doc: String, width: Int) -> String {
        var s = doc
        if let dash = s.range(of: " — ") { s = String(s[dash.upperBound...]) }
        if let stop = s.range(of: ". ") { s = String(s[..<stop.lowerBound]) }
        if s.hasSuffix(".") { s.removeLast() }
        return s.count > width ? String(s.prefix(width - 1)) + "…" : s
    }

    static func wrap(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = []
        for paragraph in text.components(separatedBy: "\n") {
            var line = indent
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                if line.count > indent.count && line.count + 1 + word.count > width {
                    lines.append(line)
                    line = indent
                }
                line += (line.count > indent.count ? " " : "") + word
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The help text of a function the host made (its box knows it); nil for any other value.
    private static func documented(_ lua: Lua, _ i: Int32) -> String? {
        guard let box = ouro_bridge_function_box(lua.L, i) else { return nil }
        let doc = Unmanaged<LuaFunction>.fromOpaque(box).takeUnretainedValue().doc
        return doc.isEmpty ? nil : doc
    }

    private static func definedAt(_ lua: Lua, _ i: Int32) -> String {
        var ar = lua_Debug()
        lua_pushvalue(lua.L, i)
        guard lua_getinfo(lua.L, ">S", &ar) != 0 else { return "" }
        let source = withUnsafeBytes(of: ar.short_src) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return ar.linedefined > 0 ? " defined at \(source):\(ar.linedefined)" : ""
    }

    /// "string.format" for functions of the standard library (looked up raw in _G).
    private static func standardName(_ lua: Lua, _ i: Int32) -> String? {
        let target = lua_topointer(lua.L, i)
        ouro_lua_pushglobaltable(lua.L)
        defer { lua.pop() }
        for lib in ["", "string", "table", "math", "io", "os", "coroutine", "utf8", "debug"] {
            if !lib.isEmpty && lua.rawField(-1, lib) != LUA_TTABLE { lua.pop(); continue }
            if lib.isEmpty { lua_pushvalue(lua.L, -1) }
            defer { lua.pop() }
            lua.pushNil()
            while lua_next(lua.L, -2) != 0 {
                if lua.type(-1) == LUA_TFUNCTION, lua_topointer(lua.L, -1) == target, let k = lua.toString(-2) {
                    lua.pop(2)
                    return lib.isEmpty ? k : lib + "." + k
                }
                lua.pop()
            }
        }
        return nil
    }

    /// Function (and table) identities → qualified names, found by walking `ouro` and the classes' methods raw.
    static func nameIndex(_ host: LuaHost) -> [UnsafeRawPointer?: String] {
        var names: [UnsafeRawPointer?: String] = [:]
        let lua = host.lua
        let top = lua.top
        defer { lua_settop(lua.L, top) }
        func walk(_ prefix: String, depth: Int) {
            guard depth < 4, lua_checkstack(lua.L, 4) != 0 else { return }
            lua.pushNil()
            while lua_next(lua.L, -2) != 0 {
                if let k = lua.toString(-2), lua.type(-2) == LUA_TSTRING {
                    let p = lua_topointer(lua.L, -1)
                    if names[p] == nil && (lua.type(-1) == LUA_TFUNCTION || lua.type(-1) == LUA_TTABLE) {
                        names[p] = prefix + "." + k
                        if lua.type(-1) == LUA_TTABLE { walk(prefix + "." + k, depth: depth + 1) }
                    }
                }
                lua.pop()
            }
        }
        ouro_lua_pushglobaltable(lua.L)
        if lua.rawField(-1, "ouro") == LUA_TTABLE {
            names[lua_topointer(lua.L, -1)] = "ouro"
            walk("ouro", depth: 0)
        }
        for (kind, display) in host.classes {
            guard lua.rawField(ouro_lua_registryindex(), kind) == LUA_TTABLE else { lua.pop(); continue }
            // methods live in __index (a table), or in __methods when __index is a function
            if lua.rawField(-1, "__methods") != LUA_TTABLE { lua.pop(); lua.rawField(-1, "__index") }
            if lua.type(-1) == LUA_TTABLE {
                lua.pushNil()
                while lua_next(lua.L, -2) != 0 {
                    if let k = lua.toString(-2) { names[lua_topointer(lua.L, -1)] = display + ":" + k }
                    lua.pop()
                }
            }
            lua.pop(2)
        }
        return names
    }

    private static func tableText(_ host: LuaHost, _ lua: Lua, _ i: Int32, names: [UnsafeRawPointer?: String]) -> String {
        let at = lua_absindex(lua.L, i)
        let title = names[lua_topointer(lua.L, at)]
        var rows: [(String, String)] = []
        lua.pushNil()
        while lua_next(lua.L, at) != 0 {
            defer { lua.pop() }
            guard let k = lua.toString(-2), lua.type(-2) == LUA_TSTRING else { continue }
            switch lua.type(-1) {
            case LUA_TFUNCTION: rows.append((k, documented(lua, -1).map { summary($0, width: 54) } ?? "function"))
            case LUA_TTABLE: rows.append((k + ".", "table — help(\((title ?? "t") + "." + k))"))
            default: rows.append((k, lua.describe(-1)))
            }
        }
        let head = title.map { "\($0) — \(rows.count) entries" } ?? "a table with \(rows.count) string keys"
        let shown = rows.sorted { $0.0 < $1.0 }.prefix(80)
        let width = min(shown.map { $0.0.count }.max() ?? 0, 22)
        let more = rows.count > shown.count ? ["  … (\(rows.count - shown.count) more)"] : []
        return ([head] + shown.map { "  " + $0.0.padding(toLength: max(width, $0.0.count), withPad: " ", startingAt: 0) + "  " + $0.1 } + more)
            .joined(separator: "\n")
    }

    private static func classText(_ host: LuaHost, _ display: String, value: String?) -> String {
        let all = host.docs.filter { $0.key.hasPrefix(display + ":") }
        let methods = all.filter { !$0.key.hasPrefix(display + ":__") }.sorted { $0.key < $1.key }
        let operators = all.filter { $0.key.hasPrefix(display + ":__") }.sorted { $0.key < $1.key }
            .map { $0.value.components(separatedBy: " — ").first ?? $0.key }
        let width = min(methods.map { $0.key.count - display.count - 1 }.max() ?? 0, 18)
        let article = "AEIOU".contains(display.prefix(1)) || display == "RNG" ? "an" : "a"     // an ImageFeatures, an RNG
        var lines = [value.map { "\($0.components(separatedBy: "\n").last ?? $0) — \(article) \(display); methods:" } ?? "\(display) methods:"]
        for (name, doc) in methods {
            let short = String(name.dropFirst(display.count + 1))
            lines.append("  " + short.padding(toLength: max(width, short.count), withPad: " ", startingAt: 0) + "  " + summary(doc, width: 56))
        }
        if !operators.isEmpty { lines.append("operators: " + operators.joined(separator: ", ")) }
        lines.append("help(\"\(display):name\") shows one in full.")
        return lines.joined(separator: "\n")
    }

    /// Every documented binding in Markdown, grouped by library and class (`ouro docs --markdown`).
    static func markdown(_ host: LuaHost) -> String {
        var out = "# The ouro Lua API\n\nGenerated by `ouro docs --markdown` from the help text of each binding (the same text `help(x)` prints in the REPL).\n"
        let groups = Dictionary(grouping: host.docs.keys) { name -> String in
            if let colon = name.firstIndex(of: ":") { return String(name[..<colon]) }
            return name.split(separator: ".").dropLast().joined(separator: ".")
        }
        // the ouro table and its libraries first, then the classes of values they return
        for group in groups.keys.sorted(by: { ($0.hasPrefix("ouro") ? 0 : 1, $0) < ($1.hasPrefix("ouro") ? 0 : 1, $1) }) {
            out += "\n## \(group)\n\n"
            for name in groups[group, default: []].sorted() {
                out += "- **`\(name)`**: \(host.docs[name] ?? "")\n"
            }
        }
        return out
    }
}

extension LuaHost {
    /// Help text for a qualified binding name, as `help("…")` shows it; nil if there is none.
    public func helpText(forName name: String) -> String? { Help.text(forName: name, self) }

    /// The whole API reference in Markdown.
    public func apiReference() -> String { Help.markdown(self) }
}
