#ifndef OURO_CLUA_SHIM_H
#define OURO_CLUA_SHIM_H
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* Lua's API macros, as functions Swift can call. None of these raise errors. */
static inline void ouro_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void ouro_lua_newtable(lua_State *L) { lua_newtable(L); }
static inline int ouro_lua_isnil(lua_State *L, int i) { return lua_isnil(L, i); }
static inline int ouro_lua_isnoneornil(lua_State *L, int i) { return lua_isnoneornil(L, i); }
static inline int ouro_lua_istable(lua_State *L, int i) { return lua_istable(L, i); }
static inline int ouro_lua_isfunction(lua_State *L, int i) { return lua_isfunction(L, i); }
static inline const char *ouro_lua_tostring(lua_State *L, int i) { return lua_tolstring(L, i, NULL); }
static inline int ouro_lua_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int ouro_lua_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline void *ouro_lua_newuserdata(lua_State *L, size_t size) { return lua_newuserdatauv(L, size, 1); }
static inline int ouro_lua_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
static inline void ouro_lua_insert(lua_State *L, int i) { lua_insert(L, i); }
static inline void ouro_lua_remove(lua_State *L, int i) { lua_remove(L, i); }
static inline void ouro_lua_replace(lua_State *L, int i) { lua_replace(L, i); }
static inline void ouro_lua_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline const char *ouro_lua_typename_at(lua_State *L, int i) { return lua_typename(L, lua_type(L, i)); }
static inline const char *ouro_lua_release(void) { return LUA_RELEASE; }
static inline int ouro_lua_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT, 0); }
static inline lua_Number ouro_lua_tonumber(lua_State *L, int i) { return lua_tonumberx(L, i, NULL); }
#endif
