/* The typed fleet: what the fleet file says, checked for types, ranges and
 * enums, with every value keeping the span it came from. Produced by
 * fleet_lower() from the positioned YAML tree; read by the checks, which
 * turn it into a plan (plan.h). Strings and arrays live in the fleet's
 * arena. */
#ifndef INFRAC_FLEET_H
#define INFRAC_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "diag/diag.h"
#include "estimate/estimate.h"
#include "gpu_api.h"
#include "gpu_catalog.h"
#include "source.h"

/* A value and where it was written. `set` is false when the file did not
 * say it (then `at` may point at the enclosing node, or be line 0). */
typedef struct fl_str  { const char *v; src_span at; bool set; } fl_str;
typedef struct fl_int  { int64_t v;     src_span at; bool set; } fl_int;
typedef struct fl_num  { double v;      src_span at; bool set; } fl_num;
typedef struct fl_bool { bool v;        src_span at; bool set; } fl_bool;
typedef struct fl_size { uint64_t v;    src_span at; bool set; } fl_size; /* bytes */
typedef struct fl_strs { fl_str *v; uint32_t n; src_span at; bool set; } fl_strs; /* a list of strings */

typedef struct fleet_gpu {
    uint32_t index;          /* position in the host's list = device index */
    src_span at;             /* the list item */
    fl_str model;            /* catalog id */
    const gpu_spec *spec;    /* resolved catalog entry; NULL for a custom GPU */
    fl_size vram;            /* custom GPU: usable memory */
    fl_str name;             /* optional display name */
    fl_str vendor;           /* "nvidia" / "amd" / "intel" / "apple"; a catalog card's own when not given */
} fleet_gpu;

/* The GPU's vendor: as declared, else the catalog's, else NVIDIA (the
 * default of a custom card: CUDA device nodes, nvidia-smi). */
static inline const char *fleet_gpu_vendor(const fleet_gpu *g)
{
    if (g->vendor.set && g->vendor.v) return g->vendor.v;
    if (g->spec) return g->spec->vendor;
    return "nvidia";
}

/* `llama_swap:` of a host: one llama-swap proxy in front of its services. */
typedef struct fleet_llama_swap {
    bool set;
    src_span at;
    fl_int port;             /* where llama-swap listens */
    fl_int ttl;              /* seconds idle before a model is unloaded; unset = never */
} fleet_llama_swap;

typedef struct fleet_host {
    fl_str name;             /* the mapping key */
    src_span at;
    fl_str address;
    fl_size memory;
    fl_int cpus;
    fleet_gpu *gpus;
    uint32_t n_gpus;
    src_span gpus_at;
    fl_int *reserved_ports;
    uint32_t n_reserved_ports;
    fleet_llama_swap llama_swap;
    fl_str platform;         /* "linux" (systemd units), "kubernetes" (LLMKube resources), "macos" (launchd) */
    fl_size gpu_wired_limit; /* macos: iogpu.wired_limit_mb, the GPU's share of the unified memory */
    fl_str k8s_namespace;    /* kubernetes: the namespace of its services' LLMKube resources */
} fleet_host;

static inline bool fleet_host_is(const fleet_host *h, const char *platform)
{
    return h && h->platform.set && h->platform.v && !strcmp(h->platform.v, platform);
}

/* Whether g is an Apple GPU (unified memory, Metal): a catalog chip or `vendor: apple`. */
static inline bool fleet_gpu_is_apple(const fleet_gpu *g) { return !strcmp(fleet_gpu_vendor(g), "apple"); }

/* The host's first Apple GPU (its memory is the host's RAM); NULL if none. */
static inline const fleet_gpu *fleet_host_unified_gpu(const fleet_host *h)
{
    for (uint32_t i = 0; h && i < h->n_gpus; i++)
        if (fleet_gpu_is_apple(&h->gpus[i])) return &h->gpus[i];
    return NULL;
}

/* A GPU's usable memory: an Apple GPU's wired limit where the host raises
 * it; a custom card's declared vram; a catalog card's usable (an Apple
 * chip's: macOS's default share); 0 = unknown. The checks and the plan
 * read it here. */
static inline uint64_t fleet_gpu_usable_bytes(const fleet_host *h, const fleet_gpu *g)
{
    if (h && h->gpu_wired_limit.set && fleet_gpu_is_apple(g)) return h->gpu_wired_limit.v;
    if (g->vram.set) return g->vram.v;
    return g->spec ? g->spec->usable_bytes : 0;
}

/* The host's RAM: `memory:`, else the unified memory of its Apple chip; 0 = unknown. */
static inline uint64_t fleet_host_ram_bytes(const fleet_host *h)
{
    if (h->memory.set) return h->memory.v;
    const fleet_gpu *u = fleet_host_unified_gpu(h);
    return u && u->spec ? u->spec->unified_bytes : 0;
}

/* One environment variable (a key of `env:`), in the order written. */
typedef struct fleet_env {
    fl_str name;
    fl_str value;            /* the scalar's text: `1` and "1" alike */
} fleet_env;

/* A KV cache type a build adds (`cache_types:` of an engine): its elements
 * are stored in blocks of `block` elements of block * bits / 8 bytes. */
typedef struct fleet_cache_type {
    fl_str name;
    src_span at;
    fl_num bits;             /* bits per element, scales included */
    fl_int block;            /* elements per block; default 32 */
    uint32_t id;             /* fleet id: CACHE_DECLARED + index in fleet.cache_names */
} fleet_cache_type;

/* A host-specific binary of an engine (`binaries:`). */
typedef struct fleet_engine_binary {
    fl_str host;
    fl_str path;
} fleet_engine_binary;

/* A declared build (`engines:`): an engine of one kind with its own binary,
 * environment, cache types and flags. */
typedef struct fleet_engine {
    fl_str name;
    src_span at;
    fl_int kind;             /* engine_kind */
    fl_str binary;           /* on every host unless binaries says otherwise */
    fleet_engine_binary *binaries;
    uint32_t n_binaries;
    fl_str version;
    fl_int backend;          /* gpu_api: the GPU API it was built for; unset = its GPUs' vendor's */
    fleet_env *env;
    uint32_t n_env;
    fleet_cache_type *cache_types;
    uint32_t n_cache_types;
    fl_str *flags;           /* flags the build accepts beyond its kind's */
    uint32_t n_flags;
} fleet_engine;

/* The cache type the build declares under that fleet id; NULL if none. */
const fleet_cache_type *fleet_engine_cache_type(const fleet_engine *e, int64_t id);
/* The binary of the build on host (binaries, else binary); NULL = the kind's. */
const char *fleet_engine_binary_on(const fleet_engine *e, const char *host);

/* `shape:` of a model declared without a GGUF at hand. */
typedef struct fleet_shape {
    bool set;
    src_span at;
    fl_str arch;
    fl_int layers, embd, heads, kv_heads, head_dim, ff, vocab, ctx_train;
    fl_int experts, experts_used, ff_expert; /* MoE */
    fl_int swa, swa_period;                  /* sliding window */
    fl_size weights;
} fleet_shape;

typedef struct fleet_model {
    fl_str name;
    src_span at;
    fl_str path;             /* on the hosts */
    fl_str gguf;             /* local copy read at compile time (relative to the fleet file) */
    fleet_shape shape;
    fl_str catalog;          /* model catalog id (schema/models.yaml) */
    fl_str quant;            /* the catalog release's quantization */
    fl_bool rope_scaling;    /* the model is run with rope scaling: context may exceed ctx_train */
    fl_str chat_template;    /* override for the engine: chatml, llama3, mistral, gemma */
    fl_size file_size;       /* expected size of path; default: the gguf copy's size if full */
    /* filled by the model pass: the shape the estimator uses */
    bool loaded;
    model_shape shape_resolved;
} fleet_model;

/* Everything `defaults:` may set for services. In a service, each field is
 * the service's own value, else the default's (span pointing into the
 * defaults section), else unset. */
typedef struct fleet_service_opts {
    fl_int engine;           /* engine_kind (of the build, when engine_build is set) */
    const fleet_engine *engine_build; /* `engine:` named a key of engines:; NULL = a built-in kind */
    fl_str bind;
    fl_int context;
    fl_int parallel;
    fl_int cache_k, cache_v; /* ggml type ids; vLLM's kinds use CACHE_* (estimate.h) */
    fl_bool flash_attention;
    fl_int batch, ubatch, threads;
    fl_int max_num_batched_tokens, max_num_seqs; /* vLLM */
    fl_str api_key_file;
    fl_bool autostart;
    fl_int gpu_layers;       /* -1 = all */
    fl_int cpu_moe_layers;
    fl_bool swa_full;
    fl_bool kv_unified;
    fl_bool embeddings;      /* llama-server --embedding */
    fl_num gpu_memory_utilization;
    fl_str load_mode;        /* llama.cpp -lm */
    fl_bool metrics;
    fl_str restart;          /* systemd Restart= */
    fl_int restart_sec;
    fl_str user;
    fl_size cache_ram;       /* llama-server --cache-ram */
    fl_str chat_template;
    /* host tuning */
    fl_str cpu_affinity;     /* CPU list (cpu_list.h), checked when lowered */
    fl_bool mlock;
    fl_str numa;             /* llama.cpp --numa: distribute, isolate, numactl */
    fl_strs after, requires, wants; /* systemd units to order after / need / want */
} fleet_service_opts;

typedef struct fleet_service {
    fl_str name;
    src_span at;
    src_span body_at;        /* its mapping: where the lowering's errors about it lie */
    fl_str host;
    fl_str model;
    fl_int port;
    fl_int *gpus;            /* device indexes; n_gpus == 0 and !gpus_set = CPU only */
    uint32_t n_gpus;
    bool gpus_set;
    src_span gpus_at;
    fl_num *tensor_split;
    uint32_t n_tensor_split;
    src_span tensor_split_at;
    fl_str exclusive;
    fl_int swap_ttl;         /* llama-swap's ttl for this model, over the host's */
    fl_str alias;
    fl_str *extra_args;
    uint32_t n_extra_args;
    fl_str *allow_hosts;     /* infrac: Host names served besides the bind address */
    uint32_t n_allow_hosts;
    src_span allow_hosts_at;
    fl_str *allow_clients;   /* peers the unit's IP filter lets through besides localhost */
    uint32_t n_allow_clients;
    src_span allow_clients_at;
    src_span extra_args_at;
    fleet_env *env;          /* its own `env:`; the build's come first */
    uint32_t n_env;
    fl_str *cors_origins;
    uint32_t n_cors_origins;
    src_span cors_origins_at;
    fleet_service_opts opts;
    /* speculative decoding (llama.cpp): a draft model of models: and its settings */
    fl_str draft;
    fl_int draft_gpu;        /* host device index, one of gpus */
    fl_int draft_gpu_layers; /* -1 = all */
    fl_str draft_cache;      /* one type for K and V */
    fl_str spec_type;        /* llama.cpp --spec-type, comma list */
    fl_int spec_draft_n_max, spec_draft_n_min;
    /* resolved by the reference check; NULL when the name is unknown */
    fleet_host *host_ref;
    fleet_model *model_ref;
    fleet_model *draft_ref;
} fleet_service;

typedef struct fleet {
    fl_str name;
    src_span at;
    fleet_service_opts defaults;
    fleet_engine *engines;
    uint32_t n_engines;
    const char **cache_names; /* declared cache type names, by fleet id - CACHE_DECLARED */
    uint32_t n_cache_names;
    fleet_host *hosts;
    uint32_t n_hosts;
    fleet_model *models;
    uint32_t n_models;
    fleet_service *services;
    uint32_t n_services;
    fl_size vram_margin;     /* checks.vram_margin, default 512 MiB */
    fl_size ram_margin;      /* checks.ram_margin, default 1 GiB */
    const source_file *src;
    void *arena;
} fleet;

/* The GPU API the service's engine drives its GPUs through: its build's
 * `backend:`, else the one of its first GPU's vendor (gpu_api_of_vendor);
 * GPU_API_NONE without GPUs (or before the references resolved its host).
 * The checks allow one vendor per service (E0707) and refuse a backend that
 * cannot drive it (E0810); the resolver stores it in service_config. */
gpu_api fleet_service_gpu_api(const fleet_service *s);
/* The service's first GPU on its host; NULL when it has none that resolves. */
const fleet_gpu *fleet_service_first_gpu(const fleet_service *s);

/* Name of a cache type by fleet id (ggml's, vLLM's, a build's); "?" if none. */
const char *fleet_cache_name(const fleet *f, int64_t id);

/* Builds the typed fleet from the positioned tree, reporting every type,
 * range, enum and unknown-key problem (with did-you-mean). Returns 0 when
 * the fleet could be built (it may still have errors reported; check
 * diag_count), -1 when the tree's top level is unusable (reported; *out then
 * holds nothing to free, though fleet_free stays safe). */
struct ynode;
int fleet_lower(const struct ynode *root, const source_file *src, fleet *out, diag_list *diags);
void fleet_free(fleet *f);

#endif
