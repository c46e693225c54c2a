-- ouro.data.text and ouro.text: corpora into Documents, tokenizers with 1-based ids, and every
-- way a call can be wrong giving an error that says what was expected.
local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local function write(name, text) local f = assert(io.open(dir .. "/" .. name, "wb")); f:write(text); f:close(); return dir .. "/" .. name end

-- plain text with the fortune separator; the seeded split is disjoint and complete
local body = {}
for i = 1, 50 do body[#body + 1] = "document " .. i .. "\nwith two lines" end
local path = write("corpus.txt", table.concat(body, "\n%\n") .. "\n")
local all = ouro.data.text{path = path, split = "all"}
assert(#all == 50 and all[1] == "document 1\nwith two lines" and all[-1] == "document 50\nwith two lines")
assert(tostring(all):find("50 documents", 1, true))
local train, test = ouro.data.text{path = path}, ouro.data.text{path = path, split = "test"}
assert(#train == 45 and #test == 5, #train .. " " .. #test)
local seen = {}
for _, d in ipairs(train:table()) do seen[d] = true end
for i = 1, #test do assert(not seen[test[i]], "a test document is in the training part"); seen[test[i]] = true end
local n = 0; for _ in pairs(seen) do n = n + 1 end
assert(n == 50)
local other = ouro.data.text{path = path, split = "test", split_seed = 1}
assert(table.concat(other:table()) ~= table.concat(test:table()), "another seed, another split")
assert(#ouro.data.text{path = path, sep = "line", split = "all"} == 149)   -- 50 + 50 lines + 49 "%"
assert(#ouro.data.text{path = path, sep = "file", split = "all"} == 1)
assert(train:sub({2, 1})[1] == train[2] and #train:sub(T.new({1, 3, 5}, "int64")) == 3)

-- JSON Lines: text and pairs; errors carry file:line
local jl = write("d.jsonl", '{"text": "one"}\n{"text": "two"}\n')
assert(ouro.data.text{path = jl, split = "all"}[2] == "two")
local pj = write("p.jsonl", '{"q": "2+2=", "a": "4"}\n')
local pairs_ = ouro.data.text{path = pj, format = "pairs", prompt = "q", response = "a", split = "all"}
assert(pairs_:is_pairs() and pairs_:prompt(1) == "2+2=" and pairs_:response(1) == "4" and pairs_[1] == "2+2=4")
expect_error("bad.jsonl:2: not valid JSON", ouro.data.text, {path = write("bad.jsonl", '{"text": "a"}\n{oops\n')})
expect_error("no field 'text'", ouro.data.text, {path = write("bad2.jsonl", '{"body": "a"}\n')})
expect_error("No such file", ouro.data.text, {path = dir .. "/missing.txt"})
expect_error("'sep' must be", ouro.data.text, {path = path, sep = ""})
expect_error("'format' must be", ouro.data.text, {path = path, format = "csv"})
expect_error("'split' must be", ouro.data.text, {path = path, split = "dev"})
expect_error("'test_fraction' must be in [0, 1)", ouro.data.text, {path = path, test_fraction = 1})
expect_error("unknown option 'seperator'", ouro.data.text, {path = path, seperator = "%"})
expect_error("holds no documents", ouro.data.text, {path = write("empty.txt", "\n%\n")})
expect_error("applies to plain text", ouro.data.text, {path = jl, response_marker = "A:"})

-- pairs from plain text by a response marker, and from Lua
local rid = ouro.data.text{path = write("r.txt", "Q:\tWhy?\nA:\tBecause.\n%\nno answer\n"), response_marker = "A:", split = "all"}
assert(#rid == 1 and rid:prompt(1) == "Q:\tWhy?\nA:" and rid:response(1) == "\tBecause.")
local lp = ouro.data.documents{{prompt = "a", response = "b"}, {prompt = "c", response = "d"}}
assert(lp:is_pairs() and lp[2] == "cd" and lp:response(2) == "d")
assert(not ouro.data.documents{"x", "y"}:is_pairs())
expect_error("earlier entries are strings", ouro.data.documents, {"x", {prompt = "a", response = "b"}})
expect_error("not prompt/response pairs", function() return all:prompt(1) end)

-- tokenizers: bytes are ids 1..256, the end of a document 257; any bytes round-trip
local bytes = ouro.text.bytes()
assert(#bytes == 257 and bytes:eot() == 257)
local ids = bytes:encode("A\0\255", {eot = true})
assert(ids:dtype() == "int64" and ids:size(1) == 4 and ids[1] == 66 and ids[2] == 1 and ids[3] == 256 and ids[4] == 257)
assert(bytes:decode(ids) == "A\0\255" and bytes:decode({66, 67}) == "AB")
local tok = ouro.text.bpe{corpus = train, vocab = 300}
assert(#tok > 257 and #tok <= 300 and tok:vocab_size() == #tok, "stops when no pair is seen twice: " .. #tok)
local s = train[3] .. " \240\159\153\130 \255\254 invalid"
assert(tok:decode(tok:encode(s)) == s)
assert(tok:encode(train[3]):size(1) < #train[3] / 2, "merges learnt from the corpus compress it")
local saved = dir .. "/tok.bpe"
tok:save(saved)
local back = ouro.text.load(saved)
assert(#back == #tok and back:decode(back:encode(s)) == s and back:encode(s):eq(tok:encode(s)):sum() == tok:encode(s):size(1))
assert(tok:piece(tok:encode("document")[1]) == "document")
expect_error("not in the vocabulary (1…" .. #tok .. ")", tok.decode, tok, {#tok + 1})
expect_error("not in the vocabulary", tok.decode, tok, T.new({0}, "int64"))
expect_error("'vocab' must be in 257", ouro.text.bpe, {corpus = train, vocab = 100})
expect_error("'corpus'", ouro.text.bpe, {vocab = 300})
expect_error("entry 2 must be a string", ouro.text.bpe, {corpus = {"a", 5}})
expect_error("string expected", tok.encode, tok, 42)
expect_error("tok.bpe", ouro.text.load, write("tok.bpe", "not a tokenizer\n"))
os.execute("rm -rf " .. dir)
