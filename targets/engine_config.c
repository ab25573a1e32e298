/* OUT/<host>/etc/<service>.json: the engine config, format in
 * docs/engine-config.md (every key always present, null when unset,
 * keys sorted). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "targets_json.h"

json_t *tj_str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

json_t *tj_breakdown(const memory_breakdown *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "weights", json_integer((json_int_t)m->weights));
    json_object_set_new(o, "kv_cache", json_integer((json_int_t)m->kv_cache));
    json_object_set_new(o, "compute", json_integer((json_int_t)m->compute));
    json_object_set_new(o, "overhead", json_integer((json_int_t)m->overhead));
    json_object_set_new(o, "other", json_integer((json_int_t)m->other));
    json_object_set_new(o, "total", json_integer((json_int_t)m->total));
    return o;
}

json_t *tj_argv(const target_argv *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < a->n; i++)
        json_array_append_new(arr, json_string(a->v[i]));
    return arr;
}

char *tj_dump(json_t *root)
{
    /* Sorted keys and a fixed real precision: the same plan, the same bytes. */
    char *text = tj_text(root);
    json_decref(root);
    size_t n = strlen(text);
    char *out = realloc(text, n + 2);
    if (!out)
        abort();
    out[n] = '\n';
    out[n + 1] = '\0';
    return out;
}

char *target_engine_config(const plan *p, const plan_service *s)
{
    json_t *o = json_object();
    const plan_host *h = s->host;
    json_object_set_new(o, "format", json_integer(1));
    json_object_set_new(o, "fleet", json_string(p->fleet ? p->fleet : ""));
    json_object_set_new(o, "host", json_string(h ? h->name : ""));
    json_object_set_new(o, "host_address", tj_str_or_null(h ? h->address : NULL));
    json_object_set_new(o, "service", json_string(s->name ? s->name : ""));
    json_object_set_new(o, "engine", json_string(engine_kind_name(s->cfg.mem.engine)));
    json_object_set_new(o, "model", json_string(s->model ? s->model : ""));
    json_object_set_new(o, "model_path", json_string(s->model_path ? s->model_path : ""));
    json_object_set_new(o, "model_bytes",
                        s->model_file_bytes ? json_integer((json_int_t)s->model_file_bytes) : json_null());
    json_object_set_new(o, "alias", json_string(s->cfg.alias ? s->cfg.alias : s->model));
    json_object_set_new(o, "bind", json_string(s->cfg.bind ? s->cfg.bind : ""));
    json_object_set_new(o, "port", json_integer(s->cfg.port));
    json_object_set_new(o, "context", json_integer(s->cfg.mem.context));
    json_object_set_new(o, "parallel", json_integer(s->cfg.mem.parallel));
    json_object_set_new(o, "cache_k", json_string(target_service_cache_name(s, false)));
    json_object_set_new(o, "cache_v", json_string(target_service_cache_name(s, true)));
    json_object_set_new(o, "flash_attention", json_boolean(s->cfg.mem.flash_attn));
    json_object_set_new(o, "batch", json_integer(s->cfg.mem.batch));
    json_object_set_new(o, "ubatch", json_integer(s->cfg.mem.ubatch));
    json_object_set_new(o, "threads", s->cfg.mem.threads ? json_integer(s->cfg.mem.threads) : json_null());
    json_t *gpus = json_array();
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        json_array_append_new(gpus, json_integer(s->cfg.gpus[i]));
    json_object_set_new(o, "gpus", gpus);
    json_object_set_new(o, "api_key_file", tj_str_or_null(s->cfg.api_key_file));
    json_t *allow = json_array();
    for (uint32_t i = 0; i < s->cfg.n_allow_hosts; i++)
        json_array_append_new(allow, json_string(s->cfg.allow_hosts[i]));
    json_object_set_new(o, "allow_hosts", allow);
    json_object_set_new(o, "chat_template", tj_str_or_null(s->cfg.chat_template));
    json_object_set_new(o, "metrics", json_boolean(s->cfg.metrics));
    target_argv argv;
    target_engine_argv(p, s, &argv);
    json_object_set_new(o, "command", tj_argv(&argv));
    target_argv_free(&argv);
    char *url = target_service_url(s);
    json_object_set_new(o, "url", json_string(url));
    free(url);
    return tj_dump(o);
}
