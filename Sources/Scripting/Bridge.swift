import CLua
import CLuaBridge
import Models
import Tensor

/// A Swift function callable from Lua. `doc` is its help text (one source for help() and docs).
public final class LuaFunction {
    public let name: String
    public let doc: String
    let isMethod: Bool
    let body: (Args) throws -> Int32

    /// The name shown in error messages: operators for metamethods ("+" for __add).
    var displayName: String { LuaFunction.operatorNames[name] ?? name }
    static let operatorNames = ["__add": "+", "__sub": "-", "__mul": "*", "__div": "/", "__pow": "^", "__unm": "unary -",
                                "__len": "#", "__index": "index", "__newindex": "index assignment", "__concat": ".."]

    init(name: String, doc: String, isMethod: Bool = false, body: @escaping (Args) throws -> Int32) {
        self.name = name; self.doc = doc; self.isMethod = isMethod; self.body = body
    }
}

/// The single entry point from C into Swift. Errors become sentinels the C trampoline raises.
let swiftDispatch: ouro_dispatch_fn = { L, box in
    guard let L, let box else { return Int32(OURO_RAISE_WITH_POSITION) }
    let f = Unmanaged<LuaFunction>.fromOpaque(box).takeUnretainedValue()
    let lua = Lua(L)
    do {
        let n = try f.body(Args(lua, f))
        try BLASGuard.check(f.displayName)
        return n
    } catch is LuaPropagate {
        return Int32(OURO_RAISE_AS_IS)
    } catch {
        _ = lua_checkstack(L, 2)
        let text: String
        switch error {
        case let e as LuaError: text = e.message
        default:
            // Core errors get the binding's name in front, unless they already start with it.
            let message = "\(error)", name = f.displayName
            text = message.hasPrefix(name + ":") ? message : "\(name): \(message)"
        }
        lua.push(text)
        return Int32(OURO_RAISE_WITH_POSITION)
    }
}

/// Arguments of one call, with checks that produce Lua-style messages:
/// "bad argument #2 to 'mm' (tensor expected, got string)". Indices are Lua stack indices.
public struct Args {
    public let lua: Lua
    let fn: LuaFunction
    init(_ lua: Lua, _ fn: LuaFunction) { self.lua = lua; self.fn = fn }

    public var count: Int32 { lua.top }

    public func error(_ i: Int32, _ what: String) -> LuaError {
        if fn.isMethod && i == 1 { return LuaError("calling '\(fn.name)' on bad self (\(what))") }
        return LuaError("bad argument #\(fn.isMethod ? i - 1 : i) to '\(fn.displayName)' (\(what))")
    }

    public func fail(_ message: String) -> LuaError { LuaError("\(fn.displayName): \(message)") }

    func expected(_ i: Int32, _ what: String) -> LuaError {
        error(i, "\(what) expected, got \(lua.type(i) == LUA_TNONE ? "no value" : lua.typeName(i))")
    }

    public func number(_ i: Int32) throws -> Double {
        guard let v = lua.toNumber(i) else { throw expected(i, "number") }
        return v
    }

    public func optNumber(_ i: Int32, _ def: Double) throws -> Double {
        lua.isNoneOrNil(i) ? def : try number(i)
    }

    public func integer(_ i: Int32) throws -> Int {
        guard let v = lua.toNumber(i) else { throw expected(i, "integer") }
        guard let k = lua.toInteger(i) else { throw error(i, "number \(v) has no integer representation") }
        return k
    }

    public func optInteger(_ i: Int32, _ def: Int) throws -> Int {
        lua.isNoneOrNil(i) ? def : try integer(i)
    }

    public func string(_ i: Int32) throws -> String {
        guard let s = lua.toString(i) else { throw expected(i, "string") }
        return s
    }

    public func optString(_ i: Int32) throws -> String? {
        lua.isNoneOrNil(i) ? nil : try string(i)
    }

    public func dtype(_ i: Int32) throws -> DType? {
        guard let s = try optString(i) else { return nil }
        guard let d = DType(name: s) else { throw error(i, "unknown dtype '\(s)' (expected float64, float32 or int64)") }
        return d
    }

    public func isTable(_ i: Int32) -> Bool { lua.type(i) == LUA_TTABLE }

    /// A field of an options table at i (nil if absent or if there is no table).
    public func option(_ i: Int32, _ key: String) -> Int32? {
        guard isTable(i) else { return nil }
        let t = lua.rawField(i, key)
        if t == LUA_TNIL { lua.pop(); return nil }
        return lua.top  // caller pops
    }

    public func optBoolField(_ i: Int32, _ key: String, _ def: Bool) throws -> Bool {
        guard let at = option(i, key) else { return def }
        defer { lua.pop() }
        guard lua.type(at) == LUA_TBOOLEAN else { throw error(i, "option '\(key)' must be a boolean, got \(lua.typeName(at))") }
        return lua.toBool(at)
    }

    public func optNumberField(_ i: Int32, _ key: String) throws -> Double? {
        guard let at = option(i, key) else { return nil }
        defer { lua.pop() }
        guard let v = lua.toNumber(at) else { throw error(i, "option '\(key)' must be a number, got \(lua.typeName(at))") }
        return v
    }

    /// An integer field of an options table (nil if absent); floats must be integral.
    public func optIntField(_ i: Int32, _ key: String) throws -> Int? {
        guard let at = option(i, key) else { return nil }
        defer { lua.pop() }
        guard let v = lua.toInteger(at) else { throw error(i, "option '\(key)' must be an integer, got \(lua.type(at) == LUA_TNUMBER ? lua.describe(at) : lua.typeName(at))") }
        return v
    }

    /// A string field of an options table (nil if absent).
    public func optStringField(_ i: Int32, _ key: String) throws -> String? {
        guard let at = option(i, key) else { return nil }
        defer { lua.pop() }
        guard let v = lua.toString(at) else { throw error(i, "option '\(key)' must be a string, got \(lua.typeName(at))") }
        return v
    }

    /// A string option naming one case of E (its raw values); an error lists the valid names.
    public func optEnumField<E: RawRepresentable & CaseIterable>(_ i: Int32, _ key: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let s = try optStringField(i, key) else { return nil }
        guard let v = E(rawValue: s) else {
            throw error(i, "\(key) must be " + E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ") + ", got \"\(s)\"")
        }
        return v
    }

    /// Calls `body(k, index)` for each entry of the Lua list at i (k is 1-based; the entry is at
    /// stack `index` during the call and popped after).
    public func eachItem(_ i: Int32, _ body: (Int, Int32) throws -> Void) throws {
        let t = lua_absindex(lua.L, i)
        let n = lua.rawLength(t)
        for k in 1...max(n, 1) where k <= n {
            lua.rawIndex(t, k)
            defer { lua.pop() }
            try body(k, lua.top)
        }
    }

    /// A list of integers: a Lua sequence, or numbers as separate arguments starting at i.
    public func intList(_ i: Int32, what: String = "shape") throws -> [Int] {
        if isTable(i) {
            let n = lua.rawLength(i)
            var out: [Int] = []
            out.reserveCapacity(n)
            for k in 1...max(n, 1) where k <= n {
                lua.rawIndex(i, k)
                defer { lua.pop() }
                guard let v = lua.toInteger(-1) else {
                    throw error(i, "\(what) entry \(k) must be an integer, got \(lua.type(-1) == LUA_TNUMBER ? lua.describe(-1) : lua.typeName(-1))")
                }
                out.append(v)
            }
            return out
        }
        if lua.type(i) == LUA_TNUMBER {
            var out: [Int] = []
            var k = i
            while k <= count && lua.type(k) == LUA_TNUMBER { out.append(try integer(k)); k += 1 }
            return out
        }
        throw expected(i, "\(what) table")
    }

    // MARK: userdata

    public func tensor(_ i: Int32) throws -> Tensor {
        guard let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor else { throw expected(i, "tensor") }
        return t
    }

    public func optTensor(_ i: Int32) throws -> Tensor? { lua.isNoneOrNil(i) ? nil : try tensor(i) }

    /// A tensor, or a Lua number made into a 0-d tensor that combines with `like`.
    public func tensorOrNumber(_ i: Int32, like: Tensor) throws -> Tensor {
        if let v = lua.toNumber(i) {
            if lua.isInteger(i) && like.dtype == .int64 { return try Tensor(scalar: Int64(lua.toInteger(i) ?? 0)) }
            return try Tensor.scalar(v, like: like)
        }
        guard let t = try Userdata.object(lua, i, Userdata.tensor) as? Tensor else { throw expected(i, "tensor or number") }
        return t
    }

    public func model(_ i: Int32) throws -> GenerativeModel {
        guard let m = try Userdata.anyModel(lua, i) else { throw expected(i, "model (ouro.models.*)") }
        return m
    }

    public func rng(_ i: Int32) throws -> RNG {
        guard let g = try Userdata.object(lua, i, Userdata.rng) as? RNG else { throw expected(i, "generator (ouro.rng)") }
        return g
    }
}

/// Userdata that box a retained Swift object. The block holds one pointer, cleared by `__gc`
/// (idempotent); a cleared block reads as "freed", never as a dangling object.
public enum Userdata {
    public static let tensor = "ouro.Tensor"
    public static let rng = "ouro.RNG"
    public static let model = "ouro.Model"

    /// A model at i, whichever class it was pushed as (the generic model, or a model with methods
    /// of its own such as the GPT); nil if it is something else.
    static func anyModel(_ lua: Lua, _ i: Int32) throws -> GenerativeModel? {
        try (object(lua, i, model) ?? object(lua, i, GPTBindings.kind)) as? GenerativeModel
    }

    /// Pushes a model with the class that has its methods.
    static func pushModel(_ lua: Lua, _ m: GenerativeModel) {
        push(lua, m, kind: m is GPTModel ? GPTBindings.kind : model)
    }
    public static let pool = "ouro.Pool"

    /// Pushes a new userdata for `obj` with the metatable registered under `kind`.
    public static func push(_ lua: Lua, _ obj: AnyObject, kind: String) {
        guard let raw = ouro_lua_newuserdata(lua.L, MemoryLayout<UnsafeMutableRawPointer?>.size) else { return }
        raw.storeBytes(of: Unmanaged.passRetained(obj).toOpaque(), as: UnsafeMutableRawPointer?.self)
        luaL_setmetatable(lua.L, kind)
    }

    /// The object in the userdata at i if it has metatable `kind`; nil if it is something else.
    /// Throws if it is ours but already collected.
    static func object(_ lua: Lua, _ i: Int32, _ kind: String) throws -> AnyObject? {
        guard let raw = luaL_testudata(lua.L, i, kind) else { return nil }
        guard let p = raw.load(as: UnsafeMutableRawPointer?.self) else {
            throw LuaError("\(kind == tensor ? "tensor" : kind) has already been garbage-collected")
        }
        return Unmanaged<AnyObject>.fromOpaque(p).takeUnretainedValue()
    }

    /// `__gc`: releases the Swift object once; later calls do nothing.
    static func collect(_ lua: Lua, _ i: Int32, kind: String) {
        guard let raw = luaL_testudata(lua.L, i, kind) else { return }
        if let p = raw.load(as: UnsafeMutableRawPointer?.self) {
            raw.storeBytes(of: nil, as: UnsafeMutableRawPointer?.self)
            Unmanaged<AnyObject>.fromOpaque(p).release()
        }
    }
}
