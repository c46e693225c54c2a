import CProcess
import ArgumentParser
import Foundation
import Scripting
import Tensor

/// The `ouro` command line. Exit status: 0 success, 1 script error, 2 usage error.
struct Ouro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ouro",
        abstract: "Ouroboros: self-consuming training loops, scripted in Lua.",
        discussion: "Plain `ouro` on a terminal opens the REPL. The Lua API is described binding by binding: `ouro docs` lists the names, `ouro docs NAME` prints one (the text help(x) shows in the REPL), `ouro docs --markdown` all of them.",
        subcommands: [Run.self, SweepCommand.self, ReportCommand.self, ReplCommand.self, Docs.self, Plugins.self, Version.self, Bench.self])
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

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "An interactive Lua session with the ouro API (plain `ouro` on a terminal starts one too).",
        discussion: "On a terminal: line editing, history (Ctrl-R searches it), Tab completion, help(x); Ctrl-C interrupts what runs, Ctrl-D quits. With stdin from a file or pipe, the chunks are run without prompts: `echo 'print(1+1)' | ouro repl` prints 2; exit status 1 if a chunk failed.")

    @Option(name: .customShort("i"), help: "Run this script first, then stay in the session.") var script: String?
    @Argument(parsing: .captureForPassthrough, help: "Arguments for the script (its `arg`).") var args: [String] = []

    func run() throws {
        let status = Repl.run(script: script, args: args)
        if status != 0 { throw ExitCode(status) }
    }
}

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the help text of a binding (the text help(x) shows in the REPL), or the whole API reference.")

    @Argument(help: "A name such as ouro.tensor.zeros, Tensor:sum or zeros.") var name: String?
    @Flag(help: "The whole reference as Markdown.") var markdown = false

    func run() throws {
        let host: LuaHost
        do { host = try LuaHost() } catch { throw ScriptFailure(message: "\(error)") }
        if let name {
            guard let text = host.helpText(forName: name) else { throw ScriptFailure(message: "no help for '\(name)' (ouro docs lists every name)") }
            print(text)
        } else if markdown {
            print(host.apiReference(), terminator: "")
        } else {
            for name in host.docs.keys.sorted() { print(name) }
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
/// It also picks OpenBLAS's kernels: a library older than the CPU does not recognise it and falls
/// back to its SSE3 ("Prescott") kernels, several times slower; OPENBLAS_CORETYPE names the best
/// family the CPU's flags support (the user's own setting wins).
func pinBLASThreadsAtLoad() {
    let env = ProcessInfo.processInfo.environment
    var changed = false
    if env["OPENBLAS_NUM_THREADS"] == nil {
        setenv("OPENBLAS_NUM_THREADS", env["OURO_BLAS_THREADS"] ?? "1", 1)
        changed = true
    }
    if env["OPENBLAS_CORETYPE"] == nil, let core = blasCoreType() {
        setenv("OPENBLAS_CORETYPE", core, 1)
        changed = true
    }
    if changed { execv("/proc/self/exe", CommandLine.unsafeArgv) }   // returns only on failure: then go on as we are
}

/// The OpenBLAS kernel family for this x86-64 CPU's flags, or nil (other CPUs: OpenBLAS decides).
func blasCoreType() -> String? {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
    let flags = Set(line.split(separator: " ").map(String.init))
    if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
    if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
    return nil
}
pinBLASThreadsAtLoad()
// A sweep's worker (LocalSweep sets OURO_SWEEP_PARENT) ends when its sweep does, even if the sweep
// is killed: no orphan goes on writing into a folder the next sweep will resume. SIGKILL, because
// it cannot be ignored (an inherited SIG_IGN would keep SIGTERM out) and the records survive it.
if let parent = ProcessInfo.processInfo.environment["OURO_SWEEP_PARENT"].flatMap(Int32.init),
   ouro_end_with_parent(SIGKILL, parent) != 0 {
    FileHandle.standardError.write(Data("ouro: the sweep that started this task (pid \(parent)) has ended\n".utf8))
    exit(1)
}
// A file-size limit (ulimit -f) makes write() fail with EFBIG, reported as an error, instead of a signal.
signal(SIGXFSZ, SIG_IGN)

// Plain `ouro` on a terminal opens the REPL.
if CommandLine.arguments.count == 1 && isatty(0) != 0 {
    exit(Repl.run(script: nil, args: []))
}

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
