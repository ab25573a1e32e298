/* model_shape from a GGUF header: the hyperparameters the estimator needs
 * and every tensor's size and role (where llama.cpp places it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_arch.h"
#include "estimate/estimate.h"
#include "ggml_types.h"

/* Architectures whose memory is modelled exactly (see docs/vram.md). */
static const char *const known_archs[] = {
    "llama", "mistral", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3",
    "gemma4", "qwen35", "qwen35moe", "qwen3next", "gpt-oss", "deepseek2",
    "glm4moe", "bert", "nomic-bert",
};

/* Encoders (no LM head) and diffusion models: llama.cpp creates no KV cache
 * for them (llama_model::create_memory returns none), e.g. bert served with
 * --embedding. */
static const char *const encoder_archs[] = {
    "bert", "jina-bert-v2", "jina-bert-v3", "nomic-bert", "nomic-bert-moe", "neo-bert",
    "eurobert", "modern-bert", "gemma-embedding",
};
static const char *const diffusion_archs[] = {"dream", "llada", "llada-moe"};

static bool in_list(const char *arch, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arch, list[i]) == 0)
            return true;
    return false;
}

static bool is_encoder_arch(const char *arch)
{
    return in_list(arch, encoder_archs, sizeof encoder_archs / sizeof encoder_archs[0]);
}

static bool is_no_kv_arch(const char *arch)
{
    return is_encoder_arch(arch) || in_list(arch, diffusion_archs, sizeof diffusion_archs / sizeof diffusion_archs[0]);
}

bool estimate_arch_known(const char *arch)
{
    return in_list(arch, known_archs, sizeof known_archs / sizeof known_archs[0]);
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decides a tensor's role from its name; layer is the blk index or -1. */
static tensor_role classify_tensor(const char *name, int32_t *layer)
{
    *layer = -1;
    if (has_prefix(name, "token_embd."))
        return TROLE_TOKEN_EMBD;
    if (has_prefix(name, "position_embd.") || has_prefix(name, "token_types.") ||
        has_prefix(name, "per_layer_token_embd."))
        return TROLE_INPUT;
    if (has_prefix(name, "output_norm."))
        return TROLE_OUTPUT_NORM;
    if (has_prefix(name, "output."))
        return TROLE_OUTPUT;
    if (has_prefix(name, "blk.")) {
        char *end = NULL;
        long n = strtol(name + 4, &end, 10);
        if (end == name + 4 || *end != '.' || n < 0 || n > 100000)
            return TROLE_OTHER;
        *layer = (int32_t)n;
        const char *rest = end + 1;
        if (has_prefix(rest, "ffn_gate_exps") || has_prefix(rest, "ffn_up_exps") ||
            has_prefix(rest, "ffn_down_exps") || has_prefix(rest, "ffn_gate_up_exps"))
            return TROLE_LAYER_EXPERT;
        return TROLE_LAYER;
    }
    return TROLE_OTHER;
}

static uint32_t get_u32(const gguf_file *f, const char *arch, const char *suffix, uint32_t dflt)
{
    uint64_t v;
    if (gguf_get_arch_u64(f, arch, suffix, &v) && v <= UINT32_MAX)
        return (uint32_t)v;
    return dflt;
}

/* head_count_kv may be a per-layer array; the largest entry bounds the cache. */
static uint32_t get_head_count_kv(const gguf_file *f, const char *arch, uint32_t dflt)
{
    char key[96];
    snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
    const gguf_kv *arr = gguf_get_array(f, key);
    if (arr) {
        int64_t best = 0, v;
        for (uint64_t i = 0; i < arr->count; i++)
            if (gguf_array_i64(arr, i, &v) && v > best && v <= UINT32_MAX)
                best = v;
        return best > 0 ? (uint32_t)best : dflt;
    }
    return get_u32(f, arch, "attention.head_count_kv", dflt);
}

/* A per-layer array key (llama.cpp's get_key_or_arr): NULL when absent or a
 * scalar; an array of another length than n_layer is an error. */
static int layer_array(const gguf_file *f, const char *arch, const char *suffix, uint32_t n_layer,
                       const gguf_kv **arr, char *err, size_t errlen)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    *arr = gguf_get_array(f, key);
    if (*arr && ((*arr)->count != n_layer || (*arr)->elem_type == GGUF_VT_STRING)) {
        snprintf(err, errlen, "GGUF %s is an array of %llu %s, the model has %u layers", key,
                 (unsigned long long)(*arr)->count, (*arr)->elem_type == GGUF_VT_STRING ? "strings" : "values",
                 n_layer);
        return -1;
    }
    return 0;
}

/* Default sliding-window period where the header has no pattern
 * (llama.cpp's set_swa_pattern per architecture: every n-th layer global). */
static uint32_t default_swa_period(const char *a)
{
    if (strcmp(a, "gemma2") == 0 || strcmp(a, "gpt-oss") == 0)
        return 2;
    if (strcmp(a, "gemma3") == 0)
        return 6;
    return 0;
}

/* Per-layer KV heads, sliding and recurrent layers, recurrent state and MLA
 * sizes. 0, or -1 with err for a hostile header. */
static int read_layers(const gguf_file *f, model_shape *m, char *err, size_t errlen)
{
    const char *a = m->arch;
    const gguf_kv *heads, *swa, *rec;
    if (m->n_layer > EST_MAX_LAYERS) {
        snprintf(err, errlen, "GGUF declares %u layers (at most %d)", m->n_layer, EST_MAX_LAYERS);
        return -1;
    }
    if (layer_array(f, a, "attention.head_count_kv", m->n_layer, &heads, err, errlen) ||
        layer_array(f, a, "attention.sliding_window_pattern", m->n_layer, &swa, err, errlen) ||
        layer_array(f, a, "attention.recurrent_layers", m->n_layer, &rec, err, errlen))
        return -1;
    m->head_dim_k_swa = get_u32(f, a, "attention.key_length_swa", 0);
    m->head_dim_v_swa = get_u32(f, a, "attention.value_length_swa", 0);
    m->ssm_d_conv = get_u32(f, a, "ssm.conv_kernel", 0);
    m->ssm_d_state = get_u32(f, a, "ssm.state_size", 0);
    m->ssm_n_group = get_u32(f, a, "ssm.group_count", 0);
    m->ssm_d_inner = get_u32(f, a, "ssm.inner_size", 0);
    m->kv_lora_rank = get_u32(f, a, "attention.kv_lora_rank", 0);
    m->n_rot = get_u32(f, a, "rope.dimension_count", 0);
    if (m->ssm_d_conv > 64 || m->ssm_d_state > 65536 || m->ssm_n_group > 4096 || m->ssm_d_inner > (1u << 20) ||
        m->kv_lora_rank > 65536 || m->head_dim_k_swa > 65536 || m->head_dim_v_swa > 65536) {
        snprintf(err, errlen, "GGUF recurrent-state, MLA or sliding head sizes out of range "
                 "(conv %u, state %u, groups %u, inner %u, kv_lora_rank %u)",
                 m->ssm_d_conv, m->ssm_d_state, m->ssm_n_group, m->ssm_d_inner, m->kv_lora_rank);
        return -1;
    }
    /* block_count includes the MTP blocks; llama.cpp's n_layer() is the trunk */
    m->n_nextn = get_u32(f, a, "nextn_predict_layers", 0);
    if (m->n_nextn >= m->n_layer) {
        snprintf(err, errlen, "GGUF %s.nextn_predict_layers is %u of %u blocks: a file of MTP layers alone "
                 "is not supported", a, m->n_nextn, m->n_layer);
        return -1;
    }
    uint32_t trunk = m->n_layer - m->n_nextn;
    uint32_t full_interval = get_u32(f, a, "full_attention_interval", 0);
    bool recurrent_arch = m->ssm_d_inner > 0 && m->ssm_d_state > 0;
    if (!m->n_swa)
        swa = NULL;
    m->swa_period = 0;
    if (m->n_swa && !swa)
        m->swa_period = get_u32(f, a, "attention.sliding_window_pattern", default_swa_period(a));
    /* a written period of 0: every layer slides (llama-hparams.cpp set_swa_pattern) */
    char pkey[96];
    snprintf(pkey, sizeof pkey, "%s.attention.sliding_window_pattern", a);
    bool swa_all = m->n_swa && !swa && m->swa_period == 0 && gguf_find_kv(f, pkey);
    bool no_kv = is_no_kv_arch(a);
    uint32_t max_heads = 0;
    for (uint32_t il = 0; il < m->n_layer; il++) {
        int64_t v = m->n_head_kv;
        if (heads && (!gguf_array_i64(heads, il, &v) || v < 0 || v > 65535)) {
            snprintf(err, errlen, "GGUF %s.attention.head_count_kv[%u] is not a head count", a, il);
            return -1;
        }
        uint8_t flags = 0;
        int64_t b = 0;
        if (swa) {
            if (!gguf_array_i64(swa, il, &b)) {
                snprintf(err, errlen, "GGUF %s.attention.sliding_window_pattern[%u] is not a boolean", a, il);
                return -1;
            }
            if (b)
                flags |= EST_LAYER_SWA;
        } else if (m->n_swa && (m->swa_period > 0 ? (il + 1) % m->swa_period != 0 : swa_all)) {
            flags |= EST_LAYER_SWA;
        }
        if (recurrent_arch) {
            if (rec) {
                if (!gguf_array_i64(rec, il, &b)) {
                    snprintf(err, errlen, "GGUF %s.attention.recurrent_layers[%u] is not a boolean", a, il);
                    return -1;
                }
            } else {
                /* qwen3next/qwen35: one full-attention layer every interval (4);
                 * an MTP block is a full-attention block (qwen35moe.cpp is_recr_impl) */
                b = il < trunk && (full_interval ? (il + 1) % full_interval != 0 : 1);
            }
            if (b && il < trunk)
                flags |= EST_LAYER_RECURRENT, v = 0;
        }
        if (no_kv)
            flags |= EST_LAYER_NO_KV;
        if (il >= trunk)
            flags |= EST_LAYER_NEXTN;
        m->layer_n_head_kv[il] = (uint16_t)v;
        m->layer_flags[il] = flags;
        if ((uint32_t)v > max_heads)
            max_heads = (uint32_t)v;
    }
    if (max_heads)
        m->n_head_kv = max_heads;
    m->per_layer = true;
    return 0;
}

int model_shape_from_gguf(const gguf_file *f, model_shape *shape, char *err, size_t errlen)
{
    memset(shape, 0, sizeof *shape);
    gguf_str arch_s;
    if (!gguf_get_str(f, "general.architecture", &arch_s) || arch_s.len == 0) {
        snprintf(err, errlen, "GGUF has no general.architecture");
        return -1;
    }
    if (arch_s.len >= sizeof shape->arch) {
        snprintf(err, errlen, "GGUF architecture name is too long (%llu bytes)",
                 (unsigned long long)arch_s.len);
        return -1;
    }
    memcpy(shape->arch, arch_s.ptr, arch_s.len);
    shape->arch[arch_s.len] = '\0';
    if (memchr(shape->arch, '\0', arch_s.len)) {
        snprintf(err, errlen, "GGUF architecture name holds a NUL byte");
        return -1;
    }
    const char *a = shape->arch;
    shape->arch_known = estimate_arch_known(a);

    shape->n_layer = get_u32(f, a, "block_count", 0);
    shape->n_embd = get_u32(f, a, "embedding_length", 0);
    shape->n_head = get_u32(f, a, "attention.head_count", 0);
    shape->n_head_kv = get_head_count_kv(f, a, shape->n_head);
    shape->n_ff = get_u32(f, a, "feed_forward_length", 0);
    shape->n_ctx_train = get_u32(f, a, "context_length", 0);
    if (shape->n_layer == 0 || shape->n_embd == 0 || shape->n_head == 0) {
        snprintf(err, errlen, "GGUF lacks %s.block_count, embedding_length or attention.head_count", a);
        return -1;
    }
    if (shape->n_layer > 100000 || shape->n_head > 100000 || shape->n_head_kv > shape->n_head * 64u) {
        snprintf(err, errlen, "GGUF hyperparameters out of range (layers %u, heads %u/%u)",
                 shape->n_layer, shape->n_head, shape->n_head_kv);
        return -1;
    }
    uint32_t head_dim = shape->n_embd / shape->n_head;
    shape->head_dim_k = get_u32(f, a, "attention.key_length", head_dim);
    shape->head_dim_v = get_u32(f, a, "attention.value_length", head_dim);
    shape->n_expert = get_u32(f, a, "expert_count", 0);
    shape->n_expert_used = get_u32(f, a, "expert_used_count", 0);
    shape->n_ff_exp = get_u32(f, a, "expert_feed_forward_length", 0);
    shape->n_swa = get_u32(f, a, "attention.sliding_window", 0);
    if (read_layers(f, shape, err, errlen) != 0)
        return -1;
    char key[96];
    snprintf(key, sizeof key, "%s.rope.scaling.type", a);
    gguf_str scaling;
    shape->has_rope_scaling = gguf_get_str(f, key, &scaling) && !gguf_str_eq(scaling, "none");

    if (engine_gguf_metadata_supported(f, shape->infrac_refusal, sizeof shape->infrac_refusal))
        shape->infrac_refusal[0] = '\0';
    gguf_str tok;
    if (gguf_get_str(f, "tokenizer.ggml.model", &tok) && tok.len < sizeof shape->tokenizer &&
        !memchr(tok.ptr, 0, tok.len)) {
        memcpy(shape->tokenizer, tok.ptr, tok.len);
        shape->tokenizer[tok.len] = 0;
    }

    const gguf_kv *toks = gguf_get_array(f, "tokenizer.ggml.tokens");
    shape->n_vocab = toks && toks->count <= UINT32_MAX ? (uint32_t)toks->count : get_u32(f, a, "vocab_size", 0);

    if (f->n_tensors > 1000000) {
        snprintf(err, errlen, "GGUF declares %llu tensors", (unsigned long long)f->n_tensors);
        return -1;
    }
    shape->tensors = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *shape->tensors);
    if (!shape->tensors) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    shape->n_tensors = (uint32_t)f->n_tensors;
    bool has_output = false, has_position_embd = false;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        const gguf_tensor *t = &f->tensors[i];
        model_tensor *mt = &shape->tensors[i];
        size_t n = t->name.len < sizeof mt->name - 1 ? t->name.len : sizeof mt->name - 1;
        memcpy(mt->name, t->name.ptr, n);
        mt->name[n] = '\0';
        mt->role = classify_tensor(mt->name, &mt->layer);
        if (mt->layer >= (int32_t)shape->n_layer)
            mt->role = TROLE_OTHER, mt->layer = -1;
        mt->type = t->type;
        mt->bytes = t->nbytes;
        if (t->nbytes > UINT64_MAX / 2 - shape->weights_bytes) {
            snprintf(err, errlen, "GGUF tensor sizes add up beyond any file (at %s)", mt->name);
            model_shape_free(shape);
            return -1;
        }
        shape->weights_bytes += t->nbytes;
        if (mt->role == TROLE_OUTPUT)
            has_output = true;
        if (has_prefix(mt->name, "position_embd."))
            has_position_embd = true;
        if (mt->layer == 0 && has_prefix(mt->name, "blk.0.ffn_gate."))
            shape->gated_ffn = true;
        if (mt->role == TROLE_TOKEN_EMBD && shape->n_vocab == 0 && t->n_dims >= 2 && t->ne[1] <= UINT32_MAX)
            shape->n_vocab = (uint32_t)t->ne[1];
    }
    shape->encoder = is_encoder_arch(shape->arch);
    shape->encoder_rope = shape->encoder && !has_position_embd;
    shape->tied_output = !has_output && !shape->encoder;
    return 0;
}

int model_shape_load(const char *path, model_shape *shape, char *err, size_t errlen)
{
    gguf_file f;
    memset(shape, 0, sizeof *shape);
    if (gguf_open(&f, path, err, errlen) != 0)
        return -1;
    int rc = model_shape_from_gguf(&f, shape, err, errlen);
    if (rc == 0)
        shape->file_bytes = f.has_data ? f.size : 0;
    if (rc != 0) {
        /* keep the file name in the message */
        char inner[256];
        snprintf(inner, sizeof inner, "%s", err);
        snprintf(err, errlen, "%s: %s", path, inner);
        model_shape_free(shape);
    }
    gguf_close(&f);
    return rc;
}

void model_shape_free(model_shape *shape)
{
    free(shape->tensors);
    shape->tensors = NULL;
    shape->n_tensors = 0;
}
