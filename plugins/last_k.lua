-- A mixing policy: the real data plus the accepted samples of the last k generations.
return {
  name = "last_k",
  kind = "policy",
  description = "train on the real data plus the last k generations' accepted samples",
  params = {k = {default = 2, doc = "how many recent generations to keep"}},
  make = function(p)
    return function(pool, t, ctx)
      local parts = {pool:where{generation = 0}}
      for g = math.max(1, t - p.k), t - 1 do parts[#parts + 1] = pool:where{generation = g} end
      return ouro.tensor.cat(parts)
    end
  end,
}
