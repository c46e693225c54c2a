-- A metric: squared distance of a regression's weights to a reference vector (e.g. the
-- verifier's knowledge centre), recorded every generation as `param_dist_sq`.
return {
  name = "param_distance",
  kind = "metric",
  description = "‖ŵ − reference‖² for regression models, as param_dist_sq",
  params = {reference = {doc = "the reference weights (a tensor; required)"}},
  make = function(p)
    assert(ouro.tensor.is_tensor(p.reference), "param_distance needs reference = a tensor")
    return function(model, ctx)
      local e = model:params().w - p.reference
      return {param_dist_sq = (e * e):sum()}
    end
  end,
}
