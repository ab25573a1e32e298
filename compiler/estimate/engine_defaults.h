/* The per-engine defaults: the only place a service default lives. The
 * resolver (check/resolve.c, through service_config_defaults) and `infrac
 * estimate` read this table, and the plan and the build what they resolved,
 * so they agree on the numbers for the same service; the schema's defaults
 * (and so docs/fleet.md) are written from what service_config_defaults()
 * gives (fleet/fleet_schema_defaults.c), and tests/cli/schema_defaults.sh
 * compares them with what `infrac plan` resolves. */
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
    uint32_t cache_type;        /* K and V cache: a ggml id or CACHE_* */
    uint32_t draft_cache_type;  /* a draft model's K and V cache (llama.cpp only) */
} engine_defaults;

const engine_defaults *engine_defaults_get(engine_kind e);

/* llama.cpp's --spec-draft-n-max (common/common.h common_params_speculative_draft n_max). */
#define LLAMACPP_SPEC_DRAFT_N_MAX 3u
/* The --spec-type written for a draft model when the fleet names none:
 * llama-server's default is none (common/common.h speculative.types), and
 * with none it loads the draft, finds no implementation and frees it again
 * (tools/server/server-context.cpp: "no implementations specified for
 * speculative decoding"; measured, tests/data/vram/2026e). */
#define LLAMACPP_DRAFT_SPEC_TYPE "draft-simple"

/* Engine-independent service defaults. */
#define SERVICE_DEFAULT_CONTEXT_CAP 8192u /* the trained context, at most this */
#define SERVICE_DEFAULT_BIND "127.0.0.1"
#define SERVICE_DEFAULT_RESTART "on-failure"
#define SERVICE_DEFAULT_RESTART_SEC 5u

/* Fleet-wide defaults (checks:). */
#define FLEET_DEFAULT_VRAM_MARGIN (512ull * MIB)
#define FLEET_DEFAULT_RAM_MARGIN (1ull * GIB)

#endif
