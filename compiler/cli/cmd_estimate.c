/* infrac estimate --gguf FILE [options]: what one service would allocate on
 * each GPU and in host RAM, from the model's GGUF header (see docs/vram.md). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/estimate_output.h"
#include "estimate/engine_defaults.h"
#include "ggml_types.h"
#include "service_config.h"

static const char usage_text[] =
    "usage: infrac estimate --gguf FILE [--engine llama.cpp|vllm|infrac] [--context N]\n"
    "         [--cache-k T] [--cache-v T] [--batch N] [--ubatch N] [--parallel N]\n"
    "         [--flash-attention on|off] [--gpus N] [--tensor-split a,b,..] [--gpu-layers N|all]\n"
    "         [--cpu-moe-layers N] [--swa-full] [--kv-unified] [--embedding] [--gpu-memory-utilization X]\n"
    "         [--cache-ram MIB] [--threads N] [--draft FILE] [--draft-cache T] [--draft-gpu-layers N|all]\n"
    "         [--cache-type NAME=BITS[/BLOCK]]...\n"
    "         [--draft-gpu I] [--mtp] [--gpu MODEL] [--format text|json]\n"
    "Prints the memory one service would take on each GPU and in host RAM, with its draft model\n"
    "(--draft) or its own MTP layers drafting (--mtp) counted as `infrac check` counts them.\n"
    "--cache-type declares a cache type a build adds (as a fleet's engines: cache_types), for\n"
    "--cache-k/--cache-v to name: e.g. --cache-type turbo3=3.5 --cache-k turbo3.\n";

enum {
    OPT_GGUF = 1000, OPT_ENGINE, OPT_CONTEXT, OPT_CACHE_K, OPT_CACHE_V, OPT_BATCH, OPT_UBATCH, OPT_PARALLEL,
    OPT_FA, OPT_GPUS, OPT_SPLIT, OPT_NGL, OPT_CPU_MOE, OPT_SWA_FULL, OPT_KVU, OPT_EMBEDDING, OPT_UTIL, OPT_CACHE_RAM, OPT_THREADS, OPT_GPU, OPT_FORMAT,
    OPT_DRAFT, OPT_DRAFT_CACHE, OPT_DRAFT_NGL, OPT_DRAFT_GPU, OPT_MTP, OPT_CACHE_TYPE, OPT_HELP
};

static const struct option options[] = {
    {"gguf", required_argument, NULL, OPT_GGUF},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"cache-k", required_argument, NULL, OPT_CACHE_K},
    {"cache-v", required_argument, NULL, OPT_CACHE_V},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"ubatch", required_argument, NULL, OPT_UBATCH},
    {"parallel", required_argument, NULL, OPT_PARALLEL},
    {"flash-attention", required_argument, NULL, OPT_FA},
    {"gpus", required_argument, NULL, OPT_GPUS},
    {"tensor-split", required_argument, NULL, OPT_SPLIT},
    {"gpu-layers", required_argument, NULL, OPT_NGL},
    {"cpu-moe-layers", required_argument, NULL, OPT_CPU_MOE},
    {"swa-full", no_argument, NULL, OPT_SWA_FULL},
    {"embedding", no_argument, NULL, OPT_EMBEDDING},
    {"kv-unified", no_argument, NULL, OPT_KVU},
    {"gpu-memory-utilization", required_argument, NULL, OPT_UTIL},
    {"cache-ram", required_argument, NULL, OPT_CACHE_RAM},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"gpu", required_argument, NULL, OPT_GPU},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"draft", required_argument, NULL, OPT_DRAFT},
    {"draft-cache", required_argument, NULL, OPT_DRAFT_CACHE},
    {"draft-gpu-layers", required_argument, NULL, OPT_DRAFT_NGL},
    {"draft-gpu", required_argument, NULL, OPT_DRAFT_GPU},
    {"mtp", no_argument, NULL, OPT_MTP},
    {"cache-type", required_argument, NULL, OPT_CACHE_TYPE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "infrac estimate: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

/* A whole number in [min, max]; false otherwise. */
static bool parse_uint(const char *s, unsigned long min, unsigned long max, uint32_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int parse_split(const char *s, estimate_request *req, uint32_t *n)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        if (*n >= EST_MAX_GPUS)
            return -1;
        char *end = NULL;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !(v >= 0) || v > 1e6)
            return -1;
        req->tensor_split[(*n)++] = v;
        if (*end == ',' && end[1])
            p = end + 1;
        else if (*end == '\0')
            p = end;
        else
            return -1;
    }
    double sum = 0;
    for (uint32_t i = 0; i < *n; i++)
        sum += req->tensor_split[i];
    return *n > 0 && sum > 0 ? 0 : -1;
}

typedef struct raw_flags {
    const char *gguf, *engine, *context, *cache_k, *cache_v, *batch, *ubatch, *parallel, *fa, *gpus;
    const char *split, *ngl, *cpu_moe, *util, *cache_ram, *threads, *gpu, *format;
    const char *draft, *draft_cache, *draft_ngl, *draft_gpu;
    bool swa_full, kv_unified, embedding, mtp, help;
    /* --cache-type NAME=BITS[/BLOCK]: a build's own types, at most one for K and one for V */
    char declared[2][40];
    est_cache_geom declared_geom[2];
    uint32_t n_declared;
} raw_flags;

#define MAX_DECLARED_TYPES 2

/* NAME=BITS[/BLOCK], into f->declared; 0, or 2 after printing why. */
static int declare_cache_type(raw_flags *f, const char *arg)
{
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : 0;
    if (!eq || n == 0 || n >= sizeof f->declared[0])
        return usage_error("--cache-type wants NAME=BITS[/BLOCK], got '%s'", arg);
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)arg[i]) || arg[i] == '_' || arg[i] == '-'))
            return usage_error("--cache-type: '%s' is not a cache type name (letters, digits, _ and -)", arg);
    char name[40];
    memcpy(name, arg, n);
    name[n] = '\0';
    if (cache_type_from_name(name) >= 0)
        return usage_error("--cache-type: '%s' is built in; declare only the types a build adds", name);
    char *end = NULL;
    errno = 0;
    double bits = strtod(eq + 1, &end);
    unsigned long block = 0;
    if (end != eq + 1 && *end == '/') {
        char *bend = NULL;
        block = strtoul(end + 1, &bend, 10);
        if (bend == end + 1 || *bend || block < 1 || block > 4096)
            return usage_error("--cache-type wants a block of 1 to 4096 elements after '/', got '%s'", arg);
        end = bend;
    }
    est_cache_geom g;
    if (end == eq + 1 || *end || errno || !(bits > 0 && bits <= 64) || !est_declared_cache_geom(bits, (uint32_t)block, &g))
        return usage_error("--cache-type: '%s' is not BITS[/BLOCK] making whole bytes per block (bits x block / 8)",
                           arg);
    for (uint32_t i = 0; i < f->n_declared; i++)
        if (strcmp(f->declared[i], name) == 0)
            return usage_error("--cache-type: '%s' declared twice", name);
    if (f->n_declared >= MAX_DECLARED_TYPES)
        return usage_error("--cache-type: at most %s types (one for K, one for V)", "2");
    snprintf(f->declared[f->n_declared], sizeof f->declared[0], "%s", name);
    f->declared_geom[f->n_declared++] = g;
    return 0;
}

/* llama-server's -ctk/-ctv choices and the types --cache-type declared; vLLM's --kv-cache-dtype kinds (auto,
 * fp8, fp8_e4m3, fp8_e5m2) and the 16-bit types, which the estimator sizes. */
static int parse_cache_type(const raw_flags *f, const char *s, engine_kind engine, est_cache_geom *geom)
{
    if (engine == ENGINE_VLLM) {
        int t = cache_type_from_name(s);
        bool ok = t >= CACHE_AUTO || t == GGML_T_F16 || t == GGML_T_BF16;
        return ok ? t : -1;
    }
    static const char *const allowed[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(s, allowed[i]) == 0)
            return ggml_type_from_name(s);
    /* a type --cache-type declared: its blocks travel in the request */
    for (uint32_t i = 0; i < f->n_declared; i++)
        if (strcmp(s, f->declared[i]) == 0) {
            *geom = f->declared_geom[i];
            return (int)(CACHE_DECLARED + i);
        }
    return -1;
}

static int collect_flags(int argc, char **argv, raw_flags *f)
{
    memset(f, 0, sizeof *f);
    optind = 0; /* glibc: restart scanning for each call */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (c) {
        case OPT_GGUF: f->gguf = optarg; break;
        case OPT_ENGINE: f->engine = optarg; break;
        case OPT_CONTEXT: f->context = optarg; break;
        case OPT_CACHE_K: f->cache_k = optarg; break;
        case OPT_CACHE_V: f->cache_v = optarg; break;
        case OPT_BATCH: f->batch = optarg; break;
        case OPT_UBATCH: f->ubatch = optarg; break;
        case OPT_PARALLEL: f->parallel = optarg; break;
        case OPT_FA: f->fa = optarg; break;
        case OPT_GPUS: f->gpus = optarg; break;
        case OPT_SPLIT: f->split = optarg; break;
        case OPT_NGL: f->ngl = optarg; break;
        case OPT_CPU_MOE: f->cpu_moe = optarg; break;
        case OPT_SWA_FULL: f->swa_full = true; break;
        case OPT_KVU: f->kv_unified = true; break;
        case OPT_EMBEDDING: f->embedding = true; break;
        case OPT_UTIL: f->util = optarg; break;
        case OPT_CACHE_RAM: f->cache_ram = optarg; break;
        case OPT_THREADS: f->threads = optarg; break;
        case OPT_GPU: f->gpu = optarg; break;
        case OPT_FORMAT: f->format = optarg; break;
        case OPT_DRAFT: f->draft = optarg; break;
        case OPT_DRAFT_CACHE: f->draft_cache = optarg; break;
        case OPT_DRAFT_NGL: f->draft_ngl = optarg; break;
        case OPT_DRAFT_GPU: f->draft_gpu = optarg; break;
        case OPT_MTP: f->mtp = true; break;
        case OPT_CACHE_TYPE: {
            int rc = declare_cache_type(f, optarg);
            if (rc)
                return rc;
            break;
        }
        case OPT_HELP: f->help = true; break;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* Turns the flags into a service's configuration: the defaults a fleet's
 * service gets (service_config_defaults), then what the flags say. 0, or 2
 * after printing why. */
static int build_config(const raw_flags *f, service_config *cfg, const gpu_spec **gpu)
{
    int engine = f->engine ? engine_kind_from_name(f->engine) : ENGINE_LLAMACPP;
    if (engine < 0)
        return usage_error("unknown engine '%s' (llama.cpp, vllm or infrac)", f->engine);
    service_config_defaults(cfg, (engine_kind)engine);
    estimate_request *req = &cfg->mem;
    uint32_t v;
    if (f->context) {
        if (!parse_uint(f->context, 0, 1u << 26, &v))
            return usage_error("--context wants a whole number of tokens, got '%s'", f->context);
        req->context = v;
    }
    if (f->n_declared && req->engine != ENGINE_LLAMACPP)
        return usage_error("%s", "--cache-type declares a llama.cpp build's cache type: only for engine llama.cpp");
    if (f->cache_k) {
        int t = parse_cache_type(f, f->cache_k, req->engine, &req->cache_k_geom);
        if (t < 0)
            return usage_error("unsupported --cache-k '%s' (declare a build's own with --cache-type NAME=BITS)",
                               f->cache_k);
        req->cache_k = (uint32_t)t;
        if (req->engine == ENGINE_VLLM)
            req->cache_v = (uint32_t)t; /* one --kv-cache-dtype for both */
    }
    if (f->cache_v) {
        int t = parse_cache_type(f, f->cache_v, req->engine, &req->cache_v_geom);
        if (t < 0)
            return usage_error("unsupported --cache-v '%s' (declare a build's own with --cache-type NAME=BITS)",
                               f->cache_v);
        req->cache_v = (uint32_t)t;
    }
    if (f->batch) {
        if (!parse_uint(f->batch, 1, 1u << 24, &v))
            return usage_error("--batch wants a positive whole number, got '%s'", f->batch);
        req->batch = v;
        if (req->engine == ENGINE_VLLM)
            req->ubatch = v;
    }
    if (f->ubatch) {
        if (!parse_uint(f->ubatch, 1, 1u << 20, &v))
            return usage_error("--ubatch wants a positive whole number, got '%s'", f->ubatch);
        req->ubatch = v;
    }
    if (f->parallel) {
        if (!parse_uint(f->parallel, 1, 65536, &v))
            return usage_error("--parallel wants a positive whole number, got '%s'", f->parallel);
        req->parallel = v;
    }
    if (f->fa) {
        if (strcmp(f->fa, "on") == 0)
            req->flash_attn = true;
        else if (strcmp(f->fa, "off") == 0)
            req->flash_attn = false;
        else
            return usage_error("--flash-attention wants on or off, got '%s'", f->fa);
    }
    uint32_t n_split = 0;
    if (f->split && parse_split(f->split, req, &n_split) != 0)
        return usage_error("--tensor-split wants non-negative shares like 3,1 (at most 16), got '%s'", f->split);
    if (f->gpus) {
        if (!parse_uint(f->gpus, 0, EST_MAX_GPUS, &v))
            return usage_error("--gpus wants 0 to 16, got '%s'", f->gpus);
        req->n_gpus = v;
        if (n_split && n_split != v)
            return usage_error("--tensor-split has a different number of shares than --gpus %s", f->gpus);
    } else if (n_split && req->engine == ENGINE_LLAMACPP) {
        req->n_gpus = n_split;
    }
    if (req->engine == ENGINE_INFRAC && req->n_gpus)
        return usage_error("%s", "engine infrac runs on the CPU: --gpus must be 0");
    if (f->ngl) {
        if (strcmp(f->ngl, "all") == 0)
            req->gpu_layers = -1;
        else if (parse_uint(f->ngl, 0, 100000, &v))
            req->gpu_layers = (int32_t)v;
        else
            return usage_error("--gpu-layers wants a number or all, got '%s'", f->ngl);
    }
    if (f->cpu_moe) {
        if (!parse_uint(f->cpu_moe, 0, 100000, &v))
            return usage_error("--cpu-moe-layers wants a whole number, got '%s'", f->cpu_moe);
        req->cpu_moe_layers = v;
    }
    req->swa_full = f->swa_full;
    req->kv_unified = f->kv_unified;
    if (f->util) {
        char *end = NULL;
        double u = strtod(f->util, &end);
        if (end == f->util || *end || !(u > 0.0) || u > 1.0)
            return usage_error("--gpu-memory-utilization wants a fraction in (0, 1], got '%s'", f->util);
        req->gpu_memory_utilization = u;
    }
    if (f->cache_ram) {
        if (req->engine != ENGINE_LLAMACPP)
            return usage_error("%s", "--cache-ram is llama-server's prompt cache: only for engine llama.cpp");
        if (!parse_uint(f->cache_ram, 0, 1u << 30, &v))
            return usage_error("--cache-ram wants a whole number of MiB (0 = off), got '%s'", f->cache_ram);
        req->cache_ram_bytes = (uint64_t)v * MIB;
    }
    if (f->threads) {
        if (req->engine != ENGINE_INFRAC)
            return usage_error("%s", "--threads sizes infrac-engine's per-thread scratch: only for engine infrac");
        if (!parse_uint(f->threads, 1, 65536, &v))
            return usage_error("--threads wants a positive whole number, got '%s'", f->threads);
        req->threads = v;
    }
    /* a declared type is a quantized one (the fleet's E0502 says the same) */
    if (req->engine == ENGINE_LLAMACPP && !req->flash_attn &&
        (req->cache_v >= CACHE_DECLARED || ggml_type_get(req->cache_v)->block_elems > 1))
        return usage_error("%s", "a quantized --cache-v needs --flash-attention on (llama-server refuses it)");
    /* the draft's own settings are llama.cpp's (--spec-draft-type-k/v,
     * --spec-draft-ngl, --spec-draft-device); vLLM shards the draft like the model */
    if (req->engine == ENGINE_INFRAC && (f->draft || f->mtp))
        return usage_error("%s", "engine infrac has no speculative decoding: no --draft or --mtp");
    if (req->engine != ENGINE_LLAMACPP && (f->draft_cache || f->draft_ngl || f->draft_gpu))
        return usage_error("%s", "--draft-cache, --draft-gpu-layers and --draft-gpu are llama.cpp's");
    if ((f->draft_ngl || f->draft_gpu) && !f->draft)
        return usage_error("%s", "--draft-gpu-layers and --draft-gpu place a draft model: give --draft FILE");
    req->mtp = f->mtp;
    /* draft-mtp rolls recurrent state back: llama-server keeps n_max more rows a slot */
    if (f->mtp && req->engine == ENGINE_LLAMACPP)
        req->rs_rollback = LLAMACPP_SPEC_DRAFT_N_MAX;
    if (f->draft_cache) {
        /* the draft's cache: ggml's types only (no declared geometry for it) */
        est_cache_geom unused;
        const raw_flags builtin_only = {0};
        int t = parse_cache_type(&builtin_only, f->draft_cache, req->engine, &unused);
        if (t < 0)
            return usage_error("unsupported --draft-cache '%s'", f->draft_cache);
        if (!req->flash_attn && ggml_type_get((uint32_t)t)->block_elems > 1)
            return usage_error("%s", "a quantized --draft-cache needs --flash-attention on (llama-server refuses it)");
        req->draft_cache = req->draft_cache_v = (uint32_t)t;
    }
    if (f->draft_ngl) {
        if (strcmp(f->draft_ngl, "all") == 0)
            req->draft_gpu_layers = -1;
        else if (parse_uint(f->draft_ngl, 0, 100000, &v))
            req->draft_gpu_layers = (int32_t)v;
        else
            return usage_error("--draft-gpu-layers wants a number or all, got '%s'", f->draft_ngl);
    }
    if (f->draft_gpu) {
        if (!parse_uint(f->draft_gpu, 0, EST_MAX_GPUS - 1, &v) || v >= req->n_gpus)
            return usage_error("--draft-gpu wants the index of one of the --gpus, got '%s'", f->draft_gpu);
        req->draft_gpu = (int32_t)v;
    }
    *gpu = NULL;
    if (f->gpu) {
        *gpu = gpu_catalog_find(f->gpu);
        if (!*gpu)
            return usage_error("unknown GPU '%s' (see schema/gpus.yaml for the ids)", f->gpu);
        for (uint32_t g = 0; g < EST_MAX_GPUS; g++) {
            req->gpu_total_bytes[g] = (*gpu)->usable_bytes;
            req->gpu_overhead_bytes[g] = (*gpu)->runtime_overhead_bytes;
        }
    }
    return 0;
}

int cmd_estimate(int argc, char **argv)
{
    raw_flags f;
    int rc = collect_flags(argc, argv, &f);
    if (rc)
        return rc;
    if (f.help) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (!f.gguf)
        return usage_error("%s", "--gguf FILE is required");
    bool json = false;
    if (f.format) {
        if (strcmp(f.format, "json") == 0)
            json = true;
        else if (strcmp(f.format, "text") != 0)
            return usage_error("--format wants text or json, got '%s'", f.format);
    }
    service_config cfg;
    const gpu_spec *gpu = NULL;
    rc = build_config(&f, &cfg, &gpu);
    if (rc)
        return rc;
    estimate_request *req = &cfg.mem;

    char err[512];
    model_shape model;
    if (model_shape_load(f.gguf, &model, err, sizeof err) != 0) {
        fprintf(stderr, "infrac estimate: %s\n", err);
        return 2;
    }
    if (!f.context)
        req->context = service_default_context(model.n_ctx_train); /* as a fleet's service without one */
    if (f.embedding && req->engine != ENGINE_LLAMACPP) {
        model_shape_free(&model);
        return usage_error("%s", "--embedding is llama-server's: only for engine llama.cpp");
    }
    /* as a fleet's service: an encoder serves embeddings unless told */
    if (req->engine == ENGINE_LLAMACPP)
        estimate_request_set_embeddings(req, f.embedding || model.encoder, f.batch != NULL);
    model_shape draft;
    memset(&draft, 0, sizeof draft);
    if (f.draft) {
        if (model_shape_load(f.draft, &draft, err, sizeof err) != 0) {
            fprintf(stderr, "infrac estimate: %s\n", err);
            model_shape_free(&model);
            return 2;
        }
        req->draft = &draft;
    }
    estimate_result res;
    if (estimate_memory(&model, req, &res, err, sizeof err) != 0) {
        fprintf(stderr, "infrac estimate: %s: %s\n", f.gguf, err);
        model_shape_free(&model);
        model_shape_free(&draft);
        return 2;
    }
    estimate_view view = {f.gguf, f.draft, &model, req, &res, gpu, {f.declared[0], f.declared[1]}};
    rc = 0;
    if (json)
        rc = estimate_print_json(stdout, &view) == 0 ? 0 : 2;
    else
        estimate_print_text(stdout, &view);
    model_shape_free(&model);
    model_shape_free(&draft);
    return rc;
}
