#ifndef OURO_CBENCHKERNELS_H
#define OURO_CBENCHKERNELS_H
#include <stddef.h>
/* Plain C loops: the reference `ouro bench` compares tensor elementwise ops against. */
void ouro_c_add_f64(const double *a, const double *b, double *out, size_t n);
void ouro_c_mul_f64(const double *a, const double *b, double *out, size_t n);
void ouro_c_exp_f64(const double *a, double *out, size_t n);
#endif
