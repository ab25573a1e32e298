/* Resolution: every service's service_config (service_config.h), built
 * here once with the engine's defaults applied (docs/checks.md lists them),
 * and its memory estimated once. Later checks and the plan read the result. */
#include <math.h>
#include <string.h>

#include "check/estimate_memo.h"
#include "estimate/engine_defaults.h"
#include "fleet/cpu_list.h"
#include "check/passes.h"
#include "ggml_types.h"
#include "util/arena.h"

static uint32_t u32_or(const fl_int *v, uint32_t dflt) {
    return (v->set && v->v >= 0 && v->v <= (int64_t)UINT32_MAX) ? (uint32_t)v->v : dflt;
}

static const char *opt_str(const fl_str *s) { return (s->set && s->v) ? s->v : NULL; }

/* A build's own cache type: its blocks as declared (`bits`, `block`), so
 * the KV estimate is as exact as for ggml's types. */
static est_cache_geom declared_geom(const fleet_service *s, uint32_t id) {
    const fleet_cache_type *t = fleet_engine_cache_type(s->opts.engine_build, id);
    est_cache_geom g = {0, 0};
    if (t && t->bits.set) est_declared_cache_geom(t->bits.v, t->block.set ? (uint32_t)t->block.v : 0, &g);
    return g;
}

/* The options memory depends on: what the service (or `defaults:`) says
 * over the engine's defaults, then the placement. */
static void resolve_memory_options(const fleet_service *s, service_config *cfg) {
    const fleet_service_opts *o = &s->opts;
    engine_kind engine = cfg->mem.engine;
    estimate_request *r = &cfg->mem;
    cfg->context_defaulted = !(o->context.set && o->context.v > 0);
    const fleet_model *m = s->model_ref;
    r->context = cfg->context_defaulted ? service_default_context(m && m->loaded ? m->shape_resolved.n_ctx_train : 0)
                                        : (uint32_t)o->context.v;
    r->parallel = u32_or(&o->parallel, r->parallel);
    if (r->parallel == 0) r->parallel = 1;
    r->batch = u32_or(&o->batch, r->batch);
    r->ubatch = u32_or(&o->ubatch, r->ubatch);
    r->threads = u32_or(&o->threads, 0);
    /* pinned without a count: one thread per CPU of the affinity (llama.cpp
     * would count the machine's cores, not the ones it may use) */
    cpu_list aff;
    char why[120];
    if (!r->threads && engine != ENGINE_VLLM && o->cpu_affinity.set &&
        cpu_list_parse(o->cpu_affinity.v, &aff, why, sizeof why))
        r->threads = aff.count;
    /* vLLM's own keys override the shared ones and the table. */
    if (engine == ENGINE_VLLM) {
        if (o->max_num_batched_tokens.set && o->max_num_batched_tokens.v > 0)
            r->batch = r->ubatch = cfg->max_num_batched_tokens = (uint32_t)o->max_num_batched_tokens.v;
        if (o->max_num_seqs.set && o->max_num_seqs.v > 0)
            r->parallel = (uint32_t)o->max_num_seqs.v;
    }
    r->cache_k = u32_or(&o->cache_k, r->cache_k);
    r->cache_v = u32_or(&o->cache_v, r->cache_v);
    if (r->cache_k >= CACHE_DECLARED) r->cache_k_geom = declared_geom(s, r->cache_k);
    if (r->cache_v >= CACHE_DECLARED) r->cache_v_geom = declared_geom(s, r->cache_v);
    if (o->flash_attention.set) r->flash_attn = o->flash_attention.v;
    r->gpu_layers = (o->gpu_layers.set && o->gpu_layers.v >= -1 && o->gpu_layers.v <= INT32_MAX)
                        ? (int32_t)o->gpu_layers.v : -1;
    r->cpu_moe_layers = u32_or(&o->cpu_moe_layers, 0);
    r->swa_full = o->swa_full.set && o->swa_full.v;
    r->kv_unified = o->kv_unified.set && o->kv_unified.v;
    /* an encoder has nothing to serve but embeddings */
    if (engine == ENGINE_LLAMACPP)
        estimate_request_set_embeddings(r, o->embeddings.set ? o->embeddings.v
                                                             : (m && m->loaded && m->shape_resolved.encoder),
                                        o->batch.set);
    /* the prompt cache is llama-server's, the claim vLLM's */
    if (engine == ENGINE_LLAMACPP && o->cache_ram.set) r->cache_ram_bytes = o->cache_ram.v;
    if (engine == ENGINE_VLLM && o->gpu_memory_utilization.set && o->gpu_memory_utilization.v > 0)
        r->gpu_memory_utilization = o->gpu_memory_utilization.v;
    r->n_gpus = s->n_gpus <= EST_MAX_GPUS ? s->n_gpus : EST_MAX_GPUS;
    cfg->gpu_api = fleet_service_gpu_api(s);
    for (uint32_t i = 0; i < r->n_gpus; i++) {
        cfg->gpus[i] = (uint32_t)s->gpus[i].v;
        if (s->n_tensor_split == s->n_gpus) r->tensor_split[i] = s->tensor_split[i].v;
    }
    if (s->host_ref) {
        for (uint32_t i = 0; i < r->n_gpus; i++) {
            int64_t g = s->gpus[i].v;
            if (g >= 0 && (uint64_t)g < s->host_ref->n_gpus) {
                const fleet_gpu *gpu = &s->host_ref->gpus[g];
                r->gpu_total_bytes[i] = gpu_usable_bytes(s->host_ref, gpu);
                r->gpu_overhead_bytes[i] = gpu->spec ? gpu->spec->runtime_overhead_bytes : 0;
            }
        }
        /* infrac-engine runs one worker per CPU unless told */
        if (s->host_ref->cpus.set && s->host_ref->cpus.v > 0 && s->host_ref->cpus.v <= 65536)
            r->host_cpus = (uint32_t)s->host_ref->cpus.v;
    }
}

/* Speculative decoding (llama.cpp's keys; vLLM's --speculative-config
 * takes spec_type and spec_draft_n_max; infrac-engine refuses them, E0520).
 * The draft model and the model's own MTP layers travel in the request
 * (cfg->mem), so every estimate of the service (the check, the fit
 * suggestions, the plan) counts them the same way. */
static void resolve_speculative(const fleet_service *s, service_config *cfg) {
    engine_kind engine = cfg->mem.engine;
    if (engine != ENGINE_LLAMACPP && engine != ENGINE_VLLM) return;
    cfg->spec_type = opt_str(&s->spec_type);
    cfg->spec_draft_n_max = s->spec_draft_n_max.set ? (uint32_t)s->spec_draft_n_max.v : 0;
    if (engine == ENGINE_LLAMACPP) {
        int dc = (s->draft_cache.set && s->draft_cache.v) ? ggml_type_from_name(s->draft_cache.v) : -1;
        if (dc >= 0) cfg->draft_cache = (uint32_t)dc;
        /* also without a draft model: MTP and the n-gram kinds take them */
        cfg->draft_cache_set = s->draft_cache.set;
        cfg->spec_draft_n_min_set = s->spec_draft_n_min.set;
        cfg->spec_draft_n_min = s->spec_draft_n_min.set ? (uint32_t)s->spec_draft_n_min.v : 0;
    }
    estimate_request *r = &cfg->mem;
    r->draft_cache = r->draft_cache_v = cfg->draft_cache;
    r->mtp = service_spec_mtp(s, cfg);
    r->rs_rollback = service_spec_rollback(s, cfg);
    if (!service_draft_counted(s, cfg)) return;
    int32_t draft_gpu_layers = (s->draft_gpu_layers.set && s->draft_gpu_layers.v >= -1 &&
                                s->draft_gpu_layers.v <= INT32_MAX) ? (int32_t)s->draft_gpu_layers.v : -1;
    int slot = s->draft_gpu.set ? service_gpu_slot(s, (uint32_t)s->draft_gpu.v) : -1;
    r->draft = &s->draft_ref->shape_resolved;
    r->draft_gpu_layers = draft_gpu_layers;
    r->draft_gpu = slot;
    cfg->draft_counted = true;
    cfg->draft = s->draft.v;
    cfg->draft_slot = slot;
    cfg->draft_gpu_layers = draft_gpu_layers;
    cfg->draft_cache_set = engine == ENGINE_LLAMACPP;
    if (engine == ENGINE_LLAMACPP && !cfg->spec_type) cfg->spec_type = LLAMACPP_DRAFT_SPEC_TYPE;
}

static const char *cache_name_of(const fleet_service *s, uint32_t id) {
    if (id < CACHE_DECLARED) return cache_type_name(id);
    const fleet_cache_type *t = fleet_engine_cache_type(s->opts.engine_build, id);
    return t ? t->name.v : "?";
}

/* The build's binary on the service's host, its version, and the
 * environment: the build's, then the service's, whose value replaces the
 * build's for a name both set (in the build's place). */
static void resolve_build(const fleet_service *s, service_config *cfg, arena *ar) {
    const fleet_engine *b = s->opts.engine_build;
    cfg->cache_k_name = cache_name_of(s, cfg->mem.cache_k);
    cfg->cache_v_name = cache_name_of(s, cfg->mem.cache_v);
    if (b) {
        cfg->engine_build = b->name.v;
        cfg->engine_version = opt_str(&b->version);
        cfg->binary = fleet_engine_binary_on(b, s->host.v);
    }
    uint32_t nb = b ? b->n_env : 0, cap = nb + s->n_env, n = 0;
    if (!cap) return;
    service_env *env = arena_alloc(ar, sizeof *env * cap);
    for (uint32_t i = 0; i < nb; i++) env[n++] = (service_env){b->env[i].name.v, b->env[i].value.v};
    for (uint32_t i = 0; i < s->n_env; i++) {
        uint32_t j = 0;
        while (j < n && strcmp(env[j].name, s->env[i].name.v)) j++;
        if (j < n) env[j].value = s->env[i].value.v;
        else env[n++] = (service_env){s->env[i].name.v, s->env[i].value.v};
    }
    cfg->env = env;
    cfg->n_env = n;
}

static const char *const *unit_names(const fl_strs *l, uint32_t *n, arena *ar) {
    *n = l->set ? l->n : 0;
    if (!*n) return NULL;
    const char **v = arena_alloc(ar, sizeof *v * *n);
    for (uint32_t i = 0; i < *n; i++) v[i] = l->v[i].v;
    return v;
}

/* cpu_affinity as CPUAffinity= writes it (and as llama.cpp's mask when it
 * fits GGML_MAX_N_THREADS, 512), mlock, and the unit dependencies. */
static void resolve_tuning(const fleet_service *s, service_config *cfg, arena *ar) {
    const fleet_service_opts *o = &s->opts;
    cpu_list aff;
    char buf[CPU_LIST_MAX / 2 + 8], why[120];
    if (o->cpu_affinity.set && cpu_list_parse(o->cpu_affinity.v, &aff, why, sizeof why)) {
        cpu_list_format(&aff, buf, sizeof buf);
        cfg->cpu_affinity = arena_strdup(ar, buf);
        if (cfg->mem.engine == ENGINE_LLAMACPP && aff.highest < 512) {
            cpu_list_hex_mask(&aff, buf, sizeof buf);
            cfg->cpu_mask = arena_strdup(ar, buf);
        }
    }
    /* mlock alone is llama.cpp's old --mlock: mapped, then locked */
    if (!cfg->load_mode && cfg->mem.engine == ENGINE_LLAMACPP && o->mlock.set && o->mlock.v)
        cfg->load_mode = "mmap+mlock";
    if (cfg->mem.engine == ENGINE_LLAMACPP) cfg->numa = opt_str(&o->numa);
    cfg->after = unit_names(&o->after, &cfg->n_after, ar);
    cfg->requires = unit_names(&o->requires, &cfg->n_requires, ar);
    cfg->wants = unit_names(&o->wants, &cfg->n_wants, ar);
}

void service_config_resolve(const fleet_service *s, service_config *cfg, arena *ar) {
    const fleet_service_opts *o = &s->opts;
    service_config_defaults(cfg, (o->engine.v >= 0 && o->engine.v < ENGINE_COUNT) ? (engine_kind)o->engine.v
                                                                                  : ENGINE_LLAMACPP);
    resolve_memory_options(s, cfg);
    if (opt_str(&o->bind)) cfg->bind = o->bind.v;
    cfg->port = (s->port.set && s->port.v > 0 && s->port.v <= 65535) ? (uint16_t)s->port.v : 0;
    cfg->api_key_file = opt_str(&o->api_key_file);
    cfg->exclusive = opt_str(&s->exclusive);
    cfg->swap_ttl_set = s->swap_ttl.set;
    cfg->swap_ttl = u32_or(&s->swap_ttl, 0);
    if (o->autostart.set) cfg->autostart = o->autostart.v;
    cfg->alias = opt_str(&s->alias) ? s->alias.v : s->model.v;
    cfg->load_mode = opt_str(&o->load_mode);
    if (o->metrics.set) cfg->metrics = o->metrics.v;
    if (opt_str(&o->restart)) cfg->restart = o->restart.v;
    cfg->restart_sec = u32_or(&o->restart_sec, cfg->restart_sec);
    cfg->user = opt_str(&o->user);
    cfg->chat_template = opt_str(&o->chat_template) ? o->chat_template.v
                                                    : (s->model_ref ? opt_str(&s->model_ref->chat_template) : NULL);
    resolve_speculative(s, cfg);
    resolve_build(s, cfg, ar);
    resolve_tuning(s, cfg, ar);
    if (s->n_cors_origins) {
        const char **origins = arena_alloc(ar, sizeof *origins * s->n_cors_origins);
        for (uint32_t i = 0; i < s->n_cors_origins; i++) origins[i] = s->cors_origins[i].v;
        cfg->cors_origins = origins;
        cfg->n_cors_origins = s->n_cors_origins;
    }
    if (s->n_extra_args) {
        const char **args = arena_alloc(ar, sizeof *args * s->n_extra_args);
        for (uint32_t i = 0; i < s->n_extra_args; i++) args[i] = s->extra_args[i].v;
        cfg->extra_args = args;
        cfg->n_extra_args = s->n_extra_args;
    }
    if (s->n_allow_clients) {
        const char **peers = arena_alloc(ar, sizeof *peers * s->n_allow_clients);
        for (uint32_t i = 0; i < s->n_allow_clients; i++) peers[i] = s->allow_clients[i].v;
        cfg->allow_clients = peers;
        cfg->n_allow_clients = s->n_allow_clients;
    }
    if (s->n_allow_hosts && cfg->mem.engine == ENGINE_INFRAC) {
        const char **hosts = arena_alloc(ar, sizeof *hosts * s->n_allow_hosts);
        for (uint32_t i = 0; i < s->n_allow_hosts; i++) hosts[i] = s->allow_hosts[i].v;
        cfg->allow_hosts = hosts;
        cfg->n_allow_hosts = s->n_allow_hosts;
    }
}

/* Every reference the estimate needs resolved and in range. */
static bool estimable(const check_ctx *c, uint32_t i, const service_config *cfg) {
    const fleet_service *s = &c->f->services[i];
    if (!s->host_ref || !s->model_ref || !s->model_ref->loaded) return false;
    /* a value the lowering refused (bad engine, bad cache type) is unset
     * now: an estimate from the default in its place would only add a
     * memory error that follows from the first one */
    if (lowering_error_within(c, s->body_at) || c->values_refused[i]) return false;
    /* the devices the engine cannot use are the reference check's error */
    if ((cfg->mem.engine == ENGINE_VLLM && s->n_gpus == 0) || (cfg->mem.engine == ENGINE_INFRAC && s->n_gpus > 0))
        return false;
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

void check_resolve(check_ctx *c) {
    fleet *f = c->f;
    estimate_memo *memo = estimate_memo_new(f->n_services);
    c->r->estimates = memo;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        service_eval *e = &c->r->svc[i];
        service_config_resolve(s, &e->cfg, f->arena);
        e->estimated = false;
        e->est = NULL;
        if (!estimable(c, i, &e->cfg)) continue;
        char err[256] = "";
        e->est = estimate_memo_get(memo, &s->model_ref->shape_resolved, &e->cfg.mem, err, sizeof err);
        if (!e->est) {
            diagnostic *d = diag_error(c->d, "E0506", span_or(s->name.at, s->at),
                                       "cannot estimate the memory of service `%s`: %s", s->name.v,
                                       err[0] ? err : "unsupported configuration");
            diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at), "model `%s` is declared here",
                      s->model_ref->name.v);
            continue;
        }
        e->estimated = true;
    }
}
