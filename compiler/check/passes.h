/* Internal to the checks: the shared context and one function per check
 * file. Order matters: service_values judges the values together,
 * references resolve host_ref/model_ref, the model
 * pass resolves shapes, resolve applies defaults and estimates memory; the
 * remaining checks read those. */
#ifndef INFRAC_CHECK_PASSES_H
#define INFRAC_CHECK_PASSES_H

#include <stddef.h>
#include <stdint.h>

#include "check/check.h"

typedef struct check_ctx {
    fleet *f;
    diag_list *d;
    const char *fleet_dir;
    check_result *r;
    /* services grouped by host: host h owns by_host[host_start[h] .. host_start[h+1]) */
    uint32_t *by_host;
    uint32_t *host_start;
    /* services grouped by GPU: GPU g of host h is flat index r->gpu_base[h] + g;
     * its users are gpu_users[gpu_user_start[i] .. gpu_user_start[i+1]) */
    uint32_t n_flat_gpus;
    uint32_t *gpu_users;
    uint32_t *gpu_user_start;
    bool *gpu_overclaimed;    /* per flat GPU: vLLM claims sum past 1 (E0505 says it; VRAM stays quiet) */
    size_t n_lowering_diags;  /* diagnostics reported before the checks ran */
    bool *values_refused;     /* per service: check_service_values refused a value (not estimated) */
} check_ctx;

void check_gpu_values(check_ctx *c);
void check_service_values(check_ctx *c);
void check_references(check_ctx *c);
void check_models(check_ctx *c);
/* After check_models: the models of engine: infrac services are ones it runs. */
void check_engine_models(check_ctx *c);
void check_resolve(check_ctx *c);
void check_ports(check_ctx *c);
void check_exposure(check_ctx *c);
void check_model_fit(check_ctx *c);
void check_speculative(check_ctx *c);
/* speculative.c: whether the service's draft is one the estimate counts (llama.cpp or vLLM, loaded,
 * placed on one of its GPUs, same vocabulary); check_speculative reports why not. */
bool service_draft_counted(const fleet_service *s, const service_config *cfg);
/* Whether the model's own MTP layers draft (llama.cpp --spec-type draft-mtp, vLLM method mtp). */
bool service_spec_mtp(const fleet_service *s, const service_config *cfg);
/* llama.cpp: the recurrent-state rollback rows a drafter needs (common.h need_n_rs_seq), 0 for none. */
uint32_t service_spec_rollback(const fleet_service *s, const service_config *cfg);
void check_vram(check_ctx *c);
/* host_tuning.c: cpu_affinity against the host's CPUs (E0804), threads against them (W0801). */
void check_host_tuning(check_ctx *c);
/* platform.c: keys a Kubernetes host (LLMKube) cannot honour (E0805). */
void check_platform(check_ctx *c);
/* platform_macos.c: what a Mac (launchd, Metal, unified memory) can run (E0806, E0807, E0808). */
void check_platform_macos(check_ctx *c);
void check_host_ram(check_ctx *c);

/* resolve.c: the service's one resolved configuration (defaults applied);
 * extra_args' list is allocated in ar. */
struct arena;
void service_config_resolve(const fleet_service *s, service_config *cfg, struct arena *ar);

/* One service's share of a GPU's memory (slot: its index in the estimate's
 * GPUs) or of its host's RAM (slot -1). */
typedef struct mem_share {
    uint32_t svc;
    int slot;
    uint64_t bytes;
    bool counted;   /* false: a smaller member of an exclusive group */
} mem_share;

/* Sizes reach 1e18 bytes each: sums saturate instead of wrapping, so twenty
 * huge services never add up to "fits". */
static inline uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* Helpers (check_util.c). */
/* Marks which shares count: all outside exclusive groups, the largest of
 * each group (the first declared on ties). Returns the peak: their sum. */
uint64_t count_exclusive_peak(const fleet *f, mem_share *sh, uint32_t n);
/* "15.48 GiB" or "512 MiB": a human size, deterministic ("more than" for a saturated sum). */
const char *fmt_bytes(uint64_t bytes, char *buf, size_t len);
/* A GPU's usable memory on host h (fleet_gpu_usable_bytes); 0 = unknown. */
uint64_t gpu_usable_bytes(const fleet_host *h, const fleet_gpu *g);
const char *gpu_display_model(const fleet_gpu *g);
uint32_t host_index(const fleet *f, const fleet_host *h);
/* The span to report a service-level problem at: the value if written, else the service. */
src_span span_or(src_span value, src_span fallback);
/* Whether the lowering reported an error inside span `in` (a value it
 * refused there is unset now, not missing). */
bool lowering_error_within(const check_ctx *c, src_span in);
/* Position of device index gpu in the service's gpus list, or -1. */
int service_gpu_slot(const fleet_service *s, uint32_t gpu);

#endif
