/* infrac-engine's command-line flags, in one table: the engine's parsers
 * (engine/server/options.c for serving, engine/cli/options.c for one-shot
 * runs) match argv against it, and the compiler (schema/engine_flags.c)
 * takes the spellings it writes and refuses in extra_args from it. A flag
 * renamed here is renamed for both at once, and both usages (--help) are
 * printed from it by ie_flags_usage. */
#ifndef INFRAC_INFRAC_ENGINE_FLAGS_H
#define INFRAC_INFRAC_ENGINE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum ie_flag_id {
    IEF_HELP, IEF_VERSION,
    /* serving (and the model's settings one-shot runs share) */
    IEF_CONFIG, IEF_SERVE, IEF_MODEL, IEF_ALIAS, IEF_HOST, IEF_PORT, IEF_PARALLEL, IEF_CONTEXT,
    IEF_THREADS, IEF_BATCH, IEF_QUEUE, IEF_CACHE_K, IEF_CACHE_V, IEF_API_KEY_FILE, IEF_CHAT_TEMPLATE,
    IEF_CORS_ORIGIN,
    IEF_METRICS, IEF_NO_METRICS, IEF_MAX_BODY, IEF_TIMEOUT, IEF_SHUTDOWN_TIMEOUT,
    IEF_HEADER_TIMEOUT, IEF_BODY_TIMEOUT, IEF_ALLOW_HOST, IEF_REASONING_FORMAT,
    /* one-shot runs */
    IEF_PROMPT, IEF_TOKENS, IEF_N_PREDICT, IEF_TEMP, IEF_TOP_K, IEF_TOP_P, IEF_MIN_P,
    IEF_REPEAT_PENALTY, IEF_REPEAT_LAST_N, IEF_SEED, IEF_DUMP_PROBS, IEF_TIMINGS, IEF_TOKENIZE,
    IEF_GREEDY_IDS, IEF_BENCH, IEF_DEPTH,
    IEF_COUNT
} ie_flag_id;

/* Which parser reads a flag. */
enum ie_flag_mode { IEF_SERVER = 1 << 0, IEF_ONESHOT = 1 << 1 };

typedef struct ie_flag {
    ie_flag_id id;
    const char *long_name;  /* "--context" */
    const char *short_name; /* "-c", or NULL */
    bool takes_value;       /* the next word is its value */
    unsigned modes;         /* IEF_SERVER | IEF_ONESHOT */
    const char *metavar;    /* the value's word in --help ("N"), NULL when none */
    const char *help;       /* its --help line, without the default */
} ie_flag;

/* The table row of id (every id has one). */
const ie_flag *ie_flag_get(ie_flag_id id);
/* The flag arg spells (long or short name, exactly) among those mode
 * reads, or NULL. */
const ie_flag *ie_flag_find(const char *arg, unsigned mode);

/* Writes a flag's default into buf (n bytes) and returns true, or returns
 * false when its help shows none. */
typedef bool (*ie_flag_default_fn)(ie_flag_id id, char *buf, size_t n);
/* Prints a row for every flag mode reads, in table order: its names and
 * value word, then its help and "(default X)" from default_of (which each
 * parser takes from the values it starts from), wrapped to 79 columns. */
void ie_flags_usage(FILE *out, unsigned mode, ie_flag_default_fn default_of);

#endif
