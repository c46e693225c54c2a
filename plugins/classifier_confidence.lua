-- A verifier that trusts a classifier: a labelled image sample scores the probability a classifier
-- trained on real images gives its label (ouro.models.fid_features's network serves). Samples
-- that do not look like their class score low; with keep_top = q the loop keeps the top q.
-- The classifier's convolutions allocate about 0.2 MB per scored image, counted against the
-- plugin's tensor budget (1 GiB per call by default): for batches beyond ~5000 images pass
-- ouro.plugin("classifier_confidence", {...}, {tensor_bytes = 8 << 30}).
return {
  name = "classifier_confidence",
  kind = "verifier",
  description = "score labelled image rows [pixels | label] by a classifier's probability of their label",
  params = {
    classifier = {doc = "a classifier with :probabilities(images), e.g. ouro.models.fid_features{...} (required)"},
    pixels = {default = 784, doc = "pixel columns (the label is the next one)"},
  },
  make = function(p)
    assert(p.classifier ~= nil, "classifier_confidence needs classifier = ouro.models.fid_features{...}")
    return function(batch, ctx)
      local probs = p.classifier:probabilities(batch:slice(2, 1, p.pixels))
      local labels = batch:select(2, p.pixels + 1):astype("int64"):reshape({batch:shape()[1], 1})
      return probs:gather(2, labels):reshape({batch:shape()[1]})
    end
  end,
}
