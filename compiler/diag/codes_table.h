/* The registry of diagnostic codes is split by owner, one table each,
 * ended by an entry whose code is NULL. diag_code_lookup() searches them all.
 *   E01xx YAML syntax and structure     codes_front.c
 *   E02xx schema: keys, types, ranges   codes_front.c
 *   E03xx ports                         codes_checks.c
 *   E04xx memory (VRAM, host RAM)       codes_checks.c
 *   E05xx model fit                     codes_checks.c
 *   E06xx exposure                      codes_checks.c
 *   E07xx references                    codes_checks.c
 *   E08xx engines (builds), host tuning  codes_checks.c
 *   E09xx build output                  codes_build.c
 * Warnings use W and the same ranges. */
#ifndef INFRAC_CODES_TABLE_H
#define INFRAC_CODES_TABLE_H

#include <stddef.h>

#include "diag/diag.h"

extern const diag_code_info diag_codes_front[];
extern const diag_code_info diag_codes_checks[];
extern const diag_code_info diag_codes_build[];

#endif
