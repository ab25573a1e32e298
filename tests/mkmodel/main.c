/* infrac-mkmodel: writes GGUF test models with seeded random weights in
 * any type infrac-engine supports, for llama / qwen2 / qwen3 / qwen3moe /
 * gemma3 / gemma4 (dense), with a SentencePiece or byte-level BPE vocabulary that llama.cpp
 * also loads. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"
#include "gguf_write.h"
#include "mkmodel.h"
#include "quant.h"

typedef struct options {
    const char *arch, *type, *out, *tokenizer;
    const char *swa_layers; /* gemma3: "1,0,..." written as the per-layer pattern array, or NULL */
    const char *chat_template; /* a file, "none", or NULL = the vocabulary's default */
    uint32_t layers, embd, heads, kv_heads, head_dim, ff, vocab, ctx;
    uint32_t experts, experts_used, ff_exp; /* qwen3moe */
    uint32_t swa, swa_pattern;              /* gemma3, gemma4 */
    bool swa_pattern_set;
    /* gemma4: the sliding layers' head size (0: half of --head-dim) and KV
     * heads (0: --kv-heads, as one value; else a per-layer array), the
     * global layers without attn_v (V is K), layer_output_scale tensors */
    uint32_t head_dim_swa, kv_heads_swa;
    bool k_eq_v, out_scale;
    bool g4moe; /* gemma4 --moe: experts (--experts, --experts-used, --ff-exp) beside the dense FFN */
    bool fused_exps; /* gemma4 --fused-exps: gate and up as one ffn_gate_up_exps (as convert_hf_to_gguf writes) */
    float logit_softcap;                    /* gemma3 final_logit_softcapping; 0: none */
    float rope_base, rope_scale; /* rope_scale: linear rope.scaling.factor; 0: none */
    bool tied, header_only;
    /* --meta KEY=VALUE ({arch}.KEY, replacing an integer key mkmodel
     * writes: an integer as u32, a number as f32,
     * true/false, [a,b,...] as an i32 array, else a string) and
     * --extra-tensor NAME (an f32 vector of embd): what a test needs the
     * engine to refuse. */
    const char *meta[16], *extra[8];
    uint32_t n_meta, n_extra;
    uint64_t seed;
    int threads;
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: infrac-mkmodel -o FILE [--arch llama|qwen2|qwen3|qwen3moe|gemma3|gemma4]\n"
            "       [--type f32|f16|bf16|q8_0|q4_0|q4_k|q5_k|q6_k|q4_k_m|q5_k_m]\n"
            "       [--layers N] [--embd N] [--heads N] [--kv-heads N] [--head-dim N] [--ff N] [--vocab N]\n"
            "       [--ctx N] [--rope-base X] [--rope-scale F (linear)] [--tied] [--tokenizer spm|bpe|gemma4] [--seed S]\n"
            "       [--threads N] [--header-only]\n"
            "       qwen3moe: [--experts N (8)] [--experts-used K (2)] [--ff-exp N (--ff)]\n"
            "       gemma3: [--swa N (window in tokens, 0: none; 8)] [--swa-pattern P (6) | --swa-layers 1,0,...]\n"
            "               [--logit-softcap X]\n"
            "       gemma4: gemma3's, with --swa-pattern 2 by default, and [--head-dim-swa N (--head-dim / 2)]\n"
            "               [--kv-heads-swa N (a per-layer head_count_kv)] [--k-eq-v (global layers: no attn_v)]\n"
            "               [--out-scale (layer_output_scale tensors)] [--moe (experts beside the dense FFN;\n"
            "               --experts, --experts-used, --ff-exp as qwen3moe)] [--fused-exps (ffn_gate_up_exps)]\n"
            "       [--chat-template FILE|none] [--special-token TEXT (a control token, bpe; repeatable)]\n"
            "       tests: [--meta KEY=VALUE (as {arch}.KEY; repeatable)] [--extra-tensor NAME (f32 [embd])]\n");
}

static bool parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v > 0xffffffffull)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.arch = "llama", .type = "f32", .tokenizer = NULL, .layers = 2, .embd = 64, .heads = 4,
                   .kv_heads = 2, .ff = 128, .vocab = 512, .ctx = 2048, .rope_base = 0, .seed = 1,
                   .threads = 2, .experts = 8, .experts_used = 2, .swa = 8, .swa_pattern = 6};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint32_t *u = !strcmp(a, "--layers") ? &o->layers : !strcmp(a, "--embd") ? &o->embd
                      : !strcmp(a, "--heads") ? &o->heads : !strcmp(a, "--kv-heads") ? &o->kv_heads
                      : !strcmp(a, "--head-dim") ? &o->head_dim : !strcmp(a, "--ff") ? &o->ff
                      : !strcmp(a, "--vocab") ? &o->vocab : !strcmp(a, "--ctx") ? &o->ctx
                      : !strcmp(a, "--experts") ? &o->experts : !strcmp(a, "--experts-used") ? &o->experts_used
                      : !strcmp(a, "--ff-exp") ? &o->ff_exp : !strcmp(a, "--swa") ? &o->swa
                      : !strcmp(a, "--swa-pattern") ? &o->swa_pattern
                      : !strcmp(a, "--head-dim-swa") ? &o->head_dim_swa
                      : !strcmp(a, "--kv-heads-swa") ? &o->kv_heads_swa : NULL;
        if (u == &o->swa_pattern)
            o->swa_pattern_set = true;
        if (!strcmp(a, "--tied")) { o->tied = true; continue; }
        if (!strcmp(a, "--k-eq-v")) { o->k_eq_v = true; continue; }
        if (!strcmp(a, "--out-scale")) { o->out_scale = true; continue; }
        if (!strcmp(a, "--moe")) { o->g4moe = true; continue; }
        if (!strcmp(a, "--fused-exps")) { o->fused_exps = true; continue; }
        if (!strcmp(a, "--header-only")) { o->header_only = true; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); exit(0); }
        if (!v) {
            fprintf(stderr, "infrac-mkmodel: %s needs a value (or is unknown)\n", a);
            return -1;
        }
        i++;
        if (u) {
            if (!parse_u32(v, u)) {
                fprintf(stderr, "infrac-mkmodel: %s: '%s' is not a number\n", a, v);
                return -1;
            }
        } else if (!strcmp(a, "--arch")) o->arch = v;
        else if (!strcmp(a, "--type")) o->type = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) o->out = v;
        else if (!strcmp(a, "--tokenizer")) o->tokenizer = v;
        else if (!strcmp(a, "--swa-layers")) o->swa_layers = v;
        else if (!strcmp(a, "--chat-template")) o->chat_template = v;
        else if (!strcmp(a, "--seed")) o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--rope-base")) o->rope_base = strtof(v, NULL);
        else if (!strcmp(a, "--rope-scale")) o->rope_scale = strtof(v, NULL);
        else if (!strcmp(a, "--logit-softcap")) o->logit_softcap = strtof(v, NULL);
        else if (!strcmp(a, "--threads")) o->threads = atoi(v);
        else if (!strcmp(a, "--meta") && o->n_meta < 16) o->meta[o->n_meta++] = v;
        else if (!strcmp(a, "--special-token") && mk_n_extra_special < 16)
            mk_extra_special[mk_n_extra_special++] = v;
        else if (!strcmp(a, "--extra-tensor") && o->n_extra < 8) o->extra[o->n_extra++] = v;
        else {
            fprintf(stderr, "infrac-mkmodel: unknown option %s\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (!o->out) {
        usage(stderr);
        return -1;
    }
    if (strcmp(o->arch, "llama") && strcmp(o->arch, "qwen2") && strcmp(o->arch, "qwen3") &&
        strcmp(o->arch, "qwen3moe") && strcmp(o->arch, "gemma3") && strcmp(o->arch, "gemma4")) {
        fprintf(stderr, "infrac-mkmodel: --arch %s: expected llama, qwen2, qwen3, qwen3moe, gemma3 or gemma4\n",
                o->arch);
        return -1;
    }
    if (!o->ff_exp)
        o->ff_exp = o->ff;
    if (!o->heads || !o->kv_heads || o->heads % o->kv_heads || !o->embd || !o->layers || !o->ff) {
        fprintf(stderr, "infrac-mkmodel: bad shape (heads %u must be a multiple of kv-heads %u, sizes > 0)\n",
                o->heads, o->kv_heads);
        return -1;
    }
    if (!o->head_dim)
        o->head_dim = o->embd / o->heads;
    if (o->head_dim % 2 || !o->head_dim) {
        fprintf(stderr, "infrac-mkmodel: head size %u must be even\n", o->head_dim);
        return -1;
    }
    if (!strcmp(o->arch, "gemma4")) {
        if (!o->swa_pattern_set)
            o->swa_pattern = 2; /* both layer kinds in the default 2 layers */
        if (!o->head_dim_swa)
            o->head_dim_swa = o->head_dim / 2 >= 2 ? o->head_dim / 2 / 2 * 2 : o->head_dim;
        if (!o->swa || o->head_dim_swa % 2 || (o->kv_heads_swa && o->heads % o->kv_heads_swa)) {
            fprintf(stderr, "infrac-mkmodel: gemma4 needs --swa > 0, an even --head-dim-swa and --kv-heads-swa "
                    "dividing --heads\n");
            return -1;
        }
    }
    if (o->threads < 1)
        o->threads = 1;
    if (o->rope_base <= 0)
        o->rope_base = strcmp(o->arch, "llama") ? 1000000.0f : 10000.0f;
    return 0;
}

/* ---------- weights ---------- */

typedef struct fill_job {
    uint64_t seed;
    uint32_t type;
    uint64_t rows, cols, row_bytes;
    float scale, center; /* values: center + uniform(-scale, scale) */
    uint8_t *out;
    int nth;
    int ith;
} fill_job;

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void *fill_rows(void *arg)
{
    fill_job *j = arg;
    float *row = malloc(j->cols * sizeof(float));
    if (!row)
        return NULL;
    for (uint64_t r = (uint64_t)j->ith; r < j->rows; r += (uint64_t)j->nth) {
        uint64_t s = j->seed ^ (r * 0xd1b54a32d192ed03ull);
        uint64_t x = splitmix(&s);
        for (uint64_t c = 0; c < j->cols; c += 2) {
            /* xorshift64*: two floats per step, uniform in [-1, 1). */
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            uint64_t v = x * 0x2545f4914f6cdd1dull;
            float u0 = (float)(int32_t)(uint32_t)(v >> 32) * (1.0f / 2147483648.0f);
            float u1 = (float)(int32_t)(uint32_t)v * (1.0f / 2147483648.0f);
            row[c] = j->center + j->scale * u0;
            if (c + 1 < j->cols)
                row[c + 1] = j->center + j->scale * u1;
        }
        ie_quantize_row(j->type, row, j->out + r * j->row_bytes, j->cols);
    }
    free(row);
    return NULL;
}

static uint64_t name_seed(uint64_t seed, const char *name)
{
    uint64_t h = seed * 0x100000001b3ull ^ 0xcbf29ce484222325ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    return h;
}

/* A 2-D tensor [cols, rows], or with mats > 1 a 3-D one [cols, rows, mats]
 * (the experts of a MoE layer). */
static bool add_tensor_3d(gguf_writer *w, const options *o, const char *name, uint32_t type, uint64_t cols,
                          uint64_t rows, uint64_t mats, float scale, float center)
{
    uint64_t ne[3] = {cols, rows, mats}, rb;
    uint32_t nd = mats > 1 ? 3 : rows > 1 || strstr(name, "norm") == NULL ? 2 : 1;
    if (rows == 1 && mats == 1)
        nd = 1;
    rows *= mats;
    if (!ggml_row_bytes(type, cols, &rb)) {
        fprintf(stderr, "infrac-mkmodel: %s: %llu columns do not fit type %s\n", name, (unsigned long long)cols,
                ggml_type_get(type)->name);
        return false;
    }
    if (o->header_only)
        return gguf_w_tensor(w, name, type, nd, ne, NULL);
    uint8_t *buf = malloc(rb * rows);
    if (!buf)
        return false;
    fill_job jobs[16];
    pthread_t th[16];
    int nth = o->threads > 16 ? 16 : o->threads;
    if ((uint64_t)nth > rows)
        nth = (int)rows;
    for (int i = 0; i < nth; i++) {
        jobs[i] = (fill_job){name_seed(o->seed, name), type, rows, cols, rb, scale, center, buf, nth, i};
        if (i > 0 && pthread_create(&th[i], NULL, fill_rows, &jobs[i]) != 0) {
            jobs[i].nth = 0;
            fill_rows(&jobs[i]); /* cannot thread: do it here */
        }
    }
    fill_rows(&jobs[0]);
    for (int i = 1; i < nth; i++)
        if (jobs[i].nth)
            pthread_join(th[i], NULL);
    bool ok = gguf_w_tensor(w, name, type, nd, ne, buf);
    free(buf);
    return ok;
}

static bool add_tensor(gguf_writer *w, const options *o, const char *name, uint32_t type, uint64_t cols,
                       uint64_t rows, float scale, float center)
{
    return add_tensor_3d(w, o, name, type, cols, rows, 1, scale, center);
}

/* The type of a 2-D weight for the requested file type; K-quants need
 * rows of whole 256-blocks (else q8_0, as llama.cpp also falls back). */
static uint32_t weight_type(const options *o, const char *role, uint32_t layer, uint64_t cols)
{
    int t;
    /* llama.cpp's Q4_K_M / Q5_K_M mixes (src/llama-quant.cpp,
     * llama_tensor_get_type): Q6_K for output and, in the layers
     * use_more_bits picks, attn_v and ffn_down; the base K-quant elsewhere. */
    bool q5m = !strcmp(o->type, "q5_k_m");
    if (!strcmp(o->type, "q4_k_m") || q5m) {
        uint32_t n = o->layers;
        bool more = layer < n / 8 || layer >= 7 * n / 8 || (layer - n / 8) % 3 == 2;
        if (!strcmp(role, "output"))
            t = GGML_T_Q6_K;
        else if ((!strcmp(role, "attn_v") || !strcmp(role, "ffn_down") || !strcmp(role, "ffn_down_exps")) && more)
            t = GGML_T_Q6_K;
        else
            t = q5m ? GGML_T_Q5_K : GGML_T_Q4_K;
    } else {
        t = ggml_type_from_name(o->type);
    }
    const ggml_type_info *ti = ggml_type_get((uint32_t)t);
    if (cols % ti->block_elems)
        t = cols % 32 ? GGML_T_F32 : GGML_T_Q8_0;
    return (uint32_t)t;
}

static uint32_t file_type(const char *type)
{
    static const struct { const char *name; uint32_t ft; } map[] = {
        {"f32", 0}, {"f16", 1}, {"q4_0", 2}, {"q8_0", 7}, {"q4_k", 14}, {"q4_k_m", 15},
        {"q5_k", 16}, {"q5_k_m", 17}, {"q6_k", 18}, {"bf16", 32}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].name, type))
            return map[i].ft;
    return 0;
}

/* An integer key mkmodel writes, unless a --meta gives it (any type). */
/* Whether a --meta replaces {arch}.KEY (key: the full name). */
static bool meta_has(const options *o, const char *key)
{
    const char *suffix = strchr(key, '.');
    for (uint32_t i = 0; suffix && i < o->n_meta; i++) {
        size_t n = strcspn(o->meta[i], "=");
        if (strlen(suffix + 1) == n && !strncmp(o->meta[i], suffix + 1, n))
            return true;
    }
    return false;
}

static bool own_u32(gguf_writer *w, const options *o, const char *key, uint32_t v)
{
    return meta_has(o, key) || gguf_w_u32(w, key, v);
}

/* gemma4's per-layer head_count_kv: --kv-heads-swa on the sliding
 * layers, --kv-heads on the global ones. */
static bool kv_heads_array(gguf_writer *w, const options *o, const char *key, const bool *swa_of)
{
    int32_t v[1024];
    uint32_t n = o->layers < 1024 ? o->layers : 1024;
    if (meta_has(o, key))
        return true;
    for (uint32_t l = 0; l < n; l++)
        v[l] = (int32_t)(swa_of[l] ? o->kv_heads_swa : o->kv_heads);
    return gguf_w_arr_i32(w, key, v, n);
}

/* One --meta KEY=VALUE as {arch}.KEY. */
static bool write_meta(gguf_writer *w, const char *arch, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        return false;
    char key[128];
    snprintf(key, sizeof key, "%s.%.*s", arch, (int)(eq - kv), kv);
    const char *v = eq + 1;
    char *end;
    if (v[0] == '[') {
        int32_t vals[1024];
        uint64_t n = 0;
        for (const char *p = v + 1; *p && *p != ']' && n < 1024;) {
            vals[n++] = (int32_t)strtol(p, &end, 10);
            p = *end == ',' ? end + 1 : end;
            if (end == p && *p != ']')
                return false;
        }
        return gguf_w_arr_i32(w, key, vals, n);
    }
    if (!strcmp(v, "true") || !strcmp(v, "false"))
        return gguf_w_bool(w, key, v[0] == 't');
    unsigned long long u = strtoull(v, &end, 10);
    if (*v && *v != '-' && !*end && u <= 0xffffffffull)
        return gguf_w_u32(w, key, (uint32_t)u);
    float x = strtof(v, &end);
    if (*v && !*end)
        return gguf_w_f32(w, key, x);
    return gguf_w_str(w, key, v);
}

static int write_model(const options *o)
{
    static const char *types[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "q4_k_m", "q5_k_m"};
    bool known = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        known = known || !strcmp(types[i], o->type);
    if (!known) {
        fprintf(stderr, "infrac-mkmodel: --type %s: expected one of f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m q5_k_m\n",
                o->type);
        return 1;
    }
    mk_tok tok;
    const char *tk = o->tokenizer ? o->tokenizer : (!strcmp(o->arch, "llama") ? "spm" : "bpe");
    if (!strcmp(tk, "spm"))
        tok = MK_TOK_SPM;
    else if (!strcmp(tk, "bpe"))
        tok = !strcmp(o->arch, "llama") ? MK_TOK_BPE_LLAMA : MK_TOK_BPE_QWEN2;
    else if (!strcmp(tk, "gemma4"))
        tok = MK_TOK_GEMMA4;
    else {
        fprintf(stderr, "infrac-mkmodel: --tokenizer %s: expected spm, bpe or gemma4\n", tk);
        return 1;
    }
    gguf_writer *w = gguf_writer_new();
    if (!w)
        return 1;
    const char *a = o->arch;
    char key[128], err[512];
#define K(s) (snprintf(key, sizeof key, "%s." s, a), key)
    bool moe = !strcmp(a, "qwen3moe"), gemma4 = !strcmp(a, "gemma4"), gemma = !strcmp(a, "gemma3") || gemma4;
    /* gemma4: which layers slide (as llama.cpp's period rule when no list is given) */
    bool swa_of[1024];
    for (uint32_t l = 0; l < o->layers && l < 1024; l++)
        swa_of[l] = o->swa_pattern == 0 || l % o->swa_pattern < o->swa_pattern - 1;
    if (o->swa_layers) {
        uint32_t l = 0;
        for (const char *p = o->swa_layers; *p && l < 1024; p++)
            if (*p == '0' || *p == '1')
                swa_of[l++] = *p == '1';
    }
    bool ok = gguf_w_str(w, "general.architecture", a) && gguf_w_str(w, "general.name", "infrac test model") &&
              gguf_w_u32(w, "general.file_type", file_type(o->type)) &&
              own_u32(w, o, K("context_length"), o->ctx) && own_u32(w, o, K("embedding_length"), o->embd) &&
              own_u32(w, o, K("block_count"), o->layers) && own_u32(w, o, K("feed_forward_length"), o->ff) &&
              own_u32(w, o, K("attention.head_count"), o->heads) &&
              (gemma4 && o->kv_heads_swa ? kv_heads_array(w, o, K("attention.head_count_kv"), swa_of)
                                         : own_u32(w, o, K("attention.head_count_kv"), o->kv_heads)) &&
              gguf_w_f32(w, K("attention.layer_norm_rms_epsilon"), 1e-5f) &&
              gguf_w_f32(w, K("rope.freq_base"), o->rope_base) &&
              own_u32(w, o, K("rope.dimension_count"), o->head_dim) &&
              own_u32(w, o, K("attention.key_length"), o->head_dim) &&
              own_u32(w, o, K("attention.value_length"), o->head_dim) &&
              own_u32(w, o, K("vocab_size"), o->vocab);
    if (ok && (moe || (gemma4 && o->g4moe)))
        ok = own_u32(w, o, K("expert_count"), o->experts) && own_u32(w, o, K("expert_used_count"), o->experts_used) &&
             own_u32(w, o, K("expert_feed_forward_length"), o->ff_exp);
    if (ok && o->rope_scale > 0)
        ok = gguf_w_str(w, K("rope.scaling.type"), "linear") && gguf_w_f32(w, K("rope.scaling.factor"), o->rope_scale);
    if (ok && gemma && o->logit_softcap > 0)
        ok = gguf_w_f32(w, K("final_logit_softcapping"), o->logit_softcap);
    if (ok && gemma && o->swa)
        ok = own_u32(w, o, K("attention.sliding_window"), o->swa) && gguf_w_f32(w, K("rope.freq_base_swa"), 10000.0f);
    if (ok && gemma && o->swa && o->swa_layers) {
        /* the per-layer form: one bool per listed layer (a short list stays short) */
        bool flags[1024];
        uint64_t nf = 0;
        for (const char *p = o->swa_layers; *p && nf < 1024; p++)
            if (*p == '0' || *p == '1')
                flags[nf++] = *p == '1';
        ok = gguf_w_arr_bool(w, K("attention.sliding_window_pattern"), flags, nf);
    } else if (ok && gemma4 && !meta_has(o, K("attention.sliding_window_pattern"))) {
        ok = gguf_w_arr_bool(w, K("attention.sliding_window_pattern"), swa_of, o->layers < 1024 ? o->layers : 1024);
    } else if (ok && gemma && o->swa) {
        ok = own_u32(w, o, K("attention.sliding_window_pattern"), o->swa_pattern);
    }
    if (ok && gemma4)
        ok = own_u32(w, o, K("embedding_length_per_layer_input"), 0) && /* llama.cpp requires it: 0, none */
             own_u32(w, o, K("attention.key_length_swa"), o->head_dim_swa) &&
             own_u32(w, o, K("attention.value_length_swa"), o->head_dim_swa) &&
             own_u32(w, o, K("rope.dimension_count_swa"), o->head_dim_swa);
    for (uint32_t i = 0; ok && i < o->n_meta; i++)
        ok = write_meta(w, a, o->meta[i]);
#undef K
    char *tmpl = NULL;
    if (o->chat_template && strcmp(o->chat_template, "none") != 0) {
        FILE *f = fopen(o->chat_template, "rb");
        long n = -1;
        if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (tmpl = calloc(1, (size_t)n + 1)) && fread(tmpl, 1, (size_t)n, f) != (size_t)n)
            n = -1;
        if (f)
            fclose(f);
        if (n < 0 || !tmpl) {
            fprintf(stderr, "infrac-mkmodel: --chat-template %s: cannot read it\n", o->chat_template);
            free(tmpl);
            gguf_writer_free(w);
            return 1;
        }
    }
    const char *chat = o->chat_template && !strcmp(o->chat_template, "none") ? "" : tmpl;
    bool vocab_ok = ok && mk_write_vocab(w, tok, o->vocab, chat, err, sizeof err);
    free(tmpl);
    if (!vocab_ok) {
        fprintf(stderr, "infrac-mkmodel: %s\n", ok ? err : "out of memory");
        gguf_writer_free(w);
        return 1;
    }
    uint64_t E = o->embd;
    float inv_e = 1.0f / sqrtf((float)E), s3 = sqrtf(3.0f);
    /* uniform(-a, a) has standard deviation a / sqrt(3). */
    ok = add_tensor(w, o, "token_embd.weight", weight_type(o, "token_embd", 0, E), E, o->vocab, s3 * 2 * inv_e, 0);
    for (uint32_t l = 0; l < o->layers && ok; l++) {
        char n[96];
#define T(s) (snprintf(n, sizeof n, "blk.%u." s, l), n)
        /* gemma4's sliding layers: their own head size and KV heads */
        bool sl = gemma4 && l < 1024 && swa_of[l];
        uint32_t hd = sl ? o->head_dim_swa : o->head_dim;
        uint64_t qd = (uint64_t)o->heads * hd;
        uint64_t kd = (uint64_t)(sl && o->kv_heads_swa ? o->kv_heads_swa : o->kv_heads) * hd;
        bool no_v = gemma4 && o->k_eq_v && !sl;
        ok = add_tensor(w, o, T("attn_norm.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f) &&
             add_tensor(w, o, T("attn_q.weight"), weight_type(o, "attn_q", l, E), E, qd, s3 * inv_e, 0) &&
             add_tensor(w, o, T("attn_k.weight"), weight_type(o, "attn_k", l, E), E, kd, s3 * inv_e, 0) &&
             (no_v || add_tensor(w, o, T("attn_v.weight"), weight_type(o, "attn_v", l, E), E, kd, s3 * inv_e, 0)) &&
             add_tensor(w, o, T("attn_output.weight"), weight_type(o, "attn_output", l, qd), qd, E,
                        s3 / sqrtf((float)qd), 0) &&
             add_tensor(w, o, T("ffn_norm.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f);
        if (ok && moe) {
            /* the router stays f32, as llama.cpp's quantizer leaves it */
            uint64_t F = o->ff_exp, X = o->experts;
            ok = add_tensor(w, o, T("ffn_gate_inp.weight"), GGML_T_F32, E, X, s3 * inv_e, 0) &&
                 add_tensor_3d(w, o, T("ffn_gate_exps.weight"), weight_type(o, "ffn_gate_exps", l, E), E, F, X,
                               s3 * inv_e, 0) &&
                 add_tensor_3d(w, o, T("ffn_up_exps.weight"), weight_type(o, "ffn_up_exps", l, E), E, F, X,
                               s3 * inv_e, 0) &&
                 add_tensor_3d(w, o, T("ffn_down_exps.weight"), weight_type(o, "ffn_down_exps", l, F), F, E, X,
                               s3 / sqrtf((float)F), 0);
        }
        if (ok && gemma4 && o->g4moe) {
            /* gemma4's MoE: router, its input scale, three norms, the experts, down's per-expert scale */
            uint64_t F = o->ff_exp, X = o->experts;
            ok = add_tensor(w, o, T("ffn_gate_inp.weight"), GGML_T_F32, E, X, s3 * inv_e, 0) &&
                 add_tensor(w, o, T("ffn_gate_inp.scale"), GGML_T_F32, E, 1, 0.5f, 1.0f) &&
                 add_tensor(w, o, T("pre_ffw_norm_2.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f) &&
                 add_tensor(w, o, T("post_ffw_norm_1.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f) &&
                 add_tensor(w, o, T("post_ffw_norm_2.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f) &&
                 (o->fused_exps
                      ? add_tensor_3d(w, o, T("ffn_gate_up_exps.weight"), weight_type(o, "ffn_gate_up_exps", l, E),
                                      E, 2 * F, X, s3 * inv_e, 0)
                      : add_tensor_3d(w, o, T("ffn_gate_exps.weight"), weight_type(o, "ffn_gate_exps", l, E), E, F,
                                      X, s3 * inv_e, 0) &&
                            add_tensor_3d(w, o, T("ffn_up_exps.weight"), weight_type(o, "ffn_up_exps", l, E), E, F,
                                          X, s3 * inv_e, 0)) &&
                 add_tensor_3d(w, o, T("ffn_down_exps.weight"), weight_type(o, "ffn_down_exps", l, F), F, E, X,
                               s3 / sqrtf((float)F), 0) &&
                 add_tensor(w, o, T("ffn_down_exps.scale"), GGML_T_F32, X, 1, 0.4f, 1.0f);
        }
        if (ok && !moe) {
            ok = add_tensor(w, o, T("ffn_gate.weight"), weight_type(o, "ffn_gate", l, E), E, o->ff, s3 * inv_e, 0) &&
                 add_tensor(w, o, T("ffn_up.weight"), weight_type(o, "ffn_up", l, E), E, o->ff, s3 * inv_e, 0) &&
                 add_tensor(w, o, T("ffn_down.weight"), weight_type(o, "ffn_down", l, o->ff), o->ff, E,
                            s3 / sqrtf((float)o->ff), 0);
        }
        if (ok && gemma)
            ok = add_tensor(w, o, T("post_attention_norm.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f) &&
                 add_tensor(w, o, T("post_ffw_norm.weight"), GGML_T_F32, E, 1, 0.1f, 1.0f);
        if (ok && !strcmp(a, "qwen2"))
            ok = add_tensor(w, o, T("attn_q.bias"), GGML_T_F32, qd, 1, 0.5f, 0) &&
                 add_tensor(w, o, T("attn_k.bias"), GGML_T_F32, kd, 1, 0.5f, 0) &&
                 add_tensor(w, o, T("attn_v.bias"), GGML_T_F32, kd, 1, 0.5f, 0);
        if (ok && (!strcmp(a, "qwen3") || moe || gemma))
            ok = add_tensor(w, o, T("attn_q_norm.weight"), GGML_T_F32, hd, 1, 0.2f, 1.0f) &&
                 add_tensor(w, o, T("attn_k_norm.weight"), GGML_T_F32, hd, 1, 0.2f, 1.0f);
        if (ok && gemma4 && o->out_scale)
            ok = add_tensor(w, o, T("layer_output_scale.weight"), GGML_T_F32, 1, 1, 0.3f, 0.6f);
#undef T
    }
    ok = ok && add_tensor(w, o, "output_norm.weight", GGML_T_F32, E, 1, 0.1f, 1.0f);
    bool any_global = false;
    for (uint32_t l = 0; gemma4 && l < o->layers && l < 1024; l++)
        any_global |= !swa_of[l];
    if (ok && gemma4 && any_global) {
        /* the global layers' proportional RoPE: the first quarter of the
         * pairs turn (divided by 1, 1.5, ...), the rest barely (1e30) */
        float ff[512];
        uint64_t np = o->head_dim / 2 < 512 ? o->head_dim / 2 : 512;
        for (uint64_t i = 0; i < np; i++)
            ff[i] = i < (np + 3) / 4 ? 1.0f + 0.5f * (float)i : 1e30f;
        ok = gguf_w_tensor(w, "rope_freqs.weight", GGML_T_F32, 1, &np, o->header_only ? NULL : ff);
    }
    if (ok && !o->tied)
        ok = add_tensor(w, o, "output.weight", weight_type(o, "output", 0, E), E, o->vocab, s3 * 2 * inv_e, 0);
    for (uint32_t i = 0; ok && i < o->n_extra; i++)
        ok = add_tensor(w, o, o->extra[i], GGML_T_F32, E, 1, 0.1f, 0);
    if (!ok) {
        fprintf(stderr, "infrac-mkmodel: cannot build the tensors (out of memory?)\n");
        gguf_writer_free(w);
        return 1;
    }
    int rc = gguf_writer_write(w, o->out, o->header_only, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "infrac-mkmodel: %s\n", err);
    gguf_writer_free(w);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    options o;
    if (parse_args(argc, argv, &o) != 0)
        return 2;
    return write_model(&o);
}
