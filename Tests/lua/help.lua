-- help(x): every public binding has a paragraph, reachable by value and by name.
local h = ouro.help

assert(h():find("help%(ouro%)"), "overview mentions help(ouro)")
local z = h(ouro.tensor.zeros)
assert(z:find("^ouro.tensor.zeros\n") and z:find("zeros%(shape"), z)
assert(h("ouro.tensor.zeros") == z, "by name and by value agree")
assert(h("zeros") == z, "a unique short name finds it")
assert(h(ouro.tensor):find("^ouro.tensor — %d+ entries"), h(ouro.tensor))
assert(h(ouro.tensor):find("zeros%s+a tensor of zeros"), h(ouro.tensor))
local x = ouro.tensor.ones({2, 3})
assert(h(x):find("a Tensor; methods:") and h(x):find("\n  sum "), h(x))
assert(h(ouro.rng(1)):find("an RNG; methods:"))
assert(h("Tensor:sum"):find("^Tensor:sum\n"))
assert(h(print):find("standard library"))
assert(h(string.format):find("string.format"))
assert(h(function() end):find("a Lua function defined at"))
assert(h("nonexistent_name_xyz"):find("^no help for"))
assert(h(42):find("a number value: 42"))

-- Walk the whole API: every function under `ouro` and every method has its own text.
local seen, missing, count = {}, {}, 0
local function walk(t, prefix, depth)
  if depth > 3 or seen[t] then return end
  seen[t] = true
  for k, v in pairs(t) do
    local name = prefix .. "." .. tostring(k)
    if type(v) == "function" then
      count = count + 1
      if not h(v):find("^" .. name:gsub("%.", "%%.") .. "\n") then missing[#missing + 1] = name end
    elseif type(v) == "table" then
      walk(v, name, depth + 1)
    end
  end
end
walk(ouro, "ouro", 0)
assert(count >= 30, "found only " .. count .. " functions")
assert(#missing == 0, "no help text for: " .. table.concat(missing, ", "))
for _, cls in ipairs({"Tensor", "RNG", "Model", "Pool"}) do
  local text = h(cls)
  local methods = 0
  for name in text:gmatch("\n  (%S+)") do
    methods = methods + 1
    assert(h(cls .. ":" .. name):find("^" .. cls .. ":" .. name .. "\n"), cls .. ":" .. name)
  end
  assert(methods > 3, cls .. " lists its methods: " .. text)
end
