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

/* n tokens from an empty cache, in batches of n_batch. */
static int prompt_pass(ie_context *c, const int32_t *t, uint32_t n, uint32_t n_batch, char *err, size_t errlen)
{
    for (uint32_t pos = 0; pos < n; pos += n_batch) {
        uint32_t k = n - pos < n_batch ? n - pos : n_batch;
        if (ie_decode(c, 0, t + pos, k, pos, err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* n single-token decodes from an empty cache. */
static int generation_pass(ie_context *c, const int32_t *t, uint32_t n, char *err, size_t errlen)
{
    for (uint32_t pos = 0; pos < n; pos++)
        if (ie_decode(c, 0, t + pos, 1, pos, err, errlen) != 0)
            return -1;
    return 0;
}

int cli_bench(const cli_options *o)
{
    char err[1024];
    ie_model *m = ie_model_load(o->model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        return 1;
    }
    uint32_t pp = o->bench_prompt, tg = (uint32_t)o->n_predict;
    uint32_t n = pp > tg ? pp : tg;
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
        fprintf(stderr, "infrac-engine: -p %u / -n %u exceed the context of %u\n", pp, tg, cp.n_ctx);
        goto out;
    }
    c = ie_context_new(m, &cp, err, sizeof err);
    if (!c) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        goto out;
    }
    /* Warm-up: a short batch and one single-token decode. */
    uint32_t warm = pp < 32 ? pp : 32;
    if ((warm && prompt_pass(c, tokens, warm, cp.n_batch, err, sizeof err) != 0) ||
        (tg && generation_pass(c, tokens, 1, err, sizeof err) != 0))
        goto fail;

    double pp_tps = 0, tg_tps = 0;
    if (pp) {
        double t0 = now_s();
        if (prompt_pass(c, tokens, pp, cp.n_batch, err, sizeof err) != 0)
            goto fail;
        pp_tps = (double)pp / (now_s() - t0);
    }
    if (tg) {
        double t0 = now_s();
        if (generation_pass(c, tokens, tg, err, sizeof err) != 0)
            goto fail;
        tg_tps = (double)tg / (now_s() - t0);
    }
    printf("{\"pp_tokens\":%u,\"pp_tps\":%.2f,\"tg_tokens\":%u,\"tg_tps\":%.2f}\n", pp, pp_tps, tg, tg_tps);
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
