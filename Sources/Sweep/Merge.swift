import Foundation
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
        var header: [String]?, added: [Int] = [], lines: [String] = [], rows = 0, merged = 0, unfinished: [Int] = []
        for t in folder.tasks {
            guard folder.status(t) == .done else { unfinished.append(t.index); continue }
            merged += 1
            for file in metricFiles(under: folder.taskFolder(t) + "/out") {
                guard let bytes = try AtomicFile.read(file) else { continue }
                let table = try CSV.parse(String(decoding: bytes, as: UTF8.self), file: file)
                guard let h = table.first else { continue }
                if let header {
                    guard Array(header.suffix(h.count)) == h else {
                        throw SweepError("'\(file)' has the columns \(h.joined(separator: ",")), other tasks \(header.suffix(h.count).joined(separator: ",")): not one table")
                    }
                } else {
                    added = grid.dimensions.indices.filter { !h.contains(grid.dimensions[$0].name) }
                    header = added.map { grid.dimensions[$0].name } + h
                }
                for row in table.dropFirst() {
                    guard row.count == h.count else { throw SweepError("'\(file)': a row has \(row.count) fields, its header \(h.count)") }
                    lines.append(CSV.line(added.map { t.values[$0] } + row))
                    rows += 1
                }
            }
        }
        let text = (header.map { [CSV.line($0)] } ?? []) + lines
        try AtomicFile.write(text.map { $0 + "\n" }.joined(), to: folder.path + "/metrics.csv")
        return Result(rows: rows, tasks: merged, unfinished: unfinished)
    }

    /// metrics.csv files under `dir`, by path.
    static func metricFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var found: [String] = []
        while let rel = e.nextObject() as? String {
            if (rel as NSString).lastPathComponent == "metrics.csv" { found.append(rel) }
        }
        return found.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { dir + "/" + $0 }
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break are quoted, quotes doubled.
public enum CSV {
    public static func line(_ fields: [String]) -> String {
        fields.map { f in
            f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : f
        }.joined(separator: ",")
    }

    public static func parse(_ text: String, file: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, afterQuote = false
        var it = text.makeIterator()
        while let c = it.next() {
            if quoted {
                if c == "\"" { quoted = false; afterQuote = true } else { field.append(c) }
                continue
            }
            switch c {
            case "\"":
                if afterQuote { field.append("\""); quoted = true; afterQuote = false }
                else if field.isEmpty { quoted = true }
                else { throw SweepError("'\(file)': a quote inside an unquoted field (row \(rows.count + 1))") }
            case ",": row.append(field); field = ""; afterQuote = false
            case "\n", "\r\n":
                row.append(field); rows.append(row); row = []; field = ""; afterQuote = false
            case "\r": break
            default:
                if afterQuote { throw SweepError("'\(file)': text after a closing quote (row \(rows.count + 1))") }
                field.append(c)
            }
        }
        if quoted { throw SweepError("'\(file)': a quoted field is not closed") }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
