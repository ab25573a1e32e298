/* What a CORS origin may be, for the engine's --cors-origin and the fleet's
 * cors_origins (one rule for both): "*" (any origin) or
 * scheme://host[:port] with scheme http or https and no path, as a browser
 * sends it in Origin (RFC 6454 section 6.1). */
#ifndef INFRAC_CORS_ORIGIN_H
#define INFRAC_CORS_ORIGIN_H

#include <stdbool.h>

bool cors_origin_valid(const char *origin);

#endif
