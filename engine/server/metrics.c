#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const endpoints[] = {
    "/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics",
    "/tokenize",            "/detokenize",     "other",
};
#define N_ENDPOINTS (sizeof endpoints / sizeof endpoints[0])
#define N_STATUS 600

struct metrics {
    pthread_mutex_t mu;
    uint64_t requests[N_ENDPOINTS][N_STATUS];
};

metrics *metrics_new(void)
{
    metrics *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static size_t endpoint_index(const char *endpoint)
{
    for (size_t i = 0; i + 1 < N_ENDPOINTS; i++)
        if (strcmp(endpoint, endpoints[i]) == 0)
            return i;
    return N_ENDPOINTS - 1;
}

void metrics_count_request(metrics *m, const char *endpoint, int status)
{
    if (status < 100 || status >= N_STATUS)
        status = 500;
    pthread_mutex_lock(&m->mu);
    m->requests[endpoint_index(endpoint)][status]++;
    pthread_mutex_unlock(&m->mu);
}

static void metric(strbuf *o, const char *name, const char *type, const char *help, double value)
{
    sb_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
}

void metrics_render(metrics *m, const metrics_gauges *g, strbuf *o)
{
    sb_puts(o, "# HELP infrac_requests_total HTTP requests answered, by endpoint and status.\n"
               "# TYPE infrac_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        for (int s = 0; s < N_STATUS; s++)
            if (m->requests[e][s])
                sb_printf(o, "infrac_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n",
                          endpoints[e], s, (unsigned long long)m->requests[e][s]);
    pthread_mutex_unlock(&m->mu);

    metric(o, "infrac_prompt_tokens_total", "counter",
           "Prompt tokens evaluated (tokens reused from a slot's cache not counted).",
           (double)g->prompt_tokens);
    metric(o, "infrac_generated_tokens_total", "counter", "Tokens generated.",
           (double)g->generated_tokens);
    metric(o, "infrac_prompt_seconds_total", "counter", "Seconds spent evaluating prompts.",
           g->prompt_seconds);
    metric(o, "infrac_generation_seconds_total", "counter", "Seconds spent generating tokens.",
           g->generation_seconds);
    metric(o, "infrac_prompt_tokens_per_second", "gauge",
           "Prompt tokens evaluated per second of prompt evaluation, since start.",
           g->prompt_seconds > 0 ? (double)g->prompt_tokens / g->prompt_seconds : 0);
    metric(o, "infrac_tokens_per_second", "gauge",
           "Tokens generated per second of generation, since start.",
           g->generation_seconds > 0 ? (double)g->generated_tokens / g->generation_seconds : 0);
    metric(o, "infrac_slots_busy", "gauge", "Slots serving a request.", g->slots_busy);
    metric(o, "infrac_slots_total", "gauge", "Slots (parallel requests).", g->slots_total);
    metric(o, "infrac_queue_length", "gauge", "Requests waiting for a slot.", g->queue_length);
    metric(o, "infrac_queue_capacity", "gauge",
           "Requests that may wait for a slot before new ones get 503.", g->queue_capacity);
    metric(o, "infrac_kv_cells_used", "gauge", "KV cache cells holding tokens, all slots.",
           (double)g->kv_cells_used);
    metric(o, "infrac_kv_cells_total", "gauge", "KV cache cells, all slots.",
           (double)g->kv_cells_total);
    metric(o, "infrac_model_loaded", "gauge", "1 once the model is loaded, 0 while loading.",
           g->model_loaded);
}
