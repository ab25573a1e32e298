/* Text for XML 1.0 documents the build writes (launchd property lists):
 * the only XML escaping, as common/shell_quote.h is the only shell quoting
 * and common/unit_quote.h the only unit quoting. */
#ifndef INFRAC_XML_QUOTE_H
#define INFRAC_XML_QUOTE_H

#include <stdbool.h>

#include "strbuf.h"

/* Whether XML 1.0 can hold s as character data: no C0 control character
 * but tab, newline and carriage return (XML 1.0 section 2.2, Char), no DEL. */
bool xml_text_ok(const char *s);
/* Appends s as character data: '&' '<' '>' as entities. Bytes xml_text_ok
 * refuses are written as U+FFFD; callers refuse such text first. */
void sb_add_xml_text(strbuf *b, const char *s);

#endif
