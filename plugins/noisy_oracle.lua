-- An imperfect verifier: given a ground-truth rule, it accepts truly good samples with
-- probability p (true positives) and bad ones with probability q (false positives).
return {
  name = "noisy_oracle",
  kind = "verifier",
  description = "wrap a truth rule: accept good samples w.p. p, bad ones w.p. q",
  params = {
    truth = {doc = "function(batch, ctx) -> 0/1 mask of good samples (required)"},
    p = {default = 0.9, doc = "probability of accepting a good sample"},
    q = {default = 0.1, doc = "probability of accepting a bad sample"},
  },
  make = function(params)
    assert(type(params.truth) == "function", "noisy_oracle needs truth = function(batch, ctx) returning a mask")
    return function(batch, ctx)
      local good = params.truth(batch, ctx)
      local u = ctx.rng:uniform({batch:shape()[1]})
      local accept_good = good * u:lt(params.p)
      local accept_bad = (1 - good) * u:lt(params.q)
      return accept_good + accept_bad
    end
  end,
}
