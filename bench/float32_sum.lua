-- float32 against float64 x:sum() over 10^7 values (20 calls each, mean ms per call).
--   ouro run bench/float32_sum.lua
local g = ouro.rng(1)
local x32 = g:normal({10000000}, 0, 1, "float32")
local x64 = x32:astype("float64")
local t32 = ouro.timeit(function() for _ = 1, 20 do x32:sum() end end)
local t64 = ouro.timeit(function() for _ = 1, 20 do x64:sum() end end)
print(("float32 sum %.2f ms, float64 sum %.2f ms; values %.6f %.6f"):format(t32 * 50, t64 * 50, x32:sum(), x64:sum()))
