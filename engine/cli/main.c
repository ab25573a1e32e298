/* infrac-engine: runs a GGUF model on the CPU. Generation mode prints the
 * continuation of a prompt; test modes print token ids, probabilities and
 * greedy ids as JSON for the parity harness. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "engine.h"
#include "options.h"
#include "server/server.h"
#include "text.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_ids(FILE *f, const int32_t *ids, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? "," : "", ids[i]);
    fputs("]\n", f);
}

static int dump_probs(const char *path, const float *logits, uint32_t n_vocab)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "infrac-engine: cannot write %s\n", path);
        return -1;
    }
    float max = logits[0];
    for (uint32_t i = 1; i < n_vocab; i++)
        if (logits[i] > max)
            max = logits[i];
    double sum = 0;
    for (uint32_t i = 0; i < n_vocab; i++)
        sum += exp((double)logits[i] - max);
    fprintf(f, "{\"n_vocab\":%u,\"probs\":[", n_vocab);
    for (uint32_t i = 0; i < n_vocab; i++)
        fprintf(f, "%s%.9g", i ? "," : "", exp((double)logits[i] - max) / sum);
    fputs("]}\n", f);
    return fclose(f) == 0 ? 0 : -1;
}

static int run(const cli_options *o)
{
    char err[1024];
    ie_model *m = ie_model_load(o->model, err, sizeof err);
    if (!m) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        return 1;
    }
    int rc = 1;
    int32_t *prompt = NULL, *history = NULL;
    size_t n_prompt = 0;
    ie_context *c = NULL;
    ie_sampler *s = NULL;
    if (o->tokens) {
        prompt = malloc(o->n_tokens * sizeof *prompt);
        if (!prompt)
            goto out;
        memcpy(prompt, o->tokens, o->n_tokens * sizeof *prompt);
        n_prompt = o->n_tokens;
    } else if (cli_tokenize(m, o->prompt, &prompt, &n_prompt, err, sizeof err) != 0) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        goto out;
    }
    if (o->tokenize_only) {
        print_ids(stdout, prompt, n_prompt);
        rc = 0;
        goto out;
    }
    if (n_prompt == 0) {
        fprintf(stderr, "infrac-engine: the prompt has no tokens\n");
        goto out;
    }
    ie_context_params cp;
    ie_context_params_default(&cp);
    uint64_t need = n_prompt + (uint64_t)o->n_predict;
    cp.n_ctx = o->n_ctx ? o->n_ctx : (uint32_t)((need + 255) / 256 * 256);
    if (need > cp.n_ctx) {
        fprintf(stderr, "infrac-engine: prompt (%zu tokens) plus -n %d exceeds the context of %u\n", n_prompt,
                o->n_predict, cp.n_ctx);
        goto out;
    }
    cp.n_threads = o->n_threads;
    cp.n_batch = o->n_batch;
    cp.cache_k = o->cache_k;
    cp.cache_v = o->cache_v;
    c = ie_context_new(m, &cp, err, sizeof err);
    if (!c) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        goto out;
    }
    ie_sampler_params sp = o->sampling;
    if (o->greedy_ids)
        sp.temperature = 0;
    uint32_t n_vocab = ie_model_n_vocab(m);
    s = ie_sampler_new(&sp, n_vocab);
    history = malloc((size_t)need * sizeof *history);
    if (!s || !history)
        goto out;
    memcpy(history, prompt, n_prompt * sizeof *history);
    size_t n_hist = n_prompt;

    double t0 = now_s();
    if (ie_decode(c, 0, prompt, (uint32_t)n_prompt, 0, err, sizeof err) != 0) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        goto out;
    }
    double t_prompt = now_s() - t0;
    if (o->dump_probs && dump_probs(o->dump_probs, ie_logits(c, 0), n_vocab) != 0)
        goto out;

    double t1 = now_s();
    int32_t n_gen = 0;
    for (; n_gen < o->n_predict; n_gen++) {
        int32_t tok = ie_sampler_sample(s, ie_logits(c, 0), history, n_hist);
        history[n_hist++] = tok;
        if (!o->greedy_ids) {
            if (cli_is_eog(m, tok))
                break;
            cli_print_piece(m, tok, stdout);
            fflush(stdout);
        }
        if (n_gen + 1 == o->n_predict)
            break; /* the last token needs no forward pass */
        if (ie_decode(c, 0, &tok, 1, (uint32_t)(n_hist - 1), err, sizeof err) != 0) {
            fprintf(stderr, "infrac-engine: %s\n", err);
            goto out;
        }
    }
    if (n_gen < o->n_predict)
        n_gen++;
    double t_gen = now_s() - t1;
    if (o->greedy_ids)
        print_ids(stdout, history + n_prompt, n_hist - n_prompt);
    else
        fputc('\n', stdout);
    if (o->timings) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        size_t evals = n_hist - n_prompt > 0 ? n_hist - n_prompt - 1 : 0;
        fprintf(stderr, "prompt: %zu tokens in %.3f s, %.2f tok/s\n", n_prompt, t_prompt,
                t_prompt > 0 ? (double)n_prompt / t_prompt : 0.0);
        fprintf(stderr, "generation: %zu tokens in %.3f s, %.2f tok/s\n", evals, t_gen,
                t_gen > 0 && evals ? (double)evals / t_gen : 0.0);
        fprintf(stderr, "peak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    }
    (void)n_gen;
    rc = 0;
out:
    free(prompt);
    free(history);
    ie_sampler_free(s);
    ie_context_free(c);
    ie_model_free(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (server_cli_requested(argc, argv)) /* --config, --serve, --host, --port */
        return server_main(argc, argv);
    cli_options o;
    char err[512];
    cli_options_default(&o);
    int r = cli_options_parse(&o, argc, argv, err, sizeof err);
    if (r != 0) {
        if (r < 0) {
            fprintf(stderr, "infrac-engine: %s\n", err);
            cli_usage(stderr);
        }
        cli_options_free(&o);
        return r < 0 ? 2 : 0;
    }
    int rc = o.bench ? cli_bench(&o) : run(&o);
    cli_options_free(&o);
    return rc;
}
