/* Rendering of the plan for people (tables) and for tools (JSON). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plan_print.h"
#include "ggml_types.h"
#include "targets_json.h"

static const char *gib(uint64_t b, char *buf, size_t n) {
    snprintf(buf, n, "%.2f", (double)b / (double)GIB);
    return buf;
}

static int gpu_slot(const plan_service *s, uint32_t index) {
    for (uint32_t i = 0; i < s->n_gpus; i++)
        if (s->gpus[i] == index) return (int)i;
    return -1;
}

static void row(FILE *out, const char *name, const char *engine, const memory_breakdown *m) {
    char w[32], k[32], c[32], o[32], x[32], t[32];
    fprintf(out, "    %-24s %-10s %8s %8s %8s %8s %8s %8s\n", name, engine, gib(m->weights, w, sizeof w),
            gib(m->kv_cache, k, sizeof k), gib(m->compute, c, sizeof c), gib(m->overhead, o, sizeof o),
            gib(m->other, x, sizeof x), gib(m->total, t, sizeof t));
}

static void header(FILE *out) {
    fprintf(out, "    %-24s %-10s %8s %8s %8s %8s %8s %8s\n", "service", "engine", "weights", "kv", "compute",
            "overhead", "other", "total");
}

static int cmp_port(const void *a, const void *b) {
    const plan_service *x = *(const plan_service *const *)a, *y = *(const plan_service *const *)b;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    return strcmp(x->name, y->name);
}

void plan_print_text(const plan *p, FILE *out) {
    char a[32], b[32], c[32];
    fprintf(out, "fleet %s (%s, sha256 %.12s)\n", p->fleet, p->source_path, p->source_sha256);
    fprintf(out, "memory in GiB; `other` is llama-server's host prompt cache or the rest of vLLM's claim\n");
    for (uint32_t h = 0; h < p->n_hosts; h++) {
        const plan_host *host = &p->hosts[h];
        fprintf(out, "\nhost %s", host->name);
        if (host->address) fprintf(out, " (%s)", host->address);
        fprintf(out, ": %u service%s\n", host->n_services, host->n_services == 1 ? "" : "s");
        for (uint32_t g = 0; g < host->n_gpus; g++) {
            const plan_gpu *gpu = &host->gpus[g];
            uint64_t limit = gpu->usable_bytes > gpu->margin_bytes ? gpu->usable_bytes - gpu->margin_bytes : 0;
            int64_t headroom = (int64_t)limit - (int64_t)gpu->peak_bytes;
            fprintf(out, "  GPU %u %s: peak %s of %s usable (margin %s), headroom %.2f\n", gpu->index,
                    gpu->model ? gpu->model : "custom", gib(gpu->peak_bytes, a, sizeof a),
                    gib(gpu->usable_bytes, b, sizeof b), gib(gpu->margin_bytes, c, sizeof c),
                    (double)headroom / (double)GIB);
            bool any = false;
            for (uint32_t s = 0; s < host->n_services; s++) {
                const plan_service *sv = host->services[s];
                int slot = gpu_slot(sv, gpu->index);
                if (slot < 0 || (uint32_t)slot >= sv->memory.n_gpus) continue;
                if (!any) header(out);
                any = true;
                char label[64];
                snprintf(label, sizeof label, "%s%s", sv->name, sv->exclusive ? "*" : "");
                row(out, label, engine_kind_name(sv->engine), &sv->memory.gpu[slot]);
            }
            if (!any) fprintf(out, "    (no services)\n");
        }
        fprintf(out, "  host RAM: peak %s", gib(host->ram_peak_bytes, a, sizeof a));
        if (host->memory_bytes) {
            int64_t headroom = (int64_t)host->memory_bytes - (int64_t)host->ram_peak_bytes;
            fprintf(out, " of %s, headroom %.2f (before the margin)", gib(host->memory_bytes, b, sizeof b),
                    (double)headroom / (double)GIB);
        } else {
            fprintf(out, " (memory not declared)");
        }
        fprintf(out, "\n");
        if (host->n_services) header(out);
        for (uint32_t s = 0; s < host->n_services; s++) {
            const plan_service *sv = host->services[s];
            char label[64];
            snprintf(label, sizeof label, "%s%s", sv->name, sv->exclusive ? "*" : "");
            row(out, label, engine_kind_name(sv->engine), &sv->memory.host);
        }
        fprintf(out, "  ports:\n");
        /* In port order (host->services is sorted by name, so ties stay by name). */
        const plan_service **by_port = malloc(sizeof *by_port * (host->n_services ? host->n_services : 1));
        if (by_port) {
            memcpy(by_port, host->services, sizeof *by_port * host->n_services);
            qsort(by_port, host->n_services, sizeof *by_port, cmp_port);
            for (uint32_t s = 0; s < host->n_services; s++)
                fprintf(out, "    %-5u %-24s %s%s\n", by_port[s]->port, by_port[s]->name, by_port[s]->bind,
                        by_port[s]->api_key_file ? " (api key)" : "");
            free(by_port);
        }
        for (uint32_t r = 0; r < host->n_reserved_ports; r++)
            fprintf(out, "    %-5u (reserved)\n", host->reserved_ports[r]);
    }
    bool any_excl = false;
    for (uint32_t s = 0; s < p->n_services; s++) any_excl |= p->services[s].exclusive != NULL;
    if (any_excl) fprintf(out, "\n* in an exclusive group: counted once per group, at its largest\n");
}

static json_t *service_json(const plan_service *s) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "host", s->host ? json_string(s->host->name) : json_null());
    json_object_set_new(o, "engine", json_string(engine_kind_name(s->engine)));
    json_object_set_new(o, "model", json_string(s->model));
    json_object_set_new(o, "model_path", tj_str_or_null(s->model_path));
    json_object_set_new(o, "model_file_bytes", s->model_file_bytes ? json_integer((json_int_t)s->model_file_bytes) : json_null());
    json_object_set_new(o, "bind", json_string(s->bind));
    json_object_set_new(o, "port", json_integer(s->port));
    json_object_set_new(o, "context", json_integer(s->context));
    json_object_set_new(o, "parallel", json_integer(s->parallel));
    json_object_set_new(o, "batch", json_integer(s->batch));
    json_object_set_new(o, "ubatch", json_integer(s->ubatch));
    json_object_set_new(o, "threads", json_integer(s->threads));
    json_object_set_new(o, "cache_k", json_string(target_cache_type_name(s->cache_k)));
    json_object_set_new(o, "cache_v", json_string(target_cache_type_name(s->cache_v)));
    json_object_set_new(o, "flash_attention", json_boolean(s->flash_attn));
    json_object_set_new(o, "gpu_layers", json_integer(s->gpu_layers));
    json_object_set_new(o, "cpu_moe_layers", json_integer(s->cpu_moe_layers));
    json_object_set_new(o, "swa_full", json_boolean(s->swa_full));
    json_t *gpus = json_array(), *split = json_array(), *mem = json_array();
    for (uint32_t i = 0; i < s->n_gpus; i++) {
        json_array_append_new(gpus, json_integer(s->gpus[i]));
        json_array_append_new(split, json_real(s->tensor_split[i]));
        if (i < s->memory.n_gpus) json_array_append_new(mem, tj_breakdown(&s->memory.gpu[i]));
    }
    json_object_set_new(o, "gpus", gpus);
    json_object_set_new(o, "tensor_split", split);
    json_object_set_new(o, "gpu_memory_utilization", json_real(s->gpu_memory_utilization));
    json_object_set_new(o, "api_key_file", tj_str_or_null(s->api_key_file));
    json_object_set_new(o, "exclusive", tj_str_or_null(s->exclusive));
    json_object_set_new(o, "autostart", json_boolean(s->autostart));
    json_object_set_new(o, "alias", tj_str_or_null(s->alias));
    json_object_set_new(o, "load_mode", tj_str_or_null(s->load_mode));
    json_object_set_new(o, "metrics", json_boolean(s->metrics));
    json_object_set_new(o, "restart", json_string(s->restart));
    json_object_set_new(o, "restart_sec", json_integer(s->restart_sec));
    json_object_set_new(o, "user", tj_str_or_null(s->user));
    json_object_set_new(o, "chat_template", tj_str_or_null(s->chat_template));
    json_t *args = json_array();
    for (uint32_t i = 0; i < s->n_extra_args; i++) json_array_append_new(args, json_string(s->extra_args[i]));
    json_object_set_new(o, "extra_args", args);
    json_t *m = json_object();
    json_object_set_new(m, "gpus", mem);
    json_object_set_new(m, "host", tj_breakdown(&s->memory.host));
    json_object_set_new(m, "kv_bytes_per_token", json_integer((json_int_t)s->memory.kv_bytes_per_token));
    json_object_set_new(m, "conservative", json_boolean(s->memory.conservative));
    json_object_set_new(o, "memory", m);
    return o;
}

int plan_print_json(const plan *p, FILE *out) {
    json_t *root = json_object();
    json_object_set_new(root, "fleet", json_string(p->fleet));
    json_object_set_new(root, "source", json_string(p->source_path));
    json_object_set_new(root, "source_sha256", json_string(p->source_sha256));
    json_t *hosts = json_array();
    for (uint32_t h = 0; h < p->n_hosts; h++) {
        const plan_host *host = &p->hosts[h];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(host->name));
        json_object_set_new(o, "address", tj_str_or_null(host->address));
        json_object_set_new(o, "memory_bytes", host->memory_bytes ? json_integer((json_int_t)host->memory_bytes) : json_null());
        json_object_set_new(o, "ram_peak_bytes", json_integer((json_int_t)host->ram_peak_bytes));
        json_object_set_new(o, "cpus", json_integer(host->cpus));
        json_t *gpus = json_array();
        for (uint32_t g = 0; g < host->n_gpus; g++) {
            const plan_gpu *gpu = &host->gpus[g];
            json_array_append_new(gpus, json_pack("{s:i,s:o,s:I,s:I,s:I}", "index", (int)gpu->index, "model",
                                                  tj_str_or_null(gpu->model), "usable_bytes",
                                                  (json_int_t)gpu->usable_bytes, "margin_bytes",
                                                  (json_int_t)gpu->margin_bytes, "peak_bytes",
                                                  (json_int_t)gpu->peak_bytes));
        }
        json_object_set_new(o, "gpus", gpus);
        json_t *svcs = json_array();
        for (uint32_t s = 0; s < host->n_services; s++) json_array_append_new(svcs, json_string(host->services[s]->name));
        json_object_set_new(o, "services", svcs);
        json_t *rp = json_array();
        for (uint32_t r = 0; r < host->n_reserved_ports; r++) json_array_append_new(rp, json_integer(host->reserved_ports[r]));
        json_object_set_new(o, "reserved_ports", rp);
        json_array_append_new(hosts, o);
    }
    json_object_set_new(root, "hosts", hosts);
    json_t *svcs = json_array();
    for (uint32_t s = 0; s < p->n_services; s++) json_array_append_new(svcs, service_json(&p->services[s]));
    json_object_set_new(root, "services", svcs);
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    fputc('\n', out);
    json_decref(root);
    return rc == 0 ? 0 : -1;
}
