/* Names and install paths shared by every writer, so that the unit, the
 * script, the config and install.sh always agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"

static char *fmt_alloc(const char *fmt, const char *a, const char *b)
{
    int n = snprintf(NULL, 0, fmt, a, b);
    char *s = malloc((size_t)n + 1);
    if (!s)
        abort();
    snprintf(s, (size_t)n + 1, fmt, a, b);
    return s;
}

char *target_unit_name_of(const char *service) { return fmt_alloc("infrac-%s.service%s", service, ""); }

char *target_unit_name(const plan_service *s) { return target_unit_name_of(s->name); }

char *target_fleet_target_name(const plan *p) { return fmt_alloc("infrac-%s.target%s", p->fleet, ""); }

char *target_config_path(const plan *p, const plan_service *s)
{
    return fmt_alloc(TARGET_CONFIG_DIR "/%s/%s.json", p->fleet, s->name);
}

char *target_script_path(const plan *p, const plan_service *s)
{
    return fmt_alloc(TARGET_SCRIPT_DIR "/%s/bin/%s.sh", p->fleet, s->name);
}

const char *target_credential_name(const plan_service *s)
{
    const char *path = s->cfg.api_key_file ? s->cfg.api_key_file : "";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

char *target_credential_path(const plan_service *s)
{
    /* launchd hands no credentials over: the engine reads the key file itself */
    if (s->host && s->host->macos)
        return fmt_alloc("%s%s", s->cfg.api_key_file ? s->cfg.api_key_file : "", "");
    /* behind llama-swap the engine is llama-swap's child: its credentials */
    if (s->host && s->host->llama_swap_port)
        return fmt_alloc(TARGET_CREDENTIAL_DIR "/infrac-llama-swap.service/%s.api-key%s", s->name, "");
    return fmt_alloc(TARGET_CREDENTIAL_DIR "/infrac-%s.service/%s", s->name, target_credential_name(s));
}

/* Reverse-DNS, as launchd.plist(5) asks: under `local`, no vendor's domain. */
char *target_launchd_label_of(const char *fleet, const char *service)
{
    return fmt_alloc("local.infrac.%s.%s", fleet, service);
}

char *target_launchd_label(const plan *p, const plan_service *s) { return target_launchd_label_of(p->fleet, s->name); }

/* Not under local.infrac.F., where a service's name could meet it. */
char *target_launchd_sysctl_label(const plan *p) { return fmt_alloc("local.infrac-sysctl.%s%s", p->fleet, ""); }

char *target_launchd_log_path(const plan *p, const plan_service *s)
{
    return fmt_alloc(TARGET_LAUNCHD_LOG_DIR "/%s/%s.log", p->fleet, s->name);
}

char *target_launchd_work_dir(const plan *p, const plan_service *s)
{
    return fmt_alloc(TARGET_LAUNCHD_WORK_DIR "/%s/%s", p->fleet, s->name);
}

char *target_llama_swap_credential(const plan_service *s)
{
    return fmt_alloc("%s.api-key%s", s->name, "");
}

static bool is_wildcard(const char *bind)
{
    return !bind || !*bind || !strcmp(bind, "0.0.0.0") || !strcmp(bind, "::") || !strcmp(bind, "[::]");
}

char *target_service_url(const plan_service *s)
{
    /* A wildcard bind is reached through the host's address (or its name). */
    const char *addr = s->cfg.bind;
    if (is_wildcard(addr))
        addr = (s->host && s->host->address) ? s->host->address : (s->host ? s->host->name : "localhost");
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)s->cfg.port);
    bool v6 = strchr(addr, ':') && addr[0] != '[';
    size_t n = strlen(addr) + 32;
    char *url = malloc(n);
    if (!url)
        abort();
    snprintf(url, n, v6 ? "http://[%s]:%s" : "http://%s:%s", addr, port);
    return url;
}

const char *target_service_cache_name(const plan_service *s, bool v)
{
    const char *name = v ? s->cfg.cache_v_name : s->cfg.cache_k_name;
    return name ? name : cache_type_name(v ? s->cfg.mem.cache_v : s->cfg.mem.cache_k);
}

uint64_t target_gpu_need_mib(const plan_service *s, uint32_t i)
{
    if (i >= s->cfg.mem.n_gpus || i >= s->memory.n_gpus)
        return 0;
    return (s->memory.gpu[i].total + MIB - 1) / MIB;
}

bool target_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 200 || name[0] == '.' || name[0] == '-')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.'))
            return false;
    return true;
}

void target_yaml_str(strbuf *b, const char *s)
{
    sb_puts(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\x%02x", ch);
        else
            sb_printf(b, "%c", ch);
    }
    sb_puts(b, "\"");
}

bool target_is_loopback(const char *a)
{
    return a && (!strcmp(a, "localhost") || !strncmp(a, "127.", 4) || !strcmp(a, "::1") || !strcmp(a, "[::1]"));
}
