import ArgumentParser
import Foundation
import Scripting
import Tensor

/// The `ouro` command line. Exit status: 0 success, 1 script error, 2 usage error.
struct Ouro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ouro",
        abstract: "Ouroboros: self-consuming training loops, scripted in Lua.",
        subcommands: [Run.self, Version.self, Bench.self, Plugins.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a Lua script; extra arguments reach it as `arg` and `...`.")

    @Argument(help: "The Lua script to run.") var script: String
    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script.") var args: [String] = []

    func run() throws {
        let host: LuaHost
        do { host = try LuaHost() } catch { throw ScriptFailure(message: "\(error)") }
        do {
            try host.run(file: script, args: args)
        } catch let e as ScriptError {
            throw ScriptFailure(message: e.description)
        }
    }
}

struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the plugins found (./plugins, $OURO_PLUGIN_PATH, the per-user directory), or show one's parameters.")

    @Argument(help: "A plugin name: show its parameters and defaults.") var name: String?

    func run() throws {
        let host: LuaHost
        do { host = try LuaHost() } catch { throw ScriptFailure(message: "\(error)") }
        let listing = name == nil ? Plugins.listAll : Plugins.showOne
        do {
            _ = try host.run(string: listing.replacingOccurrences(of: "NAME", with: (name ?? "").debugDescription), chunkName: "=plugins")
        } catch let e as ScriptError {
            throw ScriptFailure(message: e.message)
        }
    }

    static let listAll = """
        local list = ouro.plugins()
        if #list == 0 then print("no plugins found (looked in ./plugins, $OURO_PLUGIN_PATH and the per-user directory)") end
        for _, p in ipairs(list) do
          print(string.format("%-22s %-9s %s\\n%22s %s", p.name, p.kind, p.description or "", "", p.file))
        end
        """

    static let showOne = """
        local name = NAME
        for _, p in ipairs(ouro.plugins()) do
          if p.name == name then
            print(p.name .. " (" .. p.kind .. ", " .. p.file .. ")")
            print(p.description or "")
            local keys = {}
            for k in pairs(p.params or {}) do keys[#keys + 1] = k end
            table.sort(keys)
            if #keys > 0 then print("parameters:") end
            for _, k in ipairs(keys) do
              local spec = p.params[k]
              print(string.format("  %-16s default %-12s %s", k, tostring(spec.default), spec.doc or ""))
            end
            return
          end
        end
        error("no plugin named '" .. name .. "' (run `ouro plugins` for the list)", 0)
        """
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version of ouro and of the libraries it uses.")
    func run() {
        print("ouro \(LuaHost.version) (\(LuaHost.luaVersion), OpenBLAS \(Linalg.threads) threads)")
    }
}

/// A script failed: its message is already formatted (file:line, traceback).
struct ScriptFailure: Error { let message: String }


/// OpenBLAS starts its thread pool when the library loads, from OPENBLAS_NUM_THREADS; idle pool
/// threads spin and steal the second core from ouro's own seed workers. So ouro sets the
/// variable (from OURO_BLAS_THREADS, default 1) and re-executes itself once, before doing anything.
func pinBLASThreadsAtLoad() {
    let env = ProcessInfo.processInfo.environment
    guard env["OPENBLAS_NUM_THREADS"] == nil else { return }
    setenv("OPENBLAS_NUM_THREADS", env["OURO_BLAS_THREADS"] ?? "1", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)    // returns only on failure: then go on as we are
}
pinBLASThreadsAtLoad()

// Parse and run by hand so that usage errors exit with 2 and script errors with 1.
do {
    var command = try Ouro.parseAsRoot()
    do {
        try command.run()
        exit(0)
    } catch let f as ScriptFailure {
        FileHandle.standardError.write(Data(("ouro: " + f.message + "\n").utf8))
        exit(1)
    } catch {
        let code = Ouro.exitCode(for: error)
        if code == .success { print(Ouro.fullMessage(for: error)); exit(0) }
        FileHandle.standardError.write(Data((Ouro.fullMessage(for: error) + "\n").utf8))
        exit(1)
    }
} catch {
    let code = Ouro.exitCode(for: error)
    if code == .success {
        print(Ouro.fullMessage(for: error))
        exit(0)
    }
    FileHandle.standardError.write(Data((Ouro.fullMessage(for: error) + "\n" + Ouro.helpMessage() + "\n").utf8))
    exit(2)
}
