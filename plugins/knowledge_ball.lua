-- Yi et al. 2025 (arXiv 2510.16657): a verifier for regression that accepts a labelled sample
-- (x, y) when |y − xᵀθ_c| ≤ r‖x‖ + σ_c — a ball of "knowledge" around the centre θ_c.
return {
  name = "knowledge_ball",
  kind = "verifier",
  description = "accept regression rows [x | y] with |y - x·center| <= radius·‖x‖ + sigma (Yi et al. 2025)",
  params = {
    center = {doc = "θ_c, the knowledge centre (a tensor of d weights; required)"},
    radius = {default = 0.5, doc = "r, the selectivity: smaller keeps fewer samples"},
    sigma = {default = 0.0, doc = "σ_c, a margin independent of x"},
  },
  make = function(p)
    assert(ouro.tensor.is_tensor(p.center), "knowledge_ball needs center = a tensor of weights")
    local d = p.center:numel()
    return function(batch, ctx)
      local x, y = batch:slice(2, 1, d), batch:select(2, d + 1)
      local residual = (y - x:mm(p.center)):abs()
      return residual:le(x:norm(2, 2) * p.radius + p.sigma)
    end
  end,
}
