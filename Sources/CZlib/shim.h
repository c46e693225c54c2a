#ifndef OURO_CZLIB_SHIM_H
#define OURO_CZLIB_SHIM_H
#include <zlib.h>
/* inflateInit2 is a macro; this wrapper makes it callable from Swift. */
static inline int ouro_inflate_init_gzip(z_streamp s) { return inflateInit2(s, 16 + MAX_WBITS); }
#endif
