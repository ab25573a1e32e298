/* OUT/plan.json: the checked fleet as the build saw it: every service
 * resolved, the memory of each on each GPU, the ports, and the digest of
 * the fleet file it came from. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "targets_json.h"

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *memory_json(const plan_service *s)
{
    const estimate_result *r = &s->memory;
    json_t *o = json_object();
    json_t *gpus = json_array();
    for (uint32_t i = 0; i < r->n_gpus && i < EST_MAX_GPUS; i++) {
        json_t *g = tj_breakdown(&r->gpu[i]);
        json_object_set_new(g, "gpu", json_integer(i < s->n_gpus ? s->gpus[i] : i));
        json_object_set_new(g, "layers", json_integer(r->layers_on_gpu[i]));
        if (s->engine == ENGINE_VLLM)
            json_object_set_new(g, "vllm_kv_budget", u64(r->vllm_kv_budget[i]));
        json_array_append_new(gpus, g);
    }
    json_object_set_new(o, "gpus", gpus);
    json_object_set_new(o, "host", tj_breakdown(&r->host));
    json_object_set_new(o, "kv_bytes_per_token", u64(r->kv_bytes_per_token));
    json_object_set_new(o, "kv_cells", json_integer(r->kv_cells));
    json_object_set_new(o, "conservative", json_boolean(r->conservative));
    json_t *notes = json_array();
    for (uint32_t i = 0; i < r->n_notes && i < EST_MAX_NOTES; i++)
        json_array_append_new(notes, json_string(r->notes[i]));
    json_object_set_new(o, "notes", notes);
    return o;
}

static json_t *service_json(const plan *p, const plan_service *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name ? s->name : ""));
    json_object_set_new(o, "host", json_string(s->host ? s->host->name : ""));
    json_object_set_new(o, "engine", json_string(target_engine_name(s->engine)));
    json_object_set_new(o, "model", json_string(s->model ? s->model : ""));
    json_object_set_new(o, "model_path", json_string(s->model_path ? s->model_path : ""));
    json_object_set_new(o, "model_bytes", s->model_file_bytes ? u64(s->model_file_bytes) : json_null());
    json_object_set_new(o, "bind", json_string(s->bind ? s->bind : ""));
    json_object_set_new(o, "port", json_integer(s->port));
    json_object_set_new(o, "context", json_integer(s->context));
    json_object_set_new(o, "parallel", json_integer(s->parallel));
    json_object_set_new(o, "batch", json_integer(s->batch));
    json_object_set_new(o, "ubatch", json_integer(s->ubatch));
    json_object_set_new(o, "threads", s->threads ? json_integer(s->threads) : json_null());
    json_object_set_new(o, "cache_k", json_string(target_cache_type_name(s->cache_k)));
    json_object_set_new(o, "cache_v", json_string(target_cache_type_name(s->cache_v)));
    json_object_set_new(o, "flash_attention", json_boolean(s->flash_attn));
    json_object_set_new(o, "gpu_layers", s->gpu_layers < 0 ? json_string("all") : json_integer(s->gpu_layers));
    json_object_set_new(o, "cpu_moe_layers", json_integer(s->cpu_moe_layers));
    json_object_set_new(o, "swa_full", json_boolean(s->swa_full));
    json_object_set_new(o, "kv_unified", json_boolean(s->kv_unified));
    json_object_set_new(o, "cache_ram_bytes", s->cache_ram_set ? u64(s->cache_ram_bytes) : json_null());
    json_t *gpus = json_array(), *split = json_array();
    for (uint32_t i = 0; i < s->n_gpus && i < EST_MAX_GPUS; i++) {
        json_array_append_new(gpus, json_integer(s->gpus[i]));
        json_array_append_new(split, json_real(s->tensor_split[i]));
    }
    json_object_set_new(o, "gpus", gpus);
    json_object_set_new(o, "tensor_split", split);
    json_object_set_new(o, "gpu_memory_utilization",
                        s->engine == ENGINE_VLLM ? json_real(s->gpu_memory_utilization) : json_null());
    json_object_set_new(o, "api_key_file", tj_str_or_null(s->api_key_file));
    json_object_set_new(o, "exclusive", tj_str_or_null(s->exclusive));
    json_object_set_new(o, "autostart", json_boolean(s->autostart));
    json_object_set_new(o, "alias", json_string(s->alias ? s->alias : s->model));
    json_object_set_new(o, "load_mode", tj_str_or_null(s->load_mode));
    json_object_set_new(o, "metrics", json_boolean(s->metrics));
    json_object_set_new(o, "restart", json_string(s->restart ? s->restart : "on-failure"));
    json_object_set_new(o, "restart_sec", json_integer(s->restart_sec));
    json_object_set_new(o, "user", tj_str_or_null(s->user));
    json_object_set_new(o, "chat_template", tj_str_or_null(s->chat_template));
    if (s->draft_path || s->spec_type || s->draft_cache_set || s->spec_draft_n_max || s->spec_draft_n_min_set) {
        /* only for a service with speculative decoding: plans without keep their shape */
        json_t *d = json_object();
        json_object_set_new(d, "model", tj_str_or_null(s->draft));
        json_object_set_new(d, "model_path", tj_str_or_null(s->draft_path));
        json_object_set_new(d, "gpu", s->draft_slot >= 0 ? json_integer(s->gpus[s->draft_slot]) : json_null());
        json_object_set_new(d, "gpu_layers", s->draft_gpu_layers < 0 ? json_string("all") : json_integer(s->draft_gpu_layers));
        json_object_set_new(d, "cache", s->draft_cache_set ? json_string(target_cache_type_name(s->draft_cache)) : json_null());
        json_object_set_new(d, "spec_type", tj_str_or_null(s->spec_type));
        json_object_set_new(d, "n_max", s->spec_draft_n_max ? json_integer(s->spec_draft_n_max) : json_null());
        json_object_set_new(d, "n_min", s->spec_draft_n_min_set ? json_integer(s->spec_draft_n_min) : json_null());
        json_object_set_new(o, "draft", d);
    }
    json_t *extra = json_array();
    for (uint32_t i = 0; i < s->n_extra_args; i++)
        json_array_append_new(extra, json_string(s->extra_args[i]));
    json_object_set_new(o, "extra_args", extra);
    target_argv argv;
    target_engine_argv(p, s, &argv);
    json_object_set_new(o, "command", tj_argv(&argv));
    target_argv_free(&argv);
    char *url = target_service_url(s), *unit = target_unit_name(s);
    json_object_set_new(o, "url", json_string(url));
    json_object_set_new(o, "unit", json_string(unit));
    free(url);
    free(unit);
    json_object_set_new(o, "memory", memory_json(s));
    return o;
}

static json_t *host_json(const plan_host *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(h->name ? h->name : ""));
    json_object_set_new(o, "address", tj_str_or_null(h->address));
    json_object_set_new(o, "memory_bytes", h->memory_bytes ? u64(h->memory_bytes) : json_null());
    json_object_set_new(o, "cpus", h->cpus ? json_integer(h->cpus) : json_null());
    json_object_set_new(o, "ram_peak_bytes", u64(h->ram_peak_bytes));
    json_t *gpus = json_array();
    for (uint32_t i = 0; i < h->n_gpus; i++) {
        const plan_gpu *g = &h->gpus[i];
        json_t *j = json_object();
        json_object_set_new(j, "index", json_integer(g->index));
        json_object_set_new(j, "model", tj_str_or_null(g->model));
        json_object_set_new(j, "usable_bytes", u64(g->usable_bytes));
        json_object_set_new(j, "margin_bytes", u64(g->margin_bytes));
        json_object_set_new(j, "peak_bytes", u64(g->peak_bytes));
        json_array_append_new(gpus, j);
    }
    json_object_set_new(o, "gpus", gpus);
    json_t *services = json_array(), *ports = json_array(), *reserved = json_array();
    for (uint32_t i = 0; i < h->n_services; i++) {
        json_array_append_new(services, json_string(h->services[i]->name));
        json_array_append_new(ports, json_integer(h->services[i]->port));
    }
    for (uint32_t i = 0; i < h->n_reserved_ports; i++)
        json_array_append_new(reserved, json_integer(h->reserved_ports[i]));
    json_object_set_new(o, "services", services);
    json_object_set_new(o, "ports", ports);
    json_object_set_new(o, "reserved_ports", reserved);
    return o;
}

static const char *base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : (path ? path : "");
}

char *target_plan_json(const plan *p)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_integer(1));
    json_object_set_new(root, "fleet", json_string(p->fleet ? p->fleet : ""));
    /* The file's name, not the path it was given by: the same fleet gives
     * the same bytes wherever it was built from. */
    json_object_set_new(root, "source", json_string(base_name(p->source_path)));
    json_object_set_new(root, "source_sha256", json_string(p->source_sha256));
    json_t *hosts = json_array(), *services = json_array();
    for (uint32_t i = 0; i < p->n_hosts; i++)
        json_array_append_new(hosts, host_json(&p->hosts[i]));
    for (uint32_t i = 0; i < p->n_services; i++)
        json_array_append_new(services, service_json(p, &p->services[i]));
    json_object_set_new(root, "hosts", hosts);
    json_object_set_new(root, "services", services);
    return tj_dump(root);
}
