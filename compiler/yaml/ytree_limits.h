/* Limits of the YAML stage (documented in docs/fleet.md). */
#ifndef INFRAC_YTREE_LIMITS_H
#define INFRAC_YTREE_LIMITS_H

/* Collections nested deeper than this are refused (E0105). */
#define YTREE_MAX_DEPTH 64
/* Aliases and merge keys may stand for at most this many nodes, plus
 * YTREE_ALIAS_FACTOR per node actually written (E0106). */
#define YTREE_ALIAS_BUDGET 1000000u
#define YTREE_ALIAS_FACTOR 8u

/* A file may build at most this many nodes (E0114): a 64 MiB list of ones
 * would otherwise take gigabytes. 10,000 services take about 300,000. */
#define YTREE_MAX_NODES 2000000u

#endif
