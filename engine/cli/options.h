/* infrac-engine command-line options, parsed into one struct so that other
 * modes (serving, --config) can add their flags next to these. */
#ifndef INFRAC_ENGINE_CLI_OPTIONS_H
#define INFRAC_ENGINE_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

typedef struct cli_options {
    const char *model;
    const char *prompt;
    int32_t *tokens; /* --tokens (malloc'ed), n_tokens of them */
    size_t n_tokens;
    int32_t n_predict;
    uint32_t n_threads, n_ctx, n_batch;
    uint32_t cache_k, cache_v;
    ie_sampler_params sampling;
    bool timings, tokenize_only, greedy_ids;
    bool bench;            /* --bench: -p is a prompt length in tokens */
    uint32_t bench_prompt;
    uint32_t bench_depth;  /* --depth: tokens in the cache before pp / tg are timed */
    const char *dump_probs;
} cli_options;

void cli_options_default(cli_options *o);
void cli_options_free(cli_options *o);
/* 0, 1 after printing help, or -1 with a message in err. */
int cli_options_parse(cli_options *o, int argc, char **argv, char *err, size_t errlen);
void cli_usage(FILE *f);

#endif
