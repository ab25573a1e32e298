#include "shell_quote.h"

#include <string.h>

static int shell_safe(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-_./,:=+@%", c)))
            return 0;
    }
    return 1;
}

void sb_add_shell_word(strbuf *b, const char *s)
{
    if (shell_safe(s))
        sb_puts(b, s);
    else
        sb_add_shell_quoted(b, s);
}

/* A word with $, ` or \ goes in double quotes with those escaped, and a
 * leading ~ is escaped outside them: in single quotes they are just as
 * literal, but shellcheck takes them for mistakes (SC2016, SC1003, SC2088)
 * and the scripts are meant to stay shellcheck-clean. */
static int wants_double_quotes(const char *s) { return s[0] == '~' || strpbrk(s, "$`\\") != NULL; }

void sb_add_shell_quoted(strbuf *b, const char *s)
{
    if (wants_double_quotes(s)) {
        if (*s == '~') {
            sb_puts(b, "\\~");
            if (!*++s)
                return;
        }
        sb_puts(b, "\"");
        for (; *s; s++) {
            if (strchr("$`\\\"", *s))
                sb_puts(b, "\\");
            sb_append(b, s, 1);
        }
        sb_puts(b, "\"");
        return;
    }
    sb_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            sb_puts(b, "'\\''");
        else
            sb_append(b, s, 1);
    }
    sb_puts(b, "'");
}
