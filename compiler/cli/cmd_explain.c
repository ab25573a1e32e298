/* infrac explain CODE: the title and explanation of a diagnostic code.
 * `infrac explain --list` lists the codes; `--markdown` prints the
 * registry in the form docs/diagnostics.md uses. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "diag/diag.h"

/* One code as docs/diagnostics.md shows it: an anchor for links
 * (#E0201), a heading, and the explanation with its indented examples set
 * apart by blank lines so that markdown renders them as code. */
static void markdown_code(FILE *out, const diag_code_info *c)
{
    fprintf(out, "<a id=\"%s\"></a>\n\n### %s %s\n\n", c->code, c->code, c->title);
    bool in_code = false, prev_blank = false;
    for (const char *line = c->explanation; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        bool indented = len >= 4 && !strncmp(line, "    ", 4);
        if (indented && !in_code) fputc('\n', out);
        if (!indented && in_code && len && !prev_blank) fputc('\n', out);
        in_code = indented || (in_code && len == 0);
        prev_blank = len == 0;
        fprintf(out, "%.*s\n", (int)len, line);
        line += len + (end ? 1 : 0);
    }
    fputc('\n', out);
}

static void markdown(FILE *out, const char *prefix)
{
    size_t n = diag_code_count();
    for (size_t i = 0; i < n; i++) {
        const diag_code_info *c = diag_code_at(i);
        if (prefix && strncmp(c->code + 1, prefix, strlen(prefix)) != 0) continue;
        markdown_code(out, c);
    }
}

int cmd_explain(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: infrac explain CODE     explain a diagnostic code (E0201)\n"
                     "       infrac explain --list   list every code\n"
                     "       infrac explain --markdown [RANGE]   the codes as docs/diagnostics.md shows them\n"
                     "                                           (RANGE: 01 for E01xx/W01xx, ...)\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--list")) {
        size_t n = diag_code_count();
        for (size_t i = 0; i < n; i++) printf("%s  %s\n", diag_code_at(i)->code, diag_code_at(i)->title);
        return 0;
    }
    if (!strcmp(argv[1], "--markdown")) {
        markdown(stdout, argc > 2 ? argv[2] : NULL); /* optional range: "01" for E01xx/W01xx */
        return 0;
    }
    char code[16];
    snprintf(code, sizeof code, "%s", argv[1]);
    for (char *p = code; *p; p++) *p = (char)toupper((unsigned char)*p);
    const diag_code_info *c = diag_code_lookup(code);
    if (!c && (code[0] == 'E' || code[0] == 'W')) { /* E0210 for W0210 and back */
        char other[16];
        snprintf(other, sizeof other, "%c%s", code[0] == 'E' ? 'W' : 'E', code + 1);
        const diag_code_info *o = diag_code_lookup(other);
        if (o) {
            fprintf(stderr, "infrac: unknown diagnostic code '%s'\nhelp: did you mean '%s' (%s)?\n", argv[1], o->code, o->title);
            return 2;
        }
    }
    if (!c) {
        fprintf(stderr, "infrac: unknown diagnostic code '%s'\n", argv[1]);
        size_t n = diag_code_count();
        const char *names[512];
        if (n > 512) n = 512;
        for (size_t i = 0; i < n; i++) names[i] = diag_code_at(i)->code;
        const char *s = suggest_closest(code, names, n);
        if (s) fprintf(stderr, "help: did you mean '%s' (%s)?\n", s, diag_code_lookup(s)->title);
        fprintf(stderr, "run 'infrac explain --list' for every code\n");
        return 2;
    }
    printf("%s: %s\n\n%s\n", c->code, c->title, c->explanation);
    return 0;
}
