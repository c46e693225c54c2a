-- Yi et al. 2025's verified retraining on images, in small: start from a balanced subset of real
-- Fashion-MNIST images; every round a fresh conditional conv VAE trains on the previous round's
-- samples; a verifier keeps only the top 10% of each class (q = keep_top) of 10× as many draws.
-- Verifiers: a discriminator (an MLP trained to tell real images from the samples of a VAE
-- trained on plenty of real data — plugins/discriminator.lua) and a classifier's confidence in
-- the sample's label (plugins/classifier_confidence.lua); against unverified retraining
-- (replace). Yi et al.'s finding: verification improves the model in the first rounds and then
-- pulls it towards what the verifier favours, while unverified retraining degrades.
--
--   ouro run scripts/verified_vae.lua [per_class=50] [rounds=5] [seeds=2] [epochs=30] [test=2000] [out=runs/verified_vae]
--
-- per_class real images of each of the 10 classes start every seed (50: Yi et al.'s 500), and each
-- round keeps as many samples. Metrics per round: the held-out NELBO and the FID of as many samples
-- against the test images (in the fixed feature space of a classifier trained once, cached in OUT);
-- accepted_frac is the share of draws kept. Writes OUT/nelbo.svg, OUT/fid.svg and, per verifier,
-- OUT/<name>/samples/gen-XXX.png (a class per row). The reference VAE, the discriminator's
-- training samples and the feature classifier are cached in OUT, so a rerun goes straight to the loops.
local a = ouro.args{
  {"per_class", 50, "real images per class", min = 1},
  {"rounds", 5, "rounds of verified retraining", min = 1},
  {"seeds", 2, "independent repetitions", min = 1},
  {"epochs", 30, "training epochs per round", min = 1},
  {"test", 2000, "held-out test images", min = 10},
  {"out", "runs/verified_vae", "folder for the run records, plots and sample grids"},
}
local per_class, rounds, nseeds, epochs, ntest, out = a.per_class, a.rounds, a.seeds, a.epochs, a.test, a.out
local q = 0.1

local train, test = ouro.data.fashion_mnist{split = "train"}, ouro.data.fashion_mnist{split = "test"}
local function rows(d, idx) return ouro.data.labelled(d.x:rows(idx), d.y:rows(idx)) end
local test_rows = rows(test, ouro.tensor.arange(1, ntest + 1):astype("int64"))
local t0 = os.time()

-- the fixed feature space for FID, and the classifier behind classifier_confidence
local features = ouro.models.fid_features{x = train.x, y = train.y, rng = ouro.rng(0), cache = out .. "/fid-features.safetensors"}

-- the discriminator: real images against samples of a VAE trained on 20 000 real images
local reference_rows = rows(train, ouro.tensor.arange(1, 20001):astype("int64"))
local reference = ouro.models.vae{arch = "cvae-conv", epochs = 2}
local cached = out .. "/reference-vae.safetensors"
local f = io.open(cached)
if f then f:close(); reference:load(cached) else reference:fit(reference_rows, ouro.rng(1)); reference:save(cached) end
local fake = reference:sample(10000, ouro.rng(2))
local disc = ouro.models.discriminator{real = reference_rows:slice(1, 1, 10000), fake = fake, rng = ouro.rng(3), epochs = 3}
print(("set-up (%ds): FID classifier test accuracy %.1f%%; discriminator accuracy on held-out real vs fresh samples %.1f%%")
  :format(os.time() - t0, 100 * features:accuracy(test.x, test.y), 100 * disc:accuracy(test_rows, reference:sample(2000, ouro.rng(4)))))

local function real(seed)
  return rows(train, ouro.data.balanced(train.y, per_class, ouro.rng(seed):split("subset"))), test_rows
end
local seeds = {}
for i = 1, nseeds do seeds[i] = i end
local n = 10 * per_class
print(("conditional VAE from %d real images (%d per class), %d rounds, %d seeds, %d epochs per fit; keep the top %d%% per class")
  :format(n, per_class, rounds, nseeds, epochs, 100 * q))
print(("%-24s %10s %10s %10s %10s %10s"):format("verifier", "NELBO r1", "NELBO r2", "NELBO r" .. rounds, "FID r1", "FID r" .. rounds))
local runs = {}
for _, v in ipairs({
  {name = "unverified"},
  {name = "discriminator", verifier = ouro.plugin("discriminator", {net = disc, label = -1})},
  -- the classifier's convolutions allocate ~0.2 MB per image: more than the plugin's default
  -- tensor budget (1 GiB per call) for the 10× draws of a round
  {name = "classifier_confidence", verifier = ouro.plugin("classifier_confidence", {classifier = features}, {tensor_bytes = 8 << 30})},
}) do
  local started = os.time()
  local r = ouro.loop{
    name = "verified-vae-" .. v.name, workflow = "replace", verifier = v.verifier, keep_top = v.verifier and q or nil,
    model = function() return ouro.models.vae{arch = "cvae-conv", epochs = epochs, fid = features} end,
    real = real, generations = rounds, samples = n, seeds = seeds, out = out .. "/" .. v.name,
  }()
  local nelbo, fid = r.metrics.nelbo, r.metrics.fid
  runs[#runs + 1] = {name = v.name, nelbo = nelbo, fid = fid}
  local function at(m, g) return m:select(2, g):mean() end
  print(("%-24s %10.1f %10.1f %10.1f %10.1f %10.1f   (%ds)"):format(v.name, at(nelbo, 1), at(nelbo, math.min(2, rounds)), at(nelbo, rounds),
    at(fid, 1), at(fid, rounds), os.time() - started))
end
local x = ouro.tensor.arange(1, rounds + 1)
local function series(metric)
  local list = {}
  for _, r in ipairs(runs) do list[#list + 1] = {name = r.name, x = x, y = r[metric]} end
  return list
end
ouro.plot{file = out .. "/nelbo.svg", series = series("nelbo"),
  title = ("Verified retraining of a conditional VAE from %d real images: mean of %d seeds ± 95%% CI"):format(n, nseeds),
  xlabel = "round", ylabel = "held-out NELBO (nats per image)"}
ouro.plot{file = out .. "/fid.svg", series = series("fid"), logy = true,
  title = ("Verified retraining from %d real images: FID of samples vs test images"):format(n),
  xlabel = "round", ylabel = "FID (fixed CNN feature space)"}
print(("plots: %s/nelbo.svg, %s/fid.svg (%ds in all)"):format(out, out, os.time() - t0))
