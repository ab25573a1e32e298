/* A fixed set of worker threads that run one parallel job at a time: the
 * caller is thread 0. Workers spin briefly between jobs (a forward pass
 * dispatches hundreds per token), then sleep on a condition variable. */
#ifndef INFRAC_ENGINE_POOL_H
#define INFRAC_ENGINE_POOL_H

typedef void (*ie_job_fn)(void *arg, int ith, int nth);
typedef struct ie_pool ie_pool;

ie_pool *ie_pool_new(int n_threads);
void ie_pool_free(ie_pool *p);
int ie_pool_size(const ie_pool *p);
/* Runs fn(arg, i, n) for i in 0..n-1, one per thread, and waits for all. */
void ie_pool_run(ie_pool *p, ie_job_fn fn, void *arg);

#endif
