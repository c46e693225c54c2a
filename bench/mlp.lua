-- ouro side of the MLP benchmark (bench/mlp_bench.sh): the same network, optimiser, batch and
-- data as bench/mlp_torch.py; prints one JSON line with images/s over the timed steps.
--   ouro run bench/mlp.lua [steps=300]
local nn, optim = ouro.nn, ouro.optim
local steps = tonumber(arg and arg[1]) or 300
local train = ouro.data.fashion_mnist{split = "train"}
local rng = ouro.rng(0)
local net = nn.sequential{nn.linear(784, 512, {rng = rng}), nn.relu(), nn.linear(512, 512, {rng = rng}), nn.relu(), nn.linear(512, 10, {rng = rng})}
local opt = optim.adam(net, {lr = 1e-3})
local batch, n = 128, train.x:size(1)

local function run(count)
  local order, done, loss = rng:permutation(n), 0, nil
  while done < count do
    for first = 1, n - batch + 1, batch do
      if done == count then break end
      local idx = order:slice(1, first, first + batch - 1)
      loss = nn.cross_entropy(net(train.x:rows(idx)), train.y:rows(idx))
      opt:zero_grad(); loss:backward(); opt:step()
      done = done + 1
    end
    order = rng:permutation(n)
  end
  return loss:item()
end

run(20)  -- warm-up
local secs, last = ouro.timeit(run, steps)
print(('{"images_per_s": %.1f, "seconds": %.4f, "steps": %d, "loss": %.5f}'):format(steps * batch / secs, secs, steps, last))
