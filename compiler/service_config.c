/* A service's defaults, applied in one place (service_config.h). */
#include <string.h>

#include "estimate/engine_defaults.h"
#include "service_config.h"

void service_config_defaults(service_config *cfg, engine_kind engine)
{
    const engine_defaults *d = engine_defaults_get(engine);
    memset(cfg, 0, sizeof *cfg);
    estimate_request_defaults(&cfg->mem, engine); /* zeroes padding too: the memo compares requests bytewise */
    cfg->bind = SERVICE_DEFAULT_BIND;
    cfg->autostart = true;
    cfg->metrics = true;
    cfg->restart = SERVICE_DEFAULT_RESTART;
    cfg->restart_sec = SERVICE_DEFAULT_RESTART_SEC;
    /* pinned for llama-server: the host RAM check counts this cache */
    cfg->cache_ram_set = engine == ENGINE_LLAMACPP;
    cfg->draft_slot = -1;
    cfg->gpu_api = GPU_API_NONE;
    cfg->draft_cache = d->draft_cache_type;
}

uint32_t service_default_context(uint32_t n_ctx_train)
{
    /* the trained context, capped: a 128K-context model would otherwise
     * claim gigabytes of KV nobody asked for */
    if (n_ctx_train == 0 || n_ctx_train > SERVICE_DEFAULT_CONTEXT_CAP)
        return SERVICE_DEFAULT_CONTEXT_CAP;
    return n_ctx_train;
}

const char *service_restart(const service_config *cfg)
{
    return cfg->restart ? cfg->restart : SERVICE_DEFAULT_RESTART;
}
