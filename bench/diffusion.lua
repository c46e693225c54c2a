-- ouro side of the diffusion benchmark (bench/diffusion_torch.py is the PyTorch side): the DDPM of
-- points of ouro.models.diffusion with its defaults (T = 100, an MLP of 3 GELU layers of 128 over
-- the point and a 64-wide time embedding, Adam 3e-3 decaying, batch 256) on 1000 moons (noise 0.05).
-- Prints one JSON line.
--   ouro run bench/diffusion.lua fit [steps=3000]   — train, then the energy distance of 1000 samples to 1000 held-out points
--   ouro run bench/diffusion.lua time [steps=300]   — training steps/s, and sampling points/s (1000 points, 100 steps)
local mode, n = arg and arg[1] or "fit", tonumber(arg and arg[2])
local x = ouro.data.moons{n = 1000, noise = 0.05, rng = ouro.rng(0)}
local test = ouro.data.moons{n = 1000, noise = 0.05, rng = ouro.rng(1)}
if mode == "fit" then
  local steps = n or 3000
  local m = ouro.models.diffusion{iterations = steps}
  local secs = ouro.timeit(m.fit, m, x, ouro.rng(2))
  local e = m:evaluate(test)
  print(('{"energy": %.5f, "kde_nll": %.4f, "steps": %d, "train_seconds": %.2f, "steps_per_s": %.1f}'):format(e.energy, e.kde_nll, steps, secs, steps / secs))
elseif mode == "time" then
  local steps = n or 300
  ouro.models.diffusion{iterations = 3}:fit(x, ouro.rng(2))     -- warm-up
  local m = ouro.models.diffusion{iterations = steps}
  local secs = ouro.timeit(m.fit, m, x, ouro.rng(2))
  local sample_secs = ouro.timeit(m.sample, m, 1000, ouro.rng(3))
  print(('{"steps_per_s": %.1f, "points_per_s": %.1f, "seconds": %.3f}'):format(steps / secs, 1000 / sample_secs, secs))
end
