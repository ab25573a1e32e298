/* The positioned tree -> the typed fleet, driven by the schema table
 * (compiler/fleet/fleet_schema.c): unknown keys with did-you-mean, types, ranges,
 * enums, required keys and defaults merging. Only what one value says is
 * checked here; rules across values (engine options, cache types per
 * engine, batch sizes, splits, extra_args) are the checks'
 * (check/service_values.c). Every problem is reported; lowering never stops
 * at the first. */
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet_fields.h"
#include "host_name.h"
#include "fleet/lower_internal.h"


/* ---- generic fields ---- */

static void lower_scalar_field(lower_ctx *c, const fs_key *k, const ynode *n, void *field)
{
    switch (k->type) {
    case FS_STRING: {
        fl_str *f = field;
        if (lower_string(c, k, n, &f->v)) { f->at = n->at; f->set = true; }
        break;
    }
    case FS_INT: {
        fl_int *f = field;
        if (lower_int(c, k, n, &f->v)) { f->at = n->at; f->set = true; }
        break;
    }
    case FS_GPU_LAYERS: {
        fl_int *f = field;
        if (n->kind == YNODE_SCALAR && !n->quoted && strcmp(n->text, "all") == 0) {
            f->v = -1; f->at = n->at; f->set = true;
        } else if (n->kind == YNODE_SCALAR && n->len && !(n->text[0] >= '0' && n->text[0] <= '9') &&
                   n->text[0] != '-') {
            diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be `all` or an integer, found \"%s\"",
                                       k->name, n->text);
            diag_help(d, "`gpu_layers: all` offloads every layer");
        } else if (lower_int(c, k, n, &f->v)) {
            f->at = n->at; f->set = true;
        }
        break;
    }
    case FS_NUMBER: {
        fl_num *f = field;
        if (lower_number(c, k, n, &f->v)) { f->at = n->at; f->set = true; }
        break;
    }
    case FS_BOOL: {
        fl_bool *f = field;
        if (lower_bool(c, k, n, &f->v)) { f->at = n->at; f->set = true; }
        break;
    }
    case FS_SIZE: {
        fl_size *f = field;
        if (lower_size(c, k, n, &f->v)) { f->at = n->at; f->set = true; }
        break;
    }
    case FS_ENUM: {
        int i = lower_enum(c, k, k->values, n);
        if (i < 0) break;
        if (k->flags & FS_ENUM_INDEX) {
            fl_int *f = field;
            f->v = i; f->at = n->at; f->set = true;
        } else {
            fl_str *f = field;
            f->v = k->values[i]; f->at = n->at; f->set = true;
        }
        break;
    }
    default: break;
    }
}

static void unknown_key(lower_ctx *c, const object_walk *w, const ynode *key)
{
    diagnostic *d = diag_error(c->diags, "E0201", key->at, "unknown key `%s` in %s", key->text, w->owner);
    const char *names[MAX_KEYS * 2];
    size_t n = fs_key_names(w->obj, names, MAX_KEYS * 2);
    const char *s = suggest_closest(key->text, names, n);
    if (s) {
        diag_help(d, "did you mean `%s`?", s);
        return;
    }
    /* a key that belongs elsewhere: per-service keys in defaults */
    bool shared;
    if (w->obj == &fs_options && fs_find(&fs_service, key->text, key->len, &shared) && !shared)
        diag_help(d, "`%s` is set per service; it cannot go in defaults", key->text);
    else
        diag_help(d, "the keys of %s are listed in docs/fleet.md", w->obj->name);
}

void lower_walk_object(lower_ctx *c, object_walk *w, const ynode *map)
{
    if (!map || yscalar_is_null(map)) goto required;
    if (map->kind != YNODE_MAPPING) {
        char buf[64];
        diag_error(c->diags, "E0202", map->at, "%s must be a mapping of keys, found %s", w->owner,
                   lower_describe(map, buf, sizeof buf));
        return;
    }
    for (size_t i = 0; i < map->n_pairs; i++) {
        const ynode *key = map->pairs[i].key, *val = map->pairs[i].value;
        if (w->obj == &fs_root && key->len > 2 && !strncmp(key->text, "x-", 2))
            continue; /* extension keys hold anchors to share, as in compose files */
        bool shared;
        const fs_key *k = fs_find(w->obj, key->text, key->len, &shared);
        if (!k) {
            unknown_key(c, w, key);
            continue;
        }
        const fs_object *owner = shared ? w->obj->also : w->obj;
        size_t idx = (size_t)(k - owner->keys);
        if (idx < MAX_KEYS) (shared ? w->seen_also : w->seen)[idx] = true;
        if (yscalar_is_null(val)) continue; /* `key:` with no value: unset */
        void *base = shared ? w->also_base : w->base;
        if (k->offset >= 0 && fleet_field_size(k)) lower_scalar_field(c, k, val, (char *)base + k->offset);
        else if (w->custom) w->custom(c, k, key, val, w->user);
    }
    /* a key written with a null value counts as missing too */
    for (size_t i = 0; i < map->n_pairs; i++)
        if (yscalar_is_null(map->pairs[i].value)) {
            bool shared;
            const fs_key *k = fs_find(w->obj, map->pairs[i].key->text, map->pairs[i].key->len, &shared);
            if (k && !shared && (k->flags & FS_REQUIRED)) w->seen[k - w->obj->keys] = false;
        }
required:
    for (size_t i = 0; i < w->obj->n_keys && i < MAX_KEYS; i++) {
        const fs_key *k = &w->obj->keys[i];
        if (!(k->flags & FS_REQUIRED) || w->seen[i]) continue;
        diagnostic *d = diag_error(c->diags, "E0206", w->owner_at, "%s has no `%s`", w->owner, k->name);
        size_t dl = strlen(k->doc);
        diag_help(d, "add `%s:` (%.*s)", k->name, (int)(dl && k->doc[dl - 1] == '.' ? dl - 1 : dl), k->doc);
    }
}

/* ---- lists ---- */

bool lower_want_list(lower_ctx *c, const fs_key *k, const ynode *n)
{
    if (n->kind == YNODE_SEQUENCE) return true;
    char buf[64];
    diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be a list, found %s", k->name,
                               lower_describe(n, buf, sizeof buf));
    if (n->kind == YNODE_SCALAR) diag_help(d, "write a list: `%s: [%s]`", k->name, n->text);
    return false;
}

/* An integer list item checked against k's range. */
static bool list_int(lower_ctx *c, const fs_key *k, const ynode *n, fl_int *out)
{
    if (!lower_int(c, k, n, &out->v)) return false;
    out->at = n->at;
    out->set = true;
    return true;
}

/* ---- hosts ---- */

typedef struct host_user { fleet_host *h; } host_user;

static void lower_gpu(lower_ctx *c, const fs_key *gk, const ynode *item, fleet_gpu *g, const char *host)
{
    g->at = item->at;
    const ynode *model_node = NULL;
    if (item->kind == YNODE_SCALAR && !yscalar_is_null(item)) {
        model_node = item; /* `- rtx-4090`: a catalog id alone */
        g->model.v = arena_strndup(c->ar, item->text, item->len);
        g->model.at = item->at;
        g->model.set = true;
    } else {
        char owner[160];
        snprintf(owner, sizeof owner, "GPU %u of host `%s`", g->index, host);
        object_walk w = {.obj = &fs_gpu, .base = g, .owner = owner, .owner_at = item->at};
        lower_walk_object(c, &w, item);
        model_node = ymap_get(item, "model");
    }
    (void)gk;
    if (g->model.set) {
        g->spec = gpu_catalog_find(g->model.v);
        if (!g->spec) {
            const char *ids[256];
            size_t n = gpu_catalog_count();
            if (n > 256) n = 256;
            for (size_t i = 0; i < n; i++) ids[i] = gpu_catalog_at(i)->id;
            diagnostic *d = diag_error(c->diags, "E0208", model_node ? model_node->at : item->at,
                                       "unknown GPU model `%s`", g->model.v);
            const char *s = suggest_closest(g->model.v, ids, n);
            const gpu_spec *near = s ? gpu_catalog_find(s) : NULL;
            if (near && gpu_catalog_same_card(g->model.v, near))
                diag_help(d, "did you mean `%s`? Or describe the card: `{name: ..., vram: 24GiB}`", s);
            else if (near) /* never a bigger card in silence: rtx-5090-mobile is not rtx-5090 */
                diag_help(d, "did you mean `%s`? It is a different card (%s, %.2f GiB usable) and may have more "
                             "memory than yours; if yours is not in the catalog, describe it: "
                             "`{name: ..., vram: 16GiB}`",
                          s, near->name, (double)near->usable_bytes / 1073741824.0);
            else diag_help(d, "the catalog is schema/gpus.yaml; or describe the card: `{name: ..., vram: 24GiB}`");
        } /* a vendor other than the card's own is check/gpu_values.c's E0209 */
    } else if (!g->vram.set && (item->kind == YNODE_MAPPING || yscalar_is_null(item))) {
        diagnostic *d = diag_error(c->diags, "E0206", item->at, "GPU %u of host `%s` has neither `model` nor `vram`",
                                   g->index, host);
        diag_help(d, "name a catalog card (`model: rtx-4090`) or give its usable memory (`vram: 24GiB`)");
    }
}

static void host_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    fleet_host *h = ((host_user *)user)->h;
    if (k->id == FK_LLAMA_SWAP) {
        char owner[160];
        snprintf(owner, sizeof owner, "llama_swap of host `%s`", h->name.v);
        h->llama_swap.set = true;
        h->llama_swap.at = key->at;
        object_walk w = {.obj = &fs_llama_swap, .base = &h->llama_swap, .owner = owner, .owner_at = key->at};
        lower_walk_object(c, &w, v);
        return;
    }
    if (!lower_want_list(c, k, v)) return;
    if (k->id == FK_HOST_GPUS) {
        h->gpus_at = v->at;
        h->gpus = arena_alloc(c->ar, v->n_items * sizeof *h->gpus);
        h->n_gpus = (uint32_t)v->n_items;
        for (size_t i = 0; i < v->n_items; i++) {
            h->gpus[i].index = (uint32_t)i;
            const ynode *item = v->items[i];
            if (item->kind == YNODE_SEQUENCE) {
                diag_error(c->diags, "E0202", item->at, "a GPU must be a mapping or a catalog id, found a list");
                continue;
            }
            lower_gpu(c, k, item, &h->gpus[i], h->name.v);
        }
    } else if (k->id == FK_RESERVED_PORTS) {
        h->reserved_ports = arena_alloc(c->ar, v->n_items * sizeof *h->reserved_ports);
        for (size_t i = 0; i < v->n_items; i++)
            if (list_int(c, k, v->items[i], &h->reserved_ports[h->n_reserved_ports])) h->n_reserved_ports++;
    }
}

static void lower_host(lower_ctx *c, const ynode *key, const ynode *val, fleet_host *h)
{
    h->name = (fl_str){arena_strndup(c->ar, key->text, key->len), key->at, true};
    h->at = key->at;
    char owner[160];
    snprintf(owner, sizeof owner, "host `%s`", h->name.v);
    host_user u = {h};
    object_walk w = {.obj = &fs_host, .base = h, .owner = owner, .owner_at = key->at, .custom = host_custom, .user = &u};
    lower_walk_object(c, &w, val);
}

/* ---- models ---- */

static void model_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    fleet_model *m = user;
    if (k->id != FK_SHAPE) return;
    char owner[160];
    snprintf(owner, sizeof owner, "the shape of model `%s`", m->name.v);
    m->shape.set = true;
    m->shape.at = v->at;
    object_walk w = {.obj = &fs_shape, .base = &m->shape, .owner = owner, .owner_at = key->at};
    lower_walk_object(c, &w, v);
}

static void lower_model(lower_ctx *c, const ynode *key, const ynode *val, fleet_model *m)
{
    m->name = (fl_str){arena_strndup(c->ar, key->text, key->len), key->at, true};
    m->at = key->at;
    char owner[160];
    snprintf(owner, sizeof owner, "model `%s`", m->name.v);
    object_walk w = {.obj = &fs_model, .base = m, .owner = owner, .owner_at = key->at, .custom = model_custom, .user = m};
    lower_walk_object(c, &w, val);
}

/* ---- service options ---- */

static void lower_cache_side(lower_ctx *c, const fs_key *k, const ynode *n, fl_int *out)
{
    /* a type some build declares: whether this service's build does is check_service's */
    int declared = n->kind == YNODE_SCALAR ? lower_declared_cache_id(c, n->text, n->len) : -1;
    if (declared >= 0) {
        out->v = declared;
        out->at = n->at;
        out->set = true;
        return;
    }
    int i = lower_enum(c, k, fs_cache_values, n);
    if (i < 0) return;
    int id = cache_type_from_name(fs_cache_values[i]);
    if (id < 0) return;
    out->v = id;
    out->at = n->at;
    out->set = true;
}

static void options_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, fleet_service_opts *o)
{
    (void)key;
    if (k->id == FK_ENGINE) {
        lower_engine_choice(c, v, o);
        return;
    }
    if (k->id == FK_UNIT_AFTER || k->id == FK_UNIT_REQUIRES || k->id == FK_UNIT_WANTS) {
        fl_strs *l = k->id == FK_UNIT_AFTER ? &o->after : k->id == FK_UNIT_REQUIRES ? &o->requires : &o->wants;
        if (!lower_want_list(c, k, v)) return;
        l->v = arena_alloc(c->ar, (v->n_items ? v->n_items : 1) * sizeof *l->v);
        l->n = 0;
        l->at = v->at;
        l->set = true;
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *u = &l->v[l->n];
            if (!lower_string(c, k, v->items[i], &u->v)) continue;
            bool dup = false;
            for (uint32_t j = 0; j < l->n && !dup; j++)
                if (!strcmp(l->v[j].v, u->v)) {
                    diagnostic *d = diag_error(c->diags, "E0209", v->items[i]->at, "unit `%s` is listed twice", u->v);
                    diag_note(d, l->v[j].at, "first listed here");
                    dup = true;
                }
            if (dup) continue;
            u->at = v->items[i]->at;
            u->set = true;
            l->n++;
        }
        return;
    }
    if (k->id != FK_CACHE) return;
    if (v->kind == YNODE_SCALAR) {
        lower_cache_side(c, k, v, &o->cache_k);
        o->cache_v = o->cache_k; /* one type for both */
        return;
    }
    if (v->kind != YNODE_MAPPING) {
        diag_error(c->diags, "E0202", v->at, "`cache` must be a cache type or {k: ..., v: ...}, found a list");
        return;
    }
    for (size_t i = 0; i < v->n_pairs; i++) {
        const ynode *ck = v->pairs[i].key, *cv = v->pairs[i].value;
        bool shared;
        const fs_key *side = fs_find(&fs_cache_kv, ck->text, ck->len, &shared);
        if (!side) {
            diagnostic *d = diag_error(c->diags, "E0201", ck->at, "unknown key `%s` in cache", ck->text);
            diag_help(d, "cache takes `k:` and `v:`");
            continue;
        }
        if (yscalar_is_null(cv)) continue;
        lower_cache_side(c, side, cv, side->name[0] == 'k' ? &o->cache_k : &o->cache_v);
    }
}

static void defaults_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    options_custom(c, k, key, v, user);
}

/* ---- services ---- */

typedef struct service_user { fleet_service *s; } service_user;

static void service_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    fleet_service *s = ((service_user *)user)->s;
    switch (k->id) {
    case FK_CACHE: case FK_ENGINE: case FK_UNIT_AFTER: case FK_UNIT_REQUIRES: case FK_UNIT_WANTS:
        options_custom(c, k, key, v, &s->opts);
        return;
    case FK_ENV: lower_env_map(c, k, v, &s->env, &s->n_env); return;
    case FK_SERVICE_GPUS: {
        if (!lower_want_list(c, k, v)) return;
        s->gpus_set = true;
        s->gpus_at = v->at;
        s->gpus = arena_alloc(c->ar, v->n_items * sizeof *s->gpus);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_int g = {0};
            if (list_int(c, k, v->items[i], &g)) s->gpus[s->n_gpus++] = g; /* listed twice: E0706 */
        }
        return;
    }
    case FK_TENSOR_SPLIT: {
        if (!lower_want_list(c, k, v)) return;
        s->tensor_split_at = v->at;
        s->tensor_split = arena_alloc(c->ar, v->n_items * sizeof *s->tensor_split);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_num *t = &s->tensor_split[s->n_tensor_split];
            if (lower_number(c, k, v->items[i], &t->v)) {
                t->at = v->items[i]->at;
                t->set = true;
                s->n_tensor_split++;
            }
        }
        /* a refused weight was reported; the shorter list must not also be
         * reported as having the wrong length */
        if (s->n_tensor_split != v->n_items) s->n_tensor_split = 0;
        return;
    }
    case FK_CORS_ORIGINS: {
        if (!lower_want_list(c, k, v)) return;
        s->cors_origins_at = v->at;
        s->cors_origins = arena_alloc(c->ar, (v->n_items ? v->n_items : 1) * sizeof *s->cors_origins);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *o = &s->cors_origins[s->n_cors_origins];
            if (lower_string(c, k, v->items[i], &o->v)) { /* FS_ORIGIN: checked there */
                o->at = v->items[i]->at;
                o->set = true;
                s->n_cors_origins++;
            }
        }
        return;
    }
    case FK_EXTRA_ARGS: {
        if (!lower_want_list(c, k, v)) return;
        s->extra_args_at = v->at;
        s->extra_args = arena_alloc(c->ar, v->n_items * sizeof *s->extra_args);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *a = &s->extra_args[s->n_extra_args];
            if (lower_string(c, k, v->items[i], &a->v)) {
                a->at = v->items[i]->at;
                a->set = true;
                s->n_extra_args++;
            }
        }
        return;
    }
    case FK_ALLOW_HOSTS: {
        if (!lower_want_list(c, k, v)) return;
        s->allow_hosts_at = v->at;
        s->allow_hosts = arena_alloc(c->ar, v->n_items * sizeof *s->allow_hosts);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *a = &s->allow_hosts[s->n_allow_hosts];
            if (!lower_string(c, k, v->items[i], &a->v)) continue;
            if (!host_name_valid(a->v)) {
                diagnostic *d = diag_error(c->diags, "E0203", v->items[i]->at,
                                           "'allow_hosts' must list host names or IP addresses, found \"%s\"", a->v);
                diag_help(d, "a DNS name (letters, digits, '-', '.') or an IP address, without port or brackets: "
                             "`api.example.com`, `10.0.0.5`, `fd00::5`");
                continue;
            }
            a->at = v->items[i]->at;
            a->set = true;
            s->n_allow_hosts++;
        }
        return;
    }
    case FK_ALLOW_CLIENTS: {
        if (!lower_want_list(c, k, v)) return;
        s->allow_clients_at = v->at;
        s->allow_clients = arena_alloc(c->ar, (v->n_items ? v->n_items : 1) * sizeof *s->allow_clients);
        for (size_t i = 0; i < v->n_items; i++) {
            fl_str *a = &s->allow_clients[s->n_allow_clients];
            if (lower_string(c, k, v->items[i], &a->v)) { /* FS_IP_NETWORK: checked there */
                a->at = v->items[i]->at;
                a->set = true;
                s->n_allow_clients++;
            }
        }
        return;
    }
    default: return;
    }
}

static void merge_defaults(fleet_service_opts *o, const fleet_service_opts *def)
{
    for (size_t i = 0; i < fs_options.n_keys; i++) {
        const fs_key *k = &fs_options.keys[i];
        if (k->offset < 0) continue;
        size_t sz = fleet_field_size(k);
        char *mine = (char *)o + k->offset;
        const char *theirs = (const char *)def + k->offset;
        bool *ms = fleet_field_set(k, mine);
        const bool *ts = fleet_field_set(k, (void *)theirs);
        if (ms && ts && !*ms && *ts) memcpy(mine, theirs, sz);
    }
    if (!o->engine.set && def->engine.set) {
        o->engine = def->engine;
        o->engine_build = def->engine_build;
    }
    fl_strs *mine[] = {&o->after, &o->requires, &o->wants};
    const fl_strs *theirs[] = {&def->after, &def->requires, &def->wants};
    for (size_t i = 0; i < 3; i++)
        if (!mine[i]->set && theirs[i]->set) *mine[i] = *theirs[i];
    if (!o->cache_k.set && def->cache_k.set) o->cache_k = def->cache_k;
    if (!o->cache_v.set && def->cache_v.set) o->cache_v = def->cache_v;
}

static void lower_service(lower_ctx *c, const ynode *key, const ynode *val, fleet_service *s)
{
    s->name = (fl_str){arena_strndup(c->ar, key->text, key->len), key->at, true};
    s->at = key->at;
    s->body_at = val->at;
    char owner[160];
    snprintf(owner, sizeof owner, "service `%s`", s->name.v);
    service_user u = {s};
    object_walk w = {.obj = &fs_service, .base = s, .also_base = &s->opts, .owner = owner, .owner_at = key->at,
                     .custom = service_custom, .user = &u};
    lower_walk_object(c, &w, val);
    merge_defaults(&s->opts, &c->f->defaults);
}

/* ---- top level ---- */

typedef void (*entry_fn)(lower_ctx *c, const ynode *key, const ynode *val, void *item);

static void *lower_named(lower_ctx *c, const fs_key *k, const ynode *v, size_t item_size, uint32_t *count,
                         entry_fn fn, const char *what)
{
    *count = 0;
    if (v->kind != YNODE_MAPPING) {
        char buf[64];
        diagnostic *d = diag_error(c->diags, "E0202", v->at, "`%s` must be a mapping of %s names, found %s", k->name, what,
                                   lower_describe(v, buf, sizeof buf));
        if (v->kind == YNODE_SEQUENCE) diag_help(d, "write `%s:` as `name: {...}` entries, not a list", k->name);
        return NULL;
    }
    char *items = arena_alloc(c->ar, v->n_pairs * item_size);
    for (size_t i = 0; i < v->n_pairs; i++) {
        const ynode *key = v->pairs[i].key;
        lower_check_name(c, key, what);
        fn(c, key, v->pairs[i].value, items + (size_t)*count * item_size);
        (*count)++;
    }
    return items;
}

static void host_entry(lower_ctx *c, const ynode *k, const ynode *v, void *item) { lower_host(c, k, v, item); }
static void model_entry(lower_ctx *c, const ynode *k, const ynode *v, void *item) { lower_model(c, k, v, item); }
static void service_entry(lower_ctx *c, const ynode *k, const ynode *v, void *item) { lower_service(c, k, v, item); }

static void root_custom(lower_ctx *c, const fs_key *k, const ynode *key, const ynode *v, void *user)
{
    (void)user;
    fleet *f = c->f;
    switch (k->id) {
    case FK_DEFAULTS: {
        object_walk w = {.obj = &fs_options, .base = &f->defaults, .owner = "defaults", .owner_at = key->at,
                         .custom = defaults_custom, .user = &f->defaults};
        lower_walk_object(c, &w, v);
        break;
    }
    case FK_CHECKS: {
        object_walk w = {.obj = &fs_checks, .base = f, .owner = "checks", .owner_at = key->at};
        lower_walk_object(c, &w, v);
        break;
    }
    default: break; /* engines first, hosts, models, services after defaults: in fleet_lower */
    }
}

int fleet_lower(const struct ynode *root, const source_file *src, fleet *out, diag_list *diags)
{
    memset(out, 0, sizeof *out);
    out->src = src;
    arena *ar = arena_new();
    out->arena = ar;
    out->vram_margin.v = 512ull << 20;
    out->ram_margin.v = 1ull << 30;
    lower_ctx c = {src, diags, ar, out};
    if (!root || root->kind != YNODE_MAPPING) {
        src_span at = root ? root->at : (src_span){1, 1, 1, 1};
        char buf[64];
        diagnostic *d = diag_error(diags, "E0112", at, "the fleet file %s", root ? "is not a mapping of keys" : "is empty");
        if (root) diag_note(d, root->at, "found %s", lower_describe(root, buf, sizeof buf));
        diag_help(d, "a fleet file starts like `fleet: homelab` followed by hosts:, models: and services:");
        /* nothing to keep: callers need not call fleet_free after -1 */
        arena_free(ar);
        out->arena = NULL;
        return -1;
    }
    /* engines first: defaults and services name builds and their cache types */
    for (size_t i = 0; i < root->n_pairs; i++) {
        const ynode *key = root->pairs[i].key, *val = root->pairs[i].value;
        const fs_key *k = fs_find(&fs_root, key->text, key->len, NULL);
        if (k && k->id == FK_ENGINES && !yscalar_is_null(val)) lower_engines(&c, k, val);
    }
    /* defaults next, so that services can merge them wherever they are written */
    object_walk w = {.obj = &fs_root, .base = out, .owner = "the fleet", .owner_at = {1, 1, 1, 1},
                     .custom = root_custom};
    lower_walk_object(&c, &w, root);
    for (size_t i = 0; i < root->n_pairs; i++) {
        const ynode *key = root->pairs[i].key, *val = root->pairs[i].value;
        const fs_key *k = fs_find(&fs_root, key->text, key->len, NULL);
        if (!k || yscalar_is_null(val)) continue;
        if (k->id == FK_HOSTS)
            out->hosts = lower_named(&c, k, val, sizeof(fleet_host), &out->n_hosts, host_entry, "host");
        else if (k->id == FK_MODELS)
            out->models = lower_named(&c, k, val, sizeof(fleet_model), &out->n_models, model_entry, "model");
        else if (k->id == FK_SERVICES)
            out->services = lower_named(&c, k, val, sizeof(fleet_service), &out->n_services, service_entry, "service");
    }
    lower_engines_check_hosts(&c);
    const ynode *name = ymap_get(root, "fleet");
    out->at = name ? name->at : root->at;
    return 0;
}

void fleet_free(fleet *f)
{
    if (!f) return;
    /* The model pass fills shape_resolved with malloc'ed tensor tables. */
    for (uint32_t i = 0; i < f->n_models; i++)
        model_shape_free(&f->models[i].shape_resolved);
    arena_free(f->arena);
    f->arena = NULL;
}
