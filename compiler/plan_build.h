/* Building the plan (plan.h) from a checked fleet. */
#ifndef INFRAC_PLAN_BUILD_H
#define INFRAC_PLAN_BUILD_H

#include "check/check.h"
#include "fleet/fleet.h"
#include "plan.h"

/* Fills *out from the fleet and the checks' resolution. fleet_dir is where
 * `gguf:` paths are relative to. 0, or -1 when out of memory. */
int plan_build(const fleet *f, const check_result *r, const char *fleet_dir, plan *out);

#endif
