/* Hand-built checked plans for the targets tests: a GPU host with an
 * exclusive pair, a vLLM service and a manual one, and a CPU host running
 * the infrac engine. */
#ifndef INFRAC_TARGETS_SUPPORT_H
#define INFRAC_TARGETS_SUPPORT_H

#include "plan.h"

/* A plan like the checks would produce; free with targets_test_plan_free. */
plan *targets_test_plan(void);
void targets_test_plan_free(plan *p);
/* The service of that name, or NULL. */
plan_service *targets_test_service(plan *p, const char *name);

/* Runs a shell command; returns its exit status and (when out is not NULL)
 * its stdout+stderr, malloc'ed. */
int targets_run(const char *cmd, char **out);
/* A fresh scratch directory under /tmp (malloc'ed path). */
char *targets_scratch_dir(const char *what);
void targets_remove_tree(const char *dir);

#endif
