import Foundation
import Tensor
import Testing
import Report
import Sweep

/// The sweep's pieces without processes: grids, seeds, folders, statuses and the merge.
struct SweepTests {
    func scratch(_ name: String) -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-sweep-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: p)
        return p
    }

    func script(_ dir: String, _ text: String = "local a = ouro.args{out = \"x\"}\n") throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/s.lua"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func gridExpandsInOrder() throws {
        let g = try SweepGrid(grid: "d=1,3 workflow=replace,accumulate", seeds: "0-2")
        #expect(g.taskCount == 12 && g.tasks.count == 12)
        #expect(g.tasks[0] == SweepTask(index: 0, values: ["1", "replace"], seed: 0))
        #expect(g.tasks[4] == SweepTask(index: 4, values: ["1", "accumulate"], seed: 1))
        #expect(g.tasks[11] == SweepTask(index: 11, values: ["3", "accumulate"], seed: 2))
        #expect(g.tasks[5].arguments(g, out: "o") == ["d=1", "workflow=accumulate", "seed=2", "out=o"])
        let noSeeds = try SweepGrid(grid: "n=10,100", seeds: nil)
        #expect(noSeeds.tasks.map(\.seed) == [nil, nil] && noSeeds.tasks[1].arguments(noSeeds, out: "o") == ["n=100", "out=o"])
        #expect(try SweepGrid(grid: "", seeds: "5").tasks == [SweepTask(index: 0, values: [], seed: 5)])
    }

    @Test func seedsParse() throws {
        #expect(try SweepGrid.parseSeeds("0-3,10,7-8") == [0, 1, 2, 3, 10, 7, 8])
        for bad in ["", "3-1", "-1", "a", "1,,2", "0-2,1", "0-99999999"] {
            #expect(throws: SweepError.self, "\(bad)") { try SweepGrid.parseSeeds(bad) }
        }
        for bad in ["d", "=1", "d=", "d=1,,2", "d=1,1", "d=1 d=2", "seed=1", "out=x"] {
            #expect(throws: SweepError.self, "\(bad)") { try SweepGrid(grid: bad, seeds: nil) }
        }
    }

    @Test func csvRoundTrips() throws {
        let rows = [["a", "b,c", "say \"hi\""], ["", "line\nbreak", "x"]]
        let text = rows.map(CSV.line).joined(separator: "\n") + "\n"
        #expect(try CSV.parse(text, file: "t") == rows)
        #expect(try CSV.parse("a,b\r\n1,2\r\n", file: "t") == [["a", "b"], ["1", "2"]])
        let records = try CSV.records(Array(text.utf8), file: "t")
        #expect(records.map(\.fields) == [3, 3] && records.count == 2, "a quoted line break stays inside its record")
        #expect(String(decoding: Array(text.utf8)[records[1].range], as: UTF8.self) == CSV.line(rows[1]))
        #expect(throws: ReportError.self) { try CSV.parse("a,\"b\n", file: "t") }
        #expect(throws: ReportError.self) { try CSV.parse("a,b\"c\n", file: "t") }
    }

    @Test func folderRefusesAnotherSweepAndForeignFolders() throws {
        let dir = scratch("folder")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try script(dir + "-src")
        let spec = try SweepSpec(script: s, grid: SweepGrid(grid: "d=1,2", seeds: "0-1"), arguments: [])
        let f = try SweepFolder(path: dir, creating: spec)
        #expect(f.tasks.count == 4 && f.taskFolder(f.tasks[3]) == dir + "/tasks/0003")
        _ = try SweepFolder(path: dir, creating: spec)                         // the same sweep: reused
        let other = try SweepSpec(script: s, grid: SweepGrid(grid: "d=1,3", seeds: "0-1"), arguments: [])
        #expect { try SweepFolder(path: dir, creating: other) } throws: { "\($0)".contains("another grid") }
        try "-- changed\n".write(toFile: s, atomically: true, encoding: .utf8)
        let changed = try SweepSpec(script: s, grid: SweepGrid(grid: "d=1,2", seeds: "0-1"), arguments: [])
        #expect { try SweepFolder(path: dir, creating: changed) } throws: { "\($0)".contains("the script's text has changed") }
        let foreign = scratch("foreign")
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try "mine".write(toFile: foreign + "/notes.txt", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        #expect { try SweepFolder(path: foreign, creating: spec) } throws: { "\($0)".contains("is not empty and is not a sweep's") }
        #expect(try String(contentsOfFile: foreign + "/notes.txt", encoding: .utf8) == "mine")
        // one holder at a time
        let lock = try f.lock()
        #expect { _ = try f.lock() } throws: { "\($0)".contains("in use by another sweep") }
        lock.release()
        _ = try f.lock()
    }

    @Test func statusesRoundTrip() throws {
        for s in [TaskStatus.pending, .done, .failed("gaussian.lua:3: bad"), .running(host: "node1", pid: 42)] {
            #expect(TaskStatus(text: s.text) == s)
        }
        #expect(TaskStatus(text: "garbage") == .pending)
        #expect(TaskStatus.running(host: SweepFolder.hostName, pid: 999_999_999).isStale(sweep: "/t"))
        #expect(TaskStatus.running(host: SweepFolder.hostName, pid: getpid()).isStale(sweep: "/not/this/process"), "a reused pid")
        #expect(!TaskStatus.running(host: "elsewhere", pid: 999_999_999).isStale(sweep: "/t"))
    }

    /// Done tasks' metrics.csv files (nested anywhere under out/) become one table with the grid
    /// columns in front, except a dimension the records already have; unfinished tasks are left out.
    @Test func mergeAddsGridColumns() throws {
        let dir = scratch("merge")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try script(dir + "-src")
        let spec = try SweepSpec(script: s, grid: SweepGrid(grid: "d=1,3 workflow=replace,accumulate", seeds: "7"), arguments: [])
        let f = try SweepFolder(path: dir, creating: spec)
        for t in f.tasks {
            let out = f.taskFolder(t) + "/out/" + t.values[1]
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let csv = "run,workflow,seed,generation,metric,value\n\"g,x\",\(t.values[1]),7,1,mse,\(t.index).5\n"
            try csv.write(toFile: out + "/metrics.csv", atomically: true, encoding: .utf8)
            try f.setStatus(t, t.index == 2 ? .failed("boom") : .done)
        }
        let r = try SweepMerge.merge(f)
        #expect(r == SweepMerge.Result(rows: 3, tasks: 3, unfinished: [2]))
        let merged = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8)
        #expect(merged == """
            d,run,workflow,seed,generation,metric,value
            1,"g,x",replace,7,1,mse,0.5
            1,"g,x",accumulate,7,1,mse,1.5
            3,"g,x",accumulate,7,1,mse,3.5

            """)
        #expect(!FileManager.default.fileExists(atPath: dir + "/theory.csv"), "no task has a theory.csv: none merged")
        // The table the merge gathered draws the page the merged file draws (a quoted field, a
        // grid dimension that is also a column).
        let gathered = try HTMLReport.html(folder: dir, metrics: r.table), read = try HTMLReport.html(folder: dir)
        #expect(r.table != nil && gathered == read)
        // A table whose columns are only the end of the others' is not the same table.
        let t0 = f.tasks[0]
        try FileManager.default.createDirectory(atPath: f.taskFolder(t0) + "/out/x", withIntermediateDirectories: true)
        try "seed,generation,metric,value\n7,1,mse,2\n".write(toFile: f.taskFolder(t0) + "/out/x/metrics.csv", atomically: true, encoding: .utf8)
        #expect(throws: SweepError.self) { try SweepMerge.merge(f) }
    }

    /// Closed forms depend on the cell, not the seed: the merged theory.csv has each cell once.
    @Test func mergeTakesTheTheoryOncePerCell() throws {
        let dir = scratch("merge-theory")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try script(dir + "-src")
        let f = try SweepFolder(path: dir, creating: try SweepSpec(script: s, grid: SweepGrid(grid: "n=10,20", seeds: "1-3"), arguments: []))
        for t in f.tasks {
            let out = f.taskFolder(t) + "/out"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            try "run,workflow,seed,generation,metric,value\ng,replace,\(t.seed!),1,mse,\(t.index)\n".write(toFile: out + "/metrics.csv", atomically: true, encoding: .utf8)
            try "run,workflow,generation,metric,value\ng,replace,1,mse,0.\(t.values[0])\n".write(toFile: out + "/theory.csv", atomically: true, encoding: .utf8)
            try f.setStatus(t, t.index == 0 ? .failed("boom") : .done)
        }
        #expect(try SweepMerge.merge(f) == SweepMerge.Result(rows: 5, tasks: 5, unfinished: [0]))
        #expect(try String(contentsOfFile: dir + "/theory.csv", encoding: .utf8) == """
            n,run,workflow,generation,metric,value
            10,g,replace,1,mse,0.10
            20,g,replace,1,mse,0.20

            """, "one row per cell, from its first finished task")
    }
}
