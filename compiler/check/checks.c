/* The checks in order, over a fleet grouped once by host and by GPU so
 * that no check compares services across hosts (linear in the fleet). */
#include <stdlib.h>
#include <string.h>

#include "check/estimate_memo.h"
#include "check/passes.h"

static void group_by_host(check_ctx *c) {
    fleet *f = c->f;
    c->host_start = calloc(f->n_hosts + 1, sizeof *c->host_start);
    c->by_host = malloc(sizeof *c->by_host * (f->n_services ? f->n_services : 1));
    for (uint32_t i = 0; i < f->n_services; i++)
        if (f->services[i].host_ref) c->host_start[host_index(f, f->services[i].host_ref) + 1]++;
    for (uint32_t h = 0; h < f->n_hosts; h++) c->host_start[h + 1] += c->host_start[h];
    uint32_t *fill = malloc(sizeof *fill * (f->n_hosts + 1));
    memcpy(fill, c->host_start, sizeof *fill * (f->n_hosts + 1));
    for (uint32_t i = 0; i < f->n_services; i++)
        if (f->services[i].host_ref) c->by_host[fill[host_index(f, f->services[i].host_ref)]++] = i;
    free(fill);
}

static void group_by_gpu(check_ctx *c) {
    fleet *f = c->f;
    check_result *r = c->r;
    uint32_t n = 0;
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        r->gpu_base[h] = n;
        n += f->hosts[h].n_gpus;
    }
    r->gpu_base[f->n_hosts] = n;
    c->n_flat_gpus = n;
    r->gpu_peak = calloc(n ? n : 1, sizeof *r->gpu_peak);
    c->gpu_user_start = calloc(n + 1, sizeof *c->gpu_user_start);
    c->gpu_overclaimed = calloc(n ? n : 1, sizeof *c->gpu_overclaimed);
    uint64_t uses = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            for (uint32_t i = 0; i < n; i++) c->gpu_user_start[i + 1] += c->gpu_user_start[i];
            c->gpu_users = malloc(sizeof *c->gpu_users * (uses ? uses : 1));
            fill = malloc(sizeof *fill * (n + 1));
            memcpy(fill, c->gpu_user_start, sizeof *fill * (n + 1));
        }
        for (uint32_t i = 0; i < f->n_services; i++) {
            const fleet_service *s = &f->services[i];
            if (!s->host_ref) continue;
            uint32_t h = host_index(f, s->host_ref);
            for (uint32_t k = 0; k < s->n_gpus; k++) {
                int64_t g = s->gpus[k].v;
                if (g < 0 || (uint64_t)g >= s->host_ref->n_gpus) continue;
                if (service_gpu_slot(s, (uint32_t)g) != (int)k) continue; /* listed twice */
                uint32_t flat = r->gpu_base[h] + (uint32_t)g;
                if (pass == 0) {
                    c->gpu_user_start[flat + 1]++;
                    uses++;
                } else {
                    c->gpu_users[fill[flat]++] = i;
                }
            }
        }
        free(fill);
    }
}

void check_fleet(fleet *f, const char *fleet_dir, diag_list *d, check_result *out) {
    memset(out, 0, sizeof *out);
    out->n_svc = f->n_services;
    out->svc = calloc(f->n_services ? f->n_services : 1, sizeof *out->svc);
    out->gpu_base = calloc(f->n_hosts + 1, sizeof *out->gpu_base);
    out->ram_peak = calloc(f->n_hosts ? f->n_hosts : 1, sizeof *out->ram_peak);
    check_ctx c = {.f = f, .d = d, .fleet_dir = fleet_dir, .r = out, .n_lowering_diags = d->n};
    c.values_refused = calloc(f->n_services ? f->n_services : 1, sizeof *c.values_refused);
    check_gpu_values(&c);
    check_service_values(&c);
    check_references(&c);
    check_models(&c);
    check_engine_models(&c);
    group_by_host(&c);
    group_by_gpu(&c);
    check_resolve(&c);
    check_ports(&c);
    check_host_tuning(&c);
    check_platform(&c);
    check_platform_macos(&c);
    check_exposure(&c);
    check_model_fit(&c);
    check_speculative(&c);
    check_vram(&c);
    check_host_ram(&c);
    free(c.by_host);
    free(c.host_start);
    free(c.gpu_users);
    free(c.gpu_user_start);
    free(c.gpu_overclaimed);
    free(c.values_refused);
}

void check_result_free(check_result *r) {
    free(r->svc);
    free(r->gpu_peak);
    free(r->gpu_base);
    free(r->ram_peak);
    estimate_memo_free(r->estimates);
    memset(r, 0, sizeof *r);
}

void check_fleet_release(fleet *f) {
    for (uint32_t i = 0; i < f->n_models; i++) model_shape_free(&f->models[i].shape_resolved);
}
