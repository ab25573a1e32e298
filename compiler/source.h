/* A fleet file in memory, with a line index, and source spans: every node
 * of the positioned tree and of the typed fleet keeps one, so any stage can
 * report at the YAML line it came from. */
#ifndef INFRAC_SOURCE_H
#define INFRAC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1-based line and column (columns count bytes); end is exclusive.
 * line == 0 means "no position" (e.g. a value that came from a default). */
typedef struct src_span {
    uint32_t line, col;
    uint32_t end_line, end_col;
} src_span;

typedef struct source_file {
    char *path;          /* as given on the command line */
    char *text;          /* the bytes, NUL-terminated */
    size_t len;
    uint32_t n_lines;
    size_t *line_starts; /* byte offset of each line's start */
} source_file;

#define SOURCE_MAX_BYTES (64u * 1024u * 1024u)

/* Reads path (at most SOURCE_MAX_BYTES). 0, or -1 with a message in err. */
int source_load(source_file *src, const char *path, char *err, size_t errlen);
/* For tests and fuzzing: a copy of buf as a source named path. */
int source_from_buffer(source_file *src, const char *path, const char *buf, size_t len);
void source_free(source_file *src);
/* The text of a 1-based line without its newline; NULL when out of range. */
const char *source_line(const source_file *src, uint32_t line, size_t *len);

static inline bool span_valid(src_span s) { return s.line != 0; }

#endif
