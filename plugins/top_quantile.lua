-- Keep the top fraction q of each batch by a score column, optionally within each label
-- (Yi et al.'s MNIST filter keeps the top 10% per digit).
return {
  name = "top_quantile",
  kind = "verifier",
  description = "keep the top q of a score column, optionally within each label",
  params = {
    q = {default = 0.1, doc = "fraction kept"},
    score = {default = -1, doc = "column holding the score (negative counts from the end)"},
    label = {default = 0, doc = "column holding a label to rank within (0: no labels)"},
  },
  make = function(p)
    assert(p.q > 0 and p.q <= 1, "top_quantile: q must be in (0, 1]")
    return function(batch, ctx)
      local n = batch:shape()[1]
      local scores = batch:select(2, p.score):totable()
      local labels = p.label ~= 0 and batch:select(2, p.label):totable() or nil
      local groups = {}
      for i = 1, n do
        local key = labels and labels[i] or 0
        groups[key] = groups[key] or {}
        table.insert(groups[key], i)
      end
      local keep = {}
      for i = 1, n do keep[i] = 0 end
      for _, members in pairs(groups) do
        table.sort(members, function(a, b) return scores[a] > scores[b] or (scores[a] == scores[b] and a < b) end)
        for k = 1, math.ceil(#members * p.q) do keep[members[k]] = 1 end
      end
      return keep
    end
  end,
}
