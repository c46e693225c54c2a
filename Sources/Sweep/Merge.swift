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

        public init(rows: Int, tasks: Int, unfinished: [Int]) {
            (self.rows, self.tasks, self.unfinished) = (rows, tasks, unfinished)
        }
    }

    @discardableResult
    public static func merge(_ folder: SweepFolder) throws -> Result {
        var unfinished: [Int] = []
        let done = folder.tasks.filter { t in
            guard folder.status(t) == .done else { unfinished.append(t.index); return false }
            return true
        }
        var listing: [Int: [String]] = [:]                    // each task's files, listed once
        for t in done { listing[t.index] = HTMLReport.files(under: folder.taskFolder(t) + "/out") }
        let metrics = try write("metrics.csv", of: done, in: folder, listing: listing)
        // The closed forms (theory.csv, from models that have them) depend on the grid cell, not
        // the seed: the first finished task of each cell speaks for it.
        var seen = Set<[String]>()
        let cells = done.filter { seen.insert($0.values).inserted }
        if cells.contains(where: { listing[$0.index]?.contains { ($0 as NSString).lastPathComponent == "theory.csv" } == true }) {
            try write("theory.csv", of: cells, in: folder, listing: listing)
        }
        return Result(rows: metrics, tasks: done.count, unfinished: unfinished)
    }

    /// Writes DIR/`name`: the files called `name` under each task's out= folder as one table, the
    /// grid's values in front; streamed (a sweep's table can be larger than is worth holding).
    /// Returns the number of rows.
    @discardableResult
    static func write(_ name: String, of tasks: [SweepTask], in folder: SweepFolder, listing: [Int: [String]]) throws -> Int {
        let grid = folder.spec.grid
        var header: [String]?, added: [Int] = [], rows = 0
        try AtomicFile.write(to: folder.path + "/" + name) { emit in
            var out: [UInt8] = []
            out.reserveCapacity(1 << 20)
            func flush() throws { try out.withUnsafeBytes { try emit($0) }; out.removeAll(keepingCapacity: true) }
            for t in tasks {
                let dir = folder.taskFolder(t) + "/out"
                for file in (listing[t.index] ?? []).filter({ ($0 as NSString).lastPathComponent == name }).map({ dir + "/" + $0 }) {
                    guard let bytes = try AtomicFile.read(file), !bytes.isEmpty else { continue }
                    let firstLine = bytes.firstIndex(of: 10) ?? bytes.count
                    let h: [String]
                    do { h = try CSV.parse(String(decoding: bytes[..<firstLine], as: UTF8.self), file: file).first ?? [] }
                    catch let e as ReportError { throw SweepError(e.message) }
                    if let header {
                        guard Array(header.suffix(h.count)) == h else {
                            throw SweepError("'\(file)' has the columns \(h.joined(separator: ",")), other tasks \(header.suffix(h.count).joined(separator: ",")): not one table")
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
                        }
                    } catch let e as ReportError { throw SweepError(e.message) }
                }
            }
            try flush()
        }
        return rows
    }
}
