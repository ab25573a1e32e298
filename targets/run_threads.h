/* Runs one worker function on several threads of this process: the build
 * renders (build_tree.c), writes and removes trees (out_tree.c) this way. */
#ifndef INFRAC_TARGETS_RUN_THREADS_H
#define INFRAC_TARGETS_RUN_THREADS_H

#include <stddef.h>

/* At most this many threads run one job: more did not help (removing a
 * 10,000-service tree was slower on 32 than on 8, docs/benchmarks.md). */
enum { RUN_THREADS_MAX = 8 };

/* Runs fn(arg) on n threads, at most RUN_THREADS_MAX, this one among them
 * (fewer where threads cannot start; always at least on this one), and
 * returns when all have returned. fn takes its shares of the work from arg. */
void run_threads(void *(*fn)(void *), void *arg, size_t n);

/* The processors online, at least 1. */
size_t online_cpus(void);

#endif
