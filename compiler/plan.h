/* The checked plan: the fleet after every check passed, fully resolved
 * (defaults applied, references followed, memory estimated). The targets
 * (systemd units, scripts, engine configs, plan.json) read only this.
 * All strings and arrays live in the plan's arena: plan_free releases them. */
#ifndef INFRAC_PLAN_H
#define INFRAC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "estimate/estimate.h"

typedef struct plan_host plan_host;

typedef struct plan_service {
    const char *name;
    const plan_host *host;
    engine_kind engine;
    const char *model;            /* model name in the fleet */
    const char *model_path;       /* where the GGUF lives on the host */
    uint64_t model_file_bytes;    /* expected size of model_path; 0 = unknown */
    const char *bind;             /* address to listen on */
    uint16_t port;
    uint32_t context, parallel, batch, ubatch, threads; /* threads 0 = engine default */
    uint32_t max_num_batched_tokens; /* vLLM; 0 = not set */
    uint32_t cache_k, cache_v;    /* ggml type ids */
    bool flash_attn;
    int32_t gpu_layers;           /* -1 = all */
    uint32_t cpu_moe_layers;
    bool swa_full;
    bool kv_unified;              /* llama.cpp -kvu: slots share one KV cache */
    bool cache_ram_set;           /* llama.cpp --cache-ram given (else engine default) */
    uint64_t cache_ram_bytes;     /* host-RAM prompt cache; 0 with cache_ram_set = off */
    uint32_t n_gpus;
    uint32_t gpus[EST_MAX_GPUS];  /* device indexes on the host */
    bool amd;                     /* its GPUs are AMD's: ROCm/HIP device nodes and tools */
    double tensor_split[EST_MAX_GPUS]; /* all 0 = engine default (even) */
    double gpu_memory_utilization;     /* vLLM: the claim the plan checked */
    const char *api_key_file;     /* NULL = no key */
    const char *exclusive;        /* exclusive group or NULL */
    bool autostart;
    const char *alias;            /* served model name (-a / --served-model-name) */
    const char *load_mode;        /* llama.cpp -lm: NULL = engine default, "mlock", ... */
    bool metrics;
    const char *restart;          /* systemd Restart=: "on-failure" by default */
    uint32_t restart_sec;
    const char *user;             /* declared user, or NULL for DynamicUser */
    const char *chat_template;    /* override, or NULL */
    /* speculative decoding (llama.cpp): draft_path NULL = none */
    const char *draft;            /* draft model name in the fleet */
    const char *draft_path;
    int32_t draft_slot;           /* position in gpus[] of the draft's GPU; -1 = follows the model */
    int32_t draft_gpu_layers;     /* -1 = all */
    uint32_t draft_cache;         /* ggml id, K and V (draft model or MTP context) */
    bool draft_cache_set;         /* write the draft cache flags */
    const char *spec_type;        /* NULL = engine default */
    uint32_t spec_draft_n_max, spec_draft_n_min; /* 0 = engine default (n_min: only when set) */
    bool spec_draft_n_min_set;
    const char *const *extra_args;
    uint32_t n_extra_args;
    estimate_result memory;       /* per GPU (in gpus[] order) and host */
} plan_service;

typedef struct plan_gpu {
    uint32_t index;
    const char *model;            /* catalog id, or custom name, or NULL */
    const char *vendor;           /* "nvidia" or "amd" */
    uint64_t usable_bytes;
    uint64_t margin_bytes;
    uint64_t peak_bytes;          /* worst case of what can be resident together */
} plan_gpu;

struct plan_host {
    const char *name;
    const char *address;          /* NULL when not given */
    uint64_t memory_bytes;        /* 0 = not declared */
    uint32_t cpus;
    uint32_t n_gpus;
    plan_gpu *gpus;
    uint64_t ram_peak_bytes;
    uint32_t n_services;
    const plan_service **services; /* sorted by name */
    uint32_t n_reserved_ports;
    const uint16_t *reserved_ports;
    uint16_t llama_swap_port;     /* 0 = no llama-swap on this host */
    uint32_t llama_swap_ttl;      /* seconds; 0 = never unload */
};

typedef struct plan {
    const char *fleet;            /* fleet name */
    const char *source_path;      /* the fleet file as given */
    char source_sha256[65];       /* hex digest of the fleet file's bytes */
    uint32_t n_hosts;
    plan_host *hosts;             /* sorted by name */
    uint32_t n_services;
    plan_service *services;       /* sorted by name */
    void *arena;                  /* owner of everything above */
} plan;

void plan_free(plan *p);

#endif
