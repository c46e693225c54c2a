import ArgumentParser
import Foundation
import Report

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write DIR/report.html: one self-contained page with a run's or a sweep's configuration, metrics, plots and samples.",
        discussion: "DIR is a run folder, a script's out= folder holding runs, or a sweep folder. The page has no scripts and fetches nothing: plots are inline SVG, images inline PNG.")

    @Argument(help: "The run or sweep folder.") var folder: String

    func run() throws {
        do { print(try HTMLReport.write(folder: folder)) } catch let e as ReportError { throw ScriptFailure(message: e.description) }
    }
}
