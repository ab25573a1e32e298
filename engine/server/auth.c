#include "auth.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistd.h>

#include "file_kind.h"
#include "strbuf.h"

/* libmicrohttpd keeps a request's headers in its per-connection pool
 * (32 KiB by default): a longer key could never arrive. */
#define AUTH_KEY_MAX 16384

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
    struct stat st;
    char why0[160];
    int fd = open_regular_file(where.p, &st, why0, sizeof why0);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        if (fd >= 0) {
            snprintf(why0, sizeof why0, "cannot open: %s", strerror(errno));
            close(fd);
        }
        snprintf(err, errlen, "cannot read API key file %s: %s", where.p, why0);
        sb_free(&where);
        return NULL;
    }
    /* Read one byte past the limit so a longer key is refused, not cut. */
    strbuf key = {0};
    char buf[512];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && key.len <= AUTH_KEY_MAX)
        sb_append(&key, buf, n);
    fclose(f);
    const char *why = NULL;
    if (key.len > AUTH_KEY_MAX)
        why = "holds a key longer than the request headers can carry";
    /* Trimmed at both ends: an editor's indentation or newline is not
     * part of the key (a Bearer header cannot end in whitespace either). */
    size_t start = 0;
    while (start < key.len && strchr(" \t", key.p[start]))
        start++;
    while (key.len > start && strchr(" \t\r\n", key.p[key.len - 1]))
        key.p[--key.len] = 0;
    if (!why && key.len == start)
        why = "must hold one non-empty line";
    for (size_t i = start; !why && i < key.len; i++)
        if ((unsigned char)key.p[i] < 0x20 || key.p[i] == 0x7f)
            why = key.p[i] == '\n' ? "must hold one non-empty line"
                                   : "holds a control character, which no header can carry";
    if (why) {
        snprintf(err, errlen, "API key file %s %s", where.p, why);
        sb_free(&where);
        sb_free(&key);
        return NULL;
    }
    memmove(key.p, key.p + start, key.len - start + 1);
    key.len -= start;
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
