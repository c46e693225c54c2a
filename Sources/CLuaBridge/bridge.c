#include "CLuaBridge.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <signal.h>

static ouro_dispatch_fn g_dispatch = NULL;

static volatile sig_atomic_t g_gc_requested = 0;
static volatile sig_atomic_t g_interrupt = 0;

void ouro_bridge_set_dispatch(ouro_dispatch_fn fn) { g_dispatch = fn; }
void ouro_bridge_request_gc(void) { g_gc_requested = 1; }

/* ---- allocator: counts bytes; with a limit it refuses growth, except while Swift runs ---- */
typedef struct {
    size_t used;
    size_t limit;       /* 0 = unlimited */
    int swift_depth;    /* > 0 while a Swift binding runs: never fail there (no longjmp in Swift) */
    int over_budget;    /* set when Swift exceeded the limit; raised by the trampoline afterwards */
} ouro_alloc_state;

static void *ouro_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    ouro_alloc_state *st = (ouro_alloc_state *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        st->used -= old;
        return NULL;
    }
    if (st->limit && nsize > old && st->used - old + nsize > st->limit) {
        if (st->swift_depth == 0) return NULL;  /* Lua raises "not enough memory" itself */
        st->over_budget = 1;
    }
    void *p = realloc(ptr, nsize);
    if (p) st->used = st->used - old + nsize;
    return p;
}

static ouro_alloc_state *alloc_state(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (ouro_alloc_state *)ud;
}

static int ouro_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "ouro: unprotected Lua error: %s\n", msg ? msg : "(non-string error)");
    return 0;  /* Lua aborts */
}

lua_State *ouro_bridge_newstate(void) {
    ouro_alloc_state *st = (ouro_alloc_state *)calloc(1, sizeof *st);
    if (!st) return NULL;
    lua_State *L = lua_newstate(ouro_alloc, st);
    if (!L) { free(st); return NULL; }
    lua_atpanic(L, ouro_panic);
    return L;
}

size_t ouro_bridge_memory_used(lua_State *L) { return alloc_state(L)->used; }
void ouro_bridge_set_memory_limit(lua_State *L, size_t limit) { alloc_state(L)->limit = limit; }

/* ---- the trampoline ---- */
static int trampoline(lua_State *L) {
    void *box = lua_touserdata(L, lua_upvalueindex(1));
    ouro_alloc_state *st = alloc_state(L);
    if (!g_dispatch || !box) return luaL_error(L, "ouro: binding is not initialised");
    st->swift_depth++;
    int n = g_dispatch(L, box);
    st->swift_depth--;
    if (n == OURO_RAISE_WITH_POSITION) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (n == OURO_RAISE_AS_IS) return lua_error(L);
    if (st->over_budget && st->swift_depth == 0) {
        st->over_budget = 0;
        return luaL_error(L, "Lua memory budget exceeded (%d KiB)", (int)(st->limit / 1024));
    }
    if (g_gc_requested) {
        g_gc_requested = 0;
        lua_gc(L, LUA_GCCOLLECT, 0);
    }
    return n;
}

void ouro_bridge_push_function(lua_State *L, void *box) {
    lua_pushlightuserdata(L, box);
    lua_pushcclosure(L, trampoline, 1);
}

void ouro_bridge_push_function_upvalue(lua_State *L, void *box) {
    lua_pushlightuserdata(L, box);
    lua_insert(L, -2);
    lua_pushcclosure(L, trampoline, 2);
}

/* lua_pcall from Swift: Lua code running inside it may fail allocations (the pcall catches
 * them), so the "Swift is running" state is suspended for its duration. */
int ouro_bridge_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    ouro_alloc_state *st = alloc_state(L);
    int saved = st->swift_depth;
    st->swift_depth = 0;
    int status = lua_pcall(L, nargs, nresults, msgh);
    st->swift_depth = saved;
    return status;
}

/* ---- protected helpers ---- */
static int openlibs_body(lua_State *L) { luaL_openlibs(L); return 0; }

int ouro_bridge_openlibs(lua_State *L) {
    lua_pushcfunction(L, openlibs_body);
    return lua_pcall(L, 0, 0, 0);
}

static int traceback_handler(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

void ouro_bridge_push_traceback_handler(lua_State *L) { lua_pushcfunction(L, traceback_handler); }

static int tostring_body(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

const char *ouro_bridge_tostring(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, tostring_body);
    lua_pushvalue(L, idx);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushfstring(L, "(a %s value whose __tostring failed)", luaL_typename(L, idx));
    }
    return lua_tolstring(L, -1, len);
}

/* ---- instruction budget (sandboxed plugin calls) ---- */
static _Thread_local long long tls_budget_left = 0;
static _Thread_local int tls_budget_active = 0;
static _Thread_local int tls_budget_hit = 0;

static void budget_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (g_interrupt) { g_interrupt = 0; luaL_error(L, "interrupted"); }
    if (tls_budget_active) {
        tls_budget_left -= 1000;
        if (tls_budget_left < 0) {
            tls_budget_active = 0;
            tls_budget_hit = 1;
            luaL_error(L, "instruction budget exceeded");
        }
    }
}

void ouro_bridge_begin_instruction_budget(lua_State *L, long long instructions) {
    tls_budget_left = instructions;
    tls_budget_active = 1;
    tls_budget_hit = 0;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1000);
}

int ouro_bridge_end_instruction_budget(lua_State *L) {
    tls_budget_active = 0;
    lua_sethook(L, NULL, 0, 0);
    int hit = tls_budget_hit;
    tls_budget_hit = 0;
    return hit;
}

/* ---- interrupt (Ctrl-C) ---- */
void ouro_bridge_set_interrupt(int on) { g_interrupt = on ? 1 : 0; }
int ouro_bridge_interrupted(void) { return g_interrupt; }

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (g_interrupt) {
        g_interrupt = 0;
        luaL_error(L, "interrupted");
    }
}

void ouro_bridge_install_interrupt_hook(lua_State *L) {
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 10000);
}
