/* Byte searches the reply parsers (harmony.c, reasoning.c, tool_calls.c)
 * share: where a marker is, and how much of a streamed tail could still
 * become one (held back until the next piece decides). */
#ifndef INFRAC_SERVER_TEXT_SCAN_H
#define INFRAC_SERVER_TEXT_SCAN_H

#include <stddef.h>

/* The first marker in h (hn bytes), or NULL. */
const char *text_find(const char *h, size_t hn, const char *marker);
/* How many trailing bytes of s (n bytes) are a proper prefix of marker. */
size_t text_partial_suffix(const char *s, size_t n, const char *marker);

#endif
