/* Quoting for POSIX shell words: the launch scripts and units the build
 * writes, and the command lines `infrac run` prints. The only quoting. */
#ifndef INFRAC_SHELL_QUOTE_H
#define INFRAC_SHELL_QUOTE_H

#include "strbuf.h"

/* Appends s quoted for a POSIX shell: bare when it only holds safe
 * characters, else in single quotes ('\'' for a quote), or in double quotes
 * with \ escapes when it holds $, ` or \ or starts with ~ (shellcheck-clean). */
void sb_add_shell_word(strbuf *b, const char *s);
/* Appends s quoted, always (a value assigned to a variable). */
void sb_add_shell_quoted(strbuf *b, const char *s);

#endif
