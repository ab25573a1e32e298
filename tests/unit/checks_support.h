/* A small builder of typed fleets in C, for unit-testing the checks
 * without the YAML front end. Every value gets its own source line (the
 * builder counts), so tests can assert where a diagnostic points. */
#ifndef CHECKS_SUPPORT_H
#define CHECKS_SUPPORT_H

#include "check/check.h"
#include "diag/diag.h"
#include "fleet/fleet.h"

#define CS_MAX_HOSTS 8
#define CS_MAX_GPUS 8
#define CS_MAX_MODELS 8
#define CS_MAX_SERVICES 16

typedef struct cs_fleet {
    fleet f;
    source_file src;
    diag_list d;
    check_result r;
    bool ran;
    uint32_t next_line;
    fleet_host hosts[CS_MAX_HOSTS];
    fleet_gpu gpus[CS_MAX_HOSTS][CS_MAX_GPUS];
    fl_int reserved[CS_MAX_HOSTS][4];
    fleet_model models[CS_MAX_MODELS];
    fleet_service services[CS_MAX_SERVICES];
    fl_int svc_gpus[CS_MAX_SERVICES][EST_MAX_GPUS + 2];
    fl_num svc_split[CS_MAX_SERVICES][EST_MAX_GPUS + 2];
} cs_fleet;

cs_fleet *cs_new(void);
void cs_free(cs_fleet *c);
/* A fresh span on its own line. */
src_span cs_span(cs_fleet *c);

fleet_host *cs_host(cs_fleet *c, const char *name);
fleet_gpu *cs_gpu(cs_fleet *c, fleet_host *h, const char *catalog_id);
fleet_gpu *cs_gpu_custom(cs_fleet *c, fleet_host *h, uint64_t vram);
void cs_reserve_port(cs_fleet *c, fleet_host *h, int64_t port);
void cs_host_memory(cs_fleet *c, fleet_host *h, uint64_t bytes);

/* A dense model of a known architecture. */
fleet_model *cs_model(cs_fleet *c, const char *name, const char *arch, int64_t layers, int64_t embd,
                      int64_t heads, int64_t kv_heads, int64_t ctx_train, uint64_t weights);
fleet_model *cs_model_gguf(cs_fleet *c, const char *name, const char *gguf_path);

fleet_service *cs_service(cs_fleet *c, const char *name, const char *host, const char *model, int64_t port);
void cs_gpus(cs_fleet *c, fleet_service *s, uint32_t n, const int64_t *idx);
void cs_split(cs_fleet *c, fleet_service *s, uint32_t n, const double *shares);
void cs_set_int(cs_fleet *c, fl_int *v, int64_t x);
void cs_set_str(cs_fleet *c, fl_str *v, const char *x);
void cs_set_bool(cs_fleet *c, fl_bool *v, bool x);
void cs_set_num(cs_fleet *c, fl_num *v, double x);
void cs_set_size(cs_fleet *c, fl_size *v, uint64_t x);

/* Runs every check (fleet_dir for gguf paths may be NULL). */
void cs_run(cs_fleet *c, const char *fleet_dir);
size_t cs_count(const cs_fleet *c, const char *code);
/* The n-th diagnostic with this code (0-based), or NULL. */
const diagnostic *cs_find(const cs_fleet *c, const char *code, size_t nth);
/* Every diagnostic "CODE line: message" (for failure messages). */
void cs_dump(const cs_fleet *c);

#endif
