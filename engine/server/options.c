/* Server options from an engine config file (docs/engine-config.md) or
 * from command-line flags. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "chat_template.h"
#include "reasoning.h"
#include "infrac_engine_flags.h"
#include "cors.h"
#include "ggml_types.h"
#include "host_check.h"
#include "server.h"

/* The values a server starts from before its config or flags: what
 * server_options_init sets and what server_usage prints as defaults. */
static const server_options server_defaults = {
    .bind = "127.0.0.1",
    .port = 8080,
    .parallel = 1,
    .cache_k = GGML_T_F16,
    .cache_v = GGML_T_F16,
    .reasoning_format = REASONING_DEEPSEEK,
    .metrics = true,
    .max_body = 4u << 20,
    .timeout_s = 60,
    .header_timeout_s = 10,
    .body_timeout_s = 60,
    .shutdown_s = 10,
};

/* queue 0 means this many waiting requests per slot. */
#define QUEUE_PER_SLOT 4

void server_options_init(server_options *o)
{
    *o = server_defaults;
    if (!(o->bind = strdup(server_defaults.bind)))
        abort();
}

void server_options_free(server_options *o)
{
    free(o->model_path);
    free(o->alias);
    free(o->bind);
    free(o->api_key_file);
    free(o->chat_template);
    for (size_t i = 0; i < o->n_allow_hosts; i++)
        free(o->allow_hosts[i]);
    free(o->allow_hosts);
    for (size_t i = 0; i < o->n_cors_origins; i++)
        free(o->cors_origins[i]);
    free(o->cors_origins);
    memset(o, 0, sizeof *o);
}

static void set_str(char **dst, const char *s)
{
    free(*dst);
    *dst = s ? strdup(s) : NULL;
}

/* Adds a name the Host check accepts; false with a message when it cannot
 * be one (a port, brackets or a pattern would never match). */
static bool add_allowed_host(server_options *o, const char *name, char *err, size_t errlen)
{
    if (!host_name_valid(name)) {
        snprintf(err, errlen,
                 "'%s' is not a host name: give a DNS name or an IP address, without port", name);
        return false;
    }
    char **v = realloc(o->allow_hosts, (o->n_allow_hosts + 1) * sizeof *v);
    if (!v)
        abort();
    o->allow_hosts = v;
    if (!(v[o->n_allow_hosts++] = strdup(name)))
        abort();
    return true;
}

/* The alias default: the model file's name without directory and .gguf. */
static void default_alias(server_options *o)
{
    if (o->alias || !o->model_path)
        return;
    const char *base = strrchr(o->model_path, '/');
    base = base ? base + 1 : o->model_path;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".gguf") == 0)
        n -= 5;
    o->alias = strndup(base, n);
}

static bool check_options(server_options *o, char *err, size_t errlen)
{
    if (!o->model_path) {
        snprintf(err, errlen, "no model: pass --model FILE or --config FILE");
        return false;
    }
    if (o->parallel == 0) {
        snprintf(err, errlen, "parallel must be at least 1");
        return false;
    }
    if (o->context && o->context < o->parallel) {
        snprintf(err, errlen, "context (%u) must give every one of the %u slots a cell",
                 o->context, o->parallel);
        return false;
    }
    if (o->chat_template && chat_format_from_name(o->chat_template) < 0) {
        snprintf(err, errlen, "unknown chat template '%s': use chatml, llama3, mistral or gemma",
                 o->chat_template);
        return false;
    }
    if (o->queue == 0)
        o->queue = QUEUE_PER_SLOT * o->parallel;
    default_alias(o);
    return true;
}

static bool cache_type(const char *name, int *out, char *err, size_t errlen)
{
    int t = ggml_type_from_name(name);
    if (t != GGML_T_F32 && t != GGML_T_F16 && t != GGML_T_Q8_0 && t != GGML_T_Q4_0) {
        snprintf(err, errlen, "KV cache type '%s' is not supported: use f32, f16, q8_0 or q4_0",
                 name);
        return false;
    }
    *out = t;
    return true;
}

/* Reads a config key: type-checked, null allowed when nullable. */
static json_t *key(json_t *root, const char *k, json_type type, bool nullable, const char *path,
                   char *err, size_t errlen, bool *ok)
{
    json_t *v = json_object_get(root, k);
    if (v && json_is_null(v) && nullable)
        return NULL;
    if (!v || json_typeof(v) != type) {
        if (*ok)
            snprintf(err, errlen, "%s: key '%s' is %s", path, k,
                     v ? "of the wrong type" : "missing");
        *ok = false;
        return NULL;
    }
    return v;
}

static bool uint_key(json_t *root, const char *k, uint32_t lo, uint32_t hi, uint32_t *out,
                     bool nullable, const char *path, char *err, size_t errlen)
{
    bool ok = true;
    json_t *v = key(root, k, JSON_INTEGER, nullable, path, err, errlen, &ok);
    if (!ok)
        return false;
    if (!v)
        return true;
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi) {
        snprintf(err, errlen, "%s: '%s' is %lld, not in %u..%u", path, k, (long long)i, lo, hi);
        return false;
    }
    *out = (uint32_t)i;
    return true;
}

bool server_options_from_config(server_options *o, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return false;
    }
    bool ok = true;
    json_t *v;
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: not a JSON object", path);
        ok = false;
        goto done;
    }
    v = key(root, "format", JSON_INTEGER, false, path, err, errlen, &ok);
    if (v && json_integer_value(v) != 1) {
        snprintf(err, errlen, "%s: format %lld is not supported (this engine reads format 1)",
                 path, (long long)json_integer_value(v));
        ok = false;
        goto done;
    }
    v = key(root, "engine", JSON_STRING, false, path, err, errlen, &ok);
    if (v && strcmp(json_string_value(v), "infrac") != 0) {
        snprintf(err, errlen, "%s: service of engine '%s', not infrac: run its own command", path,
                 json_string_value(v));
        ok = false;
        goto done;
    }
    if ((v = key(root, "model_path", JSON_STRING, false, path, err, errlen, &ok)))
        set_str(&o->model_path, json_string_value(v));
    if ((v = key(root, "alias", JSON_STRING, false, path, err, errlen, &ok)))
        set_str(&o->alias, json_string_value(v));
    if ((v = key(root, "bind", JSON_STRING, false, path, err, errlen, &ok)))
        set_str(&o->bind, json_string_value(v));
    if ((v = key(root, "api_key_file", JSON_STRING, true, path, err, errlen, &ok)))
        set_str(&o->api_key_file, json_string_value(v));
    if ((v = key(root, "chat_template", JSON_STRING, true, path, err, errlen, &ok)))
        set_str(&o->chat_template, json_string_value(v));
    /* allow_hosts is absent from configs written before it existed. */
    if ((v = json_object_get(root, "allow_hosts")) && !json_is_array(v) && ok) {
        snprintf(err, errlen, "%s: key 'allow_hosts' is of the wrong type", path);
        ok = false;
    }
    for (size_t i = 0; ok && v && i < json_array_size(v); i++) {
        const char *name = json_string_value(json_array_get(v, i));
        if (!name) {
            snprintf(err, errlen, "%s: allow_hosts[%zu] is not a string", path, i);
            ok = false;
        } else if (!add_allowed_host(o, name, err, errlen))
            ok = false;
    }
    /* The fleet's address of the host is how its clients name it (one that
     * cannot be a Host name could never match, so it adds nothing). */
    v = json_object_get(root, "host_address");
    if (ok && json_is_string(v) && host_name_valid(json_string_value(v)))
        add_allowed_host(o, json_string_value(v), err, errlen);
    if ((v = json_object_get(root, "metrics")) && json_is_boolean(v))
        o->metrics = json_is_true(v);
    else if (ok) {
        snprintf(err, errlen, "%s: key 'metrics' is %s", path, v ? "of the wrong type" : "missing");
        ok = false;
    }
    if (!ok)
        goto done;
    uint32_t port = 0;
    if (!uint_key(root, "port", 1, 65535, &port, false, path, err, errlen) ||
        !uint_key(root, "context", 1, UINT32_MAX, &o->context, false, path, err, errlen) ||
        !uint_key(root, "parallel", 1, 4096, &o->parallel, false, path, err, errlen) ||
        !uint_key(root, "threads", 1, 4096, &o->threads, true, path, err, errlen) ||
        !uint_key(root, "batch", 1, 1u << 20, &o->batch, false, path, err, errlen)) {
        ok = false;
        goto done;
    }
    o->port = (uint16_t)port;
    const char *kinds[2] = {"cache_k", "cache_v"};
    int *dst[2] = {&o->cache_k, &o->cache_v};
    for (int i = 0; i < 2; i++) {
        v = key(root, kinds[i], JSON_STRING, false, path, err, errlen, &ok);
        if (!ok || !cache_type(json_string_value(v), dst[i], err, errlen)) {
            ok = false;
            goto done;
        }
    }
    v = json_object_get(root, "gpus");
    if (json_is_array(v) && json_array_size(v) > 0)
        fprintf(stderr, "infrac-engine: %s: gpus are listed but infrac-engine runs on the CPU\n",
                path);
    ok = check_options(o, err, errlen);
done:
    json_decref(root);
    return ok;
}

static bool parse_uint(const char *flag, const char *s, uint32_t lo, uint32_t hi, uint32_t *out,
                       char *err, size_t errlen)
{
    char *end;
    errno = 0;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v < lo || v > hi || s[0] == '-') {
        snprintf(err, errlen, "%s needs a number in %u..%u", flag, lo, hi);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* A number flag's value, or the error. */
#define NUMBER(lo, hi, dst)                                                                        \
    do {                                                                                           \
        if (!parse_uint(a, val, lo, hi, dst, err, errlen))                                         \
            return false;                                                                          \
    } while (0)

bool server_options_from_args(server_options *o, int argc, char **argv, char *err, size_t errlen)
{
    uint32_t u;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const ie_flag *f = ie_flag_find(a, IEF_SERVER);
        if (!f) {
            snprintf(err, errlen, "unknown option '%s' (see --help)", a);
            return false;
        }
        const char *val = NULL;
        if (f->takes_value) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "%s needs a value", a);
                return false;
            }
            val = argv[++i];
        }
        switch (f->id) {
        case IEF_CONFIG:
            if (!server_options_from_config(o, val, err, errlen))
                return false;
            break;
        case IEF_SERVE: break;
        case IEF_MODEL: set_str(&o->model_path, val); break;
        case IEF_ALIAS: set_str(&o->alias, val); break;
        case IEF_HOST: set_str(&o->bind, val); break;
        case IEF_PORT:
            NUMBER(1, 65535, &u);
            o->port = (uint16_t)u;
            break;
        case IEF_PARALLEL: NUMBER(1, 4096, &o->parallel); break;
        case IEF_CONTEXT: NUMBER(0, UINT32_MAX, &o->context); break;
        case IEF_THREADS: NUMBER(0, 4096, &o->threads); break;
        case IEF_BATCH: NUMBER(1, 1u << 20, &o->batch); break;
        case IEF_QUEUE: NUMBER(1, 1u << 20, &o->queue); break;
        case IEF_CACHE_K:
        case IEF_CACHE_V:
            if (!cache_type(val, f->id == IEF_CACHE_K ? &o->cache_k : &o->cache_v, err, errlen))
                return false;
            break;
        case IEF_API_KEY_FILE: set_str(&o->api_key_file, val); break;
        case IEF_CHAT_TEMPLATE: set_str(&o->chat_template, val); break;
        case IEF_REASONING_FORMAT:
            if (reasoning_format_from_name(val) < 0) {
                snprintf(err, errlen, "--reasoning-format %s: expected none, deepseek, "
                                      "deepseek-legacy or auto", val);
                return false;
            }
            o->reasoning_format = reasoning_format_from_name(val);
            break;
        case IEF_CORS_ORIGIN:
            if (!cors_add_origin(o, val, err, errlen))
                return false;
            break;
        case IEF_METRICS: o->metrics = true; break;
        case IEF_NO_METRICS: o->metrics = false; break;
        case IEF_MAX_BODY:
            NUMBER(64, 1u << 30, &u);
            o->max_body = u;
            break;
        case IEF_TIMEOUT:
            NUMBER(1, 86400, &u);
            o->timeout_s = u;
            break;
        case IEF_SHUTDOWN_TIMEOUT:
            NUMBER(0, 3600, &u);
            o->shutdown_s = u;
            break;
        case IEF_HEADER_TIMEOUT: NUMBER(1, 86400, &o->header_timeout_s); break;
        case IEF_BODY_TIMEOUT: NUMBER(1, 86400, &o->body_timeout_s); break;
        case IEF_ALLOW_HOST:
            if (!add_allowed_host(o, val, err, errlen))
                return false;
            break;
        default: /* a one-shot flag: ie_flag_find gave none for IEF_SERVER */
            snprintf(err, errlen, "unknown option '%s' (see --help)", a);
            return false;
        }
    }
    return check_options(o, err, errlen);
}
#undef NUMBER

bool server_cli_requested(int argc, char **argv)
{
    static const ie_flag_id serving[] = {IEF_CONFIG, IEF_SERVE, IEF_PORT, IEF_HOST};
    for (int i = 1; i < argc; i++)
        for (size_t j = 0; j < sizeof serving / sizeof serving[0]; j++)
            if (strcmp(argv[i], ie_flag_get(serving[j])->long_name) == 0)
                return true;
    return false;
}

/* The default server_usage shows for a flag, from server_defaults. */
static bool server_flag_default(ie_flag_id id, char *buf, size_t n)
{
    const server_options *d = &server_defaults;
    switch (id) {
    case IEF_HOST: snprintf(buf, n, "%s", d->bind); return true;
    case IEF_PORT: snprintf(buf, n, "%u", (unsigned)d->port); return true;
    case IEF_PARALLEL: snprintf(buf, n, "%u", d->parallel); return true;
    case IEF_QUEUE: snprintf(buf, n, "%u x slots", QUEUE_PER_SLOT); return true;
    case IEF_CACHE_K:
    case IEF_CACHE_V:
        snprintf(buf, n, "%s", ggml_type_get((uint32_t)(id == IEF_CACHE_K ? d->cache_k : d->cache_v))->name);
        return true;
    case IEF_REASONING_FORMAT:
        snprintf(buf, n, "%s", reasoning_format_name((reasoning_format)d->reasoning_format));
        return true;
    case IEF_METRICS: snprintf(buf, n, "%s", d->metrics ? "on" : "off"); return true;
    case IEF_MAX_BODY:
        if (d->max_body % (1u << 20) == 0)
            snprintf(buf, n, "%zu MiB", d->max_body >> 20);
        else
            snprintf(buf, n, "%zu", d->max_body);
        return true;
    case IEF_TIMEOUT: snprintf(buf, n, "%u", d->timeout_s); return true;
    case IEF_HEADER_TIMEOUT: snprintf(buf, n, "%u", d->header_timeout_s); return true;
    case IEF_BODY_TIMEOUT: snprintf(buf, n, "%u", d->body_timeout_s); return true;
    case IEF_SHUTDOWN_TIMEOUT: snprintf(buf, n, "%u", d->shutdown_s); return true;
    default: return false;
    }
}

void server_usage(FILE *out)
{
    fprintf(out,
            "usage: infrac-engine %s OUT/<host>/etc/<service>.json [flags]\n"
            "       infrac-engine %s %s FILE [flags]\n"
            "Serves an OpenAI-compatible API (docs/engine-api.md).\n",
            ie_flag_get(IEF_CONFIG)->long_name, ie_flag_get(IEF_SERVE)->long_name,
            ie_flag_get(IEF_MODEL)->long_name);
    ie_flags_usage(out, IEF_SERVER, server_flag_default);
}
