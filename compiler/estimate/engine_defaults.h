/* The per-engine defaults: the only place a service default lives. The
 * resolver (check/resolve.c), the plan, the build and `infrac estimate` all
 * read this table, so they agree on the numbers for the same service; the
 * schema's default text is checked against it (tests/unit/test_engine_defaults.c). */
#ifndef INFRAC_ENGINE_DEFAULTS_H
#define INFRAC_ENGINE_DEFAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "estimate/estimate.h"

typedef struct engine_defaults {
    uint32_t parallel;          /* llama-server -np / vLLM --max-num-seqs */
    uint32_t batch, ubatch;     /* -b / -ub; vLLM: both --max-num-batched-tokens */
    bool flash_attn;
    uint32_t n_gpus;            /* 0: the engine runs on the CPU */
    double gpu_memory_utilization; /* vLLM's claim; 0 where the engine has none */
    uint64_t cache_ram_bytes;   /* llama-server --cache-ram; 0 where none */
} engine_defaults;

const engine_defaults *engine_defaults_get(engine_kind e);

/* Engine-independent service defaults. */
#define SERVICE_DEFAULT_CONTEXT_CAP 8192u /* the trained context, at most this */
#define SERVICE_DEFAULT_BIND "127.0.0.1"
#define SERVICE_DEFAULT_RESTART "on-failure"
#define SERVICE_DEFAULT_RESTART_SEC 5u

#endif
