/* Scalar values of the fleet language: integers, numbers, booleans, sizes
 * with units, enums and names, each with a precise diagnostic. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/cpu_list.h"
#include "cors_origin.h"
#include "host_name.h"
#include "fleet/lower_internal.h"

const char *lower_describe(const ynode *n, char *buf, size_t len)
{
    if (n->kind == YNODE_MAPPING) return "a mapping";
    if (n->kind == YNODE_SEQUENCE) return "a list";
    if (yscalar_is_null(n)) return "nothing (null)";
    if (n->len > 40) snprintf(buf, len, "\"%.37s...\"", n->text);
    else snprintf(buf, len, "%s\"%s\"", n->quoted ? "the string " : "", n->text);
    return buf;
}

static bool want_scalar(lower_ctx *c, const fs_key *k, const ynode *n, const char *type)
{
    if (n->kind == YNODE_SCALAR) return true;
    char buf[64];
    diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be %s, found %s", k->name, type,
                               lower_describe(n, buf, sizeof buf));
    if (n->kind == YNODE_SEQUENCE && n->n_items == 1 && n->items[0]->kind == YNODE_SCALAR)
        diag_help(d, "write a single value: `%s: %s`", k->name, n->items[0]->text);
    return false;
}

static bool in_range(const fs_key *k, double v)
{
    if (!(k->max > k->min)) return true;
    if (k->flags & FS_MIN_EXCLUSIVE ? v <= k->min : v < k->min) return false;
    return v <= k->max;
}

/* Integral bounds print as integers (16777216, not 1.67772e+07). */
static void bound_text(double x, char *buf, size_t n)
{
    if (x == floor(x) && fabs(x) < 1e15) snprintf(buf, n, "%.0f", x);
    else snprintf(buf, n, "%g", x);
}

/* What the key accepts, said about the value v that it refused: a key with
 * no practical maximum names its maximum only when v is above it. */
static void range_text(const fs_key *k, double v, char *buf, size_t n)
{
    char lo[32], hi[32];
    bound_text(k->min, lo, sizeof lo);
    bound_text(k->max, hi, sizeof hi);
    if (k->max >= 1e17 && v > k->max) snprintf(buf, n, "at most %s", hi);
    else if (k->max >= 1e17) snprintf(buf, n, "%s %s", k->flags & FS_MIN_EXCLUSIVE ? "greater than" : "at least", lo);
    else if (k->flags & FS_MIN_EXCLUSIVE) snprintf(buf, n, "greater than %s and at most %s", lo, hi);
    else snprintf(buf, n, "between %s and %s", lo, hi);
}

static bool is_bool_word(const char *t)
{
    static const char *const words[] = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO",
                                        "ON", "OFF", "true", "false", "True", "False", "TRUE", "FALSE"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(t, words[i]) == 0) return true;
    return false;
}

bool lower_int(lower_ctx *c, const fs_key *k, const ynode *n, int64_t *out)
{
    if (!want_scalar(c, k, n, "an integer")) return false;
    const char *t = n->text;
    char *end = NULL;
    errno = 0;
    long long v = 0;
    bool ok = !n->quoted && n->len > 0 && (isdigit((unsigned char)t[0]) || ((t[0] == '-' || t[0] == '+') && isdigit((unsigned char)t[1])));
    if (ok) {
        v = strtoll(t, &end, 10);
        ok = *end == '\0';
    }
    char buf[64];
    if (!ok) {
        diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be an integer, found %s", k->name,
                                   lower_describe(n, buf, sizeof buf));
        char *e2;
        if (n->quoted && (strtoll(t, &e2, 10), *e2 == '\0') && n->len)
            diag_help(d, "remove the quotes: `%s: %s`", k->name, t);
        else if (!n->quoted && (strtod(t, &e2), *e2 == '\0') && n->len)
            diag_help(d, "`%s` counts whole units: write an integer", k->name);
        return false;
    }
    if (errno == ERANGE || !in_range(k, (double)v)) {
        char r[96];
        range_text(k, (double)v, r, sizeof r);
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must be %s, found %s", k->name, r, t);
        if (strcmp(k->name, "port") == 0 && v == 0)
            diag_help(d, "port 0 asks the kernel for a random port: clients could not find the service");
        return false;
    }
    *out = v;
    return true;
}

bool lower_number(lower_ctx *c, const fs_key *k, const ynode *n, double *out)
{
    if (!want_scalar(c, k, n, "a number")) return false;
    char *end = NULL;
    double v = n->len ? strtod(n->text, &end) : 0;
    char buf[64];
    if (n->quoted || !n->len || *end != '\0' || !isfinite(v) || isspace((unsigned char)n->text[0])) {
        diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be a number, found %s", k->name,
                                   lower_describe(n, buf, sizeof buf));
        if (n->quoted && n->len && end && *end == '\0') diag_help(d, "remove the quotes");
        return false;
    }
    if (!in_range(k, v)) {
        char r[96];
        range_text(k, v, r, sizeof r);
        diag_error(c->diags, "E0203", n->at, "`%s` must be %s, found %s", k->name, r, n->text);
        return false;
    }
    *out = v;
    return true;
}

bool lower_bool(lower_ctx *c, const fs_key *k, const ynode *n, bool *out)
{
    if (!want_scalar(c, k, n, "true or false")) return false;
    const char *t = n->text;
    if (!n->quoted) {
        if (!strcmp(t, "true") || !strcmp(t, "True") || !strcmp(t, "TRUE")) { *out = true; return true; }
        if (!strcmp(t, "false") || !strcmp(t, "False") || !strcmp(t, "FALSE")) { *out = false; return true; }
    }
    char buf[64];
    diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be true or false, found %s", k->name,
                               lower_describe(n, buf, sizeof buf));
    if (is_bool_word(t)) diag_help(d, "write true or false (YAML 1.2 reads yes/no/on/off as strings)");
    return false;
}

typedef struct unit { const char *name; uint64_t mult; } unit;
static const unit units[] = {
    {"B", 1ull}, {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30}, {"TiB", 1ull << 40},
    {"KB", 1000ull}, {"MB", 1000000ull}, {"GB", 1000000000ull}, {"TB", 1000000000000ull},
};
#define N_UNITS (sizeof units / sizeof units[0])

bool parse_size(const char *text, uint64_t *out, bool *bad_unit)
{
    *bad_unit = false;
    /* digits, optionally '.' and more digits: no signs, exponents or hex */
    const char *p = text, *q = text;
    while (isdigit((unsigned char)*q)) q++;
    if (q == p) return false;
    bool integral = *q != '.';
    if (!integral) {
        q++;
        if (!isdigit((unsigned char)*q)) return false;
        while (isdigit((unsigned char)*q)) q++;
    }
    size_t num_len = (size_t)(q - p);
    const char *unit_text = q;
    while (*unit_text == ' ') unit_text++;
    uint64_t mult = 1;
    if (*unit_text) {
        size_t i;
        for (i = 0; i < N_UNITS; i++)
            if (strcmp(unit_text, units[i].name) == 0) break;
        if (i == N_UNITS) {
            *bad_unit = true;
            return false;
        }
        mult = units[i].mult;
    }
    char num[64];
    if (num_len >= sizeof num) return false;
    memcpy(num, p, num_len);
    num[num_len] = '\0';
    errno = 0;
    if (integral) { /* exact for large byte counts */
        unsigned long long v = strtoull(num, NULL, 10);
        if (errno == ERANGE || v > UINT64_MAX / mult) {
            *out = UINT64_MAX; /* well formed, too large */
            return false;
        }
        *out = (uint64_t)v * mult;
        return true;
    }
    double bytes = strtod(num, NULL) * (double)mult;
    if (!isfinite(bytes) || bytes >= 18446744073709551615.0) {
        *out = UINT64_MAX; /* well formed, too large */
        return false;
    }
    *out = (uint64_t)llround(bytes);
    return true;
}

bool lower_size(lower_ctx *c, const fs_key *k, const ynode *n, uint64_t *out)
{
    if (!want_scalar(c, k, n, "a size")) return false;
    bool bad_unit = false;
    uint64_t v = 0;
    bool parsed = parse_size(n->text, &v, &bad_unit);
    if (!parsed && !bad_unit && v == UINT64_MAX) { /* not a malformed size: one past 2^64 bytes */
        char r[96];
        range_text(k, (double)UINT64_MAX, r, sizeof r);
        diag_error(c->diags, "E0205", n->at, "`%s` is too large a size: it must be %s bytes, found %s", k->name, r,
                   n->text);
        return false;
    }
    if (!parsed) {
        char buf[64];
        diagnostic *d = diag_error(c->diags, "E0205", n->at, "`%s` must be a size such as 16GiB, found %s", k->name,
                                   lower_describe(n, buf, sizeof buf));
        if (bad_unit) {
            const char *names[N_UNITS];
            for (size_t i = 0; i < N_UNITS; i++) names[i] = units[i].name;
            const char *u = n->text;
            while (*u && (isdigit((unsigned char)*u) || *u == '.' || *u == ' ')) u++;
            const char *s = NULL;
            char guess[8];
            /* "64G" and "64g" almost always mean GiB */
            if (strlen(u) == 1 && strchr("KkMmGgTt", u[0])) {
                snprintf(guess, sizeof guess, "%ciB", toupper((unsigned char)u[0]));
                s = guess;
            } else {
                s = suggest_closest(u, names, N_UNITS);
            }
            if (s) diag_help(d, "did you mean `%s`? units: B KiB MiB GiB TiB (1024) and KB MB GB TB (1000)", s);
            else diag_help(d, "units: B KiB MiB GiB TiB (powers of 1024) and KB MB GB TB (powers of 1000)");
        }
        return false;
    }
    if (!in_range(k, (double)v)) {
        char r[96];
        range_text(k, (double)v, r, sizeof r);
        diag_error(c->diags, "E0203", n->at, "`%s` must be %s bytes, found %s", k->name, r, n->text);
        return false;
    }
    *out = v;
    return true;
}

int lower_enum(lower_ctx *c, const fs_key *k, const char *const *values, const ynode *n)
{
    if (!want_scalar(c, k, n, "a word")) return -1;
    size_t count = 0;
    for (; values[count]; count++)
        if (strcmp(values[count], n->text) == 0) return (int)count;
    char list[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < count && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", values[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    char buf[64];
    diagnostic *d = diag_error(c->diags, "E0204", n->at, "unknown %s %s; expected one of: %s", k->name,
                               lower_describe(n, buf, sizeof buf), list);
    const char *s = suggest_closest(n->text, values, count);
    if (s) diag_help(d, "did you mean `%s`?", s);
    return -1;
}

static bool is_username(const char *t)
{
    if (!(islower((unsigned char)t[0]) || t[0] == '_')) return false;
    size_t i = 1;
    for (; t[i]; i++)
        if (!(islower((unsigned char)t[i]) || isdigit((unsigned char)t[i]) || t[i] == '_' || t[i] == '-')) return false;
    return i <= 32;
}

/* systemd.unit(5): "[a-zA-Z0-9:-_.\\]" and "@" before the suffix of an
 * instance, then a unit type; at most 255 characters (UNIT_NAME_MAX). */
static bool is_unit_name(const char *t)
{
    static const char *const types[] = {"service", "socket", "device", "mount", "automount", "swap",
                                        "target",  "path",   "timer",  "slice", "scope"};
    const char *dot = strrchr(t, '.');
    size_t len = strlen(t);
    if (!dot || dot == t || len > 255) return false;
    bool typed = false;
    for (size_t i = 0; i < sizeof types / sizeof *types && !typed; i++) typed = !strcmp(dot + 1, types[i]);
    if (!typed) return false;
    for (const char *p = t; p < dot; p++)
        if (!(isalnum((unsigned char)*p) || strchr(":-_.\\@", *p))) return false;
    return true;
}

bool lower_check_name(lower_ctx *c, const ynode *n, const char *what)
{
    const char *t = n->text;
    bool ok = n->len > 0 && n->len <= 64 && isalnum((unsigned char)t[0]);
    for (size_t i = 1; ok && i < n->len; i++)
        ok = isalnum((unsigned char)t[i]) || t[i] == '_' || t[i] == '.' || t[i] == '-';
    if (ok) return true;
    char buf[96];
    diagnostic *d = diag_error(c->diags, "E0207", n->at, "invalid %s name \"%s\"", what,
                               n->len > 40 ? (snprintf(buf, sizeof buf, "%.37s...", n->text), buf) : n->text);
    if (n->len > 64) diag_help(d, "names are at most 64 characters");
    else diag_help(d, "names become systemd unit and file names: start with a letter or digit, then letters, "
                      "digits, `_`, `.` or `-`");
    return false;
}

/* An unquoted scalar YAML 1.2's core schema reads as a number or a bool
 * (yaml.org/spec/1.2.2 10.3.2): `alias: 123` or `extra_args: [7, true]`
 * is not the string the user meant to write (a YAML-to-JSON converter or the
 * JSON Schema sees a number), so a string key refuses it, asking for quotes. */
static bool reads_as_number_or_bool(const ynode *n)
{
    if (n->quoted || n->len == 0) return false;
    const char *t = n->text;
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE",
                                        ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                        "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(t, words[i]) == 0) return true;
    if ((t[0] == '0' && (t[1] == 'x' || t[1] == 'o')) && t[2]) {
        const char *digits = t[1] == 'x' ? "0123456789abcdefABCDEF" : "01234567";
        return strspn(t + 2, digits) == strlen(t + 2);
    }
    /* [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
    const char *p = t;
    if (*p == '-' || *p == '+') p++;
    size_t ip = strspn(p, "0123456789");
    p += ip;
    size_t fp = 0;
    if (*p == '.') { p++; fp = strspn(p, "0123456789"); p += fp; }
    if (ip == 0 && fp == 0) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+') p++;
        size_t ep = strspn(p, "0123456789");
        if (ep == 0) return false;
        p += ep;
    }
    return *p == 0;
}

bool lower_string(lower_ctx *c, const fs_key *k, const ynode *n, const char **out)
{
    if (!want_scalar(c, k, n, "a string")) return false;
    if (reads_as_number_or_bool(n)) {
        diagnostic *d = diag_error(c->diags, "E0202", n->at, "`%s` must be a string, found the %s %s", k->name,
                                   (n->text[0] == 't' || n->text[0] == 'T' || n->text[0] == 'f' || n->text[0] == 'F')
                                       ? "bool" : "number", n->text);
        diag_help(d, "quote it if you mean the text: `\"%s\"`", n->text);
        return false;
    }
    if (k->flags & FS_NAME && !lower_check_name(c, n, k->name)) return false;
    /* a path, alias or architecture of "" is a slip, never a choice (an empty
     * extra argument is passed on as written) */
    if (n->len == 0 && strcmp(k->name, "extra_args") != 0) {
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must not be empty", k->name);
        diag_help(d, "remove the key to take its default, or give a value");
        return false;
    }
    if (k->flags & FS_ABSPATH && n->text[0] != '/') {
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must be an absolute path, found \"%s\"", k->name, n->text);
        diag_help(d, "this path is read on the host by the service: start it with '/'");
        return false;
    }
    if (k->flags & FS_IPADDR) {
        unsigned char addr[16];
        if (inet_pton(AF_INET, n->text, addr) != 1 && inet_pton(AF_INET6, n->text, addr) != 1) {
            diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must be an IP address, found \"%s\"", k->name, n->text);
            diag_help(d, "127.0.0.1 keeps the service on the host; 0.0.0.0 listens on every interface");
            return false;
        }
    }
    if (k->flags & FS_ORIGIN && !cors_origin_valid(n->text)) {
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` holds \"%s\", which is not a browser origin", k->name,
                                   n->text);
        diag_help(d, "write scheme://host[:port] with http or https and no path (https://app.example.com, "
                     "http://localhost:3000), or \"*\" for any origin");
        return false;
    }
    if (k->flags & FS_IP_NETWORK && !ip_network_valid(n->text)) {
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must list IP addresses or networks, found \"%s\"",
                                   k->name, n->text);
        diag_help(d, "an address or address/prefix as systemd's IPAddressAllow= takes them, or one of "
                     "`localhost`, `link-local`, `multicast`: `192.168.1.0/24`, `10.0.0.5`, `fd00::/8`");
        return false;
    }
    if (k->flags & FS_USERNAME && !is_username(n->text)) {
        diagnostic *d = diag_error(c->diags, "E0207", n->at, "invalid user name \"%s\"", n->text);
        diag_help(d, "a Linux user name: a lowercase letter or `_`, then lowercase letters, digits, `_` or `-`");
        return false;
    }
    if (k->flags & FS_CPU_LIST) {
        cpu_list l;
        char why[120];
        if (!cpu_list_parse(n->text, &l, why, sizeof why)) {
            diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must be a CPU list such as 0-7,16-23: %s", k->name, why);
            diag_help(d, "CPU indexes and lo-hi ranges, separated by commas, as `lscpu -e` numbers them");
            return false;
        }
    }
    if (k->flags & FS_UNIT_NAME && !is_unit_name(n->text)) {
        diagnostic *d = diag_error(c->diags, "E0203", n->at, "`%s` must name a systemd unit, found \"%s\"", k->name, n->text);
        diag_help(d, "a unit name with its type, such as tailscaled.service or network-online.target");
        return false;
    }
    *out = arena_strndup(c->ar, n->text, n->len);
    return true;
}
