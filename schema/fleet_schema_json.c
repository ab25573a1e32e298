/* The schema table as JSON Schema draft-07 (for yaml-language-server and
 * other editors) and as the markdown key reference of docs/fleet.md. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_schema.h"
#include "gpu_catalog.h"

#define SIZE_PATTERN "^[0-9]+(\\.[0-9]+)? ?(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?$"
#define NAME_PATTERN "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"

/* Appends to buf at *used, as far as it fits. */
static void append(char *buf, size_t n, size_t *used, const char *text)
{
    int w = snprintf(buf + *used, n - *used, "%s", text);
    *used = w < 0 || (size_t)w >= n - *used ? n - 1 : *used + (size_t)w;
}

static unsigned first_engine(const fs_key *k)
{
    for (unsigned e = 0; fs_engine_values[e]; e++)
        if (!k->engines || (k->engines & (1u << e))) return e;
    return 0;
}

const char *fs_default_text(const fs_key *k, char *buf, size_t n)
{
    if (!k->default_of) {
        if (!k->default_text) return NULL;
        snprintf(buf, n, "%s", k->default_text);
        return buf;
    }
    /* the first engine's value, then each other engine's where it differs */
    unsigned first = first_engine(k);
    char primary[96], other[96];
    k->default_of(first, primary, sizeof primary);
    size_t used = 0;
    buf[0] = '\0';
    append(buf, n, &used, primary);
    bool open = false;
    for (unsigned e = first + 1; fs_engine_values[e]; e++) {
        if (k->engines && !(k->engines & (1u << e))) continue;
        k->default_of(e, other, sizeof other);
        if (!strcmp(other, primary)) continue;
        append(buf, n, &used, open ? ", " : " (");
        append(buf, n, &used, fs_engine_values[e]);
        append(buf, n, &used, ": ");
        append(buf, n, &used, other);
        open = true;
    }
    if (open) append(buf, n, &used, ")");
    return buf;
}

/* The JSON Schema "default": the first engine's value, typed as the key. */
static json_t *default_value(const fs_key *k)
{
    char text[96];
    if (!k->default_of || !k->default_of(first_engine(k), text, sizeof text)) return NULL;
    switch (k->type) {
    case FS_INT: return json_integer(strtoll(text, NULL, 10));
    case FS_NUMBER: return json_real(strtod(text, NULL));
    case FS_BOOL: return json_boolean(!strcmp(text, "true"));
    case FS_GPU_LAYERS: return strcmp(text, "all") ? json_integer(strtoll(text, NULL, 10)) : json_string(text);
    default: return json_string(text);
    }
}

static json_t *enum_of(const char *const *values)
{
    json_t *a = json_array();
    for (size_t i = 0; values[i]; i++) json_array_append_new(a, json_string(values[i]));
    json_t *o = json_object();
    json_object_set_new(o, "enum", a);
    return o;
}

/* The GPU catalog's ids: the lowering refuses any other model (E0208). */
static json_t *gpu_model_schema(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < gpu_catalog_count(); i++) json_array_append_new(a, json_string(gpu_catalog_at(i)->id));
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("string"));
    json_object_set_new(o, "enum", a);
    return o;
}

static json_t *ref(const char *name)
{
    char buf[128];
    snprintf(buf, sizeof buf, "#/definitions/%s", name);
    json_t *o = json_object();
    json_object_set_new(o, "$ref", json_string(buf));
    return o;
}

static void set_range(json_t *o, const fs_key *k)
{
    if (!(k->max > k->min)) return;
    json_object_set_new(o, k->flags & FS_MIN_EXCLUSIVE ? "exclusiveMinimum" : "minimum",
                        json_integer((json_int_t)k->min));
    if (k->max < 1e17) json_object_set_new(o, "maximum", k->type == FS_NUMBER || k->item == FS_NUMBER
                                                              ? json_real(k->max) : json_integer((json_int_t)k->max));
}

static json_t *scalar_schema(const fs_key *k, fs_type t)
{
    json_t *o = json_object();
    switch (t) {
    case FS_STRING:
        if (k->id == FK_GPU_MODEL) {
            json_decref(o);
            return gpu_model_schema();
        }
        if (k->id == FK_ENGINE) { /* a kind, or a build of engines: (a name) */
            json_t *named = json_object(), *any = json_array();
            json_object_set_new(named, "type", json_string("string"));
            json_object_set_new(named, "pattern", json_string(NAME_PATTERN));
            json_array_append_new(any, enum_of(fs_engine_values));
            json_array_append_new(any, named);
            json_object_set_new(o, "anyOf", any);
            break;
        }
        json_object_set_new(o, "type", json_string("string"));
        /* the lowering refuses "" for every string but an extra argument */
        if (k->id != FK_EXTRA_ARGS) json_object_set_new(o, "minLength", json_integer(1));
        if (k->flags & FS_NAME) json_object_set_new(o, "pattern", json_string(NAME_PATTERN));
        if (k->flags & FS_ABSPATH) json_object_set_new(o, "pattern", json_string("^/"));
        if (k->flags & FS_CPU_LIST) json_object_set_new(o, "pattern", json_string(FS_CPU_LIST_PATTERN));
        if (k->flags & FS_UNIT_NAME) json_object_set_new(o, "pattern", json_string(FS_UNIT_NAME_PATTERN));
        /* common/cors_origin.c, loosely: the lowering checks the rest */
        if (k->flags & FS_ORIGIN) json_object_set_new(o, "pattern", json_string("^(\\*|https?://[^/?#@]+)$"));
        /* common/host_name.c ip_network_valid, loosely: the lowering checks the rest */
        if (k->flags & FS_IP_NETWORK)
            json_object_set_new(o, "pattern",
                                json_string("^(localhost|link-local|multicast|[0-9A-Fa-f:.]+(/(0|[1-9][0-9]{0,2}))?)$"));
        if (k->flags & FS_IPADDR) {
            /* inet_pton(AF_INET or AF_INET6): a literal address, not a host name */
            json_t *v4 = json_object(), *v6 = json_object(), *any = json_array();
            json_object_set_new(v4, "format", json_string("ipv4"));
            json_object_set_new(v6, "format", json_string("ipv6"));
            json_array_append_new(any, v4);
            json_array_append_new(any, v6);
            json_object_set_new(o, "anyOf", any);
        }
        break;
    case FS_INT: json_object_set_new(o, "type", json_string("integer")); set_range(o, k); break;
    case FS_NUMBER: json_object_set_new(o, "type", json_string("number")); set_range(o, k); break;
    case FS_BOOL: json_object_set_new(o, "type", json_string("boolean")); break;
    case FS_SIZE: {
        json_t *i = json_object();
        json_object_set_new(i, "type", json_string("integer"));
        json_object_set_new(i, "minimum", json_integer(0));
        json_t *s = json_object();
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "pattern", json_string(SIZE_PATTERN));
        json_t *any = json_array();
        json_array_append_new(any, i);
        json_array_append_new(any, s);
        json_object_set_new(o, "anyOf", any);
        break;
    }
    case FS_ENUM: json_decref(o); o = enum_of(k->values); break;
    case FS_GPU_LAYERS: {
        json_t *i = json_object();
        json_object_set_new(i, "type", json_string("integer"));
        json_object_set_new(i, "minimum", json_integer(0));
        json_t *all = json_object();
        json_object_set_new(all, "const", json_string("all"));
        json_t *any = json_array();
        json_array_append_new(any, all);
        json_array_append_new(any, i);
        json_object_set_new(o, "anyOf", any);
        break;
    }
    case FS_CACHE: {
        /* the built-in types, or a name a build declares (engines: cache_types) */
        json_t *type = json_object(), *any_type = json_array(), *named = json_object();
        json_object_set_new(named, "type", json_string("string"));
        json_object_set_new(named, "pattern", json_string(NAME_PATTERN));
        json_array_append_new(any_type, enum_of(fs_cache_values));
        json_array_append_new(any_type, named);
        json_object_set_new(type, "anyOf", any_type);
        json_t *kv = json_object();
        json_object_set_new(kv, "type", json_string("object"));
        json_t *props = json_object();
        json_object_set_new(props, "k", json_deep_copy(type));
        json_object_set_new(props, "v", json_deep_copy(type));
        json_object_set_new(kv, "properties", props);
        json_object_set_new(kv, "additionalProperties", json_false());
        json_t *any = json_array();
        json_array_append_new(any, type);
        json_array_append_new(any, kv);
        json_object_set_new(o, "anyOf", any);
        break;
    }
    default: break;
    }
    return o;
}

static json_t *key_schema(const fs_key *k)
{
    json_t *o;
    switch (k->type) {
    case FS_OBJECT: o = ref(k->object->name); break;
    case FS_NAMED_MAP: {
        o = json_object();
        json_object_set_new(o, "type", json_string("object"));
        json_t *names = json_object();
        json_object_set_new(names, "pattern", json_string(NAME_PATTERN));
        json_object_set_new(o, "propertyNames", names);
        json_object_set_new(o, "additionalProperties", ref(k->object->name));
        break;
    }
    case FS_STRING_MAP: {
        o = json_object();
        json_object_set_new(o, "type", json_string("object"));
        json_t *names = json_object();
        json_object_set_new(names, "pattern", json_string(k->flags & FS_ENV_NAMES ? FS_ENV_NAME_PATTERN : NAME_PATTERN));
        if (k->flags & FS_ENV_NAMES) json_object_set_new(names, "not", enum_of(fs_env_reserved));
        json_object_set_new(o, "propertyNames", names);
        json_t *value;
        if (k->flags & FS_ENV_NAMES) {
            /* a value is text; YAML's 1 and true are written as they read */
            json_t *str = json_object(), *other = json_object(), *any = json_array();
            json_object_set_new(str, "type", json_string("string"));
            json_object_set_new(str, "pattern", json_string("^[^\\u0000-\\u001f\\u007f]*$"));
            json_t *types = json_array();
            json_array_append_new(types, json_string("number"));
            json_array_append_new(types, json_string("boolean"));
            json_object_set_new(other, "type", types);
            json_array_append_new(any, str);
            json_array_append_new(any, other);
            value = json_object();
            json_object_set_new(value, "anyOf", any);
        } else {
            value = scalar_schema(k, FS_STRING);
        }
        json_object_set_new(o, "additionalProperties", value);
        break;
    }
    case FS_LIST: {
        o = json_object();
        json_object_set_new(o, "type", json_string("array"));
        json_t *items;
        if (k->item == FS_OBJECT) {
            items = ref(k->object->name);
            if (k->flags & FS_SCALAR_ITEM) {
                json_t *any = json_array();
                json_array_append_new(any, k->id == FK_HOST_GPUS ? gpu_model_schema() : scalar_schema(k, FS_STRING));
                json_array_append_new(any, items);
                items = json_object();
                json_object_set_new(items, "anyOf", any);
            }
        } else {
            items = scalar_schema(k, k->item);
        }
        json_object_set_new(o, "items", items);
        if (k->flags & FS_UNIQUE) json_object_set_new(o, "uniqueItems", json_true());
        break;
    }
    default: o = scalar_schema(k, k->type); break;
    }
    char doc[512];
    if (k->engines) {
        char eng[64];
        fs_engines_text(k->engines, eng, sizeof eng);
        snprintf(doc, sizeof doc, "%s (%s)", k->doc, eng);
    } else {
        snprintf(doc, sizeof doc, "%s", k->doc);
    }
    char dflt[256];
    if (fs_default_text(k, dflt, sizeof dflt)) {
        size_t n = strlen(doc);
        snprintf(doc + n, sizeof doc - n, " Default: %s.", dflt);
    }
    if (json_object_get(o, "$ref")) { /* draft-07 ignores siblings of $ref: wrap it */
        json_t *all = json_array();
        json_array_append_new(all, o);
        o = json_object();
        json_object_set_new(o, "allOf", all);
    }
    json_object_set_new(o, "description", json_string(doc));
    json_t *value = default_value(k);
    if (value) json_object_set_new(o, "default", value);
    return o;
}

static json_t *object_schema(const fs_object *obj)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("object"));
    json_object_set_new(o, "description", json_string(obj->doc));
    json_t *props = json_object();
    json_t *req = json_array();
    for (const fs_object *x = obj; x; x = x->also)
        for (size_t i = 0; i < x->n_keys; i++) {
            json_object_set_new(props, x->keys[i].name, key_schema(&x->keys[i]));
            if (x == obj && (x->keys[i].flags & FS_REQUIRED)) json_array_append_new(req, json_string(x->keys[i].name));
        }
    json_object_set_new(o, "properties", props);
    if (json_array_size(req)) json_object_set_new(o, "required", req);
    else json_decref(req);
    json_object_set_new(o, "additionalProperties", json_false());
    return o;
}

int fs_write_json_schema(FILE *out)
{
    static const fs_object *const defs[] = {&fs_options, &fs_checks, &fs_engine, &fs_cache_type, &fs_host, &fs_gpu,
                                            &fs_llama_swap, &fs_model, &fs_shape, &fs_service};
    json_t *root = object_schema(&fs_root);
    json_t *head = json_object();
    json_object_set_new(head, "$schema", json_string("http://json-schema.org/draft-07/schema#"));
    json_object_set_new(head, "title", json_string("infrac fleet file"));
    json_t *ext = json_object();
    json_object_set_new(ext, "^x-", json_object()); /* extension keys: anchors to share */
    json_object_set_new(root, "patternProperties", ext);
    json_object_update(head, root);
    json_decref(root);
    json_t *definitions = json_object();
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
        json_object_set_new(definitions, defs[i]->name, object_schema(defs[i]));
    json_object_set_new(head, "definitions", definitions);
    int rc = json_dumpf(head, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : -1;
    fputc('\n', out);
    json_decref(head);
    return rc;
}

static const char *md_type(const fs_key *k, char *buf, size_t n)
{
    switch (k->type) {
    case FS_STRING: return k->flags & FS_NAME ? "name" : k->flags & FS_ABSPATH ? "absolute path"
                         : k->flags & FS_CPU_LIST ? "CPU list"
                         : k->flags & FS_IPADDR ? "IP address" : k->flags & FS_USERNAME ? "user name" : "string";
    case FS_INT: case FS_NUMBER:
        if (k->max > k->min) {
            if (k->max >= 1e17) snprintf(buf, n, "%s >%s %g", k->type == FS_INT ? "integer" : "number",
                                         k->flags & FS_MIN_EXCLUSIVE ? "" : "=", k->min);
            else snprintf(buf, n, "%s %s%g, %g]", k->type == FS_INT ? "integer" : "number",
                          k->flags & FS_MIN_EXCLUSIVE ? "(" : "[", k->min, k->max);
            return buf;
        }
        return k->type == FS_INT ? "integer" : "number";
    case FS_BOOL: return "bool";
    case FS_SIZE: return "size";
    case FS_ENUM: {
        size_t used = 0;
        buf[0] = '\0';
        for (size_t i = 0; k->values[i] && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, "%s`%s`", i ? " \\| " : "", k->values[i]);
        return buf;
    }
    case FS_OBJECT: snprintf(buf, n, "%s (below)", k->object->name); return buf;
    case FS_NAMED_MAP: snprintf(buf, n, "name → %s", k->object->name); return buf;
    case FS_LIST:
        if (k->item == FS_OBJECT) snprintf(buf, n, "list of %s", k->object->name);
        else snprintf(buf, n, "list of %s", k->item == FS_INT ? "integers" : k->item == FS_NUMBER ? "numbers"
                                            : k->flags & FS_UNIT_NAME ? "unit names"
                                            : k->flags & FS_ORIGIN ? "origins"
                                            : k->flags & FS_IP_NETWORK ? "addresses or networks" : "strings");
        return buf;
    case FS_CACHE: return "cache type or {k, v}";
    case FS_GPU_LAYERS: return "`all` or integer";
    case FS_STRING_MAP: return k->flags & FS_ENV_NAMES ? "variable → value" : "host → path";
    }
    return "";
}

void fs_write_markdown(FILE *out)
{
    static const fs_object *const objs[] = {&fs_root, &fs_checks, &fs_engine, &fs_cache_type, &fs_host, &fs_gpu,
                                            &fs_llama_swap, &fs_model, &fs_shape, &fs_service, &fs_options};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        const fs_object *o = objs[i];
        fprintf(out, "### %s\n\n%s\n\n| key | type | default | engines | description |\n|---|---|---|---|---|\n",
                o == &fs_options ? "service options (defaults)" : o->name, o->doc);
        for (size_t j = 0; j < o->n_keys; j++) {
            const fs_key *k = &o->keys[j];
            char tb[256], eng[64], dflt[256];
            fs_engines_text(k->engines, eng, sizeof eng);
            const char *d = fs_default_text(k, dflt, sizeof dflt);
            fprintf(out, "| `%s`%s | %s | %s | %s | %s |\n", k->name, k->flags & FS_REQUIRED ? " (required)" : "",
                    md_type(k, tb, sizeof tb), d ? d : "", k->engines ? eng : "all",
                    k->doc);
        }
        if (o->also) fprintf(out, "\nA %s also takes every service option below.\n", o->name);
        fputc('\n', out);
    }
}
