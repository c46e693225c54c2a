-- Gerstgrasser et al. 2024's diffusion experiment in small, on data a person can look at: a DDPM
-- (ouro.models.diffusion) retrained generation after generation on two moons, on a 2-D swiss
-- roll and on Fashion-MNIST, each generation on what the workflow keeps — replace (only the
-- previous generation's samples), accumulate (the real data and every generation's samples) or
-- accumulate-subsample (accumulate, but a fixed-size random subset each time).
--
--   ouro run scripts/diffusion.lua [n=1000] [generations=5] [seeds=3] [iterations=1800] [out=runs/diffusion]
--                                  [images=500] [image_generations=3] [image_iterations=300]
--
-- Points: n real points per seed (moons with noise 0.05; the swiss roll's two spiral coordinates,
-- noise 0.3), as many samples per generation; 1000 held-out points per dataset, the same for every
-- run. The model: T = 100 steps (linear schedule), an MLP of 3 GELU layers of 128 units over the
-- point and a 64-wide time embedding, `iterations` Adam steps of 256 points (lr 3e-3 decaying to
-- 3e-5), ancestral sampling. Metrics per generation: energy (the energy distance between the
-- held-out points and as many samples: 0 in expectation for one distribution, so it can dip below
-- 0) and kde_nll (the held-out points' NLL under a KDE of 2000 samples, bandwidth 2000^(−1/6) =
-- 0.28). Writes OUT/<dataset>-energy.svg and OUT/<dataset>-kde_nll.svg (mean of the seeds, 95%
-- bands) and OUT/<dataset>/scatter/<workflow>-gen-XXX.svg: the first seed's model of each
-- generation (read back from its checkpoint) drawn as 1000 samples over the held-out points —
-- watch replace's roll thin out and smear.
--
-- Images: a class-conditional DDPM of Fashion-MNIST — a small U-Net (16 base channels, residual
-- blocks at 28, 14 and 7 pixels), T = 100, `image_iterations` Adam steps of 32 images, DDIM over 10
-- steps — trained on `images` real training images (a seeded random subset, labels with them),
-- as many samples per generation (balanced over the classes), one seed (a laptop's budget: raise
-- it with more time). Metric: FID of as many samples as test images (the first 300 of the test
-- split, their classes) in the feature space of a small CNN classifier trained once (seed 0, one
-- epoch on all 60 000 training images, cached as OUT/fid-features.safetensors). Writes
-- OUT/fashion-fid.svg and OUT/fashion/<workflow>/samples/gen-XXX.png, a row of 8 samples per class
-- (T-shirt, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot): watch
-- replace's garments lose their shape. At this budget generation 1 is a weak model (blurred
-- garments, FID ≈ 250), so even accumulate, two thirds of whose data are samples by generation 3,
-- drifts; replace drifts furthest. More image_iterations make generation 1 better.
-- About 5 minutes on 2 cores with the defaults. A killed run resumes where it stopped.
local a = ouro.args{
  {"n", 1000, "points per generation", min = 10},
  {"generations", 5, "generations of the point models", min = 1},
  {"seeds", 3, "independent chains per workflow (points)", min = 1},
  {"iterations", 1800, "Adam steps per point model", min = 1},
  {"out", "runs/diffusion", "folder for the run records, plots, scatters and sample grids"},
  {"images", 500, "real training images (and samples per generation)", min = 10},
  {"image_generations", 3, "generations of the image models", min = 1},
  {"image_iterations", 300, "Adam steps per image model", min = 1},
}
local n, generations, nseeds, iterations, out = a.n, a.generations, a.seeds, a.iterations, a.out
local nimages, image_generations, image_iterations = a.images, a.image_generations, a.image_iterations
local workflows = {"replace", "accumulate", "accumulate-subsample"}

local datasets = {
  {name = "moons", draw = function(count, rng) return (ouro.data.moons{n = count, noise = 0.05, rng = rng}) end},
  {name = "swiss_roll", draw = function(count, rng)
    local p = ouro.data.swiss_roll{n = count, noise = 0.3, rng = rng}
    return ouro.tensor.cat({p:slice(2, 1, 1), p:slice(2, 3, 3)}, 2)      -- the spiral: x and z
  end},
}
local function model()
  return ouro.models.diffusion{steps = 100, iterations = iterations, hidden = 128, layers = 3}
end
local seeds = {}
for i = 1, nseeds do seeds[i] = i end
print(("DDPM on 2-D points: n = %d real points, %d generations, %d seeds, %d training steps per fit"):format(n, generations, nseeds, iterations))
print(("%-12s %-22s %11s %11s %11s %11s"):format("dataset", "workflow", "energy 1", "energy " .. generations, "kde_nll 1", "kde_nll " .. generations))
local started = os.time()
for _, ds in ipairs(datasets) do
  local test = ds.draw(1000, ouro.rng(0):split("test"))
  local runs = {}
  for _, workflow in ipairs(workflows) do
    local t0 = os.time()
    local dir = ("%s/%s/%s"):format(out, ds.name, workflow)
    local r = ouro.loop{
      name = "diffusion-" .. ds.name, workflow = workflow, subsample = workflow == "accumulate-subsample" and n or nil,
      model = model, real = function(seed) return ds.draw(n, ouro.rng(seed):split(ds.name)) end, test = test,
      generations = generations, seeds = seeds, out = dir,
    }()
    runs[#runs + 1] = r
    local function at(metric, g) return r.metrics[metric]:select(2, g):mean() end
    print(("%-12s %-22s %11.4f %11.4f %11.3f %11.3f   (%ds)"):format(ds.name, workflow, at("energy", 1), at("energy", generations),
      at("kde_nll", 1), at("kde_nll", generations), os.time() - t0))
    -- the first seed's model of every generation, drawn over the held-out points
    os.execute(("mkdir -p '%s/%s/scatter'"):format(out, ds.name))
    for g = 1, generations do
      local m = model():load(("%s/seeds/1/gen-%03d.safetensors"):format(dir, g))
      local s = m:sample(1000, ouro.rng(g))
      ouro.plot{file = ("%s/%s/scatter/%s-gen-%03d.svg"):format(out, ds.name, workflow, g),
        title = ("%s, %s, generation %d (seed 1)"):format(ds.name, workflow, g), xlabel = "x", ylabel = "y",
        series = {{name = "held-out real points", x = test:select(2, 1), y = test:select(2, 2), points = true},
                  {name = "samples", x = s:select(2, 1), y = s:select(2, 2), points = true}}}
    end
  end
  ouro.plot{file = ("%s/%s-energy.svg"):format(out, ds.name), runs = runs, metric = "energy",
    title = ("DDPM on %s, n = %d: energy distance to held-out points, mean of %d seeds ± 95%% CI"):format(ds.name, n, nseeds),
    xlabel = "generation", ylabel = "energy distance"}
  ouro.plot{file = ("%s/%s-kde_nll.svg"):format(out, ds.name), runs = runs, metric = "kde_nll",
    title = ("DDPM on %s, n = %d: held-out NLL under a KDE of samples, mean of %d seeds ± 95%% CI"):format(ds.name, n, nseeds),
    xlabel = "generation", ylabel = "negative log-likelihood (nats per point)"}
end
print(("plots: %s/<dataset>-energy.svg, %s/<dataset>-kde_nll.svg, scatters in %s/<dataset>/scatter/ (%ds)"):format(out, out, out, os.time() - started))

-- Fashion-MNIST
local t0 = os.time()
local train, testset = ouro.data.fashion_mnist{split = "train"}, ouro.data.fashion_mnist{split = "test"}
local features = ouro.models.fid_features{x = train.x, y = train.y, rng = ouro.rng(0), cache = out .. "/fid-features.safetensors"}
print(("\nFID feature space: %s, test accuracy %.1f%% (%ds)"):format(tostring(features), 100 * features:accuracy(testset.x, testset.y), os.time() - t0))
local first = ouro.tensor.arange(1, 301):astype("int64")
local image_test = ouro.data.labelled(testset.x:rows(first), testset.y:rows(first))
local function image_model()
  return ouro.models.diffusion{data = "images", classes = 10, channels = 16, steps = 100, iterations = image_iterations, batch = 32,
                               lr = 3e-3, sampler = "ddim", sampler_steps = 10, fid = features}
end
print(("Class-conditional DDPM on Fashion-MNIST: %d real images, %d generations, 1 seed, %d training steps per fit"):format(nimages, image_generations, image_iterations))
print(("%-22s %11s %11s %14s %14s"):format("workflow", "FID 1", "FID " .. image_generations, "denoise_mse 1", "denoise_mse " .. image_generations))
local image_runs = {}
for _, workflow in ipairs(workflows) do
  t0 = os.time()
  local r = ouro.loop{
    name = "diffusion-fashion", workflow = workflow, subsample = workflow == "accumulate-subsample" and nimages or nil,
    model = image_model, test = image_test, generations = image_generations, samples = nimages, seeds = {1},
    real = function(seed)
      local idx = ouro.rng(seed):split("subset"):choice(#train.x, nimages)
      return ouro.data.labelled(train.x:rows(idx), train.y:rows(idx))
    end,
    out = ("%s/fashion/%s"):format(out, workflow),
  }()
  image_runs[#image_runs + 1] = r
  local function at(metric, g) return r.metrics[metric]:select(2, g):mean() end
  print(("%-22s %11.1f %11.1f %14.4f %14.4f   (%ds; samples: %s/fashion/%s/samples/)"):format(workflow, at("fid", 1), at("fid", image_generations),
    at("denoise_mse", 1), at("denoise_mse", image_generations), os.time() - t0, out, workflow))
end
ouro.plot{file = out .. "/fashion-fid.svg", runs = image_runs, metric = "fid", logy = true,
  title = ("Class-conditional DDPM on Fashion-MNIST, %d images: FID of samples vs 300 test images (1 seed)"):format(nimages),
  xlabel = "generation", ylabel = "FID (fixed CNN feature space)"}
print(("plot: %s/fashion-fid.svg; %d minutes in all"):format(out, math.ceil((os.time() - started) / 60)))
