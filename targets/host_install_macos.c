/* OUT/<host>/install.sh of a Mac (platform: macos): copies the launchd
 * property lists and engine configs into place, makes each job's log file
 * and working directory for its user, and (re)loads the jobs with
 * launchctl (bootout, then bootstrap into the system domain); a service an
 * earlier install recorded that the fleet dropped is booted out and its
 * files removed (the manifest is the Linux install's). Run as root
 * from the copied OUT/<host> directory. INFRAC_INSTALL_ROOT stages
 * everything under a directory instead (tests): no chown, no launchctl. */
#include <stdlib.h>

#include "targets.h"
#include "shell_quote.h"

static const char *user_of(const plan_service *s) { return s->cfg.user ? s->cfg.user : TARGET_LAUNCHD_DEFAULT_USER; }

char *target_install_script_macos(const plan *p, const plan_host *h)
{
    strbuf b = {0};
    target_install_preamble(&b, p, h, " (macOS, launchd)", "no chown, no launchctl");
    sb_printf(&b, "daemon_dir=$root%s\n", TARGET_LAUNCHD_DIR);
    sb_printf(&b, "config_dir=$root%s/%s\n", TARGET_CONFIG_DIR, p->fleet);
    sb_printf(&b, "log_dir=$root%s/%s\n", TARGET_LAUNCHD_LOG_DIR, p->fleet);
    sb_printf(&b, "work_dir=$root%s/%s\n", TARGET_LAUNCHD_WORK_DIR, p->fleet);
    target_install_services(&b, h);
    sb_puts(&b, "install -d -m 0755 \"$daemon_dir\" \"$config_dir\" \"$log_dir\" \"$work_dir\"\n\n");
    /* a dropped service's job, by the label its name gives (names.c) */
    char *old_label = target_launchd_label(p, &(plan_service){.name = "$old"});
    strbuf rm = {0};
    sb_printf(&rm, "        if [ -z \"$root\" ]; then\n"
                   "            launchctl bootout \"system/%s\" 2>/dev/null || true\n"
                   "        fi\n"
                   "        rm -rf \"$daemon_dir/%s.plist\" \"$config_dir/$old.json\" \"${work_dir:?}/$old\"\n",
              old_label, old_label);
    target_install_stale_removal(&b, rm.p);
    sb_free(&rm);
    free(old_label);
    sb_puts(&b, "# owner USER FILE...: the job's user owns its log and working directory\n"
                 "owner() {\n"
                 "    user=$1\n"
                 "    shift\n"
                 "    if [ -z \"$root\" ]; then chown \"$user\" \"$@\"; fi\n"
                 "}\n\n");
    for (uint32_t i = 0; i < h->n_services; i++) {
        const plan_service *s = h->services[i];
        char *label = target_launchd_label(p, s);
        sb_printf(&b, "install -m 0644 \"$here/etc/%s.json\" \"$config_dir/%s.json\"\n", s->name, s->name);
        sb_printf(&b, "install -d -m 0700 \"$work_dir/%s\"\n", s->name);
        sb_printf(&b, "touch \"$log_dir/%s.log\"\nchmod 0640 \"$log_dir/%s.log\"\n", s->name, s->name);
        sb_puts(&b, "owner ");
        sb_add_shell_word(&b, user_of(s));
        sb_printf(&b, " \"$work_dir/%s\" \"$log_dir/%s.log\"\n", s->name, s->name);
        /* launchd loads a daemon's plist only when root owns it and no one else may write it */
        sb_printf(&b, "install -m 0644 \"$here/launchd/%s.plist\" \"$daemon_dir/%s.plist\"\n", label, label);
        sb_printf(&b, "if [ -z \"$root\" ]; then chown root:wheel \"$daemon_dir/%s.plist\"; fi\n\n", label);
        free(label);
    }
    target_install_manifest(&b, h);
    char *sysctl = h->gpu_wired_limit_bytes ? target_launchd_sysctl_label(p) : NULL;
    if (sysctl) { /* the GPU's share the fleet was checked with, at every boot (and now, at load) */
        sb_printf(&b, "install -m 0644 \"$here/launchd/%s.plist\" \"$daemon_dir/%s.plist\"\n", sysctl, sysctl);
        sb_printf(&b, "if [ -z \"$root\" ]; then chown root:wheel \"$daemon_dir/%s.plist\"; fi\n\n", sysctl);
    }
    sb_puts(&b, "if [ -n \"$root\" ]; then\n");
    target_install_record(&b, p, "    ");
    sb_puts(&b, "    echo \"install.sh: staged under $root\"\n"
                 "    exit 0\n"
                 "fi\n\n");
    sb_puts(&b, "# Reload each job: out of the system domain (waiting for it to stop), then in again.\n");
    sb_puts(&b, "labels='");
    if (sysctl) /* first: the engines start with the share set */
        sb_printf(&b, "%s%s", sysctl, h->n_services ? " " : "");
    for (uint32_t i = 0; i < h->n_services; i++) {
        char *label = target_launchd_label(p, h->services[i]);
        sb_printf(&b, "%s%s", i ? " " : "", label);
        free(label);
    }
    free(sysctl);
    sb_puts(&b, "'\n");
    sb_puts(&b, "for label in $labels; do\n"
                 "    launchctl bootout \"system/$label\" 2>/dev/null || true\n"
                 "    n=0\n"
                 "    while launchctl print \"system/$label\" >/dev/null 2>&1 && [ \"$n\" -lt 35 ]; do\n"
                 "        sleep 1\n"
                 "        n=$((n + 1))\n"
                 "    done\n"
                 "    launchctl bootstrap system \"$daemon_dir/$label.plist\"\n"
                 "done\n");
    target_install_record(&b, p, "");
    sb_puts(&b, "echo \"installed; a job that does not start at load starts with: launchctl kickstart system/LABEL\"\n");
    return sb_steal(&b);
}
