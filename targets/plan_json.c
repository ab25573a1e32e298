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
        json_object_set_new(g, "gpu", json_integer(i < s->cfg.mem.n_gpus ? s->cfg.gpus[i] : i));
        json_object_set_new(g, "layers", json_integer(r->layers_on_gpu[i]));
        if (s->cfg.mem.engine == ENGINE_VLLM)
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
    json_object_set_new(o, "engine", json_string(engine_kind_name(s->cfg.mem.engine)));
    if (s->cfg.engine_build) { /* a declared build (engines:) */
        json_t *b = json_object();
        json_object_set_new(b, "name", json_string(s->cfg.engine_build));
        json_object_set_new(b, "version", tj_str_or_null(s->cfg.engine_version));
        json_object_set_new(b, "binary", tj_str_or_null(s->cfg.binary));
        json_object_set_new(o, "build", b);
    }
    if (s->cfg.cpu_affinity) json_object_set_new(o, "cpu_affinity", json_string(s->cfg.cpu_affinity));
    const char *const *deps[] = {s->cfg.after, s->cfg.requires, s->cfg.wants};
    const uint32_t n_deps[] = {s->cfg.n_after, s->cfg.n_requires, s->cfg.n_wants};
    const char *dep_keys[] = {"after", "requires", "wants"};
    for (size_t d = 0; d < 3; d++) {
        if (!n_deps[d]) continue;
        json_t *a = json_array();
        for (uint32_t i = 0; i < n_deps[d]; i++) json_array_append_new(a, json_string(deps[d][i]));
        json_object_set_new(o, dep_keys[d], a);
    }
    if (s->cfg.n_env) {
        json_t *env = json_object();
        for (uint32_t i = 0; i < s->cfg.n_env; i++) json_object_set_new(env, s->cfg.env[i].name, json_string(s->cfg.env[i].value));
        json_object_set_new(o, "env", env);
    }
    json_object_set_new(o, "model", json_string(s->model ? s->model : ""));
    json_object_set_new(o, "model_path", json_string(s->model_path ? s->model_path : ""));
    json_object_set_new(o, "model_bytes", s->model_file_bytes ? u64(s->model_file_bytes) : json_null());
    json_object_set_new(o, "bind", json_string(s->cfg.bind ? s->cfg.bind : ""));
    json_object_set_new(o, "port", json_integer(s->cfg.port));
    json_object_set_new(o, "context", json_integer(s->cfg.mem.context));
    json_object_set_new(o, "parallel", json_integer(s->cfg.mem.parallel));
    json_object_set_new(o, "batch", json_integer(s->cfg.mem.batch));
    json_object_set_new(o, "ubatch", json_integer(s->cfg.mem.ubatch));
    json_object_set_new(o, "threads", s->cfg.mem.threads ? json_integer(s->cfg.mem.threads) : json_null());
    json_object_set_new(o, "cache_k", json_string(target_service_cache_name(s, false)));
    json_object_set_new(o, "cache_v", json_string(target_service_cache_name(s, true)));
    json_object_set_new(o, "flash_attention", json_boolean(s->cfg.mem.flash_attn));
    json_object_set_new(o, "gpu_layers", s->cfg.mem.gpu_layers < 0 ? json_string("all") : json_integer(s->cfg.mem.gpu_layers));
    json_object_set_new(o, "cpu_moe_layers", json_integer(s->cfg.mem.cpu_moe_layers));
    json_object_set_new(o, "swa_full", json_boolean(s->cfg.mem.swa_full));
    json_object_set_new(o, "kv_unified", json_boolean(s->cfg.mem.kv_unified));
    json_object_set_new(o, "embeddings", json_boolean(s->cfg.mem.embeddings));
    json_object_set_new(o, "cache_ram_bytes", s->cfg.cache_ram_set ? u64(s->cfg.mem.cache_ram_bytes) : json_null());
    json_t *gpus = json_array(), *split = json_array();
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus && i < EST_MAX_GPUS; i++) {
        json_array_append_new(gpus, json_integer(s->cfg.gpus[i]));
        json_array_append_new(split, json_real(s->cfg.mem.tensor_split[i]));
    }
    json_object_set_new(o, "gpus", gpus);
    /* how the engine drives them: the `backend:` spelling; null without GPUs */
    json_object_set_new(o, "gpu_api", s->cfg.mem.n_gpus && s->cfg.gpu_api < GPU_API_COUNT
                                          ? json_string(gpu_api_info_of(s->cfg.gpu_api)->name) : json_null());
    json_object_set_new(o, "tensor_split", split);
    json_object_set_new(o, "gpu_memory_utilization",
                        s->cfg.mem.engine == ENGINE_VLLM ? json_real(s->cfg.mem.gpu_memory_utilization) : json_null());
    json_object_set_new(o, "api_key_file", tj_str_or_null(s->cfg.api_key_file));
    json_object_set_new(o, "exclusive", tj_str_or_null(s->cfg.exclusive));
    json_object_set_new(o, "autostart", json_boolean(s->cfg.autostart));
    json_object_set_new(o, "alias", json_string(s->cfg.alias ? s->cfg.alias : s->model));
    json_object_set_new(o, "load_mode", tj_str_or_null(s->cfg.load_mode));
    json_object_set_new(o, "metrics", json_boolean(s->cfg.metrics));
    json_object_set_new(o, "restart", json_string(service_restart(&s->cfg)));
    json_object_set_new(o, "restart_sec", json_integer(s->cfg.restart_sec));
    json_object_set_new(o, "user", tj_str_or_null(s->cfg.user));
    json_object_set_new(o, "chat_template", tj_str_or_null(s->cfg.chat_template));
    if (s->draft_path || s->cfg.spec_type || s->cfg.draft_cache_set || s->cfg.spec_draft_n_max || s->cfg.spec_draft_n_min_set) {
        /* only for a service with speculative decoding: plans without keep their shape */
        json_t *d = json_object();
        json_object_set_new(d, "model", tj_str_or_null(s->cfg.draft));
        json_object_set_new(d, "model_path", tj_str_or_null(s->draft_path));
        json_object_set_new(d, "gpu", s->cfg.draft_slot >= 0 ? json_integer(s->cfg.gpus[s->cfg.draft_slot]) : json_null());
        json_object_set_new(d, "gpu_layers", s->cfg.draft_gpu_layers < 0 ? json_string("all") : json_integer(s->cfg.draft_gpu_layers));
        json_object_set_new(d, "cache", s->cfg.draft_cache_set ? json_string(cache_type_name(s->cfg.draft_cache)) : json_null());
        json_object_set_new(d, "spec_type", tj_str_or_null(s->cfg.spec_type));
        json_object_set_new(d, "n_max", s->cfg.spec_draft_n_max ? json_integer(s->cfg.spec_draft_n_max) : json_null());
        json_object_set_new(d, "n_min", s->cfg.spec_draft_n_min_set ? json_integer(s->cfg.spec_draft_n_min) : json_null());
        json_object_set_new(o, "draft", d);
    }
    json_t *extra = json_array();
    for (uint32_t i = 0; i < s->cfg.n_extra_args; i++)
        json_array_append_new(extra, json_string(s->cfg.extra_args[i]));
    json_object_set_new(o, "extra_args", extra);
    target_argv argv;
    target_engine_argv(p, s, &argv);
    json_object_set_new(o, "command", tj_argv(&argv));
    target_argv_free(&argv);
    /* the job the host's supervisor knows: a systemd unit, on a Mac the
     * launchd label (infrac status asks launchctl for it) */
    char *url = target_service_url(s),
         *unit = s->host && s->host->macos ? target_launchd_label(p, s) : target_unit_name(s);
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
    if (h->kubernetes)
        json_object_set_new(o, "platform", json_string("kubernetes"));
    if (h->macos)
        json_object_set_new(o, "platform", json_string("macos"));
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
        json_array_append_new(ports, json_integer(h->services[i]->cfg.port));
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
