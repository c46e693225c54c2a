#ifndef OURO_CKERNELS_H
#define OURO_CKERNELS_H
#include <stddef.h>

/* Hot loops of the neural core in C, compiled once per instruction set (AVX-512, AVX2, baseline)
   and chosen at load time for the CPU at hand. Each is a plain, order-preserving loop: results
   do not depend on which version runs beyond the last bit of rounding of fused multiply-adds,
   which the flags below forbid (-ffp-contract=off), so they are bit-identical across versions. */

/* Adam / AdamW update of n parameters in place (m, v: the moment buffers). */
void ouro_adam_f32(float *p, const float *g, float *m, float *v, size_t n, float b1, float b2,
                   float step_size, float inv_sqrt_c2, float eps, float wd_coupled, float shrink);
void ouro_adam_f64(double *p, const double *g, double *m, double *v, size_t n, double b1, double b2,
                   double step_size, double inv_sqrt_c2, double eps, double wd_coupled, double shrink);

/* Runs fn(ctx, i) for i in [0, pieces) on the calling thread and up to `workers` pool threads
   (started on first use; idle ones spin for spin_ns before sleeping). Returns 0 when done, or
   without running anything -1 when the pool is in use (a nested call, or another thread's) or
   pieces is outside [1, 65535], and -2 when this thread asked to run serially: the caller then
   runs the pieces itself. */
typedef void (*ouro_piece_fn)(void *ctx, long piece);
int ouro_pool_run(long pieces, ouro_piece_fn fn, void *ctx, int workers, long spin_ns);
/* Nested on (1) / off (0) switch: while on, this thread's ouro_pool_run calls return -2. */
void ouro_pool_serial(int on);

/* 1 if every value is finite (no NaN, no ±inf). */
int ouro_all_finite_f32(const float *x, size_t n);
int ouro_all_finite_f64(const double *x, size_t n);
#endif

#ifndef OURO_CKERNELS_MATH
#define OURO_CKERNELS_MATH
/* Vectorised float32 transcendentals over n contiguous values (out may equal in): Cody–Waite
   range reduction and minimax polynomials (the Cephes forms), within 2 ulp of the correctly
   rounded result over the whole float range; NaN, ±inf, 0 and overflow as IEEE/libm give them. */
void ouro_exp_f32(const float *in, float *out, size_t n);
void ouro_log_f32(const float *in, float *out, size_t n);
/* Binary cross-entropy with logits per element: max(x, 0) − x·t + log(1 + e^−|x|). */
void ouro_bce_logits_f32(const float *x, const float *t, float *out, size_t n);
/* GELU that also writes Φ(x) to cdf (out: the same bits as ouro_gelu_f32), and the backward pass
   from that Φ without a second erfc: out = g · GELU'(x) = g · (Φ(x) + x·φ(x)). */
void ouro_gelu_cdf_f32(const float *in, float *out, float *cdf, size_t n);
void ouro_gelu_backward_cdf_f32(const float *x, const float *cdf, const float *g, float *out, size_t n);
void ouro_tanh_f32(const float *in, float *out, size_t n);
void ouro_sigmoid_f32(const float *in, float *out, size_t n);
/* GELU x·Φ(x) (exact form) through a vectorised erfc: within 5.6 ulp (every 16th float checked). */
void ouro_gelu_f32(const float *in, float *out, size_t n);
/* Softmax (or log-softmax) of each of `rows` contiguous rows of n values, in → out (may be equal).
   causal: row i of the block counts only its first i + 1 values (the rest become 0) — the rows of
   a t×t attention block. The exponentials run vectorised over whole rows (masked values as −inf)
   and each row's sum is accumulated in float64 in a fixed order; a NaN in a row makes it all NaN. */
void ouro_softmax_rows_f32(const float *in, float *out, size_t rows, size_t n, int causal, int log_out);
#endif

/* Σ x over n contiguous float32 values, accumulated in float64: 16 lanes per block of 4096
   values (a fixed order), block sums added in order — as accurate as a float64 sum, and the
   result does not depend on which instruction-set version runs. */
double ouro_sum_f32(const float *x, size_t n);
/* Σ (x − mean)², and Σ g with Σ g·h, over n contiguous float32 values in float64: eight lanes
   (value j into lane j % 8 while whole blocks of 8 remain, the rest into lane 0), added in a
   fixed order — the same bits whichever instruction-set version runs. */
double ouro_sum_sq_dev_f32(const float *x, size_t n, double mean);
void ouro_sum_and_dot_f32(const float *g, const float *h, size_t n, double out[2]);

/* im2col for an N×C×H×W float32 image and a k×k kernel (stride s, padding p): row (c, ki, kj),
   column (img, oh, ow) of `cols` (C·k·k × N·Ho·Wo) holds x[img, c, oh·s − p + ki, ow·s − p + kj]
   or 0 outside. Channels c0..<c1 only (callers split channels across threads). */
void ouro_im2col_f32(const float *x, float *cols, int n, int c, int h, int w, int k, int s, int p,
                     int ho, int wo, int c0, int c1);
/* The adjoint: adds each entry of `cols` into x (which the caller zeroed), channels c0..<c1,
   always in the same order. */
void ouro_col2im_f32(const float *cols, float *x, int n, int c, int h, int w, int k, int s, int p,
                     int ho, int wo, int c0, int c1);
void ouro_im2col_f64(const double *x, double *cols, int n, int c, int h, int w, int k, int s, int p,
                     int ho, int wo, int c0, int c1);
void ouro_col2im_f64(const double *cols, double *x, int n, int c, int h, int w, int k, int s, int p,
                     int ho, int wo, int c0, int c1);
