/* A service with `engine: infrac` whose model infrac-engine would refuse at
 * load: an architecture it does not run, or metadata that changes the
 * maths which it does not implement (yarn RoPE scaling, per-layer arrays,
 * ...). The reasons are the engine's own (common/engine_arch.h), read from
 * the model's header; a declared shape or catalog entry tells the
 * architecture only. */
#include <stdio.h>
#include <string.h>

#include "check/passes.h"
#include "engine_arch.h"

void check_engine_models(check_ctx *c) {
    for (uint32_t i = 0; i < c->f->n_services; i++) {
        const fleet_service *s = &c->f->services[i];
        const fleet_model *m = s->model_ref;
        if (!m || (engine_kind)s->opts.engine.v != ENGINE_INFRAC) continue;
        const model_shape *ms = &m->shape_resolved;
        char why[200];
        if (ms->infrac_refusal[0])
            snprintf(why, sizeof why, "%s", ms->infrac_refusal);
        else if (!ms->arch[0] || engine_arch_supported(ms->arch, strlen(ms->arch), why, sizeof why))
            continue;
        diagnostic *d = diag_error(c->d, "E0516", span_or(s->opts.engine.at, s->at),
                                   "infrac-engine cannot run model `%s` of service `%s`: %s", m->name.v,
                                   s->name.v, why);
        diag_note(d, span_or(m->name.at, m->at), "model `%s` is declared here", m->name.v);
        diag_help(d, "serve it with `engine: llama.cpp`, or pick a model infrac-engine runs (docs/engine.md)");
    }
}
