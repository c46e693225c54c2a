-- Bad input raises a Lua error with a readable message; the process keeps running.
local x = T.new({{1, 2}, {3, 4}})

-- shape mismatch in + and mm; a non-broadcastable pair
expect_error("cannot be broadcast", function() return x + T.zeros({3}) end)
expect_error("2x2 and 3x4", function() return x + T.zeros({3, 4}) end)
expect_error("do not match", function() return x:mm(T.zeros({3, 2})) end)
expect_error("cannot be broadcast", function() return x:lt(T.zeros({5})) end)
-- the message carries the caller's file:line
local msg = expect_error("cannot be broadcast", function() return x * T.zeros({3}) end)
assert(msg:find("%.lua:%d+: "), "no file:line in '" .. msg .. "'")

-- wrong argument types
expect_error("bad argument #1 to 'mm' (tensor expected, got string)", function() return x:mm("a") end)
expect_error("tensor or number expected, got string", function() return x + "a" end)
expect_error("tensor or number expected, got table", function() return x * {} end)
expect_error("expected, got no value", function() return ouro.linalg.inv() end)
expect_error("calling 'sum' on bad self", function() return x.sum("not a tensor") end)
expect_error("unknown dtype 'float16'", function() return T.zeros({2}, "float16") end)
-- a tensor of the wrong dtype
expect_error("non-integer", function() return x:rows(T.new({1.5})) end)
expect_error("is int64", function() return T.new({1, 2}, "int64"):add_(0.5) end)
expect_error("floating-point dtype", function() return ouro.rng(1):normal({2}, 0, 1, "int64") end)
expect_error("mask must be 1-D", function() return x:mask(T.ones({2, 2})) end)
expect_error("expected a number", function() return T.new({1, "two"}) end)
expect_error("ragged table", function() return T.new({{1, 2}, {3}}) end)

-- index out of range
expect_error("index 3 out of range for dimension 1 of size 2", function() return x[3] end)
expect_error("out of range", function() return x[0] end)
expect_error("out of range", function() return x[2][5] end)
expect_error("out of range", function() return x:rows({1, 3}) end)
expect_error("out of range", function() return x:slice(2, 1, 3) end)
expect_error("dimension 3 out of range", function() return x:sum(3) end)
expect_error("out of range", function() x[5] = 1 end)

-- linear algebra on bad matrices
expect_error("not positive definite", function() return ouro.linalg.cholesky(T.new({{1, 2}, {2, 1}})) end)
expect_error("singular", function() return ouro.linalg.solve(T.new({{1, 2}, {2, 4}}), T.new({1, 2})) end)
expect_error("singular", function() return ouro.linalg.inv(T.zeros({3, 3})) end)
expect_error("singular", function() return ouro.linalg.solve(T.new({{1, 1}, {1, 1 + 1e-17}}), T.new({1, 2})) end)
expect_error("square", function() return ouro.linalg.cholesky(T.zeros({2, 3})) end)
expect_error("NaN", function() return ouro.linalg.inv(T.new({{0 / 0, 1}, {1, 1}})) end)

-- files that are not .npy, or truncated
local bad = os.tmpname()
local f = assert(io.open(bad, "wb")); f:write("hello, this is not numpy"); f:close()
expect_error("not a valid .npy file", function() return T.load(bad) end)
T.ones({10, 10}):save(bad)
local whole = assert(io.open(bad, "rb")):read("a")
f = assert(io.open(bad, "wb")); f:write(whole:sub(1, #whole - 8)); f:close()
expect_error("truncated data", function() return T.load(bad) end)
f = assert(io.open(bad, "wb")); f:write(whole:sub(1, 20)); f:close()
expect_error("truncated header", function() return T.load(bad) end)
os.remove(bad)
expect_error("No such file", function() return T.load("/nonexistent/x.npy") end)

-- nonsense shapes
expect_error("must be non-negative", function() return T.zeros({-1}) end)
expect_error("too large", function() return T.zeros({1e15}) end)
expect_error("too large", function() return T.zeros({1e5, 1e5, 1e5}) end)
expect_error("exceeds the memory limit", function() return T.zeros({1e13}) end)
expect_error("must be an integer", function() return T.zeros({2.5}) end)
expect_error("reshape", function() return x:reshape({3}) end)
expect_error("more than 2^48", function() return T.arange(0, 1e300, 1e-300) end)
expect_error("beyond the memory limit", function() return ouro.rng(1):choice(2^62, 2^61) end)
expect_error("beyond the memory limit", function() return ouro.rng(1):permutation(1e13) end)
expect_error("beyond the memory limit", function() return ouro.rng(1):choice(10, 1e15, {replace = true}) end)
-- int64 extremes survive printing and reading back exactly
local ext = T.new({9223372036854775807, -9223372036854775807}, "int64")
assert(ext[1] == math.maxinteger and tostring(ext):find("9223372036854775807", 1, true))

-- a tensor whose userdata was already collected (resurrected by another finalizer)
do
  local holder = setmetatable({}, {__gc = function(o) zombie = o.t end})
  holder.t = T.zeros({2})
  holder = nil
  collectgarbage(); collectgarbage()
end
assert(zombie ~= nil, "finalizer did not resurrect the tensor")
expect_error("garbage-collected", function() return zombie:sum() end)
expect_error("garbage-collected", function() return zombie + 1 end)
zombie = nil; collectgarbage()
-- __gc called by hand, twice, then a real collection: idempotent, and the tensor reads as freed
local y = T.ones({3})
local gc = debug.getmetatable(y).__gc
gc(y); gc(y)
expect_error("garbage-collected", function() return y:sum() end)
gc(io.stdout)            -- a foreign userdata: ignored
y = nil; collectgarbage()
assert(getmetatable(T.ones({1})) == "Tensor", "the metatable is locked")

-- foreign userdata where a tensor or a generator is expected
expect_error("tensor or number expected, got FILE*", function() return x + io.stdout end)
expect_error("tensor expected, got FILE*", function() return x:mm(io.stdout) end)
expect_error("generator (ouro.rng) expected, got ouro.Tensor", function() return ouro.rng(1).normal(x, {2}) end)
expect_error("tensor expected, got ouro.RNG", function() return x:mm(ouro.rng(1)) end)

-- errors raised in Lua code that Swift called come back as Lua errors, unchanged
local m = expect_error("inner failure", function() return ouro.timeit(function() error("inner failure") end) end)
assert(m:find("%.lua:%d+: inner failure"), m)
local ok, obj = pcall(ouro.timeit, function() error({code = 7}) end)
assert(not ok and type(obj) == "table" and obj.code == 7, "error objects keep their identity")
local ok2, e2 = pcall(ouro.timeit, function() return x + "a" end)
assert(not ok2 and e2:find("tensor or number expected"), tostring(e2))
-- nested: Swift -> Lua -> Swift -> Lua error
local ok3, e3 = pcall(ouro.timeit, ouro.timeit, function() error("deep") end)
assert(not ok3 and e3:find("deep"), tostring(e3))
local dt, a, b = ouro.timeit(function(p, q) return p + q, "ok" end, 1, 2)
assert(type(dt) == "number" and dt >= 0 and a == 3 and b == "ok")

-- after all of that, the state still works
near((x + 1):sum(), 14)
