/* `infrac status`, this machine's side: the units systemd runs and the
 * services an install left on the host (docs/targets.md, "Status"). */
#ifndef INFRAC_STATUS_HOST_H
#define INFRAC_STATUS_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* True when systemd is this machine's init (sd_booted(3): /run/systemd/system). */
bool status_systemd_present(void);
/* ActiveState/SubState of unit ("active/running", "inactive/dead", ...)
 * from `systemctl show`, into buf; false when systemctl could not say. */
bool status_unit_state(const char *unit, char *buf, size_t n);
/* True when launchctl is on PATH (a Mac: launchd runs the jobs). */
bool status_launchd_present(void);
/* A launchd job's state from `launchctl print system/<label>`, in the words
 * of status_unit_state: "active/running", "activating/spawn scheduled",
 * "inactive/not running", "inactive/not loaded"; false when launchctl could
 * not say. */
bool status_job_state(const char *label, char *buf, size_t n);
/* The services installed for the fleet under root (TARGET_CONFIG_DIR/<fleet>:
 * the install manifest and the engine configs), sorted, deduplicated. */
char **status_installed_services(const char *root, const char *fleet, size_t *n);
/* The port of an installed service's engine config, or 0. */
int status_installed_port(const char *root, const char *fleet, const char *service);
/* The first line of a key file, trimmed (malloc'ed), or NULL when unreadable. */
char *status_read_key(const char *root, const char *path);

#endif
