import Foundation
import Scripting
import Tensor
import Testing

/// Runs every Tests/lua/*.lua through the host, the way users run scripts.
enum LuaFiles {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("lua")
    static var all: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".lua") }.sorted()
    }
}

@Suite struct LuaScriptTests {
    @Test func luaTestFilesExist() {
        #expect(LuaFiles.all.count >= 5, "Tests/lua should hold the Lua test files")
    }

    @Test(arguments: LuaFiles.all)
    func luaFile(_ name: String) throws {
        let host = try LuaHost()
        try host.run(file: LuaFiles.dir.appendingPathComponent("support/prelude.lua").path)
        do {
            try host.run(file: LuaFiles.dir.appendingPathComponent(name).path)
        } catch let e as ScriptError {
            Issue.record("\(name) failed:\n\(e.traceback)")
        }
    }

    /// Plugin folders belong to the host that added them: another host in the same process (the
    /// Lua files above run in parallel) never discovers them.
    @Test func pluginFoldersAreEachHostsOwn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-plugdir-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "return {name = 5}".write(toFile: dir + "/broken.lua", atomically: true, encoding: .utf8)
        let a = try LuaHost(), b = try LuaHost()
        try a.run(string: "ouro.add_plugin_dir('\(dir)')")
        #expect(throws: ScriptError.self) { try a.run(string: "ouro.plugins()") }
        try b.run(string: "assert(#ouro.plugins() >= 0)")
    }

    @Test func errorsCarryFileAndLineAndTheHostSurvives() throws {
        let host = try LuaHost()
        do {
            try host.run(string: "local x = ouro.tensor.zeros({2})\nreturn x + ouro.tensor.zeros({3})", chunkName: "@probe.lua")
            Issue.record("expected an error")
        } catch let e as ScriptError {
            #expect(e.message.hasPrefix("probe.lua:2: +: shapes 2 and 3 cannot be broadcast"), "\(e.message)")
            #expect(e.traceback.contains("stack traceback"))
        }
        let out = try host.run(string: "return (ouro.tensor.ones({2}) * 3):sum()")
        #expect(out == ["6.0"])
    }

    @Test func docsCoverEveryBinding() throws {
        let host = try LuaHost()
        for key in ["ouro.tensor.zeros", "ouro.linalg.cholesky", "Tensor:sum", "RNG:normal", "ouro.rng", "ouro.timeit"] {
            #expect(!(host.docs[key] ?? "").isEmpty, "no help text for \(key)")
        }
        #expect(host.docs.values.allSatisfy { !$0.isEmpty })
    }

    @Test func hostRunsBLASOnOneThreadByDefault() throws {
        guard ProcessInfo.processInfo.environment["OURO_BLAS_THREADS"] == nil else { return }
        _ = try LuaHost()
        #expect(Linalg.threads == 1)
    }

    @Test func manyTensorsAreCollected() throws {
        // 400 × 8 MB would be 3.2 GB if tensor memory were invisible to Lua's collector.
        let host = try LuaHost()
        try host.run(string: "local x = ouro.tensor.ones({1000000}); for i = 1, 400 do local y = x + i end")
        #expect(MemoryPolicy.liveBytes < 1 << 30)
    }
}
