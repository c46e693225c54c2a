#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define OURO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OURO_CLONES
#endif

/* One definition for both widths: T the element type, S the suffix, SQRT its square root,
   EXP the exponent mask of its bit pattern (U: the unsigned integer of T's width). */
#define OURO_ADAM(T, S, SQRT)                                                                       \
OURO_CLONES                                                                                         \
void ouro_adam_##S(T *restrict p, const T *restrict g, T *restrict m, T *restrict v, size_t n,     \
                   T b1, T b2, T step_size, T inv_sqrt_c2, T eps, T wd_coupled, T shrink) {          \
    const T ob1 = 1 - b1, ob2 = 1 - b2;                                                             \
    for (size_t j = 0; j < n; j++) {                                                                \
        T pj = p[j] * shrink;                                                                       \
        T gj = g[j] + wd_coupled * pj;                                                              \
        T mj = b1 * m[j] + ob1 * gj;                                                                \
        T vj = b2 * v[j] + ob2 * (gj * gj);                                                         \
        m[j] = mj; v[j] = vj;                                                                       \
        p[j] = pj - step_size * mj / (SQRT(vj) * inv_sqrt_c2 + eps);                                \
    }                                                                                               \
}
OURO_ADAM(float, f32, sqrtf)
OURO_ADAM(double, f64, sqrt)

#define OURO_ALL_FINITE(T, S, U, EXP)                                                               \
OURO_CLONES                                                                                         \
int ouro_all_finite_##S(const T *x, size_t n) {                                                     \
    U bad = 0;                                                                                      \
    for (size_t i = 0; i < n; i++) { U b; memcpy(&b, &x[i], sizeof b); bad |= ((b & EXP) == EXP); } \
    return !bad;                                                                                    \
}
OURO_ALL_FINITE(float, f32, uint32_t, 0x7f800000u)
OURO_ALL_FINITE(double, f64, uint64_t, 0x7ff0000000000000ull)

OURO_CLONES
double ouro_sum_f32(const float *x, size_t n) {
    double total = 0;
    for (size_t start = 0; start < n; start += 4096) {
        size_t end = start + 4096 < n ? start + 4096 : n;
        double lane[16] = {0};
        size_t i = start;
        for (; i + 16 <= end; i += 16)
            for (int j = 0; j < 16; j++) lane[j] += (double)x[i + j];
        double block = 0;
        for (; i < end; i++) block += (double)x[i];
        for (int j = 0; j < 16; j++) block += lane[j];
        total += block;
    }
    return total;
}
