import Foundation
import Report
import Testing

/// The report page's reading of metrics.csv and theory.csv, without a browser: every field form
/// the loop's tables can hold (quoted names with commas, quotes and line breaks, CRLF endings,
/// nan and inf), rows that do not fit skipped, and theory values beside the means.
@Suite struct ReportPageTests {
    func folder(_ files: [String: String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-report-page-\(getpid())-\(files.count)").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        return dir
    }

    @Test func readsEveryFieldFormAndSkipsBadRows() throws {
        let metrics = "run,workflow,seed,generation,metric,value\r\n"
            + "r,replace,1,1,\"a,b \"\"q\"\"\nline\",1.5\r\n"      // quoted metric name with a comma, quotes, a line break
            + "r,replace,2,1,\"a,b \"\"q\"\"\nline\",2.5\r\n"
            + "r,replace,1,1,plain,nan\n"
            + "r,replace,2,1,plain,4\n"
            + "r,replace,1,2,plain,inf\n"
            + "r,replace,1,2,plain\n"                             // a field short: skipped
            + "r,replace,1,x,plain,9\n"                           // no generation: skipped
            + "r,replace,1,3,plain,1e400x\n"                      // not a number: NaN
        let theory = "run,workflow,generation,metric,value\nr,replace,1,plain,3.25\nr,replace,2,plain,7\n"
        let dir = try folder(["metrics.csv": metrics, "theory.csv": theory])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let html = try HTMLReport.html(folder: dir)
        #expect(html.contains("8 metric values") == false && html.contains("6 metric values"), "6 rows read, 2 skipped")
        #expect(html.contains("<h3>a,b &quot;q&quot;\nline</h3>"), "the quoted name survives")
        #expect(html.contains("<h3>plain</h3>"))
        // the last generation of `plain` is 3 (one NaN value); of the quoted metric, 1: mean of 1.5 and 2.5
        #expect(html.contains("<td>replace</td><td>3</td><td>1</td>"), "summary row at generation 3, where one seed has a value")
        #expect(html.contains(">replace (theory)<"), "theory drawn")
    }

    @Test func theoryBesideTheMeanInTheSummary() throws {
        let metrics = "run,workflow,seed,generation,metric,value\nr,replace,1,1,m,1\nr,replace,2,1,m,3\n"
        let dir = try folder(["metrics.csv": metrics, "theory.csv": "run,workflow,generation,metric,value\nr,replace,1,m,2.5\n"])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let html = try HTMLReport.html(folder: dir)
        #expect(html.contains("<td>2 [") && html.contains("; theory 2.5</td>"), "mean 2 with its interval, and the theory's 2.5")
    }

    @Test func disagreeingTheoriesAreNotDrawn() throws {
        let metrics = "run,workflow,seed,generation,metric,value\nr,replace,1,1,m,1\n"
        let dir = try folder(["metrics.csv": metrics])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (sub, v) in [("a", "1"), ("b", "2")] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            try "run,workflow,generation,metric,value\nr,replace,1,m,\(v)\n".write(toFile: dir + "/\(sub)/theory.csv", atomically: true, encoding: .utf8)
        }
        let html = try HTMLReport.html(folder: dir)
        #expect(!html.contains(">replace (theory)<") && !html.contains("; theory"), "two runs' different closed forms for one line: neither drawn")
    }
}
