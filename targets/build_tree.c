/* Every file of one build, in memory: plan.json, OUT/ansible/,
 * OUT/prometheus/, and per host its README,
 * install.sh, target, units, backoff drop-ins, launch scripts and engine
 * configs. */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_threads.h"
#include "targets.h"
#include "xml_quote.h"

static void add_text(out_tree *t, char *data, unsigned mode, const char *fmt, const char *a, const char *b)
{
    char path[1024];
    snprintf(path, sizeof path, fmt, a, b);
    out_tree_add(t, path, data, strlen(data), mode);
}

/* Text that goes into units and scripts: no control characters, which
 * could start a new unit line or break a script. */
static bool text_ok(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int check_names(const plan *p, char *err, size_t errlen)
{
    if (!target_name_ok(p->fleet)) {
        snprintf(err, errlen, "fleet name '%s' cannot name a systemd target or a directory", p->fleet);
        return -1;
    }
    for (uint32_t i = 0; i < p->n_hosts; i++)
        if (!target_name_ok(p->hosts[i].name)) {
            snprintf(err, errlen, "host name '%s' cannot name a directory", p->hosts[i].name);
            return -1;
        }
        else if (strcmp(p->hosts[i].name, "ansible") == 0 || strcmp(p->hosts[i].name, "prometheus") == 0 ||
                 strcmp(p->hosts[i].name, "llmkube") == 0) {
            /* OUT/ansible/ holds the inventory and playbook, OUT/prometheus/
             * the scrape configuration and the dashboard, OUT/llmkube/ the
             * LLMKube resources. */
            snprintf(err, errlen, "host name '%s' is taken by the build's OUT/%s/ directory", p->hosts[i].name,
                     p->hosts[i].name);
            return -1;
        }
    for (uint32_t i = 0; i < p->n_services; i++) {
        const plan_service *s = &p->services[i];
        if (!target_name_ok(s->name)) {
            snprintf(err, errlen, "service name '%s' cannot name a systemd unit", s->name);
            return -1;
        }
        if (s->host && s->host->llama_swap_port && !strcmp(s->name, "llama-swap")) {
            snprintf(err, errlen, "service name 'llama-swap' is the unit of host '%s''s llama-swap", s->host->name);
            return -1;
        }
        const char *texts[] = {s->model, s->model_path, s->cfg.bind, s->cfg.api_key_file, s->cfg.user, s->cfg.exclusive,
                               s->cfg.alias, s->cfg.load_mode, s->cfg.restart, s->cfg.chat_template,
                               s->cfg.engine_build, s->cfg.engine_version, s->cfg.binary};
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)
            if (!text_ok(texts[k])) {
                snprintf(err, errlen, "service '%s' has a value with a control character", s->name);
                return -1;
            }
        for (uint32_t k = 0; k < s->cfg.n_env; k++)
            if (!text_ok(s->cfg.env[k].value)) {
                snprintf(err, errlen, "service '%s' has an env value with a control character", s->name);
                return -1;
            }
        if (s->host && s->host->macos) { /* the plist's strings: XML 1.0 has no control characters */
            target_argv argv;
            target_engine_argv(p, s, &argv);
            bool ok = true;
            for (size_t k = 0; k < argv.n && ok; k++)
                ok = xml_text_ok(argv.v[k]);
            target_argv_free(&argv);
            if (!ok) {
                snprintf(err, errlen, "service '%s' has a command line argument with a control character, which "
                         "a launchd property list (XML 1.0) cannot hold", s->name);
                return -1;
            }
        }
        if (s->cfg.api_key_file && !(s->host && s->host->macos) && (strpbrk(s->cfg.api_key_file, " \t:") || !target_name_ok(target_credential_name(s)))) {
            snprintf(err, errlen, "service '%s': api_key_file '%s' must end in a file name of letters, digits, '-', '_' "
                     "and '.' and hold no space or ':' (LoadCredential= names the credential after it)",
                     s->name, s->cfg.api_key_file);
            return -1;
        }
    }
    return 0;
}

/* The files of hosts [from, to) into t; -1 with err set on a failure. */
static int build_hosts(const plan *p, const char *target, uint32_t from, uint32_t to, out_tree *t, char *err,
                       size_t errlen)
{
    for (uint32_t i = from; i < to; i++) {
        const plan_host *h = &p->hosts[i];
        if (h->kubernetes) { /* a node of an LLMKube cluster: its resources, no host files */
            for (uint32_t k = 0; k < h->n_services; k++) {
                char *res = target_llmkube_resources(p, h->services[k], err, errlen);
                if (!res)
                    return -1;
                add_text(t, res, 0644, "llmkube/%s.yaml%s", h->services[k]->name, "");
            }
            continue;
        }
        add_text(t, target_host_readme(p, h), 0644, "%s/README.md%s", h->name, "");
        if (h->macos) { /* a Mac: launchd jobs in place of units and launch scripts */
            add_text(t, target_install_script_macos(p, h), 0755, "%s/install.sh%s", h->name, "");
            for (uint32_t k = 0; k < h->n_services; k++) {
                const plan_service *s = h->services[k];
                char *label = target_launchd_label(p, s);
                add_text(t, target_launchd_plist(p, s), 0644, "%s/launchd/%s.plist", h->name, label);
                free(label);
                add_text(t, target_engine_config(p, s), 0644, "%s/etc/%s.json", h->name, s->name);
            }
            if (h->gpu_wired_limit_bytes) {
                char *label = target_launchd_sysctl_label(p);
                add_text(t, target_launchd_wired_limit_plist(p, h), 0644, "%s/launchd/%s.plist", h->name, label);
                free(label);
            }
            continue;
        }
        add_text(t, target_install_script(p, h), 0755, "%s/install.sh%s", h->name, "");
        add_text(t, target_host_target_unit(p, h), 0644, "%s/systemd/%s", h->name, target);
        for (uint32_t k = 0; k < h->n_services; k++) {
            const plan_service *s = h->services[k];
            add_text(t, target_service_unit(p, s), 0644, "%s/systemd/infrac-%s.service", h->name, s->name);
            add_text(t, target_restart_backoff_dropin(s), 0644,
                     "%s/systemd/infrac-%s.service.d/restart-backoff.conf", h->name, s->name);
            add_text(t, target_launch_script(p, s), 0755, "%s/bin/%s.sh", h->name, s->name);
            add_text(t, target_engine_config(p, s), 0644, "%s/etc/%s.json", h->name, s->name);
        }
        if (h->llama_swap_port) {
            add_text(t, target_llama_swap_config(p, h), 0644, "%s/etc/llama-swap.yaml%s", h->name, "");
            add_text(t, target_llama_swap_unit(p, h), 0644, "%s/systemd/infrac-llama-swap.service%s", h->name, "");
            add_text(t, target_llama_swap_script(p, h), 0755, "%s/bin/llama-swap.sh%s", h->name, "");
        }
    }
    return 0;
}

/* The build rendered in parts on a thread per CPU (issue 15 finding 19:
 * rendering 10,000 services took 0.75 s on one): part 0 is the fleet-wide
 * files, part k > 0 a run of hosts. The parts are joined in order, so the
 * tree is the same as one thread's. */
enum { RENDER_PARTS = 33 };

typedef struct render_job {
    const plan *p;
    const char *target;
    out_tree parts[RENDER_PARTS];
    char errs[RENDER_PARTS][512];
    int rcs[RENDER_PARTS];
    atomic_uint next;
} render_job;

static void *render_worker(void *arg)
{
    render_job *j = arg;
    const plan *p = j->p;
    for (unsigned k; (k = atomic_fetch_add(&j->next, 1)) < RENDER_PARTS;) {
        out_tree *t = &j->parts[k];
        if (k == 0) {
            char *plan_json = target_plan_json(p);
            out_tree_add(t, "plan.json", plan_json, strlen(plan_json), 0644);
            add_text(t, target_ansible_inventory(p), 0644, "ansible/inventory.yml%s%s", "", "");
            add_text(t, target_ansible_playbook(p), 0644, "ansible/playbook.yml%s%s", "", "");
            add_text(t, target_prometheus_config(p), 0644, "prometheus/prometheus.yml%s%s", "", "");
            add_text(t, target_grafana_dashboard(p), 0644, "prometheus/grafana-dashboard.json%s%s", "", "");
            continue;
        }
        uint64_t n = p->n_hosts, per = RENDER_PARTS - 1;
        j->rcs[k] = build_hosts(p, j->target, (uint32_t)(n * (k - 1) / per), (uint32_t)(n * k / per), t,
                                j->errs[k], sizeof j->errs[k]);
    }
    return NULL;
}

int target_build_tree(const plan *p, out_tree *t, char *err, size_t errlen)
{
    if (check_names(p, err, errlen))
        return -1;
    json_object_seed(0); /* before the threads: jansson seeds its hashes once */
    render_job *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->p = p;
    char *target = target_fleet_target_name(p);
    j->target = target;
    for (unsigned k = 0; k < RENDER_PARTS; k++)
        out_tree_init(&j->parts[k]);
    run_threads(render_worker, j, online_cpus());
    free(target);
    int rc = 0;
    for (unsigned k = 0; k < RENDER_PARTS; k++) {
        out_tree *part = &j->parts[k];
        if (j->rcs[k] && !rc) {
            snprintf(err, errlen, "%s", j->errs[k]);
            rc = -1;
        }
        for (size_t i = 0; i < part->n; i++) {
            out_file *f = &part->files[i];
            if (!rc)
                out_tree_add(t, f->path, f->data, f->len, f->mode);
            else
                free(f->data);
            free(f->path);
        }
        free(part->files);
    }
    free(j);
    return rc;
}
