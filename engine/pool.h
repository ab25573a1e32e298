/* A fixed set of worker threads that run one parallel job at a time: the
 * caller is thread 0. Workers spin briefly between jobs (a forward pass
 * dispatches hundreds per token), then sleep on a condition variable. */
#ifndef INFRAC_ENGINE_POOL_H
#define INFRAC_ENGINE_POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*ie_job_fn)(void *arg, int ith, int nth);
typedef struct ie_pool ie_pool;

ie_pool *ie_pool_new(int n_threads);
void ie_pool_free(ie_pool *p);
int ie_pool_size(const ie_pool *p);
/* Runs fn(arg, i, n) for i in 0..n-1, one per thread, and waits for all. */
void ie_pool_run(ie_pool *p, ie_job_fn fn, void *arg);

/* Work handed out in chunks through a shared counter instead of fixed
 * shares: a thread that the (shared, loaded) machine preempts, or whose
 * share is cheaper (causal attention), leaves the rest to the others. */
typedef struct ie_chunks {
    atomic_uint_fast64_t next;
    uint64_t n_units, chunk;
} ie_chunks;

/* About 8 chunks per thread, at least min_chunk units each. */
static inline void ie_chunks_init(ie_chunks *c, uint64_t n_units, int n_threads, uint64_t min_chunk)
{
    uint64_t chunk = n_units / ((uint64_t)(n_threads > 0 ? n_threads : 1) * 8);
    atomic_init(&c->next, 0);
    c->n_units = n_units;
    c->chunk = chunk < min_chunk ? min_chunk : chunk ? chunk : 1;
}

/* The next chunk [*u0, *u1), or false when all are taken. */
static inline bool ie_chunks_take(ie_chunks *c, uint64_t *u0, uint64_t *u1)
{
    uint64_t i = atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
    if (i * c->chunk >= c->n_units)
        return false;
    *u0 = i * c->chunk;
    *u1 = *u0 + c->chunk < c->n_units ? *u0 + c->chunk : c->n_units;
    return true;
}

#endif
