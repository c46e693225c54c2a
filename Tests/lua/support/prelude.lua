-- Helpers loaded before every Tests/lua/*.lua file by the Swift test runner.
T = ouro.tensor

--- Asserts that fn(...) raises an error whose message contains `fragment` (plain text);
--- returns the message.
function expect_error(fragment, fn, ...)
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error containing '" .. fragment .. "', but the call succeeded")
  local msg = tostring(err)
  assert(msg:find(fragment, 1, true), "error message '" .. msg .. "' does not contain '" .. fragment .. "'")
  return msg
end

--- Asserts |a - b| <= tol (default 1e-12, relative to max(1, |b|)).
function near(a, b, tol, what)
  tol = tol or 1e-12
  local scale = math.max(1, math.abs(b))
  assert(math.abs(a - b) <= tol * scale,
    string.format("%s: got %.17g, expected %.17g (tol %g)", what or "value", a, b, tol))
end

--- Asserts a tensor equals a nested table of numbers elementwise within tol.
function same(t, expected, tol)
  local got = t:totable()
  local function walk(g, e, path)
    if type(e) == "table" then
      assert(type(g) == "table" and #g == #e, "shape differs at " .. path)
      for i = 1, #e do walk(g[i], e[i], path .. "[" .. i .. "]") end
    else
      near(g, e, tol or 1e-12, "element " .. path)
    end
  end
  walk(got, expected, "")
end
