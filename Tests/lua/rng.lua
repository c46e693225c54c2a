-- ouro.rng: reproducible, splittable, and drawing from the right distributions.
local n = 200000

-- same seed, same numbers, bit for bit
local a, b = ouro.rng(42):normal({1000}), ouro.rng(42):normal({1000})
assert(a:eq(b):sum() == 1000)
assert(ouro.rng(43):normal({1000}):eq(a):sum() == 0, "different seeds give different streams")

-- split: named children are independent of parent use, and reproducible
local g = ouro.rng(7)
local c1 = g:split("gen-1"):normal({100})
g:normal({500})                      -- using the parent does not change its children
local c2 = g:split("gen-1"):normal({100})
assert(c1:eq(c2):sum() == 100)
assert(g:split("gen-2"):normal({100}):eq(c1):sum() == 0)
assert(g:split(3):uniform({10}):eq(g:split("3"):uniform({10})):sum() == 10)
local gc = ouro.rng(7):split("gen-1"):normal({100})
assert(gc:eq(c1):sum() == 100, "a child depends only on the parent's seed and its name")

-- normal: mean 0, variance 1; tolerances are 5 standard errors (1/sqrt(n), sqrt(2/n))
local z = ouro.rng(1):normal({n})
near(z:mean(), 0, 5 / math.sqrt(n), "normal mean")
near(z:var(), 1, 5 * math.sqrt(2 / n), "normal variance")
local zs = ouro.rng(1):normal({n}, 3, 2)
near(zs:mean(), 3, 5 * 2 / math.sqrt(n), "shifted mean"); near(zs:std(), 2, 5 * 2 * math.sqrt(0.5 / n), "scaled std")
assert(ouro.rng(1):normal({2, 3}, 0, 1, "float32"):dtype() == "float32")
-- the fraction within one standard deviation is 0.6827 (SE sqrt(p(1-p)/n))
local p1 = z:abs():le(1):sum() / n
near(p1, 0.682689, 5 * math.sqrt(0.6827 * 0.3173 / n), "P(|z| <= 1)")

-- uniform in [lo, hi): mean and variance of U(2, 5) are 3.5 and 0.75
local u = ouro.rng(2):uniform({n}, 2, 5)
assert(u:min() >= 2 and u:max() < 5)
near(u:mean(), 3.5, 5 * math.sqrt(0.75 / n), "uniform mean")
near(u:var(), 0.75, 5 * math.sqrt((9 ^ 2 / 80 - 0.75 ^ 2) / n), "uniform variance")

-- integers lo..hi inclusive: every face of a die with frequency 1/6
local d = ouro.rng(3):integers(1, 6, {60000})
assert(d:dtype() == "int64" and d:min() == 1 and d:max() == 6)
for face = 1, 6 do
  near(d:eq(face):sum() / 60000, 1 / 6, 5 * math.sqrt((1 / 6) * (5 / 6) / 60000), "face " .. face)
end
assert(ouro.rng(3):integers(-2, -2, {5}):eq(-2):sum() == 5)

-- permutation and choice are 1-based
local p = ouro.rng(4):permutation(50)
assert(p:dtype() == "int64" and p:numel() == 50)
local seen = {}
for i = 1, 50 do local v = p[i]; assert(v >= 1 and v <= 50 and not seen[v]); seen[v] = true end
local ch = ouro.rng(5):choice(1000, 100, {replace = false})
seen = {}
for i = 1, 100 do local v = ch[i]; assert(v >= 1 and v <= 1000 and not seen[v]); seen[v] = true end
local big = ouro.rng(5):choice(1e9, 10)           -- huge n, small k: sparse shuffle
assert(big:numel() == 10 and big:min() >= 1 and big:max() <= 1e9)
local rep = ouro.rng(6):choice(3, 30, {replace = true})
assert(rep:min() >= 1 and rep:max() <= 3)
expect_error("without replacement", function() return ouro.rng(1):choice(3, 4) end)
-- every element is equally likely to be chosen: each of 10 items in 5-of-10 draws has p = 1/2
local counts = T.zeros({10})
local gg = ouro.rng(9)
for _ = 1, 2000 do local idx = gg:choice(10, 5); for i = 1, 5 do counts[idx[i]] = counts[idx[i]] + 1 end end
for i = 1, 10 do near(counts[i] / 2000, 0.5, 5 * math.sqrt(0.25 / 2000), "inclusion of " .. i) end

-- the tails: P(|z| > 3) = 0.0026998, P(|z| > 4) = 6.334e-5 (5 standard errors each)
local big = ouro.rng(21):normal({2000000})
local p3 = big:abs():gt(3):sum() / 2000000
near(p3, 0.0026998, 5 * math.sqrt(0.0027 / 2000000), "P(|z| > 3)")
local p4 = big:abs():gt(4):sum() / 2000000
near(p4, 6.334e-5, 5 * math.sqrt(6.334e-5 / 2000000), "P(|z| > 4)")
near(big:mean(), 0, 5 / math.sqrt(2000000), "mean"); near(big:var(), 1, 5 * math.sqrt(2 / 2000000), "variance")
near((big ^ 4):mean(), 3, 5 * math.sqrt(96 / 2000000), "fourth moment")
-- symmetric: as many draws below 0 as above
near(big:gt(0):sum() / 2000000, 0.5, 5 * math.sqrt(0.25 / 2000000), "P(z > 0)")
