#include "metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const endpoints[] = {
    "/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/models/{id}", "/health",
    "/metrics",             "/tokenize",       "/detokenize", "/v1/embeddings", "/v1/responses",
    "other",
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

/* A label value in the Prometheus text format escapes backslash, double
 * quote and newline (prometheus docs, "Text-based format"). */
static void label_value(strbuf *o, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            sb_printf(o, "\\%c", *v);
        else if (*v == '\n')
            sb_puts(o, "\\n");
        else
            sb_append(o, v, 1);
    }
}

static void metric(strbuf *o, const char *model, const char *name, const char *type,
                   const char *help, double value)
{
    sb_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s{model=\"", name, help, name, type, name);
    label_value(o, model);
    sb_printf(o, "\"} %.17g\n", value);
}

const double histogram_bounds[HISTOGRAM_BUCKETS] = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 640, 2560,
};

void histogram_observe(histogram *h, double seconds)
{
    if (!(seconds >= 0))
        seconds = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
        if (seconds <= histogram_bounds[i]) {
            h->bucket[i]++;
            break;
        }
    h->count++;
    h->sum += seconds;
}

static void render_histogram(strbuf *o, const char *model, const char *name, const char *help,
                             const histogram *h)
{
    sb_printf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (int i = 0; i <= HISTOGRAM_BUCKETS; i++) {
        sb_printf(o, "%s_bucket{model=\"", name);
        label_value(o, model);
        if (i < HISTOGRAM_BUCKETS) {
            cum += h->bucket[i];
            sb_printf(o, "\",le=\"%g\"} %llu\n", histogram_bounds[i], (unsigned long long)cum);
        } else
            sb_printf(o, "\",le=\"+Inf\"} %llu\n", (unsigned long long)h->count);
    }
    sb_printf(o, "%s_sum{model=\"", name);
    label_value(o, model);
    sb_printf(o, "\"} %.17g\n%s_count{model=\"", h->sum, name);
    label_value(o, model);
    sb_printf(o, "\"} %llu\n", (unsigned long long)h->count);
}

void metrics_render(metrics *m, const metrics_gauges *g, strbuf *o)
{
    sb_puts(o, "# HELP infrac_requests_total HTTP requests answered, by endpoint and status.\n"
               "# TYPE infrac_requests_total counter\n");
    pthread_mutex_lock(&m->mu);
    for (size_t e = 0; e < N_ENDPOINTS; e++)
        for (int s = 0; s < N_STATUS; s++)
            if (m->requests[e][s]) {
                sb_puts(o, "infrac_requests_total{model=\"");
                label_value(o, g->model);
                sb_printf(o, "\",endpoint=\"%s\",status=\"%d\"} %llu\n", endpoints[e], s,
                          (unsigned long long)m->requests[e][s]);
            }
    pthread_mutex_unlock(&m->mu);

    metric(o, g->model, "infrac_prompt_tokens_total", "counter",
           "Prompt tokens evaluated (tokens reused from a slot's cache not counted).",
           (double)g->prompt_tokens);
    metric(o, g->model, "infrac_generated_tokens_total", "counter", "Tokens generated.",
           (double)g->generated_tokens);
    metric(o, g->model, "infrac_prompt_seconds_total", "counter", "Seconds spent evaluating prompts.",
           g->prompt_seconds);
    metric(o, g->model, "infrac_generation_seconds_total", "counter", "Seconds spent generating tokens.",
           g->generation_seconds);
    metric(o, g->model, "infrac_prompt_tokens_per_second", "gauge",
           "Prompt tokens evaluated per second of prompt evaluation, since start.",
           g->prompt_seconds > 0 ? (double)g->prompt_tokens / g->prompt_seconds : 0);
    metric(o, g->model, "infrac_tokens_per_second", "gauge",
           "Tokens generated per second of generation, since start.",
           g->generation_seconds > 0 ? (double)g->generated_tokens / g->generation_seconds : 0);
    metric(o, g->model, "infrac_slots_busy", "gauge", "Slots serving a request.", g->slots_busy);
    metric(o, g->model, "infrac_slots", "gauge", "Slots (parallel requests).", g->slots_total);
    metric(o, g->model, "infrac_queue_length", "gauge", "Requests waiting for a slot.", g->queue_length);
    metric(o, g->model, "infrac_queue_capacity", "gauge",
           "Requests that may wait for a slot before new ones get 503.", g->queue_capacity);
    metric(o, g->model, "infrac_kv_cells_used", "gauge", "KV cache cells holding tokens, all slots.",
           (double)g->kv_cells_used);
    metric(o, g->model, "infrac_kv_cells", "gauge", "KV cache cells, all slots.",
           (double)g->kv_cells_total);
    metric(o, g->model, "infrac_model_loaded", "gauge", "1 once the model is loaded, 0 while loading.",
           g->model_loaded);
    render_histogram(o, g->model, "infrac_time_to_first_token_seconds",
                     "Seconds from a request's arrival to its first generated token.", &g->ttft);
    render_histogram(o, g->model, "infrac_time_per_output_token_seconds",
                     "Seconds per generated token after the first, per finished request.",
                     &g->tpot);
    render_histogram(o, g->model, "infrac_request_duration_seconds",
                     "Seconds from a request's arrival to its last token, per finished request.",
                     &g->e2e);
}
