#include "cors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cors_origin.h"

bool cors_add_origin(server_options *o, const char *origin, char *err, size_t errlen)
{
    if (!cors_origin_valid(origin)) {
        snprintf(err, errlen,
                 "CORS origin '%.200s' is not \"*\" or scheme://host[:port] (http or https, no "
                 "path)",
                 origin ? origin : "");
        return false;
    }
    if (o->n_cors_origins >= CORS_MAX_ORIGINS) {
        snprintf(err, errlen, "at most %d CORS origins", CORS_MAX_ORIGINS);
        return false;
    }
    char **grown = realloc(o->cors_origins, (o->n_cors_origins + 1) * sizeof *grown);
    if (!grown || !(grown[o->n_cors_origins] = strdup(origin)))
        abort();
    o->cors_origins = grown;
    o->n_cors_origins++;
    return true;
}

const char *cors_allow(const server_options *o, const char *origin)
{
    if (!origin || !o->n_cors_origins)
        return NULL;
    for (size_t i = 0; i < o->n_cors_origins; i++) {
        if (strcmp(o->cors_origins[i], "*") == 0)
            return "*";
        /* scheme and host are case-insensitive (RFC 6454 section 4) */
        if (strcasecmp(o->cors_origins[i], origin) == 0)
            return origin;
    }
    return NULL;
}

void cors_add_headers(const server_options *o, struct MHD_Connection *c, struct MHD_Response *r)
{
    if (!o->n_cors_origins)
        return;
    const char *allow = cors_allow(o, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"));
    /* The answer depends on Origin unless every origin is allowed. */
    if (!allow || strcmp(allow, "*") != 0)
        MHD_add_response_header(r, "Vary", "Origin");
    if (allow)
        MHD_add_response_header(r, "Access-Control-Allow-Origin", allow);
}

bool cors_is_preflight(const server_options *o, struct MHD_Connection *c, const char *method)
{
    return o->n_cors_origins && strcmp(method, "OPTIONS") == 0 &&
           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin") &&
           MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Method");
}

struct MHD_Response *cors_preflight_response(const server_options *o, struct MHD_Connection *c,
                                             unsigned *status)
{
    const char *allow = cors_allow(o, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"));
    static const char refused[] =
        "{\"error\":{\"message\":\"this origin is not allowed (cors_origins)\",\"type\":"
        "\"invalid_request_error\",\"param\":null,\"code\":\"cors_origin_not_allowed\"}}";
    struct MHD_Response *r =
        allow ? MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT)
              : MHD_create_response_from_buffer(sizeof refused - 1, (void *)refused,
                                                MHD_RESPMEM_PERSISTENT);
    if (!r)
        return NULL;
    *status = allow ? 204 : 403;
    cors_add_headers(o, c, r);
    if (allow) {
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, HEAD, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    } else
        MHD_add_response_header(r, "Content-Type", "application/json");
    return r;
}
