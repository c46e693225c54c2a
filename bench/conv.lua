-- ouro side of the convolution benchmark (bench/conv_torch.py is the PyTorch side): one conv2d
-- (32→64, k4, s2, p1 on 14×14) and its transpose (64→32 back to 14×14), batch 128, float32,
-- forward and backward; prints one JSON line with the pairs per second.
--   ouro run bench/conv.lua [steps=30]
local nn = ouro.nn
local steps = tonumber(arg and arg[1]) or 30
local rng = ouro.rng(0)
local conv = nn.conv2d(32, 64, 4, {stride = 2, padding = 1, rng = rng})
local convt = nn.conv_transpose2d(64, 32, 4, {stride = 2, padding = 1, rng = rng})
local x = rng:normal({128, 32, 14, 14}, 0, 1, "float32"):requires_grad()
local function step()
  local y = convt(conv(x))
  local loss = (y * y):mean()
  conv:zero_grad(); convt:zero_grad(); x:zero_grad()
  loss:backward()
end
for _ = 1, 3 do step() end
local secs = ouro.timeit(function() for _ = 1, steps do step() end end)
print(('{"pairs_per_s": %.2f, "ms_per_pair": %.3f, "steps": %d}'):format(steps / secs, 1000 * secs / steps, steps))
