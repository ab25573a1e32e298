#include "auth.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strbuf.h"

char *auth_read_key_file(const char *path, char *err, size_t errlen)
{
    strbuf where = {0};
    const char *cred = getenv("CREDENTIALS_DIRECTORY");
    if (cred && *cred) {
        char *copy = strdup(path);
        sb_printf(&where, "%s/%s", cred, basename(copy));
        free(copy);
    } else
        sb_puts(&where, path);
    FILE *f = fopen(where.p, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read API key file %s: %s", where.p, strerror(errno));
        sb_free(&where);
        return NULL;
    }
    strbuf key = {0};
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && key.len < 65536)
        sb_append(&key, buf, n);
    fclose(f);
    while (key.len && strchr(" \t\r\n", key.p[key.len - 1]))
        key.p[--key.len] = 0;
    if (key.len == 0 || memchr(key.p, '\n', key.len) || memchr(key.p, 0, key.len)) {
        snprintf(err, errlen, "API key file %s must hold one non-empty line", where.p);
        sb_free(&where);
        sb_free(&key);
        return NULL;
    }
    sb_free(&where);
    return sb_steal(&key);
}

bool auth_equal(const char *a, size_t an, const char *b, size_t bn)
{
    /* Walk the longer length so the time depends on neither content. */
    size_t n = an > bn ? an : bn;
    volatile unsigned char diff = an != bn;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < an ? (unsigned char)a[i] : 0;
        unsigned char y = i < bn ? (unsigned char)b[i] : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

bool auth_check_bearer(const char *key, const char *authorization)
{
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0)
        return false;
    const char *given = authorization + 7;
    while (*given == ' ')
        given++;
    return auth_equal(given, strlen(given), key, strlen(key));
}
