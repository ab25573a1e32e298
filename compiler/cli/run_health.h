/* A loopback health probe for `infrac run`: GET /health with status_probe.h's
 * bounded GET. */
#ifndef INFRAC_RUN_HEALTH_H
#define INFRAC_RUN_HEALTH_H

#include <stdbool.h>

/* The address to reach a service bound to bind: wildcard binds are probed
 * on loopback. Returns a static string or bind itself. */
const char *run_probe_address(const char *bind);
/* True when GET http://addr:port/health answers 200 within timeout_ms. */
bool run_health_ok(const char *addr, int port, int timeout_ms);

#endif
