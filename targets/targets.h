/* The targets: what `infrac build` writes for a checked plan. Every writer
 * reads only the plan (plan.h) and returns the bytes of one file; the
 * output tree collects them in memory and commits them atomically beside
 * OUT. Where a file lands on the host, see docs/targets.md. */
#ifndef INFRAC_TARGETS_H
#define INFRAC_TARGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "strbuf.h"

/* Where install.sh puts things on the host (one place, used everywhere). */
#define TARGET_UNIT_DIR "/etc/systemd/system"
#define TARGET_CONFIG_DIR "/etc/infrac"          /* + /<fleet>/<service>.json */
#define TARGET_SCRIPT_DIR "/usr/local/lib/infrac" /* + /<fleet>/bin/<service>.sh */
#define TARGET_CREDENTIAL_DIR "/run/credentials" /* + /<unit>/<credential> (systemd) */
/* A Mac (platform: macos): launchd's daemons, their logs and working directories. */
#define TARGET_LAUNCHD_DIR "/Library/LaunchDaemons"   /* + /<label>.plist */
#define TARGET_LAUNCHD_LOG_DIR "/Library/Logs/infrac"  /* + /<fleet>/<service>.log */
#define TARGET_LAUNCHD_WORK_DIR "/Library/Caches/infrac" /* + /<fleet>/<service> */
/* The user a launchd job runs as where the fleet names none: launchd would run it as root. */
#define TARGET_LAUNCHD_DEFAULT_USER "nobody"
/* The file at the root of every build output: OUT is ours to replace. */
#define TARGET_MARKER ".infrac-build"

/* --- output tree: files in memory, then one atomic commit --------------- */
typedef struct out_file {
    char *path;   /* relative to OUT, '/'-separated */
    char *data;
    size_t len;
    unsigned mode; /* 0644 or 0755 */
} out_file;

typedef struct out_tree {
    out_file *files;
    size_t n, cap;
} out_tree;

void out_tree_init(out_tree *t);
void out_tree_free(out_tree *t);
/* Takes ownership of data (malloc'ed, len bytes). */
void out_tree_add(out_tree *t, const char *path, char *data, size_t len, unsigned mode);
const out_file *out_tree_find(const out_tree *t, const char *path);

typedef enum out_commit_status {
    OUT_COMMIT_OK = 0,
    OUT_COMMIT_NOT_OURS, /* OUT exists, is no build output, and force is off */
    OUT_COMMIT_IO        /* could not write: err says what */
} out_commit_status;

/* Writes every file into a fresh directory beside out_dir, then swaps it
 * into place. On any failure out_dir is left as it was. */
out_commit_status out_tree_commit(const out_tree *t, const char *out_dir, bool force, char *err,
                                  size_t errlen);

/* --- engine command line ------------------------------------------------- */
typedef struct target_argv {
    char **v;
    size_t n, cap;
} target_argv;

/* The argv the launch script execs; also the config's `command` and what
 * --print-commands prints. One builder for all three. */
void target_engine_argv(const plan *p, const plan_service *s, target_argv *out);
void target_argv_free(target_argv *a);
/* The argv as one shell line (words quoted where needed). malloc'ed. */
char *target_argv_shell_line(const target_argv *a);

/* --- names and install paths (malloc'ed strings) ------------------------- */
char *target_unit_name(const plan_service *s);            /* infrac-S.service */
char *target_unit_name_of(const char *service);           /* the same from a name (infrac status) */
char *target_fleet_target_name(const plan *p);            /* infrac-F.target */
char *target_config_path(const plan *p, const plan_service *s);
char *target_script_path(const plan *p, const plan_service *s);
/* The API key's systemd credential is named after the key file (its base
 * name): infrac-engine reads $CREDENTIALS_DIRECTORY/<basename of api_key_file>. */
const char *target_credential_name(const plan_service *s);
char *target_credential_path(const plan_service *s);      /* API key under systemd (or llama-swap's unit); a Mac: the file */
char *target_launchd_label(const plan *p, const plan_service *s);    /* local.infrac.F.S */
char *target_launchd_label_of(const char *fleet, const char *service); /* the same from names */
char *target_launchd_log_path(const plan *p, const plan_service *s); /* /Library/Logs/infrac/F/S.log */
char *target_launchd_work_dir(const plan *p, const plan_service *s); /* /Library/Caches/infrac/F/S */
char *target_launchd_sysctl_label(const plan *p);                    /* local.infrac-sysctl.F */
/* The credential name of s's API key in llama-swap's unit: "<service>.api-key" (malloc'ed). */
char *target_llama_swap_credential(const plan_service *s);
char *target_service_url(const plan_service *s);          /* http://ADDR:PORT */
/* The service's K (v false) or V cache type name: the resolved one (a
 * build's own type included), else the built-in name of its id. */
const char *target_service_cache_name(const plan_service *s, bool v);
/* localhost, 127.0.0.0/8, ::1 (also bracketed). */
bool target_is_loopback(const char *address);
/* A YAML double-quoted scalar: JSON's escapes are YAML's. */
void target_yaml_str(strbuf *b, const char *s);
/* Bytes the service needs free on its i-th GPU before it starts, in MiB (rounded up). */
uint64_t target_gpu_need_mib(const plan_service *s, uint32_t i);
/* The GPU API's part of the unit and the launch script (gpu_devices.c), by
 * the service's cfg.gpu_api. The device nodes an engine opens: a service's,
 * or (target_gpu_nodes_add for each) the union of the engines llama-swap starts. */
typedef struct target_gpu_nodes {
    uint64_t nvidia;         /* bit g: /dev/nvidia<g> */
    bool nvidia_ctl;         /* /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia-uvm-tools */
    bool nvidia_modeset;     /* /dev/nvidia-modeset (NVIDIA's Vulkan driver) */
    bool kfd;                /* /dev/kfd (ROCm) */
    bool drm;                /* the DRM class (/dev/dri/card*, renderD*) and the render and video groups */
} target_gpu_nodes;
void target_gpu_nodes_add(target_gpu_nodes *n, const plan_service *s);
void target_gpu_nodes_write(strbuf *b, const target_gpu_nodes *n); /* DeviceAllow= (and group) lines */
const char *target_gpu_after(const plan_service *s);            /* " nvidia-persistenced.service" or "" */
void target_gpu_device_allow(strbuf *b, const plan_service *s); /* DevicePolicy= and DeviceAllow= lines */
/* Whether the launch script can read the free memory of the service's GPUs (CUDA, HIP). */
bool target_gpu_probe(const plan_service *s);
void target_gpu_free_function(strbuf *b, const plan_service *s); /* gpu_free_mib() and gpu_tool, where probed */
void target_gpu_wait(strbuf *b, const plan_service *s);          /* the waits (or, unprobed, what each GPU needs) */
/* The service's GPUs as its API's visible-devices variable lists them ("0,1", "level_zero:0"). */
void target_gpu_visible_value(strbuf *b, const plan_service *s);
void target_gpu_visible(strbuf *b, const plan_service *s);       /* that variable (and the order one), exported */
/* True when name can be a unit, file and shell name as it is. */
bool target_name_ok(const char *name);

/* --- the files (each malloc'ed, NUL-terminated) -------------------------- */
char *target_service_unit(const plan *p, const plan_service *s);
/* Whether the host target starts s (autostart, first of its exclusive group). */
bool target_service_wanted(const plan_host *h, const plan_service *s);
char *target_host_target_unit(const plan *p, const plan_host *h);
/* Drop-in with the restart backoff keys (systemd >= 254 only). */
char *target_restart_backoff_dropin(const plan_service *s);
char *target_launch_script(const plan *p, const plan_service *s);
char *target_engine_config(const plan *p, const plan_service *s);
char *target_host_readme(const plan *p, const plan_host *h);
char *target_install_script(const plan *p, const plan_host *h);
/* OUT/prometheus/prometheus.yml (prometheus_config.c) and
 * grafana-dashboard.json (grafana_dashboard.c). */
char *target_prometheus_config(const plan *p);
char *target_grafana_dashboard(const plan *p);
/* Whether the service serves /metrics (vLLM always; llama.cpp and infrac
 * unless `metrics: false`). */
bool target_serves_metrics(const plan_service *s);
/* OUT/ansible/inventory.yml and playbook.yml (targets/ansible.c). */
char *target_ansible_inventory(const plan *p);
char *target_ansible_playbook(const plan *p);
char *target_plan_json(const plan *p);
/* A host with `llama_swap:` (llama_swap.c): its config.yaml and unit. */
char *target_llama_swap_config(const plan *p, const plan_host *h);
char *target_llama_swap_unit(const plan *p, const plan_host *h);
char *target_llama_swap_script(const plan *p, const plan_host *h);

/* A service of a Kubernetes host (llmkube.c): its LLMKube Model and
 * InferenceService, two YAML documents. NULL with err when a value is
 * outside what the CRDs accept. */
char *target_llmkube_resources(const plan *p, const plan_service *s, char *err, size_t errlen);

/* A service of a Mac (launchd_plist.c): its launchd job, an XML property
 * list 1.0 for /Library/LaunchDaemons/<label>.plist. */
char *target_launchd_plist(const plan *p, const plan_service *s);
/* A Mac whose fleet sets gpu_wired_limit: the job that sets iogpu.wired_limit_mb at boot
 * (the sysctl does not survive a reboot). Its label: target_launchd_sysctl_label. */
char *target_launchd_wired_limit_plist(const plan *p, const plan_host *h);
/* install.sh's record of the host's services (host_install.c): the lines
 * that stop and remove, with `remove` the platform's (it uses $old), the
 * services an earlier install recorded that the fleet no longer has; and
 * the lines that record this build's (after $config_dir, $services, $root). */
void target_install_stale_removal(strbuf *b, const char *remove);
void target_install_manifest(strbuf *b, const plan_host *h);
/* The build's digest into $config_dir/installed-build, written last: OUT/ansible
 * installs again when it is not this build's. `in` indents each line. */
void target_install_record(strbuf *b, const plan *p, const char *in);
/* The opening every install.sh shares: the header naming the fleet, host and
 * platform (" (macOS, launchd)" or ""), `set -eu`, $here, $root from
 * INFRAC_INSTALL_ROOT (staging says what staging skips) and the root check. */
void target_install_preamble(strbuf *b, const plan *p, const plan_host *h, const char *platform, const char *staging);
/* `services='a b c'` with the host's service names, and its newline. */
void target_install_services(strbuf *b, const plan_host *h);
/* A Mac's install.sh (host_install_macos.c): plists, configs, directories, launchctl. */
char *target_install_script_macos(const plan *p, const plan_host *h);

/* Every file of the build output for p. 0, or -1 with err (a name that
 * cannot be used for a unit or a file). */
int target_build_tree(const plan *p, out_tree *t, char *err, size_t errlen);

#endif
