-- The task of the sweep benchmark (bench/sweep_bench.sh): Gaussian fitting under replace (the loop
-- only: no plots, no tables), for seeds 1…seeds in one process or for one seed= (a sweep's task).
local T = ouro.tensor
local a = ouro.args{
  {"d", 10, "dimension", min = 1},
  {"n", 100, "samples per generation", min = 2},
  {"generations", 100, "generations", min = 1},
  {"seeds", 100, "seeds 1…seeds in this process", min = 1},
  {"out", "runs/sweep_bench", "run folder"},
  seed = {type = "integer", help = "run this one seed instead", min = 0},
}
local seeds = {}
for i = 1, a.seeds do seeds[i] = i end
if a.seed then seeds = {a.seed} end
local truth = {mean = T.zeros({a.d}), cov = T.eye(a.d)}
ouro.loop{name = "sweep-bench", model = function(seed) return ouro.models.gaussian{truth = truth} end,
  real = function(seed) local g = ouro.rng(seed):split("data"); return g:normal({a.n, a.d}), g:normal({1000, a.d}) end,
  generations = a.generations, samples = a.n, workflow = "replace", seeds = seeds, out = a.out}()
