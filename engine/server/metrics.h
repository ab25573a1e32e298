/* Server counters and their Prometheus text exposition. Thread-safe. */
#ifndef INFRAC_SERVER_METRICS_H
#define INFRAC_SERVER_METRICS_H

#include <stdint.h>

#include "strbuf.h"

typedef struct metrics metrics;

/* A latency histogram in seconds over fixed bucket bounds (the same for
 * every histogram, spanning vLLM's range from milliseconds to minutes). */
#define HISTOGRAM_BUCKETS 18
extern const double histogram_bounds[HISTOGRAM_BUCKETS];
typedef struct histogram {
    uint64_t bucket[HISTOGRAM_BUCKETS]; /* observations <= the bound, not cumulative */
    uint64_t count;
    double sum;
} histogram;
void histogram_observe(histogram *h, double seconds);

/* Live values the scheduler reports when /metrics is read. */
typedef struct metrics_gauges {
    const char *model; /* the served alias: the `model` label of every sample */
    uint32_t slots_total, slots_busy;
    uint32_t queue_length, queue_capacity;
    uint64_t kv_cells_used, kv_cells_total;
    int model_loaded; /* 0 loading, 1 loaded */
    uint64_t prompt_tokens, generated_tokens; /* totals */
    double prompt_seconds, generation_seconds;  /* time spent on each */
    histogram ttft;     /* submit to first generated token */
    histogram tpot;     /* per output token after the first, per finished request */
    histogram e2e;      /* submit to finish, per finished request */
} metrics_gauges;

metrics *metrics_new(void);
void metrics_free(metrics *m);
/* One answered request: endpoint is the route ("/v1/chat/completions",
 * anything unknown counts as "other"). */
void metrics_count_request(metrics *m, const char *endpoint, int status);
void metrics_render(metrics *m, const metrics_gauges *g, strbuf *out);

#endif
