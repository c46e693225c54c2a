#define _GNU_SOURCE
#include "cprocess.h"

#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int ouro_end_with_parent(int sig, pid_t parent) {
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, sig) != 0) return -1;
#else
    (void)sig;
#endif
    return getppid() == parent ? 0 : -1;
}

int ouro_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int ouro_spawn_default_signals(posix_spawnattr_t *attributes) {
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    int rc = posix_spawnattr_setsigmask(attributes, &none);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(attributes, &all);
    if (rc == 0) rc = posix_spawnattr_setflags(attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return rc;
}

pid_t ouro_fork_worker(int in_fd, int out_fd) {
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid != 0) return pid;
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0) _exit(127);
    if (close_range(3, ~0U, 0) != 0) {                          /* kernels before 5.9: one by one */
        for (long fd = 3, top = sysconf(_SC_OPEN_MAX); fd < top && fd < 65536; fd++) close((int)fd);
    }
    clearerr(stdin);                          /* a new stream on the pipe: nothing read, no EOF */
    __fpurge(stdin);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (ouro_end_with_parent(SIGKILL, parent) != 0) _exit(1);
    return 0;
}
