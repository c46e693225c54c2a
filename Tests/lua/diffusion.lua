-- ouro.models.diffusion from Lua: a DDPM of points fits, samples with either sampler, evaluates,
-- runs in ouro.loop with checkpoints, and bad options are errors that say what was expected.
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
expect_error("data must be \"points\"", ouro.models.diffusion, {data = "images"})
expect_error("schedule must be", ouro.models.diffusion, {schedule = "quadratic"})
expect_error("variance must be", ouro.models.diffusion, {variance = "learned"})
expect_error("embedding an even number", ouro.models.diffusion, {embedding = 5})

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
