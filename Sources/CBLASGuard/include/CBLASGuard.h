#ifndef OURO_CBLASGUARD_H
#define OURO_CBLASGUARD_H
/* OpenBLAS and LAPACKE report an invalid parameter by calling xerbla_ / LAPACKE_xerbla, which
 * print to stdout ("** On entry to DSYRK parameter number 7 had an illegal value"). These
 * replacements record the report instead (per thread), for Swift to turn into an error. */

/* Forgets any recorded report of this thread. */
void ouro_blas_clear_error(void);
/* The recorded report's parameter number (0 if none) and routine name (copied into name). */
int ouro_blas_take_error(char *name, int capacity);
#endif
