-- Kazdan et al. 2024, KDE task-setting: blobs, circles, moons and the swiss roll under replace,
-- accumulate and accumulate-subsample; held-out NLL per point vs generation.
--
--   ouro run scripts/kde.lua [h=auto] [n=100] [generations=100] [seeds=10] [out=runs/kde]
--
-- The datasets live on very different scales (blobs spread over a 20×20 box, moons within ±1.5),
-- so one bandwidth cannot suit them all: with h = 0.1 everywhere, a KDE of 100 blob or swiss-roll
-- points is a cloud of needles and the NLL measures distances to the nearest training point. By
-- default each dataset gets the bandwidth (from a grid) that maximises the held-out likelihood of a
-- KDE fitted to n real points, averaged over independent draws that the runs do not use — the
-- choice Kazdan et al. make by sweeping h. A number as the first argument uses that h everywhere.
local T = ouro.tensor
local a = ouro.args{
  {"h", type = "number", help = "one bandwidth for every generation (default: the rule described above)", min = 0},
  {"n", 100, "samples per generation", min = 2},
  {"generations", 100, "generations after the first fit", min = 1},
  {"seeds", 10, "independent chains per workflow", min = 1},
  {"out", "runs/kde", "folder for the run records and plots"},
}
local fixed_h, n, generations, nseeds, out = a.h, a.n, a.generations, a.seeds, a.out
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

--- The grid bandwidth with the best held-out NLL of a KDE on n real points, mean over 5 draws.
local grid = {0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5}
local function choose_bandwidth(name)
  if fixed_h then return fixed_h end
  local best, best_nll = nil, math.huge
  for _, h in ipairs(grid) do
    local total = 0
    for draw = 1, 5 do
      local train, test = datasets[name](-draw)          -- negative seeds: never used by the runs
      total = total + ouro.models.kde{bandwidth = h}:fit(train):evaluate(test).nll
    end
    if total / 5 < best_nll then best, best_nll = h, total / 5 end
  end
  return best
end

print(string.format("KDE, n = %d, %d seeds: held-out NLL per point (mean over seeds)", n, nseeds))
print(string.format("%-11s %-22s %10s %10s %10s", "dataset", "workflow", "gen 1", "gen 10", "gen " .. generations))
for _, name in ipairs({"blobs", "circles", "moons", "swiss_roll"}) do
  local h = choose_bandwidth(name)
  print(string.format("%-11s h = %g (%s)", name, h, fixed_h and "given" or "best held-out likelihood on independent real draws"))
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
    title = string.format("KDE on %s, h=%g n=%d: mean of %d seeds ± 95%% CI", name, h, n, nseeds),
    xlabel = "generation", ylabel = "held-out NLL per point"}
end
print("plots: " .. out .. "/{blobs,circles,moons,swiss_roll}.svg")
