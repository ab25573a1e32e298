/* infrac status FLEET|OUT [--host NAME] [--format text|json] [--timeout S] [--root DIR]:
 * the live state of every service against the plan (docs/targets.md,
 * "Status"). Each service is probed over HTTP (/health, then /v1/models
 * with the plan's API key); on this machine the unit's state comes from
 * systemd and the services an install left behind from the host's files. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "driver.h"
#include "run_health.h"
#include "run_services.h"
#include "status_host.h"
#include "status_probe.h"
#include "targets.h"

#define DEFAULT_TIMEOUT_MS 2000

typedef enum svc_state { ST_UP, ST_DOWN, ST_STARTING, ST_DRIFTED, ST_UNEXPECTED } svc_state;
static const char *const state_names[] = {"up", "down", "starting", "drifted", "unexpected"};

typedef struct svc {
    const char *name, *host, *engine, *alias, *exclusive, *key_file, *unit;
    char addr[256];
    int port;
    bool autostart, local;
    bool launchd;     /* a Mac's job (unit is its launchd label) */
    svc_state state;
    bool as_planned;  /* down, and the plan does not run it now */
    bool running;     /* something of ours answers, or its unit is active */
    char served[256]; /* model ids /v1/models lists */
    char unit_state[80];
    char detail[400];
} svc;

typedef struct status_opts {
    const char *host, *root;
    bool json;
    int timeout_ms;
} status_opts;

static int usage(FILE *f, const char *why)
{
    if (why)
        fprintf(stderr, "infrac status: %s\n", why);
    fputs("usage: infrac status FLEET|OUT [--host NAME] [--format text|json] [--timeout SECONDS]\n"
          "                     [--root DIR]\n"
          "Probes every service of the plan (a fleet file, or the OUT of infrac build): the port,\n"
          "GET /health, GET /v1/models with the plan's API key; on this machine also the unit's\n"
          "state (systemctl show; on a Mac the launchd job's, launchctl print) and services\n"
          "installed here that the fleet no longer has.\n"
          "Each service is up, down, starting, drifted or unexpected.\n"
          "  --host NAME       only this host\n"
          "  --format FORMAT   text (default) or json\n"
          "  --timeout SECONDS per probe, connect to last byte (default 2)\n"
          "  --root DIR        where this machine's install lives (INFRAC_INSTALL_ROOT of install.sh)\n"
          "exit status: 0 all as planned, 1 a service down, drifted or unexpected, 2 usage\n",
          f);
    return f == stdout ? 0 : 2;
}

/* The plan as JSON (docs/plan-json.md): OUT/plan.json, or the fleet compiled in memory. */
typedef struct plan_ctx {
    json_t *json;
} plan_ctx;

static int plan_from_fleet(const plan *p, struct diag_list *diags, void *ctx)
{
    (void)diags;
    char *text = target_plan_json(p);
    ((plan_ctx *)ctx)->json = json_loads(text, 0, NULL);
    free(text);
    return 0;
}

static json_t *load_plan(const char *what)
{
    struct stat st;
    if (stat(what, &st) == 0 && S_ISDIR(st.st_mode)) {
        char path[4200];
        snprintf(path, sizeof path, "%s/plan.json", what);
        json_error_t je;
        json_t *j = json_load_file(path, 0, &je);
        if (!j)
            fprintf(stderr, "infrac status: %s: %s (is it the output of infrac build?)\n", path, je.text);
        return j;
    }
    plan_ctx ctx = {NULL};
    compile_options o = {DIAG_FORMAT_TEXT, -1, false, stderr, plan_from_fleet, &ctx};
    if (infrac_compile(what, &o, NULL) != 0) {
        json_decref(ctx.json);
        return NULL;
    }
    return ctx.json;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* What /v1/models says each engine owns its models as. */
static const char *owner_of(const char *engine)
{
    if (strcmp(engine, "infrac") == 0)
        return "infrac";
    if (strcmp(engine, "llama.cpp") == 0)
        return "llamacpp"; /* llama.cpp tools/server/server.cpp */
    if (strcmp(engine, "vllm") == 0)
        return "vllm"; /* vllm/entrypoints/openai/protocol.py ModelCard */
    return NULL;
}

/* /v1/models: which models answer, and whose engine answers. */
static void check_models(svc *s, const status_opts *o)
{
    char *key = s->key_file ? status_read_key(s->local ? o->root : "", s->key_file) : NULL;
    probe_reply r;
    probe_get(s->addr, s->port, "/v1/models", key, o->timeout_ms, &r);
    bool had_key = key != NULL;
    if (key)
        memset(key, 0, strlen(key)), free(key);
    if (r.result != PROBE_OK) {
        s->state = ST_DRIFTED;
        snprintf(s->detail, sizeof s->detail, "/health answers but GET /v1/models: %s", r.detail);
        return;
    }
    if (r.status == 401 || r.status == 403) {
        if (s->key_file && !had_key) {
            s->state = ST_UP;
            snprintf(s->detail, sizeof s->detail,
                     "healthy; model not checked: key file %s is not readable here", s->key_file);
        } else {
            s->state = ST_DRIFTED;
            snprintf(s->detail, sizeof s->detail, "GET /v1/models answered %d: %s", r.status,
                     s->key_file ? "the plan's API key is refused" : "it asks for a key the plan does not set");
        }
        probe_reply_free(&r);
        return;
    }
    json_t *j = r.status == 200 ? json_loads(r.body, 0, NULL) : NULL;
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        s->state = ST_DRIFTED;
        snprintf(s->detail, sizeof s->detail,
                 "another process on port %d: GET /v1/models answered %d without a model list", s->port,
                 r.status);
        json_decref(j);
        probe_reply_free(&r);
        return;
    }
    bool found = false;
    const char *owner = NULL;
    size_t used = 0;
    for (size_t i = 0; i < json_array_size(data); i++) {
        json_t *m = json_array_get(data, i);
        const char *id = str(m, "id");
        if (!id)
            continue;
        if (strcmp(id, s->alias) == 0)
            found = true, owner = str(m, "owned_by");
        else if (!owner)
            owner = str(m, "owned_by");
        int w = snprintf(s->served + used, sizeof s->served - used, "%s%s", used ? "," : "", id);
        if (w > 0 && used + (size_t)w < sizeof s->served)
            used += (size_t)w;
    }
    const char *want_owner = owner_of(s->engine);
    s->running = true;
    if (owner && want_owner && strcmp(owner, want_owner) != 0) {
        s->state = ST_DRIFTED;
        snprintf(s->detail, sizeof s->detail, "another engine answers on port %d (owned_by %s, planned %s)",
                 s->port, owner, s->engine);
    } else if (!found) {
        s->state = ST_DRIFTED;
        snprintf(s->detail, sizeof s->detail, "serves %s, planned %s", used ? s->served : "no model",
                 s->alias);
    } else {
        s->state = ST_UP;
        snprintf(s->detail, sizeof s->detail, "serves %s", s->alias);
    }
    json_decref(j);
    probe_reply_free(&r);
}

static void probe_service(svc *s, const status_opts *o)
{
    probe_reply r;
    probe_get(s->addr, s->port, "/health", NULL, o->timeout_ms, &r);
    switch (r.result) {
    case PROBE_REFUSED:
    case PROBE_UNREACHABLE:
        s->state = ST_DOWN;
        snprintf(s->detail, sizeof s->detail, "%s%s", r.detail,
                 r.result == PROBE_REFUSED ? ": nothing listens on the port" : "");
        break;
    case PROBE_TIMEOUT:
        s->state = ST_DOWN;
        snprintf(s->detail, sizeof s->detail, "the port accepts connections but %s", r.detail);
        break;
    case PROBE_GARBAGE:
        s->state = ST_DRIFTED;
        snprintf(s->detail, sizeof s->detail, "another process on port %d: %s", s->port, r.detail);
        break;
    case PROBE_OK:
        if (r.status == 503) {
            s->state = ST_STARTING;
            s->running = true;
            snprintf(s->detail, sizeof s->detail, "/health answers 503: the model is loading");
        } else if (r.status == 200)
            check_models(s, o);
        else {
            s->state = ST_DRIFTED;
            snprintf(s->detail, sizeof s->detail, "another process on port %d: GET /health answered %d",
                     s->port, r.status);
        }
        break;
    }
    probe_reply_free(&r);
    if (s->local && s->unit_state[0]) {
        bool active = strncmp(s->unit_state, "active/", 7) == 0 || strncmp(s->unit_state, "activating/", 11) == 0;
        if (active)
            s->running = true;
        if (active && s->state == ST_DOWN && strncmp(s->unit_state, "activating/", 11) == 0) {
            s->state = ST_STARTING;
            snprintf(s->detail, sizeof s->detail, "%s %s is %s", s->launchd ? "launchd job" : "unit", s->unit, s->unit_state);
        }
    }
}

/* Services of one exclusive group never run together (Conflicts=): two
 * running is drift; the others of a group whose one member runs, and those
 * the target does not start, are down as planned. */
static void judge_groups(svc *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        svc *s = &v[i];
        const char *peer = NULL;
        for (size_t k = 0; k < n && s->exclusive; k++)
            if (k != i && v[k].exclusive && strcmp(v[k].host, s->host) == 0 &&
                strcmp(v[k].exclusive, s->exclusive) == 0 && v[k].running)
                peer = peer ? peer : v[k].name;
        if (peer && s->running) {
            s->state = ST_DRIFTED;
            snprintf(s->detail, sizeof s->detail, "runs together with %s of exclusive group %s", peer,
                     s->exclusive);
        } else if (s->state == ST_DOWN && (peer || !s->autostart)) {
            s->as_planned = true;
            size_t l = strlen(s->detail);
            snprintf(s->detail + l, sizeof s->detail - l, "; as planned: %s%s",
                     peer ? "its exclusive peer runs: " : "not started by the target", peer ? peer : "");
        }
    }
}

/* The probe address: the bind when it names one, else the host's address. */
static void set_addr(svc *s, const char *bind, const char *host_addr)
{
    bool wildcard = strcmp(bind, "0.0.0.0") == 0 || strcmp(bind, "::") == 0 || strcmp(bind, "[::]") == 0;
    const char *a = wildcard ? (host_addr ? host_addr : run_probe_address(bind)) : bind;
    size_t l = strlen(a);
    if (l > 2 && a[0] == '[' && a[l - 1] == ']')
        snprintf(s->addr, sizeof s->addr, "%.*s", (int)(l - 2), a + 1);
    else
        snprintf(s->addr, sizeof s->addr, "%s", a);
}

static void print_text(const char *fleet, const svc *v, size_t n, json_t *hosts_seen, json_t *macs_seen)
{
    printf("fleet %s\n", fleet);
    size_t wh = 4, ws = 7;
    for (size_t i = 0; i < n; i++) {
        if (strlen(v[i].host) > wh) wh = strlen(v[i].host);
        if (strlen(v[i].name) > ws) ws = strlen(v[i].name);
    }
    printf("%-*s  %-*s  %-10s  %-28s  %s\n", (int)wh, "HOST", (int)ws, "SERVICE", "STATE", "ADDRESS", "DETAIL");
    for (size_t i = 0; i < n; i++) {
        char where[300];
        snprintf(where, sizeof where, "%s:%d", v[i].addr, v[i].port);
        printf("%-*s  %-*s  %-10s  %-28s  %s", (int)wh, v[i].host, (int)ws, v[i].name, state_names[v[i].state],
               v[i].port ? where : "-", v[i].detail);
        if (v[i].unit_state[0])
            printf(" [%s %s]", v[i].launchd ? "job" : "unit", v[i].unit_state);
        putchar('\n');
    }
    const char *h;
    json_t *val;
    json_object_foreach(hosts_seen, h, val) {
        if (strcmp(json_string_value(val), "absent") == 0)
            printf("%s: systemd is not running on this machine: unit states not read\n", h);
    }
    json_object_foreach(macs_seen, h, val) {
        if (strcmp(json_string_value(val), "absent") == 0)
            printf("%s: launchctl is not on this machine: launchd job states not read\n", h);
    }
}

static void print_json(const char *fleet, const svc *v, size_t n, json_t *hosts_seen, json_t *macs_seen, int code)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:b, s:s}", "host", v[i].host, "service", v[i].name,
                              "state", state_names[v[i].state], "address", v[i].addr, "port", v[i].port,
                              "as_planned", v[i].state == ST_UP || v[i].state == ST_STARTING || v[i].as_planned,
                              "detail", v[i].detail);
        json_object_set_new(o, "unit", v[i].unit ? json_string(v[i].unit) : json_null());
        json_object_set_new(o, "unit_state", v[i].unit_state[0] ? json_string(v[i].unit_state) : json_null());
        json_object_set_new(o, "model_planned", v[i].alias ? json_string(v[i].alias) : json_null());
        json_object_set_new(o, "models_served", v[i].served[0] ? json_string(v[i].served) : json_null());
        json_array_append_new(arr, o);
    }
    json_t *root = json_pack("{s:s, s:i, s:O, s:O, s:o}", "fleet", fleet, "format", 1, "systemd", hosts_seen,
                             "launchd", macs_seen, "services", arr);
    json_object_set_new(root, "exit", json_integer(code));
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS);
    puts(text);
    free(text);
    json_decref(root);
}

int cmd_status(int argc, char **argv)
{
    status_opts o = {NULL, "", false, DEFAULT_TIMEOUT_MS};
    const char *what = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return usage(stdout, NULL);
        if ((strcmp(a, "--host") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "--timeout") == 0 ||
             strcmp(a, "--root") == 0) && i + 1 >= argc)
            return usage(stderr, "an option needs a value");
        if (strcmp(a, "--host") == 0)
            o.host = argv[++i];
        else if (strcmp(a, "--root") == 0)
            o.root = argv[++i];
        else if (strcmp(a, "--format") == 0) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                o.json = true;
            else if (strcmp(f, "text") != 0)
                return usage(stderr, "--format is text or json");
        } else if (strcmp(a, "--timeout") == 0) {
            char *end;
            double t = strtod(argv[++i], &end);
            if (*end || !(t > 0 && t <= 600))
                return usage(stderr, "--timeout takes seconds, more than 0 and at most 600");
            o.timeout_ms = (int)(t * 1000 + 0.5) ? (int)(t * 1000 + 0.5) : 1;
        } else if (a[0] == '-' || what) {
            fprintf(stderr, "infrac status: unexpected argument '%s'\n", a);
            return usage(stderr, NULL);
        } else
            what = a;
    }
    if (!what)
        return usage(stderr, "no fleet file or build output given");
    json_t *pj = load_plan(what);
    if (!pj)
        return 2;
    const char *fleet = str(pj, "fleet");
    json_t *hosts = json_object_get(pj, "hosts"), *services = json_object_get(pj, "services");
    if (!fleet || !json_is_array(hosts) || !json_is_array(services)) {
        fprintf(stderr, "infrac status: %s: not a plan of format 1: rebuild with infrac build\n", what);
        json_decref(pj);
        return 2;
    }
    bool host_found = !o.host;
    size_t cap = json_array_size(services) + 1, n = 0;
    svc *v = calloc(cap, sizeof *v);
    char **extra_names[64] = {0};
    size_t extra_counts[64] = {0}, n_extra_lists = 0;
    json_t *hosts_seen = json_object(); /* local host -> "present" | "absent" */
    json_t *macs_seen = json_object();  /* the same for a local Mac's launchd */
    bool systemd = status_systemd_present(), launchd = status_launchd_present();
    size_t hi;
    json_t *h;
    json_array_foreach(hosts, hi, h) {
        const char *hname = str(h, "name"), *haddr = str(h, "address");
        if (!hname || (o.host && strcmp(o.host, hname) != 0))
            continue;
        host_found = true;
        bool local = run_is_this_machine(hname, haddr) || (haddr && (strcmp(haddr, "localhost") == 0 ||
                                                                     strncmp(haddr, "127.", 4) == 0));
        /* a Mac's jobs are launchd's (plan.json: the host's platform, the
         * service's unit its label) */
        const char *platform = str(h, "platform");
        bool mac = platform && strcmp(platform, "macos") == 0;
        bool supervised = mac ? launchd : systemd;
        if (local)
            json_object_set_new(mac ? macs_seen : hosts_seen, hname, json_string(supervised ? "present" : "absent"));
        size_t si;
        json_t *sj;
        json_array_foreach(services, si, sj) {
            const char *host = str(sj, "host");
            if (!host || strcmp(host, hname) != 0)
                continue;
            svc *s = &v[n++];
            s->name = str(sj, "name");
            s->host = hname;
            s->engine = str(sj, "engine");
            s->alias = str(sj, "alias");
            s->exclusive = str(sj, "exclusive");
            s->key_file = str(sj, "api_key_file");
            s->unit = str(sj, "unit");
            s->port = (int)json_integer_value(json_object_get(sj, "port"));
            s->autostart = !json_is_false(json_object_get(sj, "autostart"));
            s->local = local;
            s->launchd = mac;
            if (!s->name || !s->engine || !s->alias || !str(sj, "bind") || !s->port) {
                fprintf(stderr, "infrac status: %s: service %zu is not of format 1: rebuild\n", what, si);
                n--;
                continue;
            }
            set_addr(s, str(sj, "bind"), haddr);
            if (!local && run_is_local_address(s->addr)) {
                /* A loopback bind on another host: only that host can see it. */
                s->state = ST_DOWN;
                snprintf(s->detail, sizeof s->detail,
                         "bound to %s on %s: not reachable from here (run infrac status on %s)", s->addr,
                         hname, hname);
                continue;
            }
            if (local && supervised && s->unit &&
                !(mac ? status_job_state(s->unit, s->unit_state, sizeof s->unit_state)
                      : status_unit_state(s->unit, s->unit_state, sizeof s->unit_state)))
                snprintf(s->unit_state, sizeof s->unit_state, "unknown");
            probe_service(s, &o);
        }
        if (!local || n_extra_lists == sizeof extra_names / sizeof extra_names[0])
            continue;
        /* Services installed here that the plan no longer has on this host. */
        size_t n_inst = 0;
        char **inst = status_installed_services(o.root, fleet, &n_inst);
        extra_counts[n_extra_lists] = n_inst;
        extra_names[n_extra_lists++] = inst;
        for (size_t k = 0; k < n_inst; k++) {
            bool planned = false;
            for (size_t m = 0; m < n; m++)
                planned |= strcmp(v[m].host, hname) == 0 && strcmp(v[m].name, inst[k]) == 0;
            if (planned)
                continue;
            v = realloc(v, ++cap * sizeof *v);
            svc *s = &v[n++];
            memset(s, 0, sizeof *s);
            s->name = inst[k];
            s->host = hname;
            s->state = ST_UNEXPECTED;
            s->port = status_installed_port(o.root, fleet, inst[k]);
            snprintf(s->addr, sizeof s->addr, "127.0.0.1");
            s->launchd = mac;
            char *unit = mac ? target_launchd_label_of(fleet, inst[k]) : target_unit_name_of(inst[k]);
            if (supervised && !(mac ? status_job_state(unit, s->unit_state, sizeof s->unit_state)
                                    : status_unit_state(unit, s->unit_state, sizeof s->unit_state)))
                snprintf(s->unit_state, sizeof s->unit_state, "unknown");
            free(unit);
            bool answers = false;
            if (s->port) {
                probe_reply r;
                probe_get(s->addr, s->port, "/health", NULL, o.timeout_ms, &r);
                answers = r.result == PROBE_OK;
                probe_reply_free(&r);
            }
            snprintf(s->detail, sizeof s->detail, "installed on this host (%s%s/%s) but not in the fleet%s",
                     o.root, TARGET_CONFIG_DIR, fleet, answers ? "; it still answers on its port" : "");
        }
    }
    int code = 0;
    if (!host_found) {
        fprintf(stderr, "infrac status: no host '%s' in the plan\n", o.host);
        code = 2;
    } else {
        judge_groups(v, n);
        for (size_t i = 0; i < n; i++)
            if ((v[i].state == ST_DOWN && !v[i].as_planned) || v[i].state == ST_DRIFTED ||
                v[i].state == ST_UNEXPECTED)
                code = 1;
        if (o.json)
            print_json(fleet, v, n, hosts_seen, macs_seen, code);
        else
            print_text(fleet, v, n, hosts_seen, macs_seen);
    }
    json_decref(hosts_seen);
    json_decref(macs_seen);
    for (size_t i = 0; i < n_extra_lists; i++) {
        for (size_t k = 0; k < extra_counts[i]; k++)
            free(extra_names[i][k]);
        free(extra_names[i]);
    }
    free(v);
    json_decref(pj);
    return code;
}
