/* Bind addresses: which ones overlap (could collide on a port) and which
 * are loopback-only. Parsed with inet_pton; a host name other than
 * localhost is compared by its spelling. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "check/bind_addr.h"

bind_addr bind_addr_parse(const char *text) {
    bind_addr a;
    memset(&a, 0, sizeof a);
    a.text = text ? text : "";
    if (strcasecmp(a.text, "localhost") == 0) {
        a.kind = BIND_LOCALHOST;
        return a;
    }
    const char *t = a.text;
    char buf[64];
    size_t n = strlen(t);
    if (n >= 2 && t[0] == '[' && t[n - 1] == ']' && n - 2 < sizeof buf) { /* [::1] */
        memcpy(buf, t + 1, n - 2);
        buf[n - 2] = '\0';
        t = buf;
    }
    if (inet_pton(AF_INET, t, a.bytes) == 1) {
        a.kind = BIND_V4;
        static const uint8_t any4[4] = {0, 0, 0, 0};
        a.any = memcmp(a.bytes, any4, 4) == 0;
    } else if (inet_pton(AF_INET6, t, a.bytes) == 1) {
        a.kind = BIND_V6;
        static const uint8_t any6[16] = {0};
        a.any = memcmp(a.bytes, any6, 16) == 0;
    } else {
        a.kind = BIND_NAME;
    }
    return a;
}

bool bind_addr_is_loopback(const bind_addr *a) {
    static const uint8_t lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    switch (a->kind) {
    case BIND_LOCALHOST: return true;
    case BIND_V4: return a->bytes[0] == 127;
    case BIND_V6: return memcmp(a->bytes, lo6, 16) == 0;
    default: return false;
    }
}

static bool v4_matches_localhost(const bind_addr *a) { return a->kind == BIND_V4 && a->bytes[0] == 127 && a->bytes[1] == 0 && a->bytes[2] == 0 && a->bytes[3] == 1; }
static bool v6_is_loopback(const bind_addr *a) { return a->kind == BIND_V6 && bind_addr_is_loopback(a); }

bool bind_addr_overlap(const bind_addr *x, const bind_addr *y) {
    /* :: takes every address, IPv4 included (dual stack). */
    if ((x->kind == BIND_V6 && x->any) || (y->kind == BIND_V6 && y->any)) return true;
    /* 0.0.0.0 takes every IPv4 address (and localhost's 127.0.0.1). */
    if (x->kind == BIND_V4 && x->any && (y->kind == BIND_V4 || y->kind == BIND_LOCALHOST || y->kind == BIND_NAME)) return true;
    if (y->kind == BIND_V4 && y->any && (x->kind == BIND_V4 || x->kind == BIND_LOCALHOST || x->kind == BIND_NAME)) return true;
    if (x->kind == BIND_LOCALHOST || y->kind == BIND_LOCALHOST) {
        const bind_addr *o = x->kind == BIND_LOCALHOST ? y : x;
        return o->kind == BIND_LOCALHOST || v4_matches_localhost(o) || v6_is_loopback(o);
    }
    if (x->kind != y->kind) return false;
    if (x->kind == BIND_V4) return memcmp(x->bytes, y->bytes, 4) == 0;
    if (x->kind == BIND_V6) return memcmp(x->bytes, y->bytes, 16) == 0;
    return strcasecmp(x->text, y->text) == 0;
}
