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
#include "service_config.h"

typedef struct plan_host plan_host;

typedef struct plan_service {
    const char *name;
    const plan_host *host;
    const char *model;            /* model name in the fleet */
    const char *model_path;       /* where the GGUF lives on the host */
    uint64_t model_file_bytes;    /* expected size of model_path; 0 = unknown */
    const char *draft_path;       /* the draft's GGUF on the host; NULL = no draft model */
    service_config cfg;           /* the resolved options (strings owned by the plan) */
    estimate_result memory;       /* per GPU (in cfg.gpus order) and host */
} plan_service;

typedef struct plan_gpu {
    uint32_t index;
    const char *model;            /* catalog id, or custom name, or NULL */
    const char *vendor;           /* "nvidia", "amd", "intel" or "apple" */
    uint64_t usable_bytes;
    uint64_t margin_bytes;
    uint64_t peak_bytes;          /* worst case of what can be resident together */
} plan_gpu;

struct plan_host {
    const char *name;
    const char *address;          /* NULL when not given */
    uint64_t memory_bytes;        /* 0 = not declared (macos: the Apple chip's unified memory when not) */
    uint32_t cpus;
    uint32_t n_gpus;
    plan_gpu *gpus;
    uint64_t ram_peak_bytes;
    uint32_t n_services;
    const plan_service **services; /* sorted by name */
    uint32_t n_reserved_ports;
    const uint16_t *reserved_ports;
    bool kubernetes;              /* a node of an LLMKube cluster: resources, not units */
    const char *k8s_namespace;    /* kubernetes: the resources' namespace; NULL = kubectl's current one */
    bool macos;                   /* an Apple Silicon Mac: launchd property lists, not units */
    uint64_t gpu_wired_limit_bytes; /* macos: iogpu.wired_limit_mb to set at boot; 0 = macOS's default */
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
