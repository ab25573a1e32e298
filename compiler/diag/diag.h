/* Diagnostics: every problem found in one run, each with a stable code
 * (E0301), a primary span, notes at related spans, and a help line.
 * Collected, sorted by position, then rendered as text (like a compiler:
 * file:line:col, the source line, a caret), JSON, GitHub annotations or
 * SARIF. The registry of codes (title + long explanation for
 * `infrac explain`) is compiler/diag/codes.c; docs/diagnostics.md lists them. */
#ifndef INFRAC_DIAG_H
#define INFRAC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "source.h"

typedef enum diag_severity { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_severity;

typedef struct diag_label {
    src_span at;
    char *message;
} diag_label;

typedef struct diagnostic {
    diag_severity severity;
    const char *code;      /* static string from the registry */
    char *message;
    src_span at;
    diag_label *notes;
    size_t n_notes;
    char *help;            /* NULL when none */
    size_t seq;            /* emission order, for stable sorting */
} diagnostic;

/* At most this many diagnostics are kept per file; the rest are counted
 * and rendered as one "N more" line (a file of a million duplicate keys
 * must not take gigabytes to report). */
#define DIAG_MAX_PER_FILE 1000u

typedef struct diag_list {
    const source_file *src;
    diagnostic **items;
    size_t n, cap;
    size_t omitted[2];     /* errors, warnings over DIAG_MAX_PER_FILE */
} diag_list;

typedef struct diag_code_info {
    const char *code;      /* "E0301" */
    diag_severity severity;
    const char *title;     /* one line */
    const char *explanation; /* several paragraphs, for `infrac explain` */
} diag_code_info;

void diag_list_init(diag_list *l, const source_file *src);
void diag_list_free(diag_list *l);

/* Adds an error or a warning; code must be in the registry (an unknown code aborts
 * in debug builds: codes are part of the interface). Returns it so notes
 * and help can be attached; NULL once DIAG_MAX_PER_FILE are kept (diag_note
 * and diag_help accept NULL). */
diagnostic *diag_error(diag_list *l, const char *code, src_span at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
diagnostic *diag_warning(diag_list *l, const char *code, src_span at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_note(diagnostic *d, src_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_help(diagnostic *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Counts the omitted ones too. */
size_t diag_count(const diag_list *l, diag_severity sev);
/* Those over the cap, not kept (0 when all are kept). */
size_t diag_omitted(const diag_list *l);
/* Orders by line, column, then emission: deterministic output. */
void diag_sort(diag_list *l);
/* Renders every diagnostic, plus a summary line in text format. */
typedef enum diag_format { DIAG_FORMAT_TEXT, DIAG_FORMAT_JSON, DIAG_FORMAT_GITHUB, DIAG_FORMAT_SARIF } diag_format;

void diag_render(const diag_list *l, diag_format fmt, bool color, FILE *out);

const diag_code_info *diag_code_lookup(const char *code);
size_t diag_code_count(void);
const diag_code_info *diag_code_at(size_t i);

/* Levenshtein-based suggestion: the candidate closest to word, or NULL when
 * none is close enough to be a plausible typo. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
