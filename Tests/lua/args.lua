-- ouro.args: typed, validated command-line arguments with defaults.
local function with_arg(list, fn)
  local saved = arg
  arg = {[0] = "script.lua"}
  for i, v in ipairs(list) do arg[i] = v end
  local ok, res = pcall(fn)
  arg = saved
  if not ok then error(res, 0) end
  return res
end

local function spec()
  return ouro.args{
    {"d", 10, "dimension", min = 1},
    {"sigma2", 1.0, "noise variance", min = 0},
    {"out", "runs/x"},
    workflow = {"replace", "how data accumulates", choices = {"replace", "accumulate", "accumulate-subsample"}},
    verbose = false,
    h = {type = "number", help = "bandwidth (none: Silverman's rule)"},
  }
end

-- defaults, with their Lua types
local a = with_arg({}, spec)
assert(a.d == 10 and math.type(a.d) == "integer")
assert(a.sigma2 == 1.0 and math.type(a.sigma2) == "float")
assert(a.out == "runs/x" and a.workflow == "replace" and a.verbose == false and a.h == nil)

-- every way of giving a value
a = with_arg({"3", "0.5", "workflow=accumulate", "--out", "runs/y", "--verbose", "--h=0.25"}, spec)
assert(a.d == 3 and math.type(a.d) == "integer" and a.sigma2 == 0.5 and a.workflow == "accumulate")
assert(a.out == "runs/y" and a.verbose == true and a.h == 0.25)
a = with_arg({"sigma2=2", "--no-verbose", "d=1e3"}, spec)
assert(a.sigma2 == 2.0 and math.type(a.sigma2) == "float" and a.verbose == false and a.d == 1000)
-- a name given before the positions fills: bare values skip it
a = with_arg({"d=7", "0.1", "runs/z"}, spec)
assert(a.d == 7 and a.sigma2 == 0.1 and a.out == "runs/z")

-- bad values say what was expected, at the caller's line
local m = expect_error("argument 'd': expected an integer ≥ 1, got 'abc'", with_arg, {"d=abc"}, spec)
assert(m:find("^[^:]+:%d+: "), m)  -- at the calling line
expect_error("argument 'd': expected an integer ≥ 1, got '0'", with_arg, {"0"}, spec)
expect_error("argument 'd': expected an integer ≥ 1, got '2.5'", with_arg, {"2.5"}, spec)
expect_error("argument 'sigma2': expected a number ≥ 0, got 'nan'", with_arg, {"sigma2=nan"}, spec)
expect_error("argument 'workflow': expected one of replace, accumulate, accumulate-subsample, got 'acumulate'", with_arg, {"workflow=acumulate"}, spec)
expect_error("argument 'verbose': expected true or false, got 'maybe'", with_arg, {"verbose=maybe"}, spec)
expect_error("unknown argument 'dd'; did you mean 'd'?", with_arg, {"dd=3"}, spec)
expect_error("unknown argument 'zzzzzz'", with_arg, {"--zzzzzz", "1"}, spec)
expect_error("argument 'd' is given twice", with_arg, {"d=3", "--d", "4"}, spec)
expect_error("unexpected value 'extra'", with_arg, {"1", "2", "o", "extra"}, spec)
expect_error("expected an integer ≥ 1 after --d, got nothing", with_arg, {"--d"}, spec)

-- the result refuses undeclared names (typos in the script)
a = with_arg({}, spec)
expect_error("no argument 'dimension' (the script declares: d, sigma2, out, h, verbose, workflow)", function() return a.dimension end)

-- bad declarations
expect_error("give a default or a type", with_arg, {}, function() return ouro.args{x = {help = "?"}} end)
expect_error("unknown field 'mni'; did you mean 'min'?", with_arg, {}, function() return ouro.args{n = {1, mni = 0}} end)
expect_error("expected an integer ≥ 1, got the default 0", with_arg, {}, function() return ouro.args{n = {0, min = 1}} end)
expect_error("unknown type 'float'", with_arg, {}, function() return ouro.args{n = {type = "float"}} end)
expect_error("declared twice", with_arg, {}, function() return ouro.args{{"n", 1}, n = 2} end)
expect_error("argument 'n' is required", with_arg, {}, function() return ouro.args{n = {type = "integer", required = true}} end)
expect_error("table of argument declarations expected", ouro.args, 3)
expect_error("must start with the argument's name", with_arg, {}, function() return ouro.args{{1, 2}} end)
-- a declared type converts an integer default
a = with_arg({}, function() return ouro.args{x = {2, type = "number"}} end)
assert(a.x == 2.0 and math.type(a.x) == "float")
