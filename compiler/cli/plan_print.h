/* `infrac plan` output: a table per host and GPU, or JSON. */
#ifndef INFRAC_PLAN_PRINT_H
#define INFRAC_PLAN_PRINT_H

#include <stdio.h>

#include "plan.h"

void plan_print_text(const plan *p, FILE *out);
/* 0, or -1 when out of memory. Keys sorted, two-space indent. */
int plan_print_json(const plan *p, FILE *out);

#endif
