#include "CBLASGuard.h"
#include <stdio.h>
#include <string.h>

static _Thread_local char tls_routine[48];
static _Thread_local int tls_parameter = 0;

static void record(const char *name, int length, int parameter) {
    if (length < 0) length = (int)strlen(name);
    if (length > (int)sizeof tls_routine - 1) length = (int)sizeof tls_routine - 1;
    memcpy(tls_routine, name, (size_t)length);
    tls_routine[length] = 0;
    while (length > 0 && tls_routine[length - 1] == ' ') tls_routine[--length] = 0;
    tls_parameter = parameter == 0 ? -1 : parameter;
}

/* BLAS (Fortran calling convention: the name is not NUL-terminated, its length comes last). */
int xerbla_(const char *name, const int *info, int length) {
    record(name, length, info ? *info : -1);
    return 0;
}

/* LAPACKE's parameter check (info is minus the parameter's position). */
void LAPACKE_xerbla(const char *name, int info) {
    record(name, -1, info < 0 ? -info : info);
}

void ouro_blas_clear_error(void) { tls_parameter = 0; tls_routine[0] = 0; }

int ouro_blas_take_error(char *name, int capacity) {
    int p = tls_parameter;
    if (p != 0 && name && capacity > 0) {
        strncpy(name, tls_routine, (size_t)capacity - 1);
        name[capacity - 1] = 0;
    }
    ouro_blas_clear_error();
    return p;
}
