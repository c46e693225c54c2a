import CLua
import Foundation

/// `ouro.args`: a script's named command-line arguments, typed and checked (ScriptArguments.swift).
enum ScriptArgumentBindings {
    static let doc = """
    ouro.args(spec) — the script's command-line arguments as a table of typed values, from `arg`. \
    Each argument has a default (its Lua type gives the argument's: 10 an integer, 0.5 or 1.0 a number, \
    "x" a string, true a boolean) or a `type`. Entries of the list part take values by position too, \
    in order: {"n", 100, "samples per generation", min = 1}; named entries only by name: \
    n = 100 or n = {100, "help", min = 1}. Fields: type ("integer", "number", "string", "boolean"), \
    default, help, choices (a list), min, max (inclusive), required. On the command line: name=value, \
    --name value, --name=value, --flag / --no-flag for booleans, or bare values by position; \
    --help lists the arguments and stops the script (--help-json as JSON, for ouro sweep). \
    A misspelt or unknown name, a value of the wrong type or out of range is an error that says what \
    was expected; reading an undeclared field of the result is an error too. \
    Example: local a = ouro.args {{"d", 10, "dimension", min = 1}, {"out", "runs/gaussian"}, workflow = {"replace", choices = {"replace", "accumulate"}}}
    """

    static let functions: [Binding] = [
        Binding("args", doc) { a in
            let spec = try declarations(a)
            let (tokens, script) = commandLine(a.lua)
            let outcome: ScriptArguments.Outcome
            do { outcome = try spec.parse(tokens) } catch let e as ScriptArgumentError { throw a.fail(e.description) }
            switch outcome {
            case .help, .helpJSON:
                print(outcome == .help ? spec.help(script: script) : spec.json)
                HostRegistry.host(a.lua.L)?.endQuietly = true
                throw a.fail("the script stopped after printing its arguments")
            case .values(let values):
                try a.lua.reserve(6)
                a.lua.newTable(nrec: values.count)
                for (name, v) in values {
                    switch v {
                    case .integer(let x): a.lua.push(x)
                    case .number(let x): a.lua.push(x)
                    case .string(let x): a.lua.push(x)
                    case .boolean(let x): a.lua.push(x)
                    }
                    a.lua.setRawField(-2, name)
                }
                try strictIndex(a.lua, names: spec.arguments.map(\.name))
                return 1
            }
        },
    ]

    /// The script's `arg[1…n]` as strings, and `arg[0]` (its path).
    static func commandLine(_ lua: Lua) -> ([String], String) {
        ouro_lua_pushglobaltable(lua.L)
        defer { lua.pop() }
        guard lua.rawField(-1, "arg") == LUA_TTABLE else { lua.pop(); return ([], "SCRIPT") }
        defer { lua.pop() }
        var tokens: [String] = []
        for i in 1..<(lua.rawLength(-1) + 1) {
            defer { lua.pop() }
            if lua.rawIndex(-1, i) == LUA_TNIL { break }
            tokens.append(lua.type(-1) == LUA_TSTRING ? lua.toString(-1) ?? "" : lua.describe(-1))
        }
        lua.rawIndex(-1, 0)
        defer { lua.pop() }
        return (tokens, lua.toString(-1) ?? "SCRIPT")
    }

    /// A metatable whose __index refuses names the script did not declare.
    static func strictIndex(_ lua: Lua, names: [String]) throws {
        let code = """
        local declared, list = ...
        return {__index = function(_, k)
          if declared[k] then return nil end
          error("no argument '" .. tostring(k) .. "' (the script declares: " .. list .. ")", 2)
        end}
        """
        let status = code.withCString { luaL_loadbufferx(lua.L, $0, strlen($0), "=ouro.args", "t") }
        guard status == LUA_OK else { lua.pop(); throw LuaError("ouro.args: internal error building the result") }
        lua.newTable(nrec: names.count)
        for n in names { lua.push(true); lua.setRawField(-2, n) }
        lua.push(names.isEmpty ? "none" : names.joined(separator: ", "))
        try lua.pcall(nargs: 2, nresults: 1)
        lua_setmetatable(lua.L, -2)
    }

    /// The declarations of the spec table at 1: its list part in order (these take values by
    /// position), then its named entries by name.
    static func declarations(_ a: Args) throws -> ScriptArguments {
        guard a.isTable(1) else { throw a.expected(1, "table of argument declarations") }
        let lua = a.lua
        var list: [ScriptArgument] = [], named: [ScriptArgument] = []
        let n = lua.rawLength(1)
        for i in 1..<(n + 1) {
            defer { lua.pop() }
            guard lua.rawIndex(1, i) == LUA_TTABLE else {
                throw a.fail("entry \(i) must be a table {name, default, help, ...}, got \(lua.typeName(-1))")
            }
            let at = lua.top
            guard lua.rawIndex(at, 1) == LUA_TSTRING, let name = lua.toString(-1) else {
                lua.pop()
                throw a.fail("entry \(i) must start with the argument's name (a string)")
            }
            lua.pop()
            list.append(try declaration(a, name: name, table: at, first: 2))
        }
        lua_pushnil(lua.L)
        while lua_next(lua.L, 1) != 0 {
            defer { lua.pop() }
            if lua.type(-2) == LUA_TNUMBER, let k = lua.toInteger(-2), k >= 1, k <= n { continue }
            guard lua.type(-2) == LUA_TSTRING, let name = lua.toString(-2) else {
                throw a.fail("declarations are a list of {name, default, ...} and name = default entries; got the key \(lua.describe(-2))")
            }
            if lua.type(-1) == LUA_TTABLE { named.append(try declaration(a, name: name, table: lua.top, first: 1)) }
            else { named.append(try declaration(a, name: name, table: nil, first: 1)) }
        }
        named.sort { $0.name < $1.name }
        do { return try ScriptArguments(list + named, positional: list.count) } catch let e as ScriptArgumentError { throw a.fail(e.description) }
    }

    static let fields = ["default", "help", "type", "choices", "min", "max", "required"]

    /// One declaration: from a table (default and help at indices first and first + 1, or as
    /// fields) or, when `table` is nil, from the value on top of the stack (the default).
    static func declaration(_ a: Args, name: String, table: Int32?, first: Int) throws -> ScriptArgument {
        let lua = a.lua
        func value(_ at: Int32) throws -> ScriptArgument.Value? {
            switch lua.type(at) {
            case LUA_TNIL: return nil
            case LUA_TBOOLEAN: return .boolean(lua.toBool(at))
            case LUA_TSTRING: return .string(lua.toString(at) ?? "")
            case LUA_TNUMBER: return lua.isInteger(at) ? .integer(lua.toInteger(at) ?? 0) : .number(lua.toNumber(at) ?? 0)
            default: throw a.fail("argument '\(name)': a default must be a number, string or boolean, got \(lua.typeName(at))")
            }
        }
        var def: ScriptArgument.Value?, help = "", type: String?, choices: [String]?, lo: Double?, hi: Double?, required = false
        if let t = table {
            try checkFields(a, t, name: name, first: first)
            _ = lua.rawIndex(t, first)
            def = try value(lua.top)
            lua.pop()
            if def == nil { _ = lua.rawField(t, "default"); def = try value(lua.top); lua.pop() }
            help = try string(a, t, index: first + 1, field: "help", name: name) ?? ""
            type = try string(a, t, index: nil, field: "type", name: name)
            lo = try number(a, t, "min", name: name)
            hi = try number(a, t, "max", name: name)
            _ = lua.rawField(t, "required"); required = lua.toBool(-1); lua.pop()
            if lua.rawField(t, "choices") == LUA_TTABLE {
                let c = lua.top
                choices = []
                for i in 1..<(lua.rawLength(c) + 1) {
                    defer { lua.pop() }
                    let ty = lua.rawIndex(c, i)
                    guard ty == LUA_TSTRING || ty == LUA_TNUMBER else { throw a.fail("argument '\(name)': choices must be strings or numbers") }
                    choices?.append(try value(lua.top)?.description ?? "")
                }
            } else if !lua.isNoneOrNil(-1) {
                lua.pop(); throw a.fail("argument '\(name)': choices must be a list")
            }
            lua.pop()
        } else {
            def = try value(lua.top)
        }
        let kind: ScriptArgument.Kind
        if let type {
            guard let k = ScriptArgument.Kind(rawValue: type) else {
                throw a.fail("argument '\(name)': unknown type '\(type)' (expected integer, number, string or boolean)")
            }
            kind = k
            switch (k, def) {
            case (.number, .integer(let i)?): def = .number(Double(i))
            case (.integer, .number(let d)?) where d == d.rounded() && abs(d) < 9e15: def = .integer(Int(d))
            default: break
            }
        } else if let def {
            switch def {
            case .integer: kind = .integer
            case .number: kind = .number
            case .string: kind = .string
            case .boolean: kind = .boolean
            }
        } else if let choices, !choices.isEmpty {
            kind = .string
        } else {
            throw a.fail("argument '\(name)': give a default or a type")
        }
        do {
            return try ScriptArgument(name: name, kind: kind, defaultValue: def, help: help, choices: choices, min: lo, max: hi, required: required)
        } catch let e as ScriptArgumentError { throw a.fail(e.description) }
    }

    /// Checks that a declaration table has only known fields (and at most two values by index);
    /// like Args.checkOptions, but index keys are allowed too.
    static func checkFields(_ a: Args, _ t: Int32, name: String, first: Int) throws {
        let lua = a.lua
        lua_pushnil(lua.L)
        while lua_next(lua.L, t) != 0 {
            lua.pop()
            if lua.type(-1) == LUA_TNUMBER, let k = lua.toInteger(-1), k >= 1, k <= first + 1 { continue }
            guard lua.type(-1) == LUA_TSTRING, let k = lua.toString(-1), fields.contains(k) else {
                let k = lua.describe(-1)
                lua.pop()
                if let near = Args.closest(to: k, in: fields) { throw a.fail("argument '\(name)': unknown field '\(k)'; did you mean '\(near)'?") }
                throw a.fail("argument '\(name)': unknown field \(k) (valid: \(fields.joined(separator: ", ")))")
            }
        }
    }

    static func string(_ a: Args, _ t: Int32, index: Int?, field: String, name: String) throws -> String? {
        let lua = a.lua
        if let index {
            defer { lua.pop() }
            let ty = lua.rawIndex(t, index)
            if ty == LUA_TSTRING { return lua.toString(-1) }
            if ty != LUA_TNIL { throw a.fail("argument '\(name)': the \(field) must be a string, got \(lua.typeName(-1))") }
        }
        defer { lua.pop() }
        let ty = lua.rawField(t, field)
        if ty == LUA_TNIL { return nil }
        guard ty == LUA_TSTRING else { throw a.fail("argument '\(name)': the \(field) must be a string, got \(lua.typeName(-1))") }
        return lua.toString(-1)
    }

    static func number(_ a: Args, _ t: Int32, _ field: String, name: String) throws -> Double? {
        let lua = a.lua
        defer { lua.pop() }
        let ty = lua.rawField(t, field)
        if ty == LUA_TNIL { return nil }
        guard ty == LUA_TNUMBER, let v = lua.toNumber(-1), v.isFinite else {
            throw a.fail("argument '\(name)': \(field) must be a finite number, got \(lua.describe(-1))")
        }
        return v
    }
}
