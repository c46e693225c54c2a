-- ouro.nn / ouro.optim / autograd from Lua: a training loop that learns, gradients of Lua
-- expressions against their closed forms, module plumbing, and errors that say what was wrong.
local nn, optim = ouro.nn, ouro.optim

-- Gradients of tensor expressions written in Lua.
local x = T.new({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}}):requires_grad()
local y = (x:exp() * 2 + x * x):sum()
assert(ouro.tensor.is_tensor(y), "a tracked sum stays a tensor so that it can be back-propagated")
assert(type(T.ones({2}):sum()) == "number", "an untracked sum is still a number")
y:backward()
local want = (x:detach():exp() * 2 + x:detach() * 2):totable()
same(x:grad(), want, 1e-12)
-- broadcasting: the gradient of a bias added to every row sums over the rows
local b = T.new({1.0, 2.0, 3.0}):requires_grad()
local w = T.new({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}):requires_grad()
local z = (x:detach():mm(w) * 1):sum() + (x:detach() + b):pow(2):sum()
z:backward()
same(b:grad(), ((x:detach() + b:detach()) * 2):sum(1):totable(), 1e-12)
same(w:grad(), x:detach():t():mm(T.ones({2, 2})):totable(), 1e-12)
-- softmax rows sum to one; log_softmax matches log(softmax)
local s = T.new({{1, 2, 3}, {-1, 0, 100}}):softmax(2)
same(s:sum(2), {1, 1}, 1e-12)
same(T.new({{1, 2, 3}}):log_softmax(2), T.new({{1, 2, 3}}):softmax(2):log():totable(), 1e-12)
-- no_grad records nothing and returns fn's results
local v, w2 = ouro.no_grad(function(a) return (a * a):sum(), "second" end, x)
assert(type(v) == "number" and w2 == "second")

-- A network learns a nonlinear rule (two interleaved moons) well beyond a linear model.
local g = ouro.rng(3)
local pts, labels = ouro.data.moons{n = 512, noise = 0.1, rng = g}
pts = pts:astype("float32")
local net = nn.sequential{nn.linear(2, 32, {rng = g}), nn.tanh(), nn.linear(32, 32, {rng = g}), nn.gelu(), nn.linear(32, 2, {rng = g})}
assert(#net == 5 and net[1].weight:shape()[1] == 32 and net[1].bias:numel() == 32)
assert(net:num_parameters() == 2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2)
local opt = optim.adamw(net, {lr = 1e-2, weight_decay = 1e-4})
local sched = optim.schedule{kind = "cosine", lr = 1e-2, warmup = 20, total = 300}
local first
for step = 1, 300 do
  opt:set_lr(sched(step))
  local loss = nn.cross_entropy(net(pts), labels)
  first = first or loss:item()
  opt:zero_grad(); loss:backward()
  optim.clip_grad_norm(net, 5)
  opt:step()
end
assert(opt:steps() == 300)
local acc = ouro.no_grad(function() return net(pts):argmax(2):eq(labels):sum() / 512 end)
assert(first > 0.5 and acc > 0.97, ("the network should separate the moons: first loss %.3f, accuracy %.3f"):format(first, acc))

-- Weights round-trip through safetensors; a different architecture is refused by name.
local path = os.tmpname()
net:save(path)
local copy = nn.sequential{nn.linear(2, 32), nn.tanh(), nn.linear(32, 32), nn.gelu(), nn.linear(32, 2)}:load(path)
same(copy(pts:slice(1, 1, 4)), net(pts:slice(1, 1, 4)):detach():totable(), 0)
expect_error("'3.weight' has shape", function() nn.sequential{nn.linear(2, 32), nn.tanh(), nn.linear(32, 16), nn.gelu(), nn.linear(16, 2)}:load(path) end)
os.remove(path)
assert(tostring(net):find("linear(2 → 32)", 1, true) and tostring(net):find("parameters", 1, true))

-- Convolutions and the rest of the layers, by shape.
local img = g:normal({4, 1, 28, 28}, 0, 1, "float32")
local enc = nn.sequential{nn.conv2d(1, 8, 4, {stride = 2, padding = 1}), nn.gelu(), nn.conv2d(8, 16, 4, {stride = 2, padding = 1})}
local code = enc(img)
assert(code:size(2) == 16 and code:size(3) == 7 and code:size(4) == 7)
local dec = nn.sequential{nn.conv_transpose2d(16, 8, 4, {stride = 2, padding = 1}), nn.relu(), nn.conv_transpose2d(8, 1, 4, {stride = 2, padding = 1})}
assert(dec(code):size(3) == 28)
local loss = nn.bce_with_logits(dec(code), img:sigmoid(), {reduction = "sum"})
loss:backward()
assert(enc[1].weight:grad() ~= nil and dec[3].bias:grad():numel() == 1)
local emb = nn.embedding(10, 4)
assert(emb(T.new({{1, 10}, {3, 3}}, "int64")):size(3) == 4)
local ln = nn.layer_norm(4)
same(ln(T.new({{1, 2, 3, 4}}, "float32")):mean(2), {0}, 1e-6)
local drop = nn.dropout(0.5):eval()
same(drop(T.ones({3})), {1, 1, 1}, 0)

-- Errors name what was wrong, where (file:line), and what was expected.
local m = expect_error("linear(2 → 32): expected input with last dimension 2, got shape 5x3", function() return net(T.zeros({5, 3}, "float32")) end)
assert(m:find("^[^:]+:%d+: linear"), "the message carries the script's file and line: " .. m)
expect_error("target 2 is class 7, outside 1..2", function() return nn.cross_entropy(net(pts:slice(1, 1, 2)), T.new({1, 7}, "int64")) end)
expect_error("needs a scalar", function() local t = T.ones({2}):requires_grad(); (t * 2):backward() end)
expect_error("requires grad", function() local t = T.ones({2}):requires_grad(); t:add_(1) end)
expect_error("only floating-point", function() T.ones({2}, "int64"):requires_grad() end)
expect_error("modified in place", function()
  local a, c = T.ones({2}):requires_grad(), T.ones({2})
  local l = (a * c):sum(); c:fill_(3); l:backward()
end)
expect_error("unknown option 'lrr'; did you mean 'lr'?", function() return optim.adam(net, {lrr = 1}) end)
expect_error("dropout: p must be in [0, 1)", function() return nn.dropout(1.5) end)
expect_error("expected a module", function() return nn.sequential{nn.relu(), 3} end)
expect_error("index 11 is outside 1..10", function() return emb(T.new({11}, "int64")) end)
-- A diverging run is stopped with the step that diverged.
local p = T.new({1.0}):requires_grad()
local sgd = optim.sgd({p}, {lr = 1})
expect_error("optimizer step 1", function()
  local l = (p * (0 / 0)):sum()
  pcall(l.backward, l)   -- backward itself refuses a NaN loss …
  p:zero_grad(); (p - 1):sqrt():sum():backward()   -- … and an infinite gradient (d√u/du at 0) stops the step
  sgd:step()
end)

-- cross_entropy's ignore_index: ignored targets count for nothing in the loss, the mean and the gradient.
local nn = ouro.nn
local z = T.new({{1.0, 2.0, 0.5}, {0.3, -1.0, 2.0}, {0.0, 0.7, -0.2}, {1.5, 1.5, 0.1}}):requires_grad()
local t = T.new({2, 0, 3, 0}, "int64")
local loss = nn.cross_entropy(z, t, {ignore_index = 0})
-- the mean over the two counted rows equals the plain loss of those rows
local kept = T.new({{1.0, 2.0, 0.5}, {0.0, 0.7, -0.2}})
near(loss:item(), nn.cross_entropy(kept, T.new({2, 3}, "int64")):item(), 1e-12, "ignore_index mean")
loss:backward()
local gr = z:grad():totable()
for _, i in ipairs({2, 4}) do for j = 1, 3 do assert(gr[i][j] == 0, "ignored rows get no gradient") end end
-- central finite differences on a counted entry
local function f(d) local w = z:detach():totable(); w[3][2] = w[3][2] + d; return nn.cross_entropy(T.new(w), t, {ignore_index = 0}):item() end
near(gr[3][2], (f(1e-6) - f(-1e-6)) / 2e-6, 1e-7, "finite difference")
near(nn.cross_entropy(z:detach(), t, {ignore_index = 0, reduction = "sum"}):item(), loss:item() * 2, 1e-12, "sum")
near(nn.cross_entropy(z:detach(), T.new({0, 0, 0, 0}, "int64"), {ignore_index = 0}):item(), 0, 0, "all ignored")
-- an in-range ignore_index works too
near(nn.cross_entropy(z:detach(), T.new({2, 1, 3, 1}, "int64"), {ignore_index = 1}):item(), loss:item(), 1e-12, "in range")
expect_error("outside 1..3", nn.cross_entropy, z:detach(), T.new({2, 0, 3, 0}, "int64"))
expect_error("outside 1..3", nn.cross_entropy, z:detach(), T.new({2, 5, 3, 0}, "int64"), {ignore_index = 0})

