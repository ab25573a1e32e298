/* Dispatch to one renderer, and what they share: columns, JSON output. */
#include <jansson.h>
#include <stdlib.h>

#include "diag/render_util.h"

uint32_t render_char_col(const source_file *src, uint32_t line, uint32_t bytecol)
{
    size_t len;
    const char *text = source_line(src, line, &len);
    if (!text || bytecol == 0) return bytecol;
    uint32_t chars = 1;
    for (size_t i = 0; i + 1 < bytecol; i++) {
        if (i >= len) { /* past the end of the line (e.g. at its newline) */
            chars += (uint32_t)(bytecol - 1 - i);
            break;
        }
        if (((unsigned char)text[i] & 0xC0) != 0x80) chars++;
    }
    return chars;
}

char_span render_char_span(const source_file *src, src_span at)
{
    char_span c = {0, 0, 0, 0};
    if (!span_valid(at)) return c;
    c.line = at.line;
    c.col = render_char_col(src, at.line, at.col ? at.col : 1);
    c.end_line = at.end_line ? at.end_line : at.line;
    c.end_col = at.end_col ? render_char_col(src, c.end_line, at.end_col) : c.col + 1;
    if (c.end_line == c.line && c.end_col <= c.col) c.end_col = c.col + 1;
    return c;
}

const char *render_severity_name(diag_severity s)
{
    switch (s) {
    case DIAG_ERROR: return "error";
    case DIAG_WARNING: return "warning";
    case DIAG_NOTE: return "note";
    }
    return "error";
}

const char *render_path(const diag_list *l)
{
    return l->src && l->src->path ? l->src->path : "<input>";
}

void diag_render(const diag_list *l, diag_format fmt, bool color, FILE *out)
{
    switch (fmt) {
    case DIAG_FORMAT_TEXT: render_text(l, color, out); break;
    case DIAG_FORMAT_JSON: render_json(l, out); break;
    case DIAG_FORMAT_GITHUB: render_github(l, out); break;
    case DIAG_FORMAT_SARIF: render_sarif(l, out); break;
    }
}

void render_json_document(json_t *root, FILE *out)
{
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (s) {
        fputs(s, out);
        fputc('\n', out);
        free(s);
    }
    json_decref(root);
}
