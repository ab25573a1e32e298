/* model_shape from a GGUF header: the hyperparameters the estimator needs
 * and every tensor's size and role (where llama.cpp places it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimate/estimate.h"
#include "ggml_types.h"

/* Architectures whose memory is modelled exactly (see docs/vram.md). */
static const char *const known_archs[] = {
    "llama", "mistral", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3",
};

bool estimate_arch_known(const char *arch)
{
    for (size_t i = 0; i < sizeof known_archs / sizeof known_archs[0]; i++)
        if (strcmp(arch, known_archs[i]) == 0)
            return true;
    return false;
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
    if (shape->n_swa) {
        /* llama.cpp's pattern: gemma2 alternates, gemma3 has one global layer in six. */
        uint32_t dflt = strcmp(a, "gemma2") == 0 ? 2 : strcmp(a, "gemma3") == 0 ? 6 : 0;
        shape->swa_period = get_u32(f, a, "attention.sliding_window_pattern", dflt);
    }
    char key[96];
    snprintf(key, sizeof key, "%s.rope.scaling.type", a);
    gguf_str scaling;
    shape->has_rope_scaling = gguf_get_str(f, key, &scaling) && !gguf_str_eq(scaling, "none");

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
    bool has_output = false;
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
        if (mt->role == TROLE_TOKEN_EMBD && shape->n_vocab == 0 && t->n_dims >= 2 && t->ne[1] <= UINT32_MAX)
            shape->n_vocab = (uint32_t)t->ne[1];
    }
    shape->tied_output = !has_output;
    return 0;
}

int model_shape_load(const char *path, model_shape *shape, char *err, size_t errlen)
{
    gguf_file f;
    memset(shape, 0, sizeof *shape);
    if (gguf_open(&f, path, err, errlen) != 0)
        return -1;
    int rc = model_shape_from_gguf(&f, shape, err, errlen);
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
