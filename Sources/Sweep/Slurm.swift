import Foundation
import Tensor

/// A sweep handed to Slurm: a job array whose elements each run `ouro sweep --task I` (and, for
/// grids larger than one array may be, tasks I + A, I + 2A, … for an array of A elements), and a
/// merge job that starts when the array has ended, however its tasks ended.
public struct SlurmSweep {
    public struct Resources: Equatable {
        public var partition: String?, time: String?, mem: String?
        public var cpus = 1
        /// At most this many array tasks at once (%M), or Slurm's own limit.
        public var concurrent: Int?
        public init() {}
    }

    public let folder: SweepFolder
    public let executable: String
    public let resources: Resources
    /// Array elements at most (Slurm's MaxArraySize is 1001 by default: indices 0…1000).
    public let maxArray: Int

    public init(folder: SweepFolder, executable: String = TaskRunner.ownExecutable, resources: Resources, maxArray: Int = 1000) {
        self.folder = folder
        self.executable = executable
        self.resources = resources
        self.maxArray = max(1, maxArray)
    }

    public var arraySize: Int { min(folder.spec.grid.taskCount, maxArray) }
    public var directory: String { folder.path + "/slurm" }
    public var taskScript: String { directory + "/tasks.sbatch" }
    public var mergeScript: String { directory + "/merge.sbatch" }

    /// Writes the two batch scripts.
    public func write() throws {
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        catch { throw SweepError("cannot create '\(directory)': \(error.localizedDescription)") }
        let q = TaskRunner.quote, dir = q(folder.path), exe = q(executable)
        var head = ["#!/bin/bash"]
        if let p = resources.partition { head.append("#SBATCH --partition=\(p)") }
        if let t = resources.time { head.append("#SBATCH --time=\(t)") }
        if let m = resources.mem { head.append("#SBATCH --mem=\(m)") }
        head.append("#SBATCH --cpus-per-task=\(resources.cpus)")
        let limit = resources.concurrent.map { "%\($0)" } ?? ""
        let tasks = head + [
            "#SBATCH --job-name=ouro-sweep",
            "#SBATCH --array=0-\(arraySize - 1)\(limit)",
            "#SBATCH --output=\(q(directory))/task-%a.log",
            "# \(folder.spec.grid.taskCount) tasks of \(folder.spec.script); each array element runs task I, I + \(arraySize), …",
            "exec \(exe) sweep --task \"$SLURM_ARRAY_TASK_ID\" --stride \(arraySize) --threads \(resources.cpus) \(dir)",
        ]
        let merge = head.filter { !$0.hasPrefix("#SBATCH --cpus-per-task") } + [
            "#SBATCH --cpus-per-task=1",
            "#SBATCH --job-name=ouro-sweep-merge",
            "#SBATCH --output=\(q(directory))/merge.log",
            "exec \(exe) sweep --merge \(dir)",
        ]
        try AtomicFile.write(tasks.joined(separator: "\n") + "\n", to: taskScript)
        try AtomicFile.write(merge.joined(separator: "\n") + "\n", to: mergeScript)
        chmod(taskScript, 0o755)
        chmod(mergeScript, 0o755)
    }

    /// Submits both scripts with sbatch (the merge depending on the whole array) and returns the
    /// two job ids.
    public func submit(sbatch: String = "sbatch") throws -> (array: String, merge: String) {
        let array = try SlurmSweep.sbatch(sbatch, ["--parsable", taskScript])
        let merge = try SlurmSweep.sbatch(sbatch, ["--parsable", "--dependency=afterany:\(array)", mergeScript])
        try AtomicFile.write("array \(array)\nmerge \(merge)\n", to: directory + "/jobs")
        return (array, merge)
    }

    static func sbatch(_ tool: String, _ args: [String]) throws -> String {
        let p: ChildProcess
        do { p = try ChildProcess(tool, args, pipeOutput: true, pipeErrors: true, searchPath: true) }
        catch { throw SweepError("cannot run \(tool): \(error)") }
        let (o, e) = p.readAll()
        let ended = p.wait()
        let text = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard ended == .exited(0), let id = text.split(separator: ";").first, !id.isEmpty else {
            throw SweepError("\(tool) \(args.joined(separator: " ")) failed: \(String(decoding: e, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return String(id)
    }
}
