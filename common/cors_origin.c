#include "cors_origin.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool cors_origin_valid(const char *origin)
{
    if (!origin)
        return false;
    if (strcmp(origin, "*") == 0)
        return true;
    const char *host;
    if (strncmp(origin, "http://", 7) == 0)
        host = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        host = origin + 8;
    else
        return false;
    /* host: a name, an IPv4 address or a bracketed IPv6 address; then an
     * optional :port. No path, query, user info or trailing slash. */
    const char *p = host;
    if (*p == '[') {
        while (*++p && (isxdigit((unsigned char)*p) || *p == ':' || *p == '.'))
            ;
        if (*p++ != ']' || p - host < 4)
            return false;
    } else {
        while (isalnum((unsigned char)*p) || *p == '-' || *p == '.')
            p++;
        if (p == host)
            return false;
    }
    if (*p == ':') {
        const char *d = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == d || p - d > 5 || atoi(d) < 1 || atoi(d) > 65535)
            return false;
    }
    return *p == '\0';
}
