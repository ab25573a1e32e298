/* Diagnostic codes owned by the front part of the compiler (see docs/diagnostics.md):
 * E01xx YAML syntax and structure, E02xx schema (keys, types, ranges).
 * `infrac explain --markdown` prints docs/diagnostics.md's section from here. */
#include "diag/codes_table.h"

const diag_code_info diag_codes_front[] = {
    {"E0101", DIAG_ERROR, "YAML syntax error",
     "The fleet file is not valid YAML, so nothing after the error can be read.\n"
     "\n"
     "The diagnostic points at the character where the parser gave up; a note\n"
     "points at the construct it was reading. The usual causes are indentation\n"
     "(the keys of one mapping must start in the same column, and YAML forbids\n"
     "tabs), an unquoted value that contains ': ', and an unclosed bracket or\n"
     "quote.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      chat:\n"
     "        port: 8081\n"
     "       host: tower        # one column to the left\n"
     "\n"
     "Fix: indent `host:` like `port:`."},
    {"E0102", DIAG_ERROR, "invalid UTF-8",
     "A fleet file must be UTF-8 text. The byte at the reported position does\n"
     "not start (or continue) a valid UTF-8 character; the file was probably\n"
     "saved in Latin-1 or another legacy encoding, or is not text at all.\n"
     "\n"
     "Example: a comment `# Gerät` saved as Latin-1 contains the byte 0xE4.\n"
     "\n"
     "Fix: convert the file, e.g. `iconv -f latin1 -t utf-8 fleet.yaml`."},
    {"E0103", DIAG_ERROR, "control character or binary content",
     "The file holds a NUL byte or another control character that YAML does\n"
     "not allow in text. A NUL byte almost always means a binary file (a GGUF\n"
     "model, an archive) was given where the fleet file was expected.\n"
     "\n"
     "Example:\n"
     "    infrac check models/qwen3-8b.gguf\n"
     "\n"
     "Fix: pass the YAML fleet file; remove stray control characters (a double-\n"
     "quoted string may write them as escapes such as \"\\t\")."},
    {"E0104", DIAG_ERROR, "more than one YAML document",
     "A fleet file describes one fleet, so it holds exactly one YAML document.\n"
     "A line `---` after the first document starts a second one, which infrac\n"
     "would otherwise silently ignore.\n"
     "\n"
     "Example:\n"
     "    fleet: homelab\n"
     "    hosts: {...}\n"
     "    ---\n"
     "    services: {...}\n"
     "\n"
     "Fix: remove the `---` line so that `services:` belongs to the fleet, or keep\n"
     "each fleet in its own file."},
    {"E0105", DIAG_ERROR, "nesting too deep",
     "Mappings and lists are nested more than 64 levels deep. The fleet language\n"
     "needs about six levels, so such a file is generated wrongly or hostile;\n"
     "infrac refuses it rather than spending memory and stack on it.\n"
     "\n"
     "Example: `x: [[[[[[[[ ... ]]]]]]]]` with hundreds of brackets.\n"
     "\n"
     "Fix: write the fleet with its documented shape (see docs/fleet.md)."},
    {"E0106", DIAG_ERROR, "alias expansion budget exceeded",
     "Anchors (&name) and aliases (*name) let several places share one value;\n"
     "infrac supports them, and the merge key `<<`. But aliases of aliases grow\n"
     "exponentially: ten lists that each repeat the previous one ten times stand\n"
     "for billions of values (the \"billion laughs\" attack). infrac counts what\n"
     "every alias and merge stands for and stops at 1,000,000 nodes plus eight\n"
     "per node actually written.\n"
     "\n"
     "Example:\n"
     "    a: &a [x, x, x, x, x, x, x, x, x, x]\n"
     "    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
     "    ...\n"
     "\n"
     "Fix: share defaults through `defaults:` or one level of anchors."},
    {"E0107", DIAG_ERROR, "unknown alias",
     "An alias `*name` refers to an anchor `&name` that was not defined before it.\n"
     "YAML anchors must come first in the file, and a node cannot contain an\n"
     "alias to itself.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      chat: {<<: *common, port: 8081}\n"
     "    common: &common {host: tower}\n"
     "\n"
     "Fix: move the anchored node above its first use, and check the spelling."},
    {"E0108", DIAG_ERROR, "tag not allowed",
     "The fleet file uses a YAML tag such as `!include` or `!!python/object`.\n"
     "infrac reads plain data: application tags would mean different things to\n"
     "different tools, so only the core tags (!!str, !!int, !!float, !!bool,\n"
     "!!null, !!map, !!seq) are accepted.\n"
     "\n"
     "Example:\n"
     "    models: !include models.yaml\n"
     "\n"
     "Fix: write the value inline. To force a string, quote it or use !!str."},
    {"E0109", DIAG_ERROR, "duplicate key",
     "The same key appears twice in one mapping. YAML tools disagree on what\n"
     "that means (the first wins, the last wins, or an error), so infrac rejects\n"
     "it. A note points at the first occurrence.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      chat: {host: tower, port: 8081}\n"
     "      chat: {host: tower, port: 8082}\n"
     "\n"
     "Fix: remove or rename one of them. To override a value taken from a merge\n"
     "key `<<`, just write the key once: values written in the mapping win over\n"
     "merged ones without a diagnostic."},
    {"E0110", DIAG_ERROR, "key is not a name",
     "A mapping key is itself a mapping or a list (YAML's `? ` complex keys).\n"
     "Every key in a fleet file is a name.\n"
     "\n"
     "Example:\n"
     "    ? [tower, box]\n"
     "    : {memory: 64GiB}\n"
     "\n"
     "Fix: write one entry per name."},
    {"E0111", DIAG_ERROR, "cannot read the fleet file",
     "The fleet file does not exist, is not readable, is a directory, or is\n"
     "larger than 64 MiB (a fleet of thousands of hosts takes a few MiB).\n"
     "\n"
     "Example:\n"
     "    infrac check fleet.yml      # the file is fleet.yaml\n"
     "\n"
     "Fix: check the path and the permissions."},
    {"E0112", DIAG_ERROR, "the fleet is not a mapping",
     "The document is empty, or its top level is a list or a single value. A\n"
     "fleet file is a mapping with the keys fleet, defaults, checks, hosts,\n"
     "models and services.\n"
     "\n"
     "Example:\n"
     "    - host: tower\n"
     "      port: 8081\n"
     "\n"
     "Fix: start from the example in docs/fleet.md:\n"
     "    fleet: homelab\n"
     "    hosts: {tower: {memory: 64GiB}}"},
    {"E0113", DIAG_ERROR, "merge key takes mappings",
     "The merge key `<<` copies the keys of a mapping (or of each mapping in a\n"
     "list) into the mapping that contains it. Its value here is something else.\n"
     "\n"
     "Example:\n"
     "    chat: {<<: 8081, host: tower}\n"
     "\n"
     "Fix: `<<: *common` where `common: &common {...}` is a mapping."},
    {"E0114", DIAG_ERROR, "too many values",
     "The file holds more than 2,000,000 values (scalars, lists and mappings).\n"
     "A fleet of 10,000 services needs about 300,000; more is generated wrongly\n"
     "or hostile, and each value costs memory. infrac stops reading at the\n"
     "limit. Likewise it keeps the first 1,000 diagnostics of a file and counts\n"
     "the rest in one \"N more errors\" line.\n"
     "\n"
     "Example: `fleet: [1, 1, 1, ...]` with millions of items.\n"
     "\n"
     "Fix: write the fleet with its documented shape (see docs/fleet.md)."},
    {"E0201", DIAG_ERROR, "unknown key",
     "The key is not part of the fleet language at this place. It is probably\n"
     "misspelled (the help line suggests the closest known key), or it belongs\n"
     "at another level: `port` is set per service and cannot go in `defaults:`,\n"
     "`memory` belongs to a host. Unknown keys are errors rather than ignored,\n"
     "because a misspelled option would silently not apply.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      chat: {host: tower, model: qwen3-8b, prot: 8081}\n"
     "\n"
     "Fix: `port: 8081`. docs/fleet.md lists every key; `infrac schema` gives\n"
     "your editor the same list."},
    {"E0202", DIAG_ERROR, "wrong type",
     "The value has the wrong type: a list where a single value is expected, a\n"
     "string where a number is expected, and so on. A quoted number (\"8081\") is\n"
     "a string in YAML, and so is `yes`: booleans are written true or false.\n"
     "\n"
     "Example:\n"
     "    port: \"8081\"\n"
     "    flash_attention: yes\n"
     "\n"
     "Fix: `port: 8081` and `flash_attention: true`."},
    {"E0203", DIAG_ERROR, "value out of range",
     "A number is outside the range the option accepts: port 0 or above 65535,\n"
     "a zero context, gpu_memory_utilization above 1, a negative tensor split,\n"
     "a relative path where an absolute one is needed, an address that is not\n"
     "an IP address. The message gives the accepted range.\n"
     "\n"
     "Example:\n"
     "    port: 80800\n"
     "\n"
     "Fix: `port: 8080`."},
    {"E0204", DIAG_ERROR, "bad enum value",
     "The option takes one of a fixed set of words and this is not one of them,\n"
     "or it is one that the service's engine does not support (a KV cache type\n"
     "of vLLM on llama.cpp, say). The message lists the accepted values and the\n"
     "help suggests the closest one. A named chat template (chatml, llama3, ...)\n"
     "on a vLLM service is one of these too: vLLM has no named templates, its\n"
     "--chat-template takes a Jinja file or the template text, so the name\n"
     "would be served as the template; the model's own template is used instead.\n"
     "\n"
     "Example:\n"
     "    engine: llamacpp\n"
     "    cache: q8                # llama.cpp cache types: f32 f16 bf16 q8_0 ...\n"
     "\n"
     "Fix: `engine: llama.cpp` and `cache: q8_0`."},
    {"E0205", DIAG_ERROR, "bad size",
     "A memory size is written as a number with a unit: B, KiB, MiB, GiB, TiB\n"
     "(powers of 1024) or KB, MB, GB, TB (powers of 1000), e.g. 64GiB, 4.7GiB or\n"
     "512 MiB; a plain integer counts bytes. The value here has no valid\n"
     "number, an unknown unit, or does not fit in 64 bits.\n"
     "\n"
     "Example:\n"
     "    memory: 64G\n"
     "\n"
     "Fix: `memory: 64GiB` (or 64GB if you mean 64,000,000,000 bytes)."},
    {"E0206", DIAG_ERROR, "missing required key",
     "An object lacks a key that has no sensible default: a service needs a\n"
     "host, a model and a port; a model needs its path on the hosts; the fleet\n"
     "needs a name; a GPU needs a catalog model or its vram.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      chat: {host: tower, model: qwen3-8b}\n"
     "\n"
     "Fix: `chat: {host: tower, model: qwen3-8b, port: 8081}`."},
    {"E0207", DIAG_ERROR, "invalid name",
     "Names of hosts, models, services and exclusive groups become systemd unit\n"
     "names and file names, so they start with a letter or digit and contain\n"
     "only letters, digits, '_', '.' and '-' (at most 64 characters). User\n"
     "names follow the Linux rule: a lowercase letter or '_', then lowercase\n"
     "letters, digits, '_' or '-'.\n"
     "\n"
     "Example:\n"
     "    services:\n"
     "      my chat: {...}\n"
     "\n"
     "Fix: `my-chat: {...}`."},
    {"E0208", DIAG_ERROR, "unknown GPU model",
     "A host's GPU names a model id that is not in infrac's GPU catalog, so its\n"
     "usable memory is unknown. The help suggests the closest catalog id; when\n"
     "that id is not certainly the card typed (other model numbers, a laptop\n"
     "card typed and a desktop one proposed, another memory size), it says so\n"
     "and gives the proposed card's usable memory, which may be more than yours.\n"
     "\n"
     "Example:\n"
     "    gpus: [{model: rtx-4090-24gb}]\n"
     "\n"
     "Fix: use a catalog id (`model: rtx-4090`), or describe the card yourself\n"
     "with the memory CUDA reports as usable: `- {name: my-card, vram: 23.5GiB}`."},
    {"E0209", DIAG_ERROR, "inconsistent values",
     "Values that are each valid do not fit together: ubatch larger than batch,\n"
     "more parallel slots than context tokens, a tensor_split without gpus or\n"
     "whose weights are all 0. (A tensor_split of the wrong length is E0704, a GPU\n"
     "index listed twice E0706.)\n"
     "\n"
     "Example:\n"
     "    batch: 256\n"
     "    ubatch: 512\n"
     "\n"
     "Fix: `ubatch: 256` (or a larger batch): the physical batch is a slice of the logical one."},
    {"W0210", DIAG_WARNING, "option has no effect on this engine",
     "The service sets an option that its engine does not have, so the option\n"
     "is ignored: gpu_memory_utilization is vLLM's, load_mode and cpu_moe_layers\n"
     "are llama.cpp's, and so on (docs/fleet.md marks each option's engines).\n"
     "This is a warning, not an error, because switching a service's engine\n"
     "should not force you to delete its other settings; options inherited\n"
     "from `defaults:` are not reported.\n"
     "\n"
     "Example:\n"
     "    chat: {engine: llama.cpp, gpu_memory_utilization: 0.8, ...}\n"
     "\n"
     "Fix: remove the option, or move it to the services that use vLLM."},
    {"W0211", DIAG_WARNING, "extra_args bypass the checks",
     "extra_args are passed verbatim to the engine. infrac cannot see what they\n"
     "do, so the memory estimate, the port check and the exposure check may no\n"
     "longer describe what runs. Flags infrac sets itself are refused (E0212);\n"
     "this warning is for the others.\n"
     "\n"
     "Example:\n"
     "    extra_args: [--mlock]\n"
     "\n"
     "Fix: use a fleet option (`context: 131072`) when there is one; keep\n"
     "extra_args for flags infrac does not model."},
    {"E0212", DIAG_ERROR, "extra_args set a flag infrac sets from a fleet key",
     "infrac writes the engine's listen address, port, context, GPU layers,\n"
     "slots, cache types, API key, tensor split, MoE offload, flash attention\n"
     "and the other flags of its fleet options itself. The same flag again in\n"
     "extra_args would win at run time, so what runs would not be what was\n"
     "checked: `--host 0.0.0.0` would expose a service the exposure check\n"
     "saw on 127.0.0.1. Such flags are refused, in every spelling the engine\n"
     "accepts (`-c`, `--ctx-size`, `--ctx-size=4096`; vLLM also\n"
     "`--max_model_len`), with the key that sets them.\n"
     "\n"
     "Example:\n"
     "    extra_args: [--host, 0.0.0.0]\n"
     "\n"
     "Fix: `bind: 0.0.0.0` (with `api_key_file:`), and the other keys as the\n"
     "message names them."},
    {NULL, DIAG_ERROR, NULL, NULL} /* end */
};
