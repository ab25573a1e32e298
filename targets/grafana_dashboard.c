/* OUT/prometheus/grafana-dashboard.json: one Grafana dashboard for the
 * fleet, each panel showing infrac-engine, llama-server and vLLM side by
 * side (one query per engine) over the job the scrape configuration
 * writes (prometheus_config.c). The metric names are the ones the engines
 * export:
 *   infrac-engine: engine/server/metrics.c;
 *   llama-server:  llama.cpp tools/server/server-task.cpp, to_metrics()
 *                  (the llamacpp: prefix; no histograms, no KV usage);
 *   vLLM:          vllm/v1/metrics/loggers.py, PrometheusStatLogger
 *                  (counters gain _total on exposition).
 * tests/cli/observability.sh checks each against tests/data/metrics/. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "targets_json.h"

/* One query per engine, NULL where the engine exports nothing of the kind.
 * Every %s is the label selector. */
typedef struct {
    const char *title, *unit, *description;
    const char *expr[3]; /* infrac, llama.cpp, vLLM */
} panel_def;

#define RATE(m) "rate(" m "{%s}[$__rate_interval])"
#define P95(m) "histogram_quantile(0.95, sum by (le, host, service) (rate(" m "_bucket{%s}[$__rate_interval])))"

static const char *const engine_label[3] = {"infrac", "llama.cpp", "vLLM"};

static const panel_def panels[] = {
    {"Generated tokens per second", "short", "Output tokens per second, by service.",
     {RATE("infrac_generated_tokens_total"), RATE("llamacpp:tokens_predicted_total"),
      RATE("vllm:generation_tokens_total")}},
    {"Prompt tokens per second", "short", "Prompt tokens evaluated per second (llama.cpp: without cached ones).",
     {RATE("infrac_prompt_tokens_total"), RATE("llamacpp:prompt_tokens_total"), RATE("vllm:prompt_tokens_total")}},
    {"Requests running", "short", "Requests being served now (infrac: busy slots).",
     {"infrac_slots_busy{%s}", "llamacpp:requests_processing{%s}", "vllm:num_requests_running{%s}"}},
    {"Requests waiting", "short", "Requests queued for a slot (llama.cpp: deferred).",
     {"infrac_queue_length{%s}", "llamacpp:requests_deferred{%s}", "vllm:num_requests_waiting{%s}"}},
    {"KV cache in use", "percentunit", "Fraction of the KV cache holding tokens. llama-server exports none.",
     {"infrac_kv_cells_used{%s} / infrac_kv_cells{%s}", NULL, "vllm:kv_cache_usage_perc{%s}"}},
    {"Time to first token (p95)", "s", "95th percentile over the rate window. llama-server has no histogram.",
     {P95("infrac_time_to_first_token_seconds"), NULL, P95("vllm:time_to_first_token_seconds")}},
    {"Time per output token (p95; llama.cpp: mean)", "s",
     "95th percentile over the rate window; llama-server: generation seconds over tokens generated.",
     {P95("infrac_time_per_output_token_seconds"),
      "rate(llamacpp:tokens_predicted_seconds_total{%s}[$__rate_interval]) / "
      "rate(llamacpp:tokens_predicted_total{%s}[$__rate_interval])",
      P95("vllm:time_per_output_token_seconds")}},
    {"Request duration (p95)", "s", "95th percentile of a request from arrival to its last byte. llama-server has none.",
     {P95("infrac_request_duration_seconds"), NULL, P95("vllm:e2e_request_latency_seconds")}},
};

static json_t *datasource(void)
{
    return json_pack("{s:s, s:s}", "type", "prometheus", "uid", "${datasource}");
}

/* expr with every %s replaced by sel. */
static char *fill(const char *expr, const char *sel)
{
    strbuf b = {0};
    for (const char *c = expr; *c; c++) {
        if (c[0] == '%' && c[1] == 's') {
            sb_puts(&b, sel);
            c++;
        } else {
            sb_printf(&b, "%c", *c);
        }
    }
    return sb_steal(&b);
}

static json_t *target(const char *ref, const char *expr, const char *legend)
{
    return json_pack("{s:s, s:o, s:s, s:s}", "refId", ref, "datasource", datasource(), "expr", expr,
                     "legendFormat", legend);
}

static json_t *panel(int id, const char *title, const char *unit, const char *description, json_t *targets,
                     int x, int y)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:o, s:{s:i, s:i, s:i, s:i}, s:{s:{s:s}, s:[]}, s:o}", "id", id,
                     "type", "timeseries", "title", title, "description", description, "datasource",
                     datasource(), "gridPos", "h", 8, "w", 12, "x", x, "y", y, "fieldConfig", "defaults",
                     "unit", unit, "overrides", "targets", targets);
}

static json_t *query_variable(const char *name, const char *label, const char *query)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:b, s:i, s:s, s:{s:s, s:s}}", "name", name, "label", label,
                     "type", "query", "datasource", datasource(), "query", query, "includeAll", 1, "multi", 1,
                     "refresh", 2, "allValue", ".*", "current", "text", "All", "value", "$__all");
}

char *target_grafana_dashboard(const plan *p)
{
    char sel[512], q_host[512], q_service[512], uid[41];
    snprintf(sel, sizeof sel, "job=\"%s\", host=~\"$host\", service=~\"$service\"", p->fleet);
    snprintf(q_host, sizeof q_host, "label_values(up{job=\"%s\"}, host)", p->fleet);
    snprintf(q_service, sizeof q_service, "label_values(up{job=\"%s\", host=~\"$host\"}, service)", p->fleet);
    snprintf(uid, sizeof uid, "infrac-%.33s", p->fleet); /* Grafana: a uid has at most 40 characters */

    json_t *list = json_array();
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "name", "datasource", "label", "Prometheus",
                                          "type", "datasource", "query", "prometheus"));
    json_array_append_new(list, query_variable("host", "Host", q_host));
    json_array_append_new(list, query_variable("service", "Service", q_service));

    json_t *out = json_array();
    char *up = fill("up{%s}", sel);
    json_array_append_new(out, panel(1, "Services up", "short", "1 while Prometheus scrapes the service.",
                                     json_pack("[o]", target("A", up, "{{host}}/{{service}}")), 0, 0));
    free(up);
    int id = 2;
    for (size_t i = 0; i < sizeof panels / sizeof *panels; i++, id++) {
        json_t *targets = json_array();
        for (int e = 0; e < 3; e++) {
            if (!panels[i].expr[e])
                continue;
            char ref[2] = {(char)('A' + e), 0}, legend[64];
            snprintf(legend, sizeof legend, "{{host}}/{{service}} %s", engine_label[e]);
            char *expr = fill(panels[i].expr[e], sel);
            json_array_append_new(targets, target(ref, expr, legend));
            free(expr);
        }
        int slot = (int)i + 1; /* "Services up" is slot 0 */
        json_array_append_new(out, panel(id, panels[i].title, panels[i].unit, panels[i].description, targets,
                                         (slot % 2) * 12, (slot / 2) * 8));
    }

    char title[300];
    snprintf(title, sizeof title, "infrac fleet %s", p->fleet);
    json_t *root = json_pack("{s:s, s:s, s:[s], s:s, s:i, s:i, s:s, s:{s:s, s:s}, s:{s:o}, s:o, s:b, s:s}",
                             "title", title, "uid", uid, "tags", "infrac", "timezone", "browser",
                             "schemaVersion", 39, "version", 1, "refresh", "30s", "time", "from", "now-1h",
                             "to", "now", "templating", "list", list, "panels", out, "editable", 1,
                             "description", "Generated by infrac build from the fleet's services. Do not edit: rebuild.");
    return tj_dump(root);
}
