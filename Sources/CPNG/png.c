#include "cpng.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing memory buffer for libpng's write callback. */
typedef struct { uint8_t *data; size_t len, cap; int failed; } sink;

static void sink_write(png_structp png, png_bytep bytes, png_size_t n) {
    sink *s = (sink *)png_get_io_ptr(png);
    if (s->failed) return;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n) cap *= 2;
        uint8_t *d = realloc(s->data, cap);
        if (!d) { s->failed = 1; png_error(png, "out of memory"); }
        s->data = d; s->cap = cap;
    }
    memcpy(s->data + s->len, bytes, n);
    s->len += n;
}

static void sink_flush(png_structp png) { (void)png; }

/* libpng reports errors through this hook before longjmp-ing back to our setjmp. */
static void on_error(png_structp png, png_const_charp msg) {
    char *err = (char *)png_get_error_ptr(png);
    if (err) snprintf(err, 256, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

int ouro_png_encode(const uint8_t *pixels, int width, int height, int channels,
                    uint8_t **out, size_t *out_len, char *err, size_t err_len) {
    char msg[256] = "";
    *out = NULL; *out_len = 0;
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        snprintf(err, err_len, "a PNG needs a positive size and 1 or 3 channels, got %dx%d with %d", width, height, channels);
        return -1;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, msg, on_error, on_warning);
    if (!png) { snprintf(err, err_len, "libpng could not start"); return -1; }
    png_infop info = png_create_info_struct(png);
    sink s = {0};
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        snprintf(err, err_len, "writing a PNG: %s", msg[0] ? msg : "libpng failed");
        png_destroy_write_struct(&png, info ? &info : NULL);
        free(s.data); free(rows);
        return -1;
    }
    png_set_write_fn(png, &s, sink_write, sink_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) png_error(png, "out of memory");
    for (int y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * width * channels);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *out = s.data; *out_len = s.len;
    return 0;
}

typedef struct { const uint8_t *data; size_t len, pos; } source;

static void source_read(png_structp png, png_bytep out, png_size_t n) {
    source *s = (source *)png_get_io_ptr(png);
    if (n > s->len - s->pos) png_error(png, "the file ends early");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

int ouro_png_decode(const uint8_t *bytes, size_t len, uint8_t **pixels, int *width, int *height, int *channels,
                    char *err, size_t err_len) {
    char msg[256] = "";
    *pixels = NULL;
    if (len < 8 || png_sig_cmp(bytes, 0, 8) != 0) { snprintf(err, err_len, "not a PNG file (bad signature)"); return -1; }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, msg, on_error, on_warning);
    if (!png) { snprintf(err, err_len, "libpng could not start"); return -1; }
    png_infop info = png_create_info_struct(png);
    uint8_t *volatile buf = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(png_jmpbuf(png))) {
        snprintf(err, err_len, "reading a PNG: %s", msg[0] ? msg : "libpng failed");
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(buf); free(rows);
        return -1;
    }
    source src = {bytes, len, 0};
    png_set_read_fn(png, &src, source_read);
    png_set_user_limits(png, 1 << 16, 1 << 16);
    png_read_info(png, info);
    png_set_expand(png);            /* palettes and low bit depths to 8-bit */
    png_set_strip_16(png);
    png_read_update_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    int c = png_get_channels(png, info);
    size_t stride = png_get_rowbytes(png, info);
    buf = malloc(stride * (size_t)h);
    rows = malloc(sizeof(png_bytep) * (size_t)h);
    if (!buf || !rows) png_error(png, "out of memory");
    for (int y = 0; y < h; y++) rows[y] = buf + (size_t)y * stride;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);
    *pixels = buf; *width = w; *height = h; *channels = c;
    return 0;
}

void ouro_png_free(void *p) { free(p); }
