/* The plan: the checked fleet, resolved (defaults applied, references
 * followed, memory estimated), sorted by name so that every target writes
 * the same bytes for the same fleet. Everything lives in one arena. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan_build.h"
#include "util/arena.h"
#include "util/sha256.h"

/* A copy of s in the plan's arena; NULL stays NULL. */
static const char *arena_str(arena *a, const char *s) { return s ? arena_strdup(a, s) : NULL; }

void plan_free(plan *p) {
    arena_free(p->arena);
    memset(p, 0, sizeof *p);
}

/* The expected size of the model on the hosts: declared, else the size of
 * the local copy when it is a whole file (a header-only copy says nothing),
 * as the model pass read it. */
static uint64_t model_bytes(const fleet_model *m) {
    if (m->file_size.set) return m->file_size.v;
    if (!m->gguf.set || !m->gguf.v || !m->loaded) return 0;
    return m->shape_resolved.file_bytes;
}

/* Removes "." and "name/.." segments and repeated slashes of an absolute
 * path, in place and lexically (the file need not exist yet). */
static void normalize_abs_path(char *p) {
    char *out = p;          /* write position; p[0] is '/' */
    const char *in = p;
    while (*in) {
        while (*in == '/') in++;
        const char *seg = in;
        while (*in && *in != '/') in++;
        size_t n = (size_t)(in - seg);
        if (n == 0 || (n == 1 && seg[0] == '.')) continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > p && *--out != '/') {}
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == p) *out++ = '/';
    *out = '\0';
}

/* An absolute path, normalized: the sandbox choices (ProtectHome=,
 * PrivateTmp=) look at where a path really points, /tmp/../home/u/m.gguf
 * being under /home. */
static const char *host_abs_path(arena *a, const char *path) {
    if (!path) return NULL;
    char *copy = (char *)arena_str(a, path); /* our own copy */
    if (copy && copy[0] == '/') normalize_abs_path(copy);
    return copy;
}

/* A model path relative to the fleet file's directory (a local run, like
 * the demo's) becomes absolute, so the engine finds it from any directory. */
static const char *host_model_path(arena *a, const char *path, const char *fleet_dir) {
    if (!path) return NULL;
    if (path[0] == '/') return host_abs_path(a, path);
    char cwd[4096], buf[8192];
    const char *dir = fleet_dir && fleet_dir[0] ? fleet_dir : ".";
    if (dir[0] == '/')
        snprintf(buf, sizeof buf, "%s/%s", dir, path);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(buf, sizeof buf, "%s/%s%s%s", cwd, strcmp(dir, ".") ? dir : "", strcmp(dir, ".") ? "/" : "", path);
    else
        snprintf(buf, sizeof buf, "%s/%s", dir, path);
    if (buf[0] == '/') normalize_abs_path(buf);
    return arena_str(a, buf);
}

static int cmp_host_name(const void *a, const void *b) {
    return strcmp((*(const fleet_host *const *)a)->name.v, (*(const fleet_host *const *)b)->name.v);
}
static int cmp_service_name(const void *a, const void *b) {
    return strcmp((*(const fleet_service *const *)a)->name.v, (*(const fleet_service *const *)b)->name.v);
}

static const char *opt_str(const fl_str *s) { return (s->set && s->v) ? s->v : NULL; }

/* The plan outlives the fleet: its service_config takes its own copies of
 * the strings (the api key path made absolute, see host_abs_path). */
static void own_config(arena *a, const service_config *from, service_config *to) {
    *to = *from;
    to->bind = arena_str(a, from->bind);
    to->api_key_file = host_abs_path(a, from->api_key_file);
    to->exclusive = arena_str(a, from->exclusive);
    to->alias = arena_str(a, from->alias);
    to->load_mode = arena_str(a, from->load_mode);
    to->restart = arena_str(a, from->restart);
    to->user = arena_str(a, from->user);
    to->chat_template = arena_str(a, from->chat_template);
    to->draft = arena_str(a, from->draft);
    to->spec_type = arena_str(a, from->spec_type);
    to->mem.draft = NULL; /* the fleet's model shape: the plan keeps the draft by name and path */
    const char **args = arena_alloc(a, sizeof *args * (from->n_extra_args ? from->n_extra_args : 1));
    for (uint32_t i = 0; i < from->n_extra_args; i++) args[i] = arena_str(a, from->extra_args[i]);
    to->extra_args = args;
    to->engine_build = arena_str(a, from->engine_build);
    to->engine_version = arena_str(a, from->engine_version);
    to->binary = arena_str(a, from->binary);
    to->cache_k_name = arena_str(a, from->cache_k_name);
    to->cache_v_name = arena_str(a, from->cache_v_name);
    service_env *env = arena_alloc(a, sizeof *env * (from->n_env ? from->n_env : 1));
    for (uint32_t i = 0; i < from->n_env; i++) env[i] = (service_env){arena_str(a, from->env[i].name), arena_str(a, from->env[i].value)};
    to->env = env;
    to->cpu_affinity = arena_str(a, from->cpu_affinity);
    to->cpu_mask = arena_str(a, from->cpu_mask);
    to->numa = arena_str(a, from->numa);
    const char *const *lists[] = {from->after, from->requires, from->wants,
                                  from->allow_hosts, from->allow_clients, from->cors_origins};
    const uint32_t counts[] = {from->n_after, from->n_requires, from->n_wants,
                               from->n_allow_hosts, from->n_allow_clients, from->n_cors_origins};
    const char *const **dst[] = {&to->after, &to->requires, &to->wants,
                                 &to->allow_hosts, &to->allow_clients, &to->cors_origins};
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
        const char **v = arena_alloc(a, sizeof *v * (counts[l] ? counts[l] : 1));
        for (uint32_t i = 0; i < counts[l]; i++) v[i] = arena_str(a, lists[l][i]);
        *dst[l] = v;
    }
}

int plan_build(const fleet *f, const check_result *r, const char *fleet_dir, plan *out) {
    memset(out, 0, sizeof *out);
    arena *a = arena_new(); /* util/arena.h: allocation failure aborts */
    out->arena = a;
    out->fleet = arena_str(a, f->name.v ? f->name.v : "");
    out->source_path = arena_str(a, f->src && f->src->path ? f->src->path : "");
    if (f->src) sha256_hex(f->src->text, f->src->len, out->source_sha256);

    /* Hosts by name; remember where each fleet host went. */
    const fleet_host **hs = malloc(sizeof *hs * (f->n_hosts ? f->n_hosts : 1));
    const fleet_service **ss = malloc(sizeof *ss * (f->n_services ? f->n_services : 1));
    uint32_t *host_slot = malloc(sizeof *host_slot * (f->n_hosts ? f->n_hosts : 1));
    uint64_t *mbytes = calloc(f->n_models ? f->n_models : 1, sizeof *mbytes);
    if (!hs || !ss || !host_slot || !mbytes) goto oom;
    for (uint32_t i = 0; i < f->n_hosts; i++) hs[i] = &f->hosts[i];
    qsort(hs, f->n_hosts, sizeof *hs, cmp_host_name);
    for (uint32_t i = 0; i < f->n_models; i++) mbytes[i] = model_bytes(&f->models[i]);

    out->n_hosts = f->n_hosts;
    out->hosts = arena_alloc(a, sizeof *out->hosts * (f->n_hosts ? f->n_hosts : 1));
    for (uint32_t k = 0; k < f->n_hosts; k++) {
        const fleet_host *h = hs[k];
        uint32_t hi = (uint32_t)(h - f->hosts);
        host_slot[hi] = k;
        plan_host *ph = &out->hosts[k];
        ph->name = arena_str(a, h->name.v);
        ph->address = arena_str(a, opt_str(&h->address));
        ph->memory_bytes = fleet_host_ram_bytes(h);
        ph->cpus = (h->cpus.set && h->cpus.v > 0) ? (uint32_t)h->cpus.v : 0;
        ph->n_gpus = h->n_gpus;
        ph->gpus = arena_alloc(a, sizeof *ph->gpus * (h->n_gpus ? h->n_gpus : 1));
        uint64_t margin = fleet_vram_margin(f);
        for (uint32_t g = 0; g < h->n_gpus; g++) {
            const fleet_gpu *fg = &h->gpus[g];
            plan_gpu *pg = &ph->gpus[g];
            pg->index = g;
            pg->model = arena_str(a, opt_str(&fg->model) ? fg->model.v : opt_str(&fg->name));
            pg->vendor = arena_str(a, fleet_gpu_vendor(fg));
            pg->usable_bytes = fleet_gpu_usable_bytes(h, fg);
            pg->margin_bytes = margin;
            pg->peak_bytes = r->gpu_peak ? r->gpu_peak[r->gpu_base[hi] + g] : 0;
        }
        ph->ram_peak_bytes = r->ram_peak ? r->ram_peak[hi] : 0;
        ph->n_reserved_ports = h->n_reserved_ports;
        uint16_t *rp = arena_alloc(a, sizeof *rp * (h->n_reserved_ports ? h->n_reserved_ports : 1));
        for (uint32_t i = 0; i < h->n_reserved_ports; i++) rp[i] = (uint16_t)h->reserved_ports[i].v;
        ph->reserved_ports = rp;
        ph->kubernetes = fleet_host_is(h, "kubernetes");
        ph->k8s_namespace = ph->kubernetes && h->k8s_namespace.set ? h->k8s_namespace.v : NULL;
        ph->macos = fleet_host_is(h, "macos");
        ph->gpu_wired_limit_bytes = ph->macos && h->gpu_wired_limit.set ? h->gpu_wired_limit.v : 0;
        ph->llama_swap_port = h->llama_swap.set && h->llama_swap.port.set ? (uint16_t)h->llama_swap.port.v : 0;
        ph->llama_swap_ttl = h->llama_swap.ttl.set ? (uint32_t)h->llama_swap.ttl.v : 0;
    }

    /* Services by name. */
    for (uint32_t i = 0; i < f->n_services; i++) ss[i] = &f->services[i];
    qsort(ss, f->n_services, sizeof *ss, cmp_service_name);
    out->n_services = f->n_services;
    out->services = arena_alloc(a, sizeof *out->services * (f->n_services ? f->n_services : 1));
    for (uint32_t k = 0; k < f->n_services; k++) {
        const fleet_service *s = ss[k];
        uint32_t si = (uint32_t)(s - f->services);
        const service_eval *e = &r->svc[si];
        plan_service *p = &out->services[k];
        p->name = arena_str(a, s->name.v);
        p->host = s->host_ref ? &out->hosts[host_slot[s->host_ref - f->hosts]] : NULL;
        p->model = arena_str(a, s->model.v);
        if (s->model_ref) {
            p->model_path = host_model_path(a, opt_str(&s->model_ref->path), fleet_dir);
            p->model_file_bytes = mbytes[s->model_ref - f->models];
        }
        if (e->cfg.draft_counted) p->draft_path = host_model_path(a, opt_str(&s->draft_ref->path), fleet_dir);
        own_config(a, &e->cfg, &p->cfg);
        if (e->estimated) p->memory = *e->est;
    }

    /* Each host's services, by name (the global order restricted). */
    for (uint32_t k = 0; k < out->n_services; k++)
        if (out->services[k].host) ((plan_host *)out->services[k].host)->n_services++;
    for (uint32_t h = 0; h < out->n_hosts; h++) {
        plan_host *ph = &out->hosts[h];
        ph->services = arena_alloc(a, sizeof *ph->services * (ph->n_services ? ph->n_services : 1));
        ph->n_services = 0;
    }
    for (uint32_t k = 0; k < out->n_services; k++) {
        plan_host *ph = (plan_host *)out->services[k].host;
        if (ph) ph->services[ph->n_services++] = &out->services[k];
    }
    free(hs);
    free(ss);
    free(host_slot);
    free(mbytes);
    return 0;
oom:
    free(hs);
    free(ss);
    free(host_slot);
    free(mbytes);
    plan_free(out);
    return -1;
}
