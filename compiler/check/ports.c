/* Ports: on one host, two services whose bind addresses overlap may not
 * share a port; a port in the host's reserved_ports is taken; a port below
 * 1024 needs privileges. Services are grouped by host and sorted by port,
 * so only services on the same port are ever compared. */
#include <stdlib.h>

#include "check/bind_addr.h"
#include "check/passes.h"

typedef struct port_use {
    int64_t port;
    uint32_t svc;
} port_use;

static int port_use_cmp(const void *a, const void *b) {
    const port_use *x = a, *y = b;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    return (x->svc > y->svc) - (x->svc < y->svc);
}

static void check_host_ports(check_ctx *c, uint32_t h, port_use *uses) {
    fleet *f = c->f;
    const fleet_host *host = &f->hosts[h];
    uint32_t n = 0;
    for (uint32_t k = c->host_start[h]; k < c->host_start[h + 1]; k++) {
        const fleet_service *s = &f->services[c->by_host[k]];
        if (s->port.set) uses[n++] = (port_use){s->port.v, c->by_host[k]};
    }
    qsort(uses, n, sizeof *uses, port_use_cmp);
    for (uint32_t a = 0; a < n;) {
        uint32_t b = a;
        while (b < n && uses[b].port == uses[a].port) b++;
        for (uint32_t k = a + 1; k < b; k++) {
            const fleet_service *s = &f->services[uses[k].svc];
            bind_addr sb = bind_addr_parse(c->r->svc[uses[k].svc].cfg.bind);
            for (uint32_t j = a; j < k; j++) {
                const fleet_service *o = &f->services[uses[j].svc];
                bind_addr ob = bind_addr_parse(c->r->svc[uses[j].svc].cfg.bind);
                if (!bind_addr_overlap(&sb, &ob)) continue;
                diagnostic *d = diag_error(c->d, "E0301", s->port.at,
                                           "port %lld on host `%s` is already used by service `%s`",
                                           (long long)s->port.v, host->name.v, o->name.v);
                diag_note(d, o->port.at, "`%s` listens on %s:%lld", o->name.v, ob.text, (long long)o->port.v);
                if (sb.any || ob.any)
                    diag_note(d, span_or(s->opts.bind.at, s->port.at), "`%s` listens on %s, which overlaps %s",
                              s->name.v, sb.text, ob.text);
                diag_help(d, "give `%s` another port", s->name.v);
                break;
            }
        }
        a = b;
    }
    for (uint32_t k = 0; k < n; k++) {
        const fleet_service *s = &f->services[uses[k].svc];
        for (uint32_t r = 0; r < host->n_reserved_ports; r++)
            if (host->reserved_ports[r].v == s->port.v) {
                diagnostic *d = diag_error(c->d, "E0302", s->port.at,
                                           "port %lld is reserved on host `%s`", (long long)s->port.v,
                                           host->name.v);
                diag_note(d, host->reserved_ports[r].at, "reserved here");
                diag_help(d, "pick a port that is not in `reserved_ports`");
                break;
            }
        if (host->llama_swap.port.set && host->llama_swap.port.v == s->port.v) {
            diagnostic *d = diag_error(c->d, "E0302", s->port.at, "port %lld is llama-swap's on host `%s`",
                                       (long long)s->port.v, host->name.v);
            diag_note(d, host->llama_swap.port.at, "llama-swap listens here");
            diag_help(d, "give the service a port of its own: llama-swap proxies to it");
        }
        if (s->port.v > 0 && s->port.v < 1024) {
            diagnostic *d = diag_warning(c->d, "W0301", s->port.at,
                                         "port %lld is privileged (below 1024)", (long long)s->port.v);
            diag_help(d, "the service then needs CAP_NET_BIND_SERVICE; ports from 1024 up need none");
        }
    }
}

void check_ports(check_ctx *c) {
    fleet *f = c->f;
    /* A missing port is the lowering's error (port is a required key). */
    port_use *uses = malloc(sizeof *uses * (f->n_services ? f->n_services : 1));
    for (uint32_t h = 0; h < f->n_hosts; h++) check_host_ports(c, h, uses);
    free(uses);
}
