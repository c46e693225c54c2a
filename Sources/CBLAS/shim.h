#ifndef OURO_CBLAS_SHIM_H
#define OURO_CBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
