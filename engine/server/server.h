/* infrac-engine's OpenAI-compatible HTTP server: options and entry points.
 * engine/cli/main.c hands its argv here when asked to serve. */
#ifndef INFRAC_SERVER_H
#define INFRAC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct server_options {
    char *model_path;
    char *alias;          /* the model name clients send; defaults to the file's stem */
    char *bind;           /* listen address (defaults: server_defaults, options.c) */
    uint16_t port;
    uint32_t context;     /* total KV cells shared by the slots; 0 = model's training context */
    uint32_t parallel;    /* slots */
    uint32_t queue;       /* requests waiting for a slot before 503; 0 = QUEUE_PER_SLOT x parallel */
    uint32_t threads;     /* 0 = engine default */
    uint32_t batch;       /* tokens per forward pass for prompts; 0 = engine default */
    int cache_k, cache_v; /* ggml type ids */
    char *api_key_file;   /* NULL = no key */
    int reasoning_format; /* reasoning.h's reasoning_format (0 = deepseek) */
    char *chat_template;  /* chatml, llama3, mistral, gemma, or NULL = detect */
    bool metrics;         /* serve /metrics */
    char **cors_origins;  /* browser origins allowed by CORS (cors.h); none = CORS off */
    size_t n_cors_origins;
    size_t max_body;      /* request body bytes */
    unsigned timeout_s;   /* idle connection timeout */
    unsigned header_timeout_s; /* request line to the end of the headers */
    unsigned body_timeout_s;   /* end of the headers to the end of the body */
    char **allow_hosts;   /* Host names served besides the bind address (host_check.h) */
    size_t n_allow_hosts;
    unsigned shutdown_s;  /* SIGTERM grace for in-flight requests */
} server_options;

void server_options_init(server_options *o);
void server_options_free(server_options *o);

/* Reads an engine config (docs/engine-config.md) into o; false with a
 * message in err. */
bool server_options_from_config(server_options *o, const char *path, char *err, size_t errlen);

/* Parses serve flags (--config FILE, --model, --host, --port, ...) from
 * argv[first..]; false with a message. */
bool server_options_from_args(server_options *o, int argc, char **argv, char *err, size_t errlen);

/* True when argv asks for the server (--config or --port/--host/--serve). */
bool server_cli_requested(int argc, char **argv);

/* Serves until SIGTERM/SIGINT; returns the process exit code. */
int server_run(const server_options *o);

/* argv from engine/cli/main.c: parse, serve, exit code. */
int server_main(int argc, char **argv);

void server_usage(FILE *out);

#endif
