-- ouro.models.kde: exact log densities (also far from the data), bandwidth rules, sampling.
local L2PI = math.log(2 * math.pi)

-- one training point: the density is N(0, h² I)
local one = ouro.models.kde{bandwidth = 0.5}:fit(T.zeros({1, 2}))
local x = T.new({{0, 0}, {1, -1}, {500, 0}})              -- the last is 1000 bandwidths away
local lp = one:log_prob(x)
for i = 1, 3 do
  local r2 = x[i]:pow(2):sum()
  near(lp[i], -r2 / (2 * 0.25) - L2PI - math.log(0.25), 1e-12, "log N at row " .. i)
end
assert(lp[3] > -math.huge and lp[3] == lp[3], "far points get a finite log density")

-- two points: log ((N(x; a) + N(x; b)) / 2), checked by hand in 1-D
local two = ouro.models.kde{bandwidth = 1}:fit(T.new({{-1}, {2}}))
local v = two:log_prob(T.new({{0.5}}))[1]
local dens = (math.exp(-0.5 * 1.5 ^ 2) + math.exp(-0.5 * 1.5 ^ 2)) / 2 / math.sqrt(2 * math.pi)
near(v, math.log(dens), 1e-12, "two-point density")

-- more training points than one chunk: agrees with a direct tensor computation
local g = ouro.rng(4)
local train = g:normal({10007, 3})
local m = ouro.models.kde{bandwidth = 0.3}:fit(train)
local q = g:normal({5, 3}) * 2
local got = m:log_prob(q)
for i = 1, 5 do
  local d2 = (train - q[i]):pow(2):sum(2)
  local want = (d2 * (-1 / (2 * 0.09))):logsumexp() - math.log(10007) - 1.5 * math.log(2 * math.pi * 0.09)
  near(got[i], want, 1e-12, "chunked log-sum-exp, row " .. i)
end
local nll = m:evaluate(q).nll
near(nll, -got:mean(), 1e-12, "nll is the mean negative log density")

-- bandwidth rules as scikit-learn's
near(ouro.models.kde{bandwidth = "scott"}:fit(train):bandwidth(), 10007 ^ (-1 / 7), 1e-15, "scott")
near(ouro.models.kde{bandwidth = "silverman"}:fit(train):bandwidth(), (10007 * 5 / 4) ^ (-1 / 7), 1e-15, "silverman")
expect_error("bandwidth must be", function() return ouro.models.kde{bandwidth = -1} end)
expect_error("bandwidth must be", function() return ouro.models.kde{bandwidth = "wide"} end)

-- sampling: a training point plus N(0, h²): mean kept, variance grows by h²
local s = m:sample(200000, ouro.rng(5))
local k = 200000
near(s:mean(1):mean(), train:mean(1):mean(), 5 * math.sqrt(1.09 / k), "sample mean")
near(s:var(1):mean(), train:var(1):mean() + 0.09, 5 * math.sqrt(2 * 1.09 ^ 2 / k) + 0.01, "sample variance")

-- in the loop: replace on moons drifts away from the data (held-out NLL grows)
local moons, _ = ouro.data.moons{n = 200, noise = 0.05, rng = ouro.rng(1)}
local test = ouro.data.moons{n = 500, noise = 0.05, rng = ouro.rng(2)}
local r = ouro.loop{model = function() return ouro.models.kde{bandwidth = 0.1} end, real = moons, test = test,
  generations = 30, workflow = "replace", seeds = {1, 2, 3}}()
local first, last = r.metrics.nll:select(2, 1):mean(), r.metrics.nll:select(2, 30):mean()
assert(last > first + 0.3, string.format("replace should degrade the KDE: nll %.3f -> %.3f", first, last))

-- 500 test points against 10^6 training points: streamed, never a 500 × 10^6 matrix (4 GB)
local big = ouro.models.kde{bandwidth = 0.1}:fit(ouro.rng(6):normal({1000000, 2}) * 3)
local far = big:log_prob(ouro.rng(7):normal({500, 2}) * 3)
assert(far:numel() == 500 and far:ne(far):sum() == 0 and far:max() < 0, "finite log densities for all 500 points")

-- capabilities, not model types: params() for every model that reports parameters, fit(data, rng)
local kd = ouro.models.kde{bandwidth = 0.7}:fit(ouro.rng(3):normal({30, 2}), ouro.rng(4))
near(kd:params().bandwidth, 0.7, 0, "kde params")
near(kd:bandwidth(), 0.7, 0, "kde bandwidth")
local gm = ouro.models.gaussian{}:fit(ouro.rng(3):normal({30, 2}), ouro.rng(4))
assert(gm:params().mean:numel() == 2 and gm:params().cov:numel() == 4)
expect_error("not gaussian", function() return gm:bandwidth() end)
expect_error("regression models, not gaussian", function() return gm:predict(T.zeros({1, 2})) end)
assert(next(ouro.models.kde{bandwidth = 1}:params()) == nil, "nothing before fit")
