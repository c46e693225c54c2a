#define _GNU_SOURCE
#include "cprocess.h"

#include <signal.h>
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
