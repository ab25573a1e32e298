/* Diagnostic codes owned by the checks part of the compiler (see docs/diagnostics.md). */
#include "diag/codes_table.h"

const diag_code_info diag_codes_checks[] = {
    {"E0301", DIAG_ERROR, "Two services on one host share a port",
     "Two services on the same host listen on the same port, and their bind addresses overlap, s"
     "o the second one to start fails with \"address already in use\" (or, worse, whichever starts"
     " first wins after a reboot).\n\nAddresses overlap when they are the same address, when one o"
     "f them is 0.0.0.0 (which takes that port on every IPv4 address of the host, 127.0.0.1 incl"
     "uded) or :: (which takes it on every address, IPv4 included, on a dual-stack host). `local"
     "host` overlaps 127.0.0.1 and ::1.\n\nThe error is reported at the second service's `port`, w"
     "ith a note at the first one. Give one of them another port, or bind them to distinct speci"
     "fic addresses."},
    {"E0302", DIAG_ERROR, "A service takes a reserved port",
     "The host lists this port in `reserved_ports`: something outside the fleet (an SSH tunnel, "
     "a web server, another tool) already uses it.\n\nThe note points at the `reserved_ports` entr"
     "y. Pick a port that is not reserved, or remove the entry if it is no longer in use."},
    {"W0301", DIAG_WARNING, "A privileged port",
     "Ports below 1024 can only be bound by root or a process with CAP_NET_BIND_SERVICE. infrac'"
     "s units run engines as an unprivileged user, so the engine would fail to start unless the "
     "capability is granted.\n\nUse a port from 1024 up, and put a reverse proxy in front if clien"
     "ts must reach port 80 or 443."},
    {"E0401", DIAG_ERROR, "A GPU is overcommitted",
     "The services that can be resident on this GPU at the same time need more memory than it ha"
     "s, less the safety margin (`checks.vram_margin`, 512 MiB by default). One of them would fa"
     "il to load, or llama-server would silently shrink its context.\n\nEvery service that uses th"
     "e GPU counts, whether it starts at boot or not: anything installed can be started by hand."
     " Services in one `exclusive` group never run together, so a group counts once, at its larg"
     "est member.\n\nEach service's share is estimated from the model (its GGUF header or declared"
     " shape) and the service's settings: weights offloaded to this GPU, KV cache (context x lay"
     "ers x KV heads x head size x cache type), compute buffers, and the engine's runtime overhe"
     "ad (CUDA context and pools). vLLM claims `gpu_memory_utilization` of the GPU whatever the "
     "model needs.\n\nThe notes break each service's share down; the help names a context or cache"
     " type that would fit, found by re-running the estimator, or suggests an `exclusive` group."},
    {"E0402", DIAG_ERROR, "A host runs out of RAM",
     "The services on this host need more host RAM than its declared `memory`, less `checks.ram_"
     "margin` (1 GiB by default). Host RAM holds the weights of CPU-only services and of layers "
     "left on the CPU (including MoE experts moved with `cpu_moe_layers`), the token embeddings "
     "llama.cpp keeps on the host, and llama-server's prompt cache (`cache_ram`, 8192 MiB by def"
     "ault).\n\nExclusive groups count once, as for VRAM. The check runs only when the host declar"
     "es `memory`."},
    {"E0501", DIAG_ERROR, "Context above the model's trained context",
     "The service asks for more context than the model was trained on. Without rope scaling the "
     "model's output degrades past that length, and engines warn or refuse.\n\nLower `context` to "
     "the trained context, or set `rope_scaling: true` on the model when the service is run with"
     " rope scaling (YaRN and the like)."},
    {"W0501", DIAG_WARNING, "Very little context per slot",
     "llama-server divides `context` among its `parallel` slots (without `kv_unified`): each req"
     "uest gets context / parallel tokens. Below 1024 tokens most chat requests do not fit and f"
     "ail with \"context size exceeded\".\n\nRaise `context`, lower `parallel`, or set `kv_unified: "
     "true` so that slots share one cache."},
    {"E0502", DIAG_ERROR, "Quantized V cache without flash attention",
     "llama.cpp can only quantize the V cache (a `cache` V type other than f16, bf16 or f32) whe"
     "n flash attention is on; otherwise llama-server refuses to start.\n\nSet `flash_attention: t"
     "rue` (infrac's default for llama.cpp), or keep the V cache at f16 (`cache: {k: q8_0, v: f1"
     "6}`)."},
    {"W0530", DIAG_WARNING, "Embedding inputs longer than the ubatch are refused",
     "With `embeddings` on, llama-server computes an input's embedding in one physical batch: an input of "
     "more tokens than the ubatch is refused (\"input (N tokens) is too large to process. increase the "
     "physical batch size\", tools/server/server-context.cpp), while the context would take it. infrac "
     "reports a service whose ubatch is smaller than the context of one slot.\n\nExample:\n    embed: "
     "{model: bge-m3, context: 8192}   # ubatch 512: inputs of 513+ tokens fail\n\nFix: `ubatch: 8192` "
     "(the compute buffer grows with it: the estimate counts it), or lower `context` to the longest input."},
    {"E0820", DIAG_ERROR, "swap_ttl on a host without llama-swap",
     "`swap_ttl` is llama-swap's `ttl` for one model: how long it may stay idle before llama-swap unloads "
     "it. It only means something on a host with `llama_swap:`, where the service is a model llama-swap "
     "starts on demand; elsewhere the service runs under systemd (or launchd) until stopped, and infrac "
     "would silently drop the key.\n\nFix: add `llama_swap: {port: ...}` to the host, or remove `swap_ttl`."},
    {"E0531", DIAG_ERROR, "An encoder served without embeddings",
     "An encoder (bert, nomic-bert, jina-bert, modern-bert, gemma-embedding, ...) has no LM head and no KV "
     "cache: llama-server can only compute its embeddings. With `embeddings: false` it starts, and then "
     "refuses every request (\"the current context does not logits computation\"; /v1/embeddings answers "
     "\"This server does not support embeddings\"). infrac turns `embeddings` on for an encoder unless "
     "told otherwise.\n\nFix: remove `embeddings: false`, or serve a decoder model."},
    {"E0503", DIAG_ERROR, "vLLM tensor parallel size does not divide the heads",
     "vLLM runs one worker per GPU listed (tensor parallelism) and splits the attention heads ev"
     "enly among them: the number of GPUs must divide the model's KV heads (and its attention he"
     "ads), or vLLM refuses to start.\n\nList a number of GPUs that divides the KV head count."},
    {"E0504", DIAG_ERROR, "vLLM max-model-len does not fit its KV memory",
     "vLLM claims `gpu_memory_utilization` x the GPU's memory, loads the weights, reserves activ"
     "ations, and gives what remains to the KV cache. If one sequence of `--max-model-len` token"
     "s does not fit there, it refuses to start (\"larger than the available KV cache memory\").\n\n"
     "Lower `context`, raise `gpu_memory_utilization`, use an fp8 KV cache, or spread the model "
     "over more GPUs."},
    {"E0505", DIAG_ERROR, "vLLM processes on one GPU claim more than all of it",
     "Each vLLM process claims its `gpu_memory_utilization` share of the whole GPU up front, and"
     " counts the other's memory as used. Two processes on one GPU start only when their utiliza"
     "tions sum below 1.\n\nLower the utilizations, or put the services in one `exclusive` group s"
     "o that they never run together."},
    {"E0506", DIAG_ERROR, "The memory of a service cannot be estimated",
     "The estimator refused the service's configuration (for example more GPUs than it models, o"
     "r layer counts that do not match the model). The message says why. Without an estimate the"
     " VRAM and RAM checks cannot vouch for the service."},
    {"E0507", DIAG_ERROR, "cpu_moe_layers on a model without experts",
     "`cpu_moe_layers` keeps the MoE experts of the first N layers in host RAM (llama.cpp `--n-c"
     "pu-moe`). The model has no experts (its header declares no `expert_count`), so the key wou"
     "ld do nothing and the memory the user meant to free stays on the GPU.\n\nRemove the key; "
     "to move part of a dense model off the GPU, lower `gpu_layers`."},
    {"E0510", DIAG_ERROR, "The model's GGUF cannot be read",
     "`gguf:` names a local copy of the model (the header alone is enough: the tensor data is no"
     "t read), relative to the fleet file's directory. The file is missing, unreadable, truncate"
     "d, or not a valid GGUF; the message says where the reader stopped.\n\nFix the path, copy the"
     " file's header (`head -c 16M model.gguf > model.header.gguf`), or declare the model's `sha"
     "pe:` instead."},
    {"E0511", DIAG_ERROR, "A model has neither gguf nor shape",
     "To estimate memory, infrac needs the model's shape: either a local GGUF copy (`gguf:`, the"
     " header is enough) or a declared `shape:` with at least layers, embd, heads, ctx_train and"
     " weights (kv_heads, head_dim, ff, vocab and the MoE fields when they apply)."},
    {"E0512", DIAG_ERROR, "A declared model shape is incomplete or inconsistent",
     "A `shape:` needs layers, embd, heads, ctx_train and weights, each positive; kv_heads must "
     "divide heads, and experts_used may not exceed experts. The message names the field."},
    {"E0513", DIAG_ERROR, "Unknown model catalog id",
     "`catalog:` names a model of the catalog built into infrac (schema/models.yaml): qwen3.6-27b, qwen"
     "3.6-35b-a3b, qwen3-8b, qwen3-14b, qwen3-32b, qwen3-30b-a3b, gemma-4-12b, gemma-4-26b-a4b, gemma-3-"
     "4b, gemma-3-12b, gemma-3-27b, gpt-oss-20b, gpt-oss-120b, glm-4.7-flash, llama-3.1-8b, llama-3.3-70b"
     ", mistral-small-3.2-24b, nomic-embed-text-v1.5. The help suggests the closest id.\n\nFor a model "
     "the catalog lacks, use `gguf:` (a local copy of its header) or declare its `shape:`."},
    {"E0514", DIAG_ERROR, "The catalog has no such release of the model",
     "`quant:` (default Q4_K_M) picks the release of a catalog model: Q4_K_M, Q5_K_M, Q6_K and Q8_0 for "
     "every model, MXFP4 for gpt-oss. UD-Q4_K_XL (Unsloth's dynamic mix, which differs per model and "
     "cannot be derived from the shapes) needs the file's size: published in the catalog, or the model's "
     "`file_size:` (the size its download page gives), over which the estimate spreads the tensors in "
     "Q4_K_M's proportions. The help lists the releases the model has."},
    {"E0515", DIAG_ERROR, "A model's file disagrees with its declared shape",
     "`path:` is readable where `infrac check` runs, so its GGUF header is read, and the model al"
     "so declares a `shape:` whose numbers differ from the header's. One of them describes anoth"
     "er model; the estimate uses the header.\n\nRemove `shape:` (the file is read), or fix `path"
     ":` to the model the shape describes."},
    {"E0516", DIAG_ERROR, "A model that infrac-engine cannot run",
     "The service has `engine: infrac`, and infrac-engine would refuse its model at load: the architecture i"
     "s not one it runs (the message lists those it does), or the header asks for maths it does not imp"
     "lement, such as a RoPE scaling type other than none or linear (yarn, longrope), a per-layer array for "
     "a size it takes once, or experts on a dense architecture. The message names the key and its value; the"
     " reasons are the engine's own (docs/engine.md).\n\nServe the model with `engine: llama.cpp`, or pick a "
     "model infrac-engine runs."},
    {"E0520", DIAG_ERROR, "A draft setting the engine has no place for",
     "`draft:` and the speculative keys (`draft_gpu`, `draft_gpu_layers`, `draft_cache`, `spec_type`, "
     "`spec_draft_n_max`, `spec_draft_n_min`) are llama.cpp's (llama-server --spec-draft-model and the "
     "--spec-* flags). vLLM takes `draft:`, `spec_type` and `spec_draft_n_max` as its --speculative-config "
     "(model, method, num_speculative_tokens); it shards the draft like the model and keeps the draft's KV "
     "in the model's cache, so `draft_gpu`, `draft_gpu_layers`, `draft_cache` and `spec_draft_n_min` have "
     "no meaning there. infrac-engine has no speculative decoding. They are refused rather than ignored."
     "\n\nRemove the key, or serve the service with llama.cpp."},
    {"E0521", DIAG_ERROR, "Speculative settings without a draft model",
     "`draft_gpu`, `draft_gpu_layers`, `draft_cache`, `spec_draft_n_max` and `spec_draft_n_min` describe "
     "the draft model; a service without `draft:` has none, so they would do nothing.\n\nName the draft "
     "(`draft: MODEL`, a key of models:) or remove them."},
    {"E0522", DIAG_ERROR, "spec_draft_n_min above spec_draft_n_max",
     "llama.cpp drafts at most `spec_draft_n_max` tokens per step and uses a draft only when it has at "
     "least `spec_draft_n_min`; a minimum above the maximum never uses one.\n\nLower the minimum or raise "
     "the maximum."},
    {"E0523", DIAG_ERROR, "A draft model whose vocabulary differs from the model's",
     "Speculative decoding checks the draft's tokens with the target: both must use one tokenizer. "
     "When both headers (or catalog entries, or shapes) give the vocabulary size and the sizes differ, "
     "the draft cannot serve this model.\n\nPick a smaller model of the same family (qwen3-8b for "
     "qwen3-32b, llama-3.1-8b for llama-3.3-70b)."},
    {"E0524", DIAG_ERROR, "Unknown speculative type",
     "`spec_type` is llama.cpp's --spec-type, a comma list of draft-simple, draft-eagle3, draft-mtp, "
     "draft-dflash, draft-dspark, ngram-simple, ngram-map-k, ngram-map-k4v, ngram-mod, ngram-cache and "
     "none (common/speculative.cpp). Another name makes llama-server exit at start.\n\nUse one of "
     "those names."},
    {"E0525", DIAG_ERROR, "The draft's GPU is not one of the service's",
     "`draft_gpu` is a device index of the host. llama.cpp sees only the service's GPUs "
     "(CUDA_VISIBLE_DEVICES lists them), so the draft can only be placed on one of `gpus`.\n\nPick one "
     "of the service's GPUs, or add the GPU to `gpus`."},
    {"E0527", DIAG_ERROR, "A vLLM speculative method without what it needs",
     "vLLM's --speculative-config method draft_model needs a draft model (`draft:`); ngram drafts from "
     "the prompt, so a `draft:` beside it would be ignored; draft_model and ngram need "
     "num_speculative_tokens (`spec_draft_n_max`), without which vLLM refuses to start (vllm/config/"
     "speculative.py). mtp takes the model's own count.\n\nName the draft, remove it, or set "
     "`spec_draft_n_max`."},
    {"E0526", DIAG_ERROR, "MTP asked of a model without MTP heads",
     "`spec_type: draft-mtp` has llama-server draft with the model's own multi-token-prediction "
     "layers (GGUF `<arch>.nextn_predict_layers`, llama-model.cpp n_layer_nextn). The model's GGUF "
     "header was read and declares none, so there is nothing to draft with. A catalog model or a "
     "declared shape is not refused: the catalog leaves the MTP block out and a shape cannot say."
     "\n\nUse a GGUF converted with its MTP layers, or name a draft model (`draft:`)."},
    {"W0521", DIAG_WARNING, "A draft model no speculative type uses",
     "llama-server drafts with a draft model (`draft:`, --spec-draft-model) only for the types that take "
     "one: draft-simple, draft-eagle3, draft-dflash, draft-dspark. With a `spec_type` that names none of "
     "them (only n-gram types, draft-mtp, or none) the draft is loaded and never drafts (with none, "
     "llama-server frees it again: \"no implementations specified for speculative decoding\"). Its memory is "
     "still counted. Without `spec_type`, infrac writes `--spec-type draft-simple` for a draft model, since "
     "llama-server's own default is none.\n\nExample:\n    chat: {draft: qwen3-0.6b, spec_type: ngram-simple, "
     "...}\n\nFix: `spec_type: draft-simple,ngram-simple`, or remove `draft:`."},
    {"W0511", DIAG_WARNING, "Unknown architecture: conservative estimate",
     "The estimator models a set of architectures exactly (llama, mistral, qwen2, qwen3, qwen3mo"
     "e, gemma2, gemma3, ...). For any other it assumes every layer is a full-attention layer wi"
     "th the declared sizes, which is an upper bound: the VRAM check may reject a fleet that wou"
     "ld fit.\n\nUse `gguf:` with the model's header, or declare the closest known architecture."},
    {"E0601", DIAG_ERROR, "A service is exposed without an API key",
     "The service binds an address other than loopback (127.0.0.0/8, ::1, localhost): anyone who"
     " can reach the host can use the model, read prompts from the slots endpoint, and run up it"
     "s load. 0.0.0.0 and :: accept connections from every network.\n\nAdd `api_key_file:` (a file"
     " holding the key, readable by the service), or bind to 127.0.0.1 and put an authenticating"
     " proxy in front."},
    {"W0602", DIAG_WARNING, "allow_clients on a service bound to loopback",
     "A service bound to loopback already exchanges traffic with this machine only (its unit has"
     " IPAddressDeny=any, IPAddressAllow=localhost), so the peers in `allow_clients:` could never"
     " reach it and are left out of the unit.\n\nBind the service to an address they can reach"
     " (`bind: 0.0.0.0` with an API key), or remove `allow_clients:`."},
    {"E0701", DIAG_ERROR, "Unknown host",
     "The service names a host the fleet does not declare under `hosts:`. The help suggests the "
     "closest name when one looks like a typo."},
    {"E0702", DIAG_ERROR, "Unknown model",
     "The service names a model the fleet does not declare under `models:`. The help suggests th"
     "e closest name when one looks like a typo."},
    {"E0703", DIAG_ERROR, "GPU index not on the host",
     "The service lists a GPU index that its host does not have. GPU indexes are positions in th"
     "e host's `gpus:` list, starting at 0, matching CUDA device order."},
    {"E0704", DIAG_ERROR, "tensor_split length differs from the GPU count",
     "`tensor_split` gives one share per GPU the service uses, in the order of `gpus`. Its lengt"
     "h must equal the number of GPUs."},
    {"E0706", DIAG_ERROR, "A GPU listed twice, or too many GPUs",
     "A service lists the same GPU index twice, or more GPUs than an engine process can use (16)"
     "."},
    {"E0707", DIAG_ERROR, "The engine cannot run on these devices",
     "vLLM needs at least one GPU (`gpus:`); infrac-engine runs on the CPU only and takes no `gp"
     "us`. Use llama.cpp for CPU inference or GPU offload. One service uses one vendor's GPUs (a CUDA "
     "build cannot open an AMD card, a HIP build an NVIDIA one, a SYCL build any but Intel's), and vLLM is generated "
     "for CUDA only: an AMD card (`vendor: amd`) takes a HIP build of llama.cpp, an Intel card (`vendor: "
     "intel`, the Arc cards of the catalog) a SYCL or Vulkan one."},
    {"W0701", DIAG_WARNING, "An exclusive group of one",
     "An `exclusive` group keeps the services of one host from running at the same time (each un"
     "it conflicts with the others), so a group is scoped to its host: the same name on two host"
     "s makes two groups. A group with a single service on its host has no effect; it is usually"
     " a typo, or a group meant to span hosts.\n\nGive the services of one host that must not run "
     "together the same group name."},
    {"W0702", DIAG_WARNING, "The fleet has no services",
     "The fleet declares no services (no `services:`, or an empty one), so there is nothing to "
     "check against the hosts and nothing to deploy: `infrac build` writes an output with no units. "
     "It is usually a file cut short, or the services put under another key.\n\nAdd the services "
     "under `services:`, each with a host, a model and a port."},
    {"E0801", DIAG_ERROR, "Unknown engine",
     "`engine:` names neither a built-in kind (llama.cpp, vllm, infrac) nor a build declared under "
     "`engines:`. The help suggests the closest name.\n\nExample:\n    engines:\n      llama-cpp-sm89: "
     "{kind: llama.cpp, binary: /opt/llama-sm89/bin/llama-server}\n    services:\n      chat: {engine: "
     "llama-cpp-sm98, ...}\n\nFix: `engine: llama-cpp-sm89`, or declare the build."},
    {"E0802", DIAG_ERROR, "A build's declaration is inconsistent",
     "An entry of `engines:` cannot be used as written: its name is a built-in kind (llama.cpp, vllm, "
     "infrac: a service could not tell them apart), it declares a cache type that is built in (q8_0), a "
     "cache type whose block of `block` elements at `bits` bits is not a whole number of bytes (the "
     "estimate sizes the cache from it), a vLLM or infrac build declares cache types (only llama.cpp "
     "builds add them: -ctk/-ctv), an infrac build declares a `backend:` (infrac-engine runs on the CPU), or "
     "a vLLM build one other than cuda (infrac's vLLM target is CUDA's).\n\nExample:\n    engines:\n      llama-turbo:\n        kind: "
     "llama.cpp\n        cache_types: {turbo3: {bits: 3.3}}\n\nFix: the bits of the build's ggml type "
     "(bytes per block x 8 / block), e.g. `{bits: 3.5, block: 32}`."},
    {"E0803", DIAG_ERROR, "A build's binary for an unknown host",
     "`binaries:` of an engine maps host names to the build's binary there; this key is not a host of the "
     "fleet, so the path would never be used.\n\nExample:\n    binaries: {towr: /opt/llama/bin/llama-server}"
     "\n\nFix: the host's name as `hosts:` spells it."},
    {"E0804", DIAG_ERROR, "cpu_affinity names a CPU the host does not have",
     "The host declares `cpus: N` (CPUs 0 to N-1) and the service's cpu_affinity lists a CPU at or above N. "
     "systemd refuses to start a unit whose CPUAffinity= holds no CPU of the machine, and llama.cpp's "
     "--cpu-mask would pin threads nowhere.\n\nExample:\n    hosts: {mini: {cpus: 16}}\n    services:\n      "
     "chat: {host: mini, cpu_affinity: 0-7,16-23, ...}\n\nFix: the CPU numbers `lscpu -e` shows on the host "
     "(`0-7`), or the host's real `cpus`."},
    {"E0805", DIAG_ERROR, "A key a Kubernetes host cannot honour",
     "The host is a Kubernetes node (`platform: kubernetes`): LLMKube runs the service's engine in a pod from its "
     "runtime's image, so what only a systemd unit or a launch script does has no form there: a build's binary "
     "(a host path), cpu_affinity, numa, mlock, after/requires/wants, user, api_key_file, llama_swap, and the infrac "
     "engine (no LLMKube runtime). infrac refuses them rather than drop them.\n\nExample:\n    hosts: {node1: "
     "{platform: kubernetes}}\n    services:\n      chat: {host: node1, mlock: true, ...}\n\nFix: remove the key, or "
     "run the service on a linux host."},
    {"E0806", DIAG_ERROR, "A key a macOS (launchd) host cannot honour",
     "The host is a Mac (`platform: macos`): infrac build writes one launchd property list per service, which "
     "runs llama-server built with Metal. What only a systemd unit, Linux or a CUDA engine does has no form "
     "there: after/requires/wants (launchd orders no jobs), allow_clients (systemd's IP filter), cpu_affinity "
     "(launchd has no CPUAffinity= and macOS pins no thread to a core), numa (one memory node), an exclusive "
     "group of two services or more (launchd has no Conflicts=, so nothing would keep them apart while the "
     "memory checks count the group once), llama_swap (its unit is systemd's), `engine: vllm` (no Metal "
     "backend) and `engine: infrac` (built for Linux). infrac refuses them rather than drop them; mlock is "
     "honoured (the job's MemoryLock limits).\n\nExample:\n    hosts: {studio: {platform: macos, gpus: "
     "[m3-ultra-512gb]}}\n    services:\n      chat: {host: studio, engine: vllm, ...}\n\nFix: `engine: "
     "llama.cpp`, remove the key, or run the service on a linux host."},
    {"E0807", DIAG_ERROR, "A GPU the host's platform cannot drive",
     "A Mac (`platform: macos`) drives its own Apple GPU only, through Metal: an NVIDIA, AMD or Intel card listed "
     "on it (a catalog card or `vendor:` nvidia/amd/intel) has no driver there. An Apple GPU (`m4-max-128gb`, `vendor: "
     "apple`) runs only under macOS, so on a linux or kubernetes host it is refused too, as is a second Apple "
     "GPU on one host (a Mac has one chip).\n\nExample:\n    hosts: {studio: {platform: macos, gpus: "
     "[rtx-4090]}}\n\nFix: name the Mac's chip and RAM, `gpus: [m2-ultra-192gb]`, or give the card's host "
     "`platform: linux`."},
    {"E0808", DIAG_ERROR, "Unified memory settings that do not fit the machine",
     "On an Apple chip the GPU shares the RAM: by default macOS lets it keep about 2/3 of the RAM resident up "
     "to 36 GiB, 3/4 above (Metal's recommendedMaxWorkingSetSize), and `gpu_wired_limit:` states a share "
     "raised with `sudo sysctl iogpu.wired_limit_mb=N`. The limit must fit the RAM and leave macOS at least "
     "4 GiB (the kernel, WindowServer and the Metal runtime take about that before any engine runs); it has "
     "no meaning on a host without an Apple GPU or one that is not a Mac. A `memory:` other than the chip's "
     "RAM is refused: the catalog id names the RAM (`m4-max-128gb`).\n\nExample:\n    hosts: {studio: "
     "{platform: macos, gpus: [m4-max-64gb], gpu_wired_limit: 64 GiB}}\n\nFix: `gpu_wired_limit: 60 GiB` "
     "(`sudo sysctl iogpu.wired_limit_mb=61440`), or no limit."},
    {"E0809", DIAG_ERROR, "A Kubernetes namespace that cannot be used",
     "`namespace:` names the Kubernetes namespace of the LLMKube resources (Model, InferenceService) of a "
     "host's services, so it belongs to a host with `platform: kubernetes`, and Kubernetes takes only an RFC "
     "1123 label as a namespace name: 1 to 63 lowercase letters, digits and '-', starting and ending with a "
     "letter or digit. Both resources of a service go into it: the InferenceService refers to its Model by "
     "name, within one namespace. Without the key, `kubectl apply` uses its current namespace.\n\nExample:\n"
     "    hosts: {node1: {platform: kubernetes, namespace: LLM_Prod}}\n\nFix: `namespace: llm-prod`."},
    {"E0810", DIAG_ERROR, "A build's GPU backend that cannot drive the service's GPUs",
     "An entry of `engines:` says which GPU API it was built for (`backend:`: cuda, hip, sycl, vulkan, metal), "
     "and a service running it on cards of a vendor that API cannot open would start without its GPUs or not "
     "at all. CUDA drives NVIDIA cards, HIP (ROCm) AMD's, SYCL Intel's (infrac's SYCL target is Level Zero's), "
     "Vulkan NVIDIA's, AMD's and Intel's, Metal an Apple chip (on a Mac infrac runs llama.cpp with Metal, not "
     "Vulkan). The backend also picks the unit's device nodes, the visible-devices variable "
     "(CUDA_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES, ONEAPI_DEVICE_SELECTOR, GGML_VK_VISIBLE_DEVICES) and the "
     "draft's device name (CUDA0, ROCm0, SYCL0, Vulkan0), so a wrong one is refused rather than written."
     "\n\nExample:\n    engines:\n      llama-cuda: {kind: llama.cpp, backend: cuda, binary: "
     "/opt/llama-cuda/bin/llama-server}\n    hosts:\n      arc: {gpus: [arc-b580]}\n    services:\n      "
     "chat: {host: arc, engine: llama-cuda, gpus: [0], ...}\n\nFix: a build for the card (`backend: sycl` or "
     "`backend: vulkan`), or remove `backend:` when the build is the vendor's (the default: nvidia cuda, amd "
     "hip, intel sycl, apple metal)."},
    {"W0801", DIAG_WARNING, "More threads than the CPUs a service may use",
     "`threads` is above the CPUs of the service's cpu_affinity, or (without one) above the host's `cpus`. "
     "The extra threads wait for a CPU, and llama.cpp's generation slows down when threads are descheduled in "
     "the middle of a step.\n\nExample:\n    chat: {cpu_affinity: 0-7, threads: 16, ...}\n\nFix: "
     "`threads: 8`, or leave threads out: with cpu_affinity it defaults to the affinity's CPUs."},
    {NULL, DIAG_ERROR, NULL, NULL} /* end */
};
