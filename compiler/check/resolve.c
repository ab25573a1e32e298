/* Resolution: every service with the engine's defaults applied
 * (docs/checks.md lists them), and its memory estimated once. Later checks
 * and the plan read the result. */
#include <string.h>

#include "check/estimate_memo.h"
#include "estimate/engine_defaults.h"
#include "check/passes.h"
#include "ggml_types.h"

static uint32_t u32_or(const fl_int *v, uint32_t dflt) {
    return (v->set && v->v >= 0 && v->v <= (int64_t)UINT32_MAX) ? (uint32_t)v->v : dflt;
}

/* Default context: the trained context, capped (a 128K-context model
 * would otherwise claim gigabytes of KV nobody asked for). */
static uint32_t default_context(const fleet_model *m) {
    uint32_t train = (m && m->loaded) ? m->shape_resolved.n_ctx_train : 0;
    if (train == 0) return SERVICE_DEFAULT_CONTEXT_CAP;
    return train < SERVICE_DEFAULT_CONTEXT_CAP ? train : SERVICE_DEFAULT_CONTEXT_CAP;
}

static void apply_defaults(const fleet_service *s, service_eval *e) {
    const fleet_service_opts *o = &s->opts;
    e->engine = (o->engine.v >= 0 && o->engine.v < ENGINE_COUNT) ? (engine_kind)o->engine.v : ENGINE_LLAMACPP;
    /* Every default comes from the one table (estimate/engine_defaults.c), the
     * one `infrac estimate` reads: the plan and the estimate agree. */
    const engine_defaults *d = engine_defaults_get(e->engine);
    e->bind = (o->bind.set && o->bind.v) ? o->bind.v : SERVICE_DEFAULT_BIND;
    e->context_defaulted = !(o->context.set && o->context.v > 0);
    e->context = e->context_defaulted ? default_context(s->model_ref) : (uint32_t)o->context.v;
    e->parallel = u32_or(&o->parallel, d->parallel);
    if (e->parallel == 0) e->parallel = 1;
    e->batch = u32_or(&o->batch, d->batch);
    e->ubatch = u32_or(&o->ubatch, d->ubatch);
    e->threads = u32_or(&o->threads, 0);
    /* vLLM's own keys override the shared ones and the table. */
    if (e->engine == ENGINE_VLLM) {
        if (o->max_num_batched_tokens.set && o->max_num_batched_tokens.v > 0)
            e->batch = e->ubatch = (uint32_t)o->max_num_batched_tokens.v;
        if (o->max_num_seqs.set && o->max_num_seqs.v > 0)
            e->parallel = (uint32_t)o->max_num_seqs.v;
    }
    uint32_t dflt_cache = e->engine == ENGINE_VLLM ? CACHE_AUTO : GGML_T_F16;
    e->cache_k = u32_or(&o->cache_k, dflt_cache);
    e->cache_v = u32_or(&o->cache_v, dflt_cache);
    e->flash_attn = o->flash_attention.set ? o->flash_attention.v : d->flash_attn;
    e->gpu_layers = (o->gpu_layers.set && o->gpu_layers.v >= -1 && o->gpu_layers.v <= INT32_MAX)
                        ? (int32_t)o->gpu_layers.v : -1;
    e->cpu_moe_layers = u32_or(&o->cpu_moe_layers, 0);
    e->swa_full = o->swa_full.set && o->swa_full.v;
    e->kv_unified = o->kv_unified.set && o->kv_unified.v;
    e->utilization = (o->gpu_memory_utilization.set && o->gpu_memory_utilization.v > 0)
                         ? o->gpu_memory_utilization.v : d->gpu_memory_utilization;
    e->autostart = o->autostart.set ? o->autostart.v : true;
    e->metrics = o->metrics.set ? o->metrics.v : true;
    e->restart = (o->restart.set && o->restart.v) ? o->restart.v : SERVICE_DEFAULT_RESTART;
    e->restart_sec = u32_or(&o->restart_sec, SERVICE_DEFAULT_RESTART_SEC);
    e->cache_ram = o->cache_ram.set ? o->cache_ram.v : d->cache_ram_bytes;
    int dc = (s->draft_cache.set && s->draft_cache.v) ? ggml_type_from_name(s->draft_cache.v) : -1;
    e->draft_cache = dc >= 0 ? (uint32_t)dc : GGML_T_F16; /* llama.cpp's default for the draft */
    e->draft_gpu_layers = (s->draft_gpu_layers.set && s->draft_gpu_layers.v >= -1 && s->draft_gpu_layers.v <= INT32_MAX)
                              ? (int32_t)s->draft_gpu_layers.v : -1;
    e->draft_counted = false;
}

/* The estimator's request for a service, from its resolved options. */
void service_eval_request(const fleet_service *s, const service_eval *e, estimate_request *r) {
    memset(r, 0, sizeof *r); /* padding too: requests are compared bytewise by the memo */
    estimate_request_defaults(r, e->engine);
    r->context = e->context;
    r->parallel = e->parallel;
    r->kv_unified = e->kv_unified;
    r->batch = e->batch;
    r->ubatch = e->ubatch;
    r->cache_k = e->cache_k;
    r->cache_v = e->cache_v;
    r->flash_attn = e->flash_attn;
    r->n_gpus = s->n_gpus <= EST_MAX_GPUS ? s->n_gpus : EST_MAX_GPUS;
    memset(r->tensor_split, 0, sizeof r->tensor_split);
    if (s->n_tensor_split == s->n_gpus)
        for (uint32_t i = 0; i < r->n_gpus; i++) r->tensor_split[i] = s->tensor_split[i].v;
    r->gpu_layers = e->gpu_layers;
    r->cpu_moe_layers = e->cpu_moe_layers;
    r->swa_full = e->swa_full;
    r->cache_ram_bytes = e->engine == ENGINE_LLAMACPP ? e->cache_ram : 0;
    r->gpu_memory_utilization = e->engine == ENGINE_VLLM ? e->utilization : 0;
    memset(r->gpu_total_bytes, 0, sizeof r->gpu_total_bytes);
    memset(r->gpu_overhead_bytes, 0, sizeof r->gpu_overhead_bytes);
    if (s->host_ref)
        for (uint32_t i = 0; i < r->n_gpus; i++) {
            int64_t g = s->gpus[i].v;
            if (g >= 0 && (uint64_t)g < s->host_ref->n_gpus) {
                const fleet_gpu *gpu = &s->host_ref->gpus[g];
                r->gpu_total_bytes[i] = gpu_usable_bytes(gpu);
                r->gpu_overhead_bytes[i] = gpu->spec ? gpu->spec->runtime_overhead_bytes : 0;
            }
        }
    /* infrac-engine runs one worker per CPU unless told: the host's count
     * when declared, else the estimator's default */
    r->threads = e->threads;
    if (s->host_ref && s->host_ref->cpus.set && s->host_ref->cpus.v > 0 && s->host_ref->cpus.v <= 65536)
        r->host_cpus = (uint32_t)s->host_ref->cpus.v;
}

/* Every reference the estimate needs resolved and in range. */
static bool estimable(const check_ctx *c, const fleet_service *s, const service_eval *e) {
    if (!s->host_ref || !s->model_ref || !s->model_ref->loaded) return false;
    /* a value the lowering refused (bad engine, bad cache type) is unset
     * now: an estimate from the default in its place would only add a
     * memory error that follows from the first one */
    if (lowering_error_within(c, s->body_at)) return false;
    /* the devices the engine cannot use are the reference check's error */
    if ((e->engine == ENGINE_VLLM && s->n_gpus == 0) || (e->engine == ENGINE_INFRAC && s->n_gpus > 0)) return false;
    if (s->n_gpus > EST_MAX_GPUS) return false;
    for (uint32_t i = 0; i < s->n_gpus; i++) {
        int64_t g = s->gpus[i].v;
        if (g < 0 || (uint64_t)g >= s->host_ref->n_gpus) return false;
        for (uint32_t j = 0; j < i; j++)
            if (s->gpus[j].v == g) return false;
    }
    if (s->n_tensor_split && s->n_tensor_split != s->n_gpus) return false;
    return true;
}

/* The draft is a second model in llama-server's process with the target's
 * context, slots and batch (common/speculative.cpp
 * common_base_params_to_speculative), its own cache types (f16 by default),
 * GPU layers and devices (default: the target's, split alike). Its weights,
 * KV cache and compute are added per GPU; the runtime overhead and the
 * prompt cache are the process's, counted once with the target. */
static void add_draft(check_ctx *c, estimate_memo *memo, const fleet_service *s, service_eval *e,
                      const estimate_request *target) {
    estimate_request req = *target;
    req.cache_k = req.cache_v = e->draft_cache;
    req.gpu_layers = e->draft_gpu_layers;
    req.cpu_moe_layers = 0;
    req.cache_ram_bytes = 0;
    int slot = -1;
    if (s->draft_gpu.set) {
        slot = service_gpu_slot(s, (uint32_t)s->draft_gpu.v);
        req.n_gpus = 1;
        memset(req.tensor_split, 0, sizeof req.tensor_split);
        memset(req.gpu_total_bytes, 0, sizeof req.gpu_total_bytes);
        memset(req.gpu_overhead_bytes, 0, sizeof req.gpu_overhead_bytes);
        req.gpu_total_bytes[0] = target->gpu_total_bytes[slot];
        req.gpu_overhead_bytes[0] = target->gpu_overhead_bytes[slot];
    }
    char err[256] = "";
    const estimate_result *d = estimate_memo_get(memo, &s->draft_ref->shape_resolved, &req, err, sizeof err);
    if (!d) {
        diagnostic *dg = diag_error(c->d, "E0506", span_or(s->draft.at, s->at),
                                    "cannot estimate the memory of the draft of service `%s`: %s", s->name.v,
                                    err[0] ? err : "unsupported configuration");
        diag_note(dg, span_or(s->draft_ref->name.at, s->draft_ref->at), "model `%s` is declared here",
                  s->draft_ref->name.v);
        return;
    }
    e->with_draft = *e->est;
    for (uint32_t g = 0; g < d->n_gpus; g++) {
        uint32_t to = slot >= 0 ? (uint32_t)slot : g;
        if (to >= e->with_draft.n_gpus) continue;
        memory_breakdown *m = &e->with_draft.gpu[to];
        const memory_breakdown *x = &d->gpu[g];
        m->weights = sat_add(m->weights, x->weights);
        m->kv_cache = sat_add(m->kv_cache, x->kv_cache);
        m->compute = sat_add(m->compute, x->compute);
        m->total = sat_add(m->total, sat_add(x->weights, sat_add(x->kv_cache, x->compute)));
    }
    memory_breakdown *h = &e->with_draft.host;
    h->weights = sat_add(h->weights, d->host.weights);
    h->kv_cache = sat_add(h->kv_cache, d->host.kv_cache);
    h->compute = sat_add(h->compute, d->host.compute);
    h->total = sat_add(h->total, sat_add(d->host.weights, sat_add(d->host.kv_cache, d->host.compute)));
    e->est = &e->with_draft;
    e->draft_counted = true;
}

void check_resolve(check_ctx *c) {
    fleet *f = c->f;
    estimate_memo *memo = estimate_memo_new(f->n_services);
    c->r->estimates = memo;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        service_eval *e = &c->r->svc[i];
        apply_defaults(s, e);
        e->estimated = false;
        e->est = NULL;
        if (!estimable(c, s, e)) continue;
        estimate_request req;
        service_eval_request(s, e, &req);
        char err[256] = "";
        e->est = estimate_memo_get(memo, &s->model_ref->shape_resolved, &req, err, sizeof err);
        if (!e->est) {
            diagnostic *d = diag_error(c->d, "E0506", span_or(s->name.at, s->at),
                                       "cannot estimate the memory of service `%s`: %s", s->name.v,
                                       err[0] ? err : "unsupported configuration");
            diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at), "model `%s` is declared here",
                      s->model_ref->name.v);
            continue;
        }
        e->estimated = true;
        if (service_draft_counted(s, e)) add_draft(c, memo, s, e, &req);
    }
}
