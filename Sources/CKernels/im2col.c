#include "ckernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define OURO_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OURO_CLONES
#endif

/* For each kernel offset (ki, kj), where each output position l = oh·wo + ow reads in the input
   plane: ih·w + iw, or -1 in the padding. The same for every image and channel, so the inner
   loops below are branch-free gathers (im2col) and scatters (col2im) over whole planes. */
static int *offset_tables(int h, int w, int k, int s, int p, int ho, int wo) {
    const int L = ho * wo;
    int *t = malloc(sizeof(int) * (size_t)k * k * L);
    if (!t) return NULL;
    for (int ki = 0; ki < k; ki++)
        for (int kj = 0; kj < k; kj++) {
            int *row = t + (ki * k + kj) * L;
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) {
                    int ih = i * s - p + ki, iw = j * s - p + kj;
                    row[i * wo + j] = (ih >= 0 && ih < h && iw >= 0 && iw < w) ? ih * w + iw : -1;
                }
        }
    return t;
}

/* Both widths from one definition (T the element type, S the suffix). */
#define OURO_IM2COL(T, S)                                                                           \
OURO_CLONES                                                                                         \
void ouro_im2col_##S(const T *x, T *cols, int n, int c, int h, int w, int k, int s, int p,          \
                     int ho, int wo, int c0, int c1) {                                              \
    const long L = (long)ho * wo, ncols = (long)n * L, plane = (long)h * w;                         \
    if (s == 1) {                                                                                   \
        /* stride 1: copy each plane once into a zero-bordered one (hp × wp), after which every     \
           output row of every offset is one plain copy of wo values */                             \
        const int hp = h + 2 * p, wp = w + 2 * p;                                                   \
        T *pad = p > 0 ? calloc((size_t)hp * wp, sizeof(T)) : NULL;                                 \
        if (pad || p == 0) {                                                                        \
            for (int ch = c0; ch < c1; ch++)                                                        \
                for (int img = 0; img < n; img++) {                                                 \
                    const T *src = x + ((long)img * c + ch) * plane;                                \
                    if (pad) for (int i = 0; i < h; i++)                                            \
                        memcpy(pad + (long)(i + p) * wp + p, src + (long)i * w, sizeof(T) * w);     \
                    const T *sp = pad ? pad : src;                                                  \
                    for (int ki = 0; ki < k; ki++)                                                  \
                        for (int kj = 0; kj < k; kj++) {                                            \
                            T *row = cols + ((long)ch * k * k + ki * k + kj) * ncols + img * L;     \
                            for (int i = 0; i < ho; i++) {                                          \
                                T *restrict d = row + (long)i * wo;                                 \
                                const T *restrict r = sp + (long)(i + ki) * wp + kj;                \
                                for (int j = 0; j < wo; j++) d[j] = r[j];                           \
                            }                                                                       \
                        }                                                                           \
                }                                                                                   \
            free(pad);                                                                              \
            return;                                                                                 \
        }                                                                                           \
        /* no memory for the plane: each output row reads one contiguous run of an input row */     \
        for (int ch = c0; ch < c1; ch++)                                                            \
            for (int ki = 0; ki < k; ki++)                                                          \
                for (int kj = 0; kj < k; kj++) {                                                    \
                    T *row = cols + ((long)ch * k * k + ki * k + kj) * ncols;                       \
                    const int jlo = p - kj > 0 ? p - kj : 0;                                        \
                    const int jhi = w + p - kj < wo ? w + p - kj : wo;                              \
                    for (int img = 0; img < n; img++) {                                             \
                        const T *src = x + ((long)img * c + ch) * plane;                            \
                        for (int i = 0; i < ho; i++) {                                              \
                            T *d = row + img * L + (long)i * wo;                                    \
                            const int ih = i - p + ki;                                              \
                            if (ih < 0 || ih >= h || jhi <= jlo) {                                  \
                                for (int j = 0; j < wo; j++) d[j] = (T)0;                           \
                                continue;                                                           \
                            }                                                                       \
                            const long base = (long)ih * w + (kj - p);                              \
                            for (int j = 0; j < jlo; j++) d[j] = (T)0;                              \
                            for (int j = jlo; j < jhi; j++) d[j] = src[base + j];                   \
                            for (int j = jhi; j < wo; j++) d[j] = (T)0;                             \
                        }                                                                           \
                    }                                                                               \
                }                                                                                   \
        return;                                                                                     \
    }                                                                                               \
    int *tables = offset_tables(h, w, k, s, p, ho, wo);                                             \
    if (!tables) return;                                                                            \
    for (int ch = c0; ch < c1; ch++)                                                                \
        for (int kk = 0; kk < k * k; kk++) {                                                        \
            const int *idx = tables + kk * L;                                                       \
            T *row = cols + ((long)ch * k * k + kk) * ncols;                                        \
            for (int img = 0; img < n; img++) {                                                     \
                const T *src = x + ((long)img * c + ch) * plane;                                    \
                T *d = row + img * L;                                                               \
                for (long l = 0; l < L; l++) { int o = idx[l]; d[l] = o >= 0 ? src[o] : (T)0; }     \
            }                                                                                       \
        }                                                                                           \
    free(tables);                                                                                   \
}                                                                                                   \
OURO_CLONES                                                                                         \
void ouro_col2im_##S(const T *cols, T *x, int n, int c, int h, int w, int k, int s, int p,          \
                     int ho, int wo, int c0, int c1) {                                              \
    const long L = (long)ho * wo, ncols = (long)n * L, plane = (long)h * w;                         \
    if (s == 1) {                                                                                   \
        /* stride 1: add into a zero-bordered copy of the plane (hp × wp), each output row of each  \
           offset one plain run, then copy the inside back; every value receives its terms in the   \
           same order as the general path (bit-identical results) */                                \
        const int hp = h + 2 * p, wp = w + 2 * p;                                                   \
        T *pad = p > 0 ? calloc((size_t)hp * wp, sizeof(T)) : NULL;                                 \
        if (pad || p == 0) {                                                                        \
            for (int ch = c0; ch < c1; ch++)                                                        \
                for (int img = 0; img < n; img++) {                                                 \
                    T *dst = x + ((long)img * c + ch) * plane;                                      \
                    if (pad) for (int i = 0; i < h; i++)                                            \
                        memcpy(pad + (long)(i + p) * wp + p, dst + (long)i * w, sizeof(T) * w);     \
                    T *dp = pad ? pad : dst;                                                        \
                    for (int ki = 0; ki < k; ki++)                                                  \
                        for (int kj = 0; kj < k; kj++) {                                            \
                            const T *r0 = cols + ((long)ch * k * k + ki * k + kj) * ncols + img * L; \
                            for (int i = 0; i < ho; i++) {                                          \
                                T *restrict d = dp + (long)(i + ki) * wp + kj;                      \
                                const T *restrict r = r0 + (long)i * wo;                            \
                                for (int j = 0; j < wo; j++) d[j] += r[j];                          \
                            }                                                                       \
                        }                                                                           \
                    if (pad) for (int i = 0; i < h; i++)                                            \
                        memcpy(dst + (long)i * w, pad + (long)(i + p) * wp + p, sizeof(T) * w);     \
                }                                                                                   \
            free(pad);                                                                              \
            return;                                                                                 \
        }                                                                                           \
        /* no memory for the plane: each output row adds onto one contiguous run of an input row */ \
        for (int ch = c0; ch < c1; ch++)                                                            \
            for (int img = 0; img < n; img++) {                                                     \
                T *dst = x + ((long)img * c + ch) * plane;                                          \
                for (int ki = 0; ki < k; ki++)                                                      \
                    for (int kj = 0; kj < k; kj++) {                                                \
                        const T *r0 = cols + ((long)ch * k * k + ki * k + kj) * ncols + img * L;    \
                        const int jlo = p - kj > 0 ? p - kj : 0;                                    \
                        const int jhi = w + p - kj < wo ? w + p - kj : wo;                          \
                        for (int i = 0; i < ho; i++) {                                              \
                            const int ih = i - p + ki;                                              \
                            if (ih < 0 || ih >= h) continue;                                        \
                            const long base = (long)ih * w + (kj - p);                              \
                            const T *r = r0 + (long)i * wo;                                         \
                            for (int j = jlo; j < jhi; j++) dst[base + j] += r[j];                  \
                        }                                                                           \
                    }                                                                               \
            }                                                                                       \
        return;                                                                                     \
    }                                                                                               \
    int *tables = offset_tables(h, w, k, s, p, ho, wo);                                             \
    if (!tables) return;                                                                            \
    for (int ch = c0; ch < c1; ch++)                                                                \
        for (int img = 0; img < n; img++) {                                                         \
            T *dst = x + ((long)img * c + ch) * plane;                                              \
            for (int kk = 0; kk < k * k; kk++) {                                                    \
                const int *idx = tables + kk * L;                                                   \
                const T *r = cols + ((long)ch * k * k + kk) * ncols + img * L;                      \
                for (long l = 0; l < L; l++) { int o = idx[l]; if (o >= 0) dst[o] += r[l]; }        \
            }                                                                                       \
        }                                                                                           \
    free(tables);                                                                                   \
}
OURO_IM2COL(float, f32)
OURO_IM2COL(double, f64)
