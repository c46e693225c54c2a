import Foundation
import Report
import Tensor

/// Merging a sweep's results: every finished task's metrics.csv files (the loop's records, found
/// anywhere under its out= folder, in path order) into one tidy table, DIR/metrics.csv, with the
/// grid's columns in front (a grid dimension the records already have as a column, such as
/// workflow, is not repeated). Rows follow the task order, then the files', then their own. The
/// models' closed forms (theory.csv) are merged the same way into DIR/theory.csv, once per cell.
public enum SweepMerge {
    public struct Result: Equatable {
        public let rows: Int
        public let tasks: Int
        /// Tasks not merged because they are not done.
        public let unfinished: [Int]
        /// The merged metrics as the sweep's report reads them (gathered while merging, so the
        /// report need not read the table again); nil if a task's table could not be read so.
        public let table: MetricTable?

        public init(rows: Int, tasks: Int, unfinished: [Int], table: MetricTable? = nil) {
            (self.rows, self.tasks, self.unfinished, self.table) = (rows, tasks, unfinished, table)
        }

        public static func == (a: Result, b: Result) -> Bool { (a.rows, a.tasks, a.unfinished) == (b.rows, b.tasks, b.unfinished) }
    }

    /// Merges the finished tasks. With `ended` (a local sweep's), it runs beside the sweep: each
    /// task is merged as soon as it and all before it have ended, so little is left at the end.
    @discardableResult
    public static func merge(_ folder: SweepFolder, as ended: EndedTasks? = nil) throws -> Result {
        var unfinished: [Int] = [], done: [SweepTask] = []
        var listing: [Int: [String]] = [:]                    // each task's files, listed once
        let finished = folder.tasks.lazy.filter { t in
            guard ended?.wait(for: t.index) ?? true else { return false }
            guard folder.status(t) == .done else { unfinished.append(t.index); return false }
            listing[t.index] = HTMLReport.files(under: folder.taskFolder(t) + "/out")
            done.append(t)
            return true
        }
        // the report's table, gathered from the same records in the same order
        let names = folder.spec.grid.dimensions.map(\.name)
        var table: MetricTable.Builder? = MetricTable.Builder(grid: HTMLReport.cellColumns(names))
        let metrics = try write("metrics.csv", of: finished, in: folder, listing: { listing[$0.index] ?? [] },
                                stopped: { ended?.cancelled == true }) { records, file, t in
            do { try table?.add(records, file: file, fixed: Dictionary(zip(names, t.values), uniquingKeysWith: { first, _ in first })) }
            catch { table = nil }                         // the report reads the file, and says what is wrong
        }
        // The closed forms (theory.csv, from models that have them) depend on the grid cell, not
        // the seed: the first finished task of each cell speaks for it.
        var seen = Set<[String]>()
        let cells = done.filter { seen.insert($0.values).inserted }
        if cells.contains(where: { listing[$0.index]?.contains { ($0 as NSString).lastPathComponent == "theory.csv" } == true }) {
            try write("theory.csv", of: cells, in: folder, listing: { listing[$0.index] ?? [] })
        }
        return Result(rows: metrics, tasks: done.count, unfinished: unfinished, table: table?.table)
    }

    /// Writes DIR/`name`: the files called `name` under each task's out= folder as one table, the
    /// grid's values in front; streamed (a sweep's table can be larger than is worth holding).
    /// Returns the number of rows.
    @discardableResult
    static func write(_ name: String, of tasks: some Sequence<SweepTask>, in folder: SweepFolder, listing: (SweepTask) -> [String],
                      stopped: () -> Bool = { false },
                      gather: (_ table: UnsafeBufferPointer<UInt8>, _ file: String, _ task: SweepTask) -> Void = { _, _, _ in }) throws -> Int {
        let grid = folder.spec.grid
        var header: [String]?, added: [Int] = [], rows = 0
        try AtomicFile.write(to: folder.path + "/" + name) { emit in
            var out: [UInt8] = []
            out.reserveCapacity(1 << 20)
            func flush() throws { try out.withUnsafeBytes { try emit($0) }; out.removeAll(keepingCapacity: true) }
            for t in tasks {
                let dir = folder.taskFolder(t) + "/out"
                for file in listing(t).filter({ ($0 as NSString).lastPathComponent == name }).map({ dir + "/" + $0 }) {
                    guard let bytes = try AtomicFile.read(file), !bytes.isEmpty else { continue }
                    let firstLine = bytes.firstIndex(of: 10) ?? bytes.count
                    let h: [String]
                    do { h = try CSV.parse(String(decoding: bytes[..<firstLine], as: UTF8.self), file: file).first ?? [] }
                    catch let e as ReportError { throw SweepError(e.message) }
                    if let header {
                        guard Array(header.dropFirst(added.count)) == h else {
                            throw SweepError("'\(file)' has the columns \(h.joined(separator: ",")), other tasks \(header.dropFirst(added.count).joined(separator: ",")): not one table")
                        }
                    } else {
                        added = grid.dimensions.indices.filter { !h.contains(grid.dimensions[$0].name) }
                        let names = added.map { grid.dimensions[$0].name } + h
                        header = names
                        out.append(contentsOf: Array((CSV.line(names) + "\n").utf8))
                    }
                    // Each row goes through as its bytes, the task's grid values in front.
                    let prefix = added.isEmpty ? [] : Array((CSV.line(added.map { t.values[$0] }) + ",").utf8)
                    do {
                        try bytes.withUnsafeBufferPointer { b in
                            var first = true
                            try CSV.forEachRecord(b, file: file) { range, commas, _ in
                                if first { first = false; return }             // the header
                                guard commas.count + 1 == h.count else { throw SweepError("'\(file)': a row has \(commas.count + 1) fields, its header \(h.count)") }
                                out.append(contentsOf: prefix)
                                out.append(contentsOf: UnsafeBufferPointer(rebasing: b[range]))
                                out.append(10)
                                rows += 1
                                if out.count >= 1 << 20 { try flush() }
                            }
                            gather(b, file, t)
                        }
                    } catch let e as ReportError { throw SweepError(e.message) }
                }
            }
            // stopped: throwing here leaves no file (the temporary is removed)
            if stopped() { throw SweepError("the merge stopped with the sweep") }
            try flush()
        }
        return rows
    }
}

/// The tasks of a local sweep that have ended (done, failed or found done), for the merge that
/// runs beside it: the merge waits here for the next task in order.
public final class EndedTasks: @unchecked Sendable {
    private let condition = NSCondition()
    private var ended = Set<Int>(), all = false, stopped = false

    /// Whether the sweep stopped with an error.
    public var cancelled: Bool { condition.lock(); defer { condition.unlock() }; return stopped }

    public init() {}

    /// Task i has ended.
    public func end(_ i: Int) {
        condition.lock(); ended.insert(i); condition.broadcast(); condition.unlock()
    }

    /// Every task has ended (the sweep is over): the merge takes what is done and finishes.
    public func endAll() {
        condition.lock(); all = true; condition.broadcast(); condition.unlock()
    }

    /// The sweep stopped with an error: the merge stops too, writing nothing.
    public func cancel() {
        condition.lock(); stopped = true; all = true; condition.broadcast(); condition.unlock()
    }

    /// Waits until task i has ended; false if the merge was cancelled.
    func wait(for i: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !all && !ended.contains(i) { condition.wait() }
        return !stopped
    }
}
