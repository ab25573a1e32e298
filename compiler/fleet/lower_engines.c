/* `engines:`: the builds a fleet runs (their kind, binaries, version,
 * environment, and the cache types and flags they add), `env:` mappings,
 * and a service's choice of build. Lowered before defaults and services,
 * which name builds and their cache types. */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "fleet/lower_internal.h"

/* ---- lookups, used by the checks and the plan too ---- */

const char *fleet_cache_name(const fleet *f, int64_t id)
{
    if (id >= CACHE_DECLARED)
        return f && id - CACHE_DECLARED < f->n_cache_names ? f->cache_names[id - CACHE_DECLARED] : "?";
    return cache_type_name((uint32_t)id);
}

const fleet_cache_type *fleet_engine_cache_type(const fleet_engine *e, int64_t id)
{
    for (uint32_t i = 0; e && i < e->n_cache_types; i++)
        if ((int64_t)e->cache_types[i].id == id) return &e->cache_types[i];
    return NULL;
}

const char *fleet_engine_binary_on(const fleet_engine *e, const char *host)
{
    if (!e) return NULL;
    for (uint32_t i = 0; host && i < e->n_binaries; i++)
        if (!strcmp(e->binaries[i].host.v, host)) return e->binaries[i].path.v;
    return e->binary.set ? e->binary.v : NULL;
}

const fleet_gpu *fleet_service_first_gpu(const fleet_service *s)
{
    const fleet_host *h = s->host_ref;
    for (uint32_t i = 0; h && i < s->n_gpus; i++)
        if (s->gpus[i].v >= 0 && (uint64_t)s->gpus[i].v < h->n_gpus) return &h->gpus[s->gpus[i].v];
    return NULL;
}

gpu_api fleet_service_gpu_api(const fleet_service *s)
{
    const fleet_gpu *g = fleet_service_first_gpu(s);
    if (!g) return GPU_API_NONE;
    const fleet_engine *b = s->opts.engine_build;
    if (b && b->backend.set && b->backend.v >= 0 && b->backend.v < GPU_API_COUNT) return (gpu_api)b->backend.v;
    return gpu_api_of_vendor(fleet_gpu_vendor(g));
}

/* ---- env: ---- */

static bool env_name_ok(const char *t, size_t n)
{
    if (!n || !(isalpha((unsigned char)t[0]) || t[0] == '_')) return false;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)t[i]) || t[i] == '_')) return false;
    return true;
}

void lower_env_map(lower_ctx *c, const fs_key *k, const ynode *v, fleet_env **out, uint32_t *n)
{
    if (v->kind != YNODE_MAPPING) {
        char buf[64];
        diagnostic *d = diag_error(c->diags, "E0202", v->at, "`%s` must be a mapping of variable names to values, found %s",
                                   k->name, lower_describe(v, buf, sizeof buf));
        diag_help(d, "write `%s: {NAME: value}`", k->name);
        return;
    }
    fleet_env *list = arena_alloc(c->ar, (v->n_pairs ? v->n_pairs : 1) * sizeof *list);
    uint32_t count = 0;
    for (size_t i = 0; i < v->n_pairs; i++) {
        const ynode *name = v->pairs[i].key, *val = v->pairs[i].value;
        if (!env_name_ok(name->text, name->len)) {
            diagnostic *d = diag_error(c->diags, "E0207", name->at, "invalid environment variable name \"%s\"", name->text);
            diag_help(d, "a name of letters, digits and '_' that does not start with a digit");
            continue;
        }
        bool reserved = false;
        for (size_t j = 0; fs_env_reserved[j] && !reserved; j++) reserved = !strcmp(fs_env_reserved[j], name->text);
        if (reserved) {
            diagnostic *d = diag_error(c->diags, "E0212", name->at, "`%s` sets %s, which infrac sets itself", k->name,
                                       name->text);
            diag_help(d, "the GPU pinning, the home directory and vLLM's key come from the fleet's keys (gpus, "
                         "api_key_file): remove it");
            continue;
        }
        if (val->kind != YNODE_SCALAR || yscalar_is_null(val)) {
            char buf[64];
            diagnostic *d = diag_error(c->diags, "E0202", val->at, "`%s` of %s must be a value, found %s", name->text,
                                       k->name, lower_describe(val, buf, sizeof buf));
            diag_help(d, "write `%s: \"\"` for an empty value", name->text);
            continue;
        }
        bool control = false;
        for (size_t j = 0; j < val->len && !control; j++)
            control = (unsigned char)val->text[j] < 0x20 || val->text[j] == 0x7f;
        if (control) {
            diagnostic *d = diag_error(c->diags, "E0203", val->at, "the value of %s holds a control character",
                                       name->text);
            diag_help(d, "an environment value is one line of text: no newlines, tabs or escapes");
            continue;
        }
        fleet_env *e = &list[count++];
        e->name = (fl_str){arena_strndup(c->ar, name->text, name->len), name->at, true};
        e->value = (fl_str){arena_strndup(c->ar, val->text, val->len), val->at, true};
    }
    *out = list;
    *n = count;
}

/* ---- cache types ---- */

static bool builtin_cache_name(const char *name)
{
    for (size_t i = 0; fs_cache_values[i]; i++)
        if (!strcmp(fs_cache_values[i], name)) return true;
    return false;
}

int lower_declared_cache_id(const lower_ctx *c, const char *name, size_t len)
{
    for (uint32_t i = 0; i < c->f->n_cache_names; i++)
        if (strlen(c->f->cache_names[i]) == len && !strncmp(c->f->cache_names[i], name, len))
            return (int)(CACHE_DECLARED + i);
    return -1;
}

static uint32_t intern_cache_name(lower_ctx *c, const char *name)
{
    int id = lower_declared_cache_id(c, name, strlen(name));
    if (id >= 0) return (uint32_t)id;
    fleet *f = c->f;
    f->cache_names = arena_grow(c->ar, f->cache_names, f->n_cache_names * sizeof *f->cache_names,
                                (f->n_cache_names + 1) * sizeof *f->cache_names);
    f->cache_names[f->n_cache_names] = name;
    return CACHE_DECLARED + f->n_cache_names++;
}

static void lower_cache_types(lower_ctx *c, const fs_key *k, const ynode *v, fleet_engine *e)
{
    if (v->kind != YNODE_MAPPING) {
        char buf[64];
        diagnostic *d = diag_error(c->diags, "E0202", v->at, "`%s` must be a mapping of cache type names, found %s",
                                   k->name, lower_describe(v, buf, sizeof buf));
        diag_help(d, "write `cache_types: {turbo3: {bits: 3.5}}`");
        return;
    }
    e->cache_types = arena_alloc(c->ar, (v->n_pairs ? v->n_pairs : 1) * sizeof *e->cache_types);
    for (size_t i = 0; i < v->n_pairs; i++) {
        const ynode *key = v->pairs[i].key;
        if (!lower_check_name(c, key, "cache type")) continue;
        fleet_cache_type *t = &e->cache_types[e->n_cache_types];
        memset(t, 0, sizeof *t);
        t->name = (fl_str){arena_strndup(c->ar, key->text, key->len), key->at, true};
        t->at = key->at;
        char owner[200];
        snprintf(owner, sizeof owner, "cache type `%s` of engine `%s`", t->name.v, e->name.v);
        object_walk w = {.obj = &fs_cache_type, .base = t, .owner = owner, .owner_at = key->at};
        lower_walk_object(c, &w, v->pairs[i].value);
        if (builtin_cache_name(t->name.v)) {
            diagnostic *d = diag_error(c->diags, "E0802", key->at, "engine `%s` declares cache type `%s`, which is "
                                       "built in", e->name.v, t->name.v);
            diag_help(d, "a build declares only the types it adds; remove `%s` from cache_types", t->name.v);
            continue;
        }
        if (!t->bits.set) continue; /* E0206 said so */
        int64_t block = t->block.set ? t->block.v : EST_DECLARED_BLOCK;
        double block_bits = t->bits.v * (double)block;
        est_cache_geom geom;
        if (!est_declared_cache_geom(t->bits.v, (uint32_t)block, &geom)) {
            diagnostic *d = diag_error(c->diags, "E0802", t->bits.at, "cache type `%s`: %lld elements of %g bits are "
                                       "%g bytes, not a whole number", t->name.v, (long long)block, t->bits.v,
                                       block_bits / 8.0);
            diag_help(d, "give the build's block size (`block:`) and the bits that make its ggml type size "
                         "(bytes per block x 8 / block)");
            continue;
        }
        t->id = intern_cache_name(c, t->name.v);
        e->n_cache_types++;
    }
}

/* ---- engines ---- */

typedef struct engine_user { fleet_engine *e; } engine_user;

static void engine_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    (void)key;
    fleet_engine *e = ((engine_user *)user)->e;
    switch (k->id) {
    case FK_ENV: lower_env_map(c, k, v, &e->env, &e->n_env); return;
    case FK_CACHE_TYPES: lower_cache_types(c, k, v, e); return;
    case FK_ENGINE_FLAGS:
        if (!lower_want_list(c, k, v)) return;
        e->flags = arena_alloc(c->ar, (v->n_items ? v->n_items : 1) * sizeof *e->flags);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *f = &e->flags[e->n_flags];
            if (!lower_string(c, k, v->items[i], &f->v)) continue;
            if (f->v[0] != '-' || strchr(f->v, '=') || strchr(f->v, ' ')) {
                diagnostic *d = diag_error(c->diags, "E0203", v->items[i]->at, "`%s` must name a flag such as --turbo, "
                                           "found \"%s\"", k->name, f->v);
                diag_help(d, "a flag starts with '-' and has no value: the value goes in extra_args");
                continue;
            }
            f->at = v->items[i]->at;
            f->set = true;
            e->n_flags++;
        }
        return;
    case FK_ENGINE_BINARIES: {
        if (v->kind != YNODE_MAPPING) {
            char buf[64];
            diag_error(c->diags, "E0202", v->at, "`binaries` must be a mapping of host names to paths, found %s",
                       lower_describe(v, buf, sizeof buf));
            return;
        }
        e->binaries = arena_alloc(c->ar, (v->n_pairs ? v->n_pairs : 1) * sizeof *e->binaries);
        for (size_t i = 0; i < v->n_pairs; i++) {
            const ynode *host = v->pairs[i].key, *path = v->pairs[i].value;
            if (!lower_check_name(c, host, "host")) continue;
            fleet_engine_binary *b = &e->binaries[e->n_binaries];
            if (!lower_string(c, k, path, &b->path.v)) continue;
            b->path.at = path->at;
            b->path.set = true;
            b->host = (fl_str){arena_strndup(c->ar, host->text, host->len), host->at, true};
            e->n_binaries++;
        }
        return;
    }
    default: return;
    }
}

void lower_engines(lower_ctx *c, const fs_key *k, const ynode *v)
{
    fleet *f = c->f;
    if (v->kind != YNODE_MAPPING) {
        char buf[64];
        diagnostic *d = diag_error(c->diags, "E0202", v->at, "`%s` must be a mapping of engine names, found %s", k->name,
                                   lower_describe(v, buf, sizeof buf));
        if (v->kind == YNODE_SEQUENCE) diag_help(d, "write `engines:` as `name: {kind: llama.cpp, ...}` entries");
        return;
    }
    f->engines = arena_alloc(c->ar, (v->n_pairs ? v->n_pairs : 1) * sizeof *f->engines);
    for (size_t i = 0; i < v->n_pairs; i++) {
        const ynode *key = v->pairs[i].key;
        if (!lower_check_name(c, key, "engine")) continue;
        if (engine_kind_from_name(key->text) >= 0) {
            diagnostic *d = diag_error(c->diags, "E0802", key->at, "engine name `%s` is a built-in kind", key->text);
            diag_help(d, "name the build after what makes it yours, e.g. `llama-cpp-sm89` or `vllm-marlin`");
            continue;
        }
        fleet_engine *e = &f->engines[f->n_engines++];
        memset(e, 0, sizeof *e);
        e->name = (fl_str){arena_strndup(c->ar, key->text, key->len), key->at, true};
        e->at = key->at;
        char owner[160];
        snprintf(owner, sizeof owner, "engine `%s`", e->name.v);
        engine_user u = {e};
        object_walk w = {.obj = &fs_engine, .base = e, .owner = owner, .owner_at = key->at, .custom = engine_custom,
                         .user = &u};
        lower_walk_object(c, &w, v->pairs[i].value);
        if (e->n_cache_types && e->kind.set && e->kind.v != ENGINE_LLAMACPP) {
            diagnostic *d = diag_error(c->diags, "E0802", e->cache_types[0].at, "engine `%s` is a %s build: only "
                                       "llama.cpp builds declare cache types", e->name.v, fs_engine_values[e->kind.v]);
            diag_help(d, "vLLM's --kv-cache-dtype and infrac's cache types are fixed: remove cache_types");
            e->n_cache_types = 0;
        }
        /* infrac-engine runs on the CPU; infrac's vLLM target is CUDA's (E0707 refuses other cards) */
        if (e->backend.set && e->kind.set &&
            (e->kind.v == ENGINE_INFRAC || (e->kind.v == ENGINE_VLLM && e->backend.v != GPU_API_CUDA))) {
            bool infrac = e->kind.v == ENGINE_INFRAC;
            diagnostic *d = diag_error(c->diags, "E0802", e->backend.at, "engine `%s` is a%s %s build: %s",
                                       e->name.v, infrac ? "n" : "", fs_engine_values[e->kind.v],
                                       infrac ? "infrac-engine runs on the CPU and has no GPU backend"
                                              : "infrac's vLLM target runs on CUDA only");
            diag_help(d, "%s", infrac ? "remove `backend:`"
                                      : "write `backend: cuda` or remove it; serve other GPUs with a llama.cpp build");
            e->backend.set = false;
        }
    }
}

void lower_engines_check_hosts(lower_ctx *c)
{
    const fleet *f = c->f;
    for (uint32_t i = 0; i < f->n_engines; i++) {
        const fleet_engine *e = &f->engines[i];
        for (uint32_t j = 0; j < e->n_binaries; j++) {
            const fl_str *h = &e->binaries[j].host;
            bool known = false;
            const char *names[256];
            size_t n = 0;
            for (uint32_t x = 0; x < f->n_hosts && !known; x++) {
                known = !strcmp(f->hosts[x].name.v, h->v);
                if (n < 256) names[n++] = f->hosts[x].name.v;
            }
            if (known) continue;
            diagnostic *d = diag_error(c->diags, "E0803", h->at, "engine `%s` has a binary for host `%s`, which the "
                                       "fleet does not declare", e->name.v, h->v);
            const char *s = suggest_closest(h->v, names, n);
            if (s) diag_help(d, "did you mean `%s`?", s);
            else diag_help(d, "the keys of `binaries:` are host names (keys of hosts:)");
        }
    }
}

void lower_engine_choice(lower_ctx *c, const ynode *v, fleet_service_opts *o)
{
    const fs_key *k = fs_find(&fs_options, "engine", 6, NULL);
    const char *name = NULL;
    if (!lower_string(c, k, v, &name)) return;
    for (int i = 0; fs_engine_values[i]; i++)
        if (!strcmp(fs_engine_values[i], name)) {
            o->engine = (fl_int){i, v->at, true};
            o->engine_build = NULL;
            return;
        }
    const fleet *f = c->f;
    for (uint32_t i = 0; i < f->n_engines; i++)
        if (!strcmp(f->engines[i].name.v, name)) {
            const fleet_engine *e = &f->engines[i];
            o->engine = (fl_int){e->kind.set ? e->kind.v : ENGINE_LLAMACPP, v->at, true};
            o->engine_build = e;
            return;
        }
    const char *names[256 + ENGINE_COUNT];
    size_t n = 0;
    for (int i = 0; fs_engine_values[i]; i++) names[n++] = fs_engine_values[i];
    for (uint32_t i = 0; i < f->n_engines && n < sizeof names / sizeof *names; i++) names[n++] = f->engines[i].name.v;
    diagnostic *d = diag_error(c->diags, "E0801", v->at, "unknown engine `%s`", name);
    const char *s = suggest_closest(name, names, n);
    if (s) diag_help(d, "did you mean `%s`?", s);
    else if (f->n_engines)
        diag_help(d, "an engine is a kind (llama.cpp, vllm, infrac) or a key of engines:");
    else
        diag_help(d, "an engine is llama.cpp, vllm or infrac; a build of your own is declared under `engines:`");
}
