/* The schema's defaults, read from where the resolver takes them
 * (service_config_defaults and estimate/engine_defaults.h), so the JSON
 * Schema and docs/fleet.md cannot drift from what infrac applies. One
 * fs_default_fn (fleet_schema.h) per key that has such a default. */
#ifndef INFRAC_FLEET_SCHEMA_DEFAULTS_H
#define INFRAC_FLEET_SCHEMA_DEFAULTS_H

#include <stdbool.h>
#include <stddef.h>

bool fsd_engine(unsigned engine, char *buf, size_t n);
bool fsd_bind(unsigned engine, char *buf, size_t n);
bool fsd_context(unsigned engine, char *buf, size_t n);
bool fsd_parallel(unsigned engine, char *buf, size_t n);
bool fsd_cache(unsigned engine, char *buf, size_t n);
bool fsd_flash_attention(unsigned engine, char *buf, size_t n);
bool fsd_batch(unsigned engine, char *buf, size_t n);
bool fsd_max_num_batched_tokens(unsigned engine, char *buf, size_t n);
bool fsd_max_num_seqs(unsigned engine, char *buf, size_t n);
bool fsd_ubatch(unsigned engine, char *buf, size_t n);
bool fsd_autostart(unsigned engine, char *buf, size_t n);
bool fsd_gpu_layers(unsigned engine, char *buf, size_t n);
bool fsd_cpu_moe_layers(unsigned engine, char *buf, size_t n);
bool fsd_swa_full(unsigned engine, char *buf, size_t n);
bool fsd_kv_unified(unsigned engine, char *buf, size_t n);
bool fsd_embeddings(unsigned engine, char *buf, size_t n);
bool fsd_gpu_memory_utilization(unsigned engine, char *buf, size_t n);
bool fsd_metrics(unsigned engine, char *buf, size_t n);
bool fsd_restart(unsigned engine, char *buf, size_t n);
bool fsd_restart_sec(unsigned engine, char *buf, size_t n);
bool fsd_cache_ram(unsigned engine, char *buf, size_t n);
bool fsd_draft_cache(unsigned engine, char *buf, size_t n);
bool fsd_vram_margin(unsigned engine, char *buf, size_t n);
bool fsd_ram_margin(unsigned engine, char *buf, size_t n);

#endif
