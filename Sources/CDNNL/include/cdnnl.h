#ifndef OURO_CDNNL_H
#define OURO_CDNNL_H
#include <stddef.h>

/* float32 2-D convolutions by oneDNN's direct kernels (Debian: libdnnl-dev), for NN/ConvDirect.swift.
   Every primitive is created and run single-threaded (OpenMP limited to one thread around each call),
   so its result is the same on whichever thread runs it; callers split a batch into fixed chunks.
   Nothing here allocates while running: each call gets a workspace of the size ouro_dnnl_workspace
   reported, and all tensors are plain contiguous float32 (NCHW images, OIHW weights). */

/* One convolution of n images: C × H × W in (the column side), M × OH × OW out, an M × C × K × K
   weight, stride and symmetric padding (the bottom/right padding is whatever makes OH × OW). */
typedef struct {
    int n, c, h, w, m, k, stride, padding, oh, ow;
} ouro_dnnl_conv;

enum {
    OURO_DNNL_FORWARD = 0,          /* a = x (n×C×H×W), b = weight, bias (M) or NULL → out = y (n×M×OH×OW) */
    OURO_DNNL_BACKWARD_DATA = 1,    /* a = gy (n×M×OH×OW), b = weight → out = gx (n×C×H×W) */
    OURO_DNNL_BACKWARD_WEIGHTS = 2  /* a = x, b = gy → out = gw (M×C×K×K), overwritten */
};

/* Bytes of workspace one call of this kind and shape needs (prepares and caches its primitive), or
   0 if oneDNN cannot run it (the caller then uses its own convolution). */
size_t ouro_dnnl_workspace(int kind, const ouro_dnnl_conv *s, int bias);

/* Runs one prepared call; 0 on success, -1 on failure (nothing prepared, or oneDNN refused). */
int ouro_dnnl_run(int kind, const ouro_dnnl_conv *s, const float *a, const float *b, const float *bias,
                  float *out, void *workspace);

/* 1 when oneDNN can be used at all on this machine (and OURO_DNNL is not 0), else 0. */
int ouro_dnnl_available(void);
#endif
