/* infrac explain CODE: the title and explanation of a diagnostic code.
 * `infrac explain --list` lists the codes; `--markdown` prints the
 * registry in the form docs/diagnostics.md uses. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "diag/diag.h"

static void markdown(FILE *out)
{
    size_t n = diag_code_count();
    for (size_t i = 0; i < n; i++) {
        const diag_code_info *c = diag_code_at(i);
        fprintf(out, "### %s %s\n\n", c->code, c->title);
        /* indented example lines become code blocks as they are */
        fprintf(out, "%s\n\n", c->explanation);
    }
}

int cmd_explain(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *out = argc < 2 ? stderr : stdout;
        fprintf(out, "usage: infrac explain CODE     explain a diagnostic code (E0201)\n"
                     "       infrac explain --list   list every code\n");
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--list")) {
        size_t n = diag_code_count();
        for (size_t i = 0; i < n; i++) printf("%s  %s\n", diag_code_at(i)->code, diag_code_at(i)->title);
        return 0;
    }
    if (!strcmp(argv[1], "--markdown")) {
        markdown(stdout);
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
