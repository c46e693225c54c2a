-- ouro.models.linear_regression, and the fixed-design loop against Gerstgrasser et al.'s closed forms.
local w = T.new({1, -2, 0.5})
local g = ouro.rng(8)
local x = g:normal({50, 3})

-- noiseless labels are fitted exactly; the minimum-norm solution when under-determined
local m = ouro.models.linear_regression{noise = 0}:fit(x, x:mm(w))
same(m:params().w, w:totable(), 1e-12)
same(m:predict(T.eye(3)), w:totable(), 1e-12)
local under = ouro.models.linear_regression{noise = 0}:fit(T.new({{1, 1}}), T.new({2}))
same(under:params().w, {1, 1}, 1e-12)

-- labels drawn at covariates: mean x·ŵ, spread σ
local noisy = ouro.models.linear_regression{noise = 0.5}:fit(x, x:mm(w))
local xs = g:normal({100000, 3})
local resid = noisy:sample(xs, ouro.rng(9)) - xs:mm(w)
near(resid:mean(), 0, 5 * 0.5 / math.sqrt(100000), "label noise mean")
near(resid:std(), 0.5, 5 * 0.5 / math.sqrt(2 * 100000), "label noise spread")

-- metrics: param_sq_err and test_mse against the noiseless target
local off = ouro.models.linear_regression{noise = 1, truth = {w = w}}:fit(x, x:mm(w) + 0.1)
local test = T.cat({xs:slice(1, 1, 1000), xs:slice(1, 1, 1000):mm(w):reshape({1000, 1})}, 2)
local ev = off:evaluate(test)
local dw = off:params().w - w
near(ev.param_sq_err, (dw * dw):sum(), 1e-12, "param_sq_err")
local e = xs:slice(1, 1, 1000):mm(dw)
near(ev.test_mse, (e * e):mean(), 1e-12, "test_mse")
expect_error("rows must be [x | y]", function() return off:evaluate(T.zeros({3, 1})) end)

-- the loop with rows [x | y]: labels redrawn at the fixed design each generation.
-- E‖ŵ_t − w*‖² = σ² d/(T−d−1)·t (replace) and σ² d/(T−d−1)·Σ 1/i² (accumulate); 4 standard errors.
-- Power: T = d + 6 makes d/(T−d−1) = 0.8 and d/(T−d) = 0.667 (17% apart); with 4000 seeds the
-- standard error is about 2% of the mean, so the wrong denominator lies ≥ 8 SE away and fails.
local th = ouro.theory.linear_regression{workflow = "replace", d = 4, T = 10, sigma2 = 2, generations = 3}
same(th, {2 * 4 / 5, 2 * 2 * 4 / 5, 3 * 2 * 4 / 5}, 1e-14)
local wd = T.new({1, -2, 0.5, 1.5})
local d, Tn, sigma, gens, k = 4, 10, 1, 6, 4000
local seeds = {}
for i = 1, k do seeds[i] = i end
for _, wf in ipairs({"replace", "accumulate"}) do
  local r = ouro.loop{
    model = function() return ouro.models.linear_regression{noise = sigma, truth = {w = wd}} end,
    real = function(seed)
      local gg = ouro.rng(seed)
      local X = gg:normal({Tn, d})
      return T.cat({X, (X:mm(wd) + gg:normal({Tn}) * sigma):reshape({Tn, 1})}, 2)
    end,
    generations = gens, workflow = wf, seeds = seeds,
  }()
  local theory = ouro.theory.linear_regression{workflow = wf, d = d, T = Tn, sigma2 = sigma ^ 2, generations = gens}
  for t = 1, gens do
    local col = r.metrics.param_sq_err:select(2, t)
    local se = col:std({unbiased = true}) / math.sqrt(k)
    assert(math.abs(col:mean() - theory[t]) <= 4 * se,
      string.format("%s t=%d: %.4f vs theory %.4f (4 SE %.4f)", wf, t, col:mean(), theory[t], 4 * se))
    local wrong = theory[t] * (Tn - d - 1) / (Tn - d)          -- d/(T−d) in place of d/(T−d−1)
    assert(math.abs(col:mean() - wrong) > 6 * se, string.format("%s t=%d cannot tell d/(T-d-1) from d/(T-d)", wf, t))
  end
end

-- the closed form recorded beside the run (theory.csv), for the fixed design only
local lrdir = os.tmpname(); os.remove(lrdir)
local function lr_run(covariates, out)
  ouro.loop{name = "lr", model = function() return ouro.models.linear_regression{noise = sigma, truth = {w = wd}, covariates = covariates} end,
    real = function(seed) local X = ouro.rng(seed):normal({Tn, d}); return T.cat({X, X:mm(wd):reshape({Tn, 1})}, 2) end,
    generations = 3, workflow = "accumulate", seeds = {1, 2}, out = out}()
  local f = io.open(out .. "/theory.csv", "rb")
  if not f then return nil end
  local text = f:read("a"); f:close()
  return text
end
local text = assert(lr_run("fixed", lrdir .. "/fixed"), "theory.csv for the fixed design")
local th = ouro.theory.linear_regression{workflow = "accumulate", d = d, T = Tn, sigma2 = sigma ^ 2, generations = 3}
local got = {}
for g, v in text:gmatch("lr,accumulate,(%d),param_sq_err,([^\n]+)\n") do got[tonumber(g)] = tonumber(v) end
for t = 1, 3 do assert(got[t] == th[t], string.format("theory.csv generation %d: %s vs %.17g", t, tostring(got[t]), th[t])) end
assert(lr_run("fresh", lrdir .. "/fresh") == nil, "fresh covariates: no closed form, no theory.csv")
os.execute("rm -rf '" .. lrdir .. "'")

-- noise = 0: the label density is a point mass (+inf on the fitted line, −inf off it), never NaN
local exact = ouro.models.linear_regression{noise = 0}:fit(T.new({{1, 0, 2}, {0, 1, -1}}))    -- XᵀX = I: ŵ = (2, −1) exactly
local lp = exact:log_prob(T.new({{1, 0, 2}, {1, 0, 2.5}}))
assert(lp[1] == math.huge and lp[2] == -math.huge, tostring(lp))
