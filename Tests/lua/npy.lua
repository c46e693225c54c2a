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

-- a Fortran-ordered file (as numpy.save writes np.asfortranarray): the values are column by column
local function raw_npy(header, values)
  local h = header .. string.rep(" ", (64 - (10 + #header + 1) % 64) % 64) .. "\n"
  local body = {}
  for _, v in ipairs(values) do body[#body + 1] = string.pack("<d", v) end
  local f = assert(io.open(dir, "wb"))
  f:write("\x93NUMPY\1\0", string.pack("<I2", #h), h, table.concat(body))
  f:close()
end
raw_npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", {0, 3, 1, 4, 2, 5})
same(T.load(dir), {{0, 1, 2}, {3, 4, 5}})
raw_npy("{'descr': '<f8', 'fortran_order':True, 'shape': (2, 2, 2), }", {0, 4, 2, 6, 1, 5, 3, 7})
same(T.load(dir), {{{0, 1}, {2, 3}}, {{4, 5}, {6, 7}}})
raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", {0, 1, 2, 3, 4, 5})
same(T.load(dir), {{0, 1, 2}, {3, 4, 5}})
-- truncated data and a bad header are errors that name the file
raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", {0, 1, 2})
expect_error("truncated data", function() return T.load(dir) end)
-- paths: a NUL byte or an empty path is refused, not written somewhere else
expect_error("a path cannot contain a NUL byte", function() return T.ones({2}):save(dir .. "\0.npy") end)
expect_error("the path is empty", function() return T.ones({2}):save("") end)
os.remove(dir)
