-- The plugins shipped in plugins/, each doing its documented job.
local root = debug.getinfo(1, "S").source:match("^@(.*)/Tests/lua/[^/]*$") or "."
ouro.add_plugin_dir(root .. "/plugins")
local g = ouro.rng(12)

-- knowledge_ball: |y − x·θc| ≤ r‖x‖ + σc, by hand on three rows
local kb = ouro.plugin("knowledge_ball", {center = T.new({1, 0}), radius = 0.5, sigma = 0.1})
local rows = T.new({{1, 0, 1.5}, {1, 0, 1.7}, {0, 2, 0.5}})     -- residuals 0.5, 0.7, 0.5; bounds 0.6, 0.6, 1.1
same(kb(rows), {1, 0, 1})
expect_error("needs center", function() return ouro.plugin("knowledge_ball") end)

-- noisy_oracle: true positives kept w.p. p, false positives w.p. q (5 standard errors)
local n = 20000
local batch = g:normal({n, 1})
local oracle = ouro.plugin("noisy_oracle", {truth = function(b) return b:select(2, 1):gt(0) end, p = 0.8, q = 0.2})
local verdict = oracle(batch, {rng = ouro.rng(3)})
local good = batch:select(2, 1):gt(0)
local tp = (verdict * good):sum() / good:sum()
local fp = (verdict * (1 - good)):sum() / (1 - good):sum()
near(tp, 0.8, 5 * math.sqrt(0.16 / (n / 2)), "true-positive rate")
near(fp, 0.2, 5 * math.sqrt(0.16 / (n / 2)), "false-positive rate")

-- likelihood_threshold: keeps what a reference KDE finds plausible
local ref = ouro.models.kde{bandwidth = 0.3}:fit(g:normal({500, 2}))
local lt = ouro.plugin("likelihood_threshold", {reference = ref, threshold = -4})
local pts = T.new({{0, 0}, {8, 8}})
same(lt(pts), {1, 0})

-- top_quantile: the top 25% by score, overall and within each label
local scored = T.new({{1, 0.9}, {1, 0.1}, {1, 0.5}, {1, 0.2}, {2, 0.3}, {2, 0.8}, {2, 0.4}, {2, 0.7}})
local top = ouro.plugin("top_quantile", {q = 0.25})(scored)
assert(top[1] == 1 and top[6] == 1 and #top == 8 and (top[2] + top[3] + top[4] + top[5] + top[7] + top[8]) == 0)
local per = ouro.plugin("top_quantile", {q = 0.25, label = 1})(scored)
assert(per[1] == 1 and per[6] == 1 and per[3] == 0 and per[8] == 0)

-- param_distance: ‖ŵ − reference‖² of a fitted regression, by hand
local w = T.new({1, -1})
local fitted = ouro.models.linear_regression{noise = 0}:fit(T.new({{1, 0, 2}, {0, 1, -3}, {1, 1, -1}}))
local pd = ouro.plugin("param_distance", {reference = T.new({1, 1})})(fitted, {})
near(pd.param_dist_sq, (fitted:params().w - T.new({1, 1})):pow(2):sum(), 1e-12, "param_dist_sq")

-- last_k as a policy: the real rows and exactly the last k generations' accepted rows
local seen = 0
local last2 = ouro.plugin("last_k", {k = 2})
local policy = function(pool, t, ctx)
  local idx = last2(pool, t, ctx)
  local gens, accepted = pool:generation(), pool:accepted()
  local want = 0
  for i = 1, pool:size() do
    local g = gens[i]
    if accepted[i] == 1 and (g == 0 or g >= t - 2) then want = want + 1 end
  end
  assert(idx:numel() == want, string.format("generation %d: %d rows, expected %d", t, idx:numel(), want))
  for i = 1, idx:numel() do
    local g = gens[idx[i]]
    assert(accepted[idx[i]] == 1 and (g == 0 or g >= t - 2), "row of generation " .. g)
  end
  seen = seen + 1
  return idx
end

-- knowledge_ball as the verifier of a regression loop: Yi et al.'s pull towards the verifier's
-- centre — the fitted weights move from the truth towards the centre, generation after generation
local center = T.new({0.6, -0.6})
local seeds = {}
for i = 1, 20 do seeds[i] = i end
local r = ouro.loop{
  model = function() return ouro.models.linear_regression{noise = 0.5, truth = {w = w}, covariates = "fresh"} end,
  real = function(seed)
    local gg = ouro.rng(seed)
    local X = gg:normal({60, 2})
    return T.cat({X, (X:mm(w) + gg:normal({60}) * 0.5):reshape({60, 1})}, 2)
  end,
  generations = 8, seeds = seeds, workflow = policy,
  verifier = ouro.plugin("knowledge_ball", {center = center, radius = 0.1, sigma = 0.2}),
  metrics = ouro.plugin("param_distance", {reference = center}),
}()
assert(seen == 20 * 7, "the policy ran for every seed and generation from 2 on: " .. seen)
local d1, d8 = r.metrics.param_dist_sq:select(2, 1):mean(), r.metrics.param_dist_sq:select(2, 8):mean()
assert(d8 < 0.5 * d1, string.format("weights pulled towards the centre: ‖ŵ − θc‖² %.3f at generation 1, %.3f at 8", d1, d8))
local frac = r.metrics.accepted_frac:select(2, 1):mean()
assert(frac > 0.05 and frac < 0.9, "the verifier rejects part of each batch: " .. frac)

-- discriminator and classifier_confidence on real Fashion-MNIST images (small: a few seconds)
do
  local te = ouro.data.fashion_mnist{split = "test"}
  local real = ouro.data.labelled(te.x:slice(1, 1, 1500), te.y:slice(1, 1, 1500))
  -- "fake" images: the real ones blurred towards gray, easy to tell apart
  local fake_x = te.x:slice(1, 1501, 3000) * 0.5 + 0.25
  local fake = ouro.data.labelled(fake_x, te.y:slice(1, 1501, 3000))
  local disc = ouro.models.discriminator{real = real, fake = fake, rng = ouro.rng(1), epochs = 2}
  assert(tostring(disc):find("ouro.models.discriminator"))
  local held_real = ouro.data.labelled(te.x:slice(1, 3001, 3500), te.y:slice(1, 3001, 3500))
  local held_fake = ouro.data.labelled(te.x:slice(1, 3501, 4000) * 0.5 + 0.25, te.y:slice(1, 3501, 4000))
  assert(disc:accuracy(held_real, held_fake) > 0.9, "real vs blurred is easy")
  -- raw logits without labels; with label = -1, ranks within each label in (0, 1]
  local mixed = T.cat({held_real:slice(1, 1, 20), held_fake:slice(1, 1, 20)})
  local raw = ouro.plugin("discriminator", {net = disc})(mixed)
  same(raw, disc:score(mixed):totable(), 0)
  assert(raw:slice(1, 1, 20):mean() > raw:slice(1, 21, 40):mean(), "real rows score higher")
  local ranked = ouro.plugin("discriminator", {net = disc, label = -1})(mixed)
  local labels = mixed:select(2, 785):totable()
  for i = 1, 40 do assert(ranked[i] > 0 and ranked[i] <= 1) end
  for c = 1, 10 do                                    -- the top-ranked row of each label has rank 1
    local best, count = 0, 0
    for i = 1, 40 do if labels[i] == c then best = math.max(best, ranked[i]); count = count + 1 end end
    if count > 0 then assert(best == 1, "label " .. c) end
  end
  expect_error("needs net", function() return ouro.plugin("discriminator") end)

  -- classifier_confidence: the classifier's probability of each row's own label
  local f = ouro.models.fid_features{x = te.x:slice(1, 1, 3000), y = te.y:slice(1, 1, 3000), rng = ouro.rng(2)}
  local conf = ouro.plugin("classifier_confidence", {classifier = f})(held_real)
  local probs = f:probabilities(held_real:slice(2, 1, 784))
  for i = 1, 5 do near(conf[i], probs[i][held_real[i][785]], 1e-12, "row " .. i) end
  local wrong = held_real:clone()
  local shifted = {}
  for i, l in ipairs(held_real:select(2, 785):totable()) do shifted[i] = l % 10 + 1 end    -- every label one class on
  wrong:select(2, 785):copy_(T.new(shifted))
  assert(ouro.plugin("classifier_confidence", {classifier = f})(wrong):mean() < conf:mean(), "wrong labels are less likely")
  expect_error("needs classifier", function() return ouro.plugin("classifier_confidence") end)
end

-- text_filter: length and repetition by hand; a reference model's cross-entropy ranks text it knows first
local tf = ouro.plugin("text_filter", {min_bytes = 3, min_distinct = 0.5})
local docs = {"ok", "a fine little sentence here", "the cat the cat the cat the cat the cat", "one two"}
-- bigrams: 4 distinct of 4; "the cat" ×5 + "cat the" ×4 → 2 distinct of 9
local v = tf(docs, {})
assert(v[1] == 0 and v[2] == 1 and v[3] == 0 and v[4] == 1, table.concat(v, ","))
local scores = ouro.plugin("text_filter", {score = true})(docs, {})
assert(scores[2] == 1 and scores[3] == -math.huge, "a rejected document scores -inf")
near(ouro.plugin("text_filter", {score = true, min_distinct = 0})(docs, {})[3], 2 / 9, 1e-12, "distinct share")
local lm = ouro.models.gpt{layers = 1, heads = 1, dim = 16, context = 32, steps = 60, batch = 8, lr = 3e-3, warmup = 5}
lm:fit({"abab abab abab", "abab abab", "abab abab abab abab"}, ouro.rng(1))
local ranked = ouro.plugin("text_filter", {reference = lm, score = true})({"abab abab", "zqxj wvuk"}, {})
assert(ranked[1] > ranked[2], "the reference finds its own kind of text likelier")
local strict = ouro.plugin("text_filter", {reference = lm, max_ce = -ranked[1] + 0.01})({"abab abab", "zqxj wvuk"}, {})
assert(strict[1] == 1 and strict[2] == 0)
