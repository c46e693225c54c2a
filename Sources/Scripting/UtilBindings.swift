import CLua
import Foundation

/// Small utilities in the `ouro` table.
enum UtilBindings {
    static let functions: [Binding] = [
        Binding("timeit", "ouro.timeit(fn, ...) — calls fn(...) and returns the wall time in seconds followed by fn's results; errors in fn propagate unchanged.") { a in
            guard a.lua.type(1) == LUA_TFUNCTION else { throw a.expected(1, "function") }
            let nargs = a.count - 1
            let base = a.count
            try a.lua.reserve(Int(nargs) + 2)
            lua_pushvalue(a.lua.L, 1)
            for k in 0..<nargs { lua_pushvalue(a.lua.L, 2 + k) }
            let t0 = DispatchTime.now().uptimeNanoseconds
            try a.lua.pcall(nargs: nargs, nresults: LUA_MULTRET)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let nres = a.count - base
            a.lua.push(dt)
            lua_rotate(a.lua.L, base + 1, 1)
            return nres + 1
        },
    ]
}
