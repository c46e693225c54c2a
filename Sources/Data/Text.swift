import Foundation
import Tensor

/// A list of documents, each a byte string (text is kept as bytes: nothing is lost to decoding,
/// and a tokenizer or a Lua string takes bytes as they are). For fine-tuning data each document
/// is a prompt followed by its response, and `promptLengths[i]` says where the prompt ends.
public final class Documents {
    public let texts: [[UInt8]]
    /// Bytes of prompt at the start of each document (pairs only).
    public let promptLengths: [Int]?

    /// Documents without prompts.
    public convenience init(_ texts: [[UInt8]]) { self.init(checked: texts, promptLengths: nil) }

    /// Documents, and for pairs each one's prompt length (one per document).
    public convenience init(_ texts: [[UInt8]], promptLengths: [Int]?) throws {
        if let p = promptLengths {
            guard p.count == texts.count else { throw TensorError("documents: \(p.count) prompt lengths for \(texts.count) documents") }
        }
        self.init(checked: texts, promptLengths: promptLengths)
    }

    /// Documents whose prompt lengths are known to match them (one per document, or none).
    private init(checked texts: [[UInt8]], promptLengths: [Int]?) {
        self.texts = texts
        self.promptLengths = promptLengths
    }

    public var count: Int { texts.count }
    public var isPairs: Bool { promptLengths != nil }
    /// Total bytes over all documents.
    public var bytes: Int { texts.reduce(0) { $0 + $1.count } }

    public func prompt(_ i: Int) -> ArraySlice<UInt8> { texts[i].prefix(promptLengths?[i] ?? 0) }
    public func response(_ i: Int) -> ArraySlice<UInt8> { texts[i].dropFirst(promptLengths?[i] ?? 0) }

    /// The documents in the fortune format, each followed by a line holding only "%" (a document
    /// holding such a line of its own would read back as two), as `TextCorpus` reads it back.
    public func fortuneText() -> [UInt8] {
        var out: [UInt8] = []
        for t in texts {
            out += t
            if t.last != 0x0A { out.append(0x0A) }
            out += Array("%\n".utf8)
        }
        return out
    }

    /// The documents at the given 0-based indices, in that order.
    public func subset(_ indices: [Int]) -> Documents {
        Documents(checked: indices.map { texts[$0] }, promptLengths: promptLengths.map { p in indices.map { p[$0] } })
    }

    /// A fixed held-out split: a seeded permutation puts round(n · fraction) documents in the test
    /// part; both parts keep the corpus order. The same corpus, fraction and seed give the same split.
    public func split(testFraction: Double, seed: UInt64) throws -> (train: Documents, test: Documents) {
        guard testFraction >= 0, testFraction < 1 else { throw TensorError("the test fraction must be in [0, 1), got \(testFraction)") }
        let nTest = Int((Double(count) * testFraction).rounded())
        let order = try RNG(seed: seed).split("text-split").permutation(count)
        var isTest = [Bool](repeating: false, count: count)
        for i in order.prefix(nTest) { isTest[i] = true }
        return (subset((0..<count).filter { !isTest[$0] }), subset((0..<count).filter { isTest[$0] }))
    }
}

/// Reading corpora: plain text files (documents separated by a line holding only a separator,
/// by blank lines, one per line, or one per file), directories of them, and JSON Lines.
public enum TextCorpus {
    /// Debian's `fortunes` and `fortunes-min`: files of documents separated by lines holding `%`.
    public static let debianFortunes = "/usr/share/games/fortunes"

    public enum Separator: Equatable {
        /// A line holding only this string ends a document (fortune files: "%").
        case marker(String)
        /// Every line is a document.
        case line
        /// One or more blank lines end a document.
        case blank
        /// Every file is one document.
        case file
    }

    public enum Format: Equatable {
        case plain(Separator)
        /// JSON Lines, one document per line: the string in `field`.
        case jsonl(field: String)
        /// JSON Lines of fine-tuning pairs: the strings in `prompt` and `response`.
        case pairs(prompt: String, response: String)
    }

    /// The documents of a file, or of every file under a directory (sorted by path, recursively;
    /// binary files — a NUL byte in the first 8 KiB — and second names of one file are skipped).
    /// Documents are trimmed of surrounding blank lines and empty ones dropped. With
    /// `responseMarker`, plain documents become pairs: the prompt runs to the end of the first
    /// line-start occurrence of the marker (e.g. "A:"), the response is the rest; documents
    /// without it are dropped.
    public static func read(_ path: String, format: Format, responseMarker: String? = nil) throws -> Documents {
        var texts: [[UInt8]] = [], prompts: [Int] = []
        let pairs: Bool = { if case .pairs = format { return true }; return responseMarker != nil }()
        for file in try files(path) {
            guard let bytes = try AtomicFile.read(file) else { throw TensorError("cannot read '\(file)': No such file or directory") }
            switch format {
            case .plain(let sep):
                for doc in split(bytes, sep) {
                    if let marker = responseMarker {
                        guard let cut = promptEnd(doc, marker: Array(marker.utf8)) else { continue }
                        texts.append(doc); prompts.append(cut)
                    } else {
                        texts.append(doc)
                    }
                }
            case .jsonl(let field):
                try jsonLines(bytes, file: file) { obj, line in
                    texts.append(try string(obj, field, file: file, line: line))
                }
            case .pairs(let p, let r):
                try jsonLines(bytes, file: file) { obj, line in
                    let prompt = try string(obj, p, file: file, line: line), response = try string(obj, r, file: file, line: line)
                    texts.append(prompt + response); prompts.append(prompt.count)
                }
            }
        }
        return try Documents(texts, promptLengths: pairs ? prompts : nil)
    }

    /// The files a path names: itself, or the text files under a directory.
    static func files(_ path: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw TensorError("cannot read '\(path)': No such file or directory")
        }
        guard isDir.boolValue else { return [path] }
        guard let walker = FileManager.default.enumerator(atPath: path) else { throw TensorError("cannot list the directory '\(path)'") }
        var seen = Set<String>(), out: [String] = []
        for case let rel as String in walker {
            let full = (path as NSString).appendingPathComponent(rel)
            guard let resolved = realpath(full, nil) else { continue }
            let real = String(cString: resolved)
            free(resolved)
            var d: ObjCBool = false
            guard FileManager.default.fileExists(atPath: real, isDirectory: &d), !d.boolValue, !seen.contains(real) else { continue }
            guard let h = FileHandle(forReadingAtPath: real) else { continue }
            let head = (try? h.read(upToCount: 8192)) ?? Data()
            try? h.close()
            if head.contains(0) { continue }
            seen.insert(real)
            out.append(full)
        }
        out.sort()
        guard !out.isEmpty else { throw TensorError("the directory '\(path)' holds no text files") }
        return out
    }

    /// Splits a file's bytes into trimmed, non-empty documents.
    static func split(_ b: [UInt8], _ sep: Separator) -> [[UInt8]] {
        if sep == .file { return [trim(b[...])].filter { !$0.isEmpty } }
        var docs: [[UInt8]] = [], start = 0, i = 0, blankRun = false
        let marker = { if case .marker(let m) = sep { return Array(m.utf8) }; return [] }()
        func close(_ end: Int) {
            let d = trim(b[start..<end])
            if !d.isEmpty { docs.append(d) }
        }
        while i <= b.count {
            let lineEnd = b[i...].firstIndex(of: 0x0a) ?? b.count
            var line = b[i..<lineEnd]
            if line.last == 0x0d { line = line.dropLast() }
            let next = min(lineEnd + 1, b.count + 1)
            switch sep {
            case .marker:
                if line.elementsEqual(marker) { close(i); start = next }
            case .line:
                close(lineEnd); start = next
            case .blank:
                let blank = line.allSatisfy { $0 == 0x20 || $0 == 0x09 }
                if blank && !blankRun { close(i) }
                if blank { start = next }
                blankRun = blank
            case .file: break
            }
            if lineEnd >= b.count { break }
            i = next
        }
        if start < b.count { close(b.count) }
        return docs
    }

    /// Without leading and trailing blank lines (and a final newline); inner text as it is.
    static func trim(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var lo = s.startIndex, hi = s.endIndex
        // drop whole blank lines at the start
        var j = lo
        while j < hi {
            if s[j] == 0x0a { lo = j + 1 } else if s[j] != 0x20 && s[j] != 0x09 && s[j] != 0x0d { break }
            j += 1
        }
        if j == hi { return [] }
        while hi > lo, [0x0a, 0x0d, 0x20, 0x09].contains(s[hi - 1]) { hi -= 1 }
        return Array(s[lo..<hi])
    }

    /// The byte offset just past the marker where a line starts with it, or nil.
    static func promptEnd(_ doc: [UInt8], marker: [UInt8]) -> Int? {
        guard !marker.isEmpty else { return nil }
        var i = 0
        while i + marker.count <= doc.count {
            if (i == 0 || doc[i - 1] == 0x0a) && doc[i..<(i + marker.count)].elementsEqual(marker) {
                return i + marker.count < doc.count ? i + marker.count : nil
            }
            i = (doc[i...].firstIndex(of: 0x0a) ?? doc.count) + 1
        }
        return nil
    }

    /// Calls body with each non-blank line's JSON object and its 1-based line number.
    static func jsonLines(_ b: [UInt8], file: String, _ body: ([String: Any], Int) throws -> Void) throws {
        var line = 0, i = 0
        while i < b.count {
            line += 1
            let end = b[i...].firstIndex(of: 0x0a) ?? b.count
            let text = b[i..<end]
            i = end + 1
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
            let value: Any
            do { value = try JSONSerialization.jsonObject(with: Data(text), options: [.fragmentsAllowed]) } catch {
                throw TensorError("\(file):\(line): not valid JSON")
            }
            guard let obj = value as? [String: Any] else { throw TensorError("\(file):\(line): expected a JSON object, got \(type(of: value) == String.self ? "a string" : "another JSON value")") }
            try body(obj, line)
        }
    }

    static func string(_ obj: [String: Any], _ field: String, file: String, line: Int) throws -> [UInt8] {
        guard let v = obj[field] else {
            throw TensorError("\(file):\(line): the object has no field '\(field)' (fields: \(obj.keys.sorted().joined(separator: ", ")))")
        }
        guard let s = v as? String else { throw TensorError("\(file):\(line): the field '\(field)' is not a string") }
        return Array(s.utf8)
    }
}
