-- Every function documented as taking an options table (`name{…}`) rejects a key it does not know,
-- naming the key; a near miss also names the closest valid key. The list comes from the API itself.
local checked = {}
local function walk(prefix, t, depth)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    local v = t[k]
    local name = prefix .. k
    if type(v) == "function" then
      local doc = ouro.help(v)
      if doc:find(k .. "{", 1, true) then
        local msg = expect_error("unknown option 'zzz_not_an_option'", v, {zzz_not_an_option = 1})
        assert(msg:find(k, 1, true), name .. ": the message names the function: " .. msg)
        checked[#checked + 1] = name
      end
    elseif type(v) == "table" and depth < 2 then
      walk(name .. ".", v, depth + 1)
    end
  end
end
walk("ouro.", ouro, 1)
local expect = {"ouro.data.blobs", "ouro.data.circles", "ouro.data.moons", "ouro.data.swiss_roll", "ouro.loop",
  "ouro.models.gaussian", "ouro.models.kde", "ouro.models.linear_regression", "ouro.plot",
  "ouro.theory.gaussian", "ouro.theory.linear_regression"}
local seen = {}
for _, n in ipairs(checked) do seen[n] = true end
for _, n in ipairs(expect) do assert(seen[n], n .. " was not found among the table-taking functions: " .. table.concat(checked, ", ")) end

-- options in other positions and nested tables
local x, g = T.ones({3}), ouro.rng(1)
expect_error("unknown option 'keepdims'; did you mean 'keepdim'?", function() return x:sum(1, {keepdims = true}) end)
expect_error("unknown option 'unbaised'; did you mean 'unbiased'?", function() return x:var({unbaised = true}) end)
expect_error("unknown option 'replce'; did you mean 'replace'?", function() return g:choice(5, 2, {replce = true}) end)
expect_error("unknown option 'instructons'; did you mean 'instructions'?", function() return ouro.plugin("x", {}, {instructons = 1}) end)
expect_error("unknown option 'dashd' in 'series 1'; did you mean 'dashed'?", function()
  return ouro.plot{file = os.tmpname(), series = {{y = {1, 2}, dashd = true}}}
end)
expect_error("unknown option 'W' in 'truth'", function() return ouro.models.linear_regression{truth = {W = T.ones({2})}} end)
expect_error("must have names as keys", function() return ouro.models.kde{0.5} end)
-- a key from another function is unknown here too, and the message lists what is valid
local m = expect_error("unknown option 'generations'", function() return ouro.models.kde{generations = 3} end)
assert(m:find("valid: bandwidth", 1, true), m)
-- a scatter needs one y per x
expect_error("points = true needs a 1-D y", function()
  return ouro.plot{file = os.tmpname(), series = {{y = T.ones({2, 3}), points = true}}}
end)
