import CLua
import CLuaBridge
import Foundation
import Tensor

/// A script failure: the message (with file:line) and the Lua traceback.
public struct ScriptError: Error, CustomStringConvertible {
    public let message: String
    public let traceback: String
    public var description: String { traceback.isEmpty ? message : traceback }
}

/// One binding as declared by a binding file: name, help text, body. Its Lua-callable forms are
/// made once with it, so that every host (a sweep makes one per task) pushes the same objects.
public final class Binding {
    public let name: String
    public let doc: String
    public let body: (Args) throws -> Int32
    let asFunction: LuaFunction, asMethod: LuaFunction
    public init(_ name: String, _ doc: String, _ body: @escaping (Args) throws -> Int32) {
        self.name = name; self.doc = doc; self.body = body
        asFunction = LuaFunction(name: name, doc: doc, isMethod: false, body: body)
        asMethod = LuaFunction(name: name, doc: doc, isMethod: true, body: body)
    }
}

/// The Lua host: a Lua 5.4 state with the standard libraries and the `ouro` API.
/// Swift calls into Lua only through lua_pcall; bindings never raise Lua errors themselves.
public final class LuaHost {
    public let L: OpaquePointer
    private var functions: [LuaFunction] = []
    /// Help text of every public binding, by qualified name ("ouro.tensor.zeros", "Tensor:sum"):
    /// made from the bindings registered when first asked for (a host made for one sweep task
    /// never asks; building it cost as much as the rest of the host).
    public var docs: [String: String] {
        if let d = docsMade { return d }
        var d: [String: String] = [:]
        for group in docGroups {
            for b in group.bindings where !(group.skipEmpty && b.doc.isEmpty) { d[group.prefix + b.name] = b.doc }
        }
        docsMade = d
        return d
    }
    private var docsMade: [String: String]?
    /// Bindings registered, with the prefix their names take in `docs` ("ouro.tensor.", "Tensor:").
    private var docGroups: [(prefix: String, bindings: [Binding], skipEmpty: Bool)] = []

    /// Adds bindings' help texts under prefix + name.
    func document(_ prefix: String, _ bindings: [Binding], skipEmpty: Bool = false) {
        docGroups.append((prefix, bindings, skipEmpty))
        docsMade = nil
    }
    var allocatedSinceGC = 0
    /// This host's interruption request (its own, beside the process's Ctrl-C): set while it runs
    /// code, so long Swift computations it started can be stopped without stopping other hosts.
    public private(set) var interruption: Interruption.Source!

    /// The tool's version (one constant, in the core).
    public static var version: String { Ouroboros.version }

    public init() throws {
        guard let L = ouro_bridge_newstate() else { throw ScriptError(message: "cannot create a Lua state (out of memory)", traceback: "") }
        self.L = L
        ouro_bridge_set_dispatch(swiftDispatch)
        guard ouro_bridge_openlibs(L) == LUA_OK else {
            lua_close(L)
            throw ScriptError(message: "cannot open the Lua standard libraries", traceback: "")
        }
        HostRegistry.register(self)
        ouro_bridge_watch(L)
        Interruption.process = { ouro_bridge_signalled() != 0 }
        interruption = Interruption.Source { ouro_bridge_interrupted(L) != 0 }
        installOuro()
        // Lua's own heap answers to the memory policy too: past it, allocations fail with Lua's
        // "not enough memory" error (which a script can catch) instead of the process being killed.
        ouro_bridge_set_memory_limit(L, MemoryPolicy.limitBytes)
        LuaHost.configureBLASThreads()
    }

    /// OpenBLAS splits large products differently with more threads, which changes the last
    /// bits of results (seen at n ≥ 300). For bit-for-bit reproducibility whatever the machine,
    /// BLAS runs on one thread unless OURO_BLAS_THREADS says otherwise; ouro parallelises across
    /// seeds instead.
    public static func configureBLASThreads() {
        let env = getenv("OURO_BLAS_THREADS").flatMap { Int(String(cString: $0)) }     // (not ProcessInfo: a copy of the whole environment per host)
        Linalg.setThreads(env ?? 1)
    }

    deinit {
        HostRegistry.unregister(self)
        ouro_bridge_unwatch(L)
        lua_close(L)
    }

    public var lua: Lua { Lua(L) }

    // MARK: registration

    /// Pushes a Lua function that runs `body`.
    func pushFunction(_ name: String, doc: String, isMethod: Bool = false, _ body: @escaping (Args) throws -> Int32) {
        push(LuaFunction(name: name, doc: doc, isMethod: isMethod, body: body))
    }

    /// Pushes a binding as a Lua function (or a method: errors then count arguments after self).
    func push(_ b: Binding, isMethod: Bool = false) {
        push(isMethod ? b.asMethod : b.asFunction)
    }

    private func push(_ f: LuaFunction) {
        functions.append(f)                                   // kept alive as long as this host
        ouro_bridge_push_function(L, Unmanaged.passUnretained(f).toOpaque())     // help(f) finds f.doc through it
    }

    /// Pushes a Lua function whose upvalue 2 is the value now on top of the stack (popped):
    /// bindings reach it at `lua_upvalueindex(2)`.
    func pushClosure(_ name: String, doc: String, _ body: @escaping (Args) throws -> Int32) {
        let f = LuaFunction(name: name, doc: doc, isMethod: false, body: body)
        functions.append(f)
        ouro_bridge_push_function_upvalue(L, Unmanaged.passUnretained(f).toOpaque())
    }

    /// Creates a table of functions at the top of the stack.
    func pushLibrary(_ prefix: String, _ bindings: [Binding]) {
        lua.newTable(nrec: bindings.count)
        for b in bindings {
            push(b)
            lua.setRawField(-2, b.name)
        }
        document(prefix + ".", bindings)
    }

    /// Registers a userdata class: a locked metatable named `kind` with `__gc`, `__name`,
    /// methods reachable through `__index` (a table, or `index` for custom lookup) and metamethods.
    /// Plugin folders added with ouro.add_plugin_dir (this host's only).
    var pluginDirs: [String] = []

    /// Every userdata class registered, as (metatable name, the name its methods are documented
    /// under): what help() and the docs walk.
    private(set) var classes: [(kind: String, display: String)] = []

    func registerClass(kind: String, display: String, methods: [Binding], meta: [Binding], index: Binding? = nil) {
        classes.append((kind, display))
        _ = luaL_newmetatable(L, kind)
        lua.push(kind); lua.setRawField(-2, "__name")
        lua.push(display); lua.setRawField(-2, "__metatable")
        pushFunction("__gc", doc: "") { a in Userdata.collect(a.lua, 1, kind: kind); return 0 }
        lua.setRawField(-2, "__gc")
        for m in meta {
            push(m)
            lua.setRawField(-2, m.name)
        }
        document(display + ":", meta, skipEmpty: true)
        lua.newTable(nrec: methods.count)
        for m in methods {
            push(m, isMethod: true)
            lua.setRawField(-2, m.name)
        }
        document(display + ":", methods)
        if let index {
            lua.setRawField(-2, "__methods")
            push(index)
            document(display + ":", [index])
        }
        lua.setRawField(-2, "__index")
        lua.pop()
    }

    // MARK: the ouro table

    private func installOuro() {
        Sources.install(lua)
        lua.newTable()
        lua.push(LuaHost.version); lua.setRawField(-2, "version")
        TensorBindings.install(self)
        lua.setRawField(-2, "tensor")
        RNGBindings.install(self)
        lua.setRawField(-2, "rng")
        pushLibrary("ouro.linalg", LinalgBindings.functions)
        lua.setRawField(-2, "linalg")
        ModelBindings.install(self)
        lua.setRawField(-2, "models")
        pushLibrary("ouro.data", DataBindings.functions + [TextBindings.text, TextBindings.documentsFactory])
        lua.setRawField(-2, "data")
        TextBindings.install(self)
        lua.setRawField(-2, "text")
        pushLibrary("ouro.image", ImageBindings.functions)
        lua.setRawField(-2, "image")
        LoopBindings.install(self)
        pushLibrary("ouro.theory", TheoryBindings.functions)
        lua.setRawField(-2, "theory")
        NNBindings.install(self)
        pushLibrary("ouro.nn", NNBindings.nn)
        lua.setRawField(-2, "nn")
        pushLibrary("ouro.optim", NNBindings.optim)
        lua.setRawField(-2, "optim")
        let top = UtilBindings.functions + ScriptArgumentBindings.functions + AutogradBindings.functions + LoopBindings.functions + PlotBindings.functions + PluginBindings.functions + Help.functions
        for b in top {
            push(b)
            lua.setRawField(-2, b.name)
        }
        document("ouro.", top)
        // global `ouro`, and package.loaded.ouro so that require "ouro" works
        lua_pushvalue(L, -1)
        lua_setglobal(L, "ouro")
        lua_getglobal(L, "package")
        if lua_type(L, -1) == LUA_TTABLE {
            lua.rawField(-1, "loaded")
            if lua_type(L, -1) == LUA_TTABLE { lua_pushvalue(L, -3); lua.setRawField(-2, "ouro") }
            lua.pop()
        }
        lua.pop(2)
        PluginBindings.install(self)
    }

    // MARK: running code

    /// Runs a script file with `args` as the global `arg` (arg[0] = path) and as `...`.
    public func run(file path: String, args: [String] = []) throws {
        lua.newTable()
        lua.push(path); lua.setRawIndex(-2, 0)
        for (i, a) in args.enumerated() { lua.push(a); lua.setRawIndex(-2, i + 1) }
        ouro_lua_pushglobaltable(L)      // set _G.arg raw: a user metatable on _G must not run here
        lua_rotate(L, -2, 1)
        lua.setRawField(-2, "arg")
        lua.pop()
        ouro_bridge_push_traceback_handler(L)
        let handler = lua.top
        defer { lua_settop(L, handler - 1) }
        guard luaL_loadfilex(L, path, "t") == LUA_OK else {
            let msg = lua.toString(-1) ?? "cannot load \(path)"
            throw ScriptError(message: msg, traceback: "")
        }
        for a in args { lua.push(a) }
        try call(nargs: Int32(args.count), handler: handler)
    }

    /// Runs a chunk of Lua source and returns the values it returned, described as strings.
    @discardableResult
    public func run(string code: String, chunkName: String = "=(string)") throws -> [String] {
        ouro_bridge_push_traceback_handler(L)
        let handler = lua.top
        defer { lua_settop(L, handler - 1) }
        let bytes = Array(code.utf8)
        let status = bytes.withUnsafeBufferPointer { b in
            b.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(b.count, 1)) {
                luaL_loadbufferx(L, $0, b.count, chunkName, "t")
            }
        }
        guard status == LUA_OK else {
            throw ScriptError(message: lua.toString(-1) ?? "syntax error", traceback: "")
        }
        try call(nargs: 0, handler: handler)
        return (handler + 1 ..< lua.top + 1).map { lua.describe($0) }
    }

    /// lua_pcall with this host's interruption source set on the calling thread.
    func protectedCall(nargs: Int32, nresults: Int32, handler: Int32) -> Int32 {
        Interruption.with(interruption) { ouro_bridge_pcall(L, nargs, nresults, handler) }
    }

    /// Set by a binding that ends the script on purpose without a failure (ouro.args after
    /// printing --help): the error that unwinds the script is then not reported.
    var endQuietly = false

    private func call(nargs: Int32, handler: Int32) throws {
        endQuietly = false
        let status = protectedCall(nargs: nargs, nresults: LUA_MULTRET, handler: handler)
        if status != LUA_OK && endQuietly { endQuietly = false; return }
        if status != LUA_OK {
            let tb = lua.describe(-1)
            let first = tb.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? tb
            throw ScriptError(message: first, traceback: tb)
        }
    }

    /// Called when a binding returns a tensor. Lua's collector cannot see tensor memory, so once
    /// 1 MiB of tensors (or 8× the Lua heap, whichever is more, which keeps the collection's cost
    /// — about 5 µs for a fresh host — amortised) has been handed out since the last collection,
    /// the trampoline runs one. Dead tensors' buffers then go back to the buffer cache while
    /// still warm in the CPU caches, and are reused without page faults.
    func noteAllocation(_ bytes: Int) {
        allocatedSinceGC += bytes
        if allocatedSinceGC > max(1 << 20, 8 * ouro_bridge_memory_used(L)) {
            allocatedSinceGC = 0
            ouro_bridge_request_gc()
        }
    }
}

/// Maps lua_States back to their host (for bindings that need host services).
enum HostRegistry {
    nonisolated(unsafe) private static var hosts: [OpaquePointer: Unmanaged<LuaHost>] = [:]
    private static let lock = NSLock()
    static func register(_ h: LuaHost) { lock.lock(); hosts[h.L] = Unmanaged.passUnretained(h); lock.unlock() }
    static func unregister(_ h: LuaHost) { lock.lock(); hosts[h.L] = nil; lock.unlock() }
    /// The host of a state or of any of its coroutines.
    static func host(_ L: OpaquePointer) -> LuaHost? {
        lua_rawgeti(L, ouro_lua_registryindex(), lua_Integer(LUA_RIDX_MAINTHREAD))
        let main = lua_tothread(L, -1)
        ouro_lua_pop(L, 1)
        lock.lock(); defer { lock.unlock() }
        return main.flatMap { hosts[$0]?.takeUnretainedValue() }
    }
}

extension LuaHost {
    /// "Lua 5.4.x" as reported by the linked library.
    public static var luaVersion: String { String(cString: ouro_lua_release()) }
}
