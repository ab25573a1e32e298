/* The semantic checks: what the typed fleet means, checked as a whole
 * (references, model shapes, ports, exposure, model fit, VRAM, host RAM).
 * Every problem is reported at once; nothing stops at the first error.
 * The checks also resolve each service (defaults applied) and estimate its
 * memory once; the plan (plan_build.h) is built from that. See docs/checks.md. */
#ifndef INFRAC_CHECK_H
#define INFRAC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "diag/diag.h"
#include "estimate/estimate.h"
#include "fleet/fleet.h"

/* Fleet-wide defaults; a service's live in estimate/engine_defaults.c. */
#define CHECK_DEFAULT_VRAM_MARGIN (512ull * MIB)
#define CHECK_DEFAULT_RAM_MARGIN (1ull * GIB)
#define CHECK_MIN_SLOT_CONTEXT 1024u

/* One service with every default applied, and its memory estimate. */
typedef struct service_eval {
    engine_kind engine;
    const char *bind;
    uint32_t context, parallel, batch, ubatch, threads;
    uint32_t cache_k, cache_v;        /* fleet ids (ggml ids or CACHE_*) */
    bool flash_attn;
    int32_t gpu_layers;
    uint32_t cpu_moe_layers;
    bool swa_full, kv_unified;
    double utilization;               /* vLLM */
    bool autostart, metrics;
    const char *restart;
    uint32_t restart_sec;
    uint64_t cache_ram;
    bool context_defaulted;
    /* the estimate, when estimated: shared by services whose model and
     * request are identical (a fleet of identical nodes estimates once) */
    bool estimated;
    const estimate_result *est;
    /* a draft model counted with the service: est then points at with_draft,
     * the model's estimate plus the draft's weights, KV and compute */
    bool draft_counted;
    uint32_t draft_cache;             /* ggml id of the draft's K and V cache */
    int32_t draft_gpu_layers;         /* -1 = all */
    estimate_result with_draft;
} service_eval;

typedef struct check_result {
    service_eval *svc;                /* one per fleet service, same order */
    uint32_t n_svc;
    uint64_t *gpu_peak;               /* per host, per GPU: flattened, host-major */
    uint32_t *gpu_base;               /* index of each host's first GPU in gpu_peak */
    uint64_t *ram_peak;               /* per host */
    void *estimates;                  /* owner of the estimate_results */
} check_result;

/* Runs every check. fleet_dir is the directory `gguf:` paths are relative
 * to. Always fills *out (free with check_result_free). */
void check_fleet(fleet *f, const char *fleet_dir, diag_list *d, check_result *out);
void check_result_free(check_result *r);
/* Frees what the model pass attached to the fleet (resolved shapes' tensor
 * tables); call before fleet_free. Idempotent. */
void check_fleet_release(fleet *f);

#endif
