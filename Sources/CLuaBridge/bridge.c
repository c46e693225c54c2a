#include "CLuaBridge.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <signal.h>
#include <pthread.h>

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
    volatile sig_atomic_t interrupt;  /* this host was asked to stop (its own Ctrl-C, not the process's) */
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

/* A state (or any thread of its host) should stop: the process got SIGINT, or its host was asked. */
static int state_interrupted(lua_State *L) {
    if (g_interrupt) return 1;
    ouro_alloc_state *st = alloc_state(L);
    return st && st->interrupt;
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
size_t ouro_bridge_memory_limit(lua_State *L) { return alloc_state(L)->limit; }
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
        return luaL_error(L, "Lua memory budget exceeded (%d MiB)", (int)(st->limit >> 20));
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

void *ouro_bridge_function_box(lua_State *L, int i) {
    if (lua_tocfunction(L, i) != trampoline) return NULL;
    if (!lua_getupvalue(L, i, 1)) return NULL;
    void *box = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return box;
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

/* ---- interrupt (Ctrl-C) ----
 * The SIGINT handler sets a flag and arms a count hook on every watched state (the host's main
 * state and the loop's worker threads), as lua.c does: the hook raises "interrupted" at the next
 * Lua instruction. Long Swift loops check the flag themselves. The hook stays armed until the
 * interrupt is cleared, so Lua code that catches the error with pcall is interrupted again. */
#define OURO_MAX_WATCHED 64
/* Watched states with their host's allocator state, recorded when they were watched: a host's
 * interrupt picks its own states by comparing that pointer, never by reading another host's
 * state (which another thread may be closing). */
static lua_State *volatile g_watched[OURO_MAX_WATCHED];
static void *volatile g_watched_host[OURO_MAX_WATCHED];

/* Raises "file:line: interrupted" at the Lua line that was running. */
static void raise_interrupted(lua_State *L, lua_Debug *ar) {
    if (ar && lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
        lua_pushfstring(L, "%s:%d: interrupted", ar->short_src, ar->currentline);
    else
        lua_pushliteral(L, "interrupted");
    lua_error(L);
}

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    if (state_interrupted(L)) raise_interrupted(L, ar);
}

void ouro_bridge_watch(lua_State *L) {
    void *host = alloc_state(L);
    for (int i = 0; i < OURO_MAX_WATCHED; i++)
        if (__sync_bool_compare_and_swap(&g_watched[i], NULL, L)) { g_watched_host[i] = host; return; }
}

void ouro_bridge_unwatch(lua_State *L) {
    for (int i = 0; i < OURO_MAX_WATCHED; i++)
        if (g_watched[i] == L) { g_watched_host[i] = NULL; g_watched[i] = NULL; }
}

static void hook_running_coroutines(void *host);

void ouro_bridge_signal_interrupt(void) {
    g_interrupt = 1;
    for (int i = 0; i < OURO_MAX_WATCHED; i++) {
        lua_State *L = g_watched[i];
        if (L) lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1);
    }
    hook_running_coroutines(NULL);
}

/* Interrupts one host only: its watched states and running coroutines (not signal-safe; for a
 * host embedded beside others, e.g. a session interrupted by another thread). */
void ouro_bridge_interrupt_host(lua_State *L) {
    ouro_alloc_state *st = alloc_state(L);
    st->interrupt = 1;
    for (int i = 0; i < OURO_MAX_WATCHED; i++) {
        lua_State *w = g_watched[i];
        if (w && g_watched_host[i] == st) lua_sethook(w, interrupt_hook, LUA_MASKCOUNT, 1);
    }
    hook_running_coroutines(st);
}

static void on_sigint(int sig) { (void)sig; ouro_bridge_signal_interrupt(); }

int ouro_bridge_catch_sigint(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;   /* no SA_RESTART: a blocked read returns EINTR, so the line editor sees it */
    if (sigaction(SIGINT, &sa, NULL) != 0) return -1;
    /* a parent may have started us with SIGINT blocked (threads of thread pools block signals) */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int ouro_bridge_interrupted(lua_State *L) { return state_interrupted(L); }
int ouro_bridge_signalled(void) { return g_interrupt; }

void ouro_bridge_clear_interrupt(lua_State *L) {
    ouro_alloc_state *st = alloc_state(L);
    g_interrupt = 0;
    st->interrupt = 0;
    for (int i = 0; i < OURO_MAX_WATCHED; i++) {
        lua_State *w = g_watched[i];
        if (w && g_watched_host[i] == st && lua_gethook(w) == interrupt_hook) lua_sethook(w, NULL, 0, 0);
    }
}

/* coroutine.resume and coroutine.wrap that watch the coroutine while it runs: an interrupt arms
 * the hook of the running coroutine (hooks are per thread), not only of the main state. */
/* On each OS thread resumes nest, so the running coroutines form a stack per thread. The stacks
 * are registered in a global table so that an interrupt (from a signal handler or another thread)
 * can reach them; a thread's stack is kept for reuse when the thread ends, never freed, so that
 * reading the table is always safe. Each entry remembers its host, as the watch list does. */
#define OURO_MAX_RUNNING 256
#define OURO_MAX_THREADS 128
typedef struct {
    lua_State *volatile co[OURO_MAX_RUNNING];
    void *volatile host[OURO_MAX_RUNNING];
    volatile sig_atomic_t depth;
    volatile int in_use;
} running_stack;
static running_stack *volatile g_stacks[OURO_MAX_THREADS];
static _Thread_local running_stack *tls_stack;
static pthread_key_t g_stack_key;
static pthread_once_t g_stack_once = PTHREAD_ONCE_INIT;

static void release_stack(void *p) {
    running_stack *rs = (running_stack *)p;
    rs->depth = 0;
    __sync_synchronize();
    rs->in_use = 0;
}

static void make_stack_key(void) { pthread_key_create(&g_stack_key, release_stack); }

static running_stack *my_stack(void) {
    if (tls_stack) return tls_stack;
    pthread_once(&g_stack_once, make_stack_key);
    for (int i = 0; i < OURO_MAX_THREADS; i++) {          /* a stack a finished thread left */
        running_stack *rs = g_stacks[i];
        if (rs && __sync_bool_compare_and_swap(&rs->in_use, 0, 1)) { tls_stack = rs; break; }
    }
    if (!tls_stack) {
        running_stack *rs = (running_stack *)calloc(1, sizeof *rs);
        if (!rs) return NULL;
        rs->in_use = 1;
        for (int i = 0; i < OURO_MAX_THREADS; i++)
            if (__sync_bool_compare_and_swap(&g_stacks[i], NULL, rs)) break;   /* unregistered if full: not interruptible from outside */
        tls_stack = rs;
    }
    pthread_setspecific(g_stack_key, tls_stack);
    return tls_stack;
}

static void watch_running(lua_State *co) {
    running_stack *rs = my_stack();
    if (rs) {
        int d = rs->depth;
        if (d < OURO_MAX_RUNNING) { rs->co[d] = co; rs->host[d] = alloc_state(co); }  /* filled before it becomes visible */
        __sync_synchronize();
        rs->depth = d + 1;
    }
    if (state_interrupted(co)) lua_sethook(co, interrupt_hook, LUA_MASKCOUNT, 1);
}

static void unwatch_running(lua_State *co) {
    running_stack *rs = my_stack();
    if (rs && rs->depth > 0) {
        int d = rs->depth - 1;
        rs->depth = d;
        if (d < OURO_MAX_RUNNING) { rs->co[d] = NULL; rs->host[d] = NULL; }
    }
    if (!state_interrupted(co) && lua_gethook(co) == interrupt_hook) lua_sethook(co, NULL, 0, 0);
}

/* Arms the hook of the coroutines running on any thread: all of them (host NULL, a signal), or
 * those of one host. */
static void hook_running_coroutines(void *host) {
    for (int t = 0; t < OURO_MAX_THREADS; t++) {
        running_stack *rs = g_stacks[t];
        if (!rs) continue;
        int d = rs->depth;
        for (int i = 0; i < d && i < OURO_MAX_RUNNING; i++) {
            lua_State *co = rs->co[i];
            if (co && (host == NULL || rs->host[i] == host)) lua_sethook(co, interrupt_hook, LUA_MASKCOUNT, 1);
        }
    }
}

/* Resumes co with the top narg values of L, watching it while it runs. Leaves its results on L
 * and returns their count, or leaves an error object and returns -1 (as coroutine.resume does). */
static int resume_watched(lua_State *L, lua_State *co, int narg) {
    if (lua_status(co) == LUA_OK && lua_gettop(co) == 0) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    int nres = 0;
    watch_running(co);
    int status = lua_resume(co, L, narg, &nres);
    unwatch_running(co);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int watched_resume(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTHREAD);
    lua_State *co = lua_tothread(L, 1);
    int r = resume_watched(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

/* upvalues: 1 the coroutine, 2 coroutine.close */
static int watched_wrap_call(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume_watched(L, co, lua_gettop(L));
    if (r >= 0) return r;
    /* an error: a coroutine that died of it is closed (its to-be-closed variables), and the
     * error goes on with the caller's position in front, as Lua's own wrap does */
    int stat = lua_status(co);
    if (stat != LUA_OK && stat != LUA_YIELD) {
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_pushvalue(L, lua_upvalueindex(1));
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    if (lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

/* upvalues: 1 coroutine.create, 2 coroutine.close */
static int watched_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushcclosure(L, watched_wrap_call, 2);
    return 1;
}

static int install_watched_coroutines(lua_State *L) {
    if (lua_getglobal(L, "coroutine") != LUA_TTABLE) return 0;
    lua_getfield(L, -1, "create");
    lua_getfield(L, -2, "close");
    if (!lua_isfunction(L, -2) || !lua_isfunction(L, -1)) return 0;
    lua_pushcclosure(L, watched_wrap, 2);
    lua_setfield(L, -2, "wrap");
    lua_pushcfunction(L, watched_resume);
    lua_setfield(L, -2, "resume");
    return 0;
}

int ouro_bridge_watch_coroutines(lua_State *L) {
    lua_pushcfunction(L, install_watched_coroutines);
    return lua_pcall(L, 0, 0, 0);
}

/* ---- instruction budget (sandboxed plugin calls) ----
 * Budgets nest (a plugin may call another): each call pushes a frame that may use at most what
 * is left of the frame below it, and what it used is charged to that frame when it ends. Once a
 * frame runs out it stays exhausted until its call returns: the hook then fires on every
 * instruction, so a pcall in the plugin cannot catch the error and carry on. The hook also
 * honours interrupts; ending the outermost budget puts back whatever hook was there before (an
 * armed interrupt hook stays armed). Frames are per OS thread, like the calls that own them. */
#define OURO_MAX_BUDGETS 32
#define OURO_BUDGET_PERIOD 1000
typedef struct {
    long long left, start;
    int hit;
    lua_Hook saved_hook;
    int saved_mask, saved_count;
} budget_frame;
static _Thread_local budget_frame tls_budgets[OURO_MAX_BUDGETS];
static _Thread_local int tls_budget_depth = 0;

static void budget_hook(lua_State *L, lua_Debug *ar);

/* Installs the budget hook with this period, unless it is already there: lua_sethook restarts the
 * instruction count, so resetting it at every nested call would let a loop of short calls run
 * forever without the hook ever firing. */
static void set_budget_hook(lua_State *L, int period) {
    if (lua_gethook(L) == budget_hook && lua_gethookcount(L) == period && lua_gethookmask(L) == LUA_MASKCOUNT) return;
    lua_sethook(L, budget_hook, LUA_MASKCOUNT, period);
}

static void budget_hook(lua_State *L, lua_Debug *ar) {
    if (state_interrupted(L)) raise_interrupted(L, ar);
    int d = tls_budget_depth;
    if (d == 0) return;
    budget_frame *f = &tls_budgets[d - 1];
    if (!f->hit) {
        /* the instructions since the last firing (some may belong to an enclosing frame: what a
         * nested frame is charged goes to its outer frame when it ends, so the total is kept) */
        f->left -= lua_gethookcount(L);
        if (f->left > 0) return;
        f->hit = 1;
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
    }
    luaL_error(L, "instruction budget exceeded");
}

int ouro_bridge_begin_instruction_budget(lua_State *L, long long instructions) {
    int d = tls_budget_depth;
    if (d >= OURO_MAX_BUDGETS) return -1;
    long long limit = instructions;
    int exhausted = 0;
    if (d > 0) {
        budget_frame *o = &tls_budgets[d - 1];
        if (o->hit || o->left <= 0) exhausted = o->hit = 1;   /* the outer call is out of budget too */
        else if (o->left < limit) limit = o->left;
    }
    budget_frame *f = &tls_budgets[d];
    f->left = f->start = exhausted ? 0 : limit;
    f->hit = exhausted;
    f->saved_hook = lua_gethook(L);
    f->saved_mask = lua_gethookmask(L);
    f->saved_count = lua_gethookcount(L);
    tls_budget_depth = d + 1;
    if (d == 0 && !exhausted) lua_sethook(L, budget_hook, LUA_MASKCOUNT, OURO_BUDGET_PERIOD);
    else set_budget_hook(L, exhausted ? 1 : OURO_BUDGET_PERIOD);
    return 0;
}

int ouro_bridge_end_instruction_budget(lua_State *L) {
    int d = tls_budget_depth;
    if (d == 0) return 0;
    budget_frame *f = &tls_budgets[d - 1];
    tls_budget_depth = d - 1;
    int hit = f->hit;
    if (d > 1) {
        budget_frame *o = &tls_budgets[d - 2];
        o->left -= f->start - f->left;          /* what the inner call used */
        if (o->left <= 0) o->hit = 1;
        if (state_interrupted(L)) lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1);
        else set_budget_hook(L, o->hit ? 1 : OURO_BUDGET_PERIOD);
    } else if (state_interrupted(L)) {
        lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1);
    } else {
        lua_sethook(L, f->saved_hook == budget_hook ? NULL : f->saved_hook, f->saved_mask, f->saved_count);
    }
    return hit;
}

int ouro_bridge_budget_depth(void) { return tls_budget_depth; }
