/* Service values that are each valid but do not fit together, or do not
 * fit the service's engine: options its engine does not have (W0210),
 * cache types it does not support (E0204), ubatch above batch, more slots
 * than context, a tensor split without GPUs or without weight (E0209), and
 * extra_args that set what infrac sets itself (E0212) or anything at all
 * (W0211). The lowering checked each value alone; these run on the merged
 * values (a service's own, else `defaults:`). */
#include <stdio.h>
#include <string.h>

#include "check/passes.h"
#include "engine_flags.h"
#include "fleet/fleet_fields.h"
#include "fleet_schema.h"

static bool engine_has(unsigned engines, int engine) { return engines == 0 || (engines & (1u << engine)); }

static const char *const *engine_caches(int engine) {
    return engine == ENGINE_VLLM ? fs_cache_vllm : engine == ENGINE_INFRAC ? fs_cache_infrac : fs_cache_llamacpp;
}

static bool cache_allowed(int engine, const fleet_engine *build, int64_t id) {
    if (id >= CACHE_DECLARED) return fleet_engine_cache_type(build, id) != NULL; /* the build's own */
    const char *const *list = engine_caches(engine);
    const char *name = cache_type_name((uint32_t)id);
    for (size_t i = 0; list[i]; i++)
        if (!strcmp(list[i], name)) return true;
    return false;
}

static bool span_within(src_span in, src_span at) {
    if (!span_valid(in) || !span_valid(at)) return false;
    bool after_start = at.line > in.line || (at.line == in.line && at.col >= in.col);
    bool before_end = at.line < in.end_line || (at.line == in.end_line && at.col <= in.end_col);
    return after_start && before_end;
}

static void warn_engine_option(check_ctx *c, const fleet_service *s, const char *key, src_span at, unsigned engines,
                               int engine) {
    char list[64];
    fs_engines_text(engines, list, sizeof list);
    diagnostic *d = diag_warning(c->d, "W0210", at, "`%s` has no effect on %s services: service `%s` ignores it",
                                 key, fs_engine_values[engine], s->name.v);
    diag_help(d, "`%s` applies to %s", key, list);
}

/* Options the service wrote itself (inside its own mapping; what it
 * inherits from `defaults:` is not reported) that its engine does not have. */
static void check_engine_options(check_ctx *c, const fleet_service *s, int engine) {
    for (size_t i = 0; i < fs_options.n_keys; i++) {
        const fs_key *k = &fs_options.keys[i];
        if (engine_has(k->engines, engine) || k->offset < 0) continue;
        void *field = (char *)&((fleet_service *)s)->opts + k->offset;
        const bool *set = fleet_field_set(k, field);
        src_span where = fleet_field_span(k, field);
        if (set && *set && span_within(s->body_at, where)) warn_engine_option(c, s, k->name, where, k->engines, engine);
    }
    bool shared;
    const fs_key *gk = fs_find(&fs_service, "gpus", 4, &shared);
    if (s->n_gpus && !engine_has(gk->engines, engine)) warn_engine_option(c, s, "gpus", s->gpus_at, gk->engines, engine);
    const fs_key *hk = fs_find(&fs_service, "allow_hosts", 11, &shared);
    if (s->n_allow_hosts && !engine_has(hk->engines, engine))
        warn_engine_option(c, s, "allow_hosts", s->allow_hosts_at, hk->engines, engine);
    const fs_key *tk = fs_find(&fs_service, "tensor_split", 12, &shared);
    if (s->n_tensor_split && !engine_has(tk->engines, engine))
        warn_engine_option(c, s, "tensor_split", s->tensor_split_at, tk->engines, engine);
    const fs_key *ck = fs_find(&fs_service, "cors_origins", 12, &shared);
    if (s->n_cors_origins && !engine_has(ck->engines, engine))
        warn_engine_option(c, s, "cors_origins", s->cors_origins_at, ck->engines, engine);
}

/* Returns whether a value was refused (the service is then not estimated). */
static bool check_caches(check_ctx *c, const fleet_service *s, int engine) {
    const fleet_service_opts *o = &s->opts;
    const fl_int *sides[2] = {&o->cache_k, &o->cache_v};
    bool refused = false;
    for (int i = 0; i < 2; i++) {
        if (!sides[i]->set || cache_allowed(engine, o->engine_build, sides[i]->v)) continue;
        refused = true;
        if (i == 1 && o->cache_k.set && o->cache_k.v == o->cache_v.v && o->cache_k.at.line == o->cache_v.at.line &&
            o->cache_k.at.col == o->cache_v.at.col)
            continue; /* `cache: x` sets both: one report */
        const char *const *list = engine_caches(engine);
        char names[160] = "";
        size_t used = 0;
        for (size_t j = 0; list[j] && used < sizeof names; j++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", j ? ", " : "", list[j]);
        const char *type = fleet_cache_name(c->f, sides[i]->v);
        const char *by = o->engine_build ? o->engine_build->name.v : fs_engine_values[engine];
        diagnostic *d = diag_error(c->d, "E0204", sides[i]->at, "%s cache type `%s` is not supported by %s (service `%s`)",
                                   i ? "V" : "K", type, by, s->name.v);
        const char *builds[8];
        size_t nb = 0;
        for (uint32_t e = 0; e < c->f->n_engines && nb < 8; e++)
            if (fleet_engine_cache_type(&c->f->engines[e], sides[i]->v)) builds[nb++] = c->f->engines[e].name.v;
        if (nb) diag_help(d, "`%s` is declared by engine `%s`%s: use `engine: %s`", type, builds[0],
                          nb > 1 ? " (and others)" : "", builds[0]);
        else diag_help(d, "%s cache types: %s%s", fs_engine_values[engine], names,
                       o->engine_build ? ", and those its cache_types declare" : "");
    }
    return refused;
}

static bool check_sizes(check_ctx *c, const fleet_service *s) {
    const fleet_service_opts *o = &s->opts;
    bool refused = false;
    if (o->mlock.set && o->mlock.v && o->load_mode.set && !strstr(o->load_mode.v, "mlock")) {
        diagnostic *d = diag_error(c->d, "E0209", o->mlock.at, "mlock with load_mode %s in service `%s`: that mode "
                                   "does not lock", o->load_mode.v, s->name.v);
        diag_note(d, o->load_mode.at, "load_mode set here");
        diag_help(d, "`load_mode: mmap+mlock` (what mlock means alone), `mlock`, or remove one of them");
        refused = true;
    }
    if (o->batch.set && o->ubatch.set && o->ubatch.v > o->batch.v) {
        diagnostic *d = diag_error(c->d, "E0209", o->ubatch.at, "ubatch (%lld) is larger than batch (%lld) in service `%s`",
                                   (long long)o->ubatch.v, (long long)o->batch.v, s->name.v);
        diag_note(d, o->batch.at, "batch set here");
        diag_help(d, "the physical batch is a slice of the logical batch: set ubatch <= batch");
        refused = true;
    }
    /* a slot per request needs at least one token; how small is too small
     * is model_fit's W0501, which knows the engine's defaults */
    if (o->context.set && o->parallel.set && o->parallel.v > 0 && o->context.v / o->parallel.v < 1) {
        diagnostic *d = diag_error(c->d, "E0209", o->parallel.at, "%lld parallel slots cannot share a context of %lld tokens",
                                   (long long)o->parallel.v, (long long)o->context.v);
        diag_note(d, o->context.at, "context set here");
        refused = true;
    }
    return refused;
}

/* tensor_split's length against the GPUs is the reference check's E0704. */
static bool check_split(check_ctx *c, const fleet_service *s) {
    if (!s->n_tensor_split) return false;
    if (!s->gpus_set) {
        diagnostic *d = diag_error(c->d, "E0209", s->tensor_split_at, "tensor_split without gpus in service `%s`", s->name.v);
        diag_help(d, "list the GPUs the split applies to: `gpus: [0, 1]`");
        return true;
    }
    if (s->n_tensor_split != s->n_gpus) return false;
    double sum = 0;
    for (uint32_t i = 0; i < s->n_tensor_split; i++) sum += s->tensor_split[i].v;
    if (sum > 0) return false;
    diag_error(c->d, "E0209", s->tensor_split_at, "tensor_split gives every GPU a weight of 0");
    return true;
}

/* Flags infrac writes itself: a second one in extra_args would override
 * what the checks saw (the exposure check, the memory estimate). */
static bool check_extra_args(check_ctx *c, const fleet_service *s, int engine) {
    bool refused = false;
    for (uint32_t i = 0; i < s->n_extra_args; i++) {
        const engine_flag *f = ef_shadowed(engine, s->extra_args[i].v);
        if (!f) continue;
        size_t n = strcspn(s->extra_args[i].v, "=");
        diagnostic *d = diag_error(c->d, "E0212", s->extra_args[i].at,
                                   "extra_args of service `%s` set %.*s, which infrac sets from `%s`", s->name.v, (int)n,
                                   s->extra_args[i].v, f->key);
        diag_help(d, "remove it from extra_args and set `%s` in the fleet file, so the checks see it", f->key);
        refused = true;
    }
    /* flags the service's build declares are its own, not unchecked */
    uint32_t unchecked = 0;
    const fleet_engine *b = s->opts.engine_build;
    for (uint32_t i = 0; i < s->n_extra_args; i++) {
        const char *a = s->extra_args[i].v;
        size_t n = strcspn(a, "=");
        bool declared = false;
        for (uint32_t j = 0; b && j < b->n_flags && !declared; j++)
            declared = strlen(b->flags[j].v) == n && !strncmp(b->flags[j].v, a, n);
        /* a flag's value follows it: counted with the flag */
        if (declared && !strchr(a, '=') && i + 1 < s->n_extra_args && s->extra_args[i + 1].v[0] != '-') i++;
        if (!declared) unchecked++;
    }
    if (unchecked) {
        diagnostic *d = diag_warning(c->d, "W0211", s->extra_args_at,
                                     "extra_args of service `%s` are passed to the engine unchecked", s->name.v);
        diag_help(d, "prefer the fleet options (context, cache, ...) so the checks see them");
    }
    return refused;
}

void check_service_values(check_ctx *c) {
    for (uint32_t i = 0; i < c->f->n_services; i++) {
        const fleet_service *s = &c->f->services[i];
        const fleet_service_opts *o = &s->opts;
        int engine = o->engine.set ? (int)o->engine.v : ENGINE_LLAMACPP;
        if (engine < 0 || engine >= ENGINE_COUNT) engine = ENGINE_LLAMACPP;
        check_engine_options(c, s, engine);
        bool refused = check_caches(c, s, engine);
        refused |= check_sizes(c, s);
        refused |= check_split(c, s);
        refused |= check_extra_args(c, s, engine);
        c->values_refused[i] = refused;
    }
}
