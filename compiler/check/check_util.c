/* Small helpers shared by the checks. */
#include <stdio.h>
#include <string.h>

#include "check/passes.h"
#include "estimate/engine_defaults.h"

const char *fmt_bytes(uint64_t bytes, char *buf, size_t len) {
    if (bytes == UINT64_MAX) /* a saturated sum (sat_add) */
        snprintf(buf, len, "more than %.2f GiB", (double)bytes / (double)GIB);
    else if (bytes >= GIB)
        snprintf(buf, len, "%.2f GiB", (double)bytes / (double)GIB);
    else
        snprintf(buf, len, "%llu MiB", (unsigned long long)((bytes + MIB / 2) / MIB));
    return buf;
}

uint64_t gpu_usable_bytes(const fleet_host *h, const fleet_gpu *g) { return fleet_gpu_usable_bytes(h, g); }

const char *gpu_display_model(const fleet_gpu *g) {
    if (g->model.set && g->model.v) return g->model.v;
    if (g->name.set && g->name.v) return g->name.v;
    return "custom GPU";
}

uint64_t fleet_vram_margin(const fleet *f) {
    return (f->vram_margin.set || f->vram_margin.v) ? f->vram_margin.v : FLEET_DEFAULT_VRAM_MARGIN;
}

uint64_t fleet_ram_margin(const fleet *f) {
    return (f->ram_margin.set || f->ram_margin.v) ? f->ram_margin.v : FLEET_DEFAULT_RAM_MARGIN;
}

uint32_t host_index(const fleet *f, const fleet_host *h) { return (uint32_t)(h - f->hosts); }

src_span span_or(src_span value, src_span fallback) { return span_valid(value) ? value : fallback; }

int service_gpu_slot(const fleet_service *s, uint32_t gpu) {
    for (uint32_t i = 0; i < s->n_gpus; i++)
        if (s->gpus[i].v >= 0 && (uint64_t)s->gpus[i].v == gpu) return (int)i;
    return -1;
}

static bool span_before(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2) {
    return l1 < l2 || (l1 == l2 && c1 <= c2);
}

bool lowering_error_within(const check_ctx *c, src_span in) {
    if (!span_valid(in)) return false;
    for (size_t i = 0; i < c->n_lowering_diags && i < c->d->n; i++) {
        const diagnostic *d = c->d->items[i];
        if (d->severity == DIAG_ERROR && span_valid(d->at) && span_before(in.line, in.col, d->at.line, d->at.col) &&
            span_before(d->at.line, d->at.col, in.end_line, in.end_col))
            return true;
    }
    return false;
}

uint64_t count_exclusive_peak(const fleet *f, mem_share *sh, uint32_t n) {
    /* Sort-free: the services of one GPU or host are few. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const fleet_service *s = &f->services[sh[i].svc];
        sh[i].counted = true;
        if (!(s->exclusive.set && s->exclusive.v)) continue;
        for (uint32_t j = 0; j < n; j++) {
            if (j == i) continue;
            const fleet_service *o = &f->services[sh[j].svc];
            if (!(o->exclusive.set && o->exclusive.v) || strcmp(o->exclusive.v, s->exclusive.v) != 0) continue;
            if (sh[j].bytes > sh[i].bytes || (sh[j].bytes == sh[i].bytes && j < i)) {
                sh[i].counted = false;
                break;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (sh[i].counted) total = sat_add(total, sh[i].bytes);
    return total;
}
