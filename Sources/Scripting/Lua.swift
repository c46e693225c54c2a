import CLua
import CLuaBridge
import Foundation

/// An error a binding reports to Lua: the trampoline raises it with the caller's file:line.
public struct LuaError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Thrown when a Lua error object is already on top of the stack (from a failed lua_pcall
/// into user code): the trampoline re-raises that object unchanged.
struct LuaPropagate: Error {}

/// A thin, non-raising view of a lua_State for Swift bindings. Nothing here calls a Lua API
/// function that can longjmp, except through allocation, which the bridge's allocator never
/// fails while Swift runs.
public struct Lua {
    public let L: OpaquePointer

    public init(_ L: OpaquePointer) { self.L = L }

    public var top: Int32 { lua_gettop(L) }
    public func type(_ i: Int32) -> Int32 { lua_type(L, i) }
    public func typeName(_ i: Int32) -> String {
        if type(i) == LUA_TUSERDATA, let name = userdataName(i) { return name }
        return String(cString: ouro_lua_typename_at(L, i))
    }
    public func isNoneOrNil(_ i: Int32) -> Bool { ouro_lua_isnoneornil(L, i) != 0 }

    /// The `__name` of a userdata's metatable, if it has one (read raw, no metamethods run).
    func userdataName(_ i: Int32) -> String? {
        guard lua_getmetatable(L, i) != 0 else { return nil }
        defer { ouro_lua_pop(L, 2) }
        lua_pushstring(L, "__name")
        lua_rawget(L, -2)
        guard lua_type(L, -1) == LUA_TSTRING, let s = ouro_lua_tostring(L, -1) else { return nil }
        return String(cString: s)
    }

    // MARK: reading values

    public func toNumber(_ i: Int32) -> Double? {
        var ok: Int32 = 0
        let v = lua_tonumberx(L, i, &ok)
        return ok != 0 && type(i) == LUA_TNUMBER ? v : nil
    }

    public func toInteger(_ i: Int32) -> Int? {
        guard type(i) == LUA_TNUMBER else { return nil }
        var ok: Int32 = 0
        let v = lua_tointegerx(L, i, &ok)
        if ok != 0 { return Int(v) }
        return nil
    }

    public func isInteger(_ i: Int32) -> Bool { lua_isinteger(L, i) != 0 }

    public func toString(_ i: Int32) -> String? {
        guard type(i) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, i, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    /// A string's bytes exactly as Lua holds them (Lua strings are byte strings: invalid UTF-8 stays).
    public func toBytes(_ i: Int32) -> [UInt8]? {
        guard type(i) == LUA_TSTRING else { return nil }
        var len = 0
        guard let p = lua_tolstring(L, i, &len) else { return nil }
        return Array(UnsafeRawBufferPointer(start: p, count: len).bindMemory(to: UInt8.self))
    }

    /// Pushes bytes as a Lua string (NUL and invalid UTF-8 included).
    public func push<C: Collection>(bytes: C) where C.Element == UInt8 {
        let a = Array(bytes)
        a.withUnsafeBufferPointer { p in p.baseAddress.map { _ = lua_pushlstring(L, UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self), a.count) } ?? { _ = lua_pushlstring(L, "", 0) }() }
    }

    public func toBool(_ i: Int32) -> Bool { lua_toboolean(L, i) != 0 }

    /// A value described for messages, with __tostring honoured in protected mode.
    public func describe(_ i: Int32) -> String {
        var len = 0
        let p = ouro_bridge_tostring(L, i, &len)
        defer { ouro_lua_pop(L, 1) }
        guard let p else { return "?" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    /// Pushes t[key] without metamethods; returns its type.
    @discardableResult
    public func rawField(_ t: Int32, _ key: String) -> Int32 {
        let at = lua_absindex(L, t)
        lua_pushstring(L, key)
        return lua_rawget(L, at)
    }

    /// Pushes t[i] without metamethods; returns its type.
    @discardableResult
    public func rawIndex(_ t: Int32, _ i: Int) -> Int32 { lua_rawgeti(L, t, lua_Integer(i)) }

    public func rawLength(_ i: Int32) -> Int { Int(lua_rawlen(L, i)) }
    public func pop(_ n: Int32 = 1) { ouro_lua_pop(L, n) }

    // MARK: pushing values

    public func push(_ v: Double) { lua_pushnumber(L, v) }
    public func push(_ v: Int) { lua_pushinteger(L, lua_Integer(v)) }
    public func push(_ v: Int64) { lua_pushinteger(L, lua_Integer(v)) }
    public func push(_ v: Bool) { lua_pushboolean(L, v ? 1 : 0) }
    public func push(_ v: String) { _ = v.withCString { lua_pushlstring(L, $0, strlen($0)) } }
    public func pushNil() { lua_pushnil(L) }
    /// A new table with room for `narr` list and `nrec` other entries (hints, clamped to Lua's range).
    public func newTable(narr: Int = 0, nrec: Int = 0) {
        lua_createtable(L, Int32(clamping: max(narr, 0)), Int32(clamping: max(nrec, 0)))
    }

    /// Sets t[key] = top (raw), popping the value.
    public func setRawField(_ t: Int32, _ key: String) {
        let at = lua_absindex(L, t)
        lua_pushstring(L, key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, at)
    }

    /// Sets t[i] = top (raw), popping the value.
    public func setRawIndex(_ t: Int32, _ i: Int) {
        let at = lua_absindex(L, t)
        lua_rawseti(L, at, lua_Integer(i))
    }

    /// Makes sure `n` more slots fit on the stack.
    public func reserve(_ n: Int) throws {
        guard lua_checkstack(L, Int32(n)) != 0 else { throw LuaError("Lua stack overflow (result too large or nested too deeply)") }
    }

    /// Calls the function at `fn` with the given number of arguments already pushed after it,
    /// in protected mode. On error the error object is left on the stack and LuaPropagate thrown,
    /// so the trampoline re-raises exactly what the user code raised.
    public func pcall(nargs: Int32, nresults: Int32) throws {
        let status = ouro_bridge_pcall(L, nargs, nresults, 0)
        if status != LUA_OK { throw LuaPropagate() }
    }
}
