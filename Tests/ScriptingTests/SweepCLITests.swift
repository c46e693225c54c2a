import Foundation
import Testing

/// `ouro sweep` end to end: tasks as processes, the merged table, failures, resume after a kill,
/// the script's declarations checked first, and Slurm's batch scripts with `--task` and `--merge`
/// run the way an array would run them.
@Suite(.enabled(if: OuroBinary.shouldRun, "build the ouro executable first (make test does)"))
struct SweepCLITests {
    /// A script whose task fails when x = fail_at, else runs a short Gaussian loop for its one seed.
    static let script = """
        local T = ouro.tensor
        local a = ouro.args{x = 1, seed = {type = "integer"}, out = "o", fail_at = 0, exit_at = 0, generations = 3}
        if a.x == a.fail_at then error("boom at x=" .. a.x) end
        if a.x == a.exit_at then print("leaving"); os.exit(3) end
        local truth = {mean = T.zeros({a.x}), cov = T.eye(a.x)}
        ouro.loop{name = "t", model = function(seed) return ouro.models.gaussian{truth = truth} end,
          real = function(seed) local g = ouro.rng(seed):split("data"); return g:normal({20, a.x}), g:normal({50, a.x}) end,
          generations = a.generations, samples = 20, seeds = {a.seed}, workflow = "replace", out = a.out}()
        """

    func folder(_ name: String) -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-sweepcli-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: p)
        return p
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func localSweepMergesAndKeepsGoingPastAFailure() throws {
        let s = try scratchFile("sweep_task.lua", Self.script), out = folder("local")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let args = ["sweep", s, "--grid", "x=1,2,3", "--seeds", "0-1", "--jobs", "2", "--out", out, "--", "fail_at=2"]
        let r = try OuroBinary.run(args)
        #expect(r.status == 1 && r.err.contains("2 of 6 tasks failed"), "\(r.err)")
        #expect(r.out.contains("merged 84 rows of 4 tasks") && r.out.contains("task 2 failed (x=2 seed=0): \(s):3: boom at x=2"), "\(r.out)")
        #expect(read(out + "/tasks/0002/log").hasPrefix("ouro: \(s):3: boom at x=2\nstack traceback:"), "the log has the whole error")
        #expect(r.out.contains("by hand: ") && r.out.contains(" run \(s) fail_at=2 x=2 seed=0 out=\(out)/tasks/0002/out"), "\(r.out)")
        #expect(r.out.contains("report: \(out)/report.html") && read(out + "/report.html").contains("<th>x</th><th>workflow</th>"), "the sweep's report")
        let merged = read(out + "/metrics.csv").split(separator: "\n")
        #expect(merged.first == "x,run,workflow,seed,generation,metric,value")
        #expect(merged.count == 85 && merged.dropFirst().allSatisfy { $0.hasPrefix("1,t,replace,") || $0.hasPrefix("3,t,replace,") })
        #expect(merged.filter { $0.hasPrefix("3,t,replace,1,3,") }.count == 7, "task (x=3, seed 1) has its 7 metrics at generation 3")
        // The status lists the failures; running again reruns only what is not done.
        let st = try OuroBinary.run(["sweep", "--status", out])
        #expect(st.out.contains("6 tasks of \(s): 4 done, 0 running, 2 failed"), "\(st.out)")
        let again = try OuroBinary.run(args)
        #expect(again.status == 1 && again.err.contains("sweep: 4/6 done, 0 running, 0 failed"), "\(again.err)")
        #expect(read(out + "/metrics.csv").split(separator: "\n") == merged)
    }

    /// The merge runs beside the tasks: its table (and the report drawn from what it gathered) is
    /// the one `--merge` writes afterwards. A task running elsewhere stops a second sweep before
    /// any task runs, and the merge it had begun leaves nothing; what a killed sweep left of its
    /// own atomic writes is removed, nothing else.
    @Test func theMergeBesideTheTasksEqualsAMergeAfterThem() throws {
        let s = try scratchFile("sweep_beside.lua", Self.script), out = folder("beside")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let args = ["sweep", s, "--grid", "x=1,2,3", "--seeds", "0-2", "--jobs", "2", "--out", out]
        let r = try OuroBinary.run(args)
        #expect(r.status == 0 && r.out.contains("merged 189 rows of 9 tasks"), "\(r.out) \(r.err)")
        let beside = read(out + "/metrics.csv"), page = read(out + "/report.html")
        let m = try OuroBinary.run(["sweep", "--merge", out])
        #expect(m.status == 0 && read(out + "/metrics.csv") == beside && beside.split(separator: "\n").count == 190)
        // the report drawn from what the merge gathered is the one drawn from the merged file
        #expect(page.contains("<th>x</th>") && read(out + "/report.html") == page)
        try "running on elsewhere.example pid 1\n".write(toFile: out + "/tasks/0004/status", atomically: false, encoding: .utf8)
        for name in ["metrics.csv.tmp-424242", "report.html.tmp-7", "notes.tmp-1"] {
            try "left".write(toFile: out + "/" + name, atomically: false, encoding: .utf8)
        }
        let again = try OuroBinary.run(args)
        #expect(again.status == 1 && again.err.contains("task 4 is running on elsewhere.example (pid 1)"), "\(again.err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(names.filter { $0.contains(".tmp-") } == ["notes.tmp-1"], "\(names)")
        #expect(read(out + "/metrics.csv") == beside)
    }

    /// A task that ends its process (os.exit) fails alone: its worker is replaced and the rest run.
    @Test func aTaskThatExitsFailsAlone() throws {
        let s = try scratchFile("sweep_exit.lua", Self.script), out = folder("exit")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try OuroBinary.run(["sweep", s, "--grid", "x=1,2,3", "--seeds", "0-1", "--jobs", "2", "--out", out, "--", "exit_at=2"])
        #expect(r.status == 1 && r.err.contains("sweep: 4/6 done, 0 running, 2 failed"), "\(r.err)")
        #expect(r.out.contains("task 2 failed (x=2 seed=0): the worker process running the task ended (exit status 3)"), "\(r.out)")
        #expect(read(out + "/tasks/0002/log") == "leaving\n")
        #expect(r.out.contains("merged 84 rows of 4 tasks"), "\(r.out)")
    }

    /// The first workers are forks of the sweep (no program loaded again) and a replacement is a
    /// new process: a task sees the same either way — the thread count asked for, the sweep as
    /// its parent, its own log as stdout and stderr, nothing on stdin (and reading it to its end
    /// does not end the worker's own requests, which come on the same stream).
    @Test func forkedAndStartedWorkersRunTasksAlike() throws {
        let s = try scratchFile("sweep_env.lua", """
            local a = ouro.args{x = 1, seed = {type = "integer"}, out = "o"}
            print("threads", os.getenv("OURO_OP_THREADS"), "parent", os.getenv("OURO_SWEEP_PARENT"), "stdin", io.read("a"))
            io.stderr:write("to stderr\\n")
            if a.x == 2 then os.exit(3) end
            """)
        let out = folder("env")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try OuroBinary.run(["sweep", s, "--grid", "x=1,2,3", "--jobs", "1", "--threads", "2", "--out", out])
        #expect(r.status == 1 && r.err.contains("sweep: 2/3 done, 0 running, 1 failed"), "\(r.err)")
        let logs = (0..<3).map { read(out + "/tasks/000\($0)/log") }
        let parent = logs[0].split(separator: "\t").dropFirst(3).first.map(String.init) ?? ""
        #expect(Int32(parent) != nil, "\(logs[0])")
        for log in logs { #expect(log == "threads\t2\tparent\t\(parent)\tstdin\t\nto stderr\n", "\(log)") }
    }

    @Test func theScriptsDeclarationsAreCheckedFirst() throws {
        let s = try scratchFile("sweep_check.lua", Self.script), out = folder("check")
        let unknown = try OuroBinary.run(["sweep", s, "--grid", "y=1,2", "--out", out])
        #expect(unknown.status == 1 && unknown.err.contains("has no argument 'y' (it declares: exit_at, fail_at, generations, out, seed, x)"), "\(unknown.err)")
        let bad = try OuroBinary.run(["sweep", s, "--grid", "x=1,a", "--out", out])
        #expect(bad.status == 1 && bad.err.contains("--grid: argument 'x': expected an integer, got 'a'"), "\(bad.err)")
        let noSeed = try scratchFile("sweep_noseed.lua", "local a = ouro.args{x = 1, out = \"o\"}")
        let seeds = try OuroBinary.run(["sweep", noSeed, "--grid", "x=1", "--seeds", "0-3", "--out", out])
        #expect(seeds.status == 1 && seeds.err.contains("has no argument 'seed'"), "\(seeds.err)")
        let grid = try OuroBinary.run(["sweep", s, "--grid", "x=1,1", "--out", out])
        #expect(grid.status == 1 && grid.err.contains("repeats a value"), "\(grid.err)")
        // A script that fails before declaring: read by a worker (locally) or a child (--slurm).
        let broken = try scratchFile("sweep_broken.lua", "error('no arguments here')")
        for extra in [[], ["--slurm"]] {
            let r = try OuroBinary.run(["sweep", broken, "--seeds", "0-1", "--out", out] + extra)
            #expect(r.status == 1 && r.err.contains("cannot read the arguments of '\(broken)': \(broken):1: no arguments here"), "\(extra): \(r.err)")
        }
        let leaving = try scratchFile("sweep_leaving.lua", "os.exit(4)")
        let left = try OuroBinary.run(["sweep", leaving, "--seeds", "0-1", "--out", out])
        #expect(left.status == 1 && left.err.contains("cannot read the arguments of '\(leaving)': the process running it ended (exit status 4)"), "\(left.err)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is created before the checks pass")
    }

    /// Killed mid-sweep (SIGKILL: its worker gets SIGKILL from the kernel too), then run again: the
    /// merged table is the same, byte for byte, as an uninterrupted sweep's.
    @Test func aKilledSweepResumesToTheSameTable() throws {
        let s = try scratchFile("sweep_kill.lua", Self.script), whole = folder("whole"), cut = folder("cut")
        defer { try? FileManager.default.removeItem(atPath: whole); try? FileManager.default.removeItem(atPath: cut) }
        let common = ["--grid", "x=20", "--seeds", "0-3", "--", "generations=8000"]
        let w = try OuroBinary.run(["sweep", s, "--out", whole, "--jobs", "2"] + common)
        #expect(w.status == 0, "\(w.err)")
        guard let bin = OuroBinary.path else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        // started beside its folder, named relatively: the (forked) worker's command line is the
        // sweep's and does not hold the path --status is given, yet its task shows as running
        p.currentDirectoryURL = URL(fileURLWithPath: (cut as NSString).deletingLastPathComponent)
        p.arguments = ["sweep", s, "--out", (cut as NSString).lastPathComponent, "--jobs", "1"] + common
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        func state(_ i: Int) -> String { read(cut + "/tasks/000\(i)/status") }
        while Date() < deadline && !(state(0) == "done\n" && state(1).hasPrefix("running")) { usleep(20_000) }
        usleep(150_000)                                                    // into task 1's generations
        #expect(state(1).hasPrefix("running"), "task 1 was running when killed: \(state(1))")
        let live = try OuroBinary.run(["sweep", "--status", cut])
        #expect(live.out.contains("1 done, 1 running, 0 failed"), "\(live.out)")
        kill(p.processIdentifier, SIGKILL)                                 // its task ends with it (OURO_SWEEP_PARENT)
        p.waitUntilExit()
        var st = try OuroBinary.run(["sweep", "--status", cut])
        while Date() < deadline && st.out.contains(" 1 running") {                // the worker's end takes a moment
            usleep(50_000)
            st = try OuroBinary.run(["sweep", "--status", cut])
        }
        #expect(st.out.contains("1 done, 0 running, 0 failed, 3 not started or interrupted") && st.out.contains("task 1 interrupted"), "\(st.out)")
        let r = try OuroBinary.run(["sweep", s, "--out", cut, "--jobs", "2"] + common)
        #expect(r.status == 0, "\(r.err)")
        let a = read(whole + "/metrics.csv"), b = read(cut + "/metrics.csv")
        #expect(!a.isEmpty && a == b, "the resumed sweep's table differs (\(a.count) vs \(b.count) bytes)")
    }

    /// --slurm writes the array and merge scripts; running `--task I --stride A` for each array
    /// index, as Slurm would, then `--merge`, gives the local sweep's table.
    @Test func slurmScriptsRunTheSameTasks() throws {
        let s = try scratchFile("sweep_slurm.lua", Self.script), local = folder("slocal"), cluster = folder("scluster")
        defer { try? FileManager.default.removeItem(atPath: local); try? FileManager.default.removeItem(atPath: cluster) }
        let common = ["--grid", "x=1,3", "--seeds", "0-2"]
        let r = try OuroBinary.run(["sweep", s, "--out", cluster, "--slurm", "--partition", "debug", "--time", "0:10:00",
                                    "--cpus", "2", "--mem", "1G", "--jobs", "3"] + common)
        #expect(r.status == 0 && r.out.contains("6 tasks in an array of 6"), "\(r.err)")
        let tasks = read(cluster + "/slurm/tasks.sbatch"), merge = read(cluster + "/slurm/merge.sbatch")
        for line in ["#SBATCH --array=0-5%3", "#SBATCH --partition=debug", "#SBATCH --time=0:10:00", "#SBATCH --cpus-per-task=2",
                     "#SBATCH --mem=1G", "sweep --task \"$SLURM_ARRAY_TASK_ID\" --stride 6 --threads 2 \(cluster)"] {
            #expect(tasks.contains(line), "\(line) in \(tasks)")
        }
        #expect(merge.contains("sweep --merge \(cluster)") && merge.contains("#SBATCH --cpus-per-task=1"), "\(merge)")
        for i in [4, 0, 2] { #expect(try OuroBinary.run(["sweep", "--task", String(i), cluster]).status == 0) }
        let half = try OuroBinary.run(["sweep", "--merge", cluster])
        #expect(half.out.contains("merged 63 rows of 3 tasks") && half.out.contains("(3 tasks not done: 1, 3, 5)"), "\(half.out)")
        #expect(try OuroBinary.run(["sweep", "--task", "1", "--stride", "2", cluster]).status == 0)   // tasks 1, 3, 5
        #expect(try OuroBinary.run(["sweep", "--merge", cluster]).out.contains("merged 126 rows of 6 tasks"))
        #expect(try OuroBinary.run(["sweep", s, "--out", local] + common).status == 0)
        #expect(read(local + "/metrics.csv") == read(cluster + "/metrics.csv") && !read(local + "/metrics.csv").isEmpty)
        let other = try OuroBinary.run(["sweep", s, "--out", cluster, "--grid", "x=1,2", "--seeds", "0-2"])
        #expect(other.status == 1 && other.err.contains("holds another sweep (another grid)"), "\(other.err)")
    }
}
