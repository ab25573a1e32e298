/* One service, resolved: every option with its default applied, once, by
 * the resolver (check/resolve.c) from the per-engine table
 * (estimate/engine_defaults.c). The checks, the estimator (through `mem`),
 * the plan, the target writers and `infrac estimate` all read this struct;
 * nobody copies its fields into one of their own. Where each value was
 * written stays on the lowered service (fleet.h's fl_* values, which the
 * checks report at). Strings are borrowed from the fleet until the plan
 * takes its own copies (plan.c). */
#ifndef INFRAC_SERVICE_CONFIG_H
#define INFRAC_SERVICE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "estimate/estimate.h"
#include "gpu_api.h"

/* One environment variable of the engine process. */
typedef struct service_env {
    const char *name;
    const char *value;
} service_env;

typedef struct service_config {
    /* What the memory depends on, exactly as the estimator reads it:
     * engine, context, parallel, batch, ubatch, threads, cache types (ggml
     * ids or CACHE_*), flash attention, GPUs and split, GPU layers, CPU MoE
     * layers, SWA, unified KV, prompt cache (llama.cpp only, else 0), vLLM's
     * claim (vLLM only, else 0), and the placement (usable bytes, runtime
     * overhead, host CPUs). Filled from estimate_request_defaults(), so it
     * is compared bytewise by the estimate memo. */
    estimate_request mem;
    bool context_defaulted;        /* the file gave no context: the trained one, capped */
    uint32_t gpus[EST_MAX_GPUS];   /* device indexes on the host, mem.n_gpus of them */
    gpu_api gpu_api;               /* how the engine drives them (fleet_service_gpu_api); GPU_API_NONE without GPUs */
    const char *bind;              /* address to listen on */
    uint16_t port;
    uint32_t max_num_batched_tokens; /* vLLM's key as written; 0 = not set (mem.batch holds the value used) */
    bool cache_ram_set;            /* llama.cpp --cache-ram written out (the RAM check counted mem.cache_ram_bytes) */
    const char *api_key_file;      /* NULL = no key */
    const char *exclusive;         /* exclusive group or NULL */
    bool swap_ttl_set;             /* swap_ttl given: llama-swap's ttl for this model */
    uint32_t swap_ttl;             /* seconds; 0 = never unload */
    bool autostart;
    const char *alias;             /* served model name: alias:, else the model's name */
    const char *load_mode;         /* llama.cpp -lm: NULL = engine default; `mlock: true` alone: mmap+mlock */
    bool metrics;
    const char *restart;           /* systemd Restart= */
    uint32_t restart_sec;
    const char *user;              /* declared user, or NULL for DynamicUser */
    const char *chat_template;     /* the service's, else the model's, else NULL */
    /* speculative decoding (llama.cpp) */
    bool draft_counted;            /* a draft model runs with it and its memory is counted */
    const char *draft;             /* draft model name when counted, else NULL */
    int32_t draft_slot;            /* position in gpus[] of the draft's GPU; -1 = follows the model */
    int32_t draft_gpu_layers;      /* -1 = all */
    uint32_t draft_cache;          /* ggml id, K and V (draft model or MTP context) */
    bool draft_cache_set;          /* write the draft cache flags */
    const char *spec_type;         /* NULL = engine default */
    uint32_t spec_draft_n_max, spec_draft_n_min; /* 0 = engine default */
    bool spec_draft_n_min_set;
    const char *const *extra_args;
    uint32_t n_extra_args;
    /* the declared build (engines:) */
    const char *engine_build;      /* its name, or NULL for the kind's */
    const char *engine_version;    /* its version, or NULL */
    const char *binary;            /* its binary on this host; NULL = the kind's on the PATH */
    const service_env *env;        /* the build's env, then the service's (which overrides a name) */
    uint32_t n_env;
    const char *cache_k_name, *cache_v_name; /* as the engine's flags spell them (a build's own types too) */
    /* host tuning */
    const char *cpu_affinity;      /* CPUAffinity= form ("0-7 16-23"), or NULL */
    const char *cpu_mask;          /* llama.cpp --cpu-mask (hex), or NULL */
    const char *numa;              /* llama.cpp --numa, or NULL */
    const char *const *after, *const *requires, *const *wants; /* systemd unit names */
    uint32_t n_after, n_requires, n_wants;
    const char *const *allow_hosts; /* infrac: Host names served besides the bind address */
    uint32_t n_allow_hosts;         /* 0 on other engines (W0210 told them) */
    const char *const *allow_clients; /* IPAddressAllow= besides localhost (systemd IP filter) */
    uint32_t n_allow_clients;
    const char *const *cors_origins; /* infrac-engine --cors-origin */
    uint32_t n_cors_origins;
} service_config;

/* Every default of a service of this engine, from the per-engine table
 * (estimate/engine_defaults.c): the resolver starts from it, and so does
 * `infrac estimate`, so both give the same numbers for the same service. */
void service_config_defaults(service_config *cfg, engine_kind engine);

/* Its restart policy: cfg->restart, else the default (SERVICE_DEFAULT_RESTART). */
const char *service_restart(const service_config *cfg);
/* A service's context when the file gives none: the model's trained
 * context, at most SERVICE_DEFAULT_CONTEXT_CAP (the cap when unknown). */
uint32_t service_default_context(uint32_t n_ctx_train);

#endif
