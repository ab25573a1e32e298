/* OUT/<host>/README.md: what runs on this host, where to reach it, how
 * the GPU memory is shared, and how to install. */
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "shell_quote.h"

static void add_mib(strbuf *b, uint64_t bytes)
{
    sb_printf(b, "%llu MiB", (unsigned long long)((bytes + MIB - 1) / MIB));
}

/* Text from the fleet file: control bytes (C0, DEL) are written as \xNN so a
 * README shown in a terminal (cat, less -R) cannot carry escape sequences. */
static void add_text_char(strbuf *b, const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7F)
        sb_printf(b, "\\x%02X", c);
    else
        sb_append(b, s, 1);
}

static void add_text(strbuf *b, const char *s)
{
    for (; s && *s; s++)
        add_text_char(b, s);
}

/* Table cells must not break the row. */
static void add_cell(strbuf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            sb_puts(b, "\\|");
        else
            add_text_char(b, s);
    }
}

static void services_table(strbuf *b, const plan_host *h)
{
    sb_printf(b, "| service | engine | model | URL | GPUs | %s | exclusive group |\n"
                 "|---|---|---|---|---|---|---|\n", h->macos ? "starts at load" : "starts with the target");
    for (uint32_t i = 0; i < h->n_services; i++) {
        const plan_service *s = h->services[i];
        char *url = target_service_url(s);
        sb_printf(b, "| %s | %s | ", s->name, engine_kind_name(s->cfg.mem.engine));
        add_cell(b, s->model);
        sb_printf(b, " | %s | ", url);
        if (!s->cfg.mem.n_gpus)
            sb_puts(b, "CPU");
        for (uint32_t g = 0; g < s->cfg.mem.n_gpus; g++)
            sb_printf(b, "%s%u", g ? ", " : "", (unsigned)s->cfg.gpus[g]);
        sb_printf(b, " | %s | ", target_service_wanted(h, s) ? "yes" : "no");
        add_cell(b, s->cfg.exclusive ? s->cfg.exclusive : "-");
        sb_puts(b, " |\n");
        free(url);
    }
}

/* A row's first two cells: the GPU's index and model. */
static void gpu_cells(strbuf *b, const plan_gpu *gpu)
{
    sb_printf(b, "| %u | ", (unsigned)gpu->index);
    add_cell(b, gpu->model ? gpu->model : "-");
}

static void memory_table(strbuf *b, const plan_host *h)
{
    sb_puts(b, "| GPU | model | service | weights | KV cache | compute | overhead | other | total |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
    for (uint32_t g = 0; g < h->n_gpus; g++) {
        const plan_gpu *gpu = &h->gpus[g];
        for (uint32_t i = 0; i < h->n_services; i++) {
            const plan_service *s = h->services[i];
            for (uint32_t k = 0; k < s->cfg.mem.n_gpus && k < s->memory.n_gpus; k++) {
                if (s->cfg.gpus[k] != gpu->index)
                    continue;
                const memory_breakdown *m = &s->memory.gpu[k];
                gpu_cells(b, gpu);
                sb_printf(b, " | %s", s->name);
                const uint64_t parts[] = {m->weights, m->kv_cache, m->compute, m->overhead, m->other, m->total};
                for (size_t j = 0; j < sizeof parts / sizeof parts[0]; j++) {
                    sb_puts(b, " | ");
                    add_mib(b, parts[j]);
                }
                sb_puts(b, " |\n");
            }
        }
        gpu_cells(b, gpu);
        sb_puts(b, " | **peak together** | | | | | | **");
        add_mib(b, gpu->peak_bytes);
        sb_puts(b, "** of ");
        add_mib(b, gpu->usable_bytes);
        sb_puts(b, " usable (margin ");
        add_mib(b, gpu->margin_bytes);
        sb_puts(b, ") |\n");
    }
}

/* A Mac's install section: launchd jobs in /Library/LaunchDaemons. */
static void macos_install(strbuf *b, const plan *p, const plan_host *h)
{
    sb_puts(b, "\n## Install\n\n");
    sb_printf(b, "Copy this directory to %s, then:\n\n```sh\nsudo sh install.sh\n", h->name);
    for (uint32_t i = 0; i < h->n_services; i++) {
        char *label = target_launchd_label(p, h->services[i]);
        sb_printf(b, "sudo launchctl print system/%s | head\n", label);
        free(label);
    }
    sb_puts(b, "```\n\n");
    sb_printf(b, "`install.sh` puts each job's property list (`launchd/LABEL.plist`) in `%s/LABEL.plist` "
                 "(owned by root:wheel, mode 0644, as launchd requires), the engine configs in `%s/%s`, the logs "
                 "in `%s/%s/SERVICE.log` and each job's working directory in `%s/%s/SERVICE`, then loads every "
                 "job into the system domain: `sudo launchctl bootout system/LABEL` (an earlier one) and "
                 "`sudo launchctl bootstrap system %s/LABEL.plist`. The jobs:\n\n",
              TARGET_LAUNCHD_DIR, TARGET_CONFIG_DIR, p->fleet, TARGET_LAUNCHD_LOG_DIR, p->fleet,
              TARGET_LAUNCHD_WORK_DIR, p->fleet, TARGET_LAUNCHD_DIR);
    for (uint32_t i = 0; i < h->n_services; i++) {
        const plan_service *s = h->services[i];
        char *label = target_launchd_label(p, s);
        sb_printf(b, "- `%s`: `%s/%s.plist`, runs as `", s->name, TARGET_LAUNCHD_DIR, label);
        add_text(b, s->cfg.user ? s->cfg.user : TARGET_LAUNCHD_DEFAULT_USER);
        sb_printf(b, "`, %s\n", target_service_wanted(h, s) ? "started at load (RunAtLoad)"
                                                            : "not started at load: `sudo launchctl kickstart system/"
                                                              "LABEL` starts it");
        free(label);
    }
    sb_puts(b, "\nModel files must be readable by each job's user, and so must API key files: launchd hands no "
               "credentials over, llama-server reads the file itself. Stop a job with `sudo launchctl bootout "
               "system/LABEL`.\n");
}

char *target_host_readme(const plan *p, const plan_host *h)
{
    strbuf b = {0};
    char *target = target_fleet_target_name(p);
    sb_printf(&b, "# Fleet %s on host %s\n\n", p->fleet, h->name);
    sb_printf(&b, "Generated by `infrac build` from `%s` (sha256 `%s`). Do not edit these files: "
                    "change the fleet and rebuild.\n\n",
                strrchr(p->source_path ? p->source_path : "", '/') ? strrchr(p->source_path, '/') + 1
                                                                  : (p->source_path ? p->source_path : ""),
                p->source_sha256);
    if (h->address) {
        sb_puts(&b, "Address: `");
        add_text(&b, h->address);
        sb_puts(&b, "`.\n\n");
    }

    sb_puts(&b, "## What runs here\n\n");
    if (h->n_services)
        services_table(&b, h);
    else
        sb_puts(&b, "No service of the fleet runs on this host.\n");

    sb_puts(&b, h->macos ? "\nCommand lines (each launchd job's ProgramArguments):\n\n"
                         : "\nCommand lines (what each launch script execs after its checks):\n\n");
    for (uint32_t i = 0; i < h->n_services; i++) {
        target_argv argv;
        target_engine_argv(p, h->services[i], &argv);
        char *line = target_argv_shell_line(&argv);
        sb_printf(&b, "- `%s`:\n\n  ```sh\n  %s\n  ```\n", h->services[i]->name, line);
        free(line);
        target_argv_free(&argv);
    }

    if (h->n_gpus) {
        sb_puts(&b, "\n## GPU memory\n\nWhat the plan expects each service to allocate on each GPU; "
                     "services of one exclusive group never run together, so the peak counts the "
                     "largest of them.\n\n");
        memory_table(&b, h);
    }
    sb_printf(&b, "\nHost RAM at peak: ");
    add_mib(&b, h->ram_peak_bytes);
    if (h->memory_bytes) {
        sb_puts(&b, " of ");
        add_mib(&b, h->memory_bytes);
    }
    sb_puts(&b, ".\n");
    if (h->macos && h->n_gpus)
    {
        sb_puts(&b, "\nThe GPU shares the RAM (unified memory): the peak counts its share too, and the usable GPU "
                     "memory is what macOS lets the GPU keep resident (Metal's recommendedMaxWorkingSetSize");
        if (h->gpu_wired_limit_bytes) {
            char *sysctl = target_launchd_sysctl_label(p);
            sb_printf(&b, "), here raised to the fleet's `gpu_wired_limit` with `sudo sysctl iogpu.wired_limit_mb=%llu`. "
                          "That setting does not survive a reboot: the job `%s` sets it at every boot.\n",
                      (unsigned long long)(h->gpu_wired_limit_bytes / MIB), sysctl);
            free(sysctl);
        } else {
            sb_puts(&b, ", macOS's default: 2/3 of the RAM up to 36 GiB, 3/4 above).\n");
        }
    }

    if (h->macos) {
        macos_install(&b, p, h);
        free(target);
        return sb_steal(&b);
    }
    sb_puts(&b, "\n## Install\n\n");
    sb_printf(&b, "Copy this directory to %s, then as root:\n\n```sh\nsh install.sh\n"
                    "systemctl start %s\nsystemctl status '%s' 'infrac-*'\n```\n\n",
                h->name, target, target);
    sb_printf(&b, "`install.sh` puts the units in `%s`, the launch scripts in `%s/%s/bin`, the engine "
                    "configs in `%s/%s`, reloads systemd and enables `%s` (started at boot). "
                    "Model files must be readable by every user (services run as a dynamic user unless "
                    "the fleet names one); API key files are handed over by systemd (`LoadCredential=`) "
                    "and may stay readable by root only.\n\n",
                TARGET_UNIT_DIR, TARGET_SCRIPT_DIR, p->fleet, TARGET_CONFIG_DIR, p->fleet, target);
    sb_puts(&b, "Services not started by the target start by hand: `systemctl start infrac-NAME.service`; "
                 "starting one of an exclusive group stops the others (`Conflicts=`).\n");
    free(target);
    return sb_steal(&b);
}
