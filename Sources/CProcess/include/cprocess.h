#ifndef OURO_CPROCESS_H
#define OURO_CPROCESS_H
#include <sys/types.h>
#include <spawn.h>

/* Asks the kernel to send `sig` to this process when its parent ends (Linux prctl
   PR_SET_PDEATHSIG), so that a sweep's tasks end with the sweep however it ends. Returns 0, or -1
   if the parent is already not `parent` (it ended before the request) or the request failed. */
int ouro_end_with_parent(int sig, pid_t parent);

/* pipe2(fds, O_CLOEXEC): a pipe whose ends no child started meanwhile by another thread inherits. */
int ouro_pipe_cloexec(int fds[2]);

/* Sets spawn attributes so that the child starts with no signal blocked and every signal at its
   default action, whatever the spawning thread blocks or ignores. Returns posix_spawn's 0 or error. */
int ouro_spawn_default_signals(posix_spawnattr_t *attributes);
/* Forks this process for a worker that needs no new program image (a sweep's first workers, which
   would otherwise load ouro and its libraries again): both streams of stdio are flushed first; in
   the child, `in_fd` becomes stdin and `out_fd` stdout, every other descriptor above 2 is closed,
   no signal is blocked (the handlers stay this process's: those a fresh ouro installs at its
   start, the Swift runtime's crash reports among them), and the child is sent SIGKILL when this
   process ends. Returns the child's pid in the parent, 0 in the child, -1 (errno set) if the fork
   failed. Only for a process with one thread that has not used Dispatch: a fork copies no other
   thread, nor releases the locks they hold, and Dispatch refuses to run in such a child. */
pid_t ouro_fork_worker(int in_fd, int out_fd);
#endif
