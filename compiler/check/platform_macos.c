/* What a `platform: macos` host (an Apple Silicon Mac, launchd) can run.
 * Its services are launchd jobs (targets/launchd_plist.c) running
 * llama-server with Metal on the chip's unified memory, so:
 *   E0806  a key launchd or macOS cannot honour, refused by name rather than
 *          dropped: systemd unit dependencies and IP filters, CPU pinning,
 *          NUMA, exclusive groups (launchd has no Conflicts=), llama-swap
 *          (its unit is systemd's), vLLM (no Metal backend) and infrac-engine;
 *   E0807  a GPU the platform cannot drive: an NVIDIA, AMD or Intel card on a Mac,
 *          an Apple GPU on a linux or kubernetes host, two Apple GPUs;
 *   E0808  unified memory settings that do not fit the machine: a
 *          gpu_wired_limit above the RAM or leaving macOS less than
 *          MACOS_MIN_SYSTEM_BYTES, where no Apple GPU is, and a `memory:`
 *          that is not the chip's RAM. */
#include <string.h>

#include "check/passes.h"

/* The least RAM a gpu_wired_limit must leave to macOS: 4 GiB. Jan's fit
 * check, calibrated on Macs from 8 to 64 GB, counts 2.5 GB for the kernel,
 * WindowServer and the Metal runtime alone (github.com/janhq/jan pull 7842),
 * and a headless M2 Max idles at about 4 GB (github.com/jundot/omlx issue
 * 1533). What the engines keep on the CPU side comes on top and is checked
 * with the RAM (E0402). */
#define MACOS_MIN_SYSTEM_BYTES (4ull * GIB)

static void refuse(check_ctx *c, const fleet_service *s, const char *key, src_span at, const char *why, const char *fix)
{
    diagnostic *d = diag_error(c->d, "E0806", span_or(at, s->at),
                               "service `%s` sets `%s`, which a macOS host (launchd) cannot honour: %s", s->name.v, key,
                               why);
    diag_note(d, span_or(s->host_ref->platform.at, s->host_ref->name.at), "host `%s` is a Mac (`platform: macos`)",
              s->host_ref->name.v);
    diag_help(d, "%s", fix);
}

/* Another service of the same host in s's exclusive group; NULL if none. */
static const fleet_service *group_peer(const check_ctx *c, const fleet_service *s)
{
    const fleet *f = c->f;
    uint32_t h = host_index(f, s->host_ref);
    for (uint32_t k = c->host_start[h]; k < c->host_start[h + 1]; k++) {
        const fleet_service *o = &f->services[c->by_host[k]];
        if (o != s && o->exclusive.set && o->exclusive.v && !strcmp(o->exclusive.v, s->exclusive.v)) return o;
    }
    return NULL;
}

static void check_service(check_ctx *c, uint32_t i)
{
    const fleet_service *s = &c->f->services[i];
    const fleet_service_opts *o = &s->opts;
    engine_kind engine = c->r->svc[i].cfg.mem.engine;
    if (engine == ENGINE_VLLM)
        refuse(c, s, "engine: vllm", o->engine.at, "vLLM has no Metal backend, and infrac's vLLM target is CUDA's",
               "use `engine: llama.cpp` (llama-server built with Metal, the default on macOS)");
    if (engine == ENGINE_INFRAC)
        refuse(c, s, "engine: infrac", o->engine.at, "infrac-engine is built and tested on Linux only",
               "use `engine: llama.cpp` (llama-server built with Metal)");
    const char *units = "systemd units order nothing under launchd";
    const char *no_units = "remove it: launchd starts the jobs without an order; or run the service on a linux host";
    if (o->after.set) refuse(c, s, "after", o->after.at, units, no_units);
    if (o->requires.set) refuse(c, s, "requires", o->requires.at, units, no_units);
    if (o->wants.set) refuse(c, s, "wants", o->wants.at, units, no_units);
    if (o->cpu_affinity.set)
        refuse(c, s, "cpu_affinity", o->cpu_affinity.at,
               "launchd has no CPUAffinity=, and macOS pins no thread to a core (llama.cpp's --cpu-mask sets "
               "affinity on Linux only)",
               "remove it, and size `threads` to the performance cores instead");
    if (o->numa.set)
        refuse(c, s, "numa", o->numa.at, "an Apple chip has one memory node", "remove it");
    if (s->n_allow_clients)
        refuse(c, s, "allow_clients", s->allow_clients_at,
               "it is systemd's IP filter (IPAddressDeny=, IPAddressAllow=), which launchd has no form of",
               "remove it and filter with the macOS firewall (pf), or bind to loopback");
    if (s->exclusive.set && s->exclusive.v) {
        if (group_peer(c, s))
            refuse(c, s, "exclusive", s->exclusive.at,
                   "launchd has no Conflicts=, so nothing would keep the group's services from running together, "
                   "while the memory checks count the group once",
                   "remove the group (every service is then counted), or run the services on a linux host");
    }
}

static void check_gpus(check_ctx *c, const fleet_host *h, bool macos)
{
    const fleet_gpu *apple = NULL;
    for (uint32_t g = 0; g < h->n_gpus; g++) {
        const fleet_gpu *gpu = &h->gpus[g];
        bool is_apple = fleet_gpu_is_apple(gpu);
        if (macos && !is_apple) {
            diagnostic *d = diag_error(c->d, "E0807", span_or(gpu->at, h->gpus_at),
                                       "GPU %u of host `%s` (%s) is an %s card, which a Mac cannot drive", g,
                                       h->name.v, gpu_display_model(gpu), gpu_vendor_title(fleet_gpu_vendor(gpu)));
            diag_note(d, span_or(h->platform.at, h->name.at), "host `%s` is a Mac (`platform: macos`)", h->name.v);
            diag_help(d, "name the Mac's chip and its RAM (e.g. `m4-max-128gb`), or set the host's platform to linux");
        } else if (!macos && is_apple) {
            diagnostic *d = diag_error(c->d, "E0807", span_or(gpu->at, h->gpus_at),
                                       "GPU %u of host `%s` (%s) is an Apple GPU, which only macOS drives (Metal)", g,
                                       h->name.v, gpu_display_model(gpu));
            diag_help(d, "set `platform: macos` on host `%s`", h->name.v);
        } else if (is_apple && apple) {
            diagnostic *d = diag_error(c->d, "E0807", span_or(gpu->at, h->gpus_at),
                                       "host `%s` lists a second Apple GPU (%u): a Mac has one chip", h->name.v, g);
            diag_note(d, span_or(apple->at, h->gpus_at), "its GPU is GPU %u", apple->index);
            diag_help(d, "list the chip once");
        }
        if (is_apple && !apple) apple = gpu;
    }
}

static void check_unified_memory(check_ctx *c, const fleet_host *h, bool macos)
{
    const fleet_gpu *u = fleet_host_unified_gpu(h);
    char a[32], b[32], m[32];
    if (macos && u && u->spec && h->memory.set && h->memory.v != u->spec->unified_bytes) {
        diagnostic *d = diag_error(c->d, "E0808", h->memory.at,
                                   "host `%s` declares %s of memory, but its chip (%s) has %s of unified memory",
                                   h->name.v, fmt_bytes(h->memory.v, a, sizeof a), u->spec->id,
                                   fmt_bytes(u->spec->unified_bytes, b, sizeof b));
        diag_note(d, u->at, "the chip is named here");
        diag_help(d, "remove `memory:` (the chip's RAM is the host's), or name the chip with the RAM the Mac has");
    }
    if (!h->gpu_wired_limit.set) return;
    if (!macos || !u) {
        diagnostic *d = diag_error(c->d, "E0808", h->gpu_wired_limit.at,
                                   "host `%s` sets `gpu_wired_limit`, which only a Mac with an Apple GPU has", h->name.v);
        diag_help(d, macos ? "name the Mac's chip in `gpus:` (e.g. `m4-max-128gb`), or remove `gpu_wired_limit`"
                           : "remove `gpu_wired_limit`, or set `platform: macos` and name the Mac's chip");
        return;
    }
    uint64_t ram = fleet_host_ram_bytes(h), limit = h->gpu_wired_limit.v;
    if (ram == 0) return; /* a custom Apple GPU on a host that declares no memory: nothing to hold it to */
    uint64_t most = ram > MACOS_MIN_SYSTEM_BYTES ? ram - MACOS_MIN_SYSTEM_BYTES : 0;
    char least[32], top[32];
    fmt_bytes(MACOS_MIN_SYSTEM_BYTES, least, sizeof least);
    fmt_bytes(most, top, sizeof top);
    if (limit > ram) {
        diagnostic *d = diag_error(c->d, "E0808", h->gpu_wired_limit.at,
                                   "gpu_wired_limit of host `%s` (%s) is more than its RAM (%s)", h->name.v,
                                   fmt_bytes(limit, a, sizeof a), fmt_bytes(ram, b, sizeof b));
        diag_note(d, h->memory.set ? h->memory.at : u->at, "the RAM is %s", h->memory.set ? "declared here" : "the chip's");
        diag_help(d, "at most %s, the RAM less %s for macOS (`sudo sysctl iogpu.wired_limit_mb=%llu`)", top, least,
                  (unsigned long long)(most / MIB));
    } else if (ram - limit < MACOS_MIN_SYSTEM_BYTES) {
        diagnostic *d = diag_error(c->d, "E0808", h->gpu_wired_limit.at,
                                   "gpu_wired_limit of host `%s` (%s) leaves macOS %s of its %s of RAM, less than %s",
                                   h->name.v, fmt_bytes(limit, a, sizeof a), fmt_bytes(ram - limit, b, sizeof b),
                                   fmt_bytes(ram, m, sizeof m), least);
        diag_note(d, span_or(h->memory.at, u->at),
                  "the kernel, WindowServer and the Metal runtime take about that before any engine runs");
        diag_help(d, "at most %s (`sudo sysctl iogpu.wired_limit_mb=%llu`)", top, (unsigned long long)(most / MIB));
    }
}

void check_platform_macos(check_ctx *c)
{
    const fleet *f = c->f;
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        const fleet_host *host = &f->hosts[h];
        bool macos = fleet_host_is(host, "macos");
        check_gpus(c, host, macos);
        check_unified_memory(c, host, macos);
        if (macos && host->llama_swap.set) {
            diagnostic *d = diag_error(c->d, "E0806", host->llama_swap.at,
                                       "host `%s` is a Mac: infrac writes llama-swap as a systemd unit, which launchd "
                                       "cannot run", host->name.v);
            diag_help(d, "remove `llama_swap:`, or run llama-swap on a linux host");
        }
    }
    for (uint32_t i = 0; i < f->n_services; i++)
        if (fleet_host_is(f->services[i].host_ref, "macos")) check_service(c, i);
}
