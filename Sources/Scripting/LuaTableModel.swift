import CLua
import Foundation
import Models
import Tensor

/// A generative model written in Lua: a table with `fit(self, data, ctx)`, `sample(self, n, ctx)`
/// and `evaluate(self, test, ctx) → {name = value}` (and optionally `name`), run by the loop like
/// a built-in model through the `GenerativeModel` protocol — records, resume and plots included.
/// `ctx.rng` is the generator the loop derives from (seed, generation): a model that draws
/// everything (initial weights, batch order, samples) from it is reproducible bit for bit.
/// Calls go through the loop's gate, so Lua models of different seeds run one at a time.
final class LuaTableModel: GenerativeModel {
    let gate: LuaGate
    let store: LuaValueStore
    let id: Int
    let family: String
    /// Builds another table like this one (the loop's model function, with this seed).
    let remake: () throws -> GenerativeModel

    init(gate: LuaGate, store: LuaValueStore, id: Int, family: String, remake: @escaping () throws -> GenerativeModel) {
        self.gate = gate; self.store = store; self.id = id; self.family = family; self.remake = remake
    }

    deinit { store.release(id) }

    var configuration: [String: String] { ["family": family, "kind": "lua table"] }

    func fresh() throws -> GenerativeModel { try remake() }

    func fit(_ data: Tensor) throws { try fit(data, rng: RNG(seed: 0)) }

    func fit(_ data: Tensor, rng: RNG) throws {
        try call("fit", data, rng: rng, results: 0) { _ in }
    }

    func sample(_ n: Int, rng: RNG) throws -> Tensor {
        try call("sample", n, rng: rng, results: 1) { lua in
            guard let t = try Userdata.object(lua, -1, Userdata.tensor) as? Tensor else {
                throw LuaError("\(family): sample must return a tensor of \(n) rows, got \(lua.typeName(-1))")
            }
            guard t.rank == 2, t.shape[0] == n else {
                throw LuaError("\(family): sample(\(n)) returned shape \(describeShape(t.shape)), expected \(n) rows (n × d)")
            }
            return t
        }
    }

    func logProb(_ x: Tensor) throws -> Tensor {
        throw ModelError("\(family): a model written in Lua has no log-density (report what you need from evaluate)")
    }

    func evaluate(_ test: Tensor) throws -> [Metric] {
        try call("evaluate", test, rng: RNG(seed: 0), results: 1) { lua in
            try LoopBindings.metricTable(lua, -1, what: "\(family).evaluate")
        }
    }

    /// Calls self:method(arg, {rng = rng}) and hands the stack to `read`.
    private func call<R>(_ method: String, _ arg: Any, rng: RNG, results: Int32, _ read: (Lua) throws -> R) throws -> R {
        guard !store.isClosed else { throw LuaError("\(family): this Lua model belonged to a loop that has finished; it can no longer be called") }
        return try gate.call { lua in
            store.push(lua, id)
            guard lua.type(-1) == LUA_TTABLE else { throw LuaError("\(family): the model's table is gone") }
            lua.rawField(-1, method)
            guard lua.type(-1) == LUA_TFUNCTION else { throw LuaError("\(family): the model table has no '\(method)' function") }
            lua_pushvalue(lua.L, -2)
            if let t = arg as? Tensor { Userdata.push(lua, t, kind: Userdata.tensor) } else { lua.push(arg as? Int ?? 0) }
            lua.newTable(nrec: 1)
            Userdata.push(lua, rng, kind: Userdata.rng); lua.setRawField(-2, "rng")
            try lua.protectedCall(nargs: 3, nresults: results, what: "\(family).\(method)")
            return try read(lua)
        }
    }
}

/// Lua values a Swift object holds for a while (the tables of Lua models), kept in one registry
/// table and dropped when their holder goes — from any thread: releases are queued and applied
/// the next time the store is used from Lua, and everything goes at `close`.
final class LuaValueStore: @unchecked Sendable {
    private let key = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private let lock = NSLock()
    private var next = 1
    private var released: [Int] = []
    private var closed = false

    init(_ lua: Lua) {
        lua.newTable()
        lua_rawsetp(lua.L, ouro_lua_registryindex(), UnsafeRawPointer(key))
    }

    /// Stores the value at `i` and returns its id (call with the interpreter held).
    func add(_ lua: Lua, _ i: Int32) -> Int {
        let at = lua_absindex(lua.L, i)
        lua_rawgetp(lua.L, ouro_lua_registryindex(), UnsafeRawPointer(key))
        flush(lua, tableAt: -1)
        lock.lock(); let id = next; next += 1; lock.unlock()
        guard lua.type(-1) == LUA_TTABLE else { lua.pop(); return id }
        lua_pushvalue(lua.L, at)
        lua_rawseti(lua.L, -2, lua_Integer(id))
        lua.pop()
        return id
    }

    /// Pushes the value stored under `id` (nil once released).
    func push(_ lua: Lua, _ id: Int) {
        lua_rawgetp(lua.L, ouro_lua_registryindex(), UnsafeRawPointer(key))
        flush(lua, tableAt: -1)
        guard lua.type(-1) == LUA_TTABLE else { lua.pop(); lua.pushNil(); return }
        lua_rawgeti(lua.L, -1, lua_Integer(id))
        lua_rotate(lua.L, -2, 1)
        lua.pop()
    }

    var isClosed: Bool { lock.lock(); defer { lock.unlock() }; return closed }

    func release(_ id: Int) {
        lock.lock(); defer { lock.unlock() }
        if !closed { released.append(id) }
    }

    private func flush(_ lua: Lua, tableAt i: Int32) {
        lock.lock(); let ids = released; released = []; lock.unlock()
        guard lua.type(i) == LUA_TTABLE else { return }
        let at = lua_absindex(lua.L, i)
        for id in ids { lua_pushnil(lua.L); lua_rawseti(lua.L, at, lua_Integer(id)) }
    }

    /// Drops every stored value (the objects holding ids must not be used from Lua afterwards).
    func close(_ lua: Lua) {
        lock.lock(); closed = true; released = []; lock.unlock()
        lua_pushnil(lua.L)
        lua_rawsetp(lua.L, ouro_lua_registryindex(), UnsafeRawPointer(key))
    }
}
