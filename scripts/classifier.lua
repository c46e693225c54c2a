-- A classifier on Fashion-MNIST in a page of Lua: the training loop a researcher writes with
-- ouro.nn and ouro.optim (784-512-512-10 MLP, ReLU, Adam, batch 128, float32). It is also the
-- network of the speed benchmark (BENCHMARKS.md). Prints loss and test accuracy per epoch and
-- the images/s of training (wall clock); expect about 85% after the first epoch and 86% after three.
--
--   ouro run scripts/classifier.lua [epochs=3] [seed=0] [save=path.safetensors]
local nn, optim, T = ouro.nn, ouro.optim, ouro.tensor
local a = ouro.args{
  {"epochs", 3, "passes over the 60 000 training images", min = 1},
  {"seed", 0, "seed of the initialisation and the batch order"},
  {"save", type = "string", help = "write the trained weights to this .safetensors file"},
}
local epochs, seed, save = a.epochs, a.seed, a.save

local train = ouro.data.fashion_mnist{split = "train"}
local test = ouro.data.fashion_mnist{split = "test"}
local n = train.x:size(1)
print(("Fashion-MNIST: %d training and %d test images, %d classes"):format(n, test.x:size(1), #train.classes))

local rng = ouro.rng(seed)
local net = nn.sequential{
  nn.linear(784, 512, {rng = rng}), nn.relu(),
  nn.linear(512, 512, {rng = rng}), nn.relu(),
  nn.linear(512, 10, {rng = rng}),
}
print(net)
local opt = optim.adam(net, {lr = 1e-3})
local batch = 128

--- Share of rows whose largest logit is the true class.
local function accuracy(x, y)
  return ouro.no_grad(function()
    local hits = net(x):argmax(2):eq(y):sum()
    return hits / x:size(1)
  end)
end

for epoch = 1, epochs do
  net:train()
  local order = rng:permutation(n)
  local total, batches = 0, 0
  local seconds = ouro.timeit(function()
    for first = 1, n - batch + 1, batch do
      local idx = order:slice(1, first, first + batch - 1)
      local x, y = train.x:rows(idx), train.y:rows(idx)
      local loss = nn.cross_entropy(net(x), y)
      opt:zero_grad()
      loss:backward()
      opt:step()
      total, batches = total + loss:item(), batches + 1
    end
  end)
  net:eval()
  print(("epoch %d: training loss %.4f, test accuracy %.2f%%  (%.0f images/s)"):format(
    epoch, total / batches, 100 * accuracy(test.x, test.y), batches * batch / seconds))
end
if save then net:save(save); print("weights written to " .. save) end
