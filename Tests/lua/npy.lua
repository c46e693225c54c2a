-- .npy round trips through the NumPy file format.
local dir = os.tmpname(); os.remove(dir)
local function roundtrip(t)
  t:save(dir)
  local u = T.load(dir)
  assert(u:dtype() == t:dtype(), "dtype " .. u:dtype() .. " vs " .. t:dtype())
  local su, st = u:shape(), t:shape()
  assert(#su == #st)
  for i = 1, #st do assert(su[i] == st[i]) end
  if t:numel() > 0 then assert(u:eq(t):sum() == t:numel(), "values differ") end
  return u
end
local g = ouro.rng(11)
roundtrip(g:normal({3, 4}))
roundtrip(g:normal({2, 3, 4}, 0, 1, "float32"))
roundtrip(g:integers(-5, 5, {7}))
roundtrip(T.new(2.5))                               -- 0-d
roundtrip(T.zeros({0, 3}))                          -- empty
roundtrip(g:normal({3, 5}):t())                     -- a non-contiguous view is written in C order
roundtrip(g:normal({6, 5}):slice(1, 2, 4))
local u = roundtrip(T.new({1 / 3, -0.0, 1e308, 5e-324}))
near(u[1], 1 / 3, 0)
os.remove(dir)
