-- Gerstgrasser et al. 2024's VAE experiment in small: a VAE trained generation after generation on
-- Fashion-MNIST, each generation on what the workflow keeps — replace (only the previous
-- generation's samples), accumulate (the real images and every generation's samples) or
-- accumulate-subsample (accumulate, but a fixed-size random subset each time). Replace's held-out
-- NELBO climbs generation after generation and its samples blur; accumulate stays near the first
-- generation's. The samples a generation trains on are the decoder's Bernoulli means.
--
--   ouro run scripts/vae.lua [arch=mlp] [n=10000] [generations=6] [seeds=3] [epochs=5] [test=2000] [out=runs/vae]
--
-- arch is "mlp" (784-400-20) or "cvae-conv" (Yi et al.'s conditional conv VAE; labels travel with
-- the samples). n real training images per seed (a seeded random subset of the 60 000), as many
-- samples per generation; the test images are the first `test` of the test split, the same for
-- every run. Metrics: the held-out NELBO and the FID of as many samples against the test images,
-- in the feature space of a small CNN classifier trained once (seed 0, one epoch on all 60 000
-- training images) and cached as OUT/fid-features.safetensors, so every generation and workflow
-- is scored in the same space. Writes OUT/nelbo.svg, OUT/fid.svg and, per workflow,
-- OUT/<workflow>/samples/gen-XXX.png (the first seed's samples: watch replace's blur),
-- metrics.csv and manifest.json. A killed run resumes where it stopped (rerun the same command).
local a = ouro.args{
  {"arch", "mlp", "the networks", choices = {"mlp", "cvae-conv"}},
  {"n", 10000, "images per generation", min = 10},
  {"generations", 6, "generations after the first fit", min = 1},
  {"seeds", 3, "independent chains per workflow", min = 1},
  {"epochs", 5, "training epochs per generation", min = 1},
  {"test", 2000, "held-out test images for the metrics", min = 10},
  {"out", "runs/vae", "folder for the run records, plots and sample grids"},
}
local arch, n, generations, nseeds, epochs, ntest, out = a.arch, a.n, a.generations, a.seeds, a.epochs, a.test, a.out
local conditional = arch == "cvae-conv"

local train, test = ouro.data.fashion_mnist{split = "train"}, ouro.data.fashion_mnist{split = "test"}
local function rows(d, idx)
  local x = d.x:rows(idx)
  return conditional and ouro.data.labelled(x, d.y:rows(idx)) or x
end
local test_rows = rows(test, ouro.tensor.arange(1, ntest + 1):astype("int64"))

-- each seed trains on its own random subset of the real training images
local function real(seed)
  local idx = ouro.rng(seed):split("subset"):choice(#train.x, n)
  return rows(train, idx), test_rows
end

local started = os.time()
local features = ouro.models.fid_features{x = train.x, y = train.y, rng = ouro.rng(0), cache = out .. "/fid-features.safetensors"}
print(("FID feature space: %s, test accuracy %.1f%% (%ds)"):format(tostring(features), 100 * features:accuracy(test.x, test.y), os.time() - started))

local seeds = {}
for i = 1, nseeds do seeds[i] = i end
print(("VAE (%s) on Fashion-MNIST: n = %d real images, %d generations, %d seeds, %d epochs per fit, %d test images")
  :format(arch, n, generations, nseeds, epochs, ntest))
print(("%-22s %12s %12s %10s %10s %10s"):format("workflow", "NELBO gen 1", "NELBO gen " .. generations, "change", "FID gen 1", "FID gen " .. generations))
local runs = {}
for _, workflow in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
  started = os.time()
  local r = ouro.loop{
    name = "vae-" .. arch, workflow = workflow, subsample = workflow == "accumulate-subsample" and n or nil,
    model = function() return ouro.models.vae{arch = arch, epochs = epochs, fid = features} end,
    real = real, generations = generations, samples = n, seeds = seeds, out = out .. "/" .. workflow,
  }()
  runs[#runs + 1] = r
  local nelbo, fid = r.metrics.nelbo, r.metrics.fid
  local first, last = nelbo:select(2, 1):mean(), nelbo:select(2, generations):mean()
  print(("%-22s %12.2f %12.2f %+9.1f%% %10.1f %10.1f   (%ds; samples: %s/%s/samples/)"):format(workflow, first, last, 100 * (last / first - 1),
    fid:select(2, 1):mean(), fid:select(2, generations):mean(), os.time() - started, out, workflow))
end
ouro.plot{file = out .. "/nelbo.svg", runs = runs, metric = "nelbo",
  title = ("VAE (%s) on Fashion-MNIST, n = %d: mean of %d seeds ± 95%% CI"):format(arch, n, nseeds),
  xlabel = "generation", ylabel = "held-out NELBO (nats per image)"}
ouro.plot{file = out .. "/fid.svg", runs = runs, metric = "fid", logy = true,
  title = ("VAE (%s) samples vs test images, n = %d: mean of %d seeds ± 95%% CI"):format(arch, n, nseeds),
  xlabel = "generation", ylabel = "FID (fixed CNN feature space)"}
print("plots: " .. out .. "/nelbo.svg, " .. out .. "/fid.svg")
