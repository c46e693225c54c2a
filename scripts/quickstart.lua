-- Quickstart: fit a multivariate Gaussian with the tensor API, then refit it on its own
-- samples generation after generation ("replace") and watch the covariance shrink the way
-- theory says: E[Σ̂_t] = Σ₀ (1 − 1/n)^t for the MLE covariance with n samples per generation.
--
--   ouro run scripts/quickstart.lua [n] [generations] [seeds]
local T, linalg = ouro.tensor, ouro.linalg
local n = tonumber(arg and arg[1]) or 20
local generations = tonumber(arg and arg[2]) or 60
local seeds = tonumber(arg and arg[3]) or 200

-- The truth: a 3-D Gaussian with correlated coordinates.
local mu0 = T.new({1.0, -2.0, 0.5})
local sigma0 = T.new({{2.0, 0.6, 0.2},
                      {0.6, 1.0, -0.3},
                      {0.2, -0.3, 0.5}})
local d = mu0:numel()

--- n draws from N(mu, sigma): x = mu + z·Lᵀ with L the Cholesky factor of sigma.
local function sample(mu, sigma, count, rng)
  local L = linalg.cholesky(sigma)
  return rng:normal({count, d}):mm(L:t()) + mu
end

--- Maximum-likelihood mean and covariance (divides by N, as in Kazdan et al.).
local function fit(x)
  local mu = x:mean(1)
  local centred = x - mu
  return mu, centred:t():mm(centred) / x:shape()[1]
end

-- 1. One fit on plenty of real data recovers the truth.
local rng = ouro.rng(0)
local x = sample(mu0, sigma0, 100000, rng)
local mu_hat, sigma_hat = fit(x)
print("Fit on 100000 real samples")
print("true mean " .. table.concat(mu0:totable(), "  "))
print(string.format("fitted    %.4f  %.4f  %.4f", table.unpack(mu_hat:totable())))
print("fitted covariance:")
print(sigma_hat)
print(string.format("max |Σ̂ − Σ₀| = %.4f    log det Σ̂ = %.4f (true %.4f)\n",
  (sigma_hat - sigma0):abs():max(), linalg.logdet(sigma_hat), linalg.logdet(sigma0)))

-- 2. Self-consumption: each generation is fitted only on n samples of the previous model.
local function trace(m) return (m * T.eye(d)):sum() end
local trace0 = trace(sigma0)
local ratios = T.zeros({generations})
for s = 1, seeds do
  local g = ouro.rng(1000 + s)
  local mu, sigma = mu0, sigma0
  for t = 1, generations do
    mu, sigma = fit(sample(mu, sigma, n, g))
    ratios[t] = ratios[t] + trace(sigma) / trace0 / seeds
  end
end
print(string.format("Replace loop: n = %d samples per generation, mean over %d seeds", n, seeds))
print(string.format("%10s %14s %14s", "generation", "tr Σ̂ / tr Σ₀", "theory"))
for _, t in ipairs({1, 2, 5, 10, 20, 40, generations}) do
  if t <= generations then
    print(string.format("%10d %14.4f %14.4f", t, ratios[t], (1 - 1 / n) ^ t))
  end
end
print("\nThe covariance collapses towards zero: each refit on finite samples loses variance.")
