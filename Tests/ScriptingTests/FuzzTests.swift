import Foundation
import Testing

/// Thousands of random calls at the whole API (Tests/fuzz/fuzz.lua) in a child `ouro` process,
/// watched from outside: it must end by itself with exit status 0 — never die by a signal (a Swift
/// trap, a segfault, the kernel's OOM killer), never hang (no new call for `stall` seconds).
/// A few seconds per seed here; `make fuzz` runs it longer (OURO_FUZZ_SECONDS, OURO_FUZZ_SEEDS).
@Suite(.enabled(if: OuroBinary.shouldRun, "needs the ouro binary"))
struct FuzzTests {
    static let env = ProcessInfo.processInfo.environment
    static let seconds = Int(env["OURO_FUZZ_SECONDS"] ?? "") ?? 3
    static let seeds: [Int] = {
        if let text = env["OURO_FUZZ_SEEDS"], let n = Int(text) { return Array(1...max(n, 1)) }
        return [1, 2]
    }()
    /// A call that runs this long without the next one starting is a hang.
    static let stall: TimeInterval = 30

    @Test(arguments: seeds)
    func randomCallsNeverKillOrHang(seed: Int) throws {
        let bin = try #require(OuroBinary.path, "the ouro binary")
        let script = OuroBinary.root.appendingPathComponent("Tests/fuzz/fuzz.lua").path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-fuzz-\(getpid())-\(seed)")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["run", script, String(seed), String(FuzzTests.seconds)]
        p.currentDirectoryURL = work
        var environment = FuzzTests.env
        environment["OURO_MEMORY_LIMIT"] = "1G"        // the policy, not the machine, stops big requests
        p.environment = environment
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let watch = CallWatch()
        err.fileHandleForReading.readabilityHandler = { h in watch.append(h.availableData) }
        try p.run()
        var hung = false
        while p.isRunning {
            usleep(100_000)
            if Date().timeIntervalSince(watch.lastProgress) > FuzzTests.stall { hung = true; p.terminate(); usleep(500_000); kill(p.processIdentifier, SIGKILL) }
        }
        p.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        watch.append(err.fileHandleForReading.readDataToEndOfFile())
        let last = watch.lastCall
        #expect(!hung, "seed \(seed): no progress for \(Int(FuzzTests.stall)) s after \(last)")
        #expect(p.terminationReason == .exit, "seed \(seed): killed by signal \(p.terminationStatus) during \(last)\n\(watch.tail)")
        #expect(hung || p.terminationStatus == 0, "seed \(seed): exit status \(p.terminationStatus) after \(last)\n\(watch.tail)")
        #expect(watch.text.contains("fuzz: "), "seed \(seed): the fuzz did not finish: \(watch.tail)")
    }
}

/// What the child writes on stderr: the last call started and when.
final class CallWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private(set) var lastProgress = Date()

    func append(_ d: Data) {
        guard !d.isEmpty else { return }
        lock.lock(); data.append(d); lastProgress = Date(); lock.unlock()
    }

    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }

    var lastCall: String {
        text.components(separatedBy: "\n").last(where: { $0.hasPrefix("call ") }) ?? "(before the first call)"
    }

    var tail: String { String(text.suffix(3000)) }
}
