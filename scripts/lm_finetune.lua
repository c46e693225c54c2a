-- Kazdan et al. 2024's fine-tuning setting in small: a GPT pretrained once on English text (the
-- base), then fine-tuned generation after generation on prompt → response pairs, the loss on the
-- response tokens only. Each generation a fresh copy of the base is fine-tuned on what the workflow
-- keeps and answers the real prompts anew; those answers are the next generation's synthetic pairs.
-- replace (only the previous generation's answers), accumulate (the real pairs and every
-- generation's answers), accumulate-subsample (accumulate, but a fixed-size random subset each
-- time) — and replace-verified: replace, but of twice as many answers only the half a verifier
-- prefers is kept (plugins/text_filter.lua: not degenerate, likeliest under the base model).
-- Replace's held-out cross-entropy on real responses climbs; accumulate's stays near the first.
--
--   ouro run scripts/lm_finetune.lua [generations=6] [seeds=3] [steps=60] [base_steps=1500] [layers=2] [dim=64] [context=96] [vocab=1024] [path=riddles] [out=runs/lm_finetune]
--
-- The pairs: Debian's fortunes riddles (fortunes-min), each cut after its first line starting
-- with "A:" (the question is the prompt, the answer the response), or any path given: a fortune
-- file, a directory or JSON Lines of {"prompt": …, "response": …}. A fixed, seeded quarter is held
-- out for evaluation; pairs that do not fit the context are left out. The base pretrains for
-- base_steps AdamW steps on the fortunes' training split without the fine-tuning pairs, with a BPE
-- tokenizer of `vocab` tokens trained on the same text; it is cached as OUT/base-….safetensors, so
-- a rerun starts fine-tuning at once. Each fine-tuning runs `steps` steps of 16 pairs at lr 1e-3.
-- Metrics per generation: test_ce (nats per response token on the held-out pairs) and
-- bits_per_byte; mean_bytes, distinct_2 and truncated of 200 sampled answers. Writes
-- OUT/test_ce.svg, OUT/drift.svg and, per workflow, OUT/<workflow>/samples/gen-XXX.txt (8 answers
-- with their prompts per generation), metrics.csv and manifest.json. A killed run resumes where it
-- stopped (rerun the same command).
local a = ouro.args{
  {"generations", 6, "generations of fine-tuning", min = 1},
  {"seeds", 3, "independent chains per workflow", min = 1},
  {"steps", 60, "fine-tuning steps per generation", min = 1},
  {"base_steps", 1500, "pre-training steps of the base model", min = 1},
  {"layers", 2, "transformer blocks", min = 1},
  {"dim", 64, "model width", min = 8},
  {"context", 96, "context length in tokens", min = 2},
  {"vocab", 1024, "byte-pair vocabulary size", min = 257},
  {"path", "/usr/share/games/fortunes/riddles", "the corpus (a fortunes file)"},
  {"out", "runs/lm_finetune", "folder for the run records, plots and samples"},
}
local generations, nseeds, steps, base_steps = a.generations, a.seeds, a.steps, a.base_steps
local layers, dim, context, vocab, path, out = a.layers, a.dim, a.context, a.vocab, a.path, a.out

local started = os.time()
local function read_pairs(split)
  local jsonl = path:match("%.jsonl$")
  return ouro.data.text{path = path, format = jsonl and "pairs" or nil, response_marker = not jsonl and "A:" or nil,
    split = split, test_fraction = 0.25}
end
local train_pairs, test_pairs = read_pairs("train"), read_pairs("test")

-- the base's corpus: the fortunes' training split without any document the pairs came from
local held = {}
for _, d in ipairs({train_pairs, test_pairs}) do
  for i = 1, #d do held[d:prompt(i) .. d:response(i)] = true end
end
local corpus = ouro.data.text{split = "train"}
local keep = {}
for i = 1, #corpus do
  if not held[corpus[i]] then keep[#keep + 1] = i end
end
corpus = corpus:sub(keep)
local tok = ouro.text.bpe{corpus = corpus, vocab = vocab}

-- pairs whose prompt and response fit the context with the two end-of-document tokens
local function fitting(d)
  local idx = {}
  for i = 1, #d do
    if tok:encode(d:prompt(i)):numel() + tok:encode(d:response(i)):numel() + 2 <= context then idx[#idx + 1] = i end
  end
  return d:sub(idx)
end
local train, test = fitting(train_pairs), fitting(test_pairs)
assert(#train > 0 and #test > 0, ("no pair of %s fits a context of %d tokens"):format(path, context))
print(("pairs: %d for training and %d held out (of %d and %d) from %s; base corpus %d documents, BPE %d tokens")
  :format(#train, #test, #train_pairs, #test_pairs, path, #corpus, #tok))

-- the base, pretrained once and cached by its configuration
local base = ouro.models.gpt{layers = layers, heads = math.max(1, dim // 32), dim = dim, context = context, tokenizer = tok,
  steps = base_steps, batch = 32, lr = 3e-3, warmup = math.max(1, base_steps // 20)}
local cached = ("%s/base-l%d-d%d-c%d-v%d-s%d.safetensors"):format(out, layers, dim, context, vocab, base_steps)
if not pcall(base.load, base, cached) then
  started = os.time()
  base:fit(corpus, ouro.rng(0))
  os.execute("mkdir -p '" .. out:gsub("'", "'\\''") .. "'")
  base:save(cached)
  print(("base pretrained in %ds: %s"):format(os.time() - started, cached))
end
local before = base:evaluate(test)
print(("base: held-out response CE %.3f nats/token (%.3f bits/byte) before fine-tuning"):format(before.test_ce, before.bits_per_byte))

local seeds = {}
for i = 1, nseeds do seeds[i] = i end
print(("fine-tuning: %d generations, %d seeds, %d steps per fit"):format(generations, nseeds, steps))
print(("%-22s %10s %10s %9s %11s %11s %11s"):format("workflow", "CE gen 1", "CE gen " .. generations, "change", "bytes 1→" .. generations, "distinct-2", "truncated"))
local runs = {}
for _, v in ipairs({
  {name = "replace"}, {name = "accumulate"}, {name = "accumulate-subsample"},
  -- verified retraining on text: of twice as many answers, keep the half the base finds likeliest
  -- that is not degenerate (plugins/text_filter.lua)
  {name = "replace-verified", workflow = "replace", verifier = ouro.plugin("text_filter", {reference = base, score = true}), keep_top = 0.5},
}) do
  started = os.time()
  local workflow = v.workflow or v.name
  local r = ouro.loop{
    name = "lm-finetune", workflow = workflow, subsample = workflow == "accumulate-subsample" and #train or nil,
    verifier = v.verifier, keep_top = v.keep_top,
    model = function() return ouro.models.gpt{base = base, steps = steps, batch = 16, lr = 1e-3, warmup = math.max(1, steps // 10)} end,
    real = train, test = test, generations = generations, seeds = seeds, out = out .. "/" .. v.name,
  }()
  runs[#runs + 1] = {name = v.name, metrics = r.metrics}
  local function at(metric, g) return r.metrics[metric]:select(2, g):mean() end
  local first, last = at("test_ce", 1), at("test_ce", generations)
  print(("%-22s %10.3f %10.3f %+8.1f%% %5.0f→%-5.0f %5.2f→%-5.2f %5.2f→%-5.2f (%ds; samples: %s/%s/samples/)")
    :format(v.name, first, last, 100 * (last / first - 1), at("mean_bytes", 1), at("mean_bytes", generations),
      at("distinct_2", 1), at("distinct_2", generations), at("truncated", 1), at("truncated", generations),
      os.time() - started, out, v.name))
end
local function series(metric)
  local list, x = {}, ouro.tensor.arange(1, generations + 1)
  for _, r in ipairs(runs) do list[#list + 1] = {name = r.name, x = x, y = r.metrics[metric]} end
  return list
end
ouro.plot{file = out .. "/test_ce.svg", series = series("test_ce"),
  title = ("GPT fine-tuned on its own answers, %d pairs: mean of %d seeds ± 95%% CI"):format(#train, nseeds),
  xlabel = "generation", ylabel = "held-out response cross-entropy (nats per token)"}
ouro.plot{file = out .. "/drift.svg", series = series("mean_bytes"),
  title = ("Mean length of 200 sampled answers, %d pairs: mean of %d seeds ± 95%% CI"):format(#train, nseeds),
  xlabel = "generation", ylabel = "bytes per answer"}
print("plots: " .. out .. "/test_ce.svg, " .. out .. "/drift.svg")
