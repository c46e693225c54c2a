#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define OURO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OURO_CLONES
#endif

OURO_CLONES
void ouro_adam_f32(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n,
                   float b1, float b2, float step_size, float inv_sqrt_c2, float eps, float wd_coupled, float shrink) {
    const float ob1 = 1.0f - b1, ob2 = 1.0f - b2;
    for (size_t j = 0; j < n; j++) {
        float pj = p[j] * shrink;
        float gj = g[j] + wd_coupled * pj;
        float mj = b1 * m[j] + ob1 * gj;
        float vj = b2 * v[j] + ob2 * (gj * gj);
        m[j] = mj; v[j] = vj;
        p[j] = pj - step_size * mj / (sqrtf(vj) * inv_sqrt_c2 + eps);
    }
}

OURO_CLONES
void ouro_adam_f64(double *restrict p, const double *restrict g, double *restrict m, double *restrict v, size_t n,
                   double b1, double b2, double step_size, double inv_sqrt_c2, double eps, double wd_coupled, double shrink) {
    const double ob1 = 1.0 - b1, ob2 = 1.0 - b2;
    for (size_t j = 0; j < n; j++) {
        double pj = p[j] * shrink;
        double gj = g[j] + wd_coupled * pj;
        double mj = b1 * m[j] + ob1 * gj;
        double vj = b2 * v[j] + ob2 * (gj * gj);
        m[j] = mj; v[j] = vj;
        p[j] = pj - step_size * mj / (sqrt(vj) * inv_sqrt_c2 + eps);
    }
}

OURO_CLONES
int ouro_all_finite_f32(const float *x, size_t n) {
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t b; memcpy(&b, &x[i], 4);
        bad |= ((b & 0x7f800000u) == 0x7f800000u);
    }
    return !bad;
}

OURO_CLONES
int ouro_all_finite_f64(const double *x, size_t n) {
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b; memcpy(&b, &x[i], 8);
        bad |= ((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
    }
    return !bad;
}

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
