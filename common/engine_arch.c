/* infrac-engine's architectures and the metadata it refuses (see
 * engine_arch.h). The keys are those llama.cpp reads for these
 * architectures (src/llama-model.cpp load_hparams, src/models/<arch>.cpp)
 * that change the result and that the engine does not implement. */
#include "engine_arch.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *const engine_arch_names[ENGINE_ARCH_COUNT] = {"llama", "qwen2", "qwen3", "qwen3moe", "gemma3",
                                                            "gemma4"};
const char engine_arch_list[] = "llama, qwen2, qwen3, qwen3moe, gemma3, gemma4";

int engine_arch_index(const char *name, size_t len)
{
    for (int i = 0; i < ENGINE_ARCH_COUNT; i++)
        if (strlen(engine_arch_names[i]) == len && memcmp(engine_arch_names[i], name, len) == 0)
            return i;
    return -1;
}

static bool refuse(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return false;
}

static const gguf_kv *arch_kv(const gguf_file *f, const char *arch, const char *suffix, char *key, size_t n)
{
    snprintf(key, n, "%s.%s", arch, suffix);
    return gguf_find_kv(f, key);
}

/* An integer key's value, or dflt when absent (or not an integer: the
 * loader names that). */
static uint64_t arch_u64(const gguf_file *f, const char *arch, const char *suffix, uint64_t dflt)
{
    uint64_t v;
    return gguf_get_arch_u64(f, arch, suffix, &v) ? v : dflt;
}

/* RoPE scaling: none and linear (rope.scaling.factor) are implemented;
 * yarn and longrope change every rotation, and llama.cpp refuses any other
 * name. rope.scaling.attn_factor multiplies the rotated q and k. */
static bool rope_scaling_supported(const gguf_file *f, const char *a, char *why, size_t n)
{
    char key[96];
    const gguf_kv *kv = arch_kv(f, a, "rope.scaling.type", key, sizeof key);
    if (kv) {
        gguf_str type;
        if (!gguf_get_str(f, key, &type))
            return refuse(why, n, "metadata key %s is not a string", key);
        if (!gguf_str_eq(type, "none") && !gguf_str_eq(type, "linear"))
            return refuse(why, n, "metadata key %s is '%.*s', which infrac-engine does not implement "
                          "(it implements none and linear)", key, (int)(type.len > 32 ? 32 : type.len), type.ptr);
    }
    double v;
    if (arch_kv(f, a, "rope.scaling.attn_factor", key, sizeof key) && (!gguf_get_f64(f, key, &v) || v != 1.0))
        return refuse(why, n, "metadata key %s is not 1, which infrac-engine does not implement", key);
    return true;
}

/* gemma4: the dense models and the mixture of experts (26B-A4B).
 * Per-layer embeddings (E2B / E4B) and layers that share an earlier layer's KV cache are not
 * implemented; the sliding-window pattern and a head_count_kv array must
 * have one entry per layer. */
static bool gemma4_supported(const gguf_file *f, const char *a, char *why, size_t n)
{
    char key[96];
    uint64_t v = arch_u64(f, a, "embedding_length_per_layer_input", 0);
    if (v > 0)
        return refuse(why, n, "metadata key %s.embedding_length_per_layer_input is %" PRIu64 ": infrac-engine does not "
                      "implement gemma4's per-layer embeddings (E2B, E4B)", a, v);
    v = arch_u64(f, a, "attention.shared_kv_layers", 0);
    if (v > 0)
        return refuse(why, n, "metadata key %s.attention.shared_kv_layers is %" PRIu64 ": infrac-engine does "
                      "not implement layers that reuse an earlier layer's KV cache", a, v);
    uint64_t n_layer = arch_u64(f, a, "block_count", 0);
    static const char *const arrays[] = {"attention.sliding_window_pattern", "attention.head_count_kv"};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        const gguf_kv *kv = arch_kv(f, a, arrays[i], key, sizeof key);
        if (!kv) {
            if (i == 0)
                return refuse(why, n, "metadata key %s is missing (gemma4 needs one bool per layer)", key);
            continue;
        }
        if (kv->type != GGUF_VT_ARRAY) {
            if (i == 0)
                return refuse(why, n, "metadata key %s is not an array (gemma4 needs one bool per layer)", key);
            continue;
        }
        if (kv->count != n_layer)
            return refuse(why, n, "metadata key %s has %" PRIu64 " entries, expected one per layer (block_count "
                          "%" PRIu64 ")", key, kv->count, n_layer);
    }
    return true;
}

bool engine_arch_supported(const char *name, size_t len, char *why, size_t n)
{
    if (engine_arch_index(name, len) >= 0)
        return true;
    return refuse(why, n, "architecture '%.*s' is not supported by infrac-engine (supported: %s)",
                  (int)(len > 64 ? 64 : len), name, engine_arch_list);
}

bool engine_gguf_metadata_supported(const gguf_file *f, char *why, size_t n)
{
    gguf_str arch;
    if (!gguf_get_str(f, "general.architecture", &arch))
        return refuse(why, n, "metadata key general.architecture is missing");
    if (!engine_arch_supported(arch.ptr, arch.len, why, n))
        return false;
    int ai = engine_arch_index(arch.ptr, arch.len);
    const char *a = engine_arch_names[ai];
    bool gemma4 = strcmp(a, "gemma4") == 0, moe = strcmp(a, "qwen3moe") == 0 || gemma4;
    if (!rope_scaling_supported(f, a, why, n))
        return false;
    char key[96];
    if (gemma4 && !gemma4_supported(f, a, why, n))
        return false;
    /* llama.cpp takes these per layer too (get_key_or_arr); the engine has
     * one value for all layers. */
    static const char *const per_layer[] = {"feed_forward_length", "attention.head_count",
                                            "attention.head_count_kv", "expert_used_count",
                                            "expert_feed_forward_length"};
    for (size_t i = 0; i < sizeof per_layer / sizeof per_layer[0]; i++) {
        const gguf_kv *kv = arch_kv(f, a, per_layer[i], key, sizeof key);
        /* gemma4's KV head counts per layer: checked by gemma4_supported */
        if (kv && kv->type == GGUF_VT_ARRAY && !(gemma4 && !strcmp(per_layer[i], "attention.head_count_kv")))
            return refuse(why, n, "metadata key %s is a per-layer array, which infrac-engine does not support "
                          "(one value for every layer)", key);
    }
    uint64_t v = arch_u64(f, a, "expert_count", 0);
    if (!moe && v > 0)
        return refuse(why, n, "metadata key %s.expert_count is %" PRIu64 ": infrac-engine runs mixture-of-experts "
                      "models only as qwen3moe and gemma4", a, v);
    v = arch_u64(f, a, "expert_group_count", 0);
    if (v > 1)
        return refuse(why, n, "metadata key %s.expert_group_count is %" PRIu64 ": grouped expert selection is "
                      "not implemented by infrac-engine", a, v);
    v = arch_u64(f, a, "nextn_predict_layers", 0);
    if (v > 0)
        return refuse(why, n, "metadata key %s.nextn_predict_layers is %" PRIu64 ": infrac-engine does not "
                      "implement next-token prediction layers", a, v);
    bool causal;
    if (arch_kv(f, a, "attention.causal", key, sizeof key) && gguf_get_bool(f, key, &causal) && !causal)
        return refuse(why, n, "metadata key %s is false: infrac-engine implements causal attention only", key);
    /* Sliding-window layers with their own head sizes (llama.cpp's *_swa
     * keys): the engine has one head size for all layers, but gemma4's two. */
    if (gemma4)
        return true;
    uint64_t heads = arch_u64(f, a, "attention.head_count", 0), embd = arch_u64(f, a, "embedding_length", 0);
    uint64_t hd_k = arch_u64(f, a, "attention.key_length", heads ? embd / heads : 0);
    uint64_t hd_v = arch_u64(f, a, "attention.value_length", heads ? embd / heads : 0);
    struct { const char *suffix; uint64_t full; } swa[] = {
        {"attention.key_length_swa", hd_k}, {"attention.value_length_swa", hd_v},
        {"rope.dimension_count_swa", arch_u64(f, a, "rope.dimension_count", hd_k)}};
    for (size_t i = 0; i < sizeof swa / sizeof swa[0]; i++) {
        if (!arch_kv(f, a, swa[i].suffix, key, sizeof key))
            continue;
        v = arch_u64(f, a, swa[i].suffix, UINT64_MAX);
        if (v != swa[i].full)
            return refuse(why, n, "metadata key %s differs from the global layers' value %" PRIu64
                          ", which infrac-engine does not support", key, swa[i].full);
    }
    return true;
}
