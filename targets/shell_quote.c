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

void sb_add_shell_quoted(strbuf *b, const char *s)
{
    sb_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            sb_puts(b, "'\\''");
        else
            sb_append(b, s, 1);
    }
    sb_puts(b, "'");
}
