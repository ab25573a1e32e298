/* infrac run OUT [--host NAME] [--service NAME]: runs the host's
 * `engine: infrac` services from a build output in the foreground. Each
 * runs as `infrac-engine --config FILE`; a crashed one is restarted with
 * exponential backoff; SIGINT/SIGTERM stop them all cleanly. Services of
 * other engines are listed with the command that starts them. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "run_health.h"
#include "run_services.h"

#define BACKOFF_MAX_S 30
#define STABLE_S 30      /* up this long: the next crash restarts after 1 s again */
#define STOP_GRACE_S 20  /* engines get this long to finish after SIGTERM */

typedef struct child {
    const run_service *svc;
    pid_t pid; /* 0 when not running */
    bool healthy;
    double started_at, restart_at;
    unsigned backoff_s;
} child;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fputs("usage: infrac run OUT [--host NAME] [--service NAME]\n"
          "Runs the engine: infrac services of one host of a build output in the foreground:\n"
          "starts infrac-engine --config OUT/<host>/etc/<service>.json for each, waits for\n"
          "/health, prints its URL, restarts a crashed one, stops all on Ctrl-C or SIGTERM.\n"
          "  --host NAME     the host to run (default: this machine's, or the only one)\n"
          "  --service NAME  run only this service\n"
          "INFRAC_ENGINE names the engine binary (default: beside infrac, else PATH).\n",
          f);
}

/* INFRAC_ENGINE, else infrac-engine beside this binary, else from PATH. */
static const char *engine_path(char *buf, size_t n)
{
    const char *env = getenv("INFRAC_ENGINE");
    if (env && *env)
        return env;
    ssize_t l = readlink("/proc/self/exe", buf, n - 1);
    if (l > 0) {
        buf[l] = 0;
        char *slash = strrchr(buf, '/');
        if (slash && (size_t)(slash - buf) + sizeof "/infrac-engine" <= n) {
            strcpy(slash, "/infrac-engine");
            if (access(buf, X_OK) == 0)
                return buf;
        }
    }
    return "infrac-engine";
}

static void start(child *c, const char *engine, const sigset_t *old_mask)
{
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "infrac run: %s: cannot fork: %s\n", c->svc->name, strerror(errno));
        c->restart_at = now_s() + 1;
        return;
    }
    if (pid == 0) {
        /* Own process group: a terminal's Ctrl-C reaches only infrac run,
         * which stops the engines in order; they die with it regardless. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        sigprocmask(SIG_SETMASK, old_mask, NULL);
        char *argv[] = {"infrac-engine", "--config", c->svc->config_path, NULL};
        execvp(engine, argv);
        fprintf(stderr, "infrac run: cannot run %s: %s (set INFRAC_ENGINE)\n", engine,
                strerror(errno));
        _exit(127);
    }
    c->pid = pid;
    c->healthy = false;
    c->started_at = now_s();
    fprintf(stderr, "infrac run: %s: started (pid %d)\n", c->svc->name, (int)pid);
}

static void reap(child *kids, size_t n, bool stopping)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < n; i++) {
            child *c = &kids[i];
            if (c->pid != pid)
                continue;
            c->pid = 0;
            c->healthy = false;
            if (stopping)
                break;
            if (now_s() - c->started_at >= STABLE_S)
                c->backoff_s = 1;
            if (WIFSIGNALED(status))
                fprintf(stderr, "infrac run: %s (pid %d) killed by signal %d; restarting in %us\n",
                        c->svc->name, (int)pid, WTERMSIG(status), c->backoff_s);
            else
                fprintf(stderr, "infrac run: %s (pid %d) exited with status %d; restarting in %us\n",
                        c->svc->name, (int)pid, WEXITSTATUS(status), c->backoff_s);
            c->restart_at = now_s() + c->backoff_s;
            c->backoff_s = c->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : c->backoff_s * 2;
        }
    }
}

static size_t running(const child *kids, size_t n)
{
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        r += kids[i].pid != 0;
    return r;
}

static void stop_all(child *kids, size_t n, const sigset_t *wait_set)
{
    for (size_t i = 0; i < n; i++)
        if (kids[i].pid)
            kill(kids[i].pid, SIGTERM);
    double deadline = now_s() + STOP_GRACE_S;
    struct timespec tick = {0, 100 * 1000000L};
    while (running(kids, n) && now_s() < deadline) {
        sigtimedwait(wait_set, NULL, &tick);
        reap(kids, n, true);
    }
    for (size_t i = 0; i < n; i++)
        if (kids[i].pid) {
            fprintf(stderr, "infrac run: %s (pid %d) did not stop in %ds: killing it\n",
                    kids[i].svc->name, (int)kids[i].pid, STOP_GRACE_S);
            kill(kids[i].pid, SIGKILL);
            waitpid(kids[i].pid, NULL, 0);
            kids[i].pid = 0;
        }
}

static int supervise(child *kids, size_t n, const char *engine)
{
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, &old);
    for (size_t i = 0; i < n; i++)
        start(&kids[i], engine, &old);

    struct timespec tick = {0, 200 * 1000000L};
    for (;;) {
        int sig = sigtimedwait(&set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            fprintf(stderr, "infrac run: %s: stopping %zu service(s)\n", strsignal(sig),
                    running(kids, n));
            break;
        }
        if (sig == SIGHUP)
            fprintf(stderr, "infrac run: SIGHUP ignored\n");
        reap(kids, n, false);
        for (size_t i = 0; i < n; i++) {
            child *c = &kids[i];
            if (!c->pid && now_s() >= c->restart_at)
                start(c, engine, &old);
            else if (c->pid && !c->healthy &&
                     run_health_ok(run_probe_address(c->svc->bind), c->svc->port, 300)) {
                c->healthy = true;
                printf("%s ready at %s (pid %d)\n", c->svc->name, c->svc->url, (int)c->pid);
                fflush(stdout);
            }
        }
    }
    stop_all(kids, n, &set);
    sigprocmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "infrac run: stopped\n");
    return 0;
}

int cmd_run(int argc, char **argv)
{
    const char *out = NULL, *host = NULL, *service = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc)
            host = argv[++i];
        else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
            service = argv[++i];
        else if (argv[i][0] != '-' && !out)
            out = argv[i];
        else {
            fprintf(stderr, "infrac run: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!out) {
        usage(stderr);
        return 2;
    }
    run_tree tree;
    char err[4600];
    if (!run_tree_load(&tree, out, err, sizeof err)) {
        fprintf(stderr, "infrac run: %s\n", err);
        return 2;
    }
    int code = 2;
    const run_host *h = run_pick_host(&tree, host, stderr);
    child *kids = NULL;
    size_t n = 0;
    if (!h)
        goto done;
    kids = calloc(h->n_services ? h->n_services : 1, sizeof *kids);
    bool found = !service;
    for (size_t i = 0; i < h->n_services; i++) {
        const run_service *s = &h->services[i];
        if (service && strcmp(s->name, service) != 0)
            continue;
        found = true;
        if (strcmp(s->engine, "infrac") == 0) {
            kids[n++] = (child){.svc = s, .backoff_s = 1};
            continue;
        }
        char *line = run_command_line(s->command);
        printf("%s (engine %s) is not run by infrac run; start it with:\n  %s\n", s->name,
               s->engine, line);
        free(line);
    }
    if (!found) {
        fprintf(stderr, "infrac run: host %s has no service '%s'\n", h->name, service);
        goto done;
    }
    if (n == 0) {
        fprintf(stderr, "infrac run: host %s has no engine: infrac service to run\n", h->name);
        goto done;
    }
    char buf[PATH_MAX];
    code = supervise(kids, n, engine_path(buf, sizeof buf));
done:
    free(kids);
    run_tree_free(&tree);
    return code;
}
