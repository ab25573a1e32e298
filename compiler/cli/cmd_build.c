/* infrac build FILE -o OUT [--force] [--print-commands]
 *              [--format text|json|github|sarif] [--color auto|always|never] [--werror]
 * Checks the fleet (every check; nothing is written while an error remains),
 * then writes per-host units, launch scripts and engine configs into OUT,
 * atomically. --print-commands prints each service's final command line
 * (with -o it also builds; without, it only prints). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "diag/diag.h"
#include "driver.h"
#include "targets.h"

static int usage(const char *why)
{
    /* Asked-for help goes to stdout (exit 0); a usage error to stderr (exit 2). */
    FILE *out = why ? stderr : stdout;
    if (why)
        fprintf(stderr, "infrac build: %s\n", why);
    fprintf(out, "usage: infrac build FILE -o OUT [--force] [--print-commands]\n"
                    "                    [--format text|json|github|sarif] [--color auto|always|never] [--werror]\n");
    return 2;
}

/* What the build step needs, and what it reports back, through the
 * driver's `after` hook: the output errors join the fleet's diagnostics so
 * that --format json|sarif print one document. */
typedef struct build_step {
    const char *out_dir;
    bool force;
} build_step;

/* A build problem has no source position; the message names the output
 * directory when the problem is about it. */
static void build_error(struct diag_list *l, const char *out_dir, const char *code, const char *message,
                        const char *help)
{
    diagnostic *d;
    if (out_dir && !strstr(message, out_dir))
        d = diag_error(l, code, (src_span){0, 0, 0, 0}, "output '%s': %s", out_dir, message);
    else
        d = diag_error(l, code, (src_span){0, 0, 0, 0}, "%s", message);
    if (d && help)
        diag_help(d, "%s", help);
}

static int build_outputs(const plan *p, struct diag_list *diags, void *ctx)
{
    const build_step *step = ctx;
    out_tree tree;
    out_tree_init(&tree);
    char err[1024];
    int status = 0;
    if (target_build_tree(p, &tree, err, sizeof err) != 0) {
        build_error(diags, NULL, "E0903", err, "rename it to letters, digits, '-', '_' and '.'");
        status = 1;
    } else if (step->out_dir) {
        switch (out_tree_commit(&tree, step->out_dir, step->force, err, sizeof err)) {
        case OUT_COMMIT_OK:
            break;
        case OUT_COMMIT_NOT_OURS:
            build_error(diags, step->out_dir, "E0901", err, "name a new directory, or pass --force to replace it");
            status = 2;
            break;
        case OUT_COMMIT_IO:
            build_error(diags, step->out_dir, "E0902", err, "check that the directory above OUT is writable");
            status = 2;
            break;
        }
    }
    out_tree_free(&tree);
    return status;
}

static void print_commands(const plan *p, FILE *out)
{
    for (uint32_t i = 0; i < p->n_services; i++) {
        const plan_service *s = &p->services[i];
        target_argv argv;
        target_engine_argv(p, s, &argv);
        char *line = target_argv_shell_line(&argv);
        fprintf(out, "%s/%s: %s\n", s->host ? s->host->name : "?", s->name, line);
        free(line);
        target_argv_free(&argv);
    }
}

int cmd_build(int argc, char **argv)
{
    compile_options o = {DIAG_FORMAT_TEXT, -1, false, stdout, NULL, NULL};
    const char *file = NULL, *out_dir = NULL;
    bool force = false, commands = false;
    for (int i = 1; i < argc; i++) {
        const char *v, *why;
        int got = cli_diag_option(argc, argv, &i, &o, &why);
        if (got < 0)
            return usage(why);
        if (got > 0) {
            continue;
        } else if (cli_option(argc, argv, &i, "--output", &v) || cli_option(argc, argv, &i, "-o", &v)) {
            if (!v || !*v)
                return usage("-o needs a directory");
            out_dir = v;
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (strcmp(argv[i], "--print-commands") == 0) {
            commands = true;
        } else {
            cli_arg_kind kind = cli_file_or_help(argv[i], &file, &why);
            if (kind == CLI_ARG_HELP)
                return usage(NULL), 0;
            if (kind == CLI_ARG_BAD)
                return usage(why);
        }
    }
    if (!file)
        return usage("no fleet file given");
    if (!out_dir && !commands)
        return usage("no output directory given (-o OUT)");

    /* The commands own stdout when asked for; diagnostics then go to stderr. */
    if (commands)
        o.out = stderr;
    /* Rendering makes and frees millions of small JSON nodes between large
     * text buffers; with glibc's fastbins each large allocation first
     * consolidates them (malloc_consolidate was 7-10% of a 10,000-service
     * build's profile). Without them the build is about 10% faster
     * (mallopt(3) M_MXFAST). */
    mallopt(M_MXFAST, 0);
    build_step step = {out_dir, force};
    o.after = build_outputs;
    o.after_ctx = &step;
    plan p;
    memset(&p, 0, sizeof p);
    int status = infrac_compile(file, &o, &p);
    if (status != 0)
        return status; /* errors were reported; nothing was written */
    if (commands)
        print_commands(&p, stdout);
    if (out_dir && o.format == DIAG_FORMAT_TEXT)
        fprintf(stderr, "infrac build: wrote %s (%u hosts, %u services)\n", out_dir, (unsigned)p.n_hosts,
                (unsigned)p.n_services);
    plan_free(&p);
    return status;
}
