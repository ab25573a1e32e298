/* `infrac estimate` output. Sizes are MiB rounded up, so a printed figure
 * is never below the estimate. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/estimate_output.h"

static uint64_t mib_up(uint64_t bytes)
{
    return (bytes + MIB - 1) / MIB;
}

static void text_row(FILE *out, const char *label, const memory_breakdown *b)
{
    fprintf(out, "%-14s %9llu %9llu %9llu %9llu %9llu %9llu\n", label,
            (unsigned long long)mib_up(b->weights), (unsigned long long)mib_up(b->kv_cache),
            (unsigned long long)mib_up(b->compute), (unsigned long long)mib_up(b->overhead),
            (unsigned long long)mib_up(b->other), (unsigned long long)mib_up(b->total));
}

/* A cache type's name: ggml's, vLLM's kinds, or one --cache-type declared. */
static const char *type_name(const estimate_view *v, uint32_t t)
{
    if (t >= CACHE_DECLARED && t - CACHE_DECLARED < 2 && v->declared[t - CACHE_DECLARED])
        return v->declared[t - CACHE_DECLARED];
    return cache_type_name(t);
}

void estimate_print_text(FILE *out, const estimate_view *v)
{
    const model_shape *m = v->model;
    const estimate_request *q = v->req;
    const estimate_result *r = v->res;
    fprintf(out, "model:   %s (%s%s, %u layers, %u KV heads x %u, vocab %u, weights %llu MiB)\n",
            v->gguf_path, m->arch, m->arch_known ? "" : ", not modelled exactly", m->n_layer, m->n_head_kv,
            m->head_dim_k, m->n_vocab, (unsigned long long)mib_up(m->weights_bytes));
    fprintf(out, "engine:  %s, context %u, %u slot%s, batch %u/%u, cache %s/%s, flash attention %s%s\n",
            engine_kind_name(q->engine), q->context ? q->context : m->n_ctx_train, q->parallel,
            q->parallel == 1 ? "" : "s", q->batch, q->ubatch, type_name(v, q->cache_k), type_name(v, q->cache_v),
            q->flash_attn ? "on" : "off", q->embeddings ? ", embeddings" : "");
    if (q->draft) {
        fprintf(out, "draft:   %s (%s, %u layers, weights %llu MiB)", v->draft_path ? v->draft_path : "?",
                q->draft->arch, q->draft->n_layer, (unsigned long long)mib_up(q->draft->weights_bytes));
        if (q->engine == ENGINE_LLAMACPP) {
            fprintf(out, ", cache %s, ", cache_type_name(q->draft_cache));
            if (q->draft_gpu_layers < 0)
                fprintf(out, "all layers");
            else
                fprintf(out, "%d layers", q->draft_gpu_layers);
            if (q->draft_gpu >= 0)
                fprintf(out, " on GPU %d", q->draft_gpu);
            else
                fprintf(out, " split like the model");
        }
        fputc('\n', out);
    }
    if (q->mtp)
        fprintf(out, "mtp:     the model's %u MTP layer%s draft, cache %s\n", m->n_nextn, m->n_nextn == 1 ? "" : "s",
                cache_type_name(q->draft_cache));
    fprintf(out, "KV cache: %llu bytes per token, %u cells\n\n", (unsigned long long)r->kv_bytes_per_token,
            r->kv_cells);
    fprintf(out, "%-14s %9s %9s %9s %9s %9s %9s\n", "MiB", "weights", "kv cache", "compute", "overhead", "other",
            "total");
    for (uint32_t g = 0; g < r->n_gpus; g++) {
        char label[32];
        snprintf(label, sizeof label, "GPU %u", g);
        text_row(out, label, &r->gpu[g]);
    }
    text_row(out, "host RAM", &r->host);
    for (uint32_t g = 0; g < r->n_gpus; g++) {
        fprintf(out, "GPU %u: %u layer%s", g, r->layers_on_gpu[g], r->layers_on_gpu[g] == 1 ? "" : "s");
        if (q->engine == ENGINE_VLLM)
            fprintf(out, ", KV budget %llu MiB", (unsigned long long)(r->vllm_kv_budget[g] / MIB));
        if (v->gpu) {
            uint64_t usable = v->gpu->usable_bytes;
            if (r->gpu[g].total <= usable)
                fprintf(out, ", fits %s (%llu of %llu MiB)", v->gpu->id, (unsigned long long)mib_up(r->gpu[g].total),
                        (unsigned long long)(usable / MIB));
            else
                fprintf(out, ", over %s by %llu MiB", v->gpu->id,
                        (unsigned long long)mib_up(r->gpu[g].total - usable));
        }
        fputc('\n', out);
    }
    if (r->conservative)
        fprintf(out, "conservative: the architecture is not modelled exactly; figures are upper bounds\n");
    for (uint32_t i = 0; i < r->n_notes; i++)
        fprintf(out, "note: %s\n", r->notes[i]);
}

static json_t *breakdown_json(const memory_breakdown *b)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                     "weights_mib", (json_int_t)mib_up(b->weights), "kv_cache_mib", (json_int_t)mib_up(b->kv_cache),
                     "compute_mib", (json_int_t)mib_up(b->compute), "overhead_mib", (json_int_t)mib_up(b->overhead),
                     "other_mib", (json_int_t)mib_up(b->other), "total_mib", (json_int_t)mib_up(b->total),
                     "total_bytes", (json_int_t)b->total);
}

int estimate_print_json(FILE *out, const estimate_view *v)
{
    const model_shape *m = v->model;
    const estimate_request *q = v->req;
    const estimate_result *r = v->res;
    json_t *root = json_object();
    json_t *model = json_pack("{s:s, s:s, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:I}",
                              "path", v->gguf_path, "arch", m->arch, "arch_known", m->arch_known,
                              "n_layer", (int)m->n_layer, "n_embd", (int)m->n_embd, "n_head", (int)m->n_head,
                              "n_head_kv", (int)m->n_head_kv, "head_dim", (int)m->head_dim_k,
                              "n_ff", (int)m->n_ff, "n_vocab", (int)m->n_vocab, "n_ctx_train", (int)m->n_ctx_train,
                              "n_expert", (int)m->n_expert, "n_swa", (int)m->n_swa,
                              "weights_bytes", (json_int_t)m->weights_bytes);
    json_t *request = json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:s, s:b, s:i, s:i, s:i, s:b}",
                                "engine", engine_kind_name(q->engine), "context", (int)(q->context ? q->context : m->n_ctx_train),
                                "parallel", (int)q->parallel, "batch", (int)q->batch, "ubatch", (int)q->ubatch,
                                "cache_k", type_name(v, q->cache_k), "cache_v", type_name(v, q->cache_v),
                                "flash_attention", q->flash_attn, "gpus", (int)q->n_gpus,
                                "gpu_layers", (int)q->gpu_layers, "cpu_moe_layers", (int)q->cpu_moe_layers,
                                "swa_full", q->swa_full);
    if (request)
        json_object_set_new(request, "embeddings", json_boolean(q->embeddings));
    if (request && (q->draft || q->mtp)) {
        json_t *d = json_pack("{s:o, s:b, s:s}", "model", v->draft_path ? json_string(v->draft_path) : json_null(),
                              "mtp", q->mtp, "cache", cache_type_name(q->draft_cache));
        if (d && q->engine == ENGINE_LLAMACPP) {
            json_object_set_new(d, "gpu_layers", q->draft_gpu_layers < 0 ? json_string("all")
                                                                         : json_integer(q->draft_gpu_layers));
            json_object_set_new(d, "gpu", q->draft_gpu < 0 ? json_null() : json_integer(q->draft_gpu));
        }
        json_object_set_new(request, "speculative", d);
    }
    if (q->engine == ENGINE_VLLM && request)
        json_object_set_new(request, "gpu_memory_utilization",
                            json_real(q->gpu_memory_utilization > 0 ? q->gpu_memory_utilization : 0.9));
    json_t *gpus = json_array();
    for (uint32_t g = 0; g < r->n_gpus && gpus; g++) {
        json_t *o = breakdown_json(&r->gpu[g]);
        if (!o)
            break;
        json_object_set_new(o, "index", json_integer(g));
        json_object_set_new(o, "layers", json_integer(r->layers_on_gpu[g]));
        if (q->engine == ENGINE_VLLM)
            json_object_set_new(o, "vllm_kv_budget_mib", json_integer((json_int_t)(r->vllm_kv_budget[g] / MIB)));
        if (v->gpu) {
            json_object_set_new(o, "gpu", json_string(v->gpu->id));
            json_object_set_new(o, "usable_mib", json_integer((json_int_t)(v->gpu->usable_bytes / MIB)));
            json_object_set_new(o, "fits", json_boolean(r->gpu[g].total <= v->gpu->usable_bytes));
        }
        json_array_append_new(gpus, o);
    }
    json_t *notes = json_array();
    for (uint32_t i = 0; i < r->n_notes && notes; i++)
        json_array_append_new(notes, json_string(r->notes[i]));
    int rc = -1;
    if (root && model && request && gpus && notes) {
        json_object_set_new(root, "model", model);
        json_object_set_new(root, "request", request);
        json_object_set_new(root, "gpus", gpus);
        json_object_set_new(root, "host", breakdown_json(&r->host));
        json_object_set_new(root, "kv_bytes_per_token", json_integer((json_int_t)r->kv_bytes_per_token));
        json_object_set_new(root, "kv_cells", json_integer(r->kv_cells));
        json_object_set_new(root, "conservative", json_boolean(r->conservative));
        json_object_set_new(root, "notes", notes);
        model = request = gpus = notes = NULL;
        char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        if (s) {
            fputs(s, out);
            fputc('\n', out);
            free(s);
            rc = 0;
        }
    }
    json_decref(model);
    json_decref(request);
    json_decref(gpus);
    json_decref(notes);
    json_decref(root);
    return rc;
}
