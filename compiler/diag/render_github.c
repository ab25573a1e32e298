/* --format github: workflow commands that GitHub Actions turns into
 * annotations on the pull request:
 *   ::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=E0201::message
 * Property values escape % \r \n : , and the message escapes % \r \n
 * (as the runner's own toolkit does). Notes and help join the message on
 * their own lines, since an annotation has one location. col/endColumn are
 * given only for a one-line span (GitHub ignores them otherwise);
 * endColumn is inclusive. */
#include <stdlib.h>

#include "diag/render_util.h"

static void escape(FILE *out, const char *s, bool property)
{
    for (; *s; s++) {
        switch (*s) {
        case '%': fputs("%25", out); break;
        case '\r': fputs("%0D", out); break;
        case '\n': fputs("%0A", out); break;
        case ':': if (property) fputs("%3A", out); else fputc(':', out); break;
        case ',': if (property) fputs("%2C", out); else fputc(',', out); break;
        default: fputc(*s, out);
        }
    }
}

void render_github(const diag_list *l, FILE *out)
{
    const char *path = render_path(l);
    for (size_t i = 0; i < l->n; i++) {
        const diagnostic *d = l->items[i];
        const char *cmd = d->severity == DIAG_ERROR ? "error" : d->severity == DIAG_WARNING ? "warning" : "notice";
        fprintf(out, "::%s file=", cmd);
        escape(out, path, true);
        char_span c = render_char_span(l->src, d->at);
        if (c.line) {
            fprintf(out, ",line=%u", c.line);
            if (c.end_line == c.line) fprintf(out, ",col=%u,endColumn=%u", c.col, c.end_col - 1);
            else fprintf(out, ",endLine=%u", c.end_line);
        }
        fputs(",title=", out);
        escape(out, d->code, true);
        fputs("::", out);
        /* the message, then each note and the help on lines of their own */
        char *msg = NULL;
        size_t mlen = 0;
        FILE *m = open_memstream(&msg, &mlen);
        if (!m) continue;
        fputs(d->message, m);
        for (size_t k = 0; k < d->n_notes; k++) {
            char_span nc = render_char_span(l->src, d->notes[k].at);
            if (nc.line) fprintf(m, "\nnote (line %u, column %u): %s", nc.line, nc.col, d->notes[k].message);
            else fprintf(m, "\nnote: %s", d->notes[k].message);
        }
        if (d->help) fprintf(m, "\nhelp: %s", d->help);
        fclose(m);
        escape(out, msg, false);
        free(msg);
        fputc('\n', out);
    }
}
