-- Cost of a coroutine resume/yield pair: run it with `ouro run` (Lua's own coroutine library) and
-- through the REPL (`echo 'dofile("bench/coroutine_resume.lua")' | ouro repl`), where resume and wrap watch
-- the running coroutine so that Ctrl-C reaches it. Best of 5 rounds of 10^6 pairs.
local co = coroutine.wrap(function() while true do coroutine.yield(1) end end)
local best = math.huge
for r = 1, 5 do
  local t = os.clock()
  for i = 1, 1e6 do co() end
  best = math.min(best, os.clock() - t)
end
print(string.format("wrap: %.3f us per resume/yield", best))
local c = coroutine.create(function() while true do coroutine.yield(1) end end)
best = math.huge
for r = 1, 5 do
  local t = os.clock()
  for i = 1, 1e6 do coroutine.resume(c) end
  best = math.min(best, os.clock() - t)
end
print(string.format("resume: %.3f us per resume/yield", best))
