-- A verifier for text pools: keeps documents (or, for prompt/response pairs, responses) that look
-- like text a person wrote — not too short or long, not stuck repeating itself — and, given a
-- reference language model, not too unlikely under it. A degenerate sample (empty, a loop of the
-- same words, a run of noise) is what a collapsing model produces first; filtering it is the
-- textual analogue of Yi et al.'s verified retraining. Returns 0/1 per document; with score = true
-- it returns scores instead (higher is better: minus the reference's cross-entropy, or the share
-- of distinct word bigrams), for keep_top = q.
local function distinct_bigrams(s)
  local words, seen, pairs, distinct = {}, {}, 0, 0
  for w in s:gmatch("%S+") do words[#words + 1] = w end
  for i = 2, #words do
    local key = words[i - 1] .. " " .. words[i]
    pairs = pairs + 1
    if not seen[key] then seen[key] = true; distinct = distinct + 1 end
  end
  return pairs > 0 and distinct / pairs or 1, pairs
end

return {
  name = "text_filter",
  kind = "verifier",
  description = "keep documents of reasonable length that do not repeat themselves (and that a reference model finds likely)",
  params = {
    min_bytes = {default = 1, doc = "shortest document kept (bytes)"},
    max_bytes = {default = 1e9, doc = "longest document kept (bytes)"},
    min_distinct = {default = 0.5, doc = "least share of distinct word bigrams in a document of 4 words or more"},
    reference = {doc = "optional: a fitted ouro.models.gpt; documents are then also judged by its cross-entropy"},
    max_ce = {default = 1e9, doc = "with reference: highest cross-entropy (nats per token) kept"},
    score = {default = false, doc = "return scores (for keep_top) instead of 0/1"},
  },
  make = function(p)
    return function(batch, ctx)
      local out = {}
      for i = 1, #batch do
        local s = batch[i]
        local share, bigrams = distinct_bigrams(s)
        local ok = #s >= p.min_bytes and #s <= p.max_bytes and (bigrams < 3 or share >= p.min_distinct)
        local ce
        if p.reference ~= nil and #s > 0 then
          ce = p.reference:evaluate(ouro.data.documents{s}).test_ce
          ok = ok and ce <= p.max_ce
        end
        if p.score then
          out[i] = ok and (ce and -ce or share) or -math.huge
        else
          out[i] = ok and 1 or 0
        end
      end
      return out
    end
  end,
}
