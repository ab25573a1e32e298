/* What a service may ask of a host that is a Kubernetes node (`platform:
 * kubernetes`): LLMKube runs its engine in a pod from the runtime's image,
 * so what only a systemd unit or a launch script can do has no form there
 * and is refused by name (E0805), never dropped. */
#include <string.h>

#include "check/passes.h"

static void refuse(check_ctx *c, const fleet_service *s, const char *key, src_span at, const char *why)
{
    diagnostic *d = diag_error(c->d, "E0805", span_or(at, s->at),
                               "service `%s` sets `%s`, which a Kubernetes host (LLMKube) cannot honour: %s", s->name.v,
                               key, why);
    diag_note(d, span_or(s->host_ref->platform.at, s->host_ref->name.at), "host `%s` is a Kubernetes node",
              s->host_ref->name.v);
    diag_help(d, "remove `%s`, or run the service on a linux host", key);
}

void check_platform(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        const fleet_host *host = &f->hosts[h];
        if (!host->platform.set || strcmp(host->platform.v, "kubernetes") || !host->llama_swap.set) continue;
        diagnostic *d = diag_error(c->d, "E0805", host->llama_swap.at,
                                   "host `%s` is a Kubernetes node: llama-swap is a host service, LLMKube runs pods",
                                   host->name.v);
        diag_help(d, "remove `llama_swap:` (LLMKube's llamacpp-router runtime routes by model inside the cluster)");
    }
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        const fleet_host *h = s->host_ref;
        if (!h || !h->platform.set || strcmp(h->platform.v, "kubernetes")) continue;
        const fleet_service_opts *o = &s->opts;
        if (c->r->svc[i].cfg.mem.engine == ENGINE_INFRAC)
            refuse(c, s, "engine: infrac", o->engine.at, "LLMKube has no runtime for infrac-engine");
        if (o->engine_build && (o->engine_build->binary.set || o->engine_build->n_binaries))
            refuse(c, s, "engine", o->engine.at, "its build's binary is a host path; a pod runs the runtime's image");
        if (o->cpu_affinity.set) refuse(c, s, "cpu_affinity", o->cpu_affinity.at, "CPU pinning is the kubelet's (CPU manager)");
        if (o->numa.set) refuse(c, s, "numa", o->numa.at, "NUMA placement is the kubelet's (topology manager)");
        if (o->mlock.set && o->mlock.v) refuse(c, s, "mlock", o->mlock.at, "a pod cannot raise its memlock limit");
        if (o->after.set) refuse(c, s, "after", o->after.at, "systemd units order nothing in a pod");
        if (o->requires.set) refuse(c, s, "requires", o->requires.at, "systemd units order nothing in a pod");
        if (o->wants.set) refuse(c, s, "wants", o->wants.at, "systemd units order nothing in a pod");
        if (o->user.set) refuse(c, s, "user", o->user.at, "a pod's user is its securityContext's");
        if (o->api_key_file.set)
            refuse(c, s, "api_key_file", o->api_key_file.at, "the key file is a host path; LLMKube's gateway authenticates");
    }
}
