/* Loading a fleet file and indexing its lines. Content checks (NUL bytes,
 * encoding) belong to the YAML stage, which reports them with positions. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int build_index(source_file *src)
{
    size_t n = 1;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n' && i + 1 < src->len) n++;
    src->line_starts = malloc(n * sizeof *src->line_starts);
    if (!src->line_starts) return -1;
    size_t k = 0;
    src->line_starts[k++] = 0;
    for (size_t i = 0; i < src->len; i++)
        if (src->text[i] == '\n' && i + 1 < src->len) src->line_starts[k++] = i + 1;
    src->n_lines = (uint32_t)n;
    return 0;
}

int source_from_buffer(source_file *src, const char *path, const char *buf, size_t len)
{
    memset(src, 0, sizeof *src);
    src->path = strdup(path ? path : "<input>");
    src->text = malloc(len + 1);
    if (!src->path || !src->text) goto fail;
    if (len) memcpy(src->text, buf, len);
    src->text[len] = '\0';
    src->len = len;
    if (build_index(src) != 0) goto fail;
    return 0;
fail:
    source_free(src);
    return -1;
}

int source_load(source_file *src, const char *path, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    /* "-" is standard input, the Unix convention; diagnostics call it <stdin>. */
    bool from_stdin = strcmp(path, "-") == 0;
    if (from_stdin) path = "<stdin>";
    /* O_NONBLOCK: open(2) of a FIFO without a writer would block forever
     * (fifo(7)). Blocking reads are restored once it is open: a pipe with a
     * writer is read to its end, one without reads as empty. */
    FILE *f = from_stdin ? stdin : NULL;
    if (!from_stdin) {
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            int fl = fcntl(fd, F_GETFL);
            if (fl != -1) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
            f = fdopen(fd, "rb");
            if (!f) close(fd);
        }
    }
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is a directory, not a fleet file", path);
        if (!from_stdin) fclose(f);
        return -1;
    }
    /* Read in chunks rather than trusting st_size: pipes and /proc report 0. */
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len == cap) {
            if (cap > SOURCE_MAX_BYTES) break;
            char *nb = realloc(buf, cap * 2);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (len > SOURCE_MAX_BYTES) break;
        if (got == 0) break;
    }
    int read_error = ferror(f);
    if (!from_stdin) fclose(f);
    if (!buf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (len > SOURCE_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than the %u MiB limit for a fleet file", path,
                 SOURCE_MAX_BYTES / (1024u * 1024u));
        free(buf);
        return -1;
    }
    if (read_error) {
        snprintf(err, errlen, "cannot read %s", path);
        free(buf);
        return -1;
    }
    int rc = source_from_buffer(src, path, buf, len);
    free(buf);
    if (rc != 0) snprintf(err, errlen, "%s: out of memory", path);
    return rc;
}

void source_free(source_file *src)
{
    free(src->path);
    free(src->text);
    free(src->line_starts);
    memset(src, 0, sizeof *src);
}

const char *source_line(const source_file *src, uint32_t line, size_t *len)
{
    if (!src || !src->text || line == 0 || line > src->n_lines) return NULL;
    size_t start = src->line_starts[line - 1];
    size_t end = line < src->n_lines ? src->line_starts[line] : src->len;
    while (end > start && (src->text[end - 1] == '\n' || src->text[end - 1] == '\r')) end--;
    if (len) *len = end - start;
    return src->text + start;
}
