/* infrac-engine's flags (see infrac_engine_flags.h). Short names follow
 * llama-server's where the meaning is the same (llama.cpp common/arg.cpp). */
#include "infrac_engine_flags.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define S IEF_SERVER
#define O IEF_ONESHOT

/* Each row: id, long name, short name, takes a value, modes, value word
 * and help line (what --help prints, see ie_flags_usage). */
static const ie_flag flags[IEF_COUNT] = {
    [IEF_HELP] = {IEF_HELP, "--help", "-h", false, O, NULL,
        "print every flag, on stdout, and exit"},
    [IEF_VERSION] = {IEF_VERSION, "--version", NULL, false, O, NULL,
        "print the version and exit"},
    [IEF_CONFIG] = {IEF_CONFIG, "--config", NULL, true, S, "FILE",
        "engine config written by infrac build"},
    [IEF_SERVE] = {IEF_SERVE, "--serve", NULL, false, S, NULL,
        "serve the API from these flags, without a config"},
    [IEF_MODEL] = {IEF_MODEL, "--model", "-m", true, S | O, "FILE",
        "GGUF model"},
    [IEF_ALIAS] = {IEF_ALIAS, "--alias", "-a", true, S, "NAME",
        "model name clients send (default: file name)"},
    [IEF_HOST] = {IEF_HOST, "--host", NULL, true, S, "ADDR",
        "listen address"},
    [IEF_PORT] = {IEF_PORT, "--port", NULL, true, S, "N",
        "listen port"},
    [IEF_PARALLEL] = {IEF_PARALLEL, "--parallel", "-np", true, S, "N",
        "slots"},
    [IEF_CONTEXT] = {IEF_CONTEXT, "--context", "-c", true, S | O, "N",
        "total KV cells shared by the slots (0 = model's; one-shot: 0 = prompt + -n, rounded up to 256)"},
    [IEF_THREADS] = {IEF_THREADS, "--threads", "-t", true, S | O, "N",
        "compute threads (0 = all CPUs)"},
    [IEF_BATCH] = {IEF_BATCH, "--batch", "-b", true, S | O, "N",
        "prompt tokens per forward pass"},
    [IEF_QUEUE] = {IEF_QUEUE, "--queue", NULL, true, S, "N",
        "requests waiting for a slot before 503"},
    [IEF_CACHE_K] = {IEF_CACHE_K, "--cache-k", "-ctk", true, S | O, "T",
        "K cache type: f32 f16 q8_0 q4_0"},
    [IEF_CACHE_V] = {IEF_CACHE_V, "--cache-v", "-ctv", true, S | O, "T",
        "V cache type"},
    [IEF_API_KEY_FILE] = {IEF_API_KEY_FILE, "--api-key-file", NULL, true, S, "FILE",
        "require 'Authorization: Bearer <key>'"},
    [IEF_CHAT_TEMPLATE] = {IEF_CHAT_TEMPLATE, "--chat-template", NULL, true, S, "T",
        "chatml, llama3, mistral or gemma (default: from the GGUF)"},
    [IEF_CORS_ORIGIN] = {IEF_CORS_ORIGIN, "--cors-origin", NULL, true, S, "ORIGIN",
        "allow browser requests from ORIGIN (repeatable; \"*\" = any; default: CORS off)"},
    [IEF_METRICS] = {IEF_METRICS, "--metrics", NULL, false, S, NULL,
        "serve /metrics"},
    [IEF_NO_METRICS] = {IEF_NO_METRICS, "--no-metrics", NULL, false, S, NULL,
        "do not serve /metrics"},
    [IEF_MAX_BODY] = {IEF_MAX_BODY, "--max-body", NULL, true, S, "BYTES",
        "request body limit"},
    [IEF_TIMEOUT] = {IEF_TIMEOUT, "--timeout", NULL, true, S, "S",
        "idle connection timeout"},
    [IEF_SHUTDOWN_TIMEOUT] = {IEF_SHUTDOWN_TIMEOUT, "--shutdown-timeout", NULL, true, S, "S",
        "grace for running requests on SIGTERM"},
    [IEF_HEADER_TIMEOUT] = {IEF_HEADER_TIMEOUT, "--header-timeout", NULL, true, S, "S",
        "request line to end of headers"},
    [IEF_BODY_TIMEOUT] = {IEF_BODY_TIMEOUT, "--body-timeout", NULL, true, S, "S",
        "end of headers to end of body"},
    [IEF_ALLOW_HOST] = {IEF_ALLOW_HOST, "--allow-host", NULL, true, S, "NAME",
        "a Host name served besides the bind address (repeatable)"},
    [IEF_REASONING_FORMAT] = {IEF_REASONING_FORMAT, "--reasoning-format", NULL, true, S, "F",
        "deepseek (thinking in reasoning_content; also auto), none (left in content) or deepseek-legacy (both)"},
    [IEF_PROMPT] = {IEF_PROMPT, "--prompt", "-p", true, O, "TEXT",
        "the prompt (with --bench: the prompt length in tokens)"},
    [IEF_TOKENS] = {IEF_TOKENS, "--tokens", NULL, true, O, "IDS",
        "the prompt as comma-separated token ids (1,2,3)"},
    [IEF_N_PREDICT] = {IEF_N_PREDICT, "--n-predict", "-n", true, O, "N",
        "tokens to generate"},
    [IEF_TEMP] = {IEF_TEMP, "--temp", NULL, true, O, "X",
        "sampling temperature (0 = greedy)"},
    [IEF_TOP_K] = {IEF_TOP_K, "--top-k", NULL, true, O, "K",
        "top-k filter (0 = off)"},
    [IEF_TOP_P] = {IEF_TOP_P, "--top-p", NULL, true, O, "P",
        "top-p filter (1 = off)"},
    [IEF_MIN_P] = {IEF_MIN_P, "--min-p", NULL, true, O, "P",
        "min-p filter (0 = off)"},
    [IEF_REPEAT_PENALTY] = {IEF_REPEAT_PENALTY, "--repeat-penalty", NULL, true, O, "R",
        "llama.cpp-style penalty on distinct recent tokens"},
    [IEF_REPEAT_LAST_N] = {IEF_REPEAT_LAST_N, "--repeat-last-n", NULL, true, O, "N",
        "recent tokens the repeat penalty looks at"},
    [IEF_SEED] = {IEF_SEED, "--seed", NULL, true, O, "S",
        "xoshiro256** seed: same seed, same output"},
    [IEF_DUMP_PROBS] = {IEF_DUMP_PROBS, "--dump-probs", NULL, true, O, "FILE",
        "after the prompt, write the next-token probabilities to FILE (JSON)"},
    [IEF_TIMINGS] = {IEF_TIMINGS, "--timings", NULL, false, O, NULL,
        "print prompt and generation tokens/s and peak RSS to stderr"},
    [IEF_TOKENIZE] = {IEF_TOKENIZE, "--tokenize", NULL, false, O, NULL,
        "print the prompt's token ids as a JSON array and exit"},
    [IEF_GREEDY_IDS] = {IEF_GREEDY_IDS, "--greedy-ids", NULL, false, O, NULL,
        "generate greedily and print the ids as a JSON array"},
    [IEF_BENCH] = {IEF_BENCH, "--bench", NULL, false, O, NULL,
        "measure prompt processing and generation speed"},
    /* llama-bench's -d, --n-depth */
    [IEF_DEPTH] = {IEF_DEPTH, "--depth", "-d", true, O, "N",
        "with --bench: fill N tokens of context first (untimed), as llama-bench -d does"},
};

const ie_flag *ie_flag_get(ie_flag_id id)
{
    return &flags[(unsigned)id < IEF_COUNT ? id : IEF_HELP];
}

const ie_flag *ie_flag_find(const char *arg, unsigned mode)
{
    if (!arg)
        return NULL;
    for (size_t i = 0; i < IEF_COUNT; i++)
        if ((flags[i].modes & mode) &&
            (!strcmp(arg, flags[i].long_name) || (flags[i].short_name && !strcmp(arg, flags[i].short_name))))
            return &flags[i];
    return NULL;
}

/* --help's layout: two spaces, the names in a column this wide, a space,
 * then the help; continuation lines start under the help. */
#define NAME_WIDTH 20
#define LINE_WIDTH 79

void ie_flags_usage(FILE *out, unsigned mode, ie_flag_default_fn default_of)
{
    const int indent = 2 + NAME_WIDTH;
    for (size_t i = 0; i < IEF_COUNT; i++) {
        const ie_flag *f = &flags[i];
        if (!(f->modes & mode))
            continue;
        char name[64], def[128] = "", text[512];
        snprintf(name, sizeof name, "%s%s%s%s%s", f->short_name ? f->short_name : "",
                 f->short_name ? ", " : "", f->long_name, f->metavar ? " " : "",
                 f->metavar ? f->metavar : "");
        if (default_of && default_of(f->id, def, sizeof def))
            snprintf(text, sizeof text, "%s (default %s)", f->help, def);
        else
            snprintf(text, sizeof text, "%s", f->help);
        int col = fprintf(out, "  %-*s", NAME_WIDTH, name);
        if (col > indent)
            col = fprintf(out, "\n%*s", indent, "") - 1;
        bool first = true;
        for (const char *p = text; *p;) {
            int w = (int)strcspn(p, " ");
            if (!first && col + 1 + w > LINE_WIDTH)
                col = fprintf(out, "\n%*s", indent, "") - 1;
            col += fprintf(out, " %.*s", w, p);
            first = false;
            p += w;
            while (*p == ' ')
                p++;
        }
        fputc('\n', out);
    }
}
