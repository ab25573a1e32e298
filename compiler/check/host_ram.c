/* Host RAM: weights left on the CPU, host buffers (llama-server's prompt
 * cache) and CPU-only services must fit the host's declared memory minus
 * the margin. Exclusive groups count once, at their largest, as for VRAM.
 * On unified memory (an Apple chip) what the GPU holds comes out of the
 * same RAM: its peak (check_vram, run before) is added. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/passes.h"

void check_host_ram(check_ctx *c) {
    fleet *f = c->f;
    uint64_t margin = fleet_ram_margin(f);
    mem_share *sh = malloc(sizeof *sh * (f->n_services ? f->n_services : 1));
    for (uint32_t h = 0; h < f->n_hosts; h++) {
        const fleet_host *host = &f->hosts[h];
        uint32_t n = 0;
        for (uint32_t k = c->host_start[h]; k < c->host_start[h + 1]; k++) {
            uint32_t si = c->by_host[k];
            if (!c->r->svc[si].estimated) continue;
            sh[n++] = (mem_share){si, -1, c->r->svc[si].est->host.total, true};
        }
        uint64_t total = count_exclusive_peak(f, sh, n);
        const fleet_gpu *unified = fleet_host_unified_gpu(host);
        uint64_t gpu_part = unified ? c->r->gpu_peak[c->r->gpu_base[h] + unified->index] : 0;
        total = sat_add(total, gpu_part);
        c->r->ram_peak[h] = total;
        uint64_t ram = fleet_host_ram_bytes(host);
        if (ram == 0 || n == 0) continue;
        if (sat_add(total, margin) <= ram) continue;
        uint64_t limit = ram > margin ? ram - margin : 0;
        char tb[32], lb[32], mb[32], rb[32];
        diagnostic *d = diag_error(c->d, "E0402", span_or(host->memory.at, host->name.at),
                                   "host `%s` runs out of RAM: %s needed, %s available", host->name.v,
                                   fmt_bytes(total, tb, sizeof tb), fmt_bytes(limit, lb, sizeof lb));
        for (uint32_t i = 0; i < n; i++) {
            const fleet_service *s = &f->services[sh[i].svc];
            const memory_breakdown *m = &c->r->svc[sh[i].svc].est->host;
            char w[32], k[32], cb[32], o[32], x[32], t[32];
            diag_note(d, span_or(s->name.at, s->at),
                      "`%s` takes %s of host RAM%s: weights %s, KV cache %s, compute %s, runtime %s, prompt cache %s",
                      s->name.v, fmt_bytes(m->total, t, sizeof t),
                      sh[i].counted ? "" : " (not counted: a larger member of its exclusive group is)",
                      fmt_bytes(m->weights, w, sizeof w), fmt_bytes(m->kv_cache, k, sizeof k),
                      fmt_bytes(m->compute, cb, sizeof cb), fmt_bytes(m->overhead, o, sizeof o),
                      fmt_bytes(m->other, x, sizeof x));
        }
        if (unified) {
            char gb[32];
            diag_note(d, span_or(unified->at, host->name.at), "GPU %u shares the RAM (unified memory): %s of it at peak",
                      unified->index, fmt_bytes(gpu_part, gb, sizeof gb));
        }
        diag_note(d, span_or(host->memory.at, host->name.at), "memory %s minus the %s margin",
                  fmt_bytes(ram, rb, sizeof rb), fmt_bytes(margin, mb, sizeof mb));
        diag_help(d, "lower `cache_ram` (llama-server's prompt cache, 8192 MiB by default), offload more layers to a GPU, "
                     "or give services that need not run together one `exclusive:` group");
    }
    free(sh);
}
