/* Process lifecycle: listen first (so /health answers "loading"), load the
 * model on the scheduler thread, then wait for signals. SIGTERM/SIGINT stop
 * accepting, give running requests shutdown_s seconds, exit 0; SIGHUP is
 * logged and ignored. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "http.h"
#include "infrac_engine_flags.h"
#include "scheduler.h"
#include "server.h"

/* Signals and a failed load reach the main thread through this pipe:
 * libraries (OpenBLAS) start threads before main with signals unblocked,
 * so a process-directed signal can land on any thread; a handler that only
 * writes a byte is safe wherever it runs. */
static int wake_pipe[2] = {-1, -1};
#define WAKE_LOAD_FAILED 0

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    if (write(wake_pipe[1], &b, 1) < 0) {
        /* Nothing to do: the pipe is full of wake-ups already. */
    }
    errno = saved;
}

static void load_failed(const char *message)
{
    fprintf(stderr, "infrac-engine: %s\n", message);
    char b = WAKE_LOAD_FAILED;
    if (write(wake_pipe[1], &b, 1) < 0)
        abort();
}

/* The chat template is compiled as the model loads: one it cannot run
 * fails the start, naming the construct and its line. */
static bool compile_chat_template(void *arg, const ie_vocab *v, char *err, size_t errlen)
{
    http_server *h = arg;
    h->chat = chat_prompt_for_vocab(v, h->opts->chat_template, err, errlen);
    if (!h->chat)
        return false;
    tool_syntax ts = chat_prompt_tool_syntax(h->chat);
    fprintf(stderr, "infrac-engine: chat prompt from %s (tool calls: %s)\n",
            chat_prompt_origin(h->chat), ts == TOOL_SYNTAX_NONE ? "not parsed" : tool_syntax_name(ts));
    return true;
}

static bool install_signals(void)
{
    if (wake_pipe[0] < 0 && pipe2(wake_pipe, O_CLOEXEC) != 0)
        return false;
    struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    signal(SIGPIPE, SIG_IGN);
    return sigaction(SIGTERM, &sa, NULL) == 0 && sigaction(SIGINT, &sa, NULL) == 0 &&
           sigaction(SIGHUP, &sa, NULL) == 0;
}

int server_run(const server_options *o)
{
    char err[512] = "";
    char *key = NULL;
    if (o->api_key_file && !(key = auth_read_key_file(o->api_key_file, err, sizeof err))) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        return 2;
    }

    if (!install_signals()) {
        fprintf(stderr, "infrac-engine: cannot install signal handlers: %s\n", strerror(errno));
        free(key);
        return 1;
    }

    scheduler_config sc = {.model_path = o->model_path, .queue_capacity = o->queue,
                           .on_load_failed = load_failed};
    ie_context_params_default(&sc.ctx);
    sc.ctx.n_ctx = o->context;
    sc.ctx.n_slots = o->parallel;
    sc.ctx.cache_k = (uint32_t)o->cache_k;
    sc.ctx.cache_v = (uint32_t)o->cache_v;
    sc.ctx.n_threads = o->threads;
    if (o->batch)
        sc.ctx.n_batch = o->batch;

    http_server h = {.opts = o, .metrics = metrics_new(), .api_key = key, .started = time(NULL)};
    sc.on_loaded = compile_chat_template;
    sc.on_loaded_arg = &h;
    h.sched = scheduler_new(&sc);
    int code = 0;
    if (!http_start(&h, err, sizeof err)) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        code = 2;
        goto out;
    }
    fprintf(stderr, "infrac-engine: listening on http://%s:%u (model %s as '%s', %u slots)%s\n",
            o->bind, o->port, o->model_path, o->alias, o->parallel,
            key ? ", API key required" : "");
    if (!scheduler_start(h.sched)) {
        fprintf(stderr, "infrac-engine: cannot start the scheduler thread\n");
        code = 1;
        goto out;
    }
    for (;;) {
        char b;
        ssize_t n = read(wake_pipe[0], &b, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1) {
            code = 1;
            break;
        }
        if (b == SIGHUP) {
            fprintf(stderr, "infrac-engine: SIGHUP ignored (restart the service to reload)\n");
            continue;
        }
        if (b == WAKE_LOAD_FAILED)
            code = 1;
        else
            fprintf(stderr, "infrac-engine: %s: stopping (up to %us for running requests)\n",
                    strsignal(b), o->shutdown_s);
        break;
    }
    http_quiesce(&h);
    scheduler_shutdown(h.sched, o->shutdown_s);
    http_drain(&h, 3000); /* let finished requests reach their clients */
out:
    http_stop(&h);
    scheduler_free(h.sched);
    chat_prompt_free(h.chat);
    metrics_free(h.metrics);
    free(key);
    return code;
}

int server_main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (ie_flag_find(argv[i], IEF_ONESHOT) == ie_flag_get(IEF_HELP)) {
            server_usage(stdout);
            return 0;
        }
    server_options o;
    server_options_init(&o);
    char err[512] = "";
    if (!server_options_from_args(&o, argc, argv, err, sizeof err)) {
        fprintf(stderr, "infrac-engine: %s\n", err);
        server_options_free(&o);
        return 2;
    }
    int code = server_run(&o);
    server_options_free(&o);
    return code;
}
