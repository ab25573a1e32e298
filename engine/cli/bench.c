#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Random ids, like llama-bench's: the content does not change the work. */
static void random_tokens(int32_t *t, uint32_t n, uint32_t n_vocab, uint64_t *state)
{
    for (uint32_t i = 0; i < n; i++) {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        t[i] = (int32_t)(*state % n_vocab);
    }
}

/* n tokens at positions from..from+n-1 (the cache keeps what is before),
 * in batches of n_batch. */
static int prompt_pass(ie_context *c, const int32_t *t, uint32_t from, uint32_t n, uint32_t n_batch, char *err,
                       size_t errlen)
{
    for (uint32_t i = 0; i < n; i += n_batch) {
        uint32_t k = n - i < n_batch ? n - i : n_batch;
        if (ie_decode(c, 0, t + from + i, k, from + i, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* n single-token decodes at positions from.. */
static int generation_pass(ie_context *c, const int32_t *t, uint32_t from, uint32_t n, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < n; i++)
        if (ie_decode(c, 0, t + from + i, 1, from + i, err, errlen) != 0)
            return -1;
    return 0;
}

/* The first depth positions filled (untimed), as llama-bench's -d does
 * before each test; kept when the cache still holds them. */
static int fill_depth(ie_context *c, const int32_t *t, uint32_t depth, uint32_t n_batch, char *err, size_t errlen)
{
    if (!depth || (ie_slot_n_past(c, 0) >= depth && ie_slot_can_resume(c, 0, depth)))
        return 0;
    return prompt_pass(c, t, 0, depth, n_batch, err, errlen);
}

int cli_bench(const cli_options *o)
{
    char err[1024];
    ie_model *m = ie_model_load(o->model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        return 1;
    }
    uint32_t pp = o->bench_prompt, tg = (uint32_t)o->n_predict, depth = o->bench_depth;
    uint32_t n = depth + (pp > tg ? pp : tg);
    int rc = 1;
    ie_context *c = NULL;
    int32_t *tokens = malloc((size_t)(n ? n : 1) * sizeof *tokens);
    if (!tokens)
        goto out;
    uint64_t state = 0x9e3779b97f4a7c15ull;
    random_tokens(tokens, n, ie_model_n_vocab(m), &state);

    ie_context_params cp;
    ie_context_params_default(&cp);
    cp.n_ctx = o->n_ctx ? o->n_ctx : (n < 32 ? 32 : n);
    cp.n_threads = o->n_threads;
    cp.n_batch = o->n_batch;
    cp.cache_k = o->cache_k;
    cp.cache_v = o->cache_v;
    if (n > cp.n_ctx) {
        fprintf(stderr, "infrac-engine: -d %u with -p %u / -n %u exceeds the context of %u\n", depth, pp, tg, cp.n_ctx);
        goto out;
    }
    c = ie_context_new(m, &cp, err, sizeof err);
    if (!c) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        goto out;
    }
    /* Warm-up: a short batch and one single-token decode. */
    uint32_t warm = pp < 32 ? pp : 32;
    if ((warm && prompt_pass(c, tokens, 0, warm, cp.n_batch, err, sizeof err) != 0) ||
        (tg && generation_pass(c, tokens, 0, 1, err, sizeof err) != 0))
        goto fail;

    double pp_tps = 0, tg_tps = 0;
    if (pp) {
        if (fill_depth(c, tokens, depth, cp.n_batch, err, sizeof err) != 0)
            goto fail;
        double t0 = now_s();
        if (prompt_pass(c, tokens, depth, pp, cp.n_batch, err, sizeof err) != 0)
            goto fail;
        pp_tps = (double)pp / (now_s() - t0);
    }
    if (tg) {
        if (fill_depth(c, tokens, depth, cp.n_batch, err, sizeof err) != 0)
            goto fail;
        double t0 = now_s();
        if (generation_pass(c, tokens, depth, tg, err, sizeof err) != 0)
            goto fail;
        tg_tps = (double)tg / (now_s() - t0);
    }
    printf("{\"pp_tokens\":%u,\"pp_tps\":%.2f,\"tg_tokens\":%u,\"tg_tps\":%.2f,\"depth\":%u}\n", pp, pp_tps, tg,
           tg_tps, depth);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "infrac-engine: %s\n", err);
out:
    free(tokens);
    ie_context_free(c);
    ie_model_free(m);
    return rc;
}
