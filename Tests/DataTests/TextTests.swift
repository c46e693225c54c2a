import Data
import Foundation
import Tensor
import Testing

/// Corpora (every separator, directories, JSON Lines and their errors, the held-out split) and the
/// byte-level BPE tokenizer (lossless on any bytes, the same merges as a from-scratch reference,
/// deterministic, saved and loaded).
@Suite struct TextTests {
    let dir: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("ouro-text-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func strings(_ d: Documents) -> [String] { d.texts.map { String(decoding: $0, as: UTF8.self) } }

    @Test func separators() throws {
        let f = try write("f.txt", "\n  \nfirst line\n  indented\n%\n%\nsecond\n\n%\nthird\n")
        #expect(strings(try TextCorpus.read(f, format: .plain(.marker("%")))) == ["first line\n  indented", "second", "third"])
        #expect(strings(try TextCorpus.read(f, format: .plain(.line))) == ["first line", "  indented", "%", "%", "second", "%", "third"])
        #expect(strings(try TextCorpus.read(f, format: .plain(.blank))) == ["first line\n  indented\n%\n%\nsecond", "%\nthird"])
        #expect(strings(try TextCorpus.read(f, format: .plain(.file))) == ["first line\n  indented\n%\n%\nsecond\n\n%\nthird"])
        let crlf = try write("crlf.txt", "a\r\n%\r\nb\r\n")
        #expect(strings(try TextCorpus.read(crlf, format: .plain(.marker("%")))) == ["a", "b"])
        let none = try write("empty.txt", "\n\n")
        #expect(try TextCorpus.read(none, format: .plain(.marker("%"))).count == 0)
    }

    /// A directory: files in path order, recursively; binary files and a second name for one file skipped.
    @Test func directories() throws {
        let d = dir + "/corpus"
        _ = try write("corpus/b", "b1\n%\nb2\n")
        _ = try write("corpus/a", "a1\n")
        _ = try write("corpus/sub/c", "c1\n")
        try Data([0x25, 0x00, 0x01, 0x02]).write(to: URL(fileURLWithPath: d + "/b.dat"))
        try FileManager.default.createSymbolicLink(atPath: d + "/b.u8", withDestinationPath: "b")
        #expect(strings(try TextCorpus.read(d, format: .plain(.marker("%")))) == ["a1", "b1", "b2", "c1"])
        #expect(throws: TensorError.self) { try TextCorpus.read(dir + "/missing", format: .plain(.line)) }
    }

    @Test func jsonLinesAndTheirErrors() throws {
        let good = try write("good.jsonl", "{\"text\": \"héllo\", \"n\": 1}\n\n{\"text\": \"two\\nlines\"}\n")
        #expect(strings(try TextCorpus.read(good, format: .jsonl(field: "text"))) == ["héllo", "two\nlines"])
        let pairs = try write("pairs.jsonl", "{\"prompt\": \"Q: 2+2?\\nA:\", \"response\": \" 4\"}\n")
        let p = try TextCorpus.read(pairs, format: .pairs(prompt: "prompt", response: "response"))
        #expect(p.isPairs && String(decoding: p.prompt(0), as: UTF8.self) == "Q: 2+2?\nA:" && String(decoding: p.response(0), as: UTF8.self) == " 4")
        for (body, message) in [("{\"text\": \"a\"}\n{\"text\": \"b\"\n", "bad.jsonl:2: not valid JSON"),
                                ("{\"text\": \"a\"}\n{\"body\": \"b\"}\n", "bad.jsonl:2: the object has no field 'text' (fields: body)"),
                                ("{\"text\": 5}\n", "bad.jsonl:1: the field 'text' is not a string"),
                                ("[1, 2]\n", "bad.jsonl:1: expected a JSON object")] {
            let f = try write("bad.jsonl", body)
            do {
                _ = try TextCorpus.read(f, format: .jsonl(field: "text"))
                Issue.record("no error for \(body)")
            } catch let e as TensorError {
                #expect(e.message.hasSuffix(message) || e.message.contains(message), "\(e.message)")
            }
        }
    }

    @Test func responseMarkerMakesPairs() throws {
        let f = try write("riddles", "Q:\tWhy?\nA:\tBecause.\n%\nno marker here\n%\nQ:\tA: inside\nA:\n%\nA:\tfirst line\n")
        let d = try TextCorpus.read(f, format: .plain(.marker("%")), responseMarker: "A:")
        // the second document has no marker; the third has it only with nothing after (no response)
        #expect(d.count == 2)
        #expect(String(decoding: d.prompt(0), as: UTF8.self) == "Q:\tWhy?\nA:")
        #expect(String(decoding: d.response(0), as: UTF8.self) == "\tBecause.")
        #expect(String(decoding: d.prompt(1), as: UTF8.self) == "A:")
    }

    /// The split is fixed by (corpus, fraction, seed), disjoint, complete and keeps the corpus order.
    @Test func heldOutSplit() throws {
        let docs = Documents((0..<1000).map { Array("doc \($0)".utf8) })
        let (train, test) = try docs.split(testFraction: 0.1, seed: 0)
        #expect(test.count == 100 && train.count == 900)
        let again = try docs.split(testFraction: 0.1, seed: 0)
        #expect(again.test.texts == test.texts)
        #expect(try docs.split(testFraction: 0.1, seed: 1).test.texts != test.texts)
        #expect(Set(train.texts.map { String(decoding: $0, as: UTF8.self) }).isDisjoint(with: test.texts.map { String(decoding: $0, as: UTF8.self) }))
        let index = { (d: [UInt8]) in Int(String(decoding: d.dropFirst(4), as: UTF8.self))! }
        #expect(test.texts.map(index) == test.texts.map(index).sorted())
        #expect(throws: TensorError.self) { try docs.split(testFraction: 1, seed: 0) }
    }

    // MARK: BPE

    /// Chunks cover the text exactly; words keep one leading space; whitespace runs leave their
    /// last space to the next word; UTF-8 sequences stay whole.
    @Test func chunking() {
        func cut(_ s: String) -> [String] {
            let b = Array(s.utf8)
            return BPETokenizer.chunks(b[...]).map { String(decoding: b[$0], as: UTF8.self) }
        }
        #expect(cut("Hello, world!  It's 2024.") == ["Hello", ",", " world", "!", " ", " It", "'", "s", " 2024", "."])
        #expect(cut("a\n\n  b") == ["a", "\n\n ", " b"])
        #expect(cut("naïve café") == ["naïve", " café"])
        #expect(cut("") == [])
    }

    /// A from-scratch reference: recount every pair over every word before each merge.
    func referenceMerges(_ docs: [[UInt8]], vocab: Int) -> [(Int32, Int32)] {
        var words: [[Int32]: Int] = [:]
        for d in docs { for r in BPETokenizer.chunks(d[...]) where r.count > 1 { words[d[r].map { Int32($0) }, default: 0] += 1 } }
        var merges: [(Int32, Int32)] = []
        while 257 + merges.count < vocab {
            var counts: [UInt64: Int] = [:]
            for (w, f) in words { for j in 0..<max(0, w.count - 1) { counts[BPETokenizer.key(w[j], w[j + 1]), default: 0] += f } }
            guard let best = counts.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }), best.value >= 2 else { break }
            let a = Int32(best.key >> 32), b = Int32(best.key & 0xffff_ffff), t = Int32(257 + merges.count)
            merges.append((a, b))
            var next: [[Int32]: Int] = [:]
            for (w, f) in words {
                var m: [Int32] = [], j = 0
                while j < w.count { if j + 1 < w.count, w[j] == a, w[j + 1] == b { m.append(t); j += 2 } else { m.append(w[j]); j += 1 } }
                next[m, default: 0] += f
            }
            words = next
        }
        return merges
    }

    @Test func trainingMatchesTheReference() throws {
        let rng = RNG(seed: 5)
        let alphabet = Array("aab ba.\nxyzé".utf8)
        for trial in 0..<4 {
            let idx = try rng.integers(0, Int64(alphabet.count - 1), [4000]).toDoubles().map { Int($0) }
            let text = idx.map { alphabet[$0] }
            let docs = stride(from: 0, to: text.count, by: 400).map { Array(text[$0..<min($0 + 400, text.count)]) }
            let vocab = 257 + 40 * (trial + 1)
            let fast = try BPETokenizer.train(docs, vocabularySize: vocab)
            let slow = referenceMerges(docs, vocab: vocab)
            #expect(fast.merges.map { [$0.0, $0.1] } == slow.map { [$0.0, $0.1] }, "trial \(trial)")
        }
        // a corpus with no pair seen twice stops early
        let tiny = try BPETokenizer.train([Array("ab".utf8)], vocabularySize: 300)
        #expect(tiny.vocabularySize == 257)
        #expect(throws: TensorError.self) { try BPETokenizer.train([], vocabularySize: 10) }
    }

    /// Any bytes round-trip — random bytes (mostly invalid UTF-8), every byte value, multi-byte
    /// text — through the byte-level tokenizer and a trained one; merged tokens are used.
    @Test func losslessRoundTrip() throws {
        let corpus = (0..<200).map { Array("The quick brown fox \($0) jumps over the lazy dog; naïve café №\($0 % 7).".utf8) }
        let trained = try BPETokenizer.train(corpus, vocabularySize: 400)
        #expect(trained.vocabularySize > 300)
        let rng = RNG(seed: 9)
        var samples: [[UInt8]] = [Array(0...255), [], Array("日本語のテキスト and emoji 🙂 mixed".utf8), corpus[3]]
        for _ in 0..<20 { samples.append(try rng.integers(0, 255, [Int(try rng.integers(0, 300, [1]).toDoubles()[0])]).toDoubles().map { UInt8($0) }) }
        for tok in [BPETokenizer(), trained] {
            for s in samples {
                let ids = tok.encode(s)
                #expect(try tok.decode(ids) == s)
                #expect(try tok.decode(tok.encode(s, endOfText: true)) == s)
            }
        }
        #expect(trained.encode(corpus[3]).count * 3 < corpus[3].count, "merges compress the text they were learnt from")
        #expect(BPETokenizer().encode(corpus[3]).count == corpus[3].count)
        #expect(throws: TensorError.self) { try trained.decode([Int32(trained.vocabularySize)]) }
    }

    @Test func saveAndLoad() throws {
        let corpus = (0..<50).map { Array("hello world \($0) hello there".utf8) }
        let tok = try BPETokenizer.train(corpus, vocabularySize: 300)
        let again = try BPETokenizer.train(corpus, vocabularySize: 300)
        #expect(tok.merges.map { [$0.0, $0.1] } == again.merges.map { [$0.0, $0.1] }, "training is deterministic")
        let path = dir + "/tok.bpe"
        try tok.save(path)
        let back = try BPETokenizer.load(path)
        #expect(back.merges.map { [$0.0, $0.1] } == tok.merges.map { [$0.0, $0.1] })
        #expect(back.encode(corpus[7]) == tok.encode(corpus[7]))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for (broken, message) in [(text.replacingOccurrences(of: "ouro-bpe 1", with: "gpt2"), "tok.bpe:1:"),
                                  ("ouro-bpe 1\nspecials <|endoftext|>\nmerges 2\n104 101\n", "ends after 1 of 2 merges"),
                                  ("ouro-bpe 1\nspecials <|endoftext|>\nmerges 1\n104 999\n", "not tokens before it"),
                                  ("ouro-bpe 1\nspecials <|endoftext|>\nmerges 1\n104 x\n", "tok.bpe:4: expected two token ids")] {
            try broken.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try BPETokenizer.load(path); Issue.record("loaded a broken file") } catch let e as TensorError {
                #expect(e.message.contains(message), "\(e.message)")
            }
        }
    }

    /// The real corpus: Debian's fortunes, a 4096-token vocabulary, about 3 bytes a token on held-out documents.
    @Test func fortunes() throws {
        guard FileManager.default.fileExists(atPath: TextCorpus.debianFortunes) else { return }
        let all = try TextCorpus.read(TextCorpus.debianFortunes, format: .plain(.marker("%")))
        #expect(all.count > 10_000)
        let (train, test) = try all.split(testFraction: 0.1, seed: 0)
        let tok = try BPETokenizer.train(train.texts, vocabularySize: 4096)
        #expect(tok.vocabularySize == 4096)
        var bytes = 0, tokens = 0
        for d in test.texts { bytes += d.count; tokens += tok.encode(d).count; #expect(try tok.decode(tok.encode(d)) == d) }
        #expect(Double(bytes) / Double(tokens) > 2.5)
    }
}
