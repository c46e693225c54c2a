-- Keep samples that are plausible under a reference model: log p_ref(x) > threshold.
return {
  name = "likelihood_threshold",
  kind = "verifier",
  description = "accept samples whose log-likelihood under a reference model exceeds a threshold",
  params = {
    reference = {doc = "a fitted model with log_prob (required), e.g. a KDE fitted on the real data"},
    threshold = {default = -5.0, doc = "minimum log-likelihood to accept"},
  },
  make = function(p)
    assert(p.reference ~= nil, "likelihood_threshold needs reference = a fitted model")
    return function(batch, ctx) return p.reference:log_prob(batch):gt(p.threshold) end
  end,
}
