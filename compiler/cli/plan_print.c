/* Rendering of the plan for people (tables) and for tools (JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plan_print.h"
#include "ggml_types.h"
#include "targets.h"

static const char *gib(uint64_t b, char *buf, size_t n) {
    snprintf(buf, n, "%.2f", (double)b / (double)GIB);
    return buf;
}

static int gpu_slot(const plan_service *s, uint32_t index) {
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        if (s->cfg.gpus[i] == index) return (int)i;
    return -1;
}

static void row(FILE *out, const char *name, const char *engine, const memory_breakdown *m) {
    char w[32], k[32], c[32], o[32], x[32], t[32];
    fprintf(out, "    %-24s %-10s %8s %8s %8s %8s %8s %8s\n", name, engine, gib(m->weights, w, sizeof w),
            gib(m->kv_cache, k, sizeof k), gib(m->compute, c, sizeof c), gib(m->overhead, o, sizeof o),
            gib(m->other, x, sizeof x), gib(m->total, t, sizeof t));
}

static void header(FILE *out) {
    fprintf(out, "    %-24s %-10s %8s %8s %8s %8s %8s %8s\n", "service", "engine", "weights", "kv", "compute",
            "overhead", "other", "total");
}

static int cmp_port(const void *a, const void *b) {
    const plan_service *x = *(const plan_service *const *)a, *y = *(const plan_service *const *)b;
    if (x->cfg.port != y->cfg.port) return x->cfg.port < y->cfg.port ? -1 : 1;
    return strcmp(x->name, y->name);
}

void plan_print_text(const plan *p, FILE *out) {
    char a[32], b[32], c[32];
    fprintf(out, "fleet %s (%s, sha256 %.12s)\n", p->fleet, p->source_path, p->source_sha256);
    fprintf(out, "memory in GiB; `other` is llama-server's host prompt cache or the rest of vLLM's claim\n");
    for (uint32_t h = 0; h < p->n_hosts; h++) {
        const plan_host *host = &p->hosts[h];
        fprintf(out, "\nhost %s", host->name);
        if (host->address) fprintf(out, " (%s)", host->address);
        fprintf(out, ": %u service%s\n", host->n_services, host->n_services == 1 ? "" : "s");
        for (uint32_t g = 0; g < host->n_gpus; g++) {
            const plan_gpu *gpu = &host->gpus[g];
            uint64_t limit = gpu->usable_bytes > gpu->margin_bytes ? gpu->usable_bytes - gpu->margin_bytes : 0;
            int64_t headroom = (int64_t)limit - (int64_t)gpu->peak_bytes;
            fprintf(out, "  GPU %u %s: peak %s of %s usable (margin %s), headroom %.2f\n", gpu->index,
                    gpu->model ? gpu->model : "custom", gib(gpu->peak_bytes, a, sizeof a),
                    gib(gpu->usable_bytes, b, sizeof b), gib(gpu->margin_bytes, c, sizeof c),
                    (double)headroom / (double)GIB);
            bool any = false;
            for (uint32_t s = 0; s < host->n_services; s++) {
                const plan_service *sv = host->services[s];
                int slot = gpu_slot(sv, gpu->index);
                if (slot < 0 || (uint32_t)slot >= sv->memory.n_gpus) continue;
                if (!any) header(out);
                any = true;
                char label[64];
                snprintf(label, sizeof label, "%s%s", sv->name, sv->cfg.exclusive ? "*" : "");
                row(out, label, engine_kind_name(sv->cfg.mem.engine), &sv->memory.gpu[slot]);
            }
            if (!any) fprintf(out, "    (no services)\n");
        }
        fprintf(out, "  host RAM: peak %s", gib(host->ram_peak_bytes, a, sizeof a));
        if (host->memory_bytes) {
            int64_t headroom = (int64_t)host->memory_bytes - (int64_t)host->ram_peak_bytes;
            fprintf(out, " of %s, headroom %.2f (before the margin)", gib(host->memory_bytes, b, sizeof b),
                    (double)headroom / (double)GIB);
        } else {
            fprintf(out, " (memory not declared)");
        }
        for (uint32_t g = 0; g < host->n_gpus; g++) /* unified memory: the GPU's share is in the RAM's peak */
            if (host->gpus[g].vendor && !strcmp(host->gpus[g].vendor, "apple"))
                fprintf(out, ", GPU %u's %s included (unified memory)", (unsigned)g,
                        gib(host->gpus[g].peak_bytes, b, sizeof b));
        fprintf(out, "\n");
        if (host->n_services) header(out);
        for (uint32_t s = 0; s < host->n_services; s++) {
            const plan_service *sv = host->services[s];
            char label[64];
            snprintf(label, sizeof label, "%s%s", sv->name, sv->cfg.exclusive ? "*" : "");
            row(out, label, engine_kind_name(sv->cfg.mem.engine), &sv->memory.host);
        }
        fprintf(out, "  ports:\n");
        /* In port order (host->services is sorted by name, so ties stay by name). */
        const plan_service **by_port = malloc(sizeof *by_port * (host->n_services ? host->n_services : 1));
        if (by_port) {
            memcpy(by_port, host->services, sizeof *by_port * host->n_services);
            qsort(by_port, host->n_services, sizeof *by_port, cmp_port);
            for (uint32_t s = 0; s < host->n_services; s++)
                fprintf(out, "    %-5u %-24s %s%s\n", by_port[s]->cfg.port, by_port[s]->name, by_port[s]->cfg.bind,
                        by_port[s]->cfg.api_key_file ? " (api key)" : "");
            free(by_port);
        }
        for (uint32_t r = 0; r < host->n_reserved_ports; r++)
            fprintf(out, "    %-5u (reserved)\n", host->reserved_ports[r]);
    }
    bool any_excl = false;
    for (uint32_t s = 0; s < p->n_services; s++) any_excl |= p->services[s].cfg.exclusive != NULL;
    if (any_excl) fprintf(out, "\n* in an exclusive group: counted once per group, at its largest\n");
}

/* The same document `infrac build` writes as OUT/plan.json: one
 * serialization of the plan. */
int plan_print_json(const plan *p, FILE *out) {
    char *text = target_plan_json(p);
    if (!text) return -1;
    int rc = fputs(text, out) < 0 ? -1 : 0;
    free(text);
    return rc;
}
