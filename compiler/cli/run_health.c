#include "run_health.h"

#include <string.h>

#include "status_probe.h"

const char *run_probe_address(const char *bind)
{
    if (strcmp(bind, "0.0.0.0") == 0)
        return "127.0.0.1";
    if (strcmp(bind, "::") == 0 || strcmp(bind, "[::]") == 0)
        return "::1";
    return bind;
}

/* the same bounded GET `infrac status` makes (status_probe.c) */
bool run_health_ok(const char *addr, int port, int timeout_ms)
{
    probe_reply r;
    probe_get(addr, port, "/health", NULL, timeout_ms, &r);
    bool ok = r.result == PROBE_OK && r.status == 200;
    probe_reply_free(&r);
    return ok;
}
