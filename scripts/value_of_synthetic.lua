-- Kazdan et al. 2024, Figure 5: the value of synthetic data. A KDE is fitted on n_real real
-- points, m synthetic points are drawn from it, and a second KDE is fitted on real + synthetic.
-- Its held-out NLL against m shows where synthetic data help (scarce real data) and where they
-- hurt (plentiful real data).
--
--   ouro run scripts/value_of_synthetic.lua [dataset=moons] [h=0.1] [seeds=20] [out=runs/value_of_synthetic]
local T = ouro.tensor
local a = ouro.args{
  {"dataset", "moons", "the real data", choices = {"moons", "circles", "swiss_roll"}},
  {"h", 0.1, "KDE bandwidth", min = 0},
  {"seeds", 20, "independent repetitions", min = 1},
  {"out", "runs/value_of_synthetic", "folder for the records and plots"},
}
local dataset, h, nseeds, out = a.dataset, a.h, a.seeds, a.out
os.execute("mkdir -p '" .. out .. "'")

local function draw(n, rng)
  if dataset == "moons" then return (ouro.data.moons{n = n, noise = 0.1, rng = rng}) end
  if dataset == "circles" then return (ouro.data.circles{n = n, noise = 0.05, rng = rng}) end
  if dataset == "swiss_roll" then return (ouro.data.swiss_roll{n = n, noise = 0.5, rng = rng}) end
  error("dataset must be moons, circles or swiss_roll, got " .. tostring(dataset))
end

local reals = {16, 64, 256, 1024}
local synthetics = {0, 16, 64, 256, 1024, 4096}
local series = {}
print(string.format("KDE (h = %g) on %s: held-out NLL per point, mean over %d seeds", h, dataset, nseeds))
io.write(string.format("%10s", "real \\ syn"))
for _, m in ipairs(synthetics) do io.write(string.format("%10d", m)) end
print()
for _, n in ipairs(reals) do
  local nll = T.zeros({nseeds, #synthetics})
  for s = 1, nseeds do
    local g = ouro.rng(s)
    local real, test = draw(n, g:split("real")), draw(2000, g:split("test"))
    local teacher = ouro.models.kde{bandwidth = h}:fit(real)
    for j, m in ipairs(synthetics) do
      local train = m == 0 and real or T.cat({real, teacher:sample(m, g:split("synthetic-" .. m))}, 1)
      nll[s][j] = ouro.models.kde{bandwidth = h}:fit(train):evaluate(test).nll
    end
  end
  io.write(string.format("%10d", n))
  for j = 1, #synthetics do io.write(string.format("%10.3f", nll:select(2, j):mean())) end
  print()
  local x = {}
  for j, m in ipairs(synthetics) do x[j] = math.log(1 + m, 10) end
  series[#series + 1] = {name = n .. " real", x = x, y = nll}
end
ouro.plot{file = out .. "/" .. dataset .. ".svg", series = series,
  title = string.format("Value of synthetic data: KDE h=%g on %s, mean of %d seeds ± 95%% CI", h, dataset, nseeds),
  xlabel = "log10(1 + synthetic samples)", ylabel = "held-out NLL per point"}
print("plot: " .. out .. "/" .. dataset .. ".svg")
