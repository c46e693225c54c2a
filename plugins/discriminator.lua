-- Yi et al. 2025 (arXiv 2510.16657): a discriminator verifier for images. A network trained to
-- tell real images from a generator's samples (ouro.models.discriminator) scores each sample's
-- realness; with keep_top = q in the loop, the top q of every batch is kept — within each
-- label when the rows carry one, as Yi et al. keep the top 10% per class.
return {
  name = "discriminator",
  kind = "verifier",
  description = "score image samples by a real-vs-fake discriminator's logit (per label: the rank within the label)",
  params = {
    net = {doc = "the discriminator (ouro.models.discriminator{real=, fake=, rng=}; required)"},
    label = {default = 0, doc = "column holding the label to rank within (0: none, -1: the last column)"},
  },
  make = function(p)
    assert(p.net ~= nil, "discriminator needs net = ouro.models.discriminator{...}")
    return function(batch, ctx)
      local scores = p.net:score(batch)
      if p.label == 0 then return scores end
      -- within each label, the rank of the score as a fraction of the label's count: keep_top = q
      -- then keeps the top q of every label (of a balanced batch, exactly)
      local s, labels = scores:totable(), batch:select(2, p.label):totable()
      local groups = {}
      for i = 1, #s do
        local key = labels[i]
        groups[key] = groups[key] or {}
        table.insert(groups[key], i)
      end
      local out = {}
      for _, members in pairs(groups) do
        table.sort(members, function(a, b) return s[a] < s[b] or (s[a] == s[b] and a > b) end)
        for rank, i in ipairs(members) do out[i] = rank / #members end
      end
      return out
    end
  end,
}
