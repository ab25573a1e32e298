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
#include "service_config.h"

/* Defaults, the fleet's margins too, live in estimate/engine_defaults.h. */
#define CHECK_MIN_SLOT_CONTEXT 1024u

/* One service, resolved (service_config.h), and its memory estimate. */
typedef struct service_eval {
    service_config cfg;
    /* the estimate, when estimated: shared by services whose model and
     * request are identical (a fleet of identical nodes estimates once);
     * a counted draft (cfg.draft_counted) travels in cfg.mem, so est holds
     * the model's and the draft's memory */
    bool estimated;
    const estimate_result *est;
} service_eval;

typedef struct check_result {
    service_eval *svc;                /* one per fleet service, same order */
    uint32_t n_svc;
    uint64_t *gpu_peak;               /* per host, per GPU: flattened, host-major */
    uint32_t *gpu_base;               /* index of each host's first GPU in gpu_peak */
    uint64_t *ram_peak;               /* per host */
    void *estimates;                  /* owner of the estimate_results */
} check_result;

/* checks.vram_margin / ram_margin, else the defaults above. */
uint64_t fleet_vram_margin(const fleet *f);
uint64_t fleet_ram_margin(const fleet *f);

/* Runs every check. fleet_dir is the directory `gguf:` paths are relative
 * to. Always fills *out (free with check_result_free). */
void check_fleet(fleet *f, const char *fleet_dir, diag_list *d, check_result *out);
void check_result_free(check_result *r);
/* Frees what the model pass attached to the fleet (resolved shapes' tensor
 * tables); call before fleet_free. Idempotent. */
void check_fleet_release(fleet *f);

#endif
