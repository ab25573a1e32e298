#include "status_host.h"

#include <dirent.h>
#include <fcntl.h>
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

/* Runs argv (argv[0] looked up on PATH) with stdout into out (NUL-terminated,
 * cut at cap); its exit status, or -1 when it could not run. */
static int run_capture(char *const argv[], char *out, size_t cap)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], 1);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 2); /* launchctl's "Could not find service" is an answer, not noise */
        close(fds[0]), close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t r;
    char sink[4096];
    while ((r = read(fds[0], len < cap - 1 ? out + len : sink, len < cap - 1 ? cap - 1 - len : sizeof sink)) > 0)
        if (len < cap - 1)
            len += (size_t)r;
    out[len] = 0;
    close(fds[0]);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
}

bool status_launchd_present(void)
{
    /* launchctl on PATH (macOS: /bin/launchctl) */
    const char *path = getenv("PATH");
    char dir[4096];
    while (path && *path) {
        size_t l = strcspn(path, ":");
        snprintf(dir, sizeof dir, "%.*s/launchctl", (int)l, path);
        if (l && access(dir, X_OK) == 0)
            return true;
        path += l + (path[l] == ':');
    }
    return false;
}

bool status_job_state(const char *label, char *buf, size_t n)
{
    if (!safe_name(label) || n < 2)
        return false;
    char target[400], out[16384];
    snprintf(target, sizeof target, "system/%s", label);
    char *argv[] = {"launchctl", "print", target, NULL};
    int rc = run_capture(argv, out, sizeof out);
    if (rc < 0)
        return false;
    if (rc != 0) { /* 113: "Could not find service ... in domain for system" */
        snprintf(buf, n, "inactive/not loaded");
        return true;
    }
    /* the job's own "state = ..." line, one tab in (deeper ones are its endpoints') */
    const char *state = NULL;
    size_t len = 0;
    for (char *line = strtok(out, "\n"); line && !state; line = strtok(NULL, "\n"))
        if (strncmp(line, "\tstate = ", 9) == 0) {
            state = line + 9;
            len = strlen(state);
        }
    if (!state)
        return false;
    /* in the systemd words the judge reads: running is active, a spawn
     * launchd has scheduled is activating, anything else inactive */
    const char *word = strcmp(state, "running") == 0 ? "active"
                       : strncmp(state, "spawn scheduled", 15) == 0 ? "activating" : "inactive";
    snprintf(buf, n, "%s/%.*s", word, (int)len, state);
    return true;
}

bool status_unit_state(const char *unit, char *buf, size_t n)
{
    if (!safe_name(unit) || n < 2)
        return false;
    char out[512];
    char *argv[] = {"systemctl", "show", "--property=ActiveState,SubState", "--", (char *)unit, NULL};
    if (run_capture(argv, out, sizeof out) != 0)
        return false;
    char active[64] = "", sub[64] = "";
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "ActiveState=", 12) == 0)
            snprintf(active, sizeof active, "%s", line + 12);
        else if (strncmp(line, "SubState=", 9) == 0)
            snprintf(sub, sizeof sub, "%s", line + 9);
    }
    if (!*active)
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
