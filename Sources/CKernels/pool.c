/* A small pool of worker threads for splitting one op across cores (Parallel.run in Swift).

   Why not Dispatch: a training step issues dozens of split ops of a few hundred microseconds each,
   and waking a sleeping Dispatch worker for each costs tens of microseconds — most of what a second
   core could save. Here workers spin for a short while after each job (as OpenMP runtimes do)
   before they sleep, so back-to-back ops find them awake.

   One job at a time: the caller publishes (fn, ctx) and then a 64-bit word holding the job's
   generation, piece count and next unclaimed piece. Everyone (the caller too) claims pieces by
   compare-and-swap on that word, so a claim can only succeed for the job the word describes; fn
   and ctx are read only after a successful claim, and the caller does not publish the next job
   before every piece of this one has reported done. A caller that finds the pool owned (a nested
   split inside a piece, or another thread's op) gets -1 back and runs its pieces itself. */
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

#define WORD(gen, pieces, next) (((uint64_t)(gen) << 32) | ((uint64_t)(pieces) << 16) | (uint64_t)(next))
#define GEN(w) ((uint32_t)((w) >> 32))
#define PIECES(w) ((long)(((w) >> 16) & 0xffff))
#define NEXT(w) ((long)((w) & 0xffff))

static struct {
    _Atomic uint64_t word;
    _Atomic long done;
    _Atomic int owned;
    _Atomic int sleepers;
    ouro_piece_fn fn;
    void *ctx;
    int workers;
    long spin_ns;
    pthread_mutex_t lock;
    pthread_cond_t wake;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Claims and runs pieces of the job in `w` until none is left; returns the last word seen. */
static uint64_t run_pieces(uint64_t w) {
    for (;;) {
        long next = NEXT(w);
        if (next >= PIECES(w)) return w;
        if (atomic_compare_exchange_weak_explicit(&pool.word, &w, w + 1, memory_order_acquire, memory_order_acquire)) {
            pool.fn(pool.ctx, next);
            atomic_fetch_add_explicit(&pool.done, 1, memory_order_release);
            w = atomic_load_explicit(&pool.word, memory_order_acquire);
        }
    }
}

static void *worker(void *unused) {
    (void)unused;
    uint64_t seen = atomic_load(&pool.word);
    for (;;) {
        uint64_t w = atomic_load_explicit(&pool.word, memory_order_acquire);
        if (w == seen) {
            long until = now_ns() + pool.spin_ns;
            for (int i = 0; w == seen; i++) {
                cpu_relax();
                w = atomic_load_explicit(&pool.word, memory_order_acquire);
                if ((i & 255) == 255 && now_ns() > until) break;
            }
        }
        if (w == seen) {
            pthread_mutex_lock(&pool.lock);
            atomic_fetch_add(&pool.sleepers, 1);
            while ((w = atomic_load(&pool.word)) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.lock);
        }
        seen = run_pieces(w);
    }
    return NULL;
}

/* Starts workers until there are `count` (called by the pool's owner only). */
static void start_workers(int count) {
    while (pool.workers < count) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, worker, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool.workers++;
    }
}

static _Thread_local int serial_depth;
void ouro_pool_serial(int on) { serial_depth += on ? 1 : -1; }

int ouro_pool_run(long pieces, ouro_piece_fn fn, void *ctx, int workers, long spin_ns) {
    if (serial_depth > 0) return -2;
    if (pieces < 1 || pieces > 0xffff || workers < 1) return -1;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&pool.owned, &expected, 1)) return -1;
    start_workers(workers);
    if (pool.workers == 0) { atomic_store(&pool.owned, 0); return -1; }
    pool.spin_ns = spin_ns;
    pool.fn = fn;
    pool.ctx = ctx;
    atomic_store_explicit(&pool.done, 0, memory_order_relaxed);
    uint64_t w = atomic_load_explicit(&pool.word, memory_order_relaxed);
    w = WORD(GEN(w) + 1, pieces, 0);
    atomic_store(&pool.word, w);                       /* seq_cst: ordered before the sleepers check */
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.lock);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.lock);
    }
    run_pieces(w);
    while (atomic_load_explicit(&pool.done, memory_order_acquire) < pieces) cpu_relax();
    atomic_store_explicit(&pool.owned, 0, memory_order_release);
    return 0;
}
