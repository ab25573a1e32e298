/* The Host header check against DNS rebinding (issue 15 finding 3): a page
 * of attacker.example that re-resolves its name to 127.0.0.1 reaches the
 * engine with `Host: attacker.example`; names the engine was not told about
 * are refused, so such a page can read nothing. */
#ifndef INFRAC_SERVER_HOST_CHECK_H
#define INFRAC_SERVER_HOST_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "host_name.h"

/* True when the Host header value host (name or IP literal, optional
 * :port) may be served by an engine bound to bind: the bind address; any
 * loopback literal and `localhost` on a loopback (127.x, ::1, localhost)
 * or wildcard bind; any IP literal on a wildcard bind (0.0.0.0, ::) or a
 * bind by name, since a literal involves no DNS; one of names (any case).
 * A malformed value is refused. */
bool host_header_allowed(const char *bind, const char *const *names, size_t n_names,
                         const char *host);

#endif
