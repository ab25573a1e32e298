/* Exposure: a service listening beyond loopback must require an API key;
 * allow_clients on a loopback service can never be used. */
#include "check/bind_addr.h"
#include "check/passes.h"

void check_exposure(check_ctx *c) {
    fleet *f = c->f;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        const service_eval *e = &c->r->svc[i];
        bind_addr a = bind_addr_parse(e->cfg.bind);
        if (bind_addr_is_loopback(&a)) {
            if (s->n_allow_clients)
                diag_help(diag_warning(c->d, "W0602", s->allow_clients_at,
                                       "service `%s` is bound to %s: its `allow_clients` cannot reach it",
                                       s->name.v, e->cfg.bind),
                          "bind it to an address they can reach (`bind: 0.0.0.0` with an API key), or remove "
                          "`allow_clients`");
            continue;
        }
        if (s->opts.api_key_file.set && s->opts.api_key_file.v && s->opts.api_key_file.v[0]) continue;
        diagnostic *d = diag_error(c->d, "E0601", span_or(s->opts.bind.at, span_or(s->name.at, s->at)),
                                   "service `%s` listens on %s without an API key", s->name.v, e->cfg.bind);
        diag_help(d, "%sadd `api_key_file: /etc/infrac/%s.key`, or bind to 127.0.0.1",
                  a.any ? "it accepts connections from every network: " : "", s->name.v);
    }
}
