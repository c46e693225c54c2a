import Data
import Foundation
import Loop
import Tensor
import Testing

/// A scratch folder for one test.
func scratchFolder(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: dir)
    return dir
}

@Suite struct RunStoreTests {
    func store(_ dir: String, identity: UInt64 = 7, keepPool: Bool = false) throws -> RunStore {
        try RunStore(dir: dir, run: "r", workflow: "w", identity: identity, description: ["test": true], keepPool: keepPool)
    }

    func batch(_ g: Int) throws -> SampledBatch {
        SampledBatch(rows: try Tensor.full([2, 2], Double(g)), accepted: [true, false], scores: [.nan, 0.5])
    }

    @Test func damagedJournalTailIsDroppedAndTheGenerationRerun() throws {
        let dir = scratchFolder("journal")
        let s = try store(dir)
        _ = try s.load(seed: 1, data: 42, generations: 10)
        let j = try s.openJournal(seed: 1, fresh: true, thin: false)
        for g in 1...3 {
            try s.commit(j, data: 42, generation: g, batch: try batch(g),
                         rows: [MetricRow(seed: 1, generation: g, metric: "a,b\n\"c\"", value: Double(g) / 3)], seconds: 0.1)
        }
        try j.flush()
        let path = dir + "/seeds/1/journal.bin"
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        try full.prefix(full.count - 5).write(to: URL(fileURLWithPath: path))       // a kill mid-record
        let st = try s.load(seed: 1, data: 42, generations: 10)
        #expect(st.completed == 2 && st.rows.map(\.value) == [1 / 3.0, 2 / 3.0] && st.batches.count == 2)
        #expect(st.rows[0].metric == "a,b\n\"c\"", "metric names survive any characters")
        #expect(st.batches[1].batch.rows.tensor?.toDoubles() == [2, 2, 2, 2] && st.batches[1].batch.accepted == [true, false])
        #expect(st.batches[1].batch.scores[1] == 0.5 && st.batches[1].batch.scores[0].isNaN)
        // the tail was cut back to the last whole entry: appending continues cleanly
        let j2 = try s.openJournal(seed: 1, fresh: false, thin: false)
        try s.commit(j2, data: 42, generation: 3, batch: nil, rows: [MetricRow(seed: 1, generation: 3, metric: "m", value: 1)], seconds: 0.1)
        try j2.flush()
        #expect(try s.load(seed: 1, data: 42, generations: 10).completed == 3)
        // other data, or another run's journal: refused, not mixed
        #expect(throws: LoopError.self) { try s.load(seed: 1, data: 43, generations: 10) }
        s.close()
        let other = try store(scratchFolder("journal-other"), identity: 8)
        try FileManager.default.createDirectory(atPath: other.dir + "/seeds/1", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path, toPath: other.dir + "/seeds/1/journal.bin")
        let e = #expect(throws: LoopError.self) { try other.load(seed: 1, data: 42, generations: 10) }
        #expect(e?.message.contains("different run") == true, "\(String(describing: e))")
        other.close()
        try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: other.dir)
    }

    @Test func journalKeepsDocumentsByteForByte() throws {
        let dir = scratchFolder("journal-docs")
        let s = try store(dir)
        _ = try s.load(seed: 0, data: 1, generations: 5)
        let j = try s.openJournal(seed: 0, fresh: true, thin: false)
        let docs = try Documents([Array("Q: why?\nA: because".utf8), [0xFF, 0x00, 0x0A], []], promptLengths: [8, 1, 0])
        try s.commit(j, data: 1, generation: 1, batch: SampledBatch(rows: .documents(docs), accepted: [true, false, true], scores: [1, 2, .nan]),
                     rows: [MetricRow(seed: 0, generation: 1, metric: "test_ce", value: 2.5)], seconds: 0.1)
        try s.commit(j, data: 1, generation: 2, batch: SampledBatch(rows: .documents(Documents([Array("x".utf8)], promptLengths: [0])), accepted: [], scores: []),
                     rows: [MetricRow(seed: 0, generation: 2, metric: "test_ce", value: 2.6)], seconds: 0.1)
        try j.flush()
        let st = try s.load(seed: 0, data: 1, generations: 5)
        #expect(st.completed == 2)
        let back = try #require(st.batches.first?.batch.rows.documents)
        #expect(back.texts == docs.texts && back.promptLengths == docs.promptLengths)
        #expect(st.batches[0].batch.accepted == [true, false, true] && st.batches[0].batch.scores[1] == 2)
        #expect(st.batches[1].batch.accepted.isEmpty && st.batches[1].batch.rows.count == 1)
        s.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func finishedRecordsAreCheckedAndRecomputedWhenDamagedOrMissing() throws {
        let dir = scratchFolder("final")
        var s = try store(dir)
        func rows(_ seed: Int) -> [MetricRow] { (1...3).map { MetricRow(seed: seed, generation: $0, metric: "m,\"x\"", value: Double($0) / 7) } }
        for seed in 1...3 { try s.finish(seed: seed, data: 5, rows: rows(seed), timings: [0.1, 0.1, 0.1], pool: nil, hadJournal: false) }
        let done = try s.load(seed: 2, data: 5, generations: 3)
        #expect(done.done && done.rows == rows(2), "rows read back exactly, odd names included")
        #expect(throws: LoopError.self) { try s.load(seed: 2, data: 6, generations: 3) }      // other data
        s.close()
        // a kill in the middle of appending seed 3's record: seeds 1 and 2 stay, seed 3 is recomputed
        let path = dir + "/finished.bin"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: path))
        s = try store(dir)
        #expect(try s.load(seed: 2, data: 5, generations: 3).done)
        #expect(try !s.load(seed: 3, data: 5, generations: 3).done)
        try s.finish(seed: 3, data: 5, rows: rows(3), timings: [0.1, 0.1, 0.1], pool: nil, hadJournal: false)
        s.close()
        // damage in the middle: that seed and the ones after it are recomputed
        bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 1
        try bytes.write(to: URL(fileURLWithPath: path))
        s = try store(dir)
        #expect(try s.load(seed: 1, data: 5, generations: 3).done)
        #expect(try !s.load(seed: 3, data: 5, generations: 3).done)
        s.close()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

@Suite struct RunFolderTests {
    @Test func foreignFoldersAreRefusedAndLeftAlone() throws {
        let fm = FileManager.default
        let user = scratchFolder("userdir")
        try fm.createDirectory(atPath: user + "/sub", withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: user + "/sub/report.tmp-final.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: user + "/metrics.csv.tmp-123"))
        let e = #expect(throws: LoopError.self) { try RunFolder(path: user, identity: 1, description: [:]) }
        #expect(e?.message.contains("not an Ouroboros run folder") == true, "\(String(describing: e))")
        #expect(fm.fileExists(atPath: user + "/sub/report.tmp-final.txt") && fm.fileExists(atPath: user + "/metrics.csv.tmp-123"))
        #expect(!fm.fileExists(atPath: user + "/run.json") && !fm.fileExists(atPath: user + "/lock"), "nothing written into it")
        #expect(throws: LoopError.self) { try RunFolder(path: "", identity: 1, description: [:]) }
        #expect(throws: LoopError.self) { try RunFolder(path: "/", identity: 1, description: [:]) }
        try? fm.removeItem(atPath: user)
    }

    @Test func aRunFolderIsLockedAndItsOwnTemporariesTidied() throws {
        let fm = FileManager.default
        let dir = scratchFolder("locked")
        let first = try RunFolder(path: dir, identity: 3, description: ["a": 1])
        let e = #expect(throws: LoopError.self) { try RunFolder(path: dir, identity: 3, description: ["a": 1]) }
        #expect(e?.message.contains("in use by another run") == true && e?.message.contains("pid \(getpid())") == true, "\(String(describing: e))")
        first.unlock()
        // a kill during an atomic write leaves a temporary: only the loop's own are removed
        try fm.createDirectory(atPath: dir + "/seeds/4", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/samples", withIntermediateDirectories: true)
        let own = ["metrics.csv.tmp-99", "seeds/4/pool.npy.tmp-12", "seeds/4/gen-003.safetensors.tmp-7", "samples/gen-012.txt.tmp-8", "samples/gen-1000.png.tmp-9"]
        let others = ["notes.tmp-1", "seeds/4/mine.txt.tmp-5", "samples/gen-01.txt.tmp-3", "samples/gen-002.svg.tmp-4", "samples/gen-002.txt.tmp-x"]
        for name in own + others {
            try Data().write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        let second = try RunFolder(path: dir, identity: 3, description: ["a": 1])
        for name in own { #expect(!fm.fileExists(atPath: dir + "/" + name), "\(name) is the loop's own temporary") }
        for name in others { #expect(fm.fileExists(atPath: dir + "/" + name), "\(name) is not the loop's") }
        second.unlock()
        // another identity, or a run folder whose identity was deleted: refused
        #expect(throws: LoopError.self) { try RunFolder(path: dir, identity: 4, description: [:]) }
        try fm.removeItem(atPath: dir + "/run.json")
        let lost = #expect(throws: LoopError.self) { try RunFolder(path: dir, identity: 3, description: [:]) }
        #expect(lost?.message.contains("no run.json") == true, "\(String(describing: lost))")
        try? fm.removeItem(atPath: dir)
    }

    @Test func csvFieldsAreQuotedAsRFC4180() {
        #expect(CSV.field("plain") == "plain")
        #expect(CSV.field("a,b") == "\"a,b\"" && CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"" && CSV.field("x\ny") == "\"x\ny\"")
        let text = "m,v\n" + ["a,b", "x\ny", "q\"q", "cr\r"].map { CSV.field($0) + ",1\n" }.joined()
        #expect(CSV.parse(text).map { $0[0] } == ["m", "a,b", "x\ny", "q\"q", "cr\r"])
    }
}

@Suite struct ChecksumTests {
    @Test func everyByteLengthAndOrderCounts() {
        let base = (0..<100).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        let h = Checksum.of(base)
        var seen: Set<UInt64> = [h]
        for i in 0..<base.count {
            var b = base; b[i] ^= 1
            #expect(seen.insert(Checksum.of(b)).inserted, "flipping byte \(i) must change the checksum")
        }
        for n in 0..<base.count { #expect(seen.insert(Checksum.of(Array(base.prefix(n)))).inserted, "length \(n)") }
        #expect(Checksum.of(base) == h, "deterministic")
    }
}

@Suite struct JSONTextTests {
    /// The records' JSON (and through it every run's identity checksum) must not change with how
    /// a value is held: arrays of doubles and integers (written without boxing) read like any other
    /// flat array; keys sorted; non-finite numbers as strings.
    @Test func typedAndGeneralArraysReadAlike() {
        let doc: [String: Any] = [
            "t": [0.5, 2.0, -1e-300, .infinity] as [Double], "s": [3, -1] as [Int],
            "m": [1, 0.5, true] as [Any], "o": ["k": "v"], "e": [Double](),
        ]
        #expect(JSONText.encode(doc) == """
            {
              "e" : [],
              "m" : [1, 0.5, true],
              "o" : {
                "k" : "v"
              },
              "s" : [3, -1],
              "t" : [0.5, 2.0, -1e-300, "inf"]
            }
            """)
        #expect(JSONText.encode(doc, pretty: false) == #"{"e":[],"m":[1,0.5,true],"o":{"k":"v"},"s":[3,-1],"t":[0.5,2.0,-1e-300,"inf"]}"#)
    }
}
