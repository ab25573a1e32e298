/* Model fit: does the configuration suit the model and the engine?
 * Context against the trained context, per-slot context, quantized V cache
 * without flash attention (llama.cpp), embeddings (an encoder needs them,
 * an input fits one ubatch), vLLM's tensor parallel size against
 * the KV heads, vLLM's max-model-len against the KV memory its claim
 * leaves, and vLLM processes sharing a GPU. */
#include <stdlib.h>
#include <string.h>

#include "check/passes.h"
#include "ggml_types.h"

static bool cache_is_quantized(uint32_t t) {
    return !(t == GGML_T_F16 || t == GGML_T_F32 || t == GGML_T_BF16 || t == CACHE_AUTO);
}

static void check_context(check_ctx *c, const fleet_service *s, const service_eval *e) {
    const fleet_model *m = s->model_ref;
    uint32_t train = m->shape_resolved.n_ctx_train;
    bool rope = (m->rope_scaling.set && m->rope_scaling.v) || m->shape_resolved.has_rope_scaling;
    if (!e->cfg.context_defaulted && train && e->cfg.mem.context > train && !rope) {
        diagnostic *d = diag_error(c->d, "E0501", span_or(s->opts.context.at, s->at),
                                   "context %u exceeds the %u tokens model `%s` was trained on", e->cfg.mem.context,
                                   train, m->name.v);
        diag_note(d, span_or(m->name.at, m->at), "model `%s` is declared here", m->name.v);
        diag_help(d, "lower `context` to %u, or set `rope_scaling: true` on the model if it is run with rope scaling",
                  train);
    }
    if (e->cfg.mem.engine == ENGINE_LLAMACPP && e->cfg.mem.parallel > 1 && !e->cfg.mem.kv_unified) {
        uint32_t per_slot = e->cfg.mem.context / e->cfg.mem.parallel;
        bool refused = per_slot == 0 && s->opts.context.set && s->opts.parallel.set; /* E0209 said it */
        if (per_slot < CHECK_MIN_SLOT_CONTEXT && !refused) {
            diagnostic *d = diag_warning(c->d, "W0501", span_or(s->opts.parallel.at, span_or(s->opts.context.at, s->at)),
                                         "each of the %u slots of `%s` gets only %u tokens of context",
                                         e->cfg.mem.parallel, s->name.v, per_slot);
            diag_note(d, span_or(s->opts.context.at, s->at), "llama-server divides context %u among the slots",
                      e->cfg.mem.context);
            diag_help(d, "raise `context` to at least %u, or lower `parallel`", e->cfg.mem.parallel * CHECK_MIN_SLOT_CONTEXT);
        }
    }
}

/* llama-server --embedding: an input is one ubatch; an encoder serves
 * nothing else (tools/server/server-context.cpp) */
static void check_embeddings(check_ctx *c, const fleet_service *s, const service_eval *e) {
    if (e->cfg.mem.engine != ENGINE_LLAMACPP) return;
    const fleet_model *m = s->model_ref;
    if (m->shape_resolved.encoder && !e->cfg.mem.embeddings) {
        diagnostic *d = diag_error(c->d, "E0531", span_or(s->opts.embeddings.at, s->at),
                                   "model `%s` is an encoder (%s): llama-server serves only its embeddings",
                                   m->name.v, m->shape_resolved.arch);
        diag_note(d, span_or(m->name.at, m->at), "model `%s` is declared here", m->name.v);
        diag_help(d, "remove `embeddings: false`");
        return;
    }
    if (!e->cfg.mem.embeddings) return;
    uint32_t ub = e->cfg.mem.ubatch < e->cfg.mem.batch ? e->cfg.mem.ubatch : e->cfg.mem.batch;
    uint32_t slots = e->cfg.mem.parallel ? e->cfg.mem.parallel : 1;
    uint32_t per_slot = e->cfg.mem.kv_unified ? e->cfg.mem.context : e->cfg.mem.context / slots;
    if (ub >= per_slot) return;
    diagnostic *d = diag_warning(c->d, "W0530", span_or(s->opts.ubatch.at, span_or(s->opts.embeddings.at, s->at)),
                                 "`%s` embeds inputs of at most %u tokens (its ubatch), though a slot holds %u",
                                 s->name.v, ub, per_slot);
    diag_help(d, "set `ubatch: %u` to embed whole inputs (and `batch` no lower, if set), or lower `context`", per_slot);
}

static void check_cache(check_ctx *c, const fleet_service *s, const service_eval *e) {
    if (e->cfg.mem.engine != ENGINE_LLAMACPP) return;
    if (!cache_is_quantized(e->cfg.mem.cache_v) || e->cfg.mem.flash_attn) return;
    diagnostic *d = diag_error(c->d, "E0502", span_or(s->opts.cache_v.at, s->at),
                               "quantized V cache (%s) needs flash attention", fleet_cache_name(c->f, e->cfg.mem.cache_v));
    if (span_valid(s->opts.flash_attention.at))
        diag_note(d, s->opts.flash_attention.at, "flash attention is turned off here");
    diag_help(d, "set `flash_attention: true`, or keep the V cache at f16 (`cache: {k: q8_0, v: f16}`)");
}

static void check_vllm(check_ctx *c, const fleet_service *s, const service_eval *e) {
    if (e->cfg.mem.engine != ENGINE_VLLM || s->n_gpus == 0) return;
    const model_shape *m = &s->model_ref->shape_resolved;
    uint32_t tp = s->n_gpus;
    if (m->n_head_kv && (m->n_head_kv % tp != 0 || (m->n_head && m->n_head % tp != 0))) {
        diagnostic *d = diag_error(c->d, "E0503", span_or(s->gpus_at, s->at),
                                   "vLLM's tensor parallel size %u does not divide the %u KV heads of model `%s`",
                                   tp, m->n_head_kv, s->model_ref->name.v);
        diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at), "model `%s` is declared here",
                  s->model_ref->name.v);
        diag_help(d, "vLLM uses one process per GPU listed; list a number of GPUs that divides %u", m->n_head_kv);
        return;
    }
    if (!e->estimated || e->est->kv_bytes_per_token == 0) return;
    /* One sequence of max-model-len, split across the tensor-parallel GPUs. */
    uint64_t need_total = e->est->kv_one_sequence ? e->est->kv_one_sequence
                                                  : e->est->kv_bytes_per_token * (uint64_t)e->cfg.mem.context;
    uint64_t need = (need_total + tp - 1) / tp;
    uint64_t budget = UINT64_MAX;
    uint32_t worst = 0;
    for (uint32_t k = 0; k < e->est->n_gpus && k < tp; k++)
        if (e->est->vllm_kv_budget[k] < budget) {
            budget = e->est->vllm_kv_budget[k];
            worst = k;
        }
    if (budget == UINT64_MAX || need <= budget) return;
    char nb[32], bb[32];
    diagnostic *d = diag_error(c->d, "E0504", span_or(s->opts.context.at, span_or(s->name.at, s->at)),
                               "max-model-len %u needs %s of KV cache per GPU, but vLLM's claim leaves %s on GPU %lld",
                               e->cfg.mem.context, fmt_bytes(need, nb, sizeof nb), fmt_bytes(budget, bb, sizeof bb),
                               (long long)s->gpus[worst].v);
    uint64_t room = budget * tp > e->est->kv_fixed_bytes ? budget * tp - e->est->kv_fixed_bytes : 0;
    uint64_t fit = room / e->est->kv_bytes_per_token;
    fit -= fit % 256;
    if (span_valid(s->opts.gpu_memory_utilization.at))
        diag_note(d, s->opts.gpu_memory_utilization.at, "vLLM claims %.2f of each GPU", e->cfg.mem.gpu_memory_utilization);
    if (fit >= 256)
        diag_help(d, "lower `context` to %llu, raise `gpu_memory_utilization`, or use `cache: fp8`",
                  (unsigned long long)fit);
    else
        diag_help(d, "the model's weights leave no room for KV: raise `gpu_memory_utilization` or use more GPUs");
}

/* vLLM claims utilization x total up front: processes sharing a GPU must
 * sum below 1 (an exclusive group counts once, at its largest). */
static void check_vllm_sharing(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t h = 0; h < f->n_hosts; h++)
        for (uint32_t g = 0; g < f->hosts[h].n_gpus; g++) {
            uint32_t flat = c->r->gpu_base[h] + g;
            double sum = 0;
            uint32_t first = UINT32_MAX;
            const char *groups_seen[64];
            double group_max[64];
            uint32_t n_groups = 0;
            for (uint32_t k = c->gpu_user_start[flat]; k < c->gpu_user_start[flat + 1]; k++) {
                uint32_t si = c->gpu_users[k];
                const fleet_service *s = &f->services[si];
                const service_eval *e = &c->r->svc[si];
                if (e->cfg.mem.engine != ENGINE_VLLM) continue;
                double add = e->cfg.mem.gpu_memory_utilization;
                if (s->exclusive.set && s->exclusive.v) {
                    uint32_t gi = 0;
                    while (gi < n_groups && strcmp(groups_seen[gi], s->exclusive.v) != 0) gi++;
                    if (gi < n_groups) {
                        if (add <= group_max[gi]) continue;
                        double extra = add - group_max[gi];
                        group_max[gi] = add;
                        add = extra;
                    } else if (n_groups < 64) {
                        groups_seen[n_groups] = s->exclusive.v;
                        group_max[n_groups++] = add;
                    }
                }
                if (first != UINT32_MAX && sum + add >= 1.0 - 1e-9) {
                    c->gpu_overclaimed[flat] = true;
                    const fleet_service *o = &f->services[first];
                    diagnostic *d = diag_error(
                        c->d, "E0505", span_or(s->opts.gpu_memory_utilization.at, span_or(s->gpus_at, s->at)),
                        "vLLM services on GPU %u of host `%s` claim %.2f of its memory together", g,
                        f->hosts[h].name.v, sum + add);
                    diag_note(d, span_or(o->opts.gpu_memory_utilization.at, span_or(o->gpus_at, o->at)),
                              "`%s` claims %.2f", o->name.v, c->r->svc[first].cfg.mem.gpu_memory_utilization);
                    diag_help(d, "lower `gpu_memory_utilization` so that the claims sum below 1, or make them `exclusive`");
                }
                sum += add;
                if (first == UINT32_MAX) first = si;
            }
        }
}

/* --n-cpu-moe moves experts; on a dense model it would silently do nothing. */
static void check_cpu_moe(check_ctx *c, const fleet_service *s, const service_eval *e) {
    if (e->cfg.mem.engine != ENGINE_LLAMACPP || e->cfg.mem.cpu_moe_layers == 0) return;
    if (s->model_ref->shape_resolved.n_expert > 0) return;
    diagnostic *d = diag_error(c->d, "E0507", span_or(s->opts.cpu_moe_layers.at, s->at),
                               "`cpu_moe_layers` on `%s`, but model `%s` has no experts", s->name.v,
                               s->model_ref->name.v);
    diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at), "model `%s` is declared here",
              s->model_ref->name.v);
    diag_help(d, "remove `cpu_moe_layers`; to keep part of a dense model on the CPU, lower `gpu_layers`");
}

void check_model_fit(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        const service_eval *e = &c->r->svc[i];
        if (!s->model_ref || !s->model_ref->loaded) continue;
        check_context(c, s, e);
        check_cache(c, s, e);
        check_embeddings(c, s, e);
        check_vllm(c, s, e);
        check_cpu_moe(c, s, e);
    }
    check_vllm_sharing(c);
}
