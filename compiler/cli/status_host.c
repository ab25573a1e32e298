#include "status_host.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets.h"

bool status_systemd_present(void)
{
    return access("/run/systemd/system", F_OK) == 0;
}

static bool safe_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@", *s))
            return false;
    return true;
}

bool status_unit_state(const char *unit, char *buf, size_t n)
{
    if (!safe_name(unit) || n < 2)
        return false;
    int fds[2];
    if (pipe(fds) != 0)
        return false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return false;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]), close(fds[1]);
        char *argv[] = {"systemctl", "show", "--property=ActiveState,SubState", "--", (char *)unit, NULL};
        execvp("systemctl", argv);
        _exit(127);
    }
    close(fds[1]);
    char out[512];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof out - 1 && (r = read(fds[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = 0;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    char active[64] = "", sub[64] = "";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "ActiveState=", 12) == 0)
            snprintf(active, sizeof active, "%s", line + 12);
        else if (strncmp(line, "SubState=", 9) == 0)
            snprintf(sub, sizeof sub, "%s", line + 9);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !*active)
        return false;
    snprintf(buf, n, "%s/%s", active, *sub ? sub : "?");
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_name(char ***names, size_t *n, const char *name)
{
    if (!safe_name(name))
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return;
    *names = realloc(*names, (*n + 1) * sizeof **names);
    if (!*names || !((*names)[*n] = strdup(name)))
        abort();
    (*n)++;
}

char **status_installed_services(const char *root, const char *fleet, size_t *n)
{
    *n = 0;
    char **names = NULL;
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s%s/%s", root, TARGET_CONFIG_DIR, fleet);
    snprintf(path, sizeof path, "%s/installed-services", dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            add_name(&names, n, line);
        }
        fclose(f);
    }
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t l = strlen(e->d_name);
            if (e->d_name[0] == '.' || l <= 5 || strcmp(e->d_name + l - 5, ".json") != 0)
                continue;
            e->d_name[l - 5] = 0;
            add_name(&names, n, e->d_name);
        }
        closedir(d);
    }
    if (*n)
        qsort(names, *n, sizeof *names, cmp_str);
    return names;
}

int status_installed_port(const char *root, const char *fleet, const char *service)
{
    char path[4200];
    snprintf(path, sizeof path, "%s%s/%s/%s.json", root, TARGET_CONFIG_DIR, fleet, service);
    json_t *o = json_load_file(path, 0, NULL);
    json_t *p = json_object_get(o, "port");
    int port = json_is_integer(p) ? (int)json_integer_value(p) : 0;
    json_decref(o);
    return port > 0 && port < 65536 ? port : 0;
}

char *status_read_key(const char *root, const char *path)
{
    char full[4200];
    snprintf(full, sizeof full, "%s%s", root, path);
    FILE *f = fopen(full, "r");
    if (!f)
        return NULL;
    char line[1024];
    char *key = NULL;
    if (fgets(line, sizeof line, f)) {
        size_t l = strcspn(line, "\r\n");
        while (l && (line[l - 1] == ' ' || line[l - 1] == '\t'))
            l--;
        line[l] = 0;
        if (l)
            key = strdup(line);
    }
    memset(line, 0, sizeof line);
    fclose(f);
    return key;
}
