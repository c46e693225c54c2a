-- Kazdan et al. 2024, KDE task-setting: blobs, circles, moons and the swiss roll under replace,
-- accumulate and accumulate-subsample; held-out NLL per point vs generation.
--
--   ouro run scripts/kde.lua [h=0.1] [n=100] [generations=100] [seeds=10] [out=runs/kde]
local T = ouro.tensor
local h = tonumber(arg[1]) or 0.1
local n = tonumber(arg[2]) or 100
local generations = tonumber(arg[3]) or 100
local nseeds = tonumber(arg[4]) or 10
local out = arg[5] or "runs/kde"
local seeds = {}
for i = 1, nseeds do seeds[i] = i end

-- Train and held-out test sets from the same distribution (blobs reuse their centres).
local datasets = {
  blobs = function(seed)
    local g = ouro.rng(seed):split("data")
    local x, _, centers = ouro.data.blobs{n = n, rng = g}
    return x, (ouro.data.blobs{n = 500, centers = centers, rng = g})
  end,
  circles = function(seed)
    local g = ouro.rng(seed):split("data")
    return (ouro.data.circles{n = n, noise = 0.05, rng = g}), (ouro.data.circles{n = 500, noise = 0.05, rng = g})
  end,
  moons = function(seed)
    local g = ouro.rng(seed):split("data")
    return (ouro.data.moons{n = n, noise = 0.1, rng = g}), (ouro.data.moons{n = 500, noise = 0.1, rng = g})
  end,
  swiss_roll = function(seed)
    local g = ouro.rng(seed):split("data")
    return (ouro.data.swiss_roll{n = n, noise = 0.5, rng = g}), (ouro.data.swiss_roll{n = 500, noise = 0.5, rng = g})
  end,
}

print(string.format("KDE, h = %g, n = %d, %d seeds: held-out NLL per point (mean over seeds)", h, n, nseeds))
print(string.format("%-11s %-22s %10s %10s %10s", "dataset", "workflow", "gen 1", "gen 10", "gen " .. generations))
for _, name in ipairs({"blobs", "circles", "moons", "swiss_roll"}) do
  local runs = {}
  for _, workflow in ipairs({"replace", "accumulate", "accumulate-subsample"}) do
    local r = ouro.loop{
      name = "kde-" .. name, model = function() return ouro.models.kde{bandwidth = h} end,
      real = datasets[name], generations = generations, samples = n, workflow = workflow, seeds = seeds,
      out = out .. "/" .. name .. "/" .. workflow,
    }()
    runs[#runs + 1] = r
    local nll = r.metrics.nll
    print(string.format("%-11s %-22s %10.3f %10.3f %10.3f", name, workflow, nll:select(2, 1):mean(),
      nll:select(2, math.min(10, generations)):mean(), nll:select(2, generations):mean()))
  end
  ouro.plot{file = out .. "/" .. name .. ".svg", runs = runs, metric = "nll",
    title = string.format("KDE on %s, h=%g n=%d, %d seeds", name, h, n, nseeds),
    xlabel = "generation", ylabel = "held-out NLL per point"}
end
print("plots: " .. out .. "/{blobs,circles,moons,swiss_roll}.svg")
