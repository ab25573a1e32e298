/* Quoting for systemd unit files (systemd.syntax(7), systemd.unit(5)
 * "Specifiers", systemd.exec(5) Environment=): the units the build writes.
 * The only unit quoting, as common/shell_quote.h is the only shell quoting. */
#ifndef INFRAC_UNIT_QUOTE_H
#define INFRAC_UNIT_QUOTE_H

#include "strbuf.h"

/* Appends s as unit text: '%' starts a specifier, so it is written "%%". */
void sb_add_unit_text(strbuf *b, const char *s);
/* Appends one `Environment="NAME=value"` line: the assignment in double
 * quotes (one word, spaces kept), '\' and '"' escaped C-style, '%' as "%%".
 * Environment= expands no $VARIABLES, so '$' stays as it is. */
void sb_add_unit_env(strbuf *b, const char *name, const char *value);

#endif
