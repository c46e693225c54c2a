/* Exhaustive accuracy of the vectorised float32 kernels in Sources/CKernels/math.c against double
   libm: the worst error in ulps over every float (GELU: every 16th). Build and run:
     gcc -O3 -ffp-contract=off -fno-math-errno -ISources/CKernels/include bench/math_exhaustive.c \
         Sources/CKernels/math.c -o /tmp/math_exhaustive -lm
     for k in 0 1 2 3; do /tmp/math_exhaustive $k; done      (exp, tanh, sigmoid, gelu/16; ~2 min) */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
void ouro_exp_f32(const float *in, float *out, size_t n);
void ouro_tanh_f32(const float *in, float *out, size_t n);
void ouro_sigmoid_f32(const float *in, float *out, size_t n);
void ouro_gelu_f32(const float *in, float *out, size_t n);
static double ulps(float got, double want) {
  if (isnan(want)) return isnan(got) ? 0 : INFINITY;
  float w = (float)want;
  if (isinf(w)) return got == w ? 0 : INFINITY;
  if (got == w) return 0;
  float a = fabsf(w); float u = nextafterf(a, INFINITY) - a; if (u < 1.4e-45f) u = 1.4e-45f;
  return fabs((double)got - want) / (double)u;
}
int main(int argc, char **argv) {
  int which = atoi(argv[1]); unsigned step = which == 3 ? 16 : 1;
  const size_t N = 1 << 20; float *in = malloc(4 * N), *out = malloc(4 * N);
  double worst = 0; float worst_x = 0;
  for (uint64_t base = 0; base < (1ull << 32); base += (uint64_t)N * step) {
    size_t n = 0;
    for (size_t i = 0; i < N; i++) { uint32_t b = (uint32_t)(base + i * step); float f; memcpy(&f, &b, 4); if (!isnan(f)) in[n++] = f; }
    if (which == 0) ouro_exp_f32(in, out, n); else if (which == 1) ouro_tanh_f32(in, out, n);
    else if (which == 2) ouro_sigmoid_f32(in, out, n); else ouro_gelu_f32(in, out, n);
    for (size_t i = 0; i < n; i++) {
      double x = in[i], w; if (which == 3 && isinf(x)) continue;
      if (which == 0) w = exp(x); else if (which == 1) w = tanh(x); else if (which == 2) w = 1 / (1 + exp(-x)); else w = 0.5 * x * erfc(-x / sqrt(2.0));
      double e = ulps(out[i], w); if (e > worst) { worst = e; worst_x = in[i]; }
    }
  }
  printf("%s: worst %.3f ulp at %g\n", (const char*[]){"exp","tanh","sigmoid","gelu/16"}[which], worst, worst_x);
}
