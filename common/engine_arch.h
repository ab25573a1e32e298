/* What infrac-engine runs: its architectures, and the GGUF metadata that
 * changes the maths which it does not implement. One list, used by the
 * engine's loader (a load error) and by the compiler (a diagnostic for a
 * service with `engine: infrac`). */
#ifndef INFRAC_ENGINE_ARCH_H
#define INFRAC_ENGINE_ARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "gguf.h"

/* The architectures, in the order of the engine's ie_arch enum. */
#define ENGINE_ARCH_COUNT 6
extern const char *const engine_arch_names[ENGINE_ARCH_COUNT];
/* "llama, qwen2, qwen3, qwen3moe, gemma3, gemma4" */
extern const char engine_arch_list[];

/* The index in engine_arch_names of the len bytes at name, or -1. */
int engine_arch_index(const char *name, size_t len);

/* Whether infrac-engine runs the architecture (len bytes at name): false
 * with "architecture 'X' is not supported by infrac-engine (supported: ...)". */
bool engine_arch_supported(const char *name, size_t len, char *why, size_t n);

/* Whether infrac-engine can run the file as its metadata describes it:
 * false with a message naming the key and its value (an unsupported
 * architecture, a RoPE scaling type other than none / linear, a per-layer
 * array where the engine takes one value, ...). Tensors are checked by the
 * engine's loader. */
bool engine_gguf_metadata_supported(const gguf_file *f, char *why, size_t n);

#endif
