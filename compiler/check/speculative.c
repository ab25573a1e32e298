/* Speculative decoding: a service's draft model and its settings.
 * llama-server loads the draft (--spec-draft-model) as a second model in
 * the same process, with the target's context, slots and batch
 * (common/speculative.cpp common_base_params_to_speculative: the draft's
 * params are the target's with the draft's model, devices, GPU layers and
 * cache types), so its memory is counted with the service (resolve.c).
 * Refused here: a draft or spec setting on an engine other than llama.cpp,
 * spec settings without a draft, n_min above n_max, a draft GPU outside the
 * service's GPUs, a draft whose vocabulary differs from the model's,
 * --spec-type names llama.cpp does not have, and draft-mtp (the model's own
 * MTP heads, llama-model.cpp n_layer_nextn) on a model whose header has none. */
#include <string.h>

#include "check/passes.h"

/* common/speculative.cpp common_speculative_type_name_str's names. */
static const char *const spec_types[] = {"none", "draft-simple", "draft-eagle3", "draft-mtp", "draft-dflash",
                                         "draft-dspark", "ngram-simple", "ngram-map-k", "ngram-map-k4v",
                                         "ngram-mod", "ngram-cache", NULL};

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

bool service_draft_counted(const fleet_service *s, const service_config *cfg) {
    return s->draft_ref && s->draft_ref->loaded && cfg->mem.engine == ENGINE_LLAMACPP && s->model_ref &&
           draft_gpu_listed(s) && !vocab_differs(s->model_ref, s->draft_ref) && s->n_gpus <= EST_MAX_GPUS;
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
    if (e->cfg.mem.engine != ENGINE_LLAMACPP && (has_draft || has_settings || s->spec_type.set)) {
        src_span at = has_draft ? s->draft.at : has_settings ? set_at : s->spec_type.at;
        const char *key = has_draft ? "draft" : has_settings ? set_key : "spec_type";
        diagnostic *d = diag_error(c->d, "E0520", at, "`%s` on service `%s`, but %s has no draft model here",
                                   key, s->name.v, engine_kind_name(e->cfg.mem.engine));
        diag_help(d, e->cfg.mem.engine == ENGINE_VLLM
                         ? "vLLM's speculative decoding (--speculative-config) is not supported by infrac yet; "
                           "remove the draft keys"
                         : "infrac-engine has no speculative decoding; serve the service with llama.cpp or remove "
                           "the draft keys");
        return;
    }
    check_spec_type(c, s);
    if (mtp && s->model_ref && header_read(s->model_ref) && s->model_ref->shape_resolved.n_nextn == 0) {
        diagnostic *d = diag_error(c->d, "E0526", s->spec_type.at,
                                   "`spec_type` asks for draft-mtp, but model `%s` has no MTP heads", s->model.v);
        diag_note(d, span_or(s->model_ref->name.at, s->model_ref->at),
                  "its GGUF header has no %s.nextn_predict_layers", s->model_ref->shape_resolved.arch);
        diag_help(d, "use a model converted with its MTP layers, or a draft model (`draft:`)");
    }
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
    if (!draft_gpu_listed(s)) {
        diagnostic *d = diag_error(c->d, "E0525", s->draft_gpu.at, "`draft_gpu: %lld` is not one of service `%s`'s GPUs",
                                   (long long)s->draft_gpu.v, s->name.v);
        if (s->n_gpus)
            diag_note(d, s->gpus_at, "the service uses these GPUs");
        diag_help(d, "llama.cpp sees only the service's GPUs (CUDA_VISIBLE_DEVICES): pick one of them");
    }
    if (s->model_ref && s->draft_ref && vocab_differs(s->model_ref, s->draft_ref)) {
        diagnostic *d = diag_error(c->d, "E0523", s->draft.at,
                                   "draft `%s` has a vocabulary of %u tokens, model `%s` has %u", s->draft.v,
                                   s->draft_ref->shape_resolved.n_vocab, s->model_ref->name.v,
                                   s->model_ref->shape_resolved.n_vocab);
        diag_note(d, span_or(s->draft_ref->name.at, s->draft_ref->at), "draft `%s` is declared here", s->draft.v);
        diag_help(d, "a draft must share the target's tokenizer: pick a smaller model of the same family");
    }
}

void check_speculative(check_ctx *c) {
    for (uint32_t i = 0; i < c->f->n_services; i++) check_one(c, &c->f->services[i], &c->r->svc[i]);
}
