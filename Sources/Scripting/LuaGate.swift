import CLua
import CLuaBridge
import Foundation

/// Serialises calls into Lua from the loop's worker threads. Each OS thread gets its own Lua
/// thread state (created up front on the calling thread and anchored in the registry), and
/// every use holds one lock, so the interpreter only ever runs on one thread at a time.
final class LuaGate {
    private let lock = NSRecursiveLock()
    private let L: OpaquePointer
    private var free: [OpaquePointer] = []
    private var assigned: [ObjectIdentifier: OpaquePointer] = [:]
    private var anchorKey: UInt8 = 0
    /// The registry key of a table the gate's callers may read (e.g. the loop's configuration).
    let configKey = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// `count` thread states; the value on top of L's stack becomes the shared configuration.
    init(_ L: OpaquePointer, threads count: Int) {
        self.L = L
        lua_rawsetp(L, ouro_lua_registryindex(), UnsafeRawPointer(configKey))
        lua_createtable(L, Int32(count), 0)
        for i in 0..<count {
            guard let t = lua_newthread(L) else { continue }
            lua_rawseti(L, -2, lua_Integer(i + 1))
            ouro_bridge_watch(t)        // Ctrl-C reaches Lua callbacks running on worker threads
            free.append(t)
        }
        withUnsafeMutablePointer(to: &anchorKey) { lua_rawsetp(L, ouro_lua_registryindex(), UnsafeRawPointer($0)) }
    }

    /// Releases the thread states and the configuration for collection.
    func close() {
        lock.lock(); defer { lock.unlock() }
        for t in free + assigned.values { ouro_bridge_unwatch(t) }
        lua_pushnil(L)
        withUnsafeMutablePointer(to: &anchorKey) { lua_rawsetp(L, ouro_lua_registryindex(), UnsafeRawPointer($0)) }
        lua_pushnil(L)
        lua_rawsetp(L, ouro_lua_registryindex(), UnsafeRawPointer(configKey))
        configKey.deallocate()
    }

    /// Runs `body` with this thread's Lua state, the configuration table pushed at index 1 of a
    /// clean stack. The stack is restored afterwards.
    func call<R>(_ body: (Lua) throws -> R) throws -> R {
        lock.lock(); defer { lock.unlock() }
        let me = ObjectIdentifier(Thread.current)
        let state: OpaquePointer
        if let s = assigned[me] { state = s } else {
            guard let s = free.popLast() else { throw LuaError("internal: no Lua thread state left for a loop worker") }
            assigned[me] = s
            state = s
        }
        let top = lua_gettop(state)
        defer { lua_settop(state, top) }
        guard lua_checkstack(state, 32) != 0 else { throw LuaError("Lua stack overflow in a loop callback") }
        lua_rawgetp(state, ouro_lua_registryindex(), UnsafeRawPointer(configKey))
        return try body(Lua(state))
    }
}

extension Lua {
    /// Calls the function below `nargs` arguments at the top of the stack in protected mode with
    /// a traceback; on error throws its message (the loop reports it with seed and generation).
    func protectedCall(nargs: Int32, nresults: Int32, what: String) throws {
        let fn = top - nargs
        ouro_bridge_push_traceback_handler(L)
        ouro_lua_insert(L, fn)
        let status = ouro_bridge_pcall(L, nargs, nresults, fn)
        ouro_lua_remove(L, fn)
        if status != LUA_OK {
            let msg = describe(-1)
            pop()
            throw LuaError("\(what): \(msg)")
        }
    }
}
