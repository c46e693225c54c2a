-- ouro side of the VAE benchmark (bench/vae_torch.py is the PyTorch side): ouro.models.vae trained
-- for one epoch on the first N Fashion-MNIST training images (Adam 1e-3, batch 128, float32);
-- prints one JSON line with the training images/s. With evaluate=1 it trains on N images for
-- the given epochs and adds the test NELBO (nats per image) and its parts.
--   ouro run bench/vae.lua [arch=mlp|cvae-conv] [images=12800] [epochs=1] [evaluate=0] [seed=0]
local arch = arg[1] or "mlp"
local n = tonumber(arg[2]) or 12800
local epochs = tonumber(arg[3]) or 1
local evaluate = tonumber(arg[4] or "0") ~= 0
local seed = tonumber(arg[5]) or 0
local tr = ouro.data.fashion_mnist{split = "train"}
local function rows(d, k)
  local x = d.x:slice(1, 1, k)
  return arch == "mlp" and x or ouro.data.labelled(x, d.y:slice(1, 1, k))
end
local train = rows(tr, n)
local m = ouro.models.vae{arch = arch, epochs = epochs}
local secs = ouro.timeit(function() m:fit(train, ouro.rng(seed)) end)
local out = {string.format('"arch": "%s", "images_per_s": %.1f, "images": %d, "epochs": %d, "seconds": %.2f', arch, n * epochs / secs, n, epochs, secs)}
if evaluate then
  local te = ouro.data.fashion_mnist{split = "test"}
  local e = m:evaluate(rows(te, #te.x))
  out[#out + 1] = string.format('"nelbo": %.3f, "bce": %.3f, "kl": %.3f', e.nelbo, e.bce, e.kl)
end
print("{" .. table.concat(out, ", ") .. "}")
