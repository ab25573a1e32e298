/* `infrac run`: the services of a build output (OUT/<host>/etc/<service>.json,
 * docs/engine-config.md) and the choice of the host to run. */
#ifndef INFRAC_RUN_SERVICES_H
#define INFRAC_RUN_SERVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct run_service {
    char *config_path;
    char *name;
    char *engine;   /* "infrac", "llama.cpp", "vllm" */
    char *bind;
    int port;
    char *url;
    char **command; /* NULL-terminated argv */
} run_service;

typedef struct run_host {
    char *name;
    char *address;  /* NULL when the fleet gives none */
    run_service *services;
    size_t n_services;
} run_host;

typedef struct run_tree {
    run_host *hosts;
    size_t n_hosts;
} run_tree;

/* Reads every host directory of out (sorted by name). False with a message
 * when out holds no engine config or one cannot be read. */
bool run_tree_load(run_tree *t, const char *out, char *err, size_t errlen);
void run_tree_free(run_tree *t);

/* The host named want; else the one whose name or address is this
 * machine's; else the only one. NULL when none or several fit: the reason
 * and the host list go to errf. */
const run_host *run_pick_host(const run_tree *t, const char *want, FILE *errf);

/* Is addr (a name or a numeric address) one of this machine's addresses? */
bool run_is_local_address(const char *addr);
/* Is the host this machine: its name is our host name, or its address ours? */
bool run_is_this_machine(const char *host_name, const char *address);

/* The command as one shell-quoted line (caller frees). */
char *run_command_line(char *const *argv);

#endif
