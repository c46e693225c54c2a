-- ouro.models.vae from Lua: labelled rows, balanced subsets, sampling with labels, save/load,
-- and errors that say what was expected (a few hundred images: quick).
local T = ouro.tensor
local te = ouro.data.fashion_mnist{split = "test"}
local g = ouro.rng(3)

-- labelled rows and balanced subsets
local rows = ouro.data.labelled(te.x:slice(1, 1, 300), te.y:slice(1, 1, 300))
assert(rows:dtype() == "float32" and rows:shape()[2] == 785)
assert(rows[1][785] == te.y[1], "the label is the last column, as given (1-based)")
local idx = ouro.data.balanced(te.y, 20, ouro.rng(1))
assert(idx:numel() == 200 and idx:dtype() == "int64")
local counts = {}
for i = 1, 200 do local c = te.y[idx[i]]; counts[c] = (counts[c] or 0) + 1 end
for c = 1, 10 do assert(counts[c] == 20, "class " .. c .. " has " .. tostring(counts[c])) end
for i = 2, 200 do assert(idx[i] > idx[i - 1], "increasing") end
same(ouro.data.balanced(te.y, 20, ouro.rng(1)), idx:totable())
expect_error("fewer than k = 2000", function() ouro.data.balanced(te.y, 2000, ouro.rng(1)) end)
expect_error("one label per row", function() ouro.data.labelled(te.x:slice(1, 1, 3), te.y:slice(1, 1, 4)) end)

-- the conditional VAE: fit, sample (balanced or chosen labels), evaluate, save and load
local m = ouro.models.vae{arch = "cvae-conv", epochs = 1}
assert(tostring(m) == "ouro.models.vae")
m:fit(rows, g)
local s = m:sample(20, ouro.rng(4))
assert(s:shape()[1] == 20 and s:shape()[2] == 785)
for i = 1, 20 do assert(s[i][785] == (i - 1) % 10 + 1) end
local chosen = m:sample(3, ouro.rng(4), {labels = {5, 5, 10}})
assert(chosen[1][785] == 5 and chosen[3][785] == 10)
local e = m:evaluate(ouro.data.labelled(te.x:slice(1, 5001, 5200), te.y:slice(1, 5001, 5200)))
assert(e.nelbo > 0 and math.abs(e.nelbo - e.bce - e.kl) < 1e-6 * e.nelbo)
local path = os.tmpname()
m:save(path)
local back = ouro.models.vae{arch = "cvae-conv"}:load(path)
same(back:sample(3, ouro.rng(4), {labels = {5, 5, 10}}), chosen:totable(), 0)
os.remove(path)

-- errors
expect_error("arch must be \"mlp\" or \"cvae-conv\", got \"gan\"", function() ouro.models.vae{arch = "gan"} end)
expect_error("unknown option 'epoch'", function() ouro.models.vae{epoch = 3} end)
expect_error("784 columns", function() ouro.models.vae{}:fit(rows, g) end)
expect_error("labels must be classes 1…10, found 11", function() m:sample(2, g, {labels = {1, 11}}) end)
expect_error("returned 1 values for 2 samples", function() m:sample(2, g, {labels = {1}}) end)
expect_error("this gaussian has no classes", function()
  local gm = ouro.models.gaussian{}; gm:fit(g:normal({10, 2})); gm:sample(2, g, {labels = {1, 2}})
end)
expect_error("not fitted", function() ouro.models.vae{}:sample(2, g) end)
expect_error("save() is defined for models with weights", function() ouro.models.kde{}:save(path) end)

-- sample grids as PNG, read back
local png = os.tmpname() .. ".png"
local w, h = ouro.image.grid(s:slice(2, 1, 784), png, {columns = 10, scale = 1, gap = 0})
assert(w == 280 and h == 56, w .. "x" .. h)
local img = ouro.image.read(png)
assert(img:shape()[1] == 56 and img:shape()[2] == 280)
local first = img:slice(1, 1, 28):slice(2, 1, 28):reshape({784})
assert(((first - s[1]:slice(1, 1, 784)):abs():max()) <= 0.5 / 255 + 1e-6, "pixels are the samples rounded to 8 bits")
os.remove(png)
expect_error("not a square image", function() ouro.image.grid(T.zeros({2, 5}), png) end)
expect_error("not a PNG", function() local f = io.open(png, "w"); f:write("hello"); f:close(); ouro.image.read(png) end)
os.remove(png)

-- a VAE in ouro.loop with keep_pool: weights per generation, the kept pool holds real + synthetic rows
do
  local dir = os.tmpname(); os.remove(dir)
  local x = ouro.rng(9):uniform({40, 16}, 0, 1, "float32")
  local r = ouro.loop{name = "tiny-vae", workflow = "accumulate", generations = 3, samples = 10, keep_pool = true, out = dir,
    model = function() return ouro.models.vae{side = 4, hidden = 8, latent = 2, epochs = 2} end,
    real = x, test = ouro.rng(10):uniform({20, 16}, 0, 1, "float32")}()
  assert(r.metrics.nelbo:shape()[2] == 3)
  local pool = T.load(dir .. "/seeds/0/pool.npy")
  assert(pool:shape()[1] == 40 + 2 * 10 and pool:shape()[2] == 16, "real rows and two generations of samples")
  for g = 1, 3 do assert(io.open(dir .. ("/seeds/0/gen-%03d.safetensors"):format(g)), "weights of generation " .. g) end
  local f = io.open(dir .. "/samples/gen-001.png"); assert(f, "a sample grid"); f:close()
  os.execute("rm -rf '" .. dir .. "'")
end

-- a huge sample count is refused before anything is listed for it (it once trapped the process)
expect_error("beyond the memory limit", function() return ouro.models.vae{arch = "cvae-conv", side = 4, classes = 2}:sample(2^53, ouro.rng(1)) end)
