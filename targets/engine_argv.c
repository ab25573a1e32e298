/* The engine command lines. One builder feeds the launch script's exec, the
 * engine config's `command` and `infrac build --print-commands`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "shell_quote.h"
#include "engine_flags.h"

/* Every flag spelling comes from schema/engine_flags.c, which also refuses
 * them in extra_args. */
#define F(engine, id) ef_spelling(engine, id)
#define LC ENGINE_LLAMACPP
#define VL ENGINE_VLLM
#define IN ENGINE_INFRAC

static void argv_push(target_argv *a, const char *s)
{
    if (a->n + 1 >= a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 32;
        char **v = realloc(a->v, cap * sizeof *v);
        if (!v)
            abort();
        a->v = v;
        a->cap = cap;
    }
    char *copy = strdup(s ? s : "");
    if (!copy)
        abort();
    a->v[a->n++] = copy;
    a->v[a->n] = NULL;
}

/* A flag and its value. */
static void argv_pair(target_argv *a, const char *flag, const char *value)
{
    argv_push(a, flag);
    argv_push(a, value);
}

static void argv_pushf_u(target_argv *a, const char *flag, unsigned long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%llu", v);
    if (flag)
        argv_push(a, flag);
    argv_push(a, num);
}

void target_argv_free(target_argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

char *target_argv_shell_line(const target_argv *a)
{
    strbuf b = {0};
    for (size_t i = 0; i < a->n; i++) {
        if (i)
            sb_puts(&b, " ");
        sb_add_shell_word(&b, a->v[i]);
    }
    return sb_steal(&b);
}

/* Shortest decimal that reads back as v (tensor split shares). */
static void fmt_share(char *buf, size_t n, double v)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static bool has_tensor_split(const plan_service *s)
{
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus && i < EST_MAX_GPUS; i++)
        if (s->cfg.mem.tensor_split[i] != 0)
            return true;
    return false;
}

static const char *alias_of(const plan_service *s) { return s->cfg.alias ? s->cfg.alias : s->model; }

/* The draft model and speculative settings (spellings from the flag table,
 * after common/arg.cpp; extra_args may not set them, E0212, so a draft
 * always runs counted). The draft's GPU layers are always written:
 * llama.cpp's default is `auto`, which --fit off leaves to the engine. The
 * spec settings come also without a draft model (MTP, the n-gram kinds). */
static void spec_argv(const plan_service *s, target_argv *a)
{
    if (s->draft_path) {
        argv_pair(a, F(LC, EF_SPEC_DRAFT_MODEL), s->draft_path);
        if (s->cfg.draft_slot >= 0) {
            /* The visible-devices variable lists the service's GPUs: the draft's device is
             * <backend><its position>, the backend named as ggml names it (gpu_api.c): CUDA, ROCm
             * in a HIP build (ggml/include/ggml-cuda.h GGML_CUDA_NAME), SYCL, Vulkan. A Mac's one
             * GPU is Metal's MTL0 (`llama-server --list-devices` there: "MTL0: Apple M1 Max
             * (26000 MiB, ...)", github.com/Andyyyy64/whichllm issue 152). */
            const char *backend = gpu_api_info_of(s->cfg.gpu_api)->ggml_device;
            char dev[32];
            snprintf(dev, sizeof dev, "%s%d", backend, (int)s->cfg.draft_slot);
            argv_pair(a, F(LC, EF_SPEC_DRAFT_DEVICE), dev);
        }
        argv_push(a, F(LC, EF_SPEC_DRAFT_NGL));
        if (s->cfg.mem.n_gpus == 0)
            argv_push(a, "0");
        else if (s->cfg.draft_gpu_layers < 0)
            argv_push(a, "all");
        else
            argv_pushf_u(a, NULL, (unsigned long long)s->cfg.draft_gpu_layers);
    }
    if (s->cfg.draft_cache_set) {
        argv_pair(a, F(LC, EF_SPEC_DRAFT_TYPE_K), cache_type_name(s->cfg.draft_cache));
        argv_pair(a, F(LC, EF_SPEC_DRAFT_TYPE_V), cache_type_name(s->cfg.draft_cache));
    }
    if (s->cfg.spec_type)
        argv_pair(a, F(LC, EF_SPEC_TYPE), s->cfg.spec_type);
    if (s->cfg.spec_draft_n_max)
        argv_pushf_u(a, F(LC, EF_SPEC_DRAFT_N_MAX), s->cfg.spec_draft_n_max);
    if (s->cfg.spec_draft_n_min_set)
        argv_pushf_u(a, F(LC, EF_SPEC_DRAFT_N_MIN), s->cfg.spec_draft_n_min);
}

static void llamacpp_argv(const plan_service *s, target_argv *a)
{
    argv_push(a, s->cfg.binary ? s->cfg.binary : "llama-server");
    argv_pair(a, F(LC, EF_MODEL), s->model_path);
    argv_pair(a, F(LC, EF_HOST), s->cfg.bind);
    argv_pushf_u(a, F(LC, EF_PORT), s->cfg.port);
    /* --fit is on by default and silently shrinks what the plan checked. */
    argv_pair(a, F(LC, EF_FIT), "off");
    argv_push(a, F(LC, EF_GPU_LAYERS));
    if (s->cfg.mem.n_gpus == 0)
        argv_push(a, "0");
    else if (s->cfg.mem.gpu_layers < 0)
        argv_push(a, "all");
    else
        argv_pushf_u(a, NULL, (unsigned long long)s->cfg.mem.gpu_layers);
    if (s->cfg.mem.n_gpus > 1) {
        strbuf ts = {0};
        bool given = has_tensor_split(s);
        for (uint32_t i = 0; i < s->cfg.mem.n_gpus && i < EST_MAX_GPUS; i++) {
            char share[40];
            fmt_share(share, sizeof share, given ? s->cfg.mem.tensor_split[i] : 1.0);
            sb_printf(&ts, "%s%s", i ? "," : "", share);
        }
        argv_pair(a, F(LC, EF_TENSOR_SPLIT), ts.p);
        sb_free(&ts);
    }
    argv_pushf_u(a, F(LC, EF_CONTEXT), s->cfg.mem.context);
    argv_pushf_u(a, F(LC, EF_PARALLEL), s->cfg.mem.parallel);
    if (s->cfg.mem.kv_unified)
        argv_push(a, F(LC, EF_KV_UNIFIED));
    argv_pair(a, F(LC, EF_CACHE_K), target_service_cache_name(s, false));
    argv_pair(a, F(LC, EF_CACHE_V), target_service_cache_name(s, true));
    argv_pair(a, F(LC, EF_FLASH_ATTN), s->cfg.mem.flash_attn ? "on" : "off");
    argv_pushf_u(a, F(LC, EF_BATCH), s->cfg.mem.batch);
    argv_pushf_u(a, F(LC, EF_UBATCH), s->cfg.mem.ubatch);
    if (s->cfg.mem.threads)
        argv_pushf_u(a, F(LC, EF_THREADS), s->cfg.mem.threads);
    if (s->cfg.cpu_mask) /* also where no unit pins it (llama-swap starts the command itself) */
        argv_pair(a, F(LC, EF_CPU_MASK), s->cfg.cpu_mask);
    if (s->cfg.numa)
        argv_pair(a, F(LC, EF_NUMA), s->cfg.numa);
    if (s->cfg.api_key_file) {
        char *cred = target_credential_path(s);
        argv_pair(a, F(LC, EF_API_KEY_FILE), cred);
        free(cred);
    }
    if (s->cfg.metrics)
        argv_push(a, F(LC, EF_METRICS));
    argv_pair(a, F(LC, EF_ALIAS), alias_of(s));
    if (s->cfg.load_mode) {
        argv_pair(a, F(LC, EF_LOAD_MODE), s->cfg.load_mode);
    }
    if (s->cfg.mem.cpu_moe_layers)
        argv_pushf_u(a, F(LC, EF_CPU_MOE), s->cfg.mem.cpu_moe_layers);
    if (s->cfg.mem.swa_full)
        argv_push(a, F(LC, EF_SWA_FULL));
    if (s->cfg.mem.embeddings)
        argv_push(a, F(LC, EF_EMBEDDING));
    if (s->cfg.cache_ram_set)
        argv_pushf_u(a, F(LC, EF_CACHE_RAM), s->cfg.mem.cache_ram_bytes / MIB);
    if (s->cfg.chat_template) {
        argv_pair(a, F(LC, EF_CHAT_TEMPLATE), s->cfg.chat_template);
    }
    spec_argv(s, a);
}

/* vLLM's speculative decoding is one JSON argument (vllm/config/speculative.py
 * SpeculativeConfig: method, model, num_speculative_tokens); the method is
 * draft_model when only a draft is named. jansson writes it, so a path with
 * quotes or backslashes stays one JSON string. */
static void vllm_spec_argv(const plan_service *s, target_argv *a)
{
    if (!s->draft_path && !s->cfg.spec_type)
        return;
    json_t *cfg = json_object();
    if (!cfg)
        abort();
    json_object_set_new(cfg, "method", json_string(s->cfg.spec_type ? s->cfg.spec_type : "draft_model"));
    if (s->draft_path)
        json_object_set_new(cfg, "model", json_string(s->draft_path));
    if (s->cfg.spec_draft_n_max)
        json_object_set_new(cfg, "num_speculative_tokens", json_integer(s->cfg.spec_draft_n_max));
    char *text = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(cfg);
    if (!text)
        abort();
    argv_pair(a, F(VL, EF_SPEC_CONFIG), text);
    free(text);
}

static void vllm_argv(const plan_service *s, target_argv *a)
{
    argv_push(a, s->cfg.binary ? s->cfg.binary : "vllm");
    argv_push(a, "serve");
    argv_push(a, s->model_path);
    argv_pair(a, F(VL, EF_HOST), s->cfg.bind);
    argv_pushf_u(a, F(VL, EF_PORT), s->cfg.port);
    if (s->cfg.mem.gpu_memory_utilization > 0) {
        char util[40];
        fmt_share(util, sizeof util, s->cfg.mem.gpu_memory_utilization);
        argv_pair(a, F(VL, EF_GPU_MEM_UTIL), util);
    }
    if (s->cfg.mem.n_gpus > 1)
        argv_pushf_u(a, F(VL, EF_TENSOR_SPLIT), s->cfg.mem.n_gpus);
    argv_pushf_u(a, F(VL, EF_CONTEXT), s->cfg.mem.context);
    /* vLLM's cache types are auto (the model's dtype) or the fp8 kinds. */
    if (s->cfg.mem.cache_k == CACHE_FP8 || s->cfg.mem.cache_k == CACHE_FP8_E4M3 || s->cfg.mem.cache_k == CACHE_FP8_E5M2) {
        argv_pair(a, F(VL, EF_CACHE_KV), target_service_cache_name(s, false));
    }
    argv_pair(a, F(VL, EF_ALIAS), alias_of(s));
    argv_pushf_u(a, F(VL, EF_MAX_NUM_SEQS), s->cfg.mem.parallel);
    if (s->cfg.max_num_batched_tokens)
        argv_pushf_u(a, F(VL, EF_MAX_BATCHED), s->cfg.max_num_batched_tokens);
    vllm_spec_argv(s, a);
}

static void infrac_argv(const plan *p, const plan_service *s, target_argv *a)
{
    char *config = target_config_path(p, s);
    argv_push(a, s->cfg.binary ? s->cfg.binary : "infrac-engine");
    argv_pair(a, F(IN, EF_CONFIG), config);
    free(config);
    for (uint32_t i = 0; i < s->cfg.n_cors_origins; i++)
        argv_pair(a, F(IN, EF_CORS_ORIGIN), s->cfg.cors_origins[i]);
}

void target_engine_argv(const plan *p, const plan_service *s, target_argv *out)
{
    memset(out, 0, sizeof *out);
    switch (s->cfg.mem.engine) {
    case ENGINE_VLLM: vllm_argv(s, out); break;
    case ENGINE_INFRAC: infrac_argv(p, s, out); break;
    default: llamacpp_argv(s, out); break;
    }
    /* The fleet's extra arguments go last so they can refine what came before. */
    for (uint32_t i = 0; i < s->cfg.n_extra_args; i++)
        argv_push(out, s->cfg.extra_args[i]);
}
