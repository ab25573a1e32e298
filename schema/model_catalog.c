/* The model catalog: schema/models.yaml, embedded in the binary by the
 * assembler (.incbin, as gpu_catalog.c does), parsed with libcyaml on first
 * use; each entry is turned into a GGUF header by the shared writer. */
#include <cyaml/cyaml.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"
#include "gguf_write.h"
#include "model_catalog.h"

__asm__(".section .rodata\n"
        ".global infrac_models_yaml\n"
        ".type infrac_models_yaml, @object\n"
        ".balign 16\n"
        "infrac_models_yaml:\n"
        ".incbin \"schema/models.yaml\"\n"
        ".byte 0\n"
        ".global infrac_models_yaml_end\n"
        "infrac_models_yaml_end:\n"
        ".previous\n");
extern const char infrac_models_yaml[];
extern const char infrac_models_yaml_end[];

/* The document as libcyaml fills it (its count-field naming). */
typedef struct raw_file {
    char *quant, *size, *source;
} raw_file;
typedef struct raw_entry {
    char *id, *name, *arch, *note;
    char **source;
    unsigned source_count;
    char **hparams;
    unsigned hparams_count;
    char **tensors;
    unsigned tensors_count;
    raw_file *files;
    unsigned files_count;
} raw_entry;
typedef struct raw_doc {
    char **quants;
    unsigned quants_count;
    raw_entry *models;
    unsigned models_count;
} raw_doc;

static const cyaml_schema_value_t str_schema = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 1024),
};
static const cyaml_schema_field_t file_fields[] = {
    CYAML_FIELD_STRING_PTR("quant", CYAML_FLAG_POINTER, raw_file, quant, 1, 32),
    CYAML_FIELD_STRING_PTR("size", CYAML_FLAG_POINTER, raw_file, size, 1, 32),
    CYAML_FIELD_STRING_PTR("source", CYAML_FLAG_POINTER, raw_file, source, 1, 512),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t file_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_file, file_fields),
};
static const cyaml_schema_field_t entry_fields[] = {
    CYAML_FIELD_STRING_PTR("id", CYAML_FLAG_POINTER, raw_entry, id, 1, 64),
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, raw_entry, name, 1, 128),
    CYAML_FIELD_STRING_PTR("arch", CYAML_FLAG_POINTER, raw_entry, arch, 1, 31),
    CYAML_FIELD_SEQUENCE("source", CYAML_FLAG_POINTER, raw_entry, source, &str_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("hparams", CYAML_FLAG_POINTER, raw_entry, hparams, &str_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("tensors", CYAML_FLAG_POINTER, raw_entry, tensors, &str_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("files", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, raw_entry, files, &file_schema, 0,
                         CYAML_UNLIMITED),
    CYAML_FIELD_STRING_PTR("note", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, raw_entry, note, 0, 1024),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t entry_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, raw_entry, entry_fields),
};
static const cyaml_schema_field_t doc_fields[] = {
    CYAML_FIELD_SEQUENCE("quants", CYAML_FLAG_POINTER, raw_doc, quants, &str_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("models", CYAML_FLAG_POINTER, raw_doc, models, &entry_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t doc_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, raw_doc, doc_fields),
};
static const cyaml_config_t cyaml_cfg = {
    .log_fn = cyaml_log,
    .mem_fn = cyaml_mem,
    .log_level = CYAML_LOG_WARNING,
};

/* The parsed document lives for the process: the entries point into it. */
static raw_doc *doc;
static model_cat_entry *entries;
static size_t n_entries;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    size_t len = (size_t)(infrac_models_yaml_end - infrac_models_yaml) - 1;
    cyaml_err_t rc = cyaml_load_data((const uint8_t *)infrac_models_yaml, len, &cyaml_cfg, &doc_schema,
                                     (cyaml_data_t **)&doc, NULL);
    if (rc != CYAML_OK) {
        /* the embedded file is ours: only a build defect gets here */
        fprintf(stderr, "infrac: embedded schema/models.yaml: %s\n", cyaml_strerror(rc));
        doc = NULL;
        return;
    }
    entries = calloc(doc->models_count ? doc->models_count : 1, sizeof *entries);
    if (!entries)
        return;
    for (unsigned i = 0; i < doc->models_count; i++) {
        const raw_entry *r = &doc->models[i];
        model_cat_entry *e = &entries[n_entries++];
        e->id = r->id;
        e->name = r->name;
        e->arch = r->arch;
        e->note = r->note;
        e->sources = (const char **)r->source;
        e->n_sources = r->source_count;
        e->hparams = (const char **)r->hparams;
        e->n_hparams = r->hparams_count;
        e->tensors = (const char **)r->tensors;
        e->n_tensors = r->tensors_count;
        e->files = (model_cat_file *)r->files;
        e->n_files = r->files_count;
    }
}

static void ensure_loaded(void)
{
    pthread_once(&once, load);
}

_Static_assert(sizeof(raw_file) == sizeof(model_cat_file), "raw_file and model_cat_file share a layout");

const model_cat_entry *model_catalog_find(const char *id)
{
    ensure_loaded();
    for (size_t i = 0; id && i < n_entries; i++)
        if (strcmp(entries[i].id, id) == 0)
            return &entries[i];
    return NULL;
}

size_t model_catalog_count(void)
{
    ensure_loaded();
    return n_entries;
}

const model_cat_entry *model_catalog_at(size_t i)
{
    ensure_loaded();
    return i < n_entries ? &entries[i] : NULL;
}

size_t model_catalog_quant_count(void)
{
    ensure_loaded();
    return doc ? doc->quants_count : 0;
}

const char *model_catalog_quant_at(size_t i)
{
    ensure_loaded();
    return doc && i < doc->quants_count ? doc->quants[i] : NULL;
}

/* "5027783488 B" / "12.1 GB" / "4.9 GiB" -> bytes; 0 when malformed. */
static uint64_t parse_size(const char *s)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || !(v > 0) || v > 1e15)
        return 0;
    while (*end == ' ')
        end++;
    double unit = strcmp(end, "B") == 0     ? 1.0
                  : strcmp(end, "GB") == 0  ? 1e9
                  : strcmp(end, "GiB") == 0 ? 1073741824.0
                  : strcmp(end, "MB") == 0  ? 1e6
                                            : 0.0;
    return (uint64_t)floor(v * unit);
}

uint64_t model_catalog_published_bytes(const model_cat_entry *e, const char *quant, const char **source)
{
    for (unsigned i = 0; i < e->n_files; i++)
        if (strcmp(e->files[i].quant, quant) == 0) {
            if (source)
                *source = e->files[i].source;
            return parse_size(e->files[i].size);
        }
    return 0;
}

/* How each quantization types the tensors, after llama.cpp's quantizer
 * (src/llama-quant.cpp llama_tensor_get_type_impl, for the mixes listed):
 * - output.weight (and token_embd when the output is tied) Q6_K, except in
 *   the 8-bit files (Q8_0) and when its row is not a multiple of 256 (Q8_0);
 *   an untied token_embd keeps the base type;
 * - the attn_v-like tensors (attn_v, attn_qkv, attn_kv_b), counted in file
 *   order: Q6_K in the _M mixes when use_more_bits(i, n) (the first and last
 *   eighth and every third between), the 70B llama's Q4_K ones Q5_K, Q8_0
 *   with 8 experts; attn_k Q8_0 with 8 experts;
 * - ffn_down*: Q6_K in the _M mixes when use_more_bits(layer, block_count);
 * - attn_output Q5_K in Q4_K_M with 8 experts;
 * - a row the block does not divide falls back (Q4_K -> Q5_0, Q5_K -> Q5_1,
 *   Q6_K -> Q8_0, else F16), as tensor_type_fallback does;
 * - norms, 1-D tensors, routers and the SSM tensors stay F32; gpt-oss keeps
 *   its experts MXFP4 in every release. */
typedef enum mix { MIX_Q4_K_M, MIX_Q5_K_M, MIX_Q6_K, MIX_Q8_0, MIX_MXFP4, MIX_UD } mix;

typedef struct quant_rule {
    const char *name;
    mix kind;
    uint32_t base;
    bool derivable; /* UD-* mixes are not reproducible: published sizes only */
} quant_rule;

static const quant_rule rules[] = {
    {"Q4_K_M", MIX_Q4_K_M, GGML_T_Q4_K, true},
    {"Q5_K_M", MIX_Q5_K_M, GGML_T_Q5_K, true},
    {"Q6_K", MIX_Q6_K, GGML_T_Q6_K, true},
    {"Q8_0", MIX_Q8_0, GGML_T_Q8_0, true},
    {"UD-Q4_K_XL", MIX_UD, GGML_T_Q4_K, false},
    {"MXFP4", MIX_MXFP4, GGML_T_Q8_0, true},
};

static const quant_rule *rule_for(const char *quant)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (strcmp(rules[i].name, quant) == 0)
            return &rules[i];
    return NULL;
}

bool model_catalog_has_quant(const model_cat_entry *e, const char *quant)
{
    const quant_rule *r = rule_for(quant);
    if (!r)
        return false;
    if (strcmp(quant, "MXFP4") == 0 && strcmp(e->arch, "gpt-oss") != 0)
        return false;
    return r->derivable || model_catalog_published_bytes(e, quant, NULL) > 0;
}

bool model_catalog_quant_needs_size(const char *quant)
{
    const quant_rule *r = rule_for(quant);
    return r && !r->derivable;
}

static bool contains(const char *s, const char *part)
{
    return strstr(s, part) != NULL;
}

#define QUANT_MAX_LAYERS 1024

/* What the quantizer knows of the whole model when it types one tensor. */
typedef struct quant_ctx {
    const quant_rule *r;
    const char *arch;
    uint32_t n_layer, n_expert; /* block_count, expert_count */
    bool tied;                  /* no output.weight */
    bool llama_70b;             /* llama.cpp's LLM_TYPE_70B: llama, 80 layers, GQA */
    uint32_t n_attn_v;          /* attn_v-like tensors in the file */
    uint32_t attn_v_before[QUANT_MAX_LAYERS + 1]; /* of them, in layers below l */
} quant_ctx;

static bool is_attn_v_like(const char *name)
{
    return contains(name, "attn_qkv.weight") || contains(name, "attn_kv_b.weight") || contains(name, "attn_v.weight");
}

static bool use_more_bits(int64_t i, int64_t n)
{
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

static uint32_t fallback_type(uint32_t t, uint64_t ne0)
{
    uint64_t row;
    if (ggml_row_bytes(t, ne0, &row))
        return t;
    uint32_t f = t == GGML_T_Q4_K ? GGML_T_Q5_0 : t == GGML_T_Q5_K ? GGML_T_Q5_1 : t == GGML_T_Q6_K ? GGML_T_Q8_0 : t;
    return ggml_row_bytes(f, ne0, &row) ? f : GGML_T_F16;
}

static uint32_t tensor_type(const quant_ctx *q, const char *name, uint32_t n_dims, uint64_t ne0)
{
    const quant_rule *r = q->r;
    if (n_dims < 2 || contains(name, "_norm") || contains(name, "ffn_gate_inp") || contains(name, "ssm_") ||
        contains(name, "token_types") || contains(name, "position_embd"))
        return GGML_T_F32; /* llama-quant.cpp: BERT's positions and token types stay F32 */
    bool m_mix = r->kind == MIX_Q4_K_M || r->kind == MIX_Q5_K_M || r->kind == MIX_UD;
    long layer = -1;
    if (strncmp(name, "blk.", 4) == 0)
        layer = strtol(name + 4, NULL, 10);
    uint32_t t = r->base;
    bool output = strcmp(name, "output.weight") == 0;
    if (strcmp(q->arch, "gpt-oss") == 0 && contains(name, "_exps")) {
        t = GGML_T_MXFP4;
    } else if (output || (q->tied && strcmp(name, "token_embd.weight") == 0)) {
        t = r->kind == MIX_MXFP4 || r->kind == MIX_Q8_0 || ne0 % 256 != 0 ? GGML_T_Q8_0 : GGML_T_Q6_K;
        return t;
    } else if (strcmp(name, "token_embd.weight") == 0) {
        t = r->base;
    } else if (is_attn_v_like(name)) {
        uint32_t i = layer >= 0 && layer < QUANT_MAX_LAYERS ? q->attn_v_before[layer] : 0;
        if (m_mix && use_more_bits(i, q->n_attn_v))
            t = GGML_T_Q6_K;
        if (q->llama_70b && t == GGML_T_Q4_K)
            t = GGML_T_Q5_K;
        if (q->n_expert == 8)
            t = GGML_T_Q8_0;
    } else if (contains(name, "attn_k.weight")) {
        if (q->n_expert == 8)
            t = GGML_T_Q8_0;
    } else if (contains(name, "ffn_down")) {
        if (m_mix && layer >= 0 && use_more_bits(layer, q->n_layer))
            t = GGML_T_Q6_K;
    } else if (contains(name, "attn_output.weight")) {
        if (r->kind == MIX_Q4_K_M && q->n_expert == 8)
            t = GGML_T_Q5_K;
    }
    return fallback_type(t, ne0);
}

/* "1,0,1" -> values; count in *n. */
static int parse_list(const char *s, int64_t *out, size_t cap, size_t *n)
{
    *n = 0;
    while (*s) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno || *n == cap)
            return -1;
        out[(*n)++] = v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            return -1;
    }
    return 0;
}

#define MAX_ARR 4096

static int add_hparam(gguf_writer *w, const char *arch, const char *spec, char *err, size_t errlen)
{
    char key[160], type[16];
    int off = 0;
    if (sscanf(spec, "%127s %15s %n", key, type, &off) != 2 || off == 0) {
        snprintf(err, errlen, "bad hparam \"%s\"", spec);
        return -1;
    }
    const char *val = spec + off;
    char full[200];
    snprintf(full, sizeof full, "%s.%s", arch, key);
    char *end = NULL;
    bool ok = true;
    if (strcmp(type, "u32") == 0 || strcmp(type, "i32") == 0 || strcmp(type, "u64") == 0) {
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (end == val || *end || errno || v < (type[0] == 'i' ? INT32_MIN : 0) ||
            (type[2] == '2' && v > (type[0] == 'i' ? INT32_MAX : (long long)UINT32_MAX)))
            goto bad;
        ok = type[0] == 'i' ? gguf_w_i32(w, full, (int32_t)v)
             : type[1] == '6' ? gguf_w_u64(w, full, (uint64_t)v)
                              : gguf_w_u32(w, full, (uint32_t)v);
    } else if (strcmp(type, "f32") == 0) {
        float v = strtof(val, &end);
        if (end == val || *end)
            goto bad;
        ok = gguf_w_f32(w, full, v);
    } else if (strcmp(type, "bool") == 0) {
        if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0)
            goto bad;
        ok = gguf_w_bool(w, full, val[0] == 't');
    } else if (strcmp(type, "str") == 0) {
        ok = gguf_w_str(w, full, val);
    } else if (strcmp(type, "u32[]") == 0 || strcmp(type, "i32[]") == 0 || strcmp(type, "bool[]") == 0) {
        static _Thread_local int64_t vals[MAX_ARR];
        size_t n;
        if (parse_list(val, vals, MAX_ARR, &n) != 0 || n == 0)
            goto bad;
        if (type[0] == 'b') {
            static _Thread_local bool b[MAX_ARR];
            for (size_t i = 0; i < n; i++)
                b[i] = vals[i] != 0;
            ok = gguf_w_arr_bool(w, full, b, n);
        } else {
            /* u32 arrays are written as i32, which is how the converter writes them */
            static _Thread_local int32_t v32[MAX_ARR];
            for (size_t i = 0; i < n; i++) {
                if (vals[i] < INT32_MIN || vals[i] > INT32_MAX)
                    goto bad;
                v32[i] = (int32_t)vals[i];
            }
            ok = gguf_w_arr_i32(w, full, v32, n);
        }
    } else {
        goto bad;
    }
    if (!ok) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "bad hparam \"%s\"", spec);
    return -1;
}

/* "blk.0-2,4.attn_q.weight 5120 6144" (or a name without blk.) */
/* Expands spec; with w NULL only notes in q which layers hold an
 * attn_v-like tensor (the quantizer counts them in file order). */
static int add_tensors(gguf_writer *w, quant_ctx *q, bool mark[QUANT_MAX_LAYERS], const char *spec, char *err,
                       size_t errlen)
{
    char name[128];
    int off = 0;
    if (sscanf(spec, "%127s %n", name, &off) != 1 || off == 0)
        goto bad;
    uint64_t ne[4];
    uint32_t nd = 0;
    const char *p = spec + off;
    while (*p) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || v == 0 || nd == 4)
            goto bad;
        ne[nd++] = v;
        p = end;
        while (*p == ' ')
            p++;
    }
    if (nd == 0)
        goto bad;
    if (strncmp(name, "blk.", 4) != 0) {
        if (!w) {
            if (strcmp(name, "output.weight") == 0)
                q->tied = false;
            return 0;
        }
        uint32_t t = tensor_type(q, name, nd, ne[0]);
        if (!gguf_w_tensor_info(w, name, t, nd, ne))
            goto bad;
        return 0;
    }
    char *dot = strchr(name + 4, '.');
    if (!dot)
        goto bad;
    *dot = '\0';
    const char *rest = dot + 1;
    const char *c = name + 4;
    while (*c) {
        char *end = NULL;
        long a = strtol(c, &end, 10), b = a;
        if (end == c || a < 0 || a > 100000)
            goto bad;
        c = end;
        if (*c == '-') {
            c++;
            b = strtol(c, &end, 10);
            if (end == c || b < a || b > 100000)
                goto bad;
            c = end;
        }
        if (*c == ',')
            c++;
        else if (*c)
            goto bad;
        for (long l = a; l <= b; l++) {
            char tn[160];
            snprintf(tn, sizeof tn, "blk.%ld.%s", l, rest);
            if (!w) {
                if (is_attn_v_like(tn) && l < QUANT_MAX_LAYERS)
                    mark[l] = true;
                continue;
            }
            uint32_t t = tensor_type(q, tn, nd, ne[0]);
            if (!gguf_w_tensor_info(w, tn, t, nd, ne))
                goto bad;
        }
    }
    return 0;
bad:
    snprintf(err, errlen, "bad tensor \"%s\"", spec);
    return -1;
}

int model_catalog_header(const model_cat_entry *e, const char *quant, uint8_t **buf, size_t *len,
                         char *err, size_t errlen)
{
    const quant_rule *r = rule_for(quant);
    if (!r) {
        snprintf(err, errlen, "unknown quantization `%s`", quant);
        return -1;
    }
    gguf_writer *w = gguf_writer_new();
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    if (!gguf_w_str(w, "general.architecture", e->arch) || !gguf_w_str(w, "general.name", e->name))
        rc = -1, snprintf(err, errlen, "out of memory");
    for (unsigned i = 0; rc == 0 && i < e->n_hparams; i++)
        rc = add_hparam(w, e->arch, e->hparams[i], err, errlen);
    static quant_ctx q; /* large; the catalog is read on one thread */
    bool mark[QUANT_MAX_LAYERS];
    memset(&q, 0, sizeof q);
    memset(mark, 0, sizeof mark);
    q.r = r;
    q.arch = e->arch;
    q.tied = true;
    for (unsigned i = 0; i < e->n_hparams; i++) {
        unsigned v;
        if (sscanf(e->hparams[i], "block_count u32 %u", &v) == 1)
            q.n_layer = v;
        if (sscanf(e->hparams[i], "expert_count u32 %u", &v) == 1)
            q.n_expert = v;
    }
    for (unsigned i = 0; rc == 0 && i < e->n_tensors; i++)
        rc = add_tensors(NULL, &q, mark, e->tensors[i], err, errlen);
    for (uint32_t l = 0; l < QUANT_MAX_LAYERS; l++) {
        q.attn_v_before[l + 1] = q.attn_v_before[l] + (mark[l] ? 1 : 0);
    }
    q.n_attn_v = q.attn_v_before[QUANT_MAX_LAYERS];
    q.llama_70b = strcmp(e->arch, "llama") == 0 && q.n_layer == 80;
    for (unsigned i = 0; rc == 0 && i < e->n_tensors; i++)
        rc = add_tensors(w, &q, mark, e->tensors[i], err, errlen);
    if (rc == 0 && gguf_writer_header(w, buf, len) != 0)
        rc = -1, snprintf(err, errlen, "out of memory");
    gguf_writer_free(w);
    return rc;
}
