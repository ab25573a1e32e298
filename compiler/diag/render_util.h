/* Helpers shared by the diagnostic renderers. Spans count bytes; every
 * output reports columns in characters (Unicode code points), which is what
 * editors, GitHub and SARIF (columnKind unicodeCodePoints) expect. */
#ifndef INFRAC_RENDER_UTIL_H
#define INFRAC_RENDER_UTIL_H

#include <stdint.h>
#include <stdio.h>

#include "diag/diag.h"

typedef struct char_span {
    uint32_t line, col, end_line, end_col; /* 1-based; end exclusive; line 0 = none */
} char_span;

/* The character column of 1-based byte column bytecol on line. */
uint32_t render_char_col(const source_file *src, uint32_t line, uint32_t bytecol);
char_span render_char_span(const source_file *src, src_span at);
const char *render_severity_name(diag_severity s);
const char *render_path(const diag_list *l);

/* Writes a JSON document (2-space indent, keys in insertion order, ASCII)
 * and a newline, then releases root: the JSON and SARIF renderers' output. */
struct json_t;
void render_json_document(struct json_t *root, FILE *out);
void render_text(const diag_list *l, bool color, FILE *out);
void render_json(const diag_list *l, FILE *out);
void render_github(const diag_list *l, FILE *out);
void render_sarif(const diag_list *l, FILE *out);

#endif
