/* infrac-engine's flags (see infrac_engine_flags.h). Short names follow
 * llama-server's where the meaning is the same (llama.cpp common/arg.cpp). */
#include "infrac_engine_flags.h"

#include <stddef.h>
#include <string.h>

#define S IEF_SERVER
#define O IEF_ONESHOT

static const ie_flag flags[IEF_COUNT] = {
    [IEF_HELP] = {IEF_HELP, "--help", "-h", false, O},
    [IEF_VERSION] = {IEF_VERSION, "--version", NULL, false, O},
    [IEF_CONFIG] = {IEF_CONFIG, "--config", NULL, true, S},
    [IEF_SERVE] = {IEF_SERVE, "--serve", NULL, false, S},
    [IEF_MODEL] = {IEF_MODEL, "--model", "-m", true, S | O},
    [IEF_ALIAS] = {IEF_ALIAS, "--alias", "-a", true, S},
    [IEF_HOST] = {IEF_HOST, "--host", NULL, true, S},
    [IEF_PORT] = {IEF_PORT, "--port", NULL, true, S},
    [IEF_PARALLEL] = {IEF_PARALLEL, "--parallel", "-np", true, S},
    [IEF_CONTEXT] = {IEF_CONTEXT, "--context", "-c", true, S | O},
    [IEF_THREADS] = {IEF_THREADS, "--threads", "-t", true, S | O},
    [IEF_BATCH] = {IEF_BATCH, "--batch", "-b", true, S | O},
    [IEF_QUEUE] = {IEF_QUEUE, "--queue", NULL, true, S},
    [IEF_CACHE_K] = {IEF_CACHE_K, "--cache-k", "-ctk", true, S | O},
    [IEF_CACHE_V] = {IEF_CACHE_V, "--cache-v", "-ctv", true, S | O},
    [IEF_API_KEY_FILE] = {IEF_API_KEY_FILE, "--api-key-file", NULL, true, S},
    [IEF_CHAT_TEMPLATE] = {IEF_CHAT_TEMPLATE, "--chat-template", NULL, true, S},
    [IEF_CORS_ORIGIN] = {IEF_CORS_ORIGIN, "--cors-origin", NULL, true, S},
    [IEF_METRICS] = {IEF_METRICS, "--metrics", NULL, false, S},
    [IEF_NO_METRICS] = {IEF_NO_METRICS, "--no-metrics", NULL, false, S},
    [IEF_MAX_BODY] = {IEF_MAX_BODY, "--max-body", NULL, true, S},
    [IEF_TIMEOUT] = {IEF_TIMEOUT, "--timeout", NULL, true, S},
    [IEF_SHUTDOWN_TIMEOUT] = {IEF_SHUTDOWN_TIMEOUT, "--shutdown-timeout", NULL, true, S},
    [IEF_HEADER_TIMEOUT] = {IEF_HEADER_TIMEOUT, "--header-timeout", NULL, true, S},
    [IEF_BODY_TIMEOUT] = {IEF_BODY_TIMEOUT, "--body-timeout", NULL, true, S},
    [IEF_ALLOW_HOST] = {IEF_ALLOW_HOST, "--allow-host", NULL, true, S},
    [IEF_REASONING_FORMAT] = {IEF_REASONING_FORMAT, "--reasoning-format", NULL, true, S},
    [IEF_PROMPT] = {IEF_PROMPT, "--prompt", "-p", true, O},
    [IEF_TOKENS] = {IEF_TOKENS, "--tokens", NULL, true, O},
    [IEF_N_PREDICT] = {IEF_N_PREDICT, "--n-predict", "-n", true, O},
    [IEF_TEMP] = {IEF_TEMP, "--temp", NULL, true, O},
    [IEF_TOP_K] = {IEF_TOP_K, "--top-k", NULL, true, O},
    [IEF_TOP_P] = {IEF_TOP_P, "--top-p", NULL, true, O},
    [IEF_MIN_P] = {IEF_MIN_P, "--min-p", NULL, true, O},
    [IEF_REPEAT_PENALTY] = {IEF_REPEAT_PENALTY, "--repeat-penalty", NULL, true, O},
    [IEF_REPEAT_LAST_N] = {IEF_REPEAT_LAST_N, "--repeat-last-n", NULL, true, O},
    [IEF_SEED] = {IEF_SEED, "--seed", NULL, true, O},
    [IEF_DUMP_PROBS] = {IEF_DUMP_PROBS, "--dump-probs", NULL, true, O},
    [IEF_TIMINGS] = {IEF_TIMINGS, "--timings", NULL, false, O},
    [IEF_TOKENIZE] = {IEF_TOKENIZE, "--tokenize", NULL, false, O},
    [IEF_GREEDY_IDS] = {IEF_GREEDY_IDS, "--greedy-ids", NULL, false, O},
    [IEF_BENCH] = {IEF_BENCH, "--bench", NULL, false, O},
    /* llama-bench's -d, --n-depth */
    [IEF_DEPTH] = {IEF_DEPTH, "--depth", "-d", true, O},
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
