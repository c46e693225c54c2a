-- ouro.data: shapes, ranges and sample statistics against the generators' definitions.
local g = ouro.rng(3)

-- blobs: centres uniform in the box, clusters of as-equal-as-possible size, N(centre, std²) around them
local x, y, c = ouro.data.blobs{n = 3001, centers = 3, std = 0.5, box = {-5, 5}, dim = 4, rng = g}
assert(x:shape()[1] == 3001 and x:shape()[2] == 4 and c:shape()[1] == 3 and c:shape()[2] == 4)
assert(c:min() >= -5 and c:max() < 5 and y:dtype() == "int64" and y:min() == 1 and y:max() == 3)
assert(y:eq(1):sum() == 1001 and y:eq(2):sum() == 1000 and y:eq(3):sum() == 1000)
for k = 1, 3 do
  local members = x:mask(y:eq(k))
  local err = (members:mean(1) - c[k]):abs():max()
  assert(err < 5 * 0.5 / math.sqrt(1000), "cluster mean off its centre by " .. err)
  near(members:std(1):mean(), 0.5, 5 * 0.5 / math.sqrt(2 * 1000 * 4), "cluster spread")
end
-- the same centres draw the test set
local xt, yt, ct = ouro.data.blobs{n = 10, centers = c, std = 0.5, rng = g}
assert(ct:eq(c):sum() == 12 and xt:shape()[2] == 4)
assert(not pcall(ouro.data.blobs, {n = 10}), "rng is required")

-- circles without noise: radii exactly 1 and factor
local p, lab = ouro.data.circles{n = 101, factor = 0.3, rng = g}
local r = p:pow(2):sum(2):sqrt()
assert(lab:eq(1):sum() == 50 and lab:eq(2):sum() == 51)
same(r:mask(lab:eq(1)) - 1, T.zeros({50}):totable(), 1e-12)
same(r:mask(lab:eq(2)) - 0.3, T.zeros({51}):totable(), 1e-12)
-- with noise: radial spread ≈ noise
local pn = ouro.data.circles{n = 20000, noise = 0.05, rng = g}
near(pn:pow(2):sum(2):sqrt():mean(), (1 + 0.8) / 2, 0.01, "mean radius")

-- moons: the outer moon on the unit upper half circle, the inner one shifted by (1, -0.5)
local m, ml = ouro.data.moons{n = 200, rng = g}
local outer, inner = m:mask(ml:eq(1)), m:mask(ml:eq(2))
same(outer:pow(2):sum(2), T.ones({100}):totable(), 1e-12)
assert(outer:select(2, 2):min() >= -1e-12)
same((inner - T.new({1, 0.5})):pow(2):sum(2), T.ones({100}):totable(), 1e-12)

-- swiss roll: t in [1.5π, 4.5π], height in [0, 21], (x, z) = t (cos t, sin t)
local s, t = ouro.data.swiss_roll{n = 5000, rng = g}
assert(s:shape()[2] == 3 and t:min() >= 1.5 * math.pi and t:max() <= 4.5 * math.pi)
assert(s:select(2, 2):min() >= 0 and s:select(2, 2):max() <= 21)
local radius = (s:select(2, 1):pow(2) + s:select(2, 3):pow(2)):sqrt()
same(radius - t, T.zeros({5000}):totable(), 1e-9)
near(t:mean(), 3 * math.pi, 5 * (math.pi / math.sqrt(3)) / math.sqrt(5000), "mean position along the roll")
expect_error("noise must be", function() return ouro.data.moons{n = 5, noise = -1, rng = g} end)
