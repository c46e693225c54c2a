#ifndef OURO_CLUABRIDGE_H
#define OURO_CLUABRIDGE_H
#include <stddef.h>
#include <lua.h>

/* The only place where Lua errors are raised (longjmp). Swift bindings never call
 * lua_error/luaL_error/luaL_check*; they push a message and return one of these sentinels,
 * and the C trampoline raises the error after the Swift frame has returned. */
enum {
    OURO_RAISE_WITH_POSITION = -1,  /* top of stack: message string; prefix it with file:line */
    OURO_RAISE_AS_IS = -2           /* top of stack: an error object to re-raise unchanged */
};

/* The Swift side: called by the trampoline with the closure's boxed Swift callable. */
typedef int (*ouro_dispatch_fn)(lua_State *L, void *box);
void ouro_bridge_set_dispatch(ouro_dispatch_fn fn);

/* Pushes a Lua C closure that calls `box` through the dispatcher (box is kept as upvalue 1). */
void ouro_bridge_push_function(lua_State *L, void *box);
/* The same with the value on top of the stack (popped) as upvalue 2, reachable from Swift. */
void ouro_bridge_push_function_upvalue(lua_State *L, void *box);
/* The box of the Swift function at index i (pushed by the two above), or NULL for any other value. */
void *ouro_bridge_function_box(lua_State *L, int i);

/* A new state whose allocator tracks (and can cap) memory; NULL if out of memory. */
lua_State *ouro_bridge_newstate(void);
/* lua_pcall for Swift callers (suspends the allocator's never-fail-in-Swift rule meanwhile). */
int ouro_bridge_pcall(lua_State *L, int nargs, int nresults, int msgh);
/* Opens the standard libraries inside a protected call; returns a lua status code. */
int ouro_bridge_openlibs(lua_State *L);
/* Pushes the message handler used for lua_pcall: adds a traceback to string errors. */
void ouro_bridge_push_traceback_handler(lua_State *L);
/* Converts the value at idx to a string with __tostring/__name honoured, in protected mode.
 * Pushes the string (or a fallback description if __tostring itself failed). Never raises. */
const char *ouro_bridge_tostring(lua_State *L, int idx, size_t *len);

/* Memory accounting for the state's allocator. limit 0 = unlimited. */
size_t ouro_bridge_memory_used(lua_State *L);
size_t ouro_bridge_memory_limit(lua_State *L);
void ouro_bridge_set_memory_limit(lua_State *L, size_t limit);

/* Ask the trampoline to run a full garbage collection when the current call returns
 * (Swift sets this when tensors hold much memory that Lua's collector cannot see). */
void ouro_bridge_request_gc(void);

/* Instruction budget for the calls made on L until the matching end: a count hook raises
 * "instruction budget exceeded" (in C) once it runs out, and on every instruction after that
 * until the end. Budgets nest per thread (a nested one gets at most what is left of the outer
 * one, and its use is charged to it). Begin returns -1 if nested too deeply (nothing started);
 * end returns 1 if the budget was hit. Depth = the number of budgets in force on this thread. */
int ouro_bridge_begin_instruction_budget(lua_State *L, long long instructions);
int ouro_bridge_end_instruction_budget(lua_State *L);
int ouro_bridge_budget_depth(void);

/* Interrupt (Ctrl-C). Watched states get a count hook that raises "interrupted" once an interrupt
 * is signalled; long Swift loops poll ouro_bridge_interrupted(L). ouro_bridge_catch_sigint installs
 * a SIGINT handler that signals the whole process (without SA_RESTART, so blocked reads return
 * EINTR); ouro_bridge_interrupt_host interrupts only the host of L (its threads share one
 * allocator state), so hosts embedded side by side stay independent. The flags stay set, and the
 * hooks armed, until ouro_bridge_clear_interrupt(L) (which clears the process's flag and L's host's). */
void ouro_bridge_watch(lua_State *L);
void ouro_bridge_unwatch(lua_State *L);
void ouro_bridge_signal_interrupt(void);
void ouro_bridge_interrupt_host(lua_State *L);
int ouro_bridge_catch_sigint(void);
int ouro_bridge_interrupted(lua_State *L);
int ouro_bridge_signalled(void);
void ouro_bridge_clear_interrupt(lua_State *L);
/* Replaces coroutine.resume and coroutine.wrap by versions that watch the coroutine while it runs,
 * so that an interrupt reaches Lua code inside coroutines too (used by the REPL). */
int ouro_bridge_watch_coroutines(lua_State *L);
#endif
