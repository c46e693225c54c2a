import ArgumentParser
import Foundation
import Loop
import Report
import Scripting
import Sweep
import Tensor

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a script over a grid of arguments and seeds: on local workers, or as a Slurm job array.",
        discussion: """
        ouro sweep SCRIPT --grid 'd=1,3,10 n=10,100 workflow=replace,accumulate' --seeds 0-99 [--jobs N] [--out DIR] [-- NAME=VALUE …]
        runs every task as `ouro run SCRIPT NAME=VALUE … d=… n=… seed=… out=DIR/tasks/NNNN/out` would, each in a fresh interpreter \
        inside one of N worker processes, its output in DIR/tasks/NNNN/log (the script reads its arguments with ouro.args and \
        must declare every grid name, seed when --seeds is given, and out). Progress goes to stderr; every finished \
        task's metrics.csv rows are merged into DIR/metrics.csv with the grid's columns in front. Run the same command again to \
        resume: finished tasks are skipped, interrupted ones resume. A failed task does not stop the others.
        ouro sweep --status DIR lists done, running and failed tasks (with the failure's first line).
        ouro sweep SCRIPT … --slurm [--partition P --time T --cpus C --mem M] [--submit] writes DIR/slurm/tasks.sbatch (a job \
        array running `ouro sweep --task I DIR`) and DIR/slurm/merge.sbatch (`ouro sweep --merge DIR`, after the array), and \
        with --submit submits both.
        """)

    @Argument(help: "The script to sweep (or, with --task and --merge, the sweep folder).") var target: String?
    @Option(help: "The grid: name=v1,v2,… per dimension, separated by spaces.") var grid: String = ""
    @Option(help: "Seeds, e.g. 0-99 or 1,5,7 (each task gets one as seed=).") var seeds: String?
    @Option(help: "Local workers (default: the number of cores).") var jobs: Int?
    @Option(help: "The sweep folder (default runs/sweep-SCRIPTNAME).") var out: String?
    @Option(help: "Threads per task (OURO_OP_THREADS; default cores / jobs).") var threads: Int?
    @Option(help: "List the tasks of this sweep folder and their states.") var status: String?
    @Option(help: "Run task I of the sweep folder given as the argument (Slurm array elements do this).") var task: Int?
    @Option(help: "With --task: also run tasks I + stride, I + 2·stride, ….") var stride: Int?
    @Flag(help: "Merge the finished tasks' metrics of the sweep folder given as the argument.") var merge = false
    @Option(help: .hidden) var worker: String?
    @Flag(help: "Write Slurm batch scripts instead of running locally.") var slurm = false
    @Flag(help: "With --slurm: submit them with sbatch.") var submit = false
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Slurm time limit per task, e.g. 1:00:00.") var time: String?
    @Option(help: "Slurm CPUs per task (default 1).") var cpus: Int?
    @Option(help: "Slurm memory per task, e.g. 4G.") var mem: String?
    @Argument(parsing: .postTerminator, help: "Arguments for every task, after --.") var scriptArgs: [String] = []

    func run() throws {
        do { try dispatch() } catch let e as SweepError { throw ScriptFailure(message: e.description) }
    }

    func dispatch() throws {
        if let dir = status { return try showStatus(dir) }
        if let dir = worker { return try serveWorker(dir) }
        if let index = task {
            guard let dir = target else { throw SweepError("--task needs the sweep folder: ouro sweep --task I DIR") }
            return try runTasks(dir, index: index)
        }
        if merge {
            guard let dir = target else { throw SweepError("--merge needs the sweep folder: ouro sweep --merge DIR") }
            let folder = try SweepFolder(existing: dir)
            let lock = try folder.lock()
            defer { lock.release() }
            report(try SweepMerge.merge(folder), folder)
            print("report: " + (try HTMLReport.write(folder: folder.path)))
            return
        }
        guard let script = target else { throw SweepError("give the script to sweep: ouro sweep SCRIPT --grid '…' (see ouro sweep --help)") }
        let g = try SweepGrid(grid: grid, seeds: seeds)
        let name = URL(fileURLWithPath: script).deletingPathExtension().lastPathComponent
        let path = out ?? "runs/sweep-\(name)"
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let workers = max(1, jobs ?? cores), perWorker = threads ?? cores / workers
        // A local sweep's workers start now: their start-up overlaps the checks below.
        let started = slurm ? nil : try LocalSweep.startWorkers(min(workers, g.taskCount), folder: path, threads: perWorker) { dir in
            // a forked worker: what `ouro sweep --worker DIR` would do, and how it would end
            do { try serveWorker(dir) } catch {
                FileHandle.standardError.write(Data("ouro: \((error as? SweepError)?.description ?? "\(error)")\n".utf8))
                Glibc.exit(1)
            }
            Glibc.exit(0)
        }
        try validate(script: script, grid: g, workers: started)
        let folder = try SweepFolder(path: path, creating: SweepSpec(script: script, grid: g, arguments: scriptArgs))
        if slurm { return try writeSlurm(folder) }
        let lock = try folder.lock()
        defer { lock.release() }
        let tty = isatty(2) != 0
        let (summary, merged) = try LocalSweep(folder: folder, jobs: workers, threads: perWorker, started: started).runAndMerge { line, final in
            let text = tty ? "\r\u{1B}[K" + line + (final ? "\n" : "") : line + "\n"
            FileHandle.standardError.write(Data(text.utf8))
        }
        let result = try merged.get()
        report(result, folder)
        do { print("report: " + (try HTMLReport.write(folder: folder.path, metrics: result.table))) }
        catch { FileHandle.standardError.write(Data("ouro sweep: could not write the report: \(error)\n".utf8)) }
        if summary.failed > 0 {
            try showStatus(folder.path, onlyProblems: true)
            fflush(stdout)
            throw SweepError("\(summary.failed) of \(folder.spec.grid.taskCount) tasks failed; fix the cause and run the same command again to rerun them")
        }
    }

    /// Checks the grid against the script's own declarations (its --help-json, read by a worker
    /// already started, or by a child process): every name is an argument, every value one it
    /// accepts, and seed= and out= exist.
    func validate(script: String, grid g: SweepGrid, workers: LocalSweep.Workers?) throws {
        var json = try workers?.declaredArguments(of: script)
        if json == nil {
            let p = try ChildProcess(TaskRunner.ownExecutable, ["run", script, "--help-json"], pipeOutput: true, pipeErrors: true)
            let (data, e) = p.readAll()
            guard p.wait() == .exited(0) else {
                var why = String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if why.hasPrefix("ouro: ") { why.removeFirst("ouro: ".count) }
                throw SweepError("cannot read the arguments of '\(script)': \(why)")
            }
            json = String(decoding: data, as: UTF8.self)
        }
        let declared: ScriptArguments
        do { declared = try ScriptArguments(json: json ?? "") }
        catch { throw SweepError("'\(script)': \(error)") }
        var needed = g.dimensions.map { ($0.name, $0.values) } + [("out", ["x"])]
        if !g.seeds.isEmpty { needed.append(("seed", g.seeds.prefix(1).map(String.init))) }
        for (name, values) in needed {
            guard let a = declared.argument(name) else {
                let have = declared.arguments.map(\.name).joined(separator: ", ")
                throw SweepError("'\(script)' has no argument '\(name)' (it declares: \(have)); declare it with ouro.args to sweep over it")
            }
            for v in values {
                do { _ = try a.parse(v) } catch { throw SweepError("--grid: \(error)") }
            }
        }
    }

    func runTasks(_ dir: String, index: Int) throws {
        let folder = try SweepFolder(existing: dir)
        let tasks = folder.tasks, step = max(1, stride ?? tasks.count + 1)
        guard index >= 0, index < tasks.count else { throw SweepError("--task \(index): the sweep has tasks 0…\(tasks.count - 1)") }
        let env = ProcessInfo.processInfo.environment
        Parallel.threads = max(1, threads ?? env["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? 1)
        let runner = TaskRunner(folder: folder, execute: SweepCommand.execute)
        LoopRunner.writesReport = false                       // the merge job's report covers the tasks
        var failed = 0
        for i in Swift.stride(from: index, to: tasks.count, by: step) {
            let t = tasks[i]
            if folder.status(t) == .done { continue }
            if case .failed(let line) = try runner.run(t) {
                failed += 1
                FileHandle.standardError.write(Data("task \(t.index) failed: \(line)\n".utf8))
            }
        }
        if failed > 0 { throw SweepError("\(failed) task(s) failed") }
    }

    /// Runs a script as `ouro run` does, in a fresh Lua host; nil, or the failure's message.
    static func execute(_ script: String, _ arguments: [String]) -> String? {
        do {
            let host = try LuaHost()
            try host.run(file: script, args: arguments)
            return nil
        } catch let e as ScriptError {
            return e.description
        } catch {
            return "\(error)"
        }
    }

    /// A worker's answer to "arguments N" (then the script's path, N bytes): "ok N" and the
    /// script's --help-json, or "failed N" and why.
    func answerDeclaredArguments(_ line: String) throws {
        guard let n = Int(line.dropFirst("arguments ".count)), n >= 0, n <= 1 << 16 else { throw SweepError("worker: bad request '\(line)'") }
        var path = [UInt8](repeating: 0, count: n)
        guard fread(&path, 1, n, stdin) == n else { throw SweepError("worker: the script's path ended early") }
        let (status, text): (String, String)
        switch TaskRunner.declaredArguments(of: String(decoding: path, as: UTF8.self), execute: SweepCommand.execute) {
        case .success(let json): (status, text) = ("ok", json)
        case .failure(let e): (status, text) = ("failed", e.description)
        }
        fputs("\(status) \(text.utf8.count)\n\(text)", stdout)
        fflush(stdout)
    }

    /// `ouro sweep --worker DIR` (started by a local sweep): reads task indices from stdin, runs each
    /// (TaskRunner) and answers with its index on stdout once it has ended.
    func serveWorker(_ dir: String) throws {
        LoopRunner.writesReport = false                       // the sweep's own report covers its tasks
        var runner: TaskRunner?, tasks: [SweepTask] = []     // the folder is read at the first task: the
        while let line = readLine() {                         // worker may start before it is made
            if line.hasPrefix("arguments ") {                 // the sweep checking the script's arguments
                try answerDeclaredArguments(line)
                continue
            }
            if runner == nil {
                let r = TaskRunner(folder: try SweepFolder(existing: dir), execute: SweepCommand.execute)
                (runner, tasks) = (r, r.folder.tasks)
            }
            guard let r = runner, let i = Int(line), i >= 0, i < tasks.count else { throw SweepError("worker: no task '\(line)' in \(dir)") }
            try r.run(tasks[i])
            fputs("\(i)\n", stdout)
            fflush(stdout)
        }
    }

    func writeSlurm(_ folder: SweepFolder) throws {
        var r = SlurmSweep.Resources()
        r.partition = partition; r.time = time; r.mem = mem; r.cpus = max(1, cpus ?? 1); r.concurrent = jobs
        let s = SlurmSweep(folder: folder, resources: r)
        try s.write()
        print("wrote \(s.taskScript) (\(folder.spec.grid.taskCount) tasks in an array of \(s.arraySize)) and \(s.mergeScript)")
        if submit {
            let ids = try s.submit()
            print("submitted job array \(ids.array) and merge job \(ids.merge); follow with `ouro sweep --status \(folder.path)`")
        } else {
            print("submit with: jid=$(sbatch --parsable \(s.taskScript)) && sbatch --dependency=afterany:$jid \(s.mergeScript)")
        }
    }

    func report(_ m: SweepMerge.Result, _ folder: SweepFolder) {
        var text = "merged \(m.rows) rows of \(m.tasks) tasks into \(folder.path)/metrics.csv"
        if !m.unfinished.isEmpty { text += " (\(m.unfinished.count) tasks not done: \(m.unfinished.prefix(8).map(String.init).joined(separator: ", "))\(m.unfinished.count > 8 ? ", …" : ""))" }
        print(text)
    }

    func showStatus(_ dir: String, onlyProblems: Bool = false) throws {
        let folder = try SweepFolder(existing: dir)
        var done = 0, pending = 0, running = 0, failed = 0, lines: [String] = []
        for t in folder.tasks {
            let what = (zip(folder.spec.grid.dimensions, t.values).map { "\($0.name)=\($1)" } + (t.seed.map { ["seed=\($0)"] } ?? [])).joined(separator: " ")
            switch folder.status(t) {
            case .done: done += 1
            case .pending: pending += 1
            case .running(let host, let pid):
                if folder.status(t).isStale(sweep: folder.path) { lines.append("task \(t.index) interrupted (\(what)): was running on \(host) pid \(pid)"); pending += 1 }
                else {
                    running += 1
                    if !onlyProblems { lines.append("task \(t.index) running on \(host) pid \(pid) (\(what))") }
                }
            case .failed(let line):
                failed += 1
                lines.append("task \(t.index) failed (\(what)): \(line)")
                lines.append("  log: \(folder.taskFolder(t))/log; by hand: \(folder.command(t))")
            }
        }
        print("\(folder.path): \(folder.spec.grid.taskCount) tasks of \(folder.spec.script): \(done) done, \(running) running, \(failed) failed, \(pending) not started or interrupted")
        for l in lines { print("  " + l) }
    }
}
