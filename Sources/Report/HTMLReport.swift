import Foundation
import Tensor

/// One self-contained HTML page for a run folder (or a folder of runs, as a script's `out`) or a
/// sweep folder: its configuration, every metric plotted against generation per workflow (mean of
/// the seeds with a 95% band; for a sweep, one plot per grid cell), a summary table of the last
/// generation, and the sample images and texts found in it — inline SVG and PNG, no script, nothing
/// fetched from the network, so the page opens anywhere and can be mailed as it is.
public enum HTMLReport {
    /// Writes DIR/report.html and returns its path. `metrics`: the folder's metrics table, where
    /// the caller has read it already (a sweep's merge gathers it beside the tasks).
    @discardableResult
    public static func write(folder dir: String, metrics: MetricTable? = nil) throws -> String {
        let path = dir + "/report.html"
        do { try AtomicFile.write(try html(folder: dir, metrics: metrics), to: path) } catch let e as TensorError { throw ReportError(e.message) }
        return path
    }

    /// The grid columns a sweep's report draws cells of: its dimensions but workflow (drawn as
    /// the lines of each plot).
    public static func cellColumns(_ dimensions: [String]) -> [String] { dimensions.filter { $0 != "workflow" } }

    /// Most grid cells drawn (the summary table has them all), images and texts shown.
    static let maxCells = 24, maxImages = 48, maxTexts = 24

    public static func html(folder dir: String, metrics: MetricTable? = nil) throws -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { throw ReportError("'\(dir)' is not a folder") }
        let sweepSpec = try? AtomicFile.read(dir + "/sweep.json").flatMap { $0 }
        var files = files(under: dir, skipping: sweepSpec == nil ? [] : ["tasks"])   // a sweep's tasks: see their folders
        var grid: [String] = [], config: [(String, String)] = [], tables: [String] = [], theoryTables: [String] = []
        if let spec = sweepSpec {
            let json = (try? JSONSerialization.jsonObject(with: Data(spec))) as? [String: Any]
            let dims = ((json?["grid"] as? [String: Any])?["dimensions"] as? [[String: Any]]) ?? []
            grid = cellColumns(dims.compactMap { $0["name"] as? String })
            config.append(("sweep.json", String(decoding: spec, as: UTF8.self)))
            tables = fm.fileExists(atPath: dir + "/metrics.csv") ? [dir + "/metrics.csv"] : []
            theoryTables = fm.fileExists(atPath: dir + "/theory.csv") ? [dir + "/theory.csv"] : []
            files = files.filter { $0 != "tasks" }
        } else {
            tables = files.filter { ($0 as NSString).lastPathComponent == "metrics.csv" }.map { dir + "/" + $0 }
            theoryTables = files.filter { ($0 as NSString).lastPathComponent == "theory.csv" }.map { dir + "/" + $0 }
            for f in files where (f as NSString).lastPathComponent == "run.json" {
                if let b = try? AtomicFile.read(dir + "/" + f).flatMap({ $0 }) { config.append((f, String(decoding: b, as: UTF8.self))) }
            }
        }
        let data = try metrics ?? MetricTable(files: tables, grid: grid)
        let theory = try MetricTable(files: theoryTables, grid: grid)
        let title = URL(fileURLWithPath: dir).standardizedFileURL.lastPathComponent
        var body = "<h1>\(escape(title))</h1>\n"
        body += "<p class=\"what\">\(sweepSpec != nil ? "Sweep" : "Run") report: \(data.rows) metric values, \(data.metrics.count) metrics, workflows \(escape(data.workflows.joined(separator: ", ")))\(grid.isEmpty ? "" : ", \(data.cells.count) grid cells of \(escape(grid.joined(separator: " × ")))"). Plots show the mean over seeds with a band that is the 95% confidence interval of that mean\(theory.rows > 0 ? "; dashed lines are the closed-form expectations (theory) of the models that have them" : "").</p>\n"
        body += "<h2>Configuration</h2>\n"
        for (name, text) in config.prefix(12) { body += "<details><summary>\(escape(name))</summary><pre>\(escape(String(text.prefix(20000))))</pre></details>\n" }
        if config.isEmpty { body += "<p>No run.json or sweep.json found.</p>\n" }
        body += "<h2>Metrics</h2>\n"
        if data.metrics.isEmpty { body += "<p>No metrics.csv with rows found.</p>\n" }
        for metric in data.metrics {
            body += "<h3>\(escape(metric))</h3>\n<div class=\"plots\">\n"
            for cell in data.cells.prefix(maxCells) {
                var series: [PlotSeries] = []
                for (i, wf) in data.workflows.enumerated() {
                    let key = MetricTable.Key(cell: cell, metric: metric, workflow: wf)
                    guard let points = data[key], !points.isEmpty else { continue }
                    let gens = points.keys.sorted(), bands = gens.map { Summary.meanBand(points[$0]!) }
                    series.append(PlotSeries(name: wf, x: gens.map(Double.init), y: bands.map(\.mean), lower: bands.map(\.lower), upper: bands.map(\.upper), colorIndex: i))
                    if let curve = theory.curve(key) {
                        let gens = curve.keys.sorted()
                        series.append(PlotSeries(name: wf + " (theory)", x: gens.map(Double.init), y: gens.map { curve[$0]! }, dashed: true, colorIndex: i))
                    }
                }
                guard !series.isEmpty else { continue }
                let cellName = zip(grid, cell).map { "\($0)=\($1)" }.joined(separator: " ")
                let chart = LineChart(title: cellName.isEmpty ? metric : cellName, xLabel: "generation", yLabel: metric, series: series,
                                      width: grid.isEmpty ? 760 : 480, height: grid.isEmpty ? 440 : 320)
                if let svg = try? chart.svg() { body += "<figure>\(inlineSVG(svg))</figure>\n" }
                else { body += "<p>(\(escape(metric))\(cellName.isEmpty ? "" : " at " + escape(cellName)): nothing finite to plot)</p>\n" }
            }
            if data.cells.count > maxCells { body += "<p>(the first \(maxCells) of \(data.cells.count) grid cells; all are in the table below)</p>\n" }
            body += "</div>\n"
        }
        body += summaryTable(data, theory: theory, grid: grid)
        let images = files.filter { $0.hasSuffix(".png") }
        if !images.isEmpty {
            body += "<h2>Images</h2>\n<div class=\"images\">\n"
            for f in images.prefix(maxImages) {
                guard let b = try? AtomicFile.read(dir + "/" + f).flatMap({ $0 }) else { continue }
                body += "<figure><img alt=\"\(escape(f))\" src=\"data:image/png;base64,\(Data(b).base64EncodedString())\"><figcaption>\(escape(f))</figcaption></figure>\n"
            }
            if images.count > maxImages { body += "<p>(the first \(maxImages) of \(images.count) images)</p>\n" }
            body += "</div>\n"
        }
        let texts = files.filter { $0.hasSuffix(".txt") && $0.contains("samples/") }
        if !texts.isEmpty {
            body += "<h2>Sampled texts</h2>\n"
            for f in texts.prefix(maxTexts) {
                guard let b = try? AtomicFile.read(dir + "/" + f).flatMap({ $0 }) else { continue }
                body += "<details><summary>\(escape(f))</summary><pre>\(escape(String(String(decoding: b, as: UTF8.self).prefix(4000))))</pre></details>\n"
            }
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title)) — ouro report</title>
        <style>
        body { font-family: sans-serif; margin: 2em; max-width: 1600px; color: #222; }
        .plots, .images { display: flex; flex-wrap: wrap; gap: 1em; }
        figure { margin: 0; } figcaption { font-size: 80%; color: #555; }
        img { image-rendering: pixelated; max-width: 480px; }
        table { border-collapse: collapse; font-size: 90%; } td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
        th { background: #f4f4f4; } pre { background: #f8f8f8; padding: 0.5em; overflow-x: auto; } .what { color: #444; }
        </style></head><body>
        \(body)</body></html>

        """
    }

    /// The last generation of every (cell, workflow, metric): mean and 95% interval over the seeds,
    /// and the theory's value where there is one.
    static func summaryTable(_ data: MetricTable, theory: MetricTable, grid: [String]) -> String {
        guard !data.metrics.isEmpty else { return "" }
        var t = "<h2>Summary: the last generation</h2>\n<table><tr>"
        for g in grid { t += "<th>\(escape(g))</th>" }
        t += "<th>workflow</th><th>generation</th><th>seeds</th>"
        for m in data.metrics { t += "<th>\(escape(m))</th>" }
        t += "</tr>\n"
        for cell in data.cells {
            for wf in data.workflows {
                let keys = data.metrics.map { MetricTable.Key(cell: cell, metric: $0, workflow: wf) }
                let cols = keys.map { data[$0] }
                guard let last = cols.compactMap({ $0?.keys.max() }).max() else { continue }
                t += "<tr>" + cell.map { "<td>\(escape($0))</td>" }.joined() + "<td>\(escape(wf))</td><td>\(last)</td>"
                t += "<td>\(cols.compactMap { $0?[last]?.count }.max() ?? 0)</td>"
                for (key, c) in zip(keys, cols) {
                    guard let v = c?[last] else { t += "<td></td>"; continue }
                    let b = Summary.meanBand(v)
                    let expected = theory.curve(key)?[last].map { "; theory \(fmt($0))" } ?? ""
                    t += "<td>\(fmt(b.mean))" + (v.count > 1 ? " [\(fmt(b.lower)), \(fmt(b.upper))]" : "") + expected + "</td>"
                }
                t += "</tr>\n"
            }
        }
        return t + "</table>\n"
    }

    static func fmt(_ v: Double) -> String { v.isFinite ? String(format: "%.4g", v) : "\(v)" }

    /// Files under dir (relative paths, in byte order; report.html and temporaries left out).
    public static func files(under dir: String, skipping: Set<String> = []) -> [String] {
        Directory.walk(dir, skipping: skipping).filter { rel in
            let name = rel.split(separator: "/").last.map(String.init) ?? rel
            return name != "report.html" && !name.contains(AtomicFile.temporaryMarker)
        }
    }

    static func inlineSVG(_ svg: String) -> String {
        guard svg.hasPrefix("<?xml"), let end = svg.range(of: "?>") else { return svg }
        return String(svg[end.upperBound...])
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// The loop's tidy metrics (run, workflow, seed, generation, metric, value, and a sweep's grid
/// columns in front) grouped for plotting: per grid cell, metric and workflow, the values of every
/// seed at every generation. Read in one pass over the bytes (a sweep's table can have millions of
/// rows): fields are byte ranges, names interned as they first appear (a few recent ones compared
/// byte for byte before any hashing), numbers parsed in place.
public struct MetricTable {
    struct Key: Hashable { let cell: [String], metric: String, workflow: String }
    var metrics: [String] = [], workflows: [String] = [], cells: [[String]] = []
    var rows = 0
    /// values[series][generation] = the seeds' values, a series being one (cell, metric, workflow)
    private var values: [[[Double]]] = []
    private var seriesIndex: [Int: Int] = [:]

    /// A theory table's curve for one key: its value by generation, or nil if there is none or the
    /// files disagree at some generation (two runs with different closed forms in one folder).
    func curve(_ key: Key) -> [Int: Double]? {
        guard let points = self[key] else { return nil }
        var out: [Int: Double] = [:]
        for (g, v) in points {
            guard let first = v.first, v.allSatisfy({ abs($0 - first) <= 1e-12 * max(1, abs(first)) }) else { return nil }
            out[g] = first
        }
        return out
    }

    /// The seeds' values by generation for one key, or nil.
    subscript(_ key: Key) -> [Int: [Double]]? {
        guard let c = cells.firstIndex(of: key.cell), let m = metrics.firstIndex(of: key.metric),
              let w = workflows.firstIndex(of: key.workflow), let id = seriesIndex[MetricTable.pack(c, m, w)] else { return nil }
        var out: [Int: [Double]] = [:]
        for (g, v) in values[id].enumerated() where !v.isEmpty { out[g] = v }
        return out.isEmpty ? nil : out
    }

    static func pack(_ c: Int, _ m: Int, _ w: Int) -> Int { c << 42 | m << 21 | w }

    init(files: [String], grid: [String]) throws {
        var builder = Builder(grid: grid)
        for file in files {
            guard let bytes = try AtomicFile.read(file) else { continue }
            try bytes.withUnsafeBufferPointer { try builder.add($0, file: file) }
        }
        self = builder.table
    }

    /// A table read file by file: what a report reads from tables on disk, and what a sweep's
    /// merge gathers from its tasks' tables as it writes them (the report then reads nothing).
    public struct Builder {
        let grid: [String]
        var metricNames = Interner(), workflowNames = Interner(), cellNames = Interner()
        // each row's series, generation and value, grouped into `values` at the end
        var rowSeries: [Int32] = [], rowGeneration: [Int32] = [], rowValue: [Double] = []
        var generations: [Int] = [], seriesIndex: [Int: Int] = [:]      // per series: its largest generation + 1

        /// For the grid's columns (names, in order; none for a single run).
        public init(grid: [String]) { self.grid = grid }

        /// Adds a table's records (its header first); a grid column the table has not is taken
        /// from `fixed` (a task's grid values, the columns a merge puts in front of its rows).
        public mutating func add(_ b: UnsafeBufferPointer<UInt8>, file: String, fixed: [String: String] = [:]) throws {
            var header: [String]?, wc = 0, gc = 0, mc = 0, vc = 0, gridColumns: [Int] = []
            var bounds: [Range<Int>] = []
            // fixed values sit after the table's bytes, as if each row ended with them
            let constants = grid.map { fixed[$0].map { Array($0.utf8) } ?? [] }
            let constant: [UnsafeBufferPointer<UInt8>] = constants.map { bytes in
                let p = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, bytes.count))
                _ = p.initialize(from: bytes)
                return UnsafeBufferPointer(rebasing: p[0..<bytes.count])
            }
            defer { for c in constant { UnsafeMutablePointer(mutating: c.baseAddress!).deallocate() } }
            func record(_ c: Int, _ m: Int, _ w: Int, _ gen: Int, _ v: Double) {
                let key = MetricTable.pack(c, m, w)
                let id = seriesIndex[key] ?? { seriesIndex[key] = generations.count; generations.append(0); return generations.count - 1 }()
                generations[id] = max(generations[id], gen + 1)
                rowSeries.append(Int32(id)); rowGeneration.append(Int32(gen)); rowValue.append(v)
            }
            try CSV.forEachRecord(b, file: file) { range, commas, quoted in
                guard let h = header else {
                    let names = try CSV.parse(String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self), file: file).first ?? []
                    func column(_ name: String) throws -> Int {
                        if let i = names.firstIndex(of: name) { return i }
                        if fixed[name] != nil, let k = grid.firstIndex(of: name) { return -1 - k }     // a constant
                        throw ReportError("'\(file)' has no column '\(name)' (columns: \(names.joined(separator: ",")))")
                    }
                    (wc, gc, mc, vc) = (try column("workflow"), try column("generation"), try column("metric"), try column("value"))
                    guard min(wc, gc, mc, vc) >= 0 else { throw ReportError("'\(file)': the table's own columns cannot be given") }
                    gridColumns = try grid.map { try column($0) }
                    header = names
                    return
                }
                guard commas.count + 1 == h.count else { return }
                if quoted {                                           // rare: the record parsed as CSV
                    guard let f = (try? CSV.parse(String(decoding: UnsafeBufferPointer(rebasing: b[range]), as: UTF8.self), file: file))?.first?.map({ Array($0.utf8) }),
                          f.count == h.count, let gen = f[gc].withUnsafeBufferPointer({ MetricTable.integer($0) }), gen < 1_000_000 else { return }
                    record(cellNames.index(ofArrays: gridColumns.map { $0 >= 0 ? f[$0] : constants[-1 - $0] }), metricNames.index(ofArrays: [f[mc]]),
                           workflowNames.index(ofArrays: [f[wc]]), gen, f[vc].withUnsafeBufferPointer { MetricTable.number($0) })
                    return
                }
                bounds.removeAll(keepingCapacity: true)
                var from = range.lowerBound
                for c in commas { bounds.append(from..<c); from = c + 1 }
                bounds.append(from..<range.upperBound)
                func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { i >= 0 ? UnsafeBufferPointer(rebasing: b[bounds[i]]) : constant[-1 - i] }
                guard let gen = MetricTable.integer(field(gc)), gen < 1_000_000 else { return }
                record(cellNames.index(of: gridColumns.map { field($0) }), metricNames.index(of: [field(mc)]),
                       workflowNames.index(of: [field(wc)]), gen, MetricTable.number(field(vc)))
            }
        }

        /// The table of everything added.
        public var table: MetricTable {
            var t = MetricTable()
            t.rows = rowValue.count
            t.values = generations.map { [[Double]](repeating: [], count: $0) }
            for i in 0..<t.rows { t.values[Int(rowSeries[i])][Int(rowGeneration[i])].append(rowValue[i]) }
            t.seriesIndex = seriesIndex
            t.metrics = metricNames.names.map { $0[0] }
            t.workflows = workflowNames.names.map { $0[0] }
            t.cells = cellNames.names
            if t.cells.isEmpty { t.cells = [[]] }
            return t
        }
    }

    private init() {}

    /// A non-negative decimal integer, or nil.
    static func integer(_ f: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !f.isEmpty, f.count <= 12 else { return nil }
        var v = 0
        for c in f { guard c >= 48 && c <= 57 else { return nil }; v = v * 10 + Int(c - 48) }
        return v
    }

    /// A number as the loop writes it (or anything strtod reads: nan, inf); NaN if it is none.
    static func number(_ f: UnsafeBufferPointer<UInt8>) -> Double {
        guard !f.isEmpty, f.count < 64 else { return .nan }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            for (i, c) in f.enumerated() { buf[i] = CChar(bitPattern: c) }
            buf[f.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let v = strtod(buf.baseAddress!, &end)
            return end == buf.baseAddress! + f.count ? v : .nan
        }
    }
}

/// Names (tuples of byte strings: a metric, a workflow, a grid cell's values) numbered in the order
/// they first appear. The last few are compared byte for byte first: a table's rows repeat a
/// handful of names over and over.
struct Interner {
    private(set) var names: [[String]] = []
    private var index: [[[UInt8]]: Int] = [:]
    private var recent: [(bytes: [[UInt8]], id: Int)] = []

    mutating func index(of fields: [UnsafeBufferPointer<UInt8>]) -> Int {
        for r in recent where r.bytes.count == fields.count
            && zip(r.bytes, fields).allSatisfy({ a, b in a.count == b.count && (b.isEmpty || a.withUnsafeBufferPointer { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }) }) {
            return r.id
        }
        return index(ofArrays: fields.map { Array($0) })
    }

    mutating func index(ofArrays fields: [[UInt8]]) -> Int {
        let id = index[fields] ?? {
            index[fields] = names.count
            names.append(fields.map { String(decoding: $0, as: UTF8.self) })
            return names.count - 1
        }()
        if recent.count >= 16 { recent.removeFirst() }
        recent.append((fields, id))
        return id
    }
}
