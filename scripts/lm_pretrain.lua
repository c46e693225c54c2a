-- Gerstgrasser et al. 2024's language-model experiment in small: a GPT pretrained from scratch
-- generation after generation on English text (Debian's fortunes), each generation on what the
-- workflow keeps — replace (only the previous generation's documents), accumulate (the real
-- documents and every generation's) or accumulate-subsample (accumulate, but a fixed-size random
-- subset each time). Every generation samples as many documents as the real set holds. Replace's
-- held-out cross-entropy climbs generation after generation; accumulate's stays near the first.
--
--   ouro run scripts/lm_pretrain.lua [n=2000] [generations=5] [seeds=3] [steps=300] [layers=2] [dim=64] [context=64] [vocab=1024] [out=runs/lm_pretrain]
--
-- The corpus: the fortunes' fixed train/test split, tokenised by a byte-level BPE of `vocab` tokens
-- trained on the training split; only documents that fit the context with their end-of-document
-- token are used (so a model can learn where documents end, and "truncated" measures a model that
-- no longer can). Each seed draws its own n real documents; the test documents are the same for
-- every run. A model has `layers` blocks of dim/32 heads and trains for `steps` AdamW steps of 32
-- windows (the same budget every generation, whatever the size of the training set).
-- Metrics per generation: test_ce (nats per token on the held-out documents) and bits_per_byte,
-- and what drifts besides: mean_bytes (mean length of 200 sampled documents), distinct_2 (distinct
-- word bigrams over all bigrams in them) and truncated (the share cut off by the context). Writes
-- OUT/test_ce.svg, OUT/drift.svg and, per workflow, OUT/<workflow>/samples/gen-XXX.txt (8 documents
-- of the first seed per generation: read the drift), metrics.csv and manifest.json. A killed run
-- resumes where it stopped (rerun the same command).
local a = ouro.args{
  {"n", 2000, "texts per generation", min = 10},
  {"generations", 5, "generations after the first model", min = 1},
  {"seeds", 3, "independent chains per workflow", min = 1},
  {"steps", 300, "training steps per generation", min = 1},
  {"layers", 2, "transformer blocks", min = 1},
  {"dim", 64, "model width", min = 8},
  {"context", 64, "context length in tokens", min = 2},
  {"vocab", 1024, "byte-pair vocabulary size", min = 257},
  {"out", "runs/lm_pretrain", "folder for the run records, plots and samples"},
}
local n, generations, nseeds, steps = a.n, a.generations, a.seeds, a.steps
local layers, dim, context, vocab, out = a.layers, a.dim, a.context, a.vocab, a.out

local started = os.time()
local corpus, held_out = ouro.data.text{split = "train"}, ouro.data.text{split = "test"}
local tok = ouro.text.bpe{corpus = corpus, vocab = vocab}
-- the documents that fit the context with their end-of-document token
local function fitting(docs)
  local keep = {}
  for i = 1, #docs do
    if tok:encode(docs[i]):numel() < context then keep[#keep + 1] = i end
  end
  return docs:sub(keep)
end
local pool, test = fitting(corpus), fitting(held_out)
assert(#pool >= n, ("only %d training documents fit a context of %d tokens; ask for n ≤ %d"):format(#pool, context, #pool))
print(("fortunes: %d of %d training documents and %d of %d test documents fit %d tokens (BPE, %d tokens; %ds)")
  :format(#pool, #corpus, #test, #held_out, context, #tok, os.time() - started))

local function real(seed)
  return pool:sub(ouro.rng(seed):split("subset"):choice(#pool, n)), test
end
local function model()
  return ouro.models.gpt{layers = layers, heads = math.max(1, dim // 32), dim = dim, context = context, tokenizer = tok,
    steps = steps, batch = 32, lr = 3e-3, warmup = math.max(1, steps // 10)}
end

local seeds = {}
for i = 1, nseeds do seeds[i] = i end
print(("GPT (%d layers, dim %d, context %d) pretrained on n = %d documents, %d generations, %d seeds, %d steps per fit")
  :format(layers, dim, context, n, generations, nseeds, steps))
print(("%-22s %10s %10s %9s %11s %11s %11s"):format("workflow", "CE gen 1", "CE gen " .. generations, "change", "bytes 1→" .. generations, "distinct-2", "truncated"))
local runs = {}
for _, workflow in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  started = os.time()
  local r = ouro.loop{
    name = "lm-pretrain", workflow = workflow, subsample = workflow == "accumulate-subsample" and n or nil,
    model = model, real = real, generations = generations, seeds = seeds, out = out .. "/" .. workflow,
  }()
  runs[#runs + 1] = r
  local function at(metric, g) return r.metrics[metric]:select(2, g):mean() end
  local first, last = at("test_ce", 1), at("test_ce", generations)
  print(("%-22s %10.3f %10.3f %+8.1f%% %5.0f→%-5.0f %5.2f→%-5.2f %5.2f→%-5.2f (%ds; samples: %s/%s/samples/)")
    :format(workflow, first, last, 100 * (last / first - 1), at("mean_bytes", 1), at("mean_bytes", generations),
      at("distinct_2", 1), at("distinct_2", generations), at("truncated", 1), at("truncated", generations),
      os.time() - started, out, workflow))
end
ouro.plot{file = out .. "/test_ce.svg", runs = runs, metric = "test_ce",
  title = ("GPT pretrained on its own text, n = %d fortunes: mean of %d seeds ± 95%% CI"):format(n, nseeds),
  xlabel = "generation", ylabel = "held-out cross-entropy (nats per token)"}
ouro.plot{file = out .. "/drift.svg", runs = runs, metric = "distinct_2",
  title = ("Distinct word bigrams in 200 sampled documents, n = %d: mean of %d seeds ± 95%% CI"):format(n, nseeds),
  xlabel = "generation", ylabel = "distinct bigrams / all bigrams"}
print("plots: " .. out .. "/test_ce.svg, " .. out .. "/drift.svg")
