/* A bump allocator: the tree, the fleet and the plan are built from many
 * small objects that all die together, so one arena per structure replaces
 * thousands of mallocs and frees. Allocations are zeroed.
 *
 * The one arena policy of the compiler: a structure made of many small
 * objects with one lifetime (ytree, fleet, plan) owns one of these; nothing
 * keeps a private allocator. Running out of memory aborts with a message:
 * a half-built tree or plan is worth nothing to the caller, and checking
 * every small allocation would only add untested paths. */
#ifndef INFRAC_ARENA_H
#define INFRAC_ARENA_H

#include <stddef.h>

typedef struct arena arena;

arena *arena_new(void);
void arena_free(arena *a);
/* Zeroed memory aligned to 16 bytes; aborts when out of memory. */
void *arena_alloc(arena *a, size_t n);
/* A NUL-terminated copy of s[0..n). */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* Grows an array allocated in the arena (the old copy is abandoned). */
void *arena_grow(arena *a, void *old, size_t old_bytes, size_t new_bytes);

#endif
