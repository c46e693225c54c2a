import Foundation
import Report
import Testing

/// `ouro report` rendered by a real browser: headless Chromium (Debian's `chromium`, which
/// `make test` installs) loads the page from disk, takes a screenshot and dumps the DOM; the plots
/// and images must be there, drawn, and the browser must log no error from the page.
@Suite(.enabled(if: OuroBinary.shouldRun, "build the ouro executable first (make test does)"))
struct ReportCLITests {
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func browse(_ html: String, _ args: [String]) throws -> OuroBinary.Result {
        guard let browser = Self.chromium else { throw OuroBinary.CLIError.unusable("no chromium") }
        return try OuroBinary.run(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
                                   "--window-size=1280,3000"] + args + ["file://" + html], executable: browser)
    }

    @Test(.enabled(if: ReportCLITests.chromium != nil || OuroBinary.required, "chromium is not installed (make test installs it)"))
    func aRunsReportRendersInChromium() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-report-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = try scratchFile("report_run.lua", """
            local T = ouro.tensor
            local out = arg[1]
            local truth = {mean = T.zeros({2}), cov = T.eye(2)}
            for _, wf in ipairs({"replace", "accumulate"}) do
              ouro.loop{name = "r", model = function(seed) return ouro.models.gaussian{truth = truth} end,
                real = function(seed) local g = ouro.rng(seed):split("data"); return g:normal({20, 2}), g:normal({50, 2}) end,
                generations = 6, samples = 20, seeds = {1, 2, 3}, workflow = wf, out = out .. "/" .. wf}()
            end
            os.execute("mkdir -p '" .. out .. "/replace/samples'")
            ouro.image.grid(ouro.rng(1):uniform({16, 64}), out .. "/replace/samples/gen-001.png", {columns = 4})
            """)
        let r = try OuroBinary.run(["run", script, dir])
        #expect(r.status == 0, "\(r.err)")
        let rep = try OuroBinary.run(["report", dir])
        #expect(rep.status == 0 && rep.out == dir + "/report.html\n", "\(rep.err)")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        for fetch in ["src=\"http", "href=\"http", "url(http", "<script", "<link"] {
            #expect(!html.contains(fetch), "self-contained, no scripts: \(fetch)")            // (the SVG namespace URI is only a name)
        }
        let metrics = ["nll", "mean_sq_err"]
        for m in metrics { #expect(html.contains("<h3>\(m)</h3>"), "a plot of \(m)") }
        #expect(html.contains("<td>replace</td><td>6</td><td>3</td>"), "the summary table: replace at generation 6 over 3 seeds")
        // the Gaussian's closed forms (the runs' theory.csv), dashed in their workflow's colour
        for wf in ["replace", "accumulate"] { #expect(html.contains(">\(wf) (theory)<"), "a theory line for \(wf) in the legends") }
        #expect(html.contains("stroke-dasharray") && html.contains("; theory "), "dashed theory lines, and theory in the summary table")

        let shot = dir + "/shot.png"
        let s = try browse(dir + "/report.html", ["--screenshot=" + shot])
        #expect(s.status == 0, "\(s.err)")
        let image = try PNG.read(shot)
        #expect(image.width == 1280 && image.height == 3000)
        let distinct = Set(image.pixels.prefix(image.width * 1200 * image.channels)).count
        #expect(distinct > 20, "the screenshot shows drawn plots (\(distinct) distinct byte values)")
        let dom = try browse(dir + "/report.html", ["--dump-dom"])
        #expect(dom.status == 0, "\(dom.err)")
        let svgs = dom.out.components(separatedBy: "<svg").count - 1, imgs = dom.out.components(separatedBy: "<img").count - 1
        #expect(svgs >= 7 && imgs == 1, "the browser's DOM has the plots (\(svgs) svg) and the sample grid (\(imgs) img)")
        for line in (s.err + dom.err).split(separator: "\n") where line.contains("CONSOLE") || line.contains("Uncaught") {
            Issue.record("the page logged: \(line)")
        }
    }

    /// A sweep's page: a plot per grid cell and metric, the grid's columns in the summary table.
    @Test(.enabled(if: ReportCLITests.chromium != nil || OuroBinary.required, "chromium is not installed (make test installs it)"))
    func aSweepsReportRendersInChromium() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-sweep-report-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let script = try scratchFile("report_sweep.lua", SweepCLITests.script)
        let r = try OuroBinary.run(["sweep", script, "--grid", "x=1,2", "--seeds", "0-2", "--out", out])
        #expect(r.status == 0 && r.out.contains("report: \(out)/report.html"), "\(r.err)")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("<th>x</th><th>workflow</th><th>generation</th><th>seeds</th>") && html.contains("<td>2</td><td>replace</td><td>3</td><td>3</td>"),
                "the summary table has a row per cell: x = 2 at generation 3 over 3 seeds")
        #expect(html.contains(">replace (theory)<") && html.contains("; theory "), "the cells' closed forms from the merged theory.csv")
        let theory = read(out + "/theory.csv")
        #expect(theory.hasPrefix("x,run,workflow,generation,metric,value\n") && theory.contains("\n2,t,replace,3,mean_sq_err,"),
                "theory.csv merged with the grid's column")
        let dom = try browse(out + "/report.html", ["--dump-dom"])
        #expect(dom.status == 0, "\(dom.err)")
        let svgs = dom.out.components(separatedBy: "<svg").count - 1
        #expect(svgs == 14, "7 metrics × 2 grid cells drawn, got \(svgs)")
        for line in dom.err.split(separator: "\n") where line.contains("CONSOLE") || line.contains("Uncaught") {
            Issue.record("the page logged: \(line)")
        }
    }
}
