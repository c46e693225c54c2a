#include "CBenchKernels.h"
#include <math.h>

void ouro_c_add_f64(const double *a, const double *b, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}
void ouro_c_mul_f64(const double *a, const double *b, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
}
void ouro_c_exp_f64(const double *a, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = exp(a[i]);
}
