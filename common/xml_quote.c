/* See xml_quote.h. */
#include "xml_quote.h"

static bool char_ok(unsigned char c) { return !(c < 0x20 && c != '\t' && c != '\n' && c != '\r') && c != 0x7f; }

bool xml_text_ok(const char *s)
{
    for (; s && *s; s++)
        if (!char_ok((unsigned char)*s))
            return false;
    return true;
}

void sb_add_xml_text(strbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        default:
            if (char_ok((unsigned char)*s))
                sb_append(b, s, 1);
            else
                sb_puts(b, "\xEF\xBF\xBD");
        }
    }
}
