#include "host_check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

/* An IP literal's family and bytes; false when s is not one. */
typedef struct ip_literal {
    int family;
    unsigned char bytes[16];
} ip_literal;

static bool parse_ip(const char *s, ip_literal *out)
{
    if (inet_pton(AF_INET, s, out->bytes) == 1) {
        out->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        out->family = AF_INET6;
        return true;
    }
    return false;
}

static bool is_loopback(const ip_literal *ip)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return ip->family == AF_INET ? ip->bytes[0] == 127
                                 : memcmp(ip->bytes, v6_loopback, 16) == 0;
}

static bool is_wildcard(const ip_literal *ip)
{
    static const unsigned char zero[16];
    return memcmp(ip->bytes, zero, ip->family == AF_INET ? 4 : 16) == 0;
}

static bool same_ip(const ip_literal *a, const ip_literal *b)
{
    return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Splits "name", "name:port", "[v6]" or "[v6]:port" (RFC 9110 7.2, RFC 3986
 * 3.2.2) into the name without brackets; false when malformed. */
static bool host_part(const char *host, char *out, size_t outlen)
{
    const char *end;
    const char *start = host;
    if (host[0] == '[') {
        start = host + 1;
        end = strchr(start, ']');
        if (!end || (end[1] && (end[1] != ':' || !all_digits(end + 2))))
            return false;
    } else {
        end = strchr(host, ':');
        if (end && (strchr(end + 1, ':') || !all_digits(end + 1)))
            return false;
        if (!end)
            end = host + strlen(host);
    }
    size_t n = (size_t)(end - start);
    if (n == 0 || n >= outlen)
        return false;
    memcpy(out, start, n);
    out[n] = '\0';
    return true;
}

bool host_header_allowed(const char *bind, const char *const *names, size_t n_names,
                         const char *host)
{
    char name[256];
    if (!host || !host_part(host, name, sizeof name))
        return false;
    for (size_t i = 0; i < n_names; i++)
        if (strcasecmp(names[i], name) == 0)
            return true;
    ip_literal bound, asked;
    bool bind_ip = parse_ip(bind, &bound);
    /* --host localhost listens on loopback (resolved by getaddrinfo). */
    bool local = bind_ip ? is_loopback(&bound) || is_wildcard(&bound) : strcasecmp(bind, "localhost") == 0;
    if (!parse_ip(name, &asked)) {
        if (host[0] == '[')
            return false;
        if (strcasecmp(bind, name) == 0)
            return true;
        return local && strcasecmp(name, "localhost") == 0;
    }
    if (host[0] != '[' && asked.family == AF_INET6)
        return false; /* an IPv6 literal must be bracketed */
    if (bind_ip && same_ip(&bound, &asked))
        return true;
    if (local && is_loopback(&asked))
        return true;
    /* A wildcard bind serves every address of the machine; a bind by name
     * (--host gpu1.lan) serves addresses only its resolution knows. A
     * literal involves no DNS, so it cannot be rebound either way. */
    return bind_ip ? is_wildcard(&bound) : !local;
}
