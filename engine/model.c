/* Model loading: every tensor the architecture needs is checked for
 * presence, shape and type before anything runs. */
#include "model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine_arch.h"
#include "ggml_types.h"
#include "mapping_guard.h"
#include "quant.h"
#include "repack.h"

#define IE_MAX_LAYERS 1024u
#define IE_MAX_DIM (1u << 20)
#define IE_MAX_HEAD_DIM 1024u

static void fail(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static bool get_u32(const gguf_file *f, const char *arch, const char *suffix, bool required, uint32_t def,
                    uint32_t *out, char *err, size_t n)
{
    uint64_t v;
    if (!gguf_get_arch_u64(f, arch, suffix, &v)) {
        char key[128];
        snprintf(key, sizeof key, "%s.%s", arch, suffix);
        bool present = gguf_find_kv(f, key) != NULL;
        if (required || present) {
            fail(err, n, "metadata key %s is %s", key, present ? "not an unsigned integer" : "missing");
            return false;
        }
        *out = def;
        return true;
    }
    if (v > UINT32_MAX) {
        fail(err, n, "metadata key %s.%s is out of range (%llu)", arch, suffix, (unsigned long long)v);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

_Static_assert(IE_ARCH_GEMMA4 + 1 == ENGINE_ARCH_COUNT, "ie_arch follows engine_arch_names");

typedef struct loader {
    gguf_file *f;
    char *err;
    size_t errlen;
    uint64_t bytes;
    bool *used; /* per tensor of the file: looked up by the loader */
    float *vecs; /* where load_vec copies the vectors to, or NULL (see copy_vectors) */
    uint64_t vecs_used, vecs_cap;
} loader;

static const gguf_tensor *find(loader *L, const char *name, bool required)
{
    const gguf_tensor *t = gguf_find_tensor(L->f, name);
    if (!t && required)
        fail(L->err, L->errlen, "tensor %s is missing", name);
    if (t)
        L->used[t - L->f->tensors] = true;
    return t;
}

/* A tensor the architecture does not read (an output or FFN bias, LongRoPE
 * factors, a classifier head) would change llama.cpp's result, or make it
 * refuse the file ("wrong number of tensors"): refused, never ignored. */
static bool all_tensors_used(const loader *L, const char *arch)
{
    for (uint64_t i = 0; i < L->f->n_tensors; i++)
        if (!L->used[i]) {
            const gguf_str nm = L->f->tensors[i].name;
            fail(L->err, L->errlen, "tensor %.*s is not used by infrac-engine's %s (refused rather than ignored)",
                 (int)(nm.len > 96 ? 96 : nm.len), nm.ptr, arch);
            return false;
        }
    return true;
}

static bool check_data(loader *L, const gguf_tensor *t, const char *name, const void **data)
{
    *data = gguf_tensor_data(L->f, t);
    if (!*data) {
        fail(L->err, L->errlen, "tensor %s: its data is not in the file (truncated or header-only)", name);
        return false;
    }
    L->bytes += t->nbytes;
    return true;
}

/* A 1-D F32 vector of n elements (norms, biases). */
static bool load_vec(loader *L, const char *name, uint64_t n, bool required, const float **out)
{
    *out = NULL;
    const gguf_tensor *t = find(L, name, required);
    if (!t)
        return !required;
    if (t->n_dims != 1 || t->ne[0] != n) {
        fail(L->err, L->errlen, "tensor %s has shape [%llu%s], expected [%llu]", name,
             (unsigned long long)t->ne[0], t->n_dims > 1 ? ", ..." : "", (unsigned long long)n);
        return false;
    }
    if (t->type != GGML_T_F32) {
        const ggml_type_info *ti = ggml_type_get(t->type);
        fail(L->err, L->errlen, "tensor %s has type %s; infrac-engine needs f32 for norms and biases", name,
             ti ? ti->name : "unknown");
        return false;
    }
    const void *d;
    if (!check_data(L, t, name, &d))
        return false;
    *out = d;
    if (L->vecs && L->vecs_cap - L->vecs_used >= n) {
        memcpy(L->vecs + L->vecs_used, d, n * sizeof(float));
        *out = L->vecs + L->vecs_used;
        L->vecs_used += (n + 15) / 16 * 16;
    }
    return true;
}

/* A 2-D weight (n_mats 0), or the n_mats matrices of a 3-D expert tensor
 * [cols, rows, n_mats] (w: the first one; ie_expert_slice the others). */
static bool load_matrices(loader *L, const char *name, uint64_t cols, uint64_t rows, uint64_t n_mats,
                          bool required, ie_weight *w)
{
    memset(w, 0, sizeof *w);
    const gguf_tensor *t = find(L, name, required);
    if (!t)
        return !required;
    uint32_t dims = n_mats ? 3 : 2;
    if (t->n_dims != dims || t->ne[0] != cols || t->ne[1] != rows || (n_mats && t->ne[2] != n_mats)) {
        char got[96], want[64];
        int k = snprintf(got, sizeof got, "[%llu, %llu", (unsigned long long)t->ne[0], (unsigned long long)t->ne[1]);
        for (uint32_t d = 2; d < t->n_dims && d < GGUF_MAX_DIMS && k > 0 && (size_t)k < sizeof got; d++)
            k += snprintf(got + k, sizeof got - (size_t)k, ", %llu", (unsigned long long)t->ne[d]);
        if (k > 0 && (size_t)k < sizeof got)
            snprintf(got + k, sizeof got - (size_t)k, "]");
        if (n_mats)
            snprintf(want, sizeof want, "[%llu, %llu, %llu]", (unsigned long long)cols, (unsigned long long)rows,
                     (unsigned long long)n_mats);
        else
            snprintf(want, sizeof want, "[%llu, %llu]", (unsigned long long)cols, (unsigned long long)rows);
        fail(L->err, L->errlen, "tensor %s has shape %s, expected %s%s", name, got, want,
             n_mats && t->n_dims == 3 && t->ne[2] != n_mats ? " (its expert count does not match expert_count)"
                                                            : "");
        return false;
    }
    const ggml_type_info *ti = ggml_type_get(t->type);
    if (!ti || !ie_type_supported_weight(t->type)) {
        fail(L->err, L->errlen, "tensor %s has type %s, which infrac-engine does not support "
             "(supported: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k)", name, ti ? ti->name : "unknown");
        return false;
    }
    if (cols % IE_QK) {
        fail(L->err, L->errlen, "tensor %s: row length %llu is not a multiple of 32", name,
             (unsigned long long)cols);
        return false;
    }
    uint64_t rb;
    if (!ggml_row_bytes(t->type, cols, &rb)) {
        fail(L->err, L->errlen, "tensor %s: row length %llu is not a whole number of %s blocks", name,
             (unsigned long long)cols, ti->name);
        return false;
    }
    const void *d;
    if (!check_data(L, t, name, &d))
        return false;
    w->data = d;
    w->type = t->type;
    w->rows = rows;
    w->cols = cols;
    w->row_bytes = rb;
    return true;
}

static bool load_weight(loader *L, const char *name, uint64_t cols, uint64_t rows, bool required,
                        ie_weight *w)
{
    return load_matrices(L, name, cols, rows, 0, required, w);
}

static bool load_layer(loader *L, const ie_model *m, uint32_t i, ie_layer *ly)
{
    const ie_hparams *hp = &m->hp;
    uint64_t qdim = (uint64_t)hp->n_head * ly->head_dim_k, kdim = (uint64_t)ly->n_head_kv * ly->head_dim_k;
    uint64_t vdim = (uint64_t)ly->n_head_kv * ly->head_dim_v, odim = (uint64_t)hp->n_head * ly->head_dim_v;
    bool gemma4 = m->arch == IE_ARCH_GEMMA4;
    char name[96];
#define NAME(s) (snprintf(name, sizeof name, "blk.%u." s, i), name)
    if (!load_vec(L, NAME("attn_norm.weight"), hp->n_embd, true, &ly->attn_norm) ||
        !load_weight(L, NAME("attn_q.weight"), hp->n_embd, qdim, true, &ly->wq) ||
        !load_weight(L, NAME("attn_k.weight"), hp->n_embd, kdim, true, &ly->wk) ||
        /* gemma4 (use_alternative_attention): without attn_v, V is K */
        !load_weight(L, NAME("attn_v.weight"), hp->n_embd, vdim, !gemma4, &ly->wv) ||
        !load_weight(L, NAME("attn_output.weight"), odim, hp->n_embd, true, &ly->wo) ||
        !load_vec(L, NAME("ffn_norm.weight"), hp->n_embd, true, &ly->ffn_norm))
        return false;
    if (hp->n_expert) {
        /* ffn_gate_inp: the router; the experts as 3-D tensors (llama.cpp's
         * src/models/qwen3moe.cpp). */
        const gguf_tensor *r = find(L, NAME("ffn_gate_inp.weight"), true);
        if (!r)
            return false;
        if (r->n_dims == 2 && r->ne[0] == hp->n_embd && r->ne[1] != hp->n_expert) {
            fail(L->err, L->errlen, "tensor %s routes to %llu experts but expert_count is %u", name,
                 (unsigned long long)r->ne[1], hp->n_expert);
            return false;
        }
        /* gemma4: gate and up may be one tensor of 2 x n_ff_exp rows per
         * expert (ffn_gate_up_exps; gate the first half), read as two views */
        bool fused = hp->moe_shared && gguf_find_tensor(L->f, NAME("ffn_gate_up_exps.weight"));
        if (fused) {
            if (!load_matrices(L, name, hp->n_embd, 2ull * hp->n_ff_exp, hp->n_expert, true, &ly->exp_gate))
                return false;
            ly->exp_gate.rows = hp->n_ff_exp;
            ly->exp_gate.exp_stride = 2ull * hp->n_ff_exp * ly->exp_gate.row_bytes;
            ly->exp_up = ly->exp_gate;
            ly->exp_up.data += (uint64_t)hp->n_ff_exp * ly->exp_gate.row_bytes;
        }
        if (!load_weight(L, NAME("ffn_gate_inp.weight"), hp->n_embd, hp->n_expert, true, &ly->router) ||
            (!fused && !load_matrices(L, NAME("ffn_gate_exps.weight"), hp->n_embd, hp->n_ff_exp, hp->n_expert, true,
                                      &ly->exp_gate)) ||
            (!fused && !load_matrices(L, NAME("ffn_up_exps.weight"), hp->n_embd, hp->n_ff_exp, hp->n_expert, true,
                                      &ly->exp_up)) ||
            !load_matrices(L, NAME("ffn_down_exps.weight"), hp->n_ff_exp, hp->n_embd, hp->n_expert, true,
                           &ly->exp_down))
            return false;
    }
    /* the dense FFN: every layer's but qwen3moe's; gemma4's MoE layers
     * keep it beside the experts */
    if ((!hp->n_expert || hp->moe_shared) &&
        (!load_weight(L, NAME("ffn_gate.weight"), hp->n_embd, hp->n_ff, true, &ly->w_gate) ||
         !load_weight(L, NAME("ffn_up.weight"), hp->n_embd, hp->n_ff, true, &ly->w_up) ||
         !load_weight(L, NAME("ffn_down.weight"), hp->n_ff, hp->n_embd, true, &ly->w_down)))
        return false;
    if (hp->moe_shared &&
        (!load_vec(L, NAME("ffn_gate_inp.scale"), hp->n_embd, true, &ly->router_scale) ||
         !load_vec(L, NAME("pre_ffw_norm_2.weight"), hp->n_embd, true, &ly->ffn_pre_norm_2) ||
         !load_vec(L, NAME("post_ffw_norm_1.weight"), hp->n_embd, true, &ly->ffn_post_norm_1) ||
         !load_vec(L, NAME("post_ffw_norm_2.weight"), hp->n_embd, true, &ly->ffn_post_norm_2) ||
         !load_vec(L, NAME("ffn_down_exps.scale"), hp->n_expert, false, &ly->exp_down_scale)))
        return false;
    if ((m->arch == IE_ARCH_GEMMA3 || gemma4) &&
        (!load_vec(L, NAME("post_attention_norm.weight"), hp->n_embd, true, &ly->attn_post_norm) ||
         !load_vec(L, NAME("post_ffw_norm.weight"), hp->n_embd, true, &ly->ffn_post_norm)))
        return false;
    ly->v_is_k = gemma4 && !ly->wv.data;
    ly->v_norm = gemma4;
    ly->out_scale = 1.0f;
    if (gemma4) {
        const float *os;
        if (!load_vec(L, NAME("layer_output_scale.weight"), 1, false, &os))
            return false;
        if (os) {
            if (!isfinite(os[0])) {
                fail(L->err, L->errlen, "tensor %s is not a finite number", name);
                return false;
            }
            ly->out_scale = os[0];
        }
    }
    /* Biases: required by qwen2, optional (used when present) otherwise. */
    bool need_bias = m->arch == IE_ARCH_QWEN2;
    if (!load_vec(L, NAME("attn_q.bias"), qdim, need_bias, &ly->bq) ||
        !load_vec(L, NAME("attn_k.bias"), kdim, need_bias, &ly->bk) ||
        !load_vec(L, NAME("attn_v.bias"), vdim, need_bias, &ly->bv))
        return false;
    if (m->arch == IE_ARCH_QWEN3 || m->arch == IE_ARCH_QWEN3MOE || m->arch == IE_ARCH_GEMMA3 || gemma4) {
        if (!load_vec(L, NAME("attn_q_norm.weight"), ly->head_dim_k, true, &ly->q_norm) ||
            !load_vec(L, NAME("attn_k_norm.weight"), ly->head_dim_k, true, &ly->k_norm))
            return false;
    }
#undef NAME
    return true;
}

/* qwen3moe: expert_count experts per layer, expert_used_count of them per
 * token, each an FFN of expert_feed_forward_length (llama.cpp falls back to
 * feed_forward_length / expert_used_count). */
static bool load_experts(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    const char *a = m->arch_name;
    ie_hparams *hp = &m->hp;
    if (!get_u32(f, a, "expert_count", true, 0, &hp->n_expert, err, n) ||
        !get_u32(f, a, "expert_used_count", true, 0, &hp->n_expert_used, err, n) ||
        !get_u32(f, a, "expert_feed_forward_length", false, 0, &hp->n_ff_exp, err, n))
        return false;
    if (hp->n_expert == 0 || hp->n_expert > IE_MAX_EXPERTS) {
        fail(err, n, "metadata key %s.expert_count is %u (must be 1..%u)", a, hp->n_expert, IE_MAX_EXPERTS);
        return false;
    }
    if (hp->n_expert_used == 0 || hp->n_expert_used > hp->n_expert) {
        fail(err, n, "metadata key %s.expert_used_count is %u (must be 1..expert_count %u)", a, hp->n_expert_used,
             hp->n_expert);
        return false;
    }
    if (!hp->n_ff_exp)
        hp->n_ff_exp = hp->n_ff / hp->n_expert_used;
    if (hp->n_ff_exp == 0 || hp->n_ff_exp > IE_MAX_DIM) {
        fail(err, n, "metadata key %s.expert_feed_forward_length is %u (must be 1..%u; it defaults to "
             "feed_forward_length / expert_used_count)", a, hp->n_ff_exp, IE_MAX_DIM);
        return false;
    }
    return true;
}

/* Linear RoPE scaling (llama.cpp: rope.scaling.factor, or the older
 * rope.scale_linear; theta *= 1 / factor); type none never scales
 * (llama-context.cpp). Other types were refused by
 * engine_gguf_metadata_supported. */
static bool load_rope_scaling(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    ie_hparams *hp = &m->hp;
    hp->rope_scale = 1.0f;
    char key[96];
    snprintf(key, sizeof key, "%s.rope.scaling.type", m->arch_name);
    gguf_str type;
    if (gguf_get_str(f, key, &type) && !gguf_str_eq(type, "linear"))
        return true;
    double v;
    if (!gguf_get_arch_f64(f, m->arch_name, "rope.scaling.factor", &v) &&
        !gguf_get_arch_f64(f, m->arch_name, "rope.scale_linear", &v))
        return true;
    if (v == 0)
        return true; /* llama.cpp: 0 means unscaled */
    if (!(v > 0) || !isfinite(v)) {
        fail(err, n, "metadata key %s.rope.scaling.factor is not a positive number", m->arch_name);
        return false;
    }
    hp->rope_scale = (float)(1.0 / v);
    return true;
}

/* gemma3 (llama.cpp's src/models/gemma3.cpp): sliding-window layers in a
 * pattern (default: 5 of every 6), their own RoPE base, embeddings scaled
 * by sqrt(n_embd), q scaled before attention instead of q.k after. */
static bool load_gemma3(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    const char *a = m->arch_name;
    ie_hparams *hp = &m->hp;
    if (!get_u32(f, a, "attention.sliding_window", false, 0, &hp->n_swa, err, n))
        return false;
    double v;
    hp->rope_base_swa = gguf_get_arch_f64(f, a, "rope.freq_base_swa", &v) ? (float)v : 10000.0f;
    hp->logit_softcap = gguf_get_arch_f64(f, a, "final_logit_softcapping", &v) ? (float)v : 0.0f;
    if (!(hp->rope_base_swa > 0) || !isfinite(hp->rope_base_swa) || !(hp->logit_softcap >= 0) ||
        !isfinite(hp->logit_softcap)) {
        fail(err, n, "metadata key %s.rope.freq_base_swa or %s.final_logit_softcapping is not a positive number",
             a, a);
        return false;
    }
    /* the 27B (62 layers) scales by n_embd / n_head, the others by the head size */
    float q_dim = hp->n_layer == 62 ? (float)(hp->n_embd / hp->n_head) : (float)hp->head_dim_k;
    hp->q_scale = 1.0f / sqrtf(q_dim);
    hp->kq_scale = 1.0f;
    hp->embd_scale = sqrtf((float)hp->n_embd);
    hp->gelu = true;
    return true;
}

/* gemma4 (llama.cpp's src/models/gemma4.cpp): gemma3's sliding window,
 * RoPE base, embedding scale, GELU FFN, post norms and soft-capping, with
 * no scaling of q (attention scale 1), V RMS-normed, sliding layers with
 * their own head size (key_length_swa, required) and KV head count (the
 * head_count_kv array; setup_geometry); its experts, when expert_count is
 * set, are read by load_experts. What the engine does not implement
 * (per-layer embeddings, shared-KV layers) was refused by
 * engine_gguf_metadata_supported. */
static bool load_gemma4(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    const char *a = m->arch_name;
    ie_hparams *hp = &m->hp;
    if (!load_gemma3(f, m, err, n))
        return false;
    hp->q_scale = 1.0f;
    hp->kq_scale = 1.0f;
    /* llama.cpp's default soft-cap (30) stays when the key is absent (gemma3 clears it) */
    double v;
    if (!gguf_get_arch_f64(f, a, "final_logit_softcapping", &v))
        hp->logit_softcap = 30.0f;
    if (!hp->n_swa) {
        fail(err, n, "metadata key %s.attention.sliding_window is missing or 0 (gemma4 needs its window)", a);
        return false;
    }
    if (!get_u32(f, a, "attention.key_length_swa", true, 0, &hp->head_dim_k_swa, err, n) ||
        !get_u32(f, a, "attention.value_length_swa", true, 0, &hp->head_dim_v_swa, err, n) ||
        !get_u32(f, a, "rope.dimension_count_swa", false, hp->rope_dim, &hp->rope_dim_swa, err, n))
        return false;
    if (hp->head_dim_k != hp->head_dim_v || hp->head_dim_k_swa != hp->head_dim_v_swa) {
        fail(err, n, "gemma4 needs key_length == value_length (%u, %u) and key_length_swa == value_length_swa "
             "(%u, %u)", hp->head_dim_k, hp->head_dim_v, hp->head_dim_k_swa, hp->head_dim_v_swa);
        return false;
    }
    if (hp->head_dim_k_swa == 0 || hp->head_dim_k_swa > IE_MAX_HEAD_DIM || hp->head_dim_k_swa % 2 ||
        hp->rope_dim_swa == 0 || hp->rope_dim_swa > hp->head_dim_k_swa || hp->rope_dim_swa % 2) {
        fail(err, n, "unsupported sliding head size: key_length_swa %u, rope.dimension_count_swa %u (even, "
             "rope at most the head, at most %u)", hp->head_dim_k_swa, hp->rope_dim_swa, IE_MAX_HEAD_DIM);
        return false;
    }
    return true;
}

/* Every layer's attention geometry: the model's, or for gemma4 its
 * sliding layers' own head size and each layer's entry of the
 * head_count_kv array (all sliding layers one value, all global layers
 * one: the cache has two row sizes). Runs after load_swa_layers. */
static bool setup_geometry(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    ie_hparams *hp = &m->hp;
    char key[96];
    snprintf(key, sizeof key, "%s.attention.head_count_kv", m->arch_name);
    const gguf_kv *arr = m->arch == IE_ARCH_GEMMA4 ? gguf_get_array(f, key) : NULL;
    if (m->arch != IE_ARCH_GEMMA4) {
        hp->n_head_kv_swa = hp->n_head_kv;
        hp->head_dim_k_swa = hp->head_dim_k;
        hp->head_dim_v_swa = hp->head_dim_v;
        hp->rope_dim_swa = hp->rope_dim;
    } else if (!arr) {
        hp->n_head_kv_swa = hp->n_head_kv;
    } else {
        if (arr->count != hp->n_layer) {
            fail(err, n, "metadata key %s has %llu entries, expected one per layer (block_count %u)", key,
                 (unsigned long long)arr->count, hp->n_layer);
            return false;
        }
        bool seen[2] = {false, false};
        uint32_t kinds[2] = {0, 0};
        for (uint32_t l = 0; l < hp->n_layer; l++) {
            int64_t v;
            if (!gguf_array_i64(arr, l, &v) || v <= 0 || v > hp->n_head || hp->n_head % (uint32_t)v) {
                fail(err, n, "metadata key %s: layer %u's entry is not a divisor of head_count %u", key, l,
                     hp->n_head);
                return false;
            }
            int kind = m->layers[l].swa;
            if (seen[kind] && kinds[kind] != (uint32_t)v) {
                fail(err, n, "metadata key %s: layer %u has %lld KV heads, another %s layer %u; infrac-engine "
                     "supports one count for the sliding layers and one for the global layers", key, l,
                     (long long)v, kind ? "sliding" : "global", kinds[kind]);
                return false;
            }
            seen[kind] = true;
            kinds[kind] = (uint32_t)v;
        }
        hp->n_head_kv = seen[0] ? kinds[0] : kinds[1];
        hp->n_head_kv_swa = seen[1] ? kinds[1] : kinds[0];
    }
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        ie_layer *ly = &m->layers[l];
        bool s = ly->swa;
        ly->n_head_kv = s ? hp->n_head_kv_swa : hp->n_head_kv;
        ly->head_dim_k = s ? hp->head_dim_k_swa : hp->head_dim_k;
        ly->head_dim_v = s ? hp->head_dim_v_swa : hp->head_dim_v;
        ly->rope_dim = s ? hp->rope_dim_swa : hp->rope_dim;
    }
    return true;
}

/* Which gemma3 layers use the sliding window: attention.sliding_window_pattern
 * as a per-layer bool array, or a period p (layer i slides unless
 * i % p == p - 1; 0: all slide), default 6. */
static bool load_swa_layers(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    const ie_hparams *hp = &m->hp;
    if (!hp->n_swa)
        return true;
    char key[96];
    snprintf(key, sizeof key, "%s.attention.sliding_window_pattern", m->arch_name);
    const gguf_kv *arr = gguf_get_array(f, key);
    if (m->arch == IE_ARCH_GEMMA4 && (!arr || arr->count != hp->n_layer)) {
        /* llama.cpp reads it as a required per-layer array */
        if (arr)
            fail(err, n, "metadata key %s has %llu entries, expected one per layer (block_count %u)", key,
                 (unsigned long long)arr->count, hp->n_layer);
        else
            fail(err, n, "metadata key %s is missing or not an array (gemma4 needs one bool per layer)", key);
        return false;
    }
    if (arr) {
        for (uint32_t l = 0; l < hp->n_layer; l++) {
            int64_t b;
            if (!gguf_array_i64(arr, l, &b)) {
                fail(err, n, "metadata key %s has no entry for layer %u", key, l);
                return false;
            }
            m->layers[l].swa = b != 0;
        }
        return true;
    }
    uint32_t period;
    if (!get_u32(f, m->arch_name, "attention.sliding_window_pattern", false, 6, &period, err, n))
        return false;
    for (uint32_t l = 0; l < hp->n_layer; l++)
        m->layers[l].swa = period == 0 || l % period < period - 1;
    return true;
}

static bool load_hparams(const gguf_file *f, ie_model *m, char *err, size_t n)
{
    if (!engine_gguf_metadata_supported(f, err, n))
        return false;
    gguf_str arch;
    gguf_get_str(f, "general.architecture", &arch);
    int ai = engine_arch_index(arch.ptr, arch.len);
    m->arch = (ie_arch)ai;
    snprintf(m->arch_name, sizeof m->arch_name, "%.*s", (int)arch.len, arch.ptr);
    const char *a = m->arch_name;
    ie_hparams *hp = &m->hp;
    if (!get_u32(f, a, "block_count", true, 0, &hp->n_layer, err, n) ||
        !get_u32(f, a, "embedding_length", true, 0, &hp->n_embd, err, n) ||
        !get_u32(f, a, "feed_forward_length", m->arch != IE_ARCH_QWEN3MOE, 0, &hp->n_ff, err, n) ||
        !get_u32(f, a, "attention.head_count", true, 0, &hp->n_head, err, n) ||
        !get_u32(f, a, "context_length", false, 4096, &hp->n_ctx_train, err, n) ||
        !get_u32(f, a, "pooling_type", false, IE_POOLING_NONE, &hp->pooling, err, n))
        return false;
    if (hp->n_layer == 0 || hp->n_layer > IE_MAX_LAYERS) {
        fail(err, n, "metadata key %s.block_count is %u (must be 1..%u)", a, hp->n_layer, IE_MAX_LAYERS);
        return false;
    }
    /* gemma4's MoE (26B-A4B): experts beside a dense FFN; its
     * expert_feed_forward_length is required (llama.cpp has no default) */
    uint64_t n_exp_g4 = 0;
    bool g4moe = m->arch == IE_ARCH_GEMMA4 && gguf_get_arch_u64(f, a, "expert_count", &n_exp_g4) && n_exp_g4 > 0;
    if (g4moe && !get_u32(f, a, "expert_feed_forward_length", true, 0, &hp->n_ff_exp, err, n))
        return false;
    if ((m->arch == IE_ARCH_QWEN3MOE || g4moe) && !load_experts(f, m, err, n))
        return false;
    hp->moe_shared = g4moe;
    if (hp->n_embd == 0 || hp->n_embd > IE_MAX_DIM || (hp->n_ff == 0 && !hp->n_expert) || hp->n_ff > IE_MAX_DIM ||
        hp->n_head == 0 || hp->n_head > hp->n_embd) {
        fail(err, n, "inconsistent shape: embedding_length %u, feed_forward_length %u, head_count %u",
             hp->n_embd, hp->n_ff, hp->n_head);
        return false;
    }
    /* gemma4's per-layer array is read by setup_geometry */
    char hkv[96];
    snprintf(hkv, sizeof hkv, "%s.attention.head_count_kv", a);
    bool hkv_arr = m->arch == IE_ARCH_GEMMA4 && gguf_get_array(f, hkv);
    if (hkv_arr)
        hp->n_head_kv = hp->n_head;
    if ((!hkv_arr && !get_u32(f, a, "attention.head_count_kv", false, hp->n_head, &hp->n_head_kv, err, n)) ||
        !get_u32(f, a, "attention.key_length", false, hp->n_embd / hp->n_head, &hp->head_dim_k, err, n) ||
        !get_u32(f, a, "attention.value_length", false, hp->n_embd / hp->n_head, &hp->head_dim_v, err, n))
        return false;
    if (hp->n_head_kv == 0 || hp->n_head % hp->n_head_kv) {
        fail(err, n, "attention.head_count %u is not a multiple of attention.head_count_kv %u", hp->n_head,
             hp->n_head_kv);
        return false;
    }
    if (hp->head_dim_k == 0 || hp->head_dim_k > IE_MAX_HEAD_DIM || hp->head_dim_k % 2 || hp->head_dim_v == 0 ||
        hp->head_dim_v > IE_MAX_HEAD_DIM) {
        fail(err, n, "unsupported head size: key_length %u, value_length %u (even, at most %u)", hp->head_dim_k,
             hp->head_dim_v, IE_MAX_HEAD_DIM);
        return false;
    }
    if (!get_u32(f, a, "rope.dimension_count", false, hp->head_dim_k, &hp->rope_dim, err, n))
        return false;
    if (hp->rope_dim == 0 || hp->rope_dim > hp->head_dim_k || hp->rope_dim % 2) {
        fail(err, n, "rope.dimension_count %u is not an even number up to key_length %u", hp->rope_dim,
             hp->head_dim_k);
        return false;
    }
    double v;
    hp->rope_base = gguf_get_arch_f64(f, a, "rope.freq_base", &v) ? (float)v : 10000.0f;
    hp->rms_eps = gguf_get_arch_f64(f, a, "attention.layer_norm_rms_epsilon", &v) ? (float)v : 1e-5f;
    if (!(hp->rope_base > 0) || !isfinite(hp->rope_base) || !(hp->rms_eps >= 0) || !isfinite(hp->rms_eps)) {
        fail(err, n, "rope.freq_base or attention.layer_norm_rms_epsilon is not a positive number");
        return false;
    }
    hp->rope_neox = m->arch != IE_ARCH_LLAMA;
    hp->kq_scale = 1.0f / sqrtf((float)hp->head_dim_k);
    hp->q_scale = 1.0f;
    hp->embd_scale = 1.0f;
    return load_rope_scaling(f, m, err, n) && (m->arch != IE_ARCH_GEMMA3 || load_gemma3(f, m, err, n)) &&
           (m->arch != IE_ARCH_GEMMA4 || load_gemma4(f, m, err, n));
}


/* Whether the experts are repacked too: by default, as llama.cpp's CPU
 * backend does (its extra "CPU_REPACK" buffer type takes the 3-D expert
 * tensors of MUL_MAT_ID as well, ggml-cpu/repack.cpp; llama_model_params
 * use_extra_bufts defaults to true), so every expert is read once at load
 * and the copy replaces the file pages. INFRAC_ENGINE_REPACK_EXPERTS=0
 * keeps them mmapped (as llama.cpp's --no-repack): a token pages in only
 * the experts it chooses, so a model larger than RAM still runs. */
static bool repack_experts(void)
{
    const char *env = getenv("INFRAC_ENGINE_REPACK_EXPERTS");
    return !(env && strcmp(env, "0") == 0);
}

/* Every weight matrix the integer kernels read, in a fixed order; with
 * slices, each expert of each 3-D expert tensor as well (its views are
 * written to slices, n_expert in a row per tensor, so their repacked
 * copies are consecutive too). */
static uint32_t weight_list(ie_model *m, ie_weight **out, ie_weight *slices)
{
    uint32_t n = 0, ne = m->hp.n_expert;
    for (uint32_t l = 0; l < m->hp.n_layer; l++) {
        ie_layer *ly = &m->layers[l];
        ie_weight *ws[] = {&ly->wq, &ly->wk, &ly->wv, &ly->wo, &ly->w_gate, &ly->w_up, &ly->w_down, &ly->router};
        for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++)
            if (ws[i]->data)
                out[n++] = ws[i];
        const ie_weight *exps[] = {&ly->exp_gate, &ly->exp_up, &ly->exp_down};
        for (int x = 0; slices && ne && x < 3; x++)
            for (uint32_t e = 0; e < ne; e++) {
                ie_weight *sl = &slices[((size_t)l * 3 + (size_t)x) * ne + e];
                *sl = ie_expert_slice(exps[x], e);
                out[n++] = sl;
            }
    }
    out[n++] = &m->output;
    return n;
}

/* Where the CPU has a tiled kernel (AVX2 or better; whatever
 * INFRAC_ENGINE_ISA says, which only picks the kernel), Q4_0 / Q8_0 /
 * Q4_K / Q5_K / Q6_K matrices are copied once into its layout (anonymous
 * huge-page memory, as much as the file's bytes); the file pages behind
 * them are released, so RSS holds one copy. INFRAC_ENGINE_REPACK=0 keeps
 * the mmapped weights. */
static bool repack_enabled(void)
{
    const char *env = getenv("INFRAC_ENGINE_REPACK");
    return !(env && strcmp(env, "0") == 0) && ie_rdot_avx2();
}

static void repack_weights(ie_model *m)
{
    if (!repack_enabled())
        return;
    uint64_t n_slices = repack_experts() ? (uint64_t)m->hp.n_layer * 3 * m->hp.n_expert : 0;
    uint64_t cap = (uint64_t)m->hp.n_layer * 8 + 1 + n_slices;
    uint32_t n = 0;
    ie_weight **all = malloc(cap * sizeof *all);
    ie_weight *slices = n_slices ? malloc(n_slices * sizeof *slices) : NULL;
    if (!all || (n_slices && !slices)) {
        free(all);
        free(slices);
        return;
    }
    uint32_t total = weight_list(m, all, slices);
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < total; i++) {
        ie_weight *w = all[i];
        if (ie_repack_possible(w->type, w->rows, w->cols))
            bytes += (ie_repack_bytes(w->type, w->rows, w->cols) + 63) / 64 * 64;
    }
    if (bytes == 0) {
        free(all);
        free(slices);
        return;
    }
    void *buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    m->repacked = calloc(total, sizeof *m->repacked);
    if (buf == MAP_FAILED || !m->repacked) {
        if (buf != MAP_FAILED)
            munmap(buf, bytes);
        free(m->repacked);
        m->repacked = NULL;
        free(all);
        free(slices);
        return;
    }
#ifdef MADV_HUGEPAGE
    madvise(buf, bytes, MADV_HUGEPAGE);
#endif
    m->repack_buf = buf;
    m->repack_bytes = bytes;
    uint8_t *cur = buf;
    long page = sysconf(_SC_PAGESIZE);
    for (uint32_t i = 0; i < total; i++) {
        ie_weight *w = all[i];
        if (!ie_repack_possible(w->type, w->rows, w->cols))
            continue;
        ie_repacked *r = &m->repacked[n++];
        ie_repack_init(r, cur, w->type, w->cols);
        /* In chunks of about 8 MiB, dropping our mapping of the file pages
         * just copied (they stay in the page cache; embedding lookups fault
         * single rows back in), so RSS never holds a tensor twice. */
        uint64_t tiles = w->rows / IE_TILE_ROWS, tile_bytes = w->row_bytes * IE_TILE_ROWS;
        uint64_t step = tile_bytes ? (8u << 20) / tile_bytes + 1 : tiles;
        for (uint64_t t0 = 0; t0 < tiles; t0 += step) {
            uint64_t t1 = t0 + step < tiles ? t0 + step : tiles;
            ie_repack_tiles(r, w->data, w->row_bytes, t0, t1);
            if (m->file.mapped && page > 0) {
                uintptr_t a = (uintptr_t)(w->data + t0 * tile_bytes), e = (uintptr_t)(w->data + t1 * tile_bytes);
                a = (a + (uintptr_t)page - 1) / (uintptr_t)page * (uintptr_t)page;
                e = e / (uintptr_t)page * (uintptr_t)page;
                if (e > a)
                    madvise((void *)a, e - a, MADV_DONTNEED);
            }
        }
        cur += (ie_repack_bytes(w->type, w->rows, w->cols) + 63) / 64 * 64;
        w->rp = r;
    }
    m->n_repacked = n;
    /* What the loading left mapped of the file (pages at the tensors'
     * edges, the kernel's fault-around and large folios beyond each copied
     * chunk): the embedding rows a token reads fault back in one by one. */
    if (m->file.mapped)
        madvise((void *)m->file.base, m->file.size, MADV_DONTNEED);
    /* An expert tensor's view carries its first expert's repacked copy;
     * ie_expert_slice steps to expert e's (they are consecutive). */
    for (uint32_t l = 0; slices && l < m->hp.n_layer; l++) {
        ie_layer *ly = &m->layers[l];
        ie_weight *exps[] = {&ly->exp_gate, &ly->exp_up, &ly->exp_down};
        for (int x = 0; x < 3; x++)
            exps[x]->rp = slices[((size_t)l * 3 + (size_t)x) * m->hp.n_expert].rp;
    }
    free(all);
    free(slices);
}

/* A mapped file whose weights will be repacked keeps nothing the forward
 * pass reads in place but token_embd's rows: its F32 vectors (norms,
 * biases, a few KiB each) are copied out, so they do not fault in the
 * pages around them (64 KiB of fault-around, up to a 2 MiB large folio,
 * each) once repack_weights has released the file. Out of memory: they
 * stay in place. */
static void copy_vectors(const gguf_file *f, ie_model *m, loader *L)
{
    if (!f->mapped || !repack_enabled())
        return;
    uint64_t n = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++)
        if (f->tensors[i].n_dims == 1 && f->tensors[i].type == GGML_T_F32)
            n += (f->tensors[i].ne[0] + 15) / 16 * 16;
    m->vecs = n ? malloc(n * sizeof(float)) : NULL;
    L->vecs = m->vecs;
    L->vecs_cap = m->vecs ? n : 0;
}

ie_model *ie_model_from_gguf(gguf_file *f, char *err, size_t errlen)
{
    ie_model *m = calloc(1, sizeof *m);
    if (!m) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    loader L = {f, err, errlen, 0, NULL, NULL, 0, 0};
    if (!load_hparams(f, m, err, errlen))
        goto bad;
    L.used = calloc(f->n_tensors ? f->n_tensors : 1, sizeof(bool));
    if (!L.used) {
        fail(err, errlen, "out of memory");
        goto bad;
    }
    copy_vectors(f, m, &L);
    ie_hparams *hp = &m->hp;
    const gguf_tensor *te = find(&L, "token_embd.weight", true);
    if (!te)
        goto bad;
    if (te->n_dims != 2 || te->ne[0] != hp->n_embd || te->ne[1] == 0 || te->ne[1] > INT32_MAX) {
        fail(err, errlen, "tensor token_embd.weight has shape [%llu, %llu], expected [%u, n_vocab]",
             (unsigned long long)te->ne[0], (unsigned long long)te->ne[1], hp->n_embd);
        goto bad;
    }
    hp->n_vocab = (uint32_t)te->ne[1];
    if (!load_weight(&L, "token_embd.weight", hp->n_embd, hp->n_vocab, true, &m->token_embd) ||
        !load_vec(&L, "output_norm.weight", hp->n_embd, true, &m->output_norm) ||
        !load_weight(&L, "output.weight", hp->n_embd, hp->n_vocab, false, &m->output))
        goto bad;
    m->tied = m->output.data == NULL;
    if (m->tied)
        m->output = m->token_embd;
    m->layers = calloc(hp->n_layer, sizeof *m->layers);
    if (!m->layers) {
        fail(err, errlen, "out of memory");
        goto bad;
    }
    if (!load_swa_layers(f, m, err, errlen) || !setup_geometry(f, m, err, errlen))
        goto bad;
    for (uint32_t i = 0; i < hp->n_layer; i++)
        if (!load_layer(&L, m, i, &m->layers[i]))
            goto bad;
    /* rope_freqs: every layer's divisors, or gemma4's global layers' only
     * (proportional RoPE; llama.cpp requires it there), of their head size. */
    bool gemma4 = m->arch == IE_ARCH_GEMMA4, any_global = false;
    for (uint32_t l = 0; l < hp->n_layer; l++)
        any_global |= !m->layers[l].swa;
    const float *freq_factors = NULL;
    uint32_t n_factors = gemma4 ? hp->head_dim_k / 2 : hp->rope_dim / 2;
    /* (a gemma4 without global layers reads none: llama.cpp refuses the tensor there) */
    if ((!gemma4 || any_global) && !load_vec(&L, "rope_freqs.weight", n_factors, gemma4, &freq_factors))
        goto bad;
    if (!all_tensors_used(&L, m->arch_name))
        goto bad;
    for (uint32_t i = 0; freq_factors && i < n_factors; i++)
        if (!(freq_factors[i] > 0) || !isfinite(freq_factors[i])) {
            fail(err, errlen, "tensor rope_freqs.weight holds a non-positive factor at %u", i);
            goto bad;
        }
    /* As ggml's rope (ggml-cpu/ops.cpp, rope_cache_init): pair i turns by
     * pos * theta_scale^i, the power taken by repeated float products,
     * divided by the pair's rope_freqs factor, times the scale: llama.cpp's
     * roundings, where powf per pair differed from them in the last bits.
     * Sliding-window layers: their own base, never scaled (llama.cpp's
     * rope_freq_scale_train_swa is 1). */
    float base_swa = hp->rope_base_swa > 0 ? hp->rope_base_swa : hp->rope_base;
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        ie_layer *ly = &m->layers[l];
        ly->rope_theta_scale = powf(ly->swa ? base_swa : hp->rope_base, -2.0f / (float)ly->rope_dim);
        ly->rope_scale = ly->swa ? 1.0f : hp->rope_scale;
        ly->freq_factors = gemma4 && ly->swa ? NULL : freq_factors;
    }
    /* The vocabulary, when the file has one (token-id-only models still run). */
    if (gguf_find_kv(f, "tokenizer.ggml.model")) {
        char verr[400];
        m->vocab = ie_vocab_load(f, verr, sizeof verr);
        if (!m->vocab) {
            fail(err, errlen, "%s", verr);
            goto bad;
        }
        if ((uint32_t)ie_vocab_size(m->vocab) > hp->n_vocab) {
            fail(err, errlen, "the vocabulary has %d tokens but token_embd.weight only %u rows",
                 (int)ie_vocab_size(m->vocab), hp->n_vocab);
            ie_vocab_free(m->vocab);
            goto bad;
        }
    }
    m->weight_bytes = L.bytes;
    free(L.used);
    m->file = *f;
    repack_weights(m);
    return m;
bad:
    free(L.used);
    free(m->vecs);
    free(m->layers);
    free(m);
    return NULL;
}

ie_model *ie_model_load(const char *path, char *err, size_t errlen)
{
    gguf_file f;
    char msg[512];
    if (gguf_open(&f, path, msg, sizeof msg) != 0) {
        fail(err, errlen, "%s", msg);
        return NULL;
    }
    /* Sizes were checked against the file (gguf_tensor_data); a file cut
     * shorter later is caught by the guard. */
    ie_mapping_guard_add(f.base, f.size, path);
    ie_model *m = ie_model_from_gguf(&f, msg, sizeof msg);
    if (!m) {
        fail(err, errlen, "%s: %s", path, msg);
        ie_mapping_guard_remove(f.base);
        gguf_close(&f);
        return NULL;
    }
    return m;
}

void ie_model_free(ie_model *m)
{
    if (!m)
        return;
    if (m->repack_buf)
        munmap(m->repack_buf, m->repack_bytes);
    free(m->repacked);
    if (m->file.mapped)
        ie_mapping_guard_remove(m->file.base);
    gguf_close(&m->file);
    ie_vocab_free(m->vocab);
    free(m->vecs);
    free(m->layers);
    free(m);
}

const ie_vocab *ie_model_vocab(const ie_model *m)
{
    return m->vocab;
}

const char *ie_model_arch(const ie_model *m)
{
    return m->arch_name;
}

uint32_t ie_model_n_ctx_train(const ie_model *m)
{
    return m->hp.n_ctx_train;
}

uint32_t ie_model_n_vocab(const ie_model *m)
{
    return m->hp.n_vocab;
}

uint32_t ie_model_n_embd(const ie_model *m)
{
    return m->hp.n_embd;
}

ie_pooling ie_model_pooling(const ie_model *m)
{
    return (ie_pooling)m->hp.pooling;
}

uint64_t ie_model_weight_bytes(const ie_model *m)
{
    return m->weight_bytes;
}
