import CLua
import Report
import Tensor

/// `ouro.plot{...}`: SVG line charts of run results.
enum PlotBindings {
    static let functions: [Binding] = [
        Binding.fileAccess("plot", """
            ouro.plot{file=, title=, xlabel=, ylabel=, logy=false, series={{name=, x=, y=, dashed=, points=}, …}, runs={result, …}, metric=, theory={{name=, x=, y=}, …}} — writes an SVG line chart. A 2-D y (seeds × points) is drawn as its mean over the rows with a shaded band that is the 95% confidence interval of that mean (±1.96 standard errors; say so in the title); runs= takes loop results and plots `metric` per workflow; theory curves are dashed; points = true draws a series as dots without a line (a scatter, e.g. x = samples:select(2, 1), y = samples:select(2, 2)).
            """) { a in
            guard a.isTable(1) else { throw a.expected(1, "options table") }
            try a.checkOptions(1, ["file", "title", "xlabel", "ylabel", "logy", "series", "runs", "metric", "theory"])
            guard let file = try a.optPathField(1, "file") else { throw a.error(1, "'file' (the SVG path) is required") }
            var chart = LineChart(title: try a.optStringField(1, "title") ?? "",
                                  xLabel: try a.optStringField(1, "xlabel") ?? "generation",
                                  yLabel: try a.optStringField(1, "ylabel") ?? "",
                                  logY: try a.optBoolField(1, "logy", false))
            if let at = a.option(1, "series") {
                defer { a.lua.pop() }
                chart.series += try seriesList(a, at, dashed: false)
            }
            if let at = a.option(1, "runs") {
                defer { a.lua.pop() }
                guard let metric = try a.optStringField(1, "metric") else { throw a.error(1, "'runs' needs 'metric', the metric to plot") }
                if chart.yLabel.isEmpty { chart.yLabel = metric }
                guard a.lua.type(at) == LUA_TTABLE else { throw a.error(1, "'runs' must be a list of loop results") }
                try a.eachItem(at) { k, run in
                    guard a.lua.type(run) == LUA_TTABLE else { throw a.error(1, "runs[\(k)] is not a loop result") }
                    let name = try a.optStringField(run, "workflow") ?? "run \(k)"
                    guard let ms = a.option(run, "metrics") else { throw a.error(1, "runs[\(k)] has no metrics") }
                    defer { a.lua.pop() }
                    guard let y = try LoopBindings.tensorField(a, ms, metric) else {
                        throw a.error(1, "runs[\(k)] has no metric '\(metric)'")
                    }
                    chart.series.append(try series(name: name, x: nil, y: y, dashed: false))
                }
            }
            if let at = a.option(1, "theory") {
                defer { a.lua.pop() }
                chart.series += try seriesList(a, at, dashed: true)
            }
            try chart.write(to: file)
            a.lua.push(file)
            return 1
        },
    ]

    static func seriesList(_ a: Args, _ at: Int32, dashed: Bool) throws -> [PlotSeries] {
        guard a.lua.type(at) == LUA_TTABLE else { throw a.error(1, "series must be a list of {name=, x=, y=} tables") }
        var out: [PlotSeries] = []
        try a.eachItem(at) { k, s in
            guard a.lua.type(s) == LUA_TTABLE else { throw a.error(1, "series \(k) must be a table {name=, x=, y=}") }
            try a.checkOptions(s, ["name", "x", "y", "dashed", "points"], what: "series \(k)")
            let name = try a.optStringField(s, "name") ?? "series \(k)"
            guard let y = try vector(a, s, "y") else { throw a.error(1, "series \(k) ('\(name)') has no y") }
            let x = try vector(a, s, "x")
            var made = try series(name: name, x: x.map { $0.toDoubles() }, y: y, dashed: try a.optBoolField(s, "dashed", dashed))
            if try a.optBoolField(s, "points", false) {
                guard y.rank == 1 else { throw a.error(1, "series \(k) ('\(name)'): points = true needs a 1-D y (one value per x)") }
                made.markers = true
            }
            out.append(made)
        }
        return out
    }

    /// A field holding a tensor or a Lua list of numbers, as a tensor.
    static func vector(_ a: Args, _ t: Int32, _ key: String) throws -> Tensor? {
        guard let at = a.option(t, key) else { return nil }
        defer { a.lua.pop() }
        if let v = try Userdata.object(a.lua, at, Userdata.tensor) as? Tensor { return v }
        guard a.lua.type(at) == LUA_TTABLE else { throw a.error(1, "'\(key)' must be a tensor or a list of numbers") }
        return try a.tensorFromLua(at, dtype: .float64)
    }

    /// A 1-D y is a line; a 2-D y (replicates × points) becomes its mean with the 95% confidence
    /// interval of the mean as a band (not a range of the replicates: that would be wider).
    static func series(name: String, x: [Double]?, y: Tensor, dashed: Bool) throws -> PlotSeries {
        if y.rank == 2 {
            let (k, n) = (y.shape[0], y.shape[1])
            let v = y.toDoubles()
            var mean = [Double](), lo = [Double](), hi = [Double]()
            for j in 0..<n {
                let b = Summary.meanBand((0..<k).map { v[$0 * n + j] })
                mean.append(b.mean); lo.append(b.lower); hi.append(b.upper)
            }
            let xs = x ?? (1...max(n, 1)).prefix(n).map(Double.init)
            guard xs.count == n else { throw LuaError("plot: series '\(name)' has \(xs.count) x values for \(n) points") }
            return PlotSeries(name: name, x: xs, y: mean, lower: k > 1 ? lo : nil, upper: k > 1 ? hi : nil, dashed: dashed)
        }
        guard y.rank == 1 else { throw LuaError("plot: y of series '\(name)' must be 1-D or seeds × points, got \(describeShape(y.shape))") }
        let ys = y.toDoubles()
        let xs = x ?? (1...max(ys.count, 1)).prefix(ys.count).map(Double.init)
        guard xs.count == ys.count else { throw LuaError("plot: series '\(name)' has \(xs.count) x values for \(ys.count) y values") }
        return PlotSeries(name: name, x: xs, y: ys, dashed: dashed)
    }
}
