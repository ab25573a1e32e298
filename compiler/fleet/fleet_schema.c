/* The table of the fleet language (see fleet_schema.h). */
#include "fleet_schema.h"

#include <stddef.h>
#include <string.h>

#include "fleet/fleet.h"
#include "fleet/fleet_schema_defaults.h"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
#define BIG 1e18
#define OPT(field) offsetof(fleet_service_opts, field)
#define SVC(field) offsetof(fleet_service, field)
#define HOST(field) offsetof(fleet_host, field)
#define MODEL(field) offsetof(fleet_model, field)
#define SHAPE(field) offsetof(fleet_shape, field)
#define GPU(field) offsetof(fleet_gpu, field)
#define FLEET(field) offsetof(fleet, field)

const char *const fs_engine_values[] = {"llama.cpp", "vllm", "infrac", NULL};
const char *const fs_cache_llamacpp[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1", NULL};
const char *const fs_cache_vllm[] = {"auto", "fp8", "fp8_e4m3", "fp8_e5m2", NULL};
const char *const fs_cache_infrac[] = {"f32", "f16", "q8_0", "q4_0", NULL};
const char *const fs_cache_values[] = {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "iq4_nl", "q5_0", "q5_1",
                                       "auto", "fp8", "fp8_e4m3", "fp8_e5m2", NULL};
const char *const fs_env_reserved[] = {GPU_ENV_CUDA_VISIBLE, GPU_ENV_CUDA_ORDER, GPU_ENV_HIP_VISIBLE,
                                       GPU_ENV_SYCL_SELECTOR, GPU_ENV_SYCL_ORDER, GPU_ENV_VULKAN_VISIBLE, "HOME",
                                       "XDG_CACHE_HOME",
                                       "VLLM_API_KEY", "HF_HUB_OFFLINE", "VLLM_NO_USAGE_STATS",
                                       "CREDENTIALS_DIRECTORY", "CACHE_DIRECTORY", NULL};
static const char *const chat_templates[] = {"chatml", "llama3", "mistral", "gemma", NULL};
static const char *const load_modes[] = {"auto", "none", "mmap", "mlock", "mmap+mlock", "dio", NULL};
static const char *const gpu_vendors[] = {"nvidia", "amd", "intel", "apple", NULL};
static const char *const platforms[] = {"linux", "kubernetes", "macos", NULL};
static const char *const numa_modes[] = {"distribute", "isolate", "numactl", NULL};
static const char *const restarts[] = {"no", "on-failure", "always", "on-abnormal", NULL};

#define LC FS_LLAMACPP
#define VL FS_VLLM
#define IN FS_INFRAC

/* ---- service options: what `defaults:` and every service may set ---- */
static const fs_key option_keys[] = {
    {.name = "engine", .type = FS_STRING, .flags = FS_NAME, .id = FK_ENGINE,
     .doc = "Inference engine that serves the model: a kind (llama.cpp, vllm, infrac) or a build declared "
            "under `engines:` (E0801).", .default_of = fsd_engine, .offset = -1},
    {.name = "bind", .type = FS_STRING, .flags = FS_IPADDR,
     .doc = "Address the server listens on; 0.0.0.0 or :: exposes it to the network.",
     .default_of = fsd_bind, .offset = OPT(bind)},
    {.name = "context", .type = FS_INT, .min = 1, .max = 16777216,
     .doc = "Context size in tokens, shared by the parallel slots.", .default_of = fsd_context,
     .offset = OPT(context)},
    {.name = "parallel", .type = FS_INT, .min = 1, .max = 1024,
     .doc = "Requests served at once (llama.cpp -np, vLLM --max-num-seqs).", .default_of = fsd_parallel,
     .offset = OPT(parallel)},
    {.name = "cache", .type = FS_CACHE, .values = fs_cache_values, .id = FK_CACHE,
     .doc = "KV cache type, one for both K and V (`q8_0`) or `{k: q8_0, v: q8_0}`. llama.cpp: f32 f16 bf16 "
            "q8_0 q4_0 q4_1 iq4_nl q5_0 q5_1; vllm: auto fp8 fp8_e4m3 fp8_e5m2; infrac: f32 f16 q8_0 q4_0.",
     .default_of = fsd_cache, .offset = -1},
    {.name = "flash_attention", .type = FS_BOOL, .engines = LC,
     .doc = "Use flash attention (llama.cpp -fa); needed for a quantized V cache.", .default_of = fsd_flash_attention,
     .offset = OPT(flash_attention)},
    {.name = "batch", .type = FS_INT, .min = 1, .max = 1048576, .engines = LC | IN,
     .doc = "Logical batch size in tokens (-b).", .default_of = fsd_batch, .offset = OPT(batch)},
    {.name = "max_num_batched_tokens", .type = FS_INT, .min = 1, .max = 16777216, .engines = VL,
     .doc = "Tokens vLLM schedules in one step (--max-num-batched-tokens); sizes its profiled activations "
            "and what its sliding-window layers keep.", .default_of = fsd_max_num_batched_tokens,
     .offset = OPT(max_num_batched_tokens)},
    {.name = "max_num_seqs", .type = FS_INT, .min = 1, .max = 65536, .engines = VL,
     .doc = "Sequences vLLM runs at once (--max-num-seqs); overrides `parallel`.", .default_of = fsd_max_num_seqs,
     .offset = OPT(max_num_seqs)},
    {.name = "ubatch", .type = FS_INT, .min = 1, .max = 1048576, .engines = LC,
     .doc = "Physical batch size in tokens (-ub); at most batch.", .default_of = fsd_ubatch, .offset = OPT(ubatch)},
    {.name = "threads", .type = FS_INT, .min = 1, .max = 4096, .engines = LC | IN,
     .doc = "CPU threads for generation (-t); more than the host's `cpus` or the CPUs of `cpu_affinity` is W0801.",
     .default_text = "the CPUs of cpu_affinity, else the engine's choice", .offset = OPT(threads)},
    {.name = "cpu_affinity", .type = FS_STRING, .flags = FS_CPU_LIST,
     .doc = "CPUs the service may run on, as systemd's CPUAffinity= takes them (`0-7,16-23`: the P-cores of a "
            "hybrid CPU): CPUAffinity= in the unit, llama.cpp's --cpu-mask, and the default thread count. A CPU "
            "the host's `cpus` does not have is E0804.", .offset = OPT(cpu_affinity)},
    {.name = "mlock", .type = FS_BOOL, .engines = LC,
     .doc = "Keep the weights in RAM, never swapped (llama.cpp -lm mmap+mlock; with `load_mode`, one that "
            "locks: E0209) and LimitMEMLOCK=infinity in the unit (on a Mac: the job's MemoryLock limits).",
     .default_text = "false", .offset = OPT(mlock)},
    {.name = "numa", .type = FS_ENUM, .values = numa_modes, .engines = LC,
     .doc = "llama.cpp's NUMA placement (--numa): distribute (threads over every node), isolate (the node it "
            "starts on), numactl (the CPU map numactl gives it).", .default_text = "none", .offset = OPT(numa)},
    {.name = "after", .type = FS_LIST, .item = FS_STRING, .flags = FS_UNIT_NAME | FS_UNIQUE, .id = FK_UNIT_AFTER,
     .doc = "systemd units the service starts after (After=), e.g. `[tailscaled.service]`.", .offset = -1},
    {.name = "requires", .type = FS_LIST, .item = FS_STRING, .flags = FS_UNIT_NAME | FS_UNIQUE, .id = FK_UNIT_REQUIRES,
     .doc = "systemd units the service needs: it starts after them and stops with them (Requires= and After=).",
     .offset = -1},
    {.name = "wants", .type = FS_LIST, .item = FS_STRING, .flags = FS_UNIT_NAME | FS_UNIQUE, .id = FK_UNIT_WANTS,
     .doc = "systemd units started with the service, which does not fail without them (Wants= and After=).",
     .offset = -1},
    {.name = "api_key_file", .type = FS_STRING, .flags = FS_ABSPATH,
     .doc = "Absolute path on the host of a file holding the API key clients must send.",
     .offset = OPT(api_key_file)},
    {.name = "autostart", .type = FS_BOOL, .doc = "Start the service at boot (systemd WantedBy).",
     .default_of = fsd_autostart, .offset = OPT(autostart)},
    {.name = "gpu_layers", .type = FS_GPU_LAYERS, .min = 0, .max = 100000, .engines = LC,
     .doc = "Layers offloaded to the GPUs (-ngl): `all` or a number.", .default_of = fsd_gpu_layers,
     .offset = OPT(gpu_layers)},
    {.name = "cpu_moe_layers", .type = FS_INT, .min = 0, .max = 100000, .engines = LC,
     .doc = "Layers whose MoE experts stay in host RAM (--n-cpu-moe): the experts of layers 0 to N-1. "
            "On a model without experts it is E0507; an E0401 on a MoE model suggests the fewest that fit.", .default_of = fsd_cpu_moe_layers,
     .offset = OPT(cpu_moe_layers)},
    {.name = "swa_full", .type = FS_BOOL, .engines = LC,
     .doc = "Full-size cache for sliding-window layers (--swa-full).", .default_of = fsd_swa_full,
     .offset = OPT(swa_full)},
    {.name = "kv_unified", .type = FS_BOOL, .engines = LC,
     .doc = "One KV cache shared by all slots (-kvu) instead of context/parallel each.",
     .default_of = fsd_kv_unified, .offset = OPT(kv_unified)},
    {.name = "embeddings", .type = FS_BOOL, .engines = LC,
     .doc = "Serve /v1/embeddings (--embedding; the batch is then the ubatch, and an input longer than the "
            "ubatch is refused). Encoders (bert, nomic-bert, ...) serve nothing else: E0531 without it.",
     .default_of = fsd_embeddings, .offset = OPT(embeddings)},
    {.name = "gpu_memory_utilization", .type = FS_NUMBER, .flags = FS_MIN_EXCLUSIVE, .min = 0, .max = 1,
     .engines = VL, .doc = "Fraction of each GPU vLLM may claim, in (0, 1].", .default_of = fsd_gpu_memory_utilization,
     .offset = OPT(gpu_memory_utilization)},
    {.name = "load_mode", .type = FS_ENUM, .values = load_modes, .engines = LC,
     .doc = "How llama.cpp loads weights (-lm): auto, none, mmap, mlock, mmap+mlock, dio.",
     .default_text = "auto", .offset = OPT(load_mode)},
    {.name = "metrics", .type = FS_BOOL, .engines = LC, .doc = "Expose Prometheus metrics (--metrics).",
     .default_of = fsd_metrics, .offset = OPT(metrics)},
    {.name = "restart", .type = FS_ENUM, .values = restarts,
     .doc = "systemd Restart= policy; on a Mac launchd's KeepAlive (docs/targets.md).", .default_of = fsd_restart,
     .offset = OPT(restart)},
    {.name = "restart_sec", .type = FS_INT, .min = 0, .max = 86400,
     .doc = "Seconds systemd waits before a restart (RestartSec=; on a Mac launchd's ThrottleInterval).",
     .default_of = fsd_restart_sec,
     .offset = OPT(restart_sec)},
    {.name = "user", .type = FS_STRING, .flags = FS_USERNAME,
     .doc = "Existing user the service runs as; absent = a systemd DynamicUser (on a Mac: nobody).",
     .offset = OPT(user)},
    {.name = "cache_ram", .type = FS_SIZE, .min = 0, .max = BIG, .engines = LC,
     .doc = "Host RAM for llama-server's prompt cache (--cache-ram).", .default_of = fsd_cache_ram, .offset = OPT(cache_ram)},
    {.name = "chat_template", .type = FS_ENUM, .values = chat_templates,
     .doc = "Chat template override: chatml, llama3, mistral, gemma (llama.cpp and infrac; a vLLM service with one is an error, E0204).", .default_text = "the model's",
     .offset = OPT(chat_template)},
};

const fs_object fs_options = {"defaults", "Service options shared by every service unless it sets its own.",
                              option_keys, NKEYS(option_keys), NULL};

/* ---- services ---- */
static const fs_key service_keys[] = {
    {.name = "host", .type = FS_STRING, .flags = FS_REQUIRED, .doc = "The host (a key of hosts:) that runs it.",
     .offset = SVC(host)},
    {.name = "model", .type = FS_STRING, .flags = FS_REQUIRED, .doc = "The model (a key of models:) it serves.",
     .offset = SVC(model)},
    {.name = "port", .type = FS_INT, .flags = FS_REQUIRED, .min = 1, .max = 65535,
     .doc = "TCP port the server listens on.", .offset = SVC(port)},
    {.name = "gpus", .type = FS_LIST, .item = FS_INT, .flags = FS_UNIQUE, .min = 0, .max = 63, .engines = LC | VL,
     .id = FK_SERVICE_GPUS, .doc = "Device indexes of the host's GPUs it uses; absent or [] = CPU only.", .offset = -1},
    {.name = "tensor_split", .type = FS_LIST, .item = FS_NUMBER, .min = 0, .max = BIG, .engines = LC,
     .id = FK_TENSOR_SPLIT, .doc = "Share of the model per listed GPU (-ts), one number each.", .offset = -1},
    {.name = "exclusive", .type = FS_STRING, .flags = FS_NAME,
     .doc = "Group name: services of one group never run at once, so their memory is not added up.",
     .offset = SVC(exclusive)},
    {.name = "swap_ttl", .type = FS_INT, .min = 0, .max = 86400 * 365,
     .doc = "On a host with `llama_swap:`, seconds this model may stay idle before llama-swap unloads "
            "it (its `ttl`; 0 = never), over the host's `ttl`. E0820 on a host without llama-swap.",
     .default_text = "the host's `llama_swap.ttl`", .offset = SVC(swap_ttl)},
    {.name = "alias", .type = FS_STRING, .doc = "Model name clients ask for (served model name).",
     .default_text = "the model's key", .offset = SVC(alias)},
    {.name = "draft", .type = FS_STRING, .engines = LC | VL,
     .doc = "Draft model (a key of models:) for speculative decoding (llama.cpp --spec-draft-model; vLLM "
            "--speculative-config's model, method draft_model). It shares the service's context, slots and batch; "
            "its weights, KV cache and compute are counted on the GPUs it is placed on (vLLM: in the KV budget). "
            "Its vocabulary must match the model's (E0523).", .offset = SVC(draft)},
    {.name = "draft_gpu", .type = FS_INT, .min = 0, .max = 63, .engines = LC,
     .doc = "The one GPU (a device index of the host, among `gpus`) that holds the draft (--spec-draft-device).",
     .default_text = "the service's GPUs, split like the model", .offset = SVC(draft_gpu)},
    {.name = "draft_gpu_layers", .type = FS_GPU_LAYERS, .min = 0, .max = 100000, .engines = LC,
     .doc = "Draft layers offloaded to the GPU (--spec-draft-ngl): `all` or a number.", .default_text = "all",
     .offset = SVC(draft_gpu_layers)},
    {.name = "draft_cache", .type = FS_ENUM, .values = fs_cache_llamacpp, .engines = LC,
     .doc = "KV cache type of the draft, K and V (--spec-draft-type-k, --spec-draft-type-v).",
     .default_of = fsd_draft_cache, .offset = SVC(draft_cache)},
    {.name = "spec_type", .type = FS_STRING, .engines = LC | VL,
     .doc = "llama.cpp --spec-type: a comma list of draft-simple, draft-eagle3, draft-mtp, draft-dflash, "
            "draft-dspark, ngram-simple, ngram-map-k, ngram-map-k4v, ngram-mod, ngram-cache, none. vLLM: the "
            "--speculative-config method, one of draft_model, mtp, ngram (E0524).",
     .default_text = "llama.cpp: draft-simple with `draft:`, else none; vLLM: draft_model with `draft:`",
     .offset = SVC(spec_type)},
    {.name = "spec_draft_n_max", .type = FS_INT, .min = 1, .max = 1024, .engines = LC | VL,
     .doc = "Most tokens drafted per step (llama.cpp --spec-draft-n-max; vLLM num_speculative_tokens, needed "
            "by draft_model and ngram: E0527).", .default_text = "3 (vLLM mtp: the model's)",
     .offset = SVC(spec_draft_n_max)},
    {.name = "spec_draft_n_min", .type = FS_INT, .min = 0, .max = 1024, .engines = LC,
     .doc = "Fewest drafted tokens used (--spec-draft-n-min); at most spec_draft_n_max (E0522).",
     .default_text = "0", .offset = SVC(spec_draft_n_min)},
    {.name = "allow_hosts", .type = FS_LIST, .item = FS_STRING, .flags = FS_UNIQUE, .engines = IN, .id = FK_ALLOW_HOSTS,
     .doc = "Host names (DNS names or IP addresses, no port) clients may send in `Host` besides the bind address and "
            "the host's `address`; any other name is refused with 421, against DNS rebinding (docs/engine-api.md).",
     .default_text = "none", .offset = -1},
    {.name = "allow_clients", .type = FS_LIST, .item = FS_STRING, .flags = FS_UNIQUE | FS_IP_NETWORK, .id = FK_ALLOW_CLIENTS,
     .doc = "Addresses or networks (`192.168.1.0/24`, `100.64.0.0/10`, `fd00::/8`, `10.0.0.5`, `link-local`) that "
            "may exchange IP traffic with the service besides this machine: the unit gets `IPAddressDeny=any` and "
            "`IPAddressAllow=localhost` plus these (systemd.resource-control(5)); every other peer, in or out, is "
            "dropped by the kernel. A service bound to loopback allows only this machine.",
     .default_text = "none: any peer (loopback binds: this machine only)", .offset = -1},
    {.name = "cors_origins", .type = FS_LIST, .item = FS_STRING, .flags = FS_ORIGIN, .engines = IN,
     .id = FK_CORS_ORIGINS,
     .doc = "Browser origins allowed to call the API (CORS, --cors-origin): `scheme://host[:port]` "
            "(http or https, no path) or `\"*\"` for any. Access-Control-Allow-Credentials is never sent.",
     .default_text = "none: CORS off", .offset = -1},
    {.name = "extra_args", .type = FS_LIST, .item = FS_STRING, .id = FK_EXTRA_ARGS,
     .doc = "Arguments passed verbatim to the engine; they bypass the checks (W0211) unless the build "
            "declares their flag in `flags:`.", .offset = -1},
    {.name = "env", .type = FS_STRING_MAP, .flags = FS_ENV_NAMES, .id = FK_ENV,
     .doc = "Environment of the engine process (`NAME: value`), after its build's `env:`: systemd "
            "Environment= and the launch script. Variables infrac sets itself (CUDA_VISIBLE_DEVICES, HOME, ...) "
            "are E0212.", .offset = -1},
};

const fs_object fs_service = {"service", "One inference server: an engine serving a model on a host.",
                              service_keys, NKEYS(service_keys), &fs_options};

/* ---- models ---- */
static const fs_key shape_keys[] = {
    {.name = "arch", .type = FS_STRING, .doc = "Architecture (general.architecture), e.g. qwen3.",
     .offset = SHAPE(arch)},
    {.name = "layers", .type = FS_INT, .min = 1, .max = 100000, .doc = "Transformer blocks.", .offset = SHAPE(layers)},
    {.name = "embd", .type = FS_INT, .min = 1, .max = BIG, .doc = "Embedding width.", .offset = SHAPE(embd)},
    {.name = "heads", .type = FS_INT, .min = 1, .max = 100000, .doc = "Attention heads.", .offset = SHAPE(heads)},
    {.name = "kv_heads", .type = FS_INT, .min = 1, .max = 100000, .doc = "KV heads (GQA).", .default_text = "heads",
     .offset = SHAPE(kv_heads)},
    {.name = "head_dim", .type = FS_INT, .min = 1, .max = 100000, .doc = "Width of one head.",
     .default_text = "embd / heads", .offset = SHAPE(head_dim)},
    {.name = "ff", .type = FS_INT, .min = 1, .max = BIG, .doc = "Feed-forward width.", .offset = SHAPE(ff)},
    {.name = "vocab", .type = FS_INT, .min = 1, .max = BIG, .doc = "Vocabulary size.", .offset = SHAPE(vocab)},
    {.name = "ctx_train", .type = FS_INT, .min = 1, .max = BIG, .doc = "Trained context length.",
     .offset = SHAPE(ctx_train)},
    {.name = "experts", .type = FS_INT, .min = 0, .max = 100000, .doc = "MoE experts; 0 for a dense model.",
     .default_text = "0", .offset = SHAPE(experts)},
    {.name = "experts_used", .type = FS_INT, .min = 0, .max = 100000, .doc = "Experts used per token.",
     .offset = SHAPE(experts_used)},
    {.name = "ff_expert", .type = FS_INT, .min = 0, .max = BIG, .doc = "Feed-forward width of one expert.",
     .offset = SHAPE(ff_expert)},
    {.name = "swa", .type = FS_INT, .min = 0, .max = BIG, .doc = "Sliding window in tokens; 0 = none.",
     .default_text = "0", .offset = SHAPE(swa)},
    {.name = "swa_period", .type = FS_INT, .min = 0, .max = 100000,
     .doc = "Every swa_period-th layer is global (gemma3: 6).", .offset = SHAPE(swa_period)},
    {.name = "weights", .type = FS_SIZE, .min = 1, .max = BIG, .doc = "Total size of the weights.",
     .offset = SHAPE(weights)},
};

const fs_object fs_shape = {"shape", "A model's dimensions, for a model whose GGUF is not at hand.", shape_keys,
                            NKEYS(shape_keys), NULL};

static const fs_key model_keys[] = {
    {.name = "path", .type = FS_STRING, .flags = FS_REQUIRED,
     .doc = "Path of the GGUF (or model directory) on the hosts; a relative path is relative to the fleet "
            "file's directory (for local runs). When the file is readable where `infrac check` runs (and there "
            "is no `gguf:`), its header is read for the estimate; a `shape:` beside it whose numbers differ "
            "from the header's is E0515.", .offset = MODEL(path)},
    {.name = "gguf", .type = FS_STRING,
     .doc = "Local copy (header-only is enough), relative to the fleet file, read at compile time.",
     .offset = MODEL(gguf)},
    {.name = "catalog", .type = FS_STRING,
     .doc = "A model catalog id (schema/models.yaml, e.g. qwen3-8b): the shape comes from the catalog, no "
            "file needed.", .offset = MODEL(catalog)},
    {.name = "quant", .type = FS_STRING,
     .doc = "The quantization of a catalog model: Q4_K_M, Q5_K_M, Q6_K, Q8_0, MXFP4 (gpt-oss), UD-Q4_K_XL "
            "(with its size published in the catalog or given as `file_size`).", .default_text = "Q4_K_M",
     .offset = MODEL(quant)},
    {.name = "shape", .type = FS_OBJECT, .object = &fs_shape, .id = FK_SHAPE,
     .doc = "The model's dimensions when no GGUF copy is at hand.", .offset = -1},
    {.name = "rope_scaling", .type = FS_BOOL, .doc = "Run with rope scaling: context may exceed ctx_train.",
     .default_text = "false", .offset = MODEL(rope_scaling)},
    {.name = "chat_template", .type = FS_ENUM, .values = chat_templates,
     .doc = "Chat template override for every service of this model (not for vLLM services: E0204).", .offset = MODEL(chat_template)},
    {.name = "file_size", .type = FS_SIZE, .min = 1, .max = BIG, .doc = "Expected size of the file at path; a catalog model's weights are scaled to it.",
     .default_text = "the gguf copy's size", .offset = MODEL(file_size)},
};

const fs_object fs_model = {"model", "A model file and where it lives on the hosts.", model_keys,
                            NKEYS(model_keys), NULL};

/* ---- engines: declared builds ---- */
#define ENG(field) offsetof(fleet_engine, field)
#define CTYPE(field) offsetof(fleet_cache_type, field)
static const fs_key cache_type_keys[] = {
    {.name = "bits", .type = FS_NUMBER, .flags = FS_REQUIRED | FS_MIN_EXCLUSIVE, .min = 0, .max = 64,
     .doc = "Bits per cached element, the block's scales included (the build's ggml type size x 8 / block "
            "size): the estimate uses it, so take it from the build's source.", .offset = CTYPE(bits)},
    {.name = "block", .type = FS_INT, .min = 1, .max = 4096,
     .doc = "Elements per block; block x bits must be whole bytes and a cache row a whole number of blocks "
            "(E0802, E0506).", .default_text = "32", .offset = CTYPE(block)},
};

const fs_object fs_cache_type = {"cache_type", "A KV cache type a build adds (llama.cpp -ctk/-ctv).",
                                 cache_type_keys, NKEYS(cache_type_keys), NULL};

static const fs_key engine_keys[] = {
    {.name = "kind", .type = FS_ENUM, .flags = FS_REQUIRED | FS_ENUM_INDEX, .values = fs_engine_values,
     .doc = "What the build is: llama.cpp (llama-server), vllm or infrac; its flags and memory model.",
     .offset = ENG(kind)},
    {.name = "binary", .type = FS_STRING, .flags = FS_ABSPATH,
     .doc = "Absolute path of the build's server binary on the hosts (llama-server, vllm, infrac-engine).",
     .default_text = "the kind's name on the PATH", .offset = ENG(binary)},
    {.name = "binaries", .type = FS_STRING_MAP, .flags = FS_ABSPATH, .id = FK_ENGINE_BINARIES,
     .doc = "Per host (a key of hosts:, E0803) the binary's absolute path, where it differs from `binary`.",
     .offset = -1},
    {.name = "version", .type = FS_STRING, .doc = "The build's version or commit, shown in units and plan.json.",
     .offset = ENG(version)},
    {.name = "backend", .type = FS_ENUM, .flags = FS_ENUM_INDEX, .values = gpu_api_names,
     .doc = "The GPU API the build was compiled for (llama.cpp's GGML_CUDA, GGML_HIP, GGML_SYCL, GGML_VULKAN, "
            "GGML_METAL): the device nodes, visible-devices variable, device names and free-memory probe of its "
            "services. It must drive their GPUs (E0810): cuda NVIDIA's, hip AMD's, sycl Intel's, vulkan any "
            "vendor's but a Mac's, metal a Mac's; a vLLM build is cuda, an infrac build has none (E0802).",
     .default_text = "the GPUs' vendor's: nvidia cuda, amd hip, intel sycl, apple metal", .offset = ENG(backend)},
    {.name = "env", .type = FS_STRING_MAP, .flags = FS_ENV_NAMES, .id = FK_ENV,
     .doc = "Environment of every service of this build (`NAME: value`); a service's own `env:` overrides it.",
     .offset = -1},
    {.name = "cache_types", .type = FS_NAMED_MAP, .object = &fs_cache_type, .id = FK_CACHE_TYPES,
     .doc = "KV cache types the build adds (llama.cpp forks: `turbo3: {bits: 3.5}`); a service of this build "
            "may use them in `cache:`, others may not (E0204).", .offset = -1},
    {.name = "flags", .type = FS_LIST, .item = FS_STRING, .id = FK_ENGINE_FLAGS,
     .doc = "Flags the build accepts beyond its kind's (`--turbo-foo`): extra_args using them are not W0211.",
     .offset = -1},
};

const fs_object fs_engine = {"engine", "A build of an engine: its kind, binary, version, environment, and the "
                                       "cache types and flags it adds.",
                             engine_keys, NKEYS(engine_keys), NULL};

/* ---- hosts ---- */
static const fs_key gpu_keys[] = {
    {.name = "model", .type = FS_STRING, .id = FK_GPU_MODEL,
     .doc = "GPU catalog id (see schema/gpus.yaml), e.g. rtx-4090.", .offset = GPU(model)},
    {.name = "vram", .type = FS_SIZE, .min = 1, .max = BIG,
     .doc = "Usable memory of a custom GPU (overrides the catalog's).", .offset = GPU(vram)},
    {.name = "name", .type = FS_STRING, .doc = "Display name.", .offset = GPU(name)},
    {.name = "vendor", .type = FS_ENUM, .values = gpu_vendors,
     .doc = "nvidia (CUDA: /dev/nvidia*, nvidia-smi, CUDA_VISIBLE_DEVICES), amd (ROCm/HIP: /dev/kfd, "
            "/dev/dri/renderD*, sysfs VRAM counters, HIP_VISIBLE_DEVICES), intel (SYCL over Level Zero: "
            "/dev/dri/*, ONEAPI_DEVICE_SELECTOR; no free-memory probe) or apple (Apple Silicon, Metal, unified "
            "memory: `platform: macos` hosts only, E0807). A build's `backend: vulkan` drives any of the first "
            "three. Default: the catalog card's, else nvidia.",
     .offset = GPU(vendor)},
};

const fs_object fs_gpu = {"gpu", "One GPU: a catalog model, or a custom card with its vram. "
                                 "An item may also be just a catalog id.",
                          gpu_keys, NKEYS(gpu_keys), NULL};

#define LSWAP(field) offsetof(fleet_llama_swap, field)
static const fs_key llama_swap_keys[] = {
    {.name = "port", .type = FS_INT, .min = 1, .max = 65535, .flags = FS_REQUIRED,
     .doc = "The one port llama-swap listens on; it routes by model name to the services.",
     .offset = LSWAP(port)},
    {.name = "ttl", .type = FS_INT, .min = 1, .max = 86400 * 365,
     .doc = "Seconds a model may stay idle before llama-swap unloads it (default: never).",
     .offset = LSWAP(ttl)},
};

const fs_object fs_llama_swap = {"llama_swap", "A llama-swap proxy on the host: one port, each service of the host "
                                               "a model started on demand; an exclusive group swaps.",
                                 llama_swap_keys, NKEYS(llama_swap_keys), NULL};

static const fs_key host_keys[] = {
    {.name = "address", .type = FS_STRING, .doc = "How clients reach the host (name or IP).",
     .offset = HOST(address)},
    {.name = "memory", .type = FS_SIZE, .min = 1, .max = BIG,
     .doc = "Host RAM. On a macos host with an Apple GPU: the machine's unified memory, the catalog chip's "
            "RAM when not given (another size is E0808).", .offset = HOST(memory)},
    {.name = "cpus", .type = FS_INT, .min = 1, .max = 65536, .doc = "CPU threads.", .offset = HOST(cpus)},
    {.name = "gpus", .type = FS_LIST, .item = FS_OBJECT, .object = &fs_gpu, .flags = FS_SCALAR_ITEM,
     .id = FK_HOST_GPUS, .doc = "The host's GPUs; the list position is the device index.", .offset = -1},
    {.name = "reserved_ports", .type = FS_LIST, .item = FS_INT, .min = 1, .max = 65535, .id = FK_RESERVED_PORTS,
     .doc = "Ports other software uses on this host.", .offset = -1},
    {.name = "platform", .type = FS_ENUM, .values = platforms,
     .doc = "What runs the services: linux (systemd units and launch scripts), kubernetes (a Kubernetes node "
            "of an LLMKube cluster: infrac build writes OUT/llmkube/ Model and InferenceService resources "
            "pinned to the node by its name; keys only a unit has are E0805) or macos (an Apple Silicon Mac: "
            "one launchd property list per service, llama.cpp with Metal; keys launchd cannot honour are "
            "E0806).", .default_text = "linux", .offset = HOST(platform)},
    {.name = "gpu_wired_limit", .type = FS_SIZE, .min = 1, .max = BIG,
     .doc = "macos: the unified memory the GPU may keep resident, as raised with `sudo sysctl "
            "iogpu.wired_limit_mb=N`; the usable GPU memory of the checks. At most the RAM less 4 GiB for "
            "macOS (E0808).", .default_text = "Metal's default: 2/3 of the RAM up to 36 GiB, 3/4 above",
     .offset = HOST(gpu_wired_limit)},
    {.name = "namespace", .type = FS_STRING,
     .doc = "kubernetes: the namespace of the LLMKube resources of the host's services (metadata.namespace, an "
            "RFC 1123 label; E0809).", .default_text = "kubectl's current namespace",
     .offset = HOST(k8s_namespace)},
    {.name = "llama_swap", .type = FS_OBJECT, .object = &fs_llama_swap, .id = FK_LLAMA_SWAP,
     .doc = "Front the host's services with llama-swap (`{port: 8080}`): infrac build writes its config.yaml "
            "and unit.", .offset = -1},
};

const fs_object fs_host = {"host", "A machine that runs services.", host_keys, NKEYS(host_keys), NULL};

/* ---- checks and the top level ---- */
static const fs_key checks_keys[] = {
    {.name = "vram_margin", .type = FS_SIZE, .min = 0, .max = BIG,
     .doc = "VRAM kept free on every GPU.", .default_of = fsd_vram_margin, .offset = FLEET(vram_margin)},
    {.name = "ram_margin", .type = FS_SIZE, .min = 0, .max = BIG,
     .doc = "Host RAM kept free for the system.", .default_of = fsd_ram_margin, .offset = FLEET(ram_margin)},
};

const fs_object fs_checks = {"checks", "Margins the memory checks keep.", checks_keys, NKEYS(checks_keys), NULL};

static const fs_key cache_kv_keys[] = {
    {.name = "k", .type = FS_ENUM, .values = fs_cache_values, .doc = "Type of the K cache.", .offset = -1},
    {.name = "v", .type = FS_ENUM, .values = fs_cache_values, .doc = "Type of the V cache.", .offset = -1},
};

const fs_object fs_cache_kv = {"cache", "K and V cache types.", cache_kv_keys, NKEYS(cache_kv_keys), NULL};

static const fs_key root_keys[] = {
    {.name = "fleet", .type = FS_STRING, .flags = FS_REQUIRED | FS_NAME, .doc = "Name of the fleet.",
     .offset = FLEET(name)},
    {.name = "defaults", .type = FS_OBJECT, .object = &fs_options, .id = FK_DEFAULTS,
     .doc = "Service options every service takes unless it sets its own.", .offset = -1},
    {.name = "checks", .type = FS_OBJECT, .object = &fs_checks, .id = FK_CHECKS,
     .doc = "Settings of the checks.", .offset = -1},
    {.name = "engines", .type = FS_NAMED_MAP, .object = &fs_engine, .id = FK_ENGINES,
     .doc = "Builds of the engines, by name; a service picks one with `engine: NAME`.", .offset = -1},
    {.name = "hosts", .type = FS_NAMED_MAP, .object = &fs_host, .id = FK_HOSTS,
     .doc = "The machines, by name.", .offset = -1},
    {.name = "models", .type = FS_NAMED_MAP, .object = &fs_model, .id = FK_MODELS,
     .doc = "The models, by name.", .offset = -1},
    {.name = "services", .type = FS_NAMED_MAP, .object = &fs_service, .id = FK_SERVICES,
     .doc = "The inference servers, by name.", .offset = -1},
};

const fs_object fs_root = {"fleet", "A fleet file.", root_keys, NKEYS(root_keys), NULL};

/* ---- lookups ---- */

static const fs_key *find_in(const fs_object *obj, const char *name, size_t len)
{
    for (size_t i = 0; i < obj->n_keys; i++) {
        const char *k = obj->keys[i].name;
        if (len && k[0] == name[0] && strncmp(k, name, len) == 0 && k[len] == '\0') return &obj->keys[i];
    }
    return NULL;
}

const fs_key *fs_find(const fs_object *obj, const char *name, size_t len, bool *shared)
{
    if (shared) *shared = false;
    const fs_key *k = find_in(obj, name, len);
    if (!k && obj->also) {
        k = find_in(obj->also, name, len);
        if (k && shared) *shared = true;
    }
    return k;
}

size_t fs_key_names(const fs_object *obj, const char **names, size_t max)
{
    size_t n = 0;
    for (const fs_object *o = obj; o; o = o->also)
        for (size_t i = 0; i < o->n_keys && n < max; i++) names[n++] = o->keys[i].name;
    return n;
}

void fs_engines_text(unsigned engines, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int e = 0; fs_engine_values[e]; e++) {
        if (engines && !(engines & (1u << e))) continue;
        int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", fs_engine_values[e]);
        if (w < 0 || (size_t)w >= n - used) break;
        used += (size_t)w;
    }
}
