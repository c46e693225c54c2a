#ifndef OURO_CPNG_H
#define OURO_CPNG_H
#include <stddef.h>
#include <stdint.h>

/* PNG through libpng, with libpng's setjmp/longjmp error handling kept inside C: every function
   returns 0 on success or writes a message into err and returns -1 (nothing longjmps into Swift). */

/* Encodes 8-bit pixels (channels 1 = gray, 3 = RGB; rows top to bottom, no padding) as a PNG in
   memory; *out (free with ouro_png_free) and *out_len receive the file's bytes. */
int ouro_png_encode(const uint8_t *pixels, int width, int height, int channels,
                    uint8_t **out, size_t *out_len, char *err, size_t err_len);

/* Decodes a PNG held in memory into 8-bit pixels with its own channel count (gray, gray+alpha, RGB
   or RGBA; palettes and 16-bit depths are converted to 8-bit); *pixels is freed with ouro_png_free. */
int ouro_png_decode(const uint8_t *bytes, size_t len, uint8_t **pixels, int *width, int *height, int *channels,
                    char *err, size_t err_len);

void ouro_png_free(void *p);
#endif
