-- ouro.linalg against hand-computed results and defining identities.
local L = ouro.linalg
local A = T.new({{4, 2, 0.6}, {2, 5, 1}, {0.6, 1, 3}})   -- symmetric positive definite

local C = L.cholesky(A)
same(C:mm(C:t()), A:totable(), 1e-12)
near(C[1][2], 0); near(C[1][1], 2)                       -- lower triangular, sqrt(4)

local b = T.new({1, 2, 3})
local x = L.solve(A, b)
same(A:mm(x), {1, 2, 3}, 1e-12)
local B = T.new({{1, 0}, {0, 1}, {1, 1}})
same(A:mm(L.solve(A, B)), B:totable(), 1e-12)

same(L.inv(A):mm(A), T.eye(3):totable(), 1e-12)
same(L.inv(T.new({{2, 0}, {0, 4}})), {{0.5, 0}, {0, 0.25}})

-- log det: det of [[4,2],[2,3]] is 8; a negative determinant gives NaN and sign -1
near(L.logdet(T.new({{4, 2}, {2, 3}})), math.log(8))
local ld, sign = L.logdet(T.new({{0, 1}, {1, 0}}))
assert(ld ~= ld and sign == -1)
local ld0, s0 = L.logdet(T.zeros({2, 2}))
assert(ld0 == -math.huge and s0 == 0)
near(L.logdet(T.eye(200) * 1e3), 200 * math.log(1e3), 1e-12)   -- det = 1e600 would overflow

-- eigh: [[2,1],[1,2]] has eigenvalues 1, 3
local w, V = L.eigh(T.new({{2, 1}, {1, 2}}))
same(w, {1, 3}, 1e-12)
same(T.new({{2, 1}, {1, 2}}):mm(V), (V * w):totable(), 1e-12)   -- A v = λ v, column by column

-- pinv: Penrose conditions on a rank-deficient matrix
local R = T.new({{1, 2}, {2, 4}, {3, 6}})
local P = L.pinv(R)
same(R:mm(P):mm(R), R:totable(), 1e-12)
same(P:mm(R):mm(P), P:totable(), 1e-12)
local RP = R:mm(P); same(RP, RP:t():totable(), 1e-12)

-- lstsq: exact fit, least squares and the minimum-norm solution
local X = T.new({{1, 0}, {1, 1}, {1, 2}})
local wls, rank = L.lstsq(X, T.new({1, 3, 5}))
same(wls, {1, 2}, 1e-12); assert(rank == 2)
same(L.lstsq(X, T.new({0, 1, 3})), {-1 / 6, 1.5}, 1e-12)       -- normal equations by hand
local wmin, r1 = L.lstsq(T.new({{1, 1}}), T.new({2}))
same(wmin, {1, 1}, 1e-12); assert(r1 == 1)
same(L.lstsq(X, T.new({{1, 0}, {3, 1}, {5, 3}})), {{1, -1 / 6}, {2, 1.5}}, 1e-12)

-- float32 in, float32 out
assert(L.cholesky(A:astype("float32")):dtype() == "float32")
