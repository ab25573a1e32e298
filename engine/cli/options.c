#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "infrac_engine_flags.h"
#include "ggml_types.h"
#include "server/server.h"
#include "version.h"

static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

/* --bench's prompt length when -p gives none. */
#define BENCH_PROMPT_DEFAULT 512

/* The defaults a one-shot run starts from: what cli_options_default sets
 * (with ie_sampler_params_default's sampling) and cli_usage prints. */
static const cli_options cli_defaults = {
    .n_predict = 32,
    .n_batch = 512,
    .cache_k = GGML_T_F16,
    .cache_v = GGML_T_F16,
};

void cli_options_default(cli_options *o)
{
    *o = cli_defaults;
    ie_sampler_params_default(&o->sampling);
}

/* The default cli_usage shows for a flag, from cli_options_default. */
static bool cli_flag_default(ie_flag_id id, char *buf, size_t n)
{
    cli_options d;
    cli_options_default(&d);
    const ie_sampler_params *s = &d.sampling;
    switch (id) {
    case IEF_PROMPT: snprintf(buf, n, "%u with --bench", BENCH_PROMPT_DEFAULT); return true;
    case IEF_N_PREDICT: snprintf(buf, n, "%d", (int)d.n_predict); return true;
    case IEF_BATCH: snprintf(buf, n, "%u", d.n_batch); return true;
    case IEF_CACHE_K:
    case IEF_CACHE_V:
        snprintf(buf, n, "%s", ggml_type_get(id == IEF_CACHE_K ? d.cache_k : d.cache_v)->name);
        return true;
    case IEF_TEMP: snprintf(buf, n, "%g", (double)s->temperature); return true;
    case IEF_TOP_K: snprintf(buf, n, "%d", (int)s->top_k); return true;
    case IEF_TOP_P: snprintf(buf, n, "%g", (double)s->top_p); return true;
    case IEF_MIN_P: snprintf(buf, n, "%g", (double)s->min_p); return true;
    case IEF_REPEAT_PENALTY: snprintf(buf, n, "%g", (double)s->repeat_penalty); return true;
    case IEF_REPEAT_LAST_N: snprintf(buf, n, "%d", (int)s->repeat_last_n); return true;
    case IEF_SEED: snprintf(buf, n, "%llu", (unsigned long long)s->seed); return true;
    default: return false;
    }
}

void cli_usage(FILE *f)
{
    const char *model = ie_flag_get(IEF_MODEL)->long_name;
    fprintf(f,
            "usage: infrac-engine %s FILE (%s TEXT | %s 1,2,3) [flags]\n"
            "       infrac-engine %s FILE %s [-p N] [-n N] [-d N] [flags]\n"
            "       infrac-engine %s | %s\n"
            "Generates once from a prompt, or measures speed with %s.\n",
            model, ie_flag_get(IEF_PROMPT)->long_name, ie_flag_get(IEF_TOKENS)->long_name, model,
            ie_flag_get(IEF_BENCH)->long_name, ie_flag_get(IEF_VERSION)->long_name,
            ie_flag_get(IEF_HELP)->long_name, ie_flag_get(IEF_BENCH)->long_name);
    ie_flags_usage(f, IEF_ONESHOT, cli_flag_default);
}

void cli_options_free(cli_options *o)
{
    free(o->tokens);
    o->tokens = NULL;
}

static bool to_u32(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || v > 0xffffffffull || *s == '-')
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool to_i32(const char *s, int32_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = (int32_t)v;
    return true;
}

static bool to_float(const char *s, float *out)
{
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (!*s || *end || errno || v != v)
        return false;
    *out = v;
    return true;
}

static int parse_tokens(cli_options *o, const char *s, char *err, size_t n)
{
    size_t cap = 16, count = 0;
    int32_t *t = malloc(cap * sizeof *t);
    if (!t)
        return fail(err, n, "out of memory");
    const char *p = s;
    while (*p) {
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 0 || v > INT32_MAX) {
            free(t);
            return fail(err, n, "--tokens: '%s' is not a comma-separated list of token ids", s);
        }
        if (count == cap) {
            cap *= 2;
            int32_t *nt = realloc(t, cap * sizeof *nt);
            if (!nt) {
                free(t);
                return fail(err, n, "out of memory");
            }
            t = nt;
        }
        t[count++] = (int32_t)v;
        p = end;
        if (*p == ',')
            p++;
        else if (*p) {
            free(t);
            return fail(err, n, "--tokens: '%s' is not a comma-separated list of token ids", s);
        }
    }
    if (count == 0) {
        free(t);
        return fail(err, n, "--tokens: no token ids given");
    }
    free(o->tokens);
    o->tokens = t;
    o->n_tokens = count;
    return 0;
}

static int cache_type(const char *flag, const char *v, uint32_t *out, char *err, size_t n)
{
    int t = ggml_type_from_name(v);
    if (t != GGML_T_F32 && t != GGML_T_F16 && t != GGML_T_Q8_0 && t != GGML_T_Q4_0)
        return fail(err, n, "%s %s: expected f32, f16, q8_0 or q4_0", flag, v);
    *out = (uint32_t)t;
    return 0;
}

int cli_options_parse(cli_options *o, int argc, char **argv, char *err, size_t n)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const ie_flag *f = ie_flag_find(a, IEF_ONESHOT);
        if (f && f->id == IEF_HELP) {
            /* One help for both modes: the one-shot CLI, then every server flag. */
            cli_usage(stdout);
            fputc('\n', stdout);
            server_usage(stdout);
            return 1;
        }
        if (f && f->id == IEF_VERSION) {
            printf("infrac-engine %s\n", INFRAC_VERSION);
            return 1;
        }
        if (!f)
            return fail(err, n, i + 1 < argc ? "unknown option %s" : "%s: unknown option or missing value", a);
        if (!f->takes_value) {
            o->timings |= f->id == IEF_TIMINGS;
            o->tokenize_only |= f->id == IEF_TOKENIZE;
            o->greedy_ids |= f->id == IEF_GREEDY_IDS;
            o->bench |= f->id == IEF_BENCH;
            continue;
        }
        if (i + 1 >= argc)
            return fail(err, n, "%s: unknown option or missing value", a);
        const char *v = argv[++i];
        bool ok = true;
        switch (f->id) {
        case IEF_MODEL: o->model = v; break;
        case IEF_PROMPT: o->prompt = v; break;
        case IEF_TOKENS: if (parse_tokens(o, v, err, n)) return -1; break;
        case IEF_N_PREDICT: ok = to_i32(v, &o->n_predict) && o->n_predict >= 0; break;
        case IEF_THREADS: ok = to_u32(v, &o->n_threads) && o->n_threads <= 256; break;
        case IEF_CONTEXT: ok = to_u32(v, &o->n_ctx); break;
        case IEF_BATCH: ok = to_u32(v, &o->n_batch) && o->n_batch > 0; break;
        case IEF_TEMP: ok = to_float(v, &o->sampling.temperature) && o->sampling.temperature >= 0; break;
        case IEF_TOP_K: ok = to_i32(v, &o->sampling.top_k) && o->sampling.top_k >= 0; break;
        case IEF_TOP_P: ok = to_float(v, &o->sampling.top_p) && o->sampling.top_p >= 0 && o->sampling.top_p <= 1; break;
        case IEF_MIN_P: ok = to_float(v, &o->sampling.min_p) && o->sampling.min_p >= 0 && o->sampling.min_p <= 1; break;
        case IEF_REPEAT_PENALTY: ok = to_float(v, &o->sampling.repeat_penalty) && o->sampling.repeat_penalty > 0; break;
        case IEF_REPEAT_LAST_N: ok = to_i32(v, &o->sampling.repeat_last_n) && o->sampling.repeat_last_n >= -1; break;
        case IEF_SEED: {
            char *end;
            errno = 0;
            o->sampling.seed = strtoull(v, &end, 10);
            ok = *v && !*end && !errno;
            break;
        }
        case IEF_CACHE_K: if (cache_type(a, v, &o->cache_k, err, n)) return -1; break;
        case IEF_CACHE_V: if (cache_type(a, v, &o->cache_v, err, n)) return -1; break;
        case IEF_DUMP_PROBS: o->dump_probs = v; break;
        case IEF_DEPTH: ok = to_u32(v, &o->bench_depth) && o->bench_depth <= 1000000; break;
        default: return fail(err, n, "unknown option %s", a);
        }
        if (!ok)
            return fail(err, n, "%s %s: invalid value", a, v);
    }
    if (!o->model)
        return fail(err, n, "--model is required");
    if (o->bench_depth && !o->bench)
        return fail(err, n, "--depth is a --bench option");
    if (o->bench) {
        if (o->tokens)
            return fail(err, n, "--bench takes -p N (a prompt length), not --tokens");
        if (!o->prompt)
            o->bench_prompt = BENCH_PROMPT_DEFAULT;
        else if (!to_u32(o->prompt, &o->bench_prompt) || o->bench_prompt > 1000000)
            return fail(err, n, "--bench: -p %s is not a token count", o->prompt);
        if (o->bench_prompt == 0 && o->n_predict == 0)
            return fail(err, n, "--bench: nothing to measure (-p 0 -n 0)");
        return 0;
    }
    if (!o->prompt && !o->tokens)
        return fail(err, n, "give a prompt with --prompt TEXT or --tokens 1,2,3");
    if (o->prompt && o->tokens)
        return fail(err, n, "--prompt and --tokens are exclusive");
    return 0;
}
