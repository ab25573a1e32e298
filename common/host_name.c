#include "host_name.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool host_name_valid(const char *s)
{
    unsigned char addr[16];
    if (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1)
        return true;
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

bool host_is_loopback(const char *addr)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};
    unsigned char a[16];
    if (!addr)
        return false;
    if (strcasecmp(addr, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, addr, a) == 1)
        return a[0] == 127;
    return inet_pton(AF_INET6, addr, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}

bool ip_network_valid(const char *s)
{
    static const char *const keywords[] = {"localhost", "link-local", "multicast"};
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
        if (strcmp(s, keywords[i]) == 0)
            return true;
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof addr)
        return false;
    memcpy(addr, s, n);
    addr[n] = 0;
    unsigned char bytes[16];
    int max_prefix;
    if (inet_pton(AF_INET, addr, bytes) == 1)
        max_prefix = 32;
    else if (inet_pton(AF_INET6, addr, bytes) == 1)
        max_prefix = 128;
    else
        return false;
    if (!slash)
        return true;
    const char *p = slash + 1;
    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1]))
        return false;
    char *end;
    long prefix = strtol(p, &end, 10);
    return *end == 0 && prefix <= max_prefix;
}

bool dns_label_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}
