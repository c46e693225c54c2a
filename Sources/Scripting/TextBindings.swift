import CLua
import Data
import Foundation
import Tensor

/// Text from Lua: `ouro.data.text` and `ouro.data.documents` (Documents userdata), and the
/// tokenizers of `ouro.text` (Tokenizer userdata). Token ids are 1-based here, as every index
/// in Lua: byte b is token b + 1 and the end-of-document token is 257.
enum TextBindings {
    static let documentsKind = "ouro.Documents"
    static let tokenizerKind = "ouro.Tokenizer"

    static func install(_ host: LuaHost) {
        host.registerClass(kind: documentsKind, display: "Documents", methods: documentMethods, meta: [
            Binding("__len", "") { a in a.lua.push(try documents(a, 1).count); return 1 },
            Binding("__tostring", "") { a in
                let d = try documents(a, 1)
                a.lua.push("ouro.Documents(\(d.count) \(d.isPairs ? "prompt/response pairs" : "documents"), \(d.bytes) bytes)"); return 1
            },
        ], index: Binding("__index", "docs[i] — document i (1-based) as a Lua string; docs:method(...) — methods.") { a in
            let d = try documents(a, 1)
            if a.lua.type(2) == LUA_TSTRING {
                guard lua_getmetatable(a.lua.L, 1) != 0 else { a.lua.pushNil(); return 1 }
                a.lua.rawField(-1, "__methods")
                lua_pushvalue(a.lua.L, 2)
                lua_rawget(a.lua.L, -2)
                return 1
            }
            a.lua.push(bytes: d.texts[try a.index(2, size: d.count, dim: 0)])
            return 1
        })
        host.registerClass(kind: tokenizerKind, display: "Tokenizer", methods: tokenizerMethods, meta: [
            Binding("__len", "") { a in a.lua.push(try tokenizer(a, 1).vocabularySize); return 1 },
            Binding("__tostring", "") { a in
                let t = try tokenizer(a, 1)
                a.lua.push("ouro.Tokenizer(byte-level BPE, \(t.vocabularySize) tokens: 256 bytes, end-of-document, \(t.merges.count) merges)"); return 1
            },
        ])
        host.pushLibrary("ouro.text", functions)
    }

    static func documents(_ a: Args, _ i: Int32) throws -> Documents {
        guard let d = try Userdata.object(a.lua, i, documentsKind) as? Documents else { throw a.expected(i, "documents (ouro.data.text)") }
        return d
    }

    static func tokenizer(_ a: Args, _ i: Int32) throws -> BPETokenizer {
        guard let t = try Userdata.object(a.lua, i, tokenizerKind) as? BPETokenizer else { throw a.expected(i, "tokenizer (ouro.text.bpe)") }
        return t
    }

    /// Documents at i: a Documents userdata, or a Lua list of strings.
    static func documentList(_ a: Args, _ i: Int32) throws -> Documents {
        if let d = try Userdata.object(a.lua, i, documentsKind) as? Documents { return d }
        guard a.isTable(i) else { throw a.expected(i, "documents (ouro.data.text, or a list of strings)") }
        var texts: [[UInt8]] = []
        try a.eachItem(i) { k, at in
            guard let b = a.lua.toBytes(at) else { throw a.error(i, "entry \(k) must be a string, got \(a.lua.typeName(at))") }
            texts.append(b)
        }
        return Documents(texts)
    }

    static func pushDocuments(_ a: Args, _ d: Documents) -> Int32 {
        Userdata.push(a.lua, d, kind: documentsKind)
        return 1
    }

    // MARK: ouro.data.text

    static let separators = "\"%\" (a line holding only %, the fortune format; any other string works the same), \"line\", \"blank\" or \"file\""

    static let text = Binding.fileAccess("text", "ouro.data.text{path=, sep=\"%\", format=, field=\"text\", prompt=\"prompt\", response=\"response\", response_marker=, split=\"train\"|\"test\"|\"all\", test_fraction=0.1, split_seed=0} — documents from a file or a directory (Debian's fortunes by default; directories recursively, binary files skipped). Plain text is cut at lines holding only sep (or \"line\": one per line, \"blank\": at blank lines, \"file\": one per file); format=\"jsonl\" (the default for *.jsonl) reads the string field of each JSON line, format=\"pairs\" prompt/response pairs; response_marker=\"A:\" makes plain documents pairs cut after that marker at a line start. A fixed, seeded split holds test_fraction of the documents out for evaluation.") { a in
        try a.checkOptions(1, ["path", "sep", "format", "field", "prompt", "response", "response_marker", "split", "test_fraction", "split_seed"])
        let path = try a.optPathField(1, "path") ?? TextCorpus.debianFortunes
        let formatName = try a.optStringField(1, "format") ?? (path.hasSuffix(".jsonl") ? "jsonl" : "text")
        let format: TextCorpus.Format
        switch formatName {
        case "text":
            let sep = try a.optStringField(1, "sep") ?? "%"
            guard !sep.isEmpty, !sep.contains("\n") else { throw a.error(1, "'sep' must be \(separators), got an empty or multi-line string") }
            format = .plain(sep == "line" ? .line : sep == "blank" ? .blank : sep == "file" ? .file : .marker(sep))
        case "jsonl":
            format = .jsonl(field: try a.optStringField(1, "field") ?? "text")
        case "pairs":
            format = .pairs(prompt: try a.optStringField(1, "prompt") ?? "prompt", response: try a.optStringField(1, "response") ?? "response")
        default:
            throw a.error(1, "'format' must be \"text\", \"jsonl\" or \"pairs\", got \"\(formatName)\"")
        }
        let marker = try a.optStringField(1, "response_marker")
        if marker != nil, case .plain = format {} else if marker != nil { throw a.error(1, "'response_marker' applies to plain text (format=\"text\") only") }
        if marker == "" { throw a.error(1, "'response_marker' must not be empty") }
        let split = try a.optStringField(1, "split") ?? "train"
        guard ["train", "test", "all"].contains(split) else { throw a.error(1, "'split' must be \"train\", \"test\" or \"all\", got \"\(split)\"") }
        let fraction = try a.optNumberField(1, "test_fraction") ?? 0.1
        guard fraction >= 0, fraction < 1 else { throw a.error(1, "'test_fraction' must be in [0, 1), got \(fraction)") }
        let seed = try a.optIntField(1, "split_seed") ?? 0
        guard seed >= 0 else { throw a.error(1, "'split_seed' must be ≥ 0, got \(seed)") }
        let all = try TextCorpus.read(path, format: format, responseMarker: marker)
        guard all.count > 0 else { throw a.fail("'\(path)' holds no documents\(marker.map { " with the response marker '\($0)'" } ?? "")") }
        if split == "all" { return pushDocuments(a, all) }
        let parts = try all.split(testFraction: fraction, seed: UInt64(seed))
        return pushDocuments(a, split == "train" ? parts.train : parts.test)
    }

    static let documentsFactory = Binding("documents", "ouro.data.documents(list) — Documents from a Lua list of strings, or of {prompt, response} pairs (tables with those two strings).") { a in
        guard a.isTable(1) else { throw a.expected(1, "list of strings or of {prompt=, response=} tables") }
        var texts: [[UInt8]] = [], prompts: [Int] = []
        var pairs: Bool?
        try a.eachItem(1) { k, at in
            if let b = a.lua.toBytes(at) {
                if pairs == true { throw a.error(1, "entry \(k) is a string but earlier entries are pairs") }
                pairs = false
                texts.append(b)
                return
            }
            guard a.lua.type(at) == LUA_TTABLE else { throw a.error(1, "entry \(k) must be a string or a {prompt=, response=} table, got \(a.lua.typeName(at))") }
            if pairs == false { throw a.error(1, "entry \(k) is a pair but earlier entries are strings") }
            pairs = true
            try a.checkOptions(at, ["prompt", "response"], what: "entry \(k)")
            a.lua.rawField(at, "prompt"); a.lua.rawField(at, "response")
            defer { a.lua.pop(2) }
            guard let p = a.lua.toBytes(-2), let r = a.lua.toBytes(-1) else { throw a.error(1, "entry \(k) needs the strings prompt and response") }
            texts.append(p + r); prompts.append(p.count)
        }
        return pushDocuments(a, try Documents(texts, promptLengths: pairs == true ? prompts : nil))
    }

    static let documentMethods: [Binding] = [
        Binding("table", "docs:table() — the documents as a Lua list of strings.") { a in
            let d = try documents(a, 1)
            a.lua.newTable(narr: d.count)
            for (i, t) in d.texts.enumerated() { a.lua.push(bytes: t); a.lua.setRawIndex(-2, i + 1) }
            return 1
        },
        Binding("bytes", "docs:bytes() — the total number of bytes.") { a in a.lua.push(try documents(a, 1).bytes); return 1 },
        Binding("is_pairs", "docs:is_pairs() — true for prompt/response pairs (fine-tuning data).") { a in a.lua.push(try documents(a, 1).isPairs); return 1 },
        Binding("prompt", "docs:prompt(i) — the prompt of pair i.") { a in
            let d = try documents(a, 1)
            guard d.isPairs else { throw a.fail("these documents are not prompt/response pairs") }
            a.lua.push(bytes: d.prompt(try a.index(2, size: d.count, dim: 0))); return 1
        },
        Binding("response", "docs:response(i) — the response of pair i.") { a in
            let d = try documents(a, 1)
            guard d.isPairs else { throw a.fail("these documents are not prompt/response pairs") }
            a.lua.push(bytes: d.response(try a.index(2, size: d.count, dim: 0))); return 1
        },
        Binding("sub", "docs:sub(idx) — the documents at the 1-based indices idx (an int64 tensor or a list), in that order.") { a in
            let d = try documents(a, 1)
            let idx: [Int]
            if let t = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor {
                guard t.rank <= 1 else { throw a.error(2, "indices must be a vector, got shape \(describeShape(t.shape))") }
                idx = try t.toDoubles().map { v in
                    guard v == v.rounded(), v >= 1, v <= Double(d.count) else { throw a.error(2, "index \(v) is out of range 1…\(d.count)") }
                    return Int(v) - 1
                }
            } else {
                idx = try a.intList(2, what: "indices").map { v in
                    guard v >= 1, v <= d.count else { throw a.error(2, "index \(v) is out of range 1…\(d.count)") }
                    return v - 1
                }
            }
            return pushDocuments(a, d.subset(idx))
        },
    ]

    // MARK: ouro.text

    static let functions: [Binding] = [
        Binding("bpe", "ouro.text.bpe{corpus=, vocab=4096} — trains a byte-level BPE tokenizer on documents (ouro.data.text or a list of strings): 256 byte tokens, the end-of-document token and vocab − 257 merges of the most frequent adjacent pairs (fewer if the corpus runs out of pairs seen twice).") { a in
            guard a.isTable(1) else { throw a.expected(1, "options table {corpus=, vocab=}") }
            try a.checkOptions(1, ["corpus", "vocab"])
            guard let at = a.option(1, "corpus") else { throw a.error(1, "'corpus' (documents to learn merges from) is required") }
            let docs = try documentList(a, at)
            a.lua.pop()
            let vocab = try a.optIntField(1, "vocab") ?? 4096
            guard vocab >= 257, vocab <= 1 << 20 else { throw a.error(1, "'vocab' must be in 257…\(1 << 20) (256 bytes, the end-of-document token and the merges), got \(vocab)") }
            let t = try BPETokenizer.train(docs.texts, vocabularySize: vocab)
            Userdata.push(a.lua, t, kind: tokenizerKind)
            return 1
        },
        Binding("bytes", "ouro.text.bytes() — the byte-level tokenizer (no training): tokens 1…256 are the bytes 0…255, 257 the end of a document.") { a in
            Userdata.push(a.lua, BPETokenizer(), kind: tokenizerKind)
            return 1
        },
        Binding.fileAccess("load", "ouro.text.load(path) — a tokenizer saved with tok:save(path).") { a in
            Userdata.push(a.lua, try BPETokenizer.load(try a.path(1)), kind: tokenizerKind)
            return 1
        },
    ]

    static let tokenizerMethods: [Binding] = [
        Binding("encode", "tok:encode(s, {eot=false}) — the 1-based token ids of the string s (an int64 vector), with the end-of-document token after it when eot.") { a in
            let t = try tokenizer(a, 1)
            guard let s = a.lua.toBytes(2) else { throw a.expected(2, "string") }
            try a.checkOptions(3, ["eot"])
            let ids = t.encode(s, endOfText: try a.optBoolField(3, "eot", false))
            return a.push(try Tensor(ids.map { Int64($0) + 1 }))
        },
        Binding("decode", "tok:decode(ids) — the string of 1-based token ids (an int64 tensor or a list); the end-of-document token adds nothing.") { a in
            let t = try tokenizer(a, 1)
            let ids: [Int32]
            if let x = try Userdata.object(a.lua, 2, Userdata.tensor) as? Tensor {
                guard x.rank <= 1 else { throw a.error(2, "ids must be a vector, got shape \(describeShape(x.shape))") }
                ids = try x.toDoubles().map { v in
                    guard v == v.rounded(), v >= 1, v <= Double(t.vocabularySize) else { throw a.error(2, "token \(v) is not in the vocabulary (1…\(t.vocabularySize))") }
                    return Int32(v) - 1
                }
            } else {
                ids = try a.intList(2, what: "token ids").map { v in
                    guard v >= 1, v <= t.vocabularySize else { throw a.error(2, "token \(v) is not in the vocabulary (1…\(t.vocabularySize))") }
                    return Int32(v - 1)
                }
            }
            a.lua.push(bytes: try t.decode(ids))
            return 1
        },
        Binding("piece", "tok:piece(id) — the bytes token id stands for (\"\" for the end-of-document token).") { a in
            let t = try tokenizer(a, 1)
            a.lua.push(bytes: t.pieces[try a.index(2, size: t.vocabularySize, dim: 0)])
            return 1
        },
        Binding("vocab_size", "tok:vocab_size() — the number of tokens (also #tok).") { a in a.lua.push(try tokenizer(a, 1).vocabularySize); return 1 },
        Binding("eot", "tok:eot() — the id of the end-of-document token (257).") { a in _ = try tokenizer(a, 1); a.lua.push(Int(BPETokenizer.endOfText) + 1); return 1 },
        Binding.fileAccess("save", "tok:save(path) — writes the merges as text (ouro.text.load reads it back).") { a in
            try tokenizer(a, 1).save(try a.path(2))
            return 0
        },
    ]
}
