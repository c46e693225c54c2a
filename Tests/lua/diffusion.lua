-- ouro.models.diffusion from Lua: a DDPM of points fits, samples with either sampler, evaluates,
-- runs in ouro.loop with checkpoints, and bad options are errors that say what was expected; a
-- class-conditional DDPM of small images learns which class looks how and draws its grids.
local g = ouro.rng(1)
local pts = ouro.data.moons{n = 600, noise = 0.05, rng = g}
local test = ouro.data.moons{n = 300, noise = 0.05, rng = ouro.rng(2)}
local m = ouro.models.diffusion{hidden = 64, iterations = 800}
expect_error("not fitted", m.sample, m, 3, ouro.rng(1))
m:fit(pts, ouro.rng(3))
local s = m:sample(500, ouro.rng(4))
assert(s:shape()[1] == 500 and s:shape()[2] == 2 and s:dtype() == "float64")
local d = m:sample(500, ouro.rng(4), {sampler = "ddim", steps = 20})
assert(d:shape()[1] == 500)
local e = m:evaluate(test)
-- Scott's factor for 2000 two-dimensional samples: h = n^(−1/(d+4))
near(e.kde_bandwidth, 2000 ^ (-1 / 6), 1e-12, "kde_bandwidth")
assert(e.energy < 0.1 and e.kde_nll < 2 and e.denoise_mse < 1, ("energy %.3f, kde_nll %.3f, denoise_mse %.3f"):format(e.energy, e.kde_nll, e.denoise_mse))
-- a model that has not learnt the moons (one step) is much farther from them
local raw = ouro.models.diffusion{hidden = 64, iterations = 1}
raw:fit(pts, ouro.rng(3))
assert(raw:evaluate(test).energy > 5 * e.energy)
expect_error("ancestral sampling runs all 100 steps", m.sample, m, 3, ouro.rng(1), {steps = 10})
expect_error("sampler must be", m.sample, m, 3, ouro.rng(1), {sampler = "euler"})
expect_error("unknown option 'stepz'", m.sample, m, 3, ouro.rng(1), {stepz = 10})
expect_error("data must be", ouro.models.diffusion, {data = "voxels"})
expect_error("classes and fid are options of data = \"images\"", ouro.models.diffusion, {classes = 3})
expect_error("labels are for", m.sample, m, 3, ouro.rng(1), {labels = {1, 1, 1}})
expect_error("schedule must be", ouro.models.diffusion, {schedule = "quadratic"})
expect_error("variance must be", ouro.models.diffusion, {variance = "learned"})
expect_error("embedding must be an even number", ouro.models.diffusion, {embedding = 5})

-- in the loop, with records: a killed run would resume from the checkpointed weights
local dir = os.tmpname(); os.remove(dir)
local config = {name = "ddpm", workflow = "replace", generations = 2, seed = 1, out = dir,
  model = function() return ouro.models.diffusion{hidden = 32, iterations = 200, kde_samples = 300} end,
  real = pts:slice(1, 1, 200), test = test}
local r = ouro.loop(config)()
assert(r.metrics.energy:shape()[2] == 2 and r.metrics.kde_nll[1][1] == r.metrics.kde_nll[1][1])
local f = io.open(dir .. "/seeds/1/gen-002.safetensors")
assert(f, "each generation's weights are checkpointed"); f:close()
local again = ouro.loop(config)()
assert(again.metrics.energy:eq(r.metrics.energy):sum() == 2, "a finished run reads its records")
os.execute("rm -rf '" .. dir .. "'")

-- Images: 8×8 pictures of three classes — the left half bright, the top half bright, a bright
-- border — each pixel jittered by U(−0.1, 0.1). A class-conditional U-Net must learn which is which.
local side, n = 8, 300
local patterns = {}
for c = 1, 3 do
  local p = {}
  for i = 1, side do for j = 1, side do
    local bright = (c == 1 and j <= side / 2) or (c == 2 and i <= side / 2)
      or (c == 3 and (i == 1 or j == 1 or i == side or j == side))
    p[#p + 1] = bright and 0.85 or 0.15
  end end
  patterns[c] = p
end
local function pictures(count, rng)
  local labels, rows = {}, {}
  for k = 1, count do labels[k] = (k - 1) % 3 + 1; rows[k] = patterns[labels[k]] end
  local x = ouro.tensor.new(rows):add(rng:uniform({count, side * side}, -0.1, 0.1)):clamp(0, 1)
  return ouro.data.labelled(x, ouro.tensor.new(labels))
end
local imgs, img_test = pictures(n, ouro.rng(5)), pictures(90, ouro.rng(6))
local function unet(iterations)
  return ouro.models.diffusion{data = "images", side = side, channels = 8, classes = 3, iterations = iterations, batch = 32, lr = 3e-3, steps = 50, sampler_steps = 10}
end
local im = unet(400):fit(imgs, ouro.rng(7))
local untrained = unet(1):fit(imgs, ouro.rng(7))
local mse, mse0 = im:evaluate(img_test).denoise_mse, untrained:evaluate(img_test).denoise_mse
-- (the ratio was 0.050–0.059 over six seeds)
assert(mse < 0.5 * mse0, ("training lowers the held-out noise-prediction loss: %.3f after 400 steps, %.3f after 1"):format(mse, mse0))
-- samples: rows [pixels | label], pixels in [0, 1], classes balanced unless asked
local smp = im:sample(30, ouro.rng(8))
assert(smp:shape()[1] == 30 and smp:shape()[2] == side * side + 1)
local px = smp:slice(2, 1, side * side)
assert(px:min() >= 0 and px:max() <= 1)
local counts = {0, 0, 0}
for k = 1, 30 do local c = smp[k][side * side + 1]; counts[c] = counts[c] + 1 end
assert(counts[1] == 10 and counts[2] == 10 and counts[3] == 10)
-- each class's samples look like their class: the left half brighter than the right for class 1,
-- the top brighter than the bottom for class 2 (the data's contrast is 0.7; over six seeds the
-- samples' was 0.63–0.68, and a model blind to the class would mix the patterns: ≈ 0.23); with
-- DDIM over 10 steps and ancestral sampling over all 50
for _, opts in ipairs({{sampler = "ddim", steps = 10}, {sampler = "ancestral"}}) do
  for c = 1, 2 do
    local labels = {}
    for k = 1, 20 do labels[k] = c end
    opts.labels = labels
    local pics = im:sample(20, ouro.rng(9), opts):slice(2, 1, side * side)
    local mean = pics:mean(1)
    local a, b = 0, 0
    for i = 1, side do for j = 1, side do
      local v = mean[(i - 1) * side + j]
      local first = (c == 1 and j <= side / 2) or (c == 2 and i <= side / 2)
      if first then a = a + v else b = b + v end
    end end
    local contrast = (a - b) / (side * side / 2)
    assert(contrast > 0.5, ("class %d's samples (%s) show their pattern: contrast %.3f, the data's 0.7"):format(c, opts.sampler, contrast))
  end
end
expect_error("labels must be classes 1…3, found 4", im.sample, im, 2, ouro.rng(1), {labels = {1, 4}})
expect_error("the training rows must have 65 columns", unet(1).fit, unet(1), imgs:slice(2, 1, 64), ouro.rng(1))
expect_error("pixel values must lie in [0, 1]", unet(1).fit, unet(1), imgs:mul(2), ouro.rng(1))
expect_error("channels must be a multiple of 8", ouro.models.diffusion, {data = "images", channels = 12})
expect_error("side must be a multiple of 4", ouro.models.diffusion, {data = "images", side = 10})
-- fid in a feature space of 8×8 images; weights round-trip
local feats = ouro.models.fid_features{x = imgs:slice(2, 1, 64), y = imgs:select(2, 65), side = side, classes = 3, epochs = 3, rng = ouro.rng(10)}
local withfid = ouro.models.diffusion{data = "images", side = side, channels = 8, classes = 3, iterations = 1, steps = 50, fid = feats}
local wpath = os.tmpname()
im:save(wpath)
withfid:load(wpath)
os.remove(wpath)
local f1 = withfid:evaluate(img_test)
near(f1.denoise_mse, mse, 1e-9, "the loaded weights give the saved model's loss")
local f0 = ouro.models.diffusion{data = "images", side = side, channels = 8, classes = 3, iterations = 1, steps = 50, fid = feats}:fit(imgs, ouro.rng(7)):evaluate(img_test)
assert(f1.fid < 0.5 * f0.fid, ("a trained model's samples are nearer the test images: fid %.2f, untrained %.2f"):format(f1.fid, f0.fid))
expect_error("fid features are for 8×8 images", ouro.models.diffusion, {data = "images", fid = feats})

-- in the loop with out, the first seed's samples are drawn as a grid per generation
local idir = os.tmpname(); os.remove(idir)
ouro.loop{name = "ddpm-images", workflow = "replace", generations = 2, seed = 1, out = idir, samples = 60,
  model = function() return unet(30) end, real = imgs, test = img_test}()
for g = 1, 2 do
  local png = io.open(("%s/samples/gen-%03d.png"):format(idir, g), "rb")
  assert(png and png:read(4) == "\137PNG", "a PNG grid of samples per generation"); png:close()
end
os.execute("rm -rf '" .. idir .. "'")
