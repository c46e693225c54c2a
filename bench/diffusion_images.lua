-- ouro side of the image-diffusion benchmark (bench/diffusion_unet_torch.py is the PyTorch side): the
-- class-conditional U-Net of ouro.models.diffusion{data = "images"} (T = 100, 64-wide time embedding)
-- on the first `train` Fashion-MNIST training images. Prints one JSON line: training steps/s and
-- images/s over `steps` Adam steps (after 2 warm-up steps), and DDIM sampling images/s.
--   ouro run bench/diffusion_images.lua [steps=20] [channels=32] [batch=64] [sampler_steps=20] [sample=64] [train=1000]
local steps, channels, batch = tonumber(arg[1]) or 20, tonumber(arg[2]) or 32, tonumber(arg[3]) or 64
local sampler_steps, nsample, ntrain = tonumber(arg[4]) or 20, tonumber(arg[5]) or 64, tonumber(arg[6]) or 1000
local train = ouro.data.fashion_mnist{split = "train"}
local first = ouro.tensor.arange(1, ntrain + 1):astype("int64")
local rows = ouro.data.labelled(train.x:rows(first), train.y:rows(first))
local function model(iterations)
  return ouro.models.diffusion{data = "images", classes = 10, channels = channels, batch = batch, lr = 1e-3, steps = 100,
                               iterations = iterations, sampler = "ddim", sampler_steps = sampler_steps}
end
model(2):fit(rows, ouro.rng(1))     -- warm-up
local m = model(steps)
local secs = ouro.timeit(m.fit, m, rows, ouro.rng(1))
local sample_secs = ouro.timeit(m.sample, m, nsample, ouro.rng(2))
print(('{"steps_per_s": %.3f, "images_per_s": %.1f, "sample_images_per_s": %.2f, "seconds": %.2f}'):format(
  steps / secs, steps * batch / secs, nsample / sample_secs, secs))
