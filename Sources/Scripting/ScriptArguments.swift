import Foundation

/// One named argument a script declares with `ouro.args`: a type, a default, a line of help and
/// the values it accepts. The command line gives it as `name=value` (or `--name value`,
/// `--name=value`, and for booleans `--name` / `--no-name`), or by position.
public struct ScriptArgument: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case integer, number, string, boolean }

    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case integer(Int), number(Double), string(String), boolean(Bool)
        public var description: String {
            switch self {
            case .integer(let i): return String(i)
            case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
            case .string(let s): return s
            case .boolean(let b): return b ? "true" : "false"
            }
        }
    }

    public let name: String
    public let kind: Kind
    public let defaultValue: Value?
    public let help: String
    /// The only values allowed (compared as the command line writes them), if given.
    public let choices: [String]?
    /// Bounds for integers and numbers, inclusive.
    public let min: Double?, max: Double?
    /// Must be given (no default).
    public let required: Bool

    public init(name: String, kind: Kind, defaultValue: Value?, help: String = "", choices: [String]? = nil,
                min: Double? = nil, max: Double? = nil, required: Bool = false) throws {
        guard ScriptArgument.isName(name) else {
            throw ScriptArgumentError("'\(name)' is not a valid argument name (letters, digits and _, not starting with a digit)")
        }
        guard !(required && defaultValue != nil) else { throw ScriptArgumentError("argument '\(name)' is required and has a default; give one or the other") }
        if let choices, kind == .boolean || choices.isEmpty {
            throw ScriptArgumentError("argument '\(name)': choices must be a non-empty list of \(kind == .boolean ? "non-boolean " : "")values, got \(choices)")
        }
        if let min, let max, min > max { throw ScriptArgumentError("argument '\(name)': min \(min) is above max \(max)") }
        if min != nil || max != nil, kind != .integer && kind != .number {
            throw ScriptArgumentError("argument '\(name)': min and max apply to integers and numbers, not to a \(kind.rawValue)")
        }
        (self.name, self.kind, self.defaultValue, self.help, self.choices) = (name, kind, defaultValue, help, choices)
        (self.min, self.max, self.required) = (min, max, required)
        if let d = defaultValue { try check(d, given: "the default \(d)") }
    }

    static func isName(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.isASCII && CharacterSet.letters.contains(f)) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) }
    }

    /// What the argument accepts, for messages and help ("an integer ≥ 1", "one of a, b").
    public var expects: String {
        if let choices { return "one of \(choices.joined(separator: ", "))" }
        var s: String
        switch kind {
        case .integer: s = "an integer"
        case .number: s = "a number"
        case .string: s = "a string"
        case .boolean: s = "true or false"
        }
        let fmt = { (v: Double) in v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }
        switch (min, max) {
        case let (lo?, hi?): s += " in [\(fmt(lo)), \(fmt(hi))]"
        case let (lo?, nil): s += " ≥ \(fmt(lo))"
        case let (nil, hi?): s += " ≤ \(fmt(hi))"
        default: break
        }
        return s
    }

    /// The value of a command-line text, or an error that says what was expected.
    public func parse(_ text: String) throws -> Value {
        let value: Value
        let bad = ScriptArgumentError("argument '\(name)': expected \(expects), got '\(text)'")
        switch kind {
        case .integer:
            if let i = Int(text) { value = .integer(i) }
            else if let d = Double(text), d.isFinite, d == d.rounded(), abs(d) <= 9.007e15 { value = .integer(Int(d)) }
            else { throw bad }
        case .number:
            guard let d = Double(text), d.isFinite else { throw bad }
            value = .number(d)
        case .string: value = .string(text)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "1", "on": value = .boolean(true)
            case "false", "no", "0", "off": value = .boolean(false)
            default: throw bad
            }
        }
        try check(value, given: "'\(text)'")
        return value
    }

    func check(_ v: Value, given: String) throws {
        let bad = ScriptArgumentError("argument '\(name)': expected \(expects), got \(given)")
        switch (kind, v) {
        case (.integer, .integer(let i)): if let min, Double(i) < min { throw bad }; if let max, Double(i) > max { throw bad }
        case (.number, .number(let d)): if let min, d < min { throw bad }; if let max, d > max { throw bad }
        case (.string, .string), (.boolean, .boolean): break
        default: throw bad
        }
        if let choices, !choices.contains(v.description) { throw bad }
    }
}

public struct ScriptArgumentError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// All the arguments of a script: the first `positional` of them also take values by position.
public struct ScriptArguments: Sendable {
    public let arguments: [ScriptArgument]
    public let positional: Int

    public enum Outcome: Equatable {
        /// Every declared argument's value (nil: not given and no default).
        case values([String: ScriptArgument.Value])
        /// `--help` or `-h`: show `help(script:)` and stop.
        case help
        /// `--help-json`: show `json` and stop (how `ouro sweep` learns a script's arguments).
        case helpJSON
    }

    public init(_ arguments: [ScriptArgument], positional: Int) throws {
        var seen = Set<String>()
        for a in arguments where !seen.insert(a.name).inserted { throw ScriptArgumentError("argument '\(a.name)' is declared twice") }
        self.arguments = arguments
        self.positional = positional
    }

    public func argument(_ name: String) -> ScriptArgument? { arguments.first { $0.name == name } }

    func unknown(_ name: String) -> ScriptArgumentError {
        let names = arguments.map(\.name)
        if let near = Args.closest(to: name, in: names) { return ScriptArgumentError("unknown argument '\(name)'; did you mean '\(near)'?") }
        return ScriptArgumentError("unknown argument '\(name)' (the script takes: \(names.isEmpty ? "none" : names.joined(separator: ", ")))")
    }

    /// The values of a command line (the script's `arg[1…n]`).
    public func parse(_ tokens: [String]) throws -> Outcome {
        var given: [String: ScriptArgument.Value] = [:]
        var nextPosition = 0, i = 0
        func set(_ name: String, _ text: String?) throws {
            guard let a = argument(name) else { throw unknown(name) }
            guard given[name] == nil else { throw ScriptArgumentError("argument '\(name)' is given twice") }
            guard let text else { throw ScriptArgumentError("argument '\(name)': expected \(a.expects) after --\(name), got nothing") }
            given[name] = try a.parse(text)
        }
        while i < tokens.count {
            let t = tokens[i]
            i += 1
            if t == "--help" || t == "-h" { return .help }
            if t == "--help-json" { return .helpJSON }
            if t.hasPrefix("--") {
                let body = String(t.dropFirst(2))
                if let eq = body.firstIndex(of: "=") { try set(String(body[..<eq]), String(body[body.index(after: eq)...])); continue }
                if let a = argument(body), a.kind == .boolean, i >= tokens.count || tokens[i].hasPrefix("--") || (try? a.parse(tokens[i])) == nil {
                    try set(body, "true"); continue
                }
                if body.hasPrefix("no-"), let a = argument(String(body.dropFirst(3))), a.kind == .boolean { try set(a.name, "false"); continue }
                try set(body, i < tokens.count ? tokens[i] : nil)
                i += 1
                continue
            }
            if let eq = t.firstIndex(of: "="), ScriptArgument.isName(String(t[..<eq])) {
                try set(String(t[..<eq]), String(t[t.index(after: eq)...]))
                continue
            }
            // a bare value: the next positional argument not yet given by name
            while nextPosition < positional, given[arguments[nextPosition].name] != nil { nextPosition += 1 }
            guard nextPosition < positional else {
                let names = arguments.prefix(positional).map(\.name)
                throw ScriptArgumentError("unexpected value '\(t)': the script takes \(positional == 0 ? "no values by position; give name=value" : "at most \(positional) by position (\(names.joined(separator: ", "))); give the rest as name=value")")
            }
            try set(arguments[nextPosition].name, t)
        }
        var values: [String: ScriptArgument.Value] = [:]
        for a in arguments {
            if let v = given[a.name] ?? a.defaultValue { values[a.name] = v }
            else if a.required { throw ScriptArgumentError("argument '\(a.name)' is required: give \(a.name)=<\(a.expects)>") }
        }
        return .values(values)
    }

    /// The usage text `--help` prints.
    public func help(script: String) -> String {
        var lines = ["usage: ouro run \(script) [name=value ...]"]
        if positional > 0 {
            lines.append("  (or the first values by position: \(arguments.prefix(positional).map(\.name).joined(separator: " ")))")
        }
        lines.append("")
        let width = min(24, (arguments.map(\.name.count).max() ?? 0) + 2)
        for a in arguments {
            let def = a.required ? "required" : a.defaultValue.map { "default \($0)" } ?? "default none"
            let name = a.name.padding(toLength: max(width, a.name.count + 1), withPad: " ", startingAt: 0)
            lines.append("  \(name)" + (a.help.isEmpty ? "\(a.expects); \(def)" : "\(a.help) (\(a.expects); \(def))"))
        }
        return lines.joined(separator: "\n")
    }

    /// The declarations as JSON: [{"name", "type", "default", "help", "choices", "min", "max", "required", "position"}].
    public var json: String {
        let list: [[String: Any]] = arguments.enumerated().map { i, a in
            var d: [String: Any] = ["name": a.name, "type": a.kind.rawValue, "help": a.help, "required": a.required]
            if let v = a.defaultValue {
                switch v {
                case .integer(let x): d["default"] = x
                case .number(let x): d["default"] = x
                case .string(let x): d["default"] = x
                case .boolean(let x): d["default"] = x
                }
            }
            if let c = a.choices { d["choices"] = c }
            if let m = a.min { d["min"] = m }
            if let m = a.max { d["max"] = m }
            if i < positional { d["position"] = i + 1 }
            return d
        }
        let data = (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension ScriptArguments {
    /// The declarations a script printed with --help-json.
    public init(json: String) throws {
        guard let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]] else {
            throw ScriptArgumentError("the script did not print its arguments as JSON (does it call ouro.args before anything else?)")
        }
        var arguments: [ScriptArgument] = [], positional = 0
        for d in list {
            guard let name = d["name"] as? String, let type = d["type"] as? String, let kind = ScriptArgument.Kind(rawValue: type) else {
                throw ScriptArgumentError("an argument without a name or type in \(json.prefix(200))")
            }
            var def: ScriptArgument.Value?
            switch (kind, d["default"]) {
            case (.integer, let n as NSNumber): def = .integer(n.intValue)
            case (.number, let n as NSNumber): def = .number(n.doubleValue)
            case (.string, let s as String): def = .string(s)
            case (.boolean, let b as Bool): def = .boolean(b)
            default: def = nil
            }
            arguments.append(try ScriptArgument(name: name, kind: kind, defaultValue: def, help: d["help"] as? String ?? "",
                                                choices: d["choices"] as? [String], min: (d["min"] as? NSNumber)?.doubleValue,
                                                max: (d["max"] as? NSNumber)?.doubleValue, required: d["required"] as? Bool ?? false))
            if d["position"] != nil { positional += 1 }
        }
        try self.init(arguments, positional: positional)
    }
}
