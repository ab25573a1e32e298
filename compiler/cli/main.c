/* infrac's entry point: one table of subcommands. Each owner adds their
 * command with one line here and its cmd_*() in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "diag/diag.h"
#include "version.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"check", cmd_check, "type-check a fleet file: every error at once (infrac check fleet.yaml)"},
    {"plan", cmd_plan, "check a fleet, then print its memory per host and GPU, headroom and ports"},
    {"explain", cmd_explain, "print the explanation of a diagnostic code (infrac explain E0201)"},
    {"schema", cmd_schema, "print the JSON Schema of the fleet language (for editors)"},
    {"estimate", cmd_estimate, "memory one service would take per GPU and in host RAM (--gguf FILE)"},
    {"run", cmd_run, "run a host's engine: infrac services from a build output (infrac run OUT)"},
    {"status", cmd_status, "live state of every service against the plan: up, down, starting, drifted (infrac status OUT)"},
    {"build", cmd_build, "write per-host systemd units, launch scripts and engine configs (infrac build FILE -o OUT)"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: infrac <command> [arguments]\n\n"
                 "infrac compiles a fleet file (YAML) describing local LLM inference services\n"
                 "into checked systemd units and engine configuration.\n\ncommands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n  --help     this help\n  --version  print the version\n"
                 "\n`infrac <command> --help` describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
        printf("infrac %s\n", INFRAC_VERSION);
        return 0;
    }
    const char *names[N_COMMANDS];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (!strcmp(name, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
        names[i] = commands[i].name;
    }
    fprintf(stderr, "infrac: unknown command '%s'\n", name);
    const char *s = suggest_closest(name, names, N_COMMANDS);
    if (s) fprintf(stderr, "help: did you mean 'infrac %s'?\n", s);
    fprintf(stderr, "run 'infrac --help' for the list of commands\n");
    return 2;
}
