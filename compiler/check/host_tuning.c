/* Host tuning against the host: the CPUs of `cpu_affinity` exist on it,
 * and `threads` does not oversubscribe the CPUs the service may use (the
 * host's declared `cpus`, or its affinity). A host without `cpus` is
 * checked for nothing but the affinity's own syntax (the lowering's). */
#include "check/passes.h"
#include "fleet/cpu_list.h"

void check_host_tuning(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        const fleet_service_opts *o = &s->opts;
        const fleet_host *h = s->host_ref;
        if (!h) continue;
        int64_t host_cpus = h->cpus.set ? h->cpus.v : 0;
        cpu_list aff;
        char why[120];
        bool pinned = o->cpu_affinity.set && cpu_list_parse(o->cpu_affinity.v, &aff, why, sizeof why);
        if (pinned && host_cpus > 0 && (int64_t)aff.highest >= host_cpus) {
            diagnostic *d = diag_error(c->d, "E0804", o->cpu_affinity.at,
                                       "cpu_affinity of service `%s` names CPU %u, but host `%s` has %lld CPUs (0-%lld)",
                                       s->name.v, aff.highest, h->name.v, (long long)host_cpus, (long long)host_cpus - 1);
            diag_note(d, span_or(h->cpus.at, h->name.at), "`cpus` of host `%s` set here", h->name.v);
            diag_help(d, "CPUs are numbered from 0 as `lscpu -e` shows them; or correct the host's `cpus`");
            pinned = false;
        }
        engine_kind e = c->r->svc[i].cfg.mem.engine;
        if (!o->threads.set || e == ENGINE_VLLM) continue; /* vLLM: W0210 said so */
        uint64_t limit = pinned ? aff.count : (uint64_t)(host_cpus > 0 ? host_cpus : 0);
        if (!limit || (uint64_t)o->threads.v <= limit) continue;
        diagnostic *d = diag_warning(c->d, "W0801", o->threads.at,
                                     "service `%s` runs %lld threads on %llu CPUs: threads compete for the CPUs", s->name.v,
                                     (long long)o->threads.v, (unsigned long long)limit);
        if (pinned) diag_note(d, o->cpu_affinity.at, "cpu_affinity gives it %u CPUs", aff.count);
        else diag_note(d, span_or(h->cpus.at, h->name.at), "host `%s` has %lld CPUs", h->name.v, (long long)host_cpus);
        diag_help(d, "at most one thread per CPU: `threads: %llu` (or leave threads out: it follows cpu_affinity)",
                  (unsigned long long)limit);
    }
}
