/* The model pass: the shape the estimator uses for each model. A `gguf:`
 * copy (relative to the fleet file's directory) is read through the shared
 * bounds-checked reader: a missing, truncated or hostile file is a
 * diagnostic at the `gguf:` value. Otherwise the declared `shape:` is
 * turned into a model_shape; an architecture the estimator does not model
 * exactly gets a conservative estimate, which we say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/passes.h"
#include "model_catalog.h"

static void load_gguf_at(check_ctx *c, fleet_model *m, const char *rel, src_span at) {
    char path[4096], err[512];
    if (rel[0] == '/' || !c->fleet_dir || !c->fleet_dir[0])
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%s/%s", c->fleet_dir, rel);
    err[0] = '\0';
    if (model_shape_load(path, &m->shape_resolved, err, sizeof err) != 0) {
        diagnostic *d = diag_error(c->d, "E0510", at, "cannot read the GGUF of model `%s`: %s",
                                   m->name.v, err[0] ? err : "unknown error");
        diag_help(d, "`gguf:` is a local copy (the header is enough), relative to the fleet file's directory; or declare `shape:` instead");
        memset(&m->shape_resolved, 0, sizeof m->shape_resolved);
        return;
    }
    m->loaded = true;
}

static void load_gguf(check_ctx *c, fleet_model *m) {
    load_gguf_at(c, m, m->gguf.v, m->gguf.at);
}

/* `path:` is read when it is a readable regular file where infrac check
 * runs (absolute, or relative to the fleet file's directory). */
static bool path_readable(const check_ctx *c, const fleet_model *m) {
    if (!m->path.set || !m->path.v || !m->path.v[0]) return false;
    char path[4096];
    if (m->path.v[0] == '/' || !c->fleet_dir || !c->fleet_dir[0])
        snprintf(path, sizeof path, "%s", m->path.v);
    else
        snprintf(path, sizeof path, "%s/%s", c->fleet_dir, m->path.v);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

/* A declared shape beside a readable file: each declared number must be
 * the header's. */
static void compare_shape(check_ctx *c, fleet_model *m) {
    const fleet_shape *s = &m->shape;
    const model_shape *h = &m->shape_resolved;
    struct { const fl_int *v; const char *key; uint32_t header; } f[] = {
        {&s->layers, "layers", h->n_layer},     {&s->embd, "embd", h->n_embd},
        {&s->heads, "heads", h->n_head},        {&s->kv_heads, "kv_heads", h->n_head_kv},
        {&s->ctx_train, "ctx_train", h->n_ctx_train}, {&s->experts, "experts", h->n_expert},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (!f[i].v->set || f[i].v->v == (int64_t)f[i].header) continue;
        diagnostic *d = diag_error(c->d, "E0515", span_or(f[i].v->at, s->at),
                                   "model `%s` declares %s: %lld, but the GGUF at `%s` says %u", m->name.v,
                                   f[i].key, (long long)f[i].v->v, m->path.v, f[i].header);
        diag_note(d, span_or(m->path.at, m->at), "the file read here");
        diag_help(d, "remove `shape:` (the header is read), or point `path:` at the model it describes");
    }
}

/* A required shape field: positive, and fits 32 bits. Missing ones are
 * collected so that one error names them all. */
static bool need(const fl_int *v, const char *key, uint32_t *out, char *missing, size_t len) {
    if (v->set && v->v > 0 && v->v <= (int64_t)UINT32_MAX) {
        *out = (uint32_t)v->v;
        return true;
    }
    size_t used = strlen(missing);
    snprintf(missing + used, len - used, "%s`%s:`", used ? ", " : "", key);
    return false;
}

static uint32_t opt_u32(const fl_int *v, uint32_t dflt) {
    return (v->set && v->v > 0 && v->v <= (int64_t)UINT32_MAX) ? (uint32_t)v->v : dflt;
}

static void from_shape(check_ctx *c, fleet_model *m) {
    const fleet_shape *s = &m->shape;
    model_shape *o = &m->shape_resolved;
    memset(o, 0, sizeof *o);
    char missing[200] = "";
    bool ok = true;
    ok &= need(&s->layers, "layers", &o->n_layer, missing, sizeof missing);
    ok &= need(&s->embd, "embd", &o->n_embd, missing, sizeof missing);
    ok &= need(&s->heads, "heads", &o->n_head, missing, sizeof missing);
    ok &= need(&s->ctx_train, "ctx_train", &o->n_ctx_train, missing, sizeof missing);
    if (!s->weights.set || s->weights.v == 0) {
        size_t used = strlen(missing);
        snprintf(missing + used, sizeof missing - used, "%s`weights:`", used ? ", " : "");
        ok = false;
    }
    if (!ok && lowering_error_within(c, s->at)) return; /* a refused value is not a missing one */
    if (!ok) {
        diagnostic *d = diag_error(c->d, "E0512", s->at, "the shape of model `%s` is incomplete", m->name.v);
        diag_help(d, "add %s (positive numbers; weights is the GGUF's size, e.g. `4.9 GiB`)", missing);
        return;
    }
    o->n_head_kv = opt_u32(&s->kv_heads, o->n_head);
    uint32_t hd = o->n_head ? o->n_embd / o->n_head : 0;
    o->head_dim_k = o->head_dim_v = opt_u32(&s->head_dim, hd);
    o->n_ff = opt_u32(&s->ff, 4 * o->n_embd);
    o->n_vocab = opt_u32(&s->vocab, 32000);
    o->n_expert = opt_u32(&s->experts, 0);
    o->n_expert_used = opt_u32(&s->experts_used, o->n_expert ? 2 : 0);
    o->n_ff_exp = opt_u32(&s->ff_expert, o->n_expert ? o->n_ff : 0);
    o->n_swa = opt_u32(&s->swa, 0);
    o->swa_period = opt_u32(&s->swa_period, 0);
    o->weights_bytes = s->weights.v;
    o->has_rope_scaling = false;
    o->tied_output = false;
    const char *arch = (s->arch.set && s->arch.v) ? s->arch.v : "";
    snprintf(o->arch, sizeof o->arch, "%s", arch);
    o->arch_known = arch[0] && estimate_arch_known(arch);
    if (o->n_head_kv > o->n_head || (o->n_head_kv && o->n_head % o->n_head_kv)) {
        diagnostic *e = diag_error(c->d, "E0512", span_or(s->kv_heads.at, s->at),
                                   "model `%s`: kv_heads (%u) must divide heads (%u)", m->name.v,
                                   o->n_head_kv, o->n_head);
        (void)e;
        return;
    }
    if (o->n_expert && o->n_expert_used > o->n_expert) {
        diag_error(c->d, "E0512", span_or(s->experts_used.at, s->at),
                   "model `%s`: experts_used (%u) exceeds experts (%u)", m->name.v, o->n_expert_used,
                   o->n_expert);
        return;
    }
    if (!o->arch_known) {
        diagnostic *w = diag_warning(c->d, "W0511", span_or(s->arch.at, s->at),
                                     "architecture `%s` of model `%s` is not modelled exactly",
                                     arch[0] ? arch : "(none)", m->name.v);
        diag_note(w, s->at, "memory estimates for this model are conservative upper bounds");
        diag_help(w, "use `gguf:` with the model's header, or an architecture such as llama, qwen3 or gemma3");
    }
    m->loaded = true;
}

/* `catalog:` names a model of schema/models.yaml; `quant:` one of its
 * releases. Unknown names get a did-you-mean at the value. */
static void from_catalog(check_ctx *c, fleet_model *m) {
    const char *id = m->catalog.v;
    const model_cat_entry *e = model_catalog_find(id);
    if (!e) {
        size_t n = model_catalog_count();
        const char **ids = calloc(n ? n : 1, sizeof *ids);
        for (size_t i = 0; ids && i < n; i++) ids[i] = model_catalog_at(i)->id;
        diagnostic *d = diag_error(c->d, "E0513", m->catalog.at, "no model `%s` in the model catalog", id);
        const char *s = ids ? suggest_closest(id, ids, n) : NULL;
        if (s) diag_help(d, "did you mean `%s`?", s);
        else diag_help(d, "`infrac explain E0513` lists the catalog; or use `gguf:` or `shape:`");
        free(ids);
        return;
    }
    const char *quant = m->quant.set && m->quant.v ? m->quant.v : "Q4_K_M";
    /* The fleet's file_size is the file the hosts hold: the weights are
     * scaled to it, and it is what a UD-* release needs when the catalog
     * has no published size. */
    uint64_t file_bytes = m->file_size.set ? m->file_size.v : 0;
    bool sized_by_fleet = file_bytes && model_catalog_quant_needs_size(quant);
    if (!model_catalog_has_quant(e, quant) && !sized_by_fleet) {
        src_span at = m->quant.set ? m->quant.at : m->catalog.at;
        char have[256] = "";
        const char *qs[16];
        size_t nq = 0;
        for (size_t i = 0; i < model_catalog_quant_count() && nq < 16; i++) {
            const char *q = model_catalog_quant_at(i);
            if (!model_catalog_has_quant(e, q)) continue;
            qs[nq++] = q;
            size_t used = strlen(have);
            snprintf(have + used, sizeof have - used, "%s%s", used ? ", " : "", q);
        }
        diagnostic *d = diag_error(c->d, "E0514", at, "the model catalog has no %s release of `%s`", quant, id);
        const char *s = suggest_closest(quant, qs, nq);
        if (s && strcmp(s, quant) != 0) diag_help(d, "did you mean `%s`? (%s has: %s)", s, id, have);
        else if (model_catalog_quant_needs_size(quant))
            diag_help(d, "a %s file's tensor mix is its maker's own, so its size cannot be derived: declare "
                         "`file_size:` (the size its download page gives) and the estimate spreads it over the "
                         "tensors; %s also has: %s", quant, id, have);
        else diag_help(d, "%s has: %s", id, have);
        return;
    }
    char err[512] = "";
    if (model_shape_from_catalog(id, quant, file_bytes, &m->shape_resolved, err, sizeof err) != 0) {
        /* the catalog is ours: only a defect in schema/models.yaml gets here */
        diag_error(c->d, "E0513", m->catalog.at, "catalog model `%s`: %s", id, err);
        memset(&m->shape_resolved, 0, sizeof m->shape_resolved);
        return;
    }
    m->loaded = true;
    if (!m->shape_resolved.arch_known) {
        diagnostic *w = diag_warning(c->d, "W0511", m->catalog.at,
                                     "architecture `%s` of model `%s` is not modelled exactly",
                                     m->shape_resolved.arch, m->name.v);
        diag_note(w, m->catalog.at, "memory estimates for this model are conservative upper bounds");
    }
}

void check_models(check_ctx *c) {
    for (uint32_t i = 0; i < c->f->n_models; i++) {
        fleet_model *m = &c->f->models[i];
        m->loaded = false;
        if (m->gguf.set && m->gguf.v && m->gguf.v[0]) {
            load_gguf(c, m);
            if (m->loaded && !m->shape_resolved.arch_known) {
                diagnostic *w = diag_warning(c->d, "W0511", m->gguf.at,
                                             "architecture `%s` of model `%s` is not modelled exactly",
                                             m->shape_resolved.arch, m->name.v);
                diag_note(w, m->gguf.at, "memory estimates for this model are conservative upper bounds");
            }
        } else if (m->catalog.set && m->catalog.v) {
            from_catalog(c, m);
        } else if (path_readable(c, m)) {
            load_gguf_at(c, m, m->path.v, m->path.at);
            if (m->loaded && m->shape.set) compare_shape(c, m);
        } else if (m->shape.set) {
            from_shape(c, m);
        } else {
            diagnostic *d = diag_error(c->d, "E0511", span_or(m->name.at, m->at),
                                       "model `%s` has neither `gguf:`, `catalog:` nor `shape:`", m->name.v);
            diag_help(d, "add `gguf: PATH` (a local copy of the model, the header is enough) or a `shape:` "
                         "with layers, embd, heads, kv_heads, ctx_train and weights");
        }
    }
}
