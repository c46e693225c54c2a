-- Timing of the float32 GELU kernels: x:gelu({out = y}) over 4M values, and forward + backward over
-- 1M, best of 15 / 10 runs. Run with one core: OURO_OP_THREADS=1 ouro run bench/gelu.lua
local x = ouro.rng(1):normal({4000000}, 0, 3, "float32")
local y = x:gelu()
local best = 1e9
for i = 1, 15 do local t = ouro.timeit(function() x:gelu({out = y}) end); if t < best then best = t end end
local xg = ouro.rng(2):normal({1000000}, 0, 3, "float32"):requires_grad()
local b2 = 1e9
for i = 1, 10 do local t = ouro.timeit(function() local l = xg:gelu():sum(); l:backward() end); if t < b2 then b2 = t end; xg:zero_grad() end
print(string.format("gelu fwd 4M: %.2f ms; fwd+bwd 1M: %.2f ms", best * 1000, b2 * 1000))
