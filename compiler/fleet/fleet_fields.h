/* Generic access to a typed fleet value (fl_str, fl_int, ...) through the
 * schema key that describes it: whether it is set, where it was written,
 * its size. Used by the lowering (defaults merging) and by the checks that
 * walk every option (check/service_values.c). */
#ifndef INFRAC_FLEET_FIELDS_H
#define INFRAC_FLEET_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "fleet/fleet.h"
#include "fleet_schema.h"

/* The value's `set` flag; NULL for a type without one (objects, lists). */
bool *fleet_field_set(const fs_key *k, void *field);
/* Where the value was written; line 0 for a type without a span. */
src_span fleet_field_span(const fs_key *k, const void *field);
/* sizeof the fl_* struct; 0 for a type without one. */
size_t fleet_field_size(const fs_key *k);

#endif
