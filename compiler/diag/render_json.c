/* --format json: one object, keys in a fixed order (jansson preserves
 * insertion order with JSON_PRESERVE_ORDER), so output is byte-stable:
 *   {"diagnostics":[{code,severity,message,file,line,column,end_line,
 *     end_column,notes:[{message,file,line,column,end_line,end_column}],
 *     help}], "errors":N, "warnings":N}
 * Columns count characters; end_column is exclusive; line 0 = no position. */
#include <jansson.h>
#include <stdlib.h>

#include "diag/render_util.h"

static void add_span(json_t *o, const char *path, char_span c)
{
    json_object_set_new(o, "file", json_string(path));
    json_object_set_new(o, "line", json_integer(c.line));
    json_object_set_new(o, "column", json_integer(c.col));
    json_object_set_new(o, "end_line", json_integer(c.end_line));
    json_object_set_new(o, "end_column", json_integer(c.end_col));
}

void render_json(const diag_list *l, FILE *out)
{
    const char *path = render_path(l);
    json_t *root = json_object();
    json_t *arr = json_array();
    for (size_t i = 0; i < l->n; i++) {
        const diagnostic *d = l->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(d->code));
        json_object_set_new(o, "severity", json_string(render_severity_name(d->severity)));
        json_object_set_new(o, "message", json_string(d->message));
        add_span(o, path, render_char_span(l->src, d->at));
        json_t *notes = json_array();
        for (size_t k = 0; k < d->n_notes; k++) {
            json_t *n = json_object();
            json_object_set_new(n, "message", json_string(d->notes[k].message));
            add_span(n, path, render_char_span(l->src, d->notes[k].at));
            json_array_append_new(notes, n);
        }
        json_object_set_new(o, "notes", notes);
        json_object_set_new(o, "help", d->help ? json_string(d->help) : json_null());
        json_array_append_new(arr, o);
    }
    json_object_set_new(root, "diagnostics", arr);
    json_object_set_new(root, "errors", json_integer((json_int_t)diag_count(l, DIAG_ERROR)));
    json_object_set_new(root, "warnings", json_integer((json_int_t)diag_count(l, DIAG_WARNING)));
    /* over DIAG_MAX_PER_FILE: counted in errors and warnings, not listed */
    if (diag_omitted(l)) json_object_set_new(root, "omitted", json_integer((json_int_t)diag_omitted(l)));
    render_json_document(root, out);
}
