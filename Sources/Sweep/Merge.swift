import Foundation
import Report
import Tensor

/// Merging a sweep's results: every finished task's metrics.csv files (the loop's records, found
/// anywhere under its out= folder, in path order) into one tidy table, DIR/metrics.csv, with the
/// grid's columns in front (a grid dimension the records already have as a column, such as
/// workflow, is not repeated). Rows follow the task order, then the files', then their own.
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
        let grid = folder.spec.grid
        var header: [String]?, added: [Int] = [], out: [UInt8] = [], rows = 0, merged = 0, unfinished: [Int] = []
        for t in folder.tasks {
            guard folder.status(t) == .done else { unfinished.append(t.index); continue }
            merged += 1
            for file in metricFiles(under: folder.taskFolder(t) + "/out") {
                guard let bytes = try AtomicFile.read(file) else { continue }
                let records: [(range: Range<Int>, fields: Int)], h: [String]
                do {
                    records = try CSV.records(bytes, file: file)
                    guard let first = records.first else { continue }
                    h = try CSV.parse(String(decoding: bytes[first.range], as: UTF8.self), file: file).first ?? []
                } catch let e as ReportError { throw SweepError(e.message) }
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
                for r in records.dropFirst() {
                    guard r.fields == h.count else { throw SweepError("'\(file)': a row has \(r.fields) fields, its header \(h.count)") }
                    out.append(contentsOf: prefix)
                    out.append(contentsOf: bytes[r.range])
                    out.append(10)
                    rows += 1
                }
            }
        }
        try AtomicFile.write(out, to: folder.path + "/metrics.csv")
        return Result(rows: rows, tasks: merged, unfinished: unfinished)
    }

    /// metrics.csv files under `dir`, by path.
    static func metricFiles(under dir: String) -> [String] {
        HTMLReport.files(under: dir).filter { ($0 as NSString).lastPathComponent == "metrics.csv" }.map { dir + "/" + $0 }
    }
}

