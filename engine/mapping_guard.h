/* A model file truncated while it is mapped (issue 15 finding 11): the
 * kernel drops the pages past the new end from every mapping, and the next
 * read of one raises SIGBUS, which would kill the engine without a word.
 * No copy of those bytes is left to fall back on, and a request cannot be
 * failed alone from inside a compute kernel (its threads would be left
 * midway), so the guard turns it into a clean exit: a message naming the
 * file on stderr (the journal), status 1, and systemd's restart then meets
 * the load-time size check with its own error. Faults outside a guarded
 * mapping keep their previous handler (ASan's, or the default). */
#ifndef INFRAC_ENGINE_MAPPING_GUARD_H
#define INFRAC_ENGINE_MAPPING_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Guards [base, base + size), the mapping of the file at path; installs
 * the SIGBUS handler on first use. False when every slot is taken (the
 * mapping is then unguarded). */
bool ie_mapping_guard_add(const void *base, size_t size, const char *path);
/* Stops guarding the mapping at base (before it is unmapped). */
void ie_mapping_guard_remove(const void *base);

#endif
