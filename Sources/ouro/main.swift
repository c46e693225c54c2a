import ArgumentParser
import Foundation
import Scripting
import Tensor

/// The `ouro` command line. Exit status: 0 success, 1 script error, 2 usage error.
struct Ouro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ouro",
        abstract: "Ouroboros: self-consuming training loops, scripted in Lua.",
        subcommands: [Run.self, Version.self, Bench.self])
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
