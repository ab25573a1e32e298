/* The schema's defaults from the resolver's own (fleet_schema_defaults.h). */
#include "fleet/fleet_schema_defaults.h"

#include <inttypes.h>
#include <stdio.h>

#include "estimate/engine_defaults.h"
#include "fleet_schema.h"
#include "service_config.h"

static service_config defaults_of(unsigned engine)
{
    service_config c;
    service_config_defaults(&c, engine < ENGINE_COUNT ? (engine_kind)engine : ENGINE_LLAMACPP);
    return c;
}

static const char *yes_no(bool b) { return b ? "true" : "false"; }

/* A size as a fleet file spells it: whole GiB or MiB where it divides. */
static void size_text(uint64_t bytes, char *buf, size_t n)
{
    if (bytes && bytes % GIB == 0) snprintf(buf, n, "%" PRIu64 " GiB", (uint64_t)(bytes / GIB));
    else if (bytes && bytes % MIB == 0) snprintf(buf, n, "%" PRIu64 " MiB", (uint64_t)(bytes / MIB));
    else snprintf(buf, n, "%" PRIu64, bytes);
}

/* One function a key: the default of a service that sets nothing. */
#define SERVICE_DEFAULT(name, fmt, expr)                       \
    bool fsd_##name(unsigned engine, char *buf, size_t n)      \
    {                                                          \
        service_config c = defaults_of(engine);                \
        snprintf(buf, n, fmt, expr);                           \
        return true;                                           \
    }

/* an unset engine is engine_kind 0 (check/resolve.c) */
bool fsd_engine(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    snprintf(buf, n, "%s", fs_engine_values[ENGINE_LLAMACPP]);
    return true;
}

bool fsd_context(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    snprintf(buf, n, "the model's trained context, at most %u", service_default_context(0));
    return false;
}

/* vLLM's --max-num-seqs follows `parallel` */
bool fsd_max_num_seqs(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    snprintf(buf, n, "`parallel` (vllm: %u)", defaults_of(ENGINE_VLLM).mem.parallel);
    return false;
}

bool fsd_gpu_layers(unsigned engine, char *buf, size_t n)
{
    service_config c = defaults_of(engine);
    if (c.mem.gpu_layers < 0) snprintf(buf, n, "all");
    else snprintf(buf, n, "%d", c.mem.gpu_layers);
    return true;
}

bool fsd_cache_ram(unsigned engine, char *buf, size_t n)
{
    size_text(defaults_of(engine).mem.cache_ram_bytes, buf, n);
    return true;
}

/* resolve.c: on when the model is an encoder (its header says so); a
 * description, so no JSON default */
bool fsd_embeddings(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    snprintf(buf, n, "true for an encoder, else false");
    return false;
}

bool fsd_vram_margin(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    size_text(FLEET_DEFAULT_VRAM_MARGIN, buf, n);
    return true;
}

bool fsd_ram_margin(unsigned engine, char *buf, size_t n)
{
    (void)engine;
    size_text(FLEET_DEFAULT_RAM_MARGIN, buf, n);
    return true;
}

SERVICE_DEFAULT(bind, "%s", c.bind)
SERVICE_DEFAULT(parallel, "%u", c.mem.parallel)
SERVICE_DEFAULT(cache, "%s", cache_type_name(c.mem.cache_k))
SERVICE_DEFAULT(flash_attention, "%s", yes_no(c.mem.flash_attn))
SERVICE_DEFAULT(batch, "%u", c.mem.batch)
SERVICE_DEFAULT(max_num_batched_tokens, "%u", c.mem.batch)
SERVICE_DEFAULT(ubatch, "%u", c.mem.ubatch)
SERVICE_DEFAULT(autostart, "%s", yes_no(c.autostart))
SERVICE_DEFAULT(cpu_moe_layers, "%u", c.mem.cpu_moe_layers)
SERVICE_DEFAULT(swa_full, "%s", yes_no(c.mem.swa_full))
SERVICE_DEFAULT(kv_unified, "%s", yes_no(c.mem.kv_unified))
SERVICE_DEFAULT(gpu_memory_utilization, "%g", c.mem.gpu_memory_utilization)
SERVICE_DEFAULT(metrics, "%s", yes_no(c.metrics))
SERVICE_DEFAULT(restart, "%s", c.restart)
SERVICE_DEFAULT(restart_sec, "%u", c.restart_sec)
SERVICE_DEFAULT(draft_cache, "%s", cache_type_name(c.draft_cache))
