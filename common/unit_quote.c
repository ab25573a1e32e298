/* systemd unit quoting (unit_quote.h). */
#include "unit_quote.h"

static void add_quoted_char(strbuf *b, char c, int in_quotes)
{
    if (c == '%')
        sb_puts(b, "%%");
    else if (in_quotes && (c == '\\' || c == '"')) {
        char esc[3] = {'\\', c, 0};
        sb_puts(b, esc);
    } else
        sb_append(b, &c, 1);
}

void sb_add_unit_text(strbuf *b, const char *s)
{
    for (; *s; s++)
        add_quoted_char(b, *s, 0);
}

void sb_add_unit_env(strbuf *b, const char *name, const char *value)
{
    sb_puts(b, "Environment=\"");
    for (const char *s = name; *s; s++)
        add_quoted_char(b, *s, 1);
    sb_puts(b, "=");
    for (const char *s = value; *s; s++)
        add_quoted_char(b, *s, 1);
    sb_puts(b, "\"\n");
}
