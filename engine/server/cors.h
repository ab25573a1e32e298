/* CORS (Fetch standard, "CORS protocol"): off unless origins are listed
 * (--cors-origin; infrac build writes one per origin of the fleet's
 * cors_origins). A listed origin's
 * requests get Access-Control-Allow-Origin echoing it (with Vary: Origin);
 * "*" allows every origin and answers "*". Access-Control-Allow-Credentials
 * is never sent: clients authenticate with the Authorization header, which
 * a preflight allows by name, so cookies are never needed. */
#ifndef INFRAC_SERVER_CORS_H
#define INFRAC_SERVER_CORS_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "cors_origin.h"
#include "server.h"

#define CORS_MAX_ORIGINS 32

/* Adds origin to o (a copy); false with a message when it is not valid. */
bool cors_add_origin(server_options *o, const char *origin, char *err, size_t errlen);

/* The Access-Control-Allow-Origin value for the request's Origin header,
 * or NULL (CORS off, no Origin, or an origin not listed). */
const char *cors_allow(const server_options *o, const char *origin);

/* Adds the CORS headers of a response to the request on c. */
void cors_add_headers(const server_options *o, struct MHD_Connection *c, struct MHD_Response *r);

/* A preflight (OPTIONS with Origin and Access-Control-Request-Method) when
 * CORS is on: answers it (204 with the Allow headers for a listed origin,
 * 403 otherwise) and returns true. */
bool cors_is_preflight(const server_options *o, struct MHD_Connection *c, const char *method);
struct MHD_Response *cors_preflight_response(const server_options *o, struct MHD_Connection *c,
                                             unsigned *status);

#endif
