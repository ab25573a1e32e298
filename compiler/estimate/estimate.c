/* The estimator's entry points: engine names, request defaults, dispatch,
 * and helpers shared by the engine models. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate/engine_defaults.h"
#include "estimate/estimate_internal.h"
#include "ggml_types.h"

static const char *const engine_names[ENGINE_COUNT] = {"llama.cpp", "vllm", "infrac"};

const char *engine_kind_name(engine_kind e)
{
    return (unsigned)e < ENGINE_COUNT ? engine_names[e] : "unknown";
}

int engine_kind_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < ENGINE_COUNT; i++)
        if (strcmp(name, engine_names[i]) == 0)
            return i;
    if (strcmp(name, "llamacpp") == 0 || strcmp(name, "llama-server") == 0)
        return ENGINE_LLAMACPP;
    return -1;
}

static const struct {
    uint32_t id;
    const char *name;
} cache_kinds[] = {
    {CACHE_AUTO, "auto"}, {CACHE_FP8, "fp8"}, {CACHE_FP8_E4M3, "fp8_e4m3"}, {CACHE_FP8_E5M2, "fp8_e5m2"},
};

const char *cache_type_name(uint32_t type)
{
    for (size_t i = 0; i < sizeof cache_kinds / sizeof cache_kinds[0]; i++)
        if (cache_kinds[i].id == type)
            return cache_kinds[i].name;
    const ggml_type_info *t = ggml_type_get(type);
    return t && t->name ? t->name : "?";
}

int cache_type_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof cache_kinds / sizeof cache_kinds[0]; i++)
        if (strcmp(cache_kinds[i].name, name) == 0)
            return (int)cache_kinds[i].id;
    return ggml_type_from_name(name);
}

void estimate_request_defaults(estimate_request *req, engine_kind engine)
{
    const engine_defaults *d = engine_defaults_get(engine);
    memset(req, 0, sizeof *req);
    req->engine = engine;
    req->context = 0;
    req->cache_k = d->cache_type;
    req->cache_v = d->cache_type;
    req->gpu_layers = -1;
    req->parallel = d->parallel;
    req->batch = d->batch;
    req->ubatch = d->ubatch;
    req->flash_attn = d->flash_attn;
    req->n_gpus = d->n_gpus;
    req->gpu_memory_utilization = d->gpu_memory_utilization;
    req->cache_ram_bytes = d->cache_ram_bytes;
    req->draft_cache = req->draft_cache_v = GGML_T_F16; /* llama-server's --spec-draft-type-k/v default */
    req->draft_gpu_layers = -1;
    req->draft_gpu = -1;
}

void estimate_request_set_embeddings(estimate_request *req, bool on, bool batch_given)
{
    req->embeddings = on;
    if (on && (req->batch > req->ubatch || !batch_given))
        req->batch = req->ubatch;
}

void est_note(estimate_result *out, const char *fmt, ...)
{
    if (out->n_notes >= EST_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->notes[out->n_notes], sizeof out->notes[0], fmt, ap);
    va_end(ap);
    out->n_notes++;
}

uint64_t est_pad(uint64_t x, uint64_t n)
{
    return (x + n - 1) / n * n;
}

bool est_declared_cache_geom(double bits, uint32_t block, est_cache_geom *out)
{
    if (!block)
        block = EST_DECLARED_BLOCK;
    double block_bytes = bits * (double)block / 8.0;
    if (!(bits > 0) || !(block_bytes < 1e9) || fabs(block_bytes - nearbyint(block_bytes)) > 1e-9)
        return false;
    *out = (est_cache_geom){block, (uint32_t)llround(block_bytes)};
    return true;
}

bool est_row_bytes(uint32_t type, est_cache_geom geom, uint64_t n, uint64_t *bytes, char *err, size_t errlen)
{
    if (type >= CACHE_DECLARED) {
        /* a build's own type: whole blocks, as ggml_row_size requires */
        if (!geom.elems || n % geom.elems) {
            snprintf(err, errlen, "the declared cache type needs rows of a multiple of %u elements, the model's are %llu",
                     geom.elems, (unsigned long long)n);
            return false;
        }
        *bytes = n / geom.elems * geom.bytes;
        return true;
    }
    const ggml_type_info *ti = ggml_type_get(type);
    if (!ti || ti->block_elems == 0) {
        snprintf(err, errlen, "unknown cache type id %u", type);
        return false;
    }
    if (!ggml_row_bytes(type, n, bytes)) {
        snprintf(err, errlen, "cache type %s needs rows of a multiple of %u elements, the model's are %llu",
                 ti->name, ti->block_elems, (unsigned long long)n);
        return false;
    }
    return true;
}

uint32_t est_context(const model_shape *m, const estimate_request *req)
{
    return req->context ? req->context : m->n_ctx_train;
}

uint64_t est_ffn_width(const model_shape *m)
{
    if (m->n_expert && m->n_expert_used && m->n_ff_exp)
        return (uint64_t)m->n_expert_used * m->n_ff_exp;
    return m->n_ff ? m->n_ff : 4ull * m->n_embd;
}

void est_layer_kv(const model_shape *m, uint32_t il, uint64_t *n_k, uint64_t *n_v, bool *swa)
{
    *swa = m->n_swa > 0 && (m->per_layer ? (m->layer_flags[il] & EST_LAYER_SWA) != 0
                                          : m->swa_period > 0 && (il + 1) % m->swa_period != 0);
    if (m->per_layer && (m->layer_flags[il] & (EST_LAYER_RECURRENT | EST_LAYER_NO_KV))) {
        *n_k = *n_v = 0;
        return;
    }
    if (m->kv_lora_rank) {
        /* MLA: the compressed latent and the rope part of K; V is a view of it */
        *n_k = (uint64_t)m->kv_lora_rank + m->n_rot;
        *n_v = 0;
        return;
    }
    uint64_t heads = m->per_layer ? m->layer_n_head_kv[il] : m->n_head_kv;
    uint32_t dk = *swa && m->head_dim_k_swa ? m->head_dim_k_swa : m->head_dim_k;
    uint32_t dv = *swa && m->head_dim_v_swa ? m->head_dim_v_swa : m->head_dim_v;
    *n_k = heads * dk;
    *n_v = heads * dv;
}

bool est_layer_nextn(const model_shape *m, uint32_t il)
{
    return m->per_layer && il < m->n_layer && (m->layer_flags[il] & EST_LAYER_NEXTN) != 0;
}

uint64_t est_nextn_bytes(const model_shape *m)
{
    uint64_t sum = 0;
    for (uint32_t i = 0; m->tensors && i < m->n_tensors; i++)
        if (m->tensors[i].layer >= 0 && est_layer_nextn(m, (uint32_t)m->tensors[i].layer))
            sum += m->tensors[i].bytes;
    return sum;
}

uint64_t est_recurrent_state_bytes(const model_shape *m)
{
    if (!m->per_layer || !m->ssm_d_inner || !m->ssm_d_state)
        return 0;
    uint64_t conv = (uint64_t)(m->ssm_d_conv ? m->ssm_d_conv - 1 : 0) *
                    ((uint64_t)m->ssm_d_inner + 2ull * m->ssm_n_group * m->ssm_d_state);
    uint64_t state = (uint64_t)m->ssm_d_state * m->ssm_d_inner;
    return (conv + state) * 4;
}

static void sum_breakdown(memory_breakdown *b)
{
    b->total = b->weights + b->kv_cache + b->compute + b->overhead + b->other;
}

void est_finish_totals(estimate_result *out)
{
    for (uint32_t g = 0; g < out->n_gpus; g++)
        if (out->gpu[g].total == 0)
            sum_breakdown(&out->gpu[g]);
    sum_breakdown(&out->host);
}

static int validate(const model_shape *m, const estimate_request *req, char *err, size_t errlen)
{
    if (m->n_layer == 0 || m->n_embd == 0 || m->n_head == 0) {
        snprintf(err, errlen, "model shape lacks layers, embedding width or heads");
        return -1;
    }
    if (m->n_head_kv == 0 || m->head_dim_k == 0 || m->head_dim_v == 0) {
        snprintf(err, errlen, "model shape lacks KV heads or head size");
        return -1;
    }
    /* Bounds far above any real model keep every product below 2^63. */
    if (m->n_layer > 4096 || m->n_embd > (1u << 20) || m->n_head > 16384 || m->n_head_kv > m->n_head ||
        (uint64_t)m->n_head * m->head_dim_k > (1u << 20) || (uint64_t)m->n_head * m->head_dim_v > (1u << 20) ||
        m->n_ff > (1u << 24) || m->n_vocab > (1u << 24) || est_ffn_width(m) > (1u << 26)) {
        snprintf(err, errlen, "model shape out of range (%u layers, embd %u, %u/%u heads of %u, ff %u, vocab %u)",
                 m->n_layer, m->n_embd, m->n_head, m->n_head_kv, m->head_dim_k, m->n_ff, m->n_vocab);
        return -1;
    }
    if (req->n_gpus > EST_MAX_GPUS) {
        snprintf(err, errlen, "at most %d GPUs per service (asked for %u)", EST_MAX_GPUS, req->n_gpus);
        return -1;
    }
    if (est_context(m, req) == 0) {
        snprintf(err, errlen, "no context size given and the model declares none");
        return -1;
    }
    if (req->context > (1u << 26)) {
        snprintf(err, errlen, "context %u is beyond any engine's limit", req->context);
        return -1;
    }
    if (req->parallel > 65536 || req->ubatch > (1u << 20) || req->batch > (1u << 24)) {
        snprintf(err, errlen, "parallel, batch or ubatch out of range");
        return -1;
    }
    for (uint32_t g = 0; g < EST_MAX_GPUS; g++)
        if (!(req->tensor_split[g] >= 0.0) || req->tensor_split[g] > 1e9) {
            snprintf(err, errlen, "tensor split share %u is negative or not a number", g);
            return -1;
        }
    return 0;
}

/* The estimator speaks ggml types; vLLM's auto means the model's dtype
 * (16-bit), its fp8 kinds take one byte per element like q8's payload. */
static uint32_t ggml_cache_type(uint32_t t)
{
    switch (t) {
    case CACHE_AUTO: return GGML_T_F16;
    case CACHE_FP8:
    case CACHE_FP8_E4M3:
    case CACHE_FP8_E5M2: return GGML_T_I8;
    default: return t;
    }
}

int estimate_memory(const model_shape *model, const estimate_request *request,
                    estimate_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    estimate_request ggml_req = *request;
    ggml_req.cache_k = ggml_cache_type(request->cache_k);
    ggml_req.cache_v = ggml_cache_type(request->cache_v);
    const estimate_request *req = &ggml_req;
    if (validate(model, req, err, errlen) != 0)
        return -1;
    switch (req->engine) {
    case ENGINE_LLAMACPP:
        if (est_llamacpp(model, req, out, err, errlen) != 0)
            return -1;
        return req->draft ? est_llamacpp_draft(model, req, out, err, errlen) : 0;
    case ENGINE_VLLM:
        return est_vllm(model, req, out, err, errlen);
    case ENGINE_INFRAC:
        if (req->draft || req->mtp) {
            snprintf(err, errlen, "infrac-engine has no speculative decoding");
            return -1;
        }
        return est_infrac(model, req, out, err, errlen);
    default:
        snprintf(err, errlen, "unknown engine %d", (int)req->engine);
        return -1;
    }
}
