/* What a service may ask of a host that is a Kubernetes node (`platform:
 * kubernetes`): LLMKube runs its engine in a pod from the runtime's image,
 * so what only a systemd unit or a launch script can do has no form there
 * and is refused by name (E0805), never dropped. Likewise a llama-swap
 * setting on a host without llama-swap (E0820). */
#include <string.h>

#include "check/passes.h"
#include "host_name.h"

static void refuse(check_ctx *c, const fleet_service *s, const char *key, src_span at, const char *why)
{
    diagnostic *d = diag_error(c->d, "E0805", span_or(at, s->at),
                               "service `%s` sets `%s`, which a Kubernetes host (LLMKube) cannot honour: %s", s->name.v,
                               key, why);
    diag_note(d, span_or(s->host_ref->platform.at, s->host_ref->name.at), "host `%s` is a Kubernetes node",
              s->host_ref->name.v);
    diag_help(d, "remove `%s`, or run the service on a linux host", key);
}

/* namespace: a Kubernetes host's, and a name Kubernetes takes (E0809). */
static void check_namespace(check_ctx *c, const fleet_host *host)
{
    if (!host->k8s_namespace.set) return;
    if (!fleet_host_is(host, "kubernetes")) {
        diagnostic *d = diag_error(c->d, "E0809", host->k8s_namespace.at,
                                   "host `%s` sets `namespace`, but it is not a Kubernetes node", host->name.v);
        diag_help(d, "remove `namespace`, or set `platform: kubernetes` on the host");
    } else if (!dns_label_valid(host->k8s_namespace.v)) {
        diagnostic *d = diag_error(c->d, "E0809", host->k8s_namespace.at,
                                   "namespace `%s` of host `%s` is not a Kubernetes namespace name", host->k8s_namespace.v,
                                   host->name.v);
        diag_help(d, "1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit (RFC 1123 label)");
    }
}

void check_platform(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t h = 0; h < f->n_hosts; h++)
        check_namespace(c, &f->hosts[h]);
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        const fleet_host *host = &f->hosts[h];
        if (!host->platform.set || strcmp(host->platform.v, "kubernetes") || !host->llama_swap.set) continue;
        diagnostic *d = diag_error(c->d, "E0805", host->llama_swap.at,
                                   "host `%s` is a Kubernetes node: llama-swap is a host service, LLMKube runs pods",
                                   host->name.v);
        diag_help(d, "remove `llama_swap:` (LLMKube's llamacpp-router runtime routes by model inside the cluster)");
    }
    /* swap_ttl is llama-swap's: a host without it would drop the key (E0820) */
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        if (!s->swap_ttl.set || !s->host_ref || s->host_ref->llama_swap.set) continue;
        diagnostic *d = diag_error(c->d, "E0820", s->swap_ttl.at,
                                   "service `%s` sets `swap_ttl`, but host `%s` has no llama-swap", s->name.v,
                                   s->host_ref->name.v);
        diag_note(d, span_or(s->host_ref->name.at, s->host_ref->at), "host `%s` is declared here",
                  s->host_ref->name.v);
        diag_help(d, "add `llama_swap: {port: ...}` to the host, or remove `swap_ttl`");
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
