#include "cdnnl.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One prepared call: the primitive, and for each of its three operands (two read, one written) the
   plain layout the caller holds, the layout the primitive wants and the reorder between them, with
   where in the workspace the reordered copy lives. */
typedef struct operand {
    int arg;
    dnnl_memory_desc_t plain, inner;
    dnnl_primitive_t reorder; /* NULL when the primitive takes the plain layout as it is */
    size_t offset;
} operand;

typedef struct plan {
    int key[10];
    dnnl_primitive_t prim;
    operand op[3]; /* op[0], op[1] read, op[2] written */
    dnnl_memory_desc_t bias;
    int has_bias;
    size_t scratch_offset, workspace;
    struct plan *next;
} plan;

enum { MAX_PLANS = 1024 };
static pthread_mutex_t plans_lock = PTHREAD_MUTEX_INITIALIZER;
static plan *plans;
static int plan_count;
static dnnl_engine_t engine;
static dnnl_primitive_attr_t user_scratchpad;
static int usable;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static __thread dnnl_stream_t stream;

/* OpenMP, found at run time in the libgomp oneDNN brought in: one thread around every oneDNN call. */
static void (*set_threads)(int);
static int (*get_threads)(void);

static void init(void) {
    const char *env = getenv("OURO_DNNL");
    if (env && strcmp(env, "0") == 0) return;
    set_threads = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    get_threads = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return;
    if (dnnl_primitive_attr_create(&user_scratchpad) != dnnl_success) return;
    if (dnnl_primitive_attr_set_scratchpad_mode(user_scratchpad, dnnl_scratchpad_mode_user) != dnnl_success) return;
    usable = 1;
}

int ouro_dnnl_available(void) {
    pthread_once(&once, init);
    return usable;
}

static int single_thread(void) {
    int before = get_threads ? get_threads() : 1;
    if (set_threads && before != 1) set_threads(1);
    return before;
}

static void restore_threads(int before) {
    if (set_threads && before != 1) set_threads(before);
}

static size_t round64(size_t n) { return (n + 63) & ~(size_t)63; }

static int nchw(dnnl_memory_desc_t *md, int n, int c, int h, int w, dnnl_format_tag_t tag) {
    dnnl_dims_t dims = {n, c, h, w};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag) == dnnl_success;
}

static void destroy(plan *p) {
    if (!p) return;
    if (p->prim) dnnl_primitive_destroy(p->prim);
    for (int i = 0; i < 3; i++) if (p->op[i].reorder) dnnl_primitive_destroy(p->op[i].reorder);
    free(p);
}

/* The reorder from `from` to `to` (user scratchpad), or NULL with *ok kept when they are the same. */
static dnnl_primitive_t reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to, size_t *scratch, int *ok) {
    if (dnnl_memory_desc_equal(from, to)) return NULL;
    dnnl_primitive_desc_t pd;
    if (dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, user_scratchpad) != dnnl_success) { *ok = 0; return NULL; }
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t need = sp ? dnnl_memory_desc_get_size(sp) : 0;
    if (need > *scratch) *scratch = need;
    dnnl_primitive_t r = NULL;
    if (dnnl_primitive_create(&r, pd) != dnnl_success) *ok = 0;
    dnnl_primitive_desc_destroy(pd);
    return r;
}

static plan *create(int kind, const ouro_dnnl_conv *s, int bias) {
    plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    dnnl_memory_desc_t x, w, y, xa, wa, ya, b;
    dnnl_dims_t strides = {s->stride, s->stride}, pad_l = {s->padding, s->padding};
    dnnl_dims_t pad_r = {(s->oh - 1) * s->stride + s->k - s->h - s->padding, (s->ow - 1) * s->stride + s->k - s->w - s->padding};
    if (pad_r[0] < 0 || pad_r[1] < 0) { free(p); return NULL; }
    dnnl_dims_t bdims = {s->m};
    int ok = nchw(&x, s->n, s->c, s->h, s->w, dnnl_nchw) && nchw(&w, s->m, s->c, s->k, s->k, dnnl_oihw) &&
             nchw(&y, s->n, s->m, s->oh, s->ow, dnnl_nchw) && nchw(&xa, s->n, s->c, s->h, s->w, dnnl_format_tag_any) &&
             nchw(&wa, s->m, s->c, s->k, s->k, dnnl_format_tag_any) && nchw(&ya, s->n, s->m, s->oh, s->ow, dnnl_format_tag_any) &&
             dnnl_memory_desc_init_by_tag(&b, 1, bdims, dnnl_f32, dnnl_x) == dnnl_success;
    if (!ok) { free(p); return NULL; }
    /* The forward primitive descriptor: the primitive itself, or the hint the backward ones need. */
    dnnl_convolution_desc_t fd, d;
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    const dnnl_memory_desc_t *fb = kind == OURO_DNNL_FORWARD && bias ? &b : NULL;
    if (dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, dnnl_convolution_direct, &xa, &wa, fb, &ya, strides, pad_l, pad_r) != dnnl_success ||
        dnnl_primitive_desc_create(&fpd, &fd, kind == OURO_DNNL_FORWARD ? user_scratchpad : NULL, engine, NULL) != dnnl_success) { free(p); return NULL; }
    int args[3];
    const dnnl_memory_desc_t *plain[3];
    if (kind == OURO_DNNL_FORWARD) {
        pd = fpd; fpd = NULL;
        args[0] = DNNL_ARG_SRC; args[1] = DNNL_ARG_WEIGHTS; args[2] = DNNL_ARG_DST;
        plain[0] = &x; plain[1] = &w; plain[2] = &y;
    } else if (kind == OURO_DNNL_BACKWARD_DATA) {
        ok = dnnl_convolution_backward_data_desc_init(&d, dnnl_convolution_direct, &xa, &wa, &ya, strides, pad_l, pad_r) == dnnl_success &&
             dnnl_primitive_desc_create(&pd, &d, user_scratchpad, engine, fpd) == dnnl_success;
        args[0] = DNNL_ARG_DIFF_DST; args[1] = DNNL_ARG_WEIGHTS; args[2] = DNNL_ARG_DIFF_SRC;
        plain[0] = &y; plain[1] = &w; plain[2] = &x;
    } else {
        ok = dnnl_convolution_backward_weights_desc_init(&d, dnnl_convolution_direct, &xa, &wa, NULL, &ya, strides, pad_l, pad_r) == dnnl_success &&
             dnnl_primitive_desc_create(&pd, &d, user_scratchpad, engine, fpd) == dnnl_success;
        args[0] = DNNL_ARG_SRC; args[1] = DNNL_ARG_DIFF_DST; args[2] = DNNL_ARG_DIFF_WEIGHTS;
        plain[0] = &x; plain[1] = &y; plain[2] = &w;
    }
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (!ok || !pd) { if (pd) dnnl_primitive_desc_destroy(pd); free(p); return NULL; }
    size_t scratch = 0, offset = 0;
    const dnnl_memory_desc_t *sp = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (sp) scratch = dnnl_memory_desc_get_size(sp);
    for (int i = 0; i < 3 && ok; i++) {
        operand *o = &p->op[i];
        const dnnl_memory_desc_t *inner = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, args[i]);
        if (!inner) { ok = 0; break; }
        o->arg = args[i]; o->plain = *plain[i]; o->inner = *inner;
        o->reorder = i < 2 ? reorder(&o->plain, &o->inner, &scratch, &ok) : reorder(&o->inner, &o->plain, &scratch, &ok);
        o->offset = offset;
        if (o->reorder) offset += round64(dnnl_memory_desc_get_size(&o->inner));
    }
    p->has_bias = fb != NULL;
    p->bias = b;
    p->scratch_offset = offset;
    p->workspace = offset + round64(scratch) + 64 + 64; /* scratchpad (at least 64 bytes), alignment slack */
    if (ok && dnnl_primitive_create(&p->prim, pd) != dnnl_success) ok = 0;
    dnnl_primitive_desc_destroy(pd);
    if (!ok) { destroy(p); return NULL; }
    return p;
}

static void key(int out[10], int kind, const ouro_dnnl_conv *s, int bias) {
    int k[10] = {kind, s->n, s->c, s->h, s->w, s->m, s->k, s->stride, s->padding, bias != 0};
    memcpy(out, k, sizeof k);
}

/* The cached plan for this call, created (single-threaded, so that oneDNN sizes it for one thread)
   the first time; NULL if oneDNN cannot do it. */
static plan *find(int kind, const ouro_dnnl_conv *s, int bias) {
    if (!ouro_dnnl_available()) return NULL;
    int k[10];
    key(k, kind, s, bias);
    pthread_mutex_lock(&plans_lock);
    plan *p = plans;
    while (p && memcmp(p->key, k, sizeof k) != 0) p = p->next;
    if (!p && plan_count < MAX_PLANS) {
        int before = single_thread();
        p = create(kind, s, bias);
        restore_threads(before);
        if (p) { memcpy(p->key, k, sizeof k); p->next = plans; plans = p; plan_count++; }
    }
    pthread_mutex_unlock(&plans_lock);
    return p;
}

size_t ouro_dnnl_workspace(int kind, const ouro_dnnl_conv *s, int bias) {
    if (kind < OURO_DNNL_FORWARD || kind > OURO_DNNL_BACKWARD_WEIGHTS || s->n < 1 || s->c < 1 || s->m < 1 || s->k < 1) return 0;
    plan *p = find(kind, s, bias);
    return p ? p->workspace : 0;
}

static int run_reorder(dnnl_primitive_t r, dnnl_memory_t from, dnnl_memory_t to, dnnl_memory_t scratch) {
    dnnl_exec_arg_t a[3] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}, {DNNL_ARG_SCRATCHPAD, scratch}};
    return dnnl_primitive_execute(r, stream, 3, a) == dnnl_success;
}

int ouro_dnnl_run(int kind, const ouro_dnnl_conv *s, const float *a, const float *b, const float *bias, float *out, void *workspace) {
    plan *p = find(kind, s, bias != NULL);
    if (!p || !workspace) return -1;
    if (!stream && dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) { stream = NULL; return -1; }
    char *ws = (char *)(((uintptr_t)workspace + 63) & ~(uintptr_t)63);
    void *data[3] = {(void *)a, (void *)b, out};
    dnnl_memory_t user[3] = {0}, inner[3] = {0}, scratch = NULL, mbias = NULL;
    int ok = 1, before = single_thread();
    dnnl_memory_desc_t sdesc;
    dnnl_dims_t sdims = {(dnnl_dim_t)(p->workspace - 64 - p->scratch_offset)}; /* the scratchpad region */
    ok = dnnl_memory_desc_init_by_tag(&sdesc, 1, sdims, dnnl_u8, dnnl_x) == dnnl_success;
    if (ok) ok = dnnl_memory_create(&scratch, &sdesc, engine, ws + p->scratch_offset) == dnnl_success;
    for (int i = 0; i < 3 && ok; i++) {
        operand *o = &p->op[i];
        ok = dnnl_memory_create(&user[i], &o->plain, engine, data[i]) == dnnl_success;
        if (ok && o->reorder) ok = dnnl_memory_create(&inner[i], &o->inner, engine, ws + o->offset) == dnnl_success;
        if (ok && o->reorder && i < 2) ok = run_reorder(o->reorder, user[i], inner[i], scratch);
    }
    if (ok && p->has_bias) ok = dnnl_memory_create(&mbias, &p->bias, engine, (void *)bias) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[5];
        int n = 0;
        for (int i = 0; i < 3; i++) { args[n].arg = p->op[i].arg; args[n].memory = p->op[i].reorder ? inner[i] : user[i]; n++; }
        args[n].arg = DNNL_ARG_SCRATCHPAD; args[n].memory = scratch; n++;
        if (mbias) { args[n].arg = DNNL_ARG_BIAS; args[n].memory = mbias; n++; }
        ok = dnnl_primitive_execute(p->prim, stream, n, args) == dnnl_success;
    }
    if (ok && p->op[2].reorder) ok = run_reorder(p->op[2].reorder, inner[2], user[2], scratch);
    if (ok) ok = dnnl_stream_wait(stream) == dnnl_success;
    restore_threads(before);
    for (int i = 0; i < 3; i++) { if (user[i]) dnnl_memory_destroy(user[i]); if (inner[i]) dnnl_memory_destroy(inner[i]); }
    if (scratch) dnnl_memory_destroy(scratch);
    if (mbias) dnnl_memory_destroy(mbias);
    return ok ? 0 : -1;
}
