#include "ckernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define OURO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OURO_CLONES
#endif

static inline float from_bits(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t to_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

/* e^x: x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two for exactness), e^r by a degree-6
   polynomial, 2^k applied in two halves so that results down to the subnormals are right. */
static inline __attribute__((always_inline)) float exp_one(float x) {
    const float hi = 88.72283935546875f, lo = -103.97208404541015625f;
    float xc = x > hi ? hi : (x < lo ? lo : x);
    float k = nearbyintf(xc * 1.44269504088896341f);
    float r = xc - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = fmaf(p, r, 1.3981999507e-3f);
    p = fmaf(p, r, 8.3334519073e-3f);
    p = fmaf(p, r, 4.1665795894e-2f);
    p = fmaf(p, r, 1.6666665459e-1f);
    p = fmaf(p, r, 5.0000001201e-1f);
    float y = fmaf(p, z, r) + 1.0f;
    int32_t ki = (int32_t)k;
    int32_t k1 = ki / 2, k2 = ki - k1;
    y = y * from_bits((uint32_t)(k1 + 127) << 23) * from_bits((uint32_t)(k2 + 127) << 23);
    y = x > hi ? INFINITY : y;
    y = x < lo ? 0.0f : y;
    return x != x ? x : y;
}

/* log x: x = m·2^e with m in [√½, √2), log m by a degree-9 polynomial in m − 1. */
static inline __attribute__((always_inline)) float log_one(float x) {
    uint32_t b = to_bits(x);
    int sub = x < 1.17549435e-38f;                        /* subnormal (or ≤ 0): scale up first */
    float xs = sub ? x * 8388608.0f : x;                  /* 2^23 */
    b = to_bits(xs);
    int32_t e = (int32_t)((b >> 23) & 0xff) - 126 - (sub ? 23 : 0);
    float m = from_bits((b & 0x807fffffu) | 0x3f000000u); /* in [0.5, 1) */
    int small = m < 0.707106781186547524f;
    e -= small;
    m = small ? m + m - 1.0f : m - 1.0f;
    float z = m * m;
    float p = 7.0376836292e-2f;
    p = p * m - 1.1514610310e-1f;
    p = p * m + 1.1676998740e-1f;
    p = p * m - 1.2420140846e-1f;
    p = p * m + 1.4249322787e-1f;
    p = p * m - 1.6668057665e-1f;
    p = p * m + 2.0000714765e-1f;
    p = p * m - 2.4999993993e-1f;
    p = p * m + 3.3333331174e-1f;
    float fe = (float)e;
    float y = m * z * p;
    y = y + fe * -2.12194440e-4f;
    y = y - 0.5f * z;
    float r = m + y;
    r = r + fe * 0.693359375f;
    r = x == INFINITY ? x : r;
    r = x == 0.0f ? -INFINITY : r;
    r = (x < 0.0f || x != x) ? NAN : r;
    return r;
}

/* tanh: an odd polynomial near 0, 1 − 2/(e^{2|x|} + 1) elsewhere (±1 beyond 9). */
static inline __attribute__((always_inline)) float tanh_one(float x) {
    float a = fabsf(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = x + x * z * p;
    float e = exp_one(2.0f * (a > 9.0f ? 9.0f : a));
    float big = 1.0f - 2.0f / (e + 1.0f);
    big = a > 9.0f ? 1.0f : big;
    big = x < 0.0f ? -big : big;
    float r = a < 0.625f ? small : big;
    return x != x ? x : r;
}

/* 1/(1 + e^−x), never exponentiating a large positive number. */
static inline __attribute__((always_inline)) float sigmoid_one(float x) {
    float e = exp_one(-fabsf(x));
    float r = 1.0f / (1.0f + e);
    return x < 0.0f ? e * r : r;
}

/* erfc(z) for z ≥ 0 as t·exp(−z² + P(t)), t = 1/(1 + z/2), P a degree-9 polynomial (the
   Chebyshev fit in Numerical Recipes, relative error below 1.2e-7 for every z). z² is split as
   zh² (exact: zh keeps 12 significant bits) plus the rest, and the two parts exponentiated
   separately: a float holding −z² ≈ −80 would already be off by 40 ulp of the result. */
/* 2^64 · erfc(z) for z ≥ 0 (see the scaling note below). */
static inline __attribute__((always_inline)) float erfc_pos_scaled(double z) {
    /* In double: the polynomial alternates in sign around −1.27, and erfc's relative sensitivity
       to z is 2z² (a float z = x/√2 alone would cost 2z²·6e-8, 17 ulp at z = 4). The exponent
       −z² + P(t), down to −100, goes to the float exp in two exact-float parts: e^hi · (1 + lo). */
    double t = 1.0 / (1.0 + 0.5 * z);
    double p = 0.17087277;
    p = fma(p, t, -0.82215223);
    p = fma(p, t, 1.48851587);
    p = fma(p, t, -1.13520398);
    p = fma(p, t, 0.27886807);
    p = fma(p, t, -0.18628806);
    p = fma(p, t, 0.09678418);
    p = fma(p, t, 0.37409196);
    p = fma(p, t, 1.00002368);
    p = fma(p, t, -1.26551223);
    /* scaled by 2^64 (exp of a + 64·ln2), so that no intermediate falls into the subnormals;
       the caller scales back with its last multiplication (one rounding) */
    double a = -z * z + p + 44.361419555836500;
    float hi = (float)a;
    float lo = (float)(a - (double)hi);          /* |lo| ≤ half an ulp of hi ≤ 4e-6: e^lo = 1 + lo to 1e-11 */
    float r = (float)t * exp_one(hi) * (1.0f + lo);
    return z > 10.5 ? 0.0f : r;                  /* x·erfc(10.5)/2 is below every float (and z = inf) */
}

/* 2^64 · erfc(|x|/√2), the one costly part of GELU and of Φ. */
static inline __attribute__((always_inline)) float gelu_es(float x) { return erfc_pos_scaled(fabs((double)x) * 0.70710678118654752); }

/* GELU, x·Φ(x) = ½·x·erfc(−x/√2): for x ≥ 0 as ½·x·(2 − erfc(x/√2)), for x < 0 as ½·x·erfc(|x|/√2),
   so both tails keep their relative accuracy (es = gelu_es(x)). */
static inline __attribute__((always_inline)) float gelu_from_es(float x, float es) {
    const float unscale = 5.42101086242752217e-20f;   /* 2^-64 */
    float r = x >= 0.0f ? 0.5f * x * (2.0f - es * unscale) : (es == 0.0f ? -0.0f : (0.5f * x * es) * unscale);   /* GELU(−∞) = −0 */
    return x != x ? x : r;
}
static inline __attribute__((always_inline)) float gelu_one(float x) { return gelu_from_es(x, gelu_es(x)); }

/* Φ(x) from es = gelu_es(x): Φ(−|x|) = erfc(|x|/√2)/2. */
static inline __attribute__((always_inline)) float gelu_cdf_from_es(float v, float es) {
    const float unscale = 5.42101086242752217e-20f;   /* 2^-64 */
    float half_erfc = 0.5f * es * unscale;            /* Φ(−|v|) */
    return v >= 0.0f ? 1.0f - half_erfc : half_erfc;
}

/* log(1 + u) for u ≥ 0 to a few ulp: with w = 1 + u rounded, log(w)·u/(w − 1) cancels the rounding
   of w (Goldberg's trick; u itself when w rounds to 1). */
static inline __attribute__((always_inline)) float log1p_pos(float u) {
    float w = 1.0f + u;
    float d = w - 1.0f;
    return d == 0.0f ? u : log_one(w) * (u / d);
}

/* Binary cross-entropy with logits, elementwise: max(x, 0) − x·t + log(1 + e^−|x|). */
OURO_CLONES void ouro_bce_logits_f32(const float *x, const float *t, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        out[i] = (v > 0.0f ? v : 0.0f) - v * t[i] + log1p_pos(exp_one(-fabsf(v)));
    }
}

/* g · GELU'(x) = g · (Φ(x) + x·φ(x)) given Φ(x). */
static inline __attribute__((always_inline)) float gelu_grad_one(float v, float cdf, float g) {
    /* e^(−v²/2) with v² split exactly (fma): a rounded v² would cost v²/2 ulps of the result */
    float sq = v * v, sq_lo = fmaf(v, v, -sq);
    float pdf = 0.398942280401432678f * exp_one(-0.5f * sq) * (1.0f - 0.5f * sq_lo);
    return g * (cdf + v * pdf);
}

/* GELU keeping Φ(x) for the backward pass (out bit-identical to ouro_gelu_f32's). */
OURO_CLONES void ouro_gelu_cdf_f32(const float *in, float *out, float *cdf, size_t n) {
    for (size_t i = 0; i < n; i++) { float es = gelu_es(in[i]); out[i] = gelu_from_es(in[i], es); cdf[i] = gelu_cdf_from_es(in[i], es); }
}

/* g · GELU'(x) from Φ(x) kept by ouro_gelu_cdf_f32. */
OURO_CLONES void ouro_gelu_backward_cdf_f32(const float *x, const float *cdf, const float *g, float *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = gelu_grad_one(x[i], cdf[i], g[i]);
}

OURO_CLONES void ouro_exp_f32(const float *in, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = exp_one(in[i]); }
/* Adds v[0..n) into eight float64 partial sums, value j into part[j % 8] while full blocks of 8
   remain and the rest into part[0]: a fixed order, whatever the instruction set. */
static inline __attribute__((always_inline)) void sum8(const float *v, size_t n, double part[8]) {
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) part[k] += (double)v[j + k];
    for (; j < n; j++) part[0] += (double)v[j];
}

/* The eight lanes' total, in a fixed order. */
static inline __attribute__((always_inline)) double lanes8(const double part[8]) {
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
}

OURO_CLONES double ouro_sum_sq_dev_f32(const float *x, size_t n, double mean) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) { double e = (double)x[j + k] - mean; part[k] += e * e; }
    for (; j < n; j++) { double e = (double)x[j] - mean; part[0] += e * e; }
    return lanes8(part);
}

OURO_CLONES void ouro_sum_and_dot_f32(const float *g, const float *h, size_t n, double out[2]) {
    double sg[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sgh[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) { double a = (double)g[j + k]; sg[k] += a; sgh[k] += a * (double)h[j + k]; }
    for (; j < n; j++) { double a = (double)g[j]; sg[0] += a; sgh[0] += a * (double)h[j]; }
    out[0] = lanes8(sg);
    out[1] = lanes8(sgh);
}

OURO_CLONES void ouro_softmax_rows_f32(const float *in, float *out, size_t rows, size_t n, int causal, int log_out) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * n;
        float *o = out + r * n;
        size_t live = causal ? (r + 1 < n ? r + 1 : n) : n;
        float m = x[0];
        for (size_t j = 1; j < live; j++) if (x[j] > m || x[j] != x[j]) m = x[j];
        double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        if (!log_out) {
            for (size_t j = 0; j < live; j++) o[j] = x[j] - m;
            for (size_t j = live; j < n; j++) o[j] = -INFINITY;
            /* whole rows through the vector loop: the masked tail costs less than a scalar remainder per row */
            for (size_t j = 0; j < n; j++) o[j] = exp_one(o[j]);
            sum8(o, live, part);
            double s = lanes8(part);
            float inv = (float)(1.0 / s);
            for (size_t j = 0; j < live; j++) o[j] *= inv;
        } else {
            float buf[512];     /* the exponentials, a chunk at a time (x is kept: out may be in) */
            for (size_t c = 0; c < live; c += 512) {
                size_t w = live - c < 512 ? live - c : 512;
                for (size_t k = 0; k < w; k++) buf[k] = exp_one(x[c + k] - m);
                sum8(buf, w, part);
            }
            double s = lanes8(part);
            double ls = log(s);
            for (size_t j = 0; j < live; j++) o[j] = (float)((double)(x[j] - m) - ls);
            for (size_t j = live; j < n; j++) o[j] = -INFINITY;
        }
    }
}

OURO_CLONES void ouro_log_f32(const float *in, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = log_one(in[i]); }
OURO_CLONES void ouro_tanh_f32(const float *in, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = tanh_one(in[i]); }
OURO_CLONES void ouro_sigmoid_f32(const float *in, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = sigmoid_one(in[i]); }
OURO_CLONES void ouro_gelu_f32(const float *in, float *out, size_t n) { for (size_t i = 0; i < n; i++) out[i] = gelu_one(in[i]); }
