/* References: every service names a host and a model that exist, GPU
 * indexes that exist on its host, a tensor_split as long as its GPU list;
 * exclusive groups make sense (one host, more than one member); the engine
 * can use the devices it is given; a vLLM service gets no named chat
 * template; a fleet has services at all. Resolves host_ref and model_ref. */
#include <stdlib.h>
#include <string.h>

#include "check/passes.h"

typedef struct name_entry {
    const char *name;
    uint32_t index;
} name_entry;

static int name_entry_cmp(const void *a, const void *b) {
    return strcmp(((const name_entry *)a)->name, ((const name_entry *)b)->name);
}

/* Sorted names for O(log n) lookups over large fleets. */
typedef struct name_index {
    name_entry *e;
    uint32_t n;
    const char **names; /* in declaration order, for did-you-mean */
    uint32_t n_names;
} name_index;

static void name_index_build(name_index *ix, uint32_t n, const fl_str *(*get)(const fleet *, uint32_t),
                             const fleet *f) {
    ix->e = calloc(n ? n : 1, sizeof *ix->e);
    ix->names = calloc(n ? n : 1, sizeof *ix->names);
    ix->n = 0;
    ix->n_names = n;
    for (uint32_t i = 0; i < n; i++) {
        const fl_str *s = get(f, i);
        ix->names[i] = s->v ? s->v : "";
        if (!s->v) continue;
        ix->e[ix->n].name = s->v;
        ix->e[ix->n].index = i;
        ix->n++;
    }
    qsort(ix->e, ix->n, sizeof *ix->e, name_entry_cmp);
}

static int name_index_find(const name_index *ix, const char *name) {
    name_entry key = {name, 0};
    const name_entry *hit = bsearch(&key, ix->e, ix->n, sizeof *ix->e, name_entry_cmp);
    return hit ? (int)hit->index : -1;
}

static void name_index_free(name_index *ix) {
    free(ix->e);
    free(ix->names);
}

static const fl_str *host_name_at(const fleet *f, uint32_t i) { return &f->hosts[i].name; }
static const fl_str *model_name_at(const fleet *f, uint32_t i) { return &f->models[i].name; }

static void suggest(diagnostic *d, const char *word, const name_index *ix, const char *what) {
    const char *best = suggest_closest(word, ix->names, ix->n_names);
    if (best)
        diag_help(d, "did you mean `%s`?", best);
    else if (ix->n == 0)
        diag_help(d, "the fleet declares no %s", what);
    else if (ix->n_names <= 8) {
        char list[512];
        size_t used = 0;
        list[0] = '\0';
        for (uint32_t i = 0; i < ix->n_names && used + 1 < sizeof list; i++) {
            int w = snprintf(list + used, sizeof list - used, "%s`%s`", i ? ", " : "", ix->names[i]);
            if (w < 0) break;
            used += (size_t)w;
            if (used >= sizeof list) used = sizeof list - 1;
        }
        diag_help(d, "the fleet declares these %s: %s", what, list);
    }
}

static void check_service_refs(check_ctx *c, fleet_service *s, const name_index *hosts,
                               const name_index *models) {
    fleet *f = c->f;
    s->host_ref = NULL;
    s->model_ref = NULL;
    if (!s->host.set || !s->host.v) {
        diag_error(c->d, "E0701", s->name.set ? s->name.at : s->at, "service `%s` names no host",
                   s->name.v ? s->name.v : "?");
    } else {
        int h = name_index_find(hosts, s->host.v);
        if (h < 0) {
            diagnostic *d = diag_error(c->d, "E0701", s->host.at, "unknown host `%s`", s->host.v);
            suggest(d, s->host.v, hosts, "hosts");
        } else {
            s->host_ref = &f->hosts[h];
        }
    }
    if (!s->model.set || !s->model.v) {
        diag_error(c->d, "E0702", s->name.set ? s->name.at : s->at, "service `%s` names no model",
                   s->name.v ? s->name.v : "?");
    } else {
        int m = name_index_find(models, s->model.v);
        if (m < 0) {
            diagnostic *d = diag_error(c->d, "E0702", s->model.at, "unknown model `%s`", s->model.v);
            suggest(d, s->model.v, models, "models");
        } else {
            s->model_ref = &f->models[m];
        }
    }

    s->draft_ref = NULL;
    if (s->draft.set && s->draft.v) {
        int m = name_index_find(models, s->draft.v);
        if (m < 0) {
            diagnostic *d = diag_error(c->d, "E0702", s->draft.at, "unknown draft model `%s`", s->draft.v);
            suggest(d, s->draft.v, models, "models");
        } else {
            s->draft_ref = &f->models[m];
        }
    }

    /* GPU indexes exist on the host ... */
    if (s->host_ref) {
        const fleet_host *h = s->host_ref;
        for (uint32_t i = 0; i < s->n_gpus; i++) {
            int64_t g = s->gpus[i].v;
            if (g < 0 || (uint64_t)g >= h->n_gpus) {
                diagnostic *d = diag_error(c->d, "E0703", s->gpus[i].at,
                                           "host `%s` has no GPU %lld", h->name.v, (long long)g);
                if (h->n_gpus == 0)
                    diag_note(d, h->name.at, "host `%s` declares no GPUs", h->name.v);
                else
                    diag_note(d, span_or(h->gpus_at, h->name.at), "host `%s` has GPUs 0 to %u",
                              h->name.v, h->n_gpus - 1);
            }
        }
    }
    /* ... and once each */
    for (uint32_t i = 0; i < s->n_gpus; i++)
        for (uint32_t j = 0; j < i; j++)
            if (s->gpus[j].v == s->gpus[i].v) {
                diagnostic *d = diag_error(c->d, "E0706", s->gpus[i].at, "GPU %lld is listed twice",
                                           (long long)s->gpus[i].v);
                diag_note(d, s->gpus[j].at, "first listed here");
                break;
            }
    if (s->n_gpus > EST_MAX_GPUS)
        diag_error(c->d, "E0706", s->gpus_at, "a service may use at most %d GPUs, this one lists %u",
                   EST_MAX_GPUS, s->n_gpus);

    /* without gpus at all it is service_values' E0209 */
    if (s->n_tensor_split > 0 && s->gpus_set && s->n_tensor_split != s->n_gpus) {
        diagnostic *d = diag_error(c->d, "E0704", s->tensor_split_at,
                                   "tensor_split has %u entr%s but the service uses %u GPU%s",
                                   s->n_tensor_split, s->n_tensor_split == 1 ? "y" : "ies", s->n_gpus,
                                   s->n_gpus == 1 ? "" : "s");
        if (span_valid(s->gpus_at)) diag_note(d, s->gpus_at, "the GPUs are listed here");
        diag_help(d, "give one share per GPU, in the order of `gpus`");
    }

    /* What each engine can run on. */
    {
        engine_kind e = (engine_kind)s->opts.engine.v;
        if (e == ENGINE_VLLM && s->n_gpus == 0) {
            diagnostic *d = diag_error(c->d, "E0707", span_or(s->opts.engine.at, s->at),
                                       "vLLM service `%s` has no GPUs", s->name.v);
            diag_help(d, "list the GPUs it runs on with `gpus: [0]`, or use `engine: llama.cpp` for CPU inference");
        } else if (e == ENGINE_INFRAC && s->n_gpus > 0) {
            diagnostic *d = diag_error(c->d, "E0707", span_or(s->gpus_at, s->at),
                                       "infrac-engine runs on the CPU only; service `%s` lists GPUs",
                                       s->name.v);
            diag_help(d, "remove `gpus`, or use `engine: llama.cpp` for GPU inference");
        }
    }

    /* One vendor per process: a CUDA build cannot open an AMD card, nor a
     * HIP build an NVIDIA one; the API the build declares must drive the
     * vendor's GPUs (E0810); and the vLLM target is CUDA's (its memory
     * model, CUDA graphs, nvidia-smi), so an AMD or Intel card is refused by
     * name. */
    if (s->host_ref && s->n_gpus > 0) {
        const fleet_host *h = s->host_ref;
        const fleet_gpu *first = fleet_service_first_gpu(s);
        bool mixed = false;
        for (uint32_t i = 0; first && i < s->n_gpus && !mixed; i++) {
            int64_t g = s->gpus[i].v;
            if (g < 0 || (uint64_t)g >= h->n_gpus) continue;
            const fleet_gpu *fg = &h->gpus[g];
            if (strcmp(fleet_gpu_vendor(fg), fleet_gpu_vendor(first)) != 0) {
                diagnostic *d = diag_error(c->d, "E0707", s->gpus[i].at,
                                           "service `%s` mixes an %s GPU (%u) with an %s GPU (%u)", s->name.v,
                                           fleet_gpu_vendor(first), first->index, fleet_gpu_vendor(fg), fg->index);
                diag_note(d, fg->at, "GPU %u of host `%s` declared here", fg->index, h->name.v);
                diag_help(d, "one engine process uses one vendor's runtime (CUDA, HIP or SYCL): run one service per "
                             "vendor");
                mixed = true;
            }
        }
        const char *vendor = first ? fleet_gpu_vendor(first) : NULL;
        const fleet_engine *b = s->opts.engine_build;
        gpu_api api = fleet_service_gpu_api(s);
        engine_kind e = (engine_kind)s->opts.engine.v;
        if (first && b && b->backend.set && !gpu_api_drives(api, vendor)) {
            const gpu_api_info *ai = gpu_api_info_of(api);
            diagnostic *d = diag_error(c->d, "E0810", span_or(s->opts.engine.at, s->at),
                                       "service `%s` runs build `%s`, built for %s, on an %s GPU", s->name.v,
                                       b->name.v, ai->title, gpu_vendor_title(vendor));
            diag_note(d, b->backend.at, "build `%s` declares `backend: %s` here", b->name.v, ai->name);
            diag_note(d, first->at, "GPU %u of host `%s` is an %s %s", first->index, h->name.v,
                      gpu_vendor_title(vendor), strcmp(vendor, "apple") ? "card" : "chip");
            if (!strcmp(vendor, "apple"))
                diag_help(d, "a Mac runs llama.cpp with Metal: remove `backend:` (or write `backend: metal`)");
            else
                diag_help(d, "run the service on a build for %s cards (`backend: %s` or `vulkan`), or remove "
                             "`backend:` if this build is one", gpu_vendor_title(vendor),
                          gpu_api_info_of(gpu_api_of_vendor(vendor))->name);
        } else if (first && e == ENGINE_VLLM && (!strcmp(vendor, "amd") || !strcmp(vendor, "intel"))) {
            diagnostic *d = diag_error(c->d, "E0707", span_or(s->opts.engine.at, s->at),
                                       "vLLM service `%s` on an %s GPU: infrac's vLLM target is CUDA's", s->name.v,
                                       gpu_vendor_title(vendor));
            diag_note(d, first->at, "GPU %u of host `%s` is an %s card", first->index, h->name.v,
                      gpu_vendor_title(vendor));
            diag_help(d, "%s", !strcmp(vendor, "amd") ? "use `engine: llama.cpp` with a HIP (ROCm) build of llama-server"
                                                      : "use `engine: llama.cpp` with a SYCL or Vulkan build of "
                                                        "llama-server");
        }
    }
}

typedef struct group_member {
    const char *group;
    uint32_t host;
    uint32_t svc;
} group_member;

static int group_member_cmp(const void *a, const void *b) {
    const group_member *x = a, *y = b;
    int r = strcmp(x->group, y->group);
    if (r) return r;
    if (x->host != y->host) return x->host < y->host ? -1 : 1;
    return (x->svc > y->svc) - (x->svc < y->svc);
}

/* An exclusive group keeps services on one host from running together
 * (systemd Conflicts=), so a group is scoped to its host: the same name on
 * two hosts is two groups. A group of one has no effect, which is usually
 * a typo, or a group meant to span hosts. */
static void check_exclusive_groups(check_ctx *c) {
    fleet *f = c->f;
    group_member *m = calloc(f->n_services ? f->n_services : 1, sizeof *m);
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->n_services; i++) {
        const fleet_service *s = &f->services[i];
        if (s->exclusive.set && s->exclusive.v && s->host_ref)
            m[n++] = (group_member){s->exclusive.v, host_index(f, s->host_ref), i};
    }
    qsort(m, n, sizeof *m, group_member_cmp);
    for (uint32_t a = 0; a < n;) {
        uint32_t name_end = a;
        while (name_end < n && strcmp(m[name_end].group, m[a].group) == 0) name_end++;
        for (uint32_t h = a; h < name_end;) {
            uint32_t host_end = h;
            while (host_end < name_end && m[host_end].host == m[h].host) host_end++;
            if (host_end - h == 1) {
                const fleet_service *s = &f->services[m[h].svc];
                diagnostic *d = diag_warning(c->d, "W0701", s->exclusive.at,
                                             "exclusive group `%s` has only one service on host `%s`", m[h].group,
                                             s->host_ref->name.v);
                uint32_t other = h == a ? (name_end > h + 1 ? h + 1 : UINT32_MAX) : a;
                if (other != UINT32_MAX) {
                    const fleet_service *o = &f->services[m[other].svc];
                    diag_note(d, o->exclusive.at, "`%s` on host `%s` is in a group of the same name: groups do not span hosts",
                              o->name.v, o->host_ref->name.v);
                }
                diag_help(d, "give the services of one host that must not run together the same `exclusive` name");
            }
            h = host_end;
        }
        a = name_end;
    }
    free(m);
}

/* vLLM has no named chat templates: `--chat-template` takes a Jinja file or
 * the template text itself, so `chatml` would be served as a template
 * reading "chatml". The fleet's names are llama.cpp's (and infrac-engine's),
 * so a vLLM service that would get one is refused rather than miscompiled. */
static void check_vllm_chat_template(check_ctx *c, const fleet_service *s) {
    const fleet_service_opts *o = &s->opts;
    if (!o->engine.set || o->engine.v != ENGINE_VLLM) return;
    const fl_str *t = &o->chat_template;
    bool from_model = false;
    if (!(t->set && t->v) && s->model_ref && s->model_ref->chat_template.set && s->model_ref->chat_template.v) {
        t = &s->model_ref->chat_template;
        from_model = true;
    }
    if (!(t->set && t->v)) return;
    diagnostic *d = diag_error(c->d, "E0204", from_model ? span_or(s->name.at, s->at) : t->at,
                               "chat template `%s` is not supported by vllm (service `%s`)", t->v,
                               s->name.v ? s->name.v : "?");
    if (from_model) diag_note(d, t->at, "the template comes from model `%s`", s->model_ref->name.v);
    diag_help(d, "vLLM uses the template in the model's tokenizer config; named templates are llama.cpp's "
                 "and infrac-engine's: remove chat_template, or put it on the services that use them");
}

void check_references(check_ctx *c) {
    fleet *f = c->f;
    name_index hosts, models;
    name_index_build(&hosts, f->n_hosts, host_name_at, f);
    name_index_build(&models, f->n_models, model_name_at, f);
    for (uint32_t i = 0; i < f->n_services; i++) {
        check_service_refs(c, &f->services[i], &hosts, &models);
        check_vllm_chat_template(c, &f->services[i]);
    }
    check_exclusive_groups(c);
    if (f->n_services == 0) {
        diagnostic *d = diag_warning(c->d, "W0702", span_or(f->name.at, f->at), "fleet `%s` has no services",
                                     f->name.v ? f->name.v : "?");
        diag_help(d, "add services under `services:`, each with a host, a model and a port");
    }
    name_index_free(&hosts);
    name_index_free(&models);
}
