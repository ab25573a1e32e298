/* VRAM: on every GPU, the services that can be resident together must fit
 * its usable memory minus the margin. Every service counts, autostart or
 * not (anything can be started by hand); the services of one exclusive
 * group never run together, so a group counts once, at its largest. On an
 * overcommit the error breaks each share down and searches, with the
 * estimator, for a context or cache type that would fit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/passes.h"
#include "ggml_types.h"

static uint64_t share_with(const fleet_service *s, const service_eval *e, int slot, uint32_t context,
                           uint32_t cache_k, uint32_t cache_v, bool fa, bool *ok) {
    estimate_request r = e->cfg.mem;
    r.context = context;
    r.cache_k = cache_k;
    r.cache_v = cache_v;
    r.flash_attn = fa;
    estimate_result out;
    char err[128];
    if (estimate_memory(&s->model_ref->shape_resolved, &r, &out, err, sizeof err) != 0) {
        *ok = false;
        return 0;
    }
    *ok = true;
    return out.gpu[slot].total;
}

/* The share with the experts of the first n layers in host RAM. */
static uint64_t share_moe(const fleet_service *s, const service_eval *e, int slot, uint32_t n, bool *ok) {
    estimate_request r = e->cfg.mem;
    r.cpu_moe_layers = n;
    estimate_result out;
    char err[128];
    if (estimate_memory(&s->model_ref->shape_resolved, &r, &out, err, sizeof err) != 0) {
        *ok = false;
        return 0;
    }
    *ok = true;
    return out.gpu[slot].total;
}

/* The fewest layers whose experts must stay on the CPU for the share to
 * drop to at most target; 0 when none does. */
static uint32_t search_cpu_moe(const fleet_service *s, const service_eval *e, int slot, uint64_t target) {
    uint32_t n_layer = s->model_ref->shape_resolved.n_layer;
    uint32_t lo = e->cfg.mem.cpu_moe_layers + 1, hi = n_layer, best = 0;
    while (lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        bool ok;
        uint64_t b = share_moe(s, e, slot, mid, &ok);
        if (ok && b <= target) {
            best = mid;
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    return best;
}

/* The largest context (a multiple of 256) at which the service's share
 * drops to at most target; 0 when none. It never suggests what the context
 * checks refuse: above the trained context (without rope scaling), or
 * below 1024 tokens a slot. */
static uint32_t search_context(const fleet_service *s, const service_eval *e, int slot, uint64_t target) {
    uint32_t lo = 1, hi = e->cfg.mem.context / 256; /* in units of 256 */
    const fleet_model *m = s->model_ref;
    uint32_t train = m->shape_resolved.n_ctx_train;
    bool rope = (m->rope_scaling.set && m->rope_scaling.v) || m->shape_resolved.has_rope_scaling;
    if (train && !rope && hi > train / 256) hi = train / 256;
    if (e->cfg.mem.engine == ENGINE_LLAMACPP && e->cfg.mem.parallel > 1 && !e->cfg.mem.kv_unified)
        lo = (e->cfg.mem.parallel * CHECK_MIN_SLOT_CONTEXT + 255) / 256;
    if (hi < lo) return 0;
    uint32_t best = 0;
    while (lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        bool ok;
        uint64_t b = share_with(s, e, slot, mid * 256, e->cfg.mem.cache_k, e->cfg.mem.cache_v, e->cfg.mem.flash_attn, &ok);
        if (ok && b <= target) {
            best = mid * 256;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    if (best >= e->cfg.mem.context) return 0;
    return best;
}

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *used, const char *fmt, ...) {
    if (*used >= len) return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (w > 0) *used += (size_t)w;
    if (*used >= len) *used = len - 1;
}

static void suggest_fix(check_ctx *c, diagnostic *d, mem_share *sh, uint32_t n, uint64_t over) {
    const fleet *f = c->f;
    /* The largest counted llama.cpp/infrac share: where a smaller context helps most. */
    int pick = -1;
    for (uint32_t i = 0; i < n; i++) {
        const service_eval *e = &c->r->svc[sh[i].svc];
        if (!sh[i].counted || e->cfg.mem.engine == ENGINE_VLLM) continue;
        if (pick < 0 || sh[i].bytes > sh[pick].bytes) pick = (int)i;
    }
    char help[600];
    size_t used = 0;
    help[0] = '\0';
    if (pick >= 0) {
        const fleet_service *s = &f->services[sh[pick].svc];
        const service_eval *e = &c->r->svc[sh[pick].svc];
        uint64_t target = sh[pick].bytes > over ? sh[pick].bytes - over : 0;
        uint32_t ctx = search_context(s, e, sh[pick].slot, target);
        if (ctx)
            append(help, sizeof help, &used, "it would fit with `context: %u` on `%s`", ctx, s->name.v);
        if (e->cfg.mem.cache_k == GGML_T_F16 && e->cfg.mem.cache_v == GGML_T_F16 && e->cfg.mem.engine == ENGINE_LLAMACPP) {
            bool ok;
            uint64_t b = share_with(s, e, sh[pick].slot, e->cfg.mem.context, GGML_T_Q8_0, GGML_T_Q8_0, true, &ok);
            if (ok && b <= target)
                append(help, sizeof help, &used, "%s`cache: q8_0` on `%s`",
                       used ? ", or with " : "it would fit with ", s->name.v);
        }
        if (e->cfg.mem.engine == ENGINE_LLAMACPP && s->model_ref->shape_resolved.n_expert > 0) {
            uint32_t n = search_cpu_moe(s, e, sh[pick].slot, target);
            if (n)
                append(help, sizeof help, &used,
                       "%s`cpu_moe_layers: %u` on `%s` (llama.cpp keeps the experts of layers 0-%u in host RAM)",
                       used ? ", or with " : "it would fit with ", n, s->name.v, n - 1);
        }
    }
    uint32_t n_counted = 0;
    for (uint32_t i = 0; i < n; i++) n_counted += sh[i].counted;
    for (uint32_t i = 0; i < n && pick < 0; i++) {
        const service_eval *e = &c->r->svc[sh[i].svc];
        if (sh[i].counted && e->cfg.mem.engine == ENGINE_VLLM) {
            append(help, sizeof help, &used, "lower `gpu_memory_utilization` of `%s`",
                   f->services[sh[i].svc].name.v);
            break;
        }
    }
    if (n_counted > 1)
        append(help, sizeof help, &used, "%sgive services that need not run at the same time one `exclusive:` group",
               used ? "; or " : "");
    if (!used)
        append(help, sizeof help, &used, "offload fewer layers with `gpu_layers`, or use a smaller quantization");
    diag_help(d, "%s", help);
}

static void report(check_ctx *c, uint32_t h, uint32_t g, mem_share *sh, uint32_t n, uint64_t total,
                   uint64_t usable, uint64_t margin) {
    const fleet *f = c->f;
    const fleet_host *host = &f->hosts[h];
    const fleet_gpu *gpu = &host->gpus[g];
    uint64_t limit = usable > margin ? usable - margin : 0;
    char tb[32], ub[32], mb[32], lb[32];
    diagnostic *d = diag_error(c->d, "E0401", span_or(gpu->at, host->name.at),
                               "GPU %u of host `%s` (%s) is overcommitted: %s needed, %s available",
                               g, host->name.v, gpu_display_model(gpu), fmt_bytes(total, tb, sizeof tb),
                               fmt_bytes(limit, lb, sizeof lb));
    for (uint32_t i = 0; i < n; i++) {
        const fleet_service *s = &f->services[sh[i].svc];
        const memory_breakdown *m = &c->r->svc[sh[i].svc].est->gpu[sh[i].slot];
        char w[32], k[32], cb[32], o[32], x[32], t[32];
        char other[64] = "";
        if (m->other) snprintf(other, sizeof other, ", other %s", fmt_bytes(m->other, x, sizeof x));
        const service_eval *e = &c->r->svc[sh[i].svc];
        diag_note(d, span_or(s->name.at, s->at), "`%s` takes %s%s: weights %s, KV cache %s, compute %s, runtime %s%s",
                  s->name.v, fmt_bytes(m->total, t, sizeof t),
                  !sh[i].counted ? " (not counted: a larger member of its exclusive group is)"
                  : !e->cfg.autostart ? " (not started at boot, counted: it can be started by hand)" : "",
                  fmt_bytes(m->weights, w, sizeof w), fmt_bytes(m->kv_cache, k, sizeof k),
                  fmt_bytes(m->compute, cb, sizeof cb), fmt_bytes(m->overhead, o, sizeof o), other);
    }
    diag_note(d, span_or(gpu->at, host->name.at), "usable memory %s minus the %s margin",
              fmt_bytes(usable, ub, sizeof ub), fmt_bytes(margin, mb, sizeof mb));
    suggest_fix(c, d, sh, n, total - limit);
}

void check_vram(check_ctx *c) {
    fleet *f = c->f;
    uint64_t margin = fleet_vram_margin(f);
    mem_share *sh = NULL;
    size_t cap = 0;
    for (uint32_t h = 0; h < f->n_hosts; h++)
        for (uint32_t g = 0; g < f->hosts[h].n_gpus; g++) {
            uint32_t flat = c->r->gpu_base[h] + g;
            uint32_t n = 0, users = c->gpu_user_start[flat + 1] - c->gpu_user_start[flat];
            if (users > cap) {
                cap = users;
                free(sh);
                sh = malloc(cap * sizeof *sh);
            }
            for (uint32_t k = c->gpu_user_start[flat]; k < c->gpu_user_start[flat + 1]; k++) {
                uint32_t si = c->gpu_users[k];
                const service_eval *e = &c->r->svc[si];
                if (!e->estimated) continue;
                int slot = service_gpu_slot(&f->services[si], g);
                if (slot < 0 || (uint32_t)slot >= e->est->n_gpus) continue;
                sh[n++] = (mem_share){si, slot, e->est->gpu[slot].total, true};
            }
            uint64_t total = count_exclusive_peak(f, sh, n);
            c->r->gpu_peak[flat] = total;
            uint64_t usable = gpu_usable_bytes(&f->hosts[h], &f->hosts[h].gpus[g]);
            if (usable == 0 || n == 0 || c->gpu_overclaimed[flat]) continue;
            if (sat_add(total, margin) > usable) report(c, h, g, sh, n, total, usable, margin);
        }
    free(sh);
}
