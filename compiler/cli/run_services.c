#include "run_services.h"

#include "shell_quote.h"
#include "strbuf.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir that end with suffix (NULL = any
 * directory entry but . and ..). */
static char **list_dir(const char *dir, const char *suffix, size_t *n)
{
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        size_t l = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (suffix && (l <= sl || strcmp(e->d_name + l - sl, suffix) != 0))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                abort();
        }
        names[(*n)++] = strdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *dup_string(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static bool load_service(run_service *s, const char *path, char **host_name, char **host_addr,
                         char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return false;
    }
    json_t *cmd = json_object_get(o, "command");
    json_t *port = json_object_get(o, "port");
    s->config_path = strdup(path);
    s->name = dup_string(o, "service");
    s->engine = dup_string(o, "engine");
    s->bind = dup_string(o, "bind");
    s->url = dup_string(o, "url");
    *host_name = dup_string(o, "host");
    *host_addr = dup_string(o, "host_address");
    bool ok = json_is_integer(json_object_get(o, "format")) &&
              json_integer_value(json_object_get(o, "format")) == 1 && s->name && s->engine &&
              s->bind && s->url && *host_name && json_is_integer(port) && json_is_array(cmd);
    if (ok) {
        s->port = (int)json_integer_value(port);
        s->command = calloc(json_array_size(cmd) + 1, sizeof *s->command);
        for (size_t i = 0; i < json_array_size(cmd); i++) {
            json_t *a = json_array_get(cmd, i);
            if (!json_is_string(a))
                ok = false;
            else
                s->command[i] = strdup(json_string_value(a));
        }
    }
    if (!ok)
        snprintf(err, errlen,
                 "%s: not an engine config of format 1 (docs/engine-config.md): rebuild with "
                 "infrac build",
                 path);
    json_decref(o);
    return ok;
}

static void free_service(run_service *s)
{
    free(s->config_path);
    free(s->name);
    free(s->engine);
    free(s->bind);
    free(s->url);
    for (size_t i = 0; s->command && s->command[i]; i++)
        free(s->command[i]);
    free(s->command);
}

bool run_tree_load(run_tree *t, const char *out, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    size_t n_dirs = 0;
    char **dirs = list_dir(out, NULL, &n_dirs);
    if (!dirs && access(out, R_OK) != 0) {
        snprintf(err, errlen, "%s: no such build output (run infrac build first)", out);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n_dirs && ok; i++) {
        char etc[4096];
        snprintf(etc, sizeof etc, "%s/%s/etc", out, dirs[i]);
        size_t n_files = 0;
        char **files = list_dir(etc, ".json", &n_files);
        if (!n_files) {
            free_names(files, n_files);
            continue;
        }
        run_host *h = NULL;
        t->hosts = realloc(t->hosts, (t->n_hosts + 1) * sizeof *t->hosts);
        h = &t->hosts[t->n_hosts++];
        memset(h, 0, sizeof *h);
        h->services = calloc(n_files, sizeof *h->services);
        for (size_t k = 0; k < n_files && ok; k++) {
            char path[4400];
            snprintf(path, sizeof path, "%s/%s", etc, files[k]);
            char *host_name = NULL, *host_addr = NULL;
            ok = load_service(&h->services[h->n_services], path, &host_name, &host_addr, err,
                              errlen);
            h->n_services++;
            if (ok && !h->name) {
                h->name = host_name;
                h->address = host_addr;
            } else {
                free(host_name);
                free(host_addr);
            }
        }
        free_names(files, n_files);
    }
    free_names(dirs, n_dirs);
    if (ok && t->n_hosts == 0) {
        snprintf(err, errlen, "%s holds no engine configs (OUT/<host>/etc/*.json)", out);
        ok = false;
    }
    if (!ok)
        run_tree_free(t);
    return ok;
}

void run_tree_free(run_tree *t)
{
    for (size_t i = 0; i < t->n_hosts; i++) {
        for (size_t k = 0; k < t->hosts[i].n_services; k++)
            free_service(&t->hosts[i].services[k]);
        free(t->hosts[i].services);
        free(t->hosts[i].name);
        free(t->hosts[i].address);
    }
    free(t->hosts);
    memset(t, 0, sizeof *t);
}

bool run_is_local_address(const char *addr)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(addr, NULL, &hints, &res) != 0)
        return false;
    struct ifaddrs *ifs = NULL;
    bool found = false;
    if (getifaddrs(&ifs) == 0) {
        for (struct addrinfo *r = res; r && !found; r = r->ai_next)
            for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != r->ai_family)
                    continue;
                if (r->ai_family == AF_INET)
                    found = ((struct sockaddr_in *)r->ai_addr)->sin_addr.s_addr ==
                            ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
                else if (r->ai_family == AF_INET6)
                    found = memcmp(&((struct sockaddr_in6 *)r->ai_addr)->sin6_addr,
                                   &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16) == 0;
            }
        freeifaddrs(ifs);
    }
    freeaddrinfo(res);
    return found;
}

bool run_is_this_machine(const char *host_name, const char *address)
{
    char name[256] = "";
    if (gethostname(name, sizeof name - 1) == 0) {
        size_t short_len = strcspn(name, ".");
        if (strcmp(host_name, name) == 0 ||
            (strlen(host_name) == short_len && strncmp(host_name, name, short_len) == 0))
            return true;
    }
    return address && run_is_local_address(address);
}

static void list_hosts(const run_tree *t, FILE *errf)
{
    for (size_t i = 0; i < t->n_hosts; i++)
        fprintf(errf, "  %s%s%s%s\n", t->hosts[i].name, t->hosts[i].address ? " (" : "",
                t->hosts[i].address ? t->hosts[i].address : "", t->hosts[i].address ? ")" : "");
}

const run_host *run_pick_host(const run_tree *t, const char *want, FILE *errf)
{
    if (want) {
        for (size_t i = 0; i < t->n_hosts; i++)
            if (strcmp(t->hosts[i].name, want) == 0)
                return &t->hosts[i];
        fprintf(errf, "infrac run: no host '%s' in the build output; its hosts:\n", want);
        list_hosts(t, errf);
        return NULL;
    }
    const run_host *match = NULL;
    size_t n_match = 0;
    for (size_t i = 0; i < t->n_hosts; i++)
        if (run_is_this_machine(t->hosts[i].name, t->hosts[i].address))
            match = &t->hosts[i], n_match++;
    if (n_match == 1)
        return match;
    if (n_match == 0 && t->n_hosts == 1)
        return &t->hosts[0];
    fprintf(errf, "infrac run: %s host is this machine; pick one with --host NAME:\n",
            n_match ? "more than one" : "no");
    list_hosts(t, errf);
    return NULL;
}

char *run_command_line(char *const *argv)
{
    strbuf b = {0};
    for (size_t i = 0; argv[i]; i++) {
        if (i)
            sb_puts(&b, " ");
        sb_add_shell_word(&b, argv[i]);
    }
    return sb_steal(&b);
}
