/* Speculative decoding: a service's draft model and its settings.
 * llama-server loads the draft (--spec-draft-model) as a second model in
 * the same process, with the target's context, slots and batch
 * (common/speculative.cpp common_base_params_to_speculative: the draft's
 * params are the target's with the draft's model, devices, GPU layers and
 * cache types), so its memory is counted with the service (resolve.c).
 * vLLM takes the same keys as one --speculative-config JSON (method,
 * model, num_speculative_tokens: vllm/config/speculative.py); its draft
 * shares the model's KV block pool and is sharded like the model.
 * Refused here: a draft or spec setting on infrac-engine or a llama.cpp
 * setting vLLM has no place for, spec settings without a draft, n_min above
 * n_max, a draft GPU outside the service's GPUs, a draft whose vocabulary
 * differs from the model's, speculative types the engine does not have (or
 * infrac does not model), a vLLM method without what it needs, and MTP (the
 * model's own nextn layers, llama-model.cpp n_layer_nextn) on a model whose
 * header has none. */
#include <string.h>

#include "check/passes.h"
#include "estimate/engine_defaults.h"

/* common/speculative.cpp common_speculative_type_name_str's names. */
static const char *const spec_types[] = {"none", "draft-simple", "draft-eagle3", "draft-mtp", "draft-dflash",
                                         "draft-dspark", "ngram-simple", "ngram-map-k", "ngram-map-k4v",
                                         "ngram-mod", "ngram-cache", NULL};

/* vLLM's methods infrac models (vllm/config/speculative.py SpeculativeMethod):
 * a draft model, the model's own MTP layers, n-grams of the prompt. The
 * EAGLE/Medusa heads are checkpoints infrac has no shape for. */
static const char *const vllm_methods[] = {"draft_model", "mtp", "ngram", NULL};

/* The first draft setting written; with mtp, only those an MTP context
 * does not take (common_base_params_to_speculative applies the devices and
 * GPU layers to a draft model only; n_max, n_min and the cache types to both). */
static bool spec_settings(const fleet_service *s, bool mtp, src_span *at, const char **key) {
    const struct { bool set; src_span at; const char *name; bool mtp_ok; } k[] = {
        {s->draft_gpu.set, s->draft_gpu.at, "draft_gpu", false},
        {s->draft_gpu_layers.set, s->draft_gpu_layers.at, "draft_gpu_layers", false},
        {s->draft_cache.set, s->draft_cache.at, "draft_cache", true},
        {s->spec_draft_n_max.set, s->spec_draft_n_max.at, "spec_draft_n_max", true},
        {s->spec_draft_n_min.set, s->spec_draft_n_min.at, "spec_draft_n_min", true},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (k[i].set && !(mtp && k[i].mtp_ok)) {
            *at = k[i].at;
            *key = k[i].name;
            return true;
        }
    return false;
}

static bool vocab_differs(const fleet_model *a, const fleet_model *b) {
    if (!a->loaded || !b->loaded) return false;
    uint32_t va = a->shape_resolved.n_vocab, vb = b->shape_resolved.n_vocab;
    const char *ta = a->shape_resolved.tokenizer, *tb = b->shape_resolved.tokenizer;
    return (va && vb && va != vb) || (ta[0] && tb[0] && strcmp(ta, tb) != 0);
}

/* The model's own GGUF header was read (gguf: or a readable path): only then
 * does a missing nextn_predict_layers mean "no MTP heads". The catalog leaves
 * the MTP block out and a declared shape cannot say. */
static bool header_read(const fleet_model *m) {
    return m->loaded && m->shape_resolved.tensors && !m->catalog.set;
}

/* Whether the comma list names t. */
static bool spec_type_has(const fleet_service *s, const char *t) {
    if (!s->spec_type.set || !s->spec_type.v) return false;
    size_t n = strlen(t);
    for (const char *p = s->spec_type.v; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, t, n) && (p[n] == ',' || p[n] == 0)) return true;
    return false;
}

static bool draft_gpu_listed(const fleet_service *s) {
    return !s->draft_gpu.set || (s->draft_gpu.v >= 0 && service_gpu_slot(s, (uint32_t)s->draft_gpu.v) >= 0);
}

/* vLLM's method: spec_type, else draft_model when a draft is named; NULL = none. */
static const char *vllm_method(const fleet_service *s) {
    if (s->spec_type.set && s->spec_type.v) return s->spec_type.v;
    return s->draft.set ? "draft_model" : NULL;
}

bool service_draft_counted(const fleet_service *s, const service_config *cfg) {
    engine_kind engine = cfg->mem.engine;
    bool engine_ok = engine == ENGINE_LLAMACPP ||
                     (engine == ENGINE_VLLM && !(s->spec_type.set && s->spec_type.v &&
                                                    strcmp(s->spec_type.v, "ngram") == 0));
    return s->draft_ref && s->draft_ref->loaded && engine_ok && s->model_ref && draft_gpu_listed(s) &&
           !vocab_differs(s->model_ref, s->draft_ref) && s->n_gpus <= EST_MAX_GPUS;
}

bool service_spec_mtp(const fleet_service *s, const service_config *cfg) {
    if (cfg->mem.engine == ENGINE_LLAMACPP) return spec_type_has(s, "draft-mtp");
    const char *m = cfg->mem.engine == ENGINE_VLLM ? vllm_method(s) : NULL;
    return m && strcmp(m, "mtp") == 0;
}

uint32_t service_spec_rollback(const fleet_service *s, const service_config *cfg) {
    if (cfg->mem.engine != ENGINE_LLAMACPP) return 0;
    if (!spec_type_has(s, "draft-mtp") && !spec_type_has(s, "draft-eagle3") && !spec_type_has(s, "draft-dflash") &&
        !spec_type_has(s, "draft-dspark"))
        return 0;
    return s->spec_draft_n_max.set && s->spec_draft_n_max.v > 0 && s->spec_draft_n_max.v <= 1024
               ? (uint32_t)s->spec_draft_n_max.v : LLAMACPP_SPEC_DRAFT_N_MAX;
}

/* The model's header was read and says it has no MTP layers. */
static void check_mtp_heads(check_ctx *c, const fleet_service *s, const char *asked) {
    if (!s->model_ref || !header_read(s->model_ref) || s->model_ref->shape_resolved.n_nextn) return;
    diagnostic *d = diag_error(c->d, "E0526", s->spec_type.at, "`spec_type` asks for %s, but model `%s` has no MTP heads",
                               asked, s->model.v);
    diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at), "its GGUF header has no %s.nextn_predict_layers",
              s->model_ref->shape_resolved.arch);
    diag_help(d, "use a model converted with its MTP layers, or a draft model (`draft:`)");
}

static void check_vocab(check_ctx *c, const fleet_service *s) {
    if (!s->model_ref || !s->draft_ref || !vocab_differs(s->model_ref, s->draft_ref)) return;
    diagnostic *d = diag_error(c->d, "E0523", s->draft.at, "draft `%s` has a vocabulary of %u tokens, model `%s` has %u",
                               s->draft.v, s->draft_ref->shape_resolved.n_vocab, s->model_ref->name.v,
                               s->model_ref->shape_resolved.n_vocab);
    diag_note(d, span_or(s->draft_ref->name.at, s->draft_ref->at), "draft `%s` is declared here", s->draft.v);
    diag_help(d, "a draft must share the target's tokenizer: pick a smaller model of the same family");
}

/* vLLM: one --speculative-config; the llama.cpp-only keys are refused by name. */
static void check_vllm(check_ctx *c, const fleet_service *s) {
    const struct { bool set; src_span at; const char *name; } only_llamacpp[] = {
        {s->draft_gpu.set, s->draft_gpu.at, "draft_gpu"},
        {s->draft_gpu_layers.set, s->draft_gpu_layers.at, "draft_gpu_layers"},
        {s->draft_cache.set, s->draft_cache.at, "draft_cache"},
        {s->spec_draft_n_min.set, s->spec_draft_n_min.at, "spec_draft_n_min"},
    };
    for (size_t i = 0; i < sizeof only_llamacpp / sizeof only_llamacpp[0]; i++)
        if (only_llamacpp[i].set) {
            diagnostic *d = diag_error(c->d, "E0520", only_llamacpp[i].at,
                                       "`%s` on service `%s`, but vLLM's --speculative-config has no such setting",
                                       only_llamacpp[i].name, s->name.v);
            diag_help(d, "vLLM shards the draft like the model and keeps its KV in the model's cache; remove `%s`",
                      only_llamacpp[i].name);
        }
    const char *m = vllm_method(s);
    if (s->spec_type.set && s->spec_type.v) {
        bool known = false;
        for (size_t i = 0; vllm_methods[i]; i++) known |= strcmp(vllm_methods[i], m) == 0;
        if (!known) {
            diagnostic *d = diag_error(c->d, "E0524", s->spec_type.at,
                                       "`spec_type` names `%s`, not a vLLM speculative method infrac models", m);
            diag_help(d, "use draft_model (with `draft:`), mtp or ngram; EAGLE and Medusa heads are not modelled");
            return;
        }
    }
    if (!m) {
        if (s->spec_draft_n_max.set) {
            diagnostic *d = diag_error(c->d, "E0521", s->spec_draft_n_max.at,
                                       "`spec_draft_n_max` on service `%s`, which has no `draft:` or `spec_type`",
                                       s->name.v);
            diag_help(d, "name a draft model (`draft: MODEL`), or set `spec_type: mtp` or `ngram`, or remove it");
        }
        return;
    }
    if (strcmp(m, "draft_model") == 0 && !s->draft.set) {
        diagnostic *d = diag_error(c->d, "E0527", s->spec_type.at,
                                   "vLLM's method draft_model on service `%s` needs a draft model", s->name.v);
        diag_help(d, "name it with `draft: MODEL` (a key of models:)");
    }
    if (strcmp(m, "ngram") == 0 && s->draft.set) {
        diagnostic *d = diag_error(c->d, "E0527", s->draft.at,
                                   "`draft:` on service `%s`, but vLLM's method ngram drafts from the prompt", s->name.v);
        diag_note(d, s->spec_type.at, "the method is set here");
        diag_help(d, "remove `draft:`, or use `spec_type: draft_model`");
    }
    if (strcmp(m, "mtp") != 0 && !s->spec_draft_n_max.set) {
        diagnostic *d = diag_error(c->d, "E0527", span_or(s->spec_type.at, s->draft.at),
                                   "vLLM's method %s on service `%s` needs num_speculative_tokens", m, s->name.v);
        diag_help(d, "set `spec_draft_n_max: N` (written as num_speculative_tokens); vLLM refuses to start without it");
    }
    if (strcmp(m, "mtp") == 0) check_mtp_heads(c, s, "vLLM's mtp");
    if (s->draft.set) check_vocab(c, s);
}

static void check_spec_type(check_ctx *c, const fleet_service *s) {
    if (!s->spec_type.set || !s->spec_type.v) return;
    const char *p = s->spec_type.v;
    while (true) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool known = false;
        for (size_t i = 0; spec_types[i]; i++)
            if (strlen(spec_types[i]) == n && !strncmp(spec_types[i], p, n)) known = true;
        if (!known) {
            diagnostic *d = diag_error(c->d, "E0524", s->spec_type.at, "`spec_type` names `%.*s`, not a llama.cpp "
                                       "speculative type", (int)n, p);
            diag_help(d, "use a comma list of: draft-simple, draft-eagle3, draft-mtp, draft-dflash, draft-dspark, "
                         "ngram-simple, ngram-map-k, ngram-map-k4v, ngram-mod, ngram-cache, none");
            return;
        }
        if (!end) return;
        p = end + 1;
    }
}

static void check_one(check_ctx *c, const fleet_service *s, const service_eval *e) {
    src_span set_at;
    const char *set_key = NULL;
    bool has_settings = spec_settings(s, false, &set_at, &set_key);
    bool has_draft = s->draft.set;
    bool mtp = spec_type_has(s, "draft-mtp");
    if (e->cfg.mem.engine == ENGINE_VLLM) {
        check_vllm(c, s);
        return;
    }
    if (e->cfg.mem.engine != ENGINE_LLAMACPP && (has_draft || has_settings || s->spec_type.set)) {
        src_span at = has_draft ? s->draft.at : has_settings ? set_at : s->spec_type.at;
        const char *key = has_draft ? "draft" : has_settings ? set_key : "spec_type";
        diagnostic *d = diag_error(c->d, "E0520", at, "`%s` on service `%s`, but %s has no draft model here",
                                   key, s->name.v, engine_kind_name(e->cfg.mem.engine));
        diag_help(d, "infrac-engine has no speculative decoding; serve the service with llama.cpp or vLLM, or "
                     "remove the draft keys");
        return;
    }
    check_spec_type(c, s);
    if (mtp) check_mtp_heads(c, s, "draft-mtp");
    if (!has_draft) has_settings = spec_settings(s, mtp, &set_at, &set_key);
    if (has_settings && !has_draft) {
        diagnostic *d = diag_error(c->d, "E0521", set_at, "`%s` on service `%s`, which has no `draft:`", set_key,
                                   s->name.v);
        diag_help(d, "name a draft model (`draft: MODEL`, a key of models:)%s or remove `%s`",
                  mtp ? "" : ", use `spec_type: draft-mtp` on a model with MTP heads,", set_key);
    }
    if (s->spec_draft_n_min.set && s->spec_draft_n_max.set && s->spec_draft_n_min.v > s->spec_draft_n_max.v) {
        diagnostic *d = diag_error(c->d, "E0522", s->spec_draft_n_min.at,
                                   "`spec_draft_n_min: %lld` is above `spec_draft_n_max: %lld`",
                                   (long long)s->spec_draft_n_min.v, (long long)s->spec_draft_n_max.v);
        diag_note(d, s->spec_draft_n_max.at, "the maximum is set here");
    }
    if (!has_draft) return;
    if (s->spec_type.set && !spec_type_has(s, "draft-simple") && !spec_type_has(s, "draft-eagle3") &&
        !spec_type_has(s, "draft-dflash") && !spec_type_has(s, "draft-dspark")) {
        diagnostic *d = diag_warning(c->d, "W0521", s->spec_type.at,
                                     "`spec_type: %s` on service `%s` names no type that drafts with a draft model: "
                                     "llama-server will not draft with `%s`", s->spec_type.v, s->name.v, s->draft.v);
        diag_note(d, s->draft.at, "the draft model is named here");
        diag_help(d, "add draft-simple to the list (`spec_type: draft-simple`, the default with `draft:`), or "
                     "remove `draft:`");
    }
    if (!draft_gpu_listed(s)) {
        diagnostic *d = diag_error(c->d, "E0525", s->draft_gpu.at, "`draft_gpu: %lld` is not one of service `%s`'s GPUs",
                                   (long long)s->draft_gpu.v, s->name.v);
        if (s->n_gpus)
            diag_note(d, s->gpus_at, "the service uses these GPUs");
        diag_help(d, "llama.cpp sees only the service's GPUs (CUDA_VISIBLE_DEVICES): pick one of them");
    }
    check_vocab(c, s);
}

void check_speculative(check_ctx *c) {
    for (uint32_t i = 0; i < c->f->n_services; i++) check_one(c, &c->f->services[i], &c->r->svc[i]);
}
