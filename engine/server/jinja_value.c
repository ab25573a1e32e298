/* Values of the Jinja subset, with Python's semantics where templates see
 * them: str() of None/True/1.0/lists/dicts, json.dumps for tojson (the
 * escapes and separators of CPython's json module), == across int/float. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

/* ---- arena ---- */

struct arena_block {
    arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *ar_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (a->limit && a->used_total + n > a->limit) {
        a->exhausted = true;
        return NULL;
    }
    arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        b = malloc(sizeof *b + cap);
        if (!b)
            abort();
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    memset(p, 0, n);
    return p;
}

char *ar_strndup(arena *a, const char *s, size_t n)
{
    char *d = ar_alloc(a, n + 1);
    if (d && n)
        memcpy(d, s, n);
    return d;
}

void ar_free(arena *a)
{
    while (a->head) {
        arena_block *n = a->head->next;
        free(a->head);
        a->head = n;
    }
    a->used_total = 0;
}

/* ---- constructors ---- */

jv jv_undefined(void) { return (jv){.type = JV_UNDEFINED}; }
jv jv_none(void) { return (jv){.type = JV_NONE}; }
jv jv_bool(bool b) { return (jv){.type = JV_BOOL, .u.b = b}; }
jv jv_int(int64_t i) { return (jv){.type = JV_INT, .u.i = i}; }
jv jv_float(double f) { return (jv){.type = JV_FLOAT, .u.f = f}; }

jv jv_str(arena *a, const char *s, size_t n)
{
    jstr *j = ar_alloc(a, sizeof *j + n + 1);
    if (!j)
        return jv_undefined();
    j->len = n;
    if (n)
        memcpy(j->s, s, n);
    return (jv){.type = JV_STRING, .u.s = j};
}

jv jv_cstr(arena *a, const char *s) { return jv_str(a, s, strlen(s)); }

jv jv_list(arena *a)
{
    jlist *l = ar_alloc(a, sizeof *l);
    return l ? (jv){.type = JV_LIST, .u.l = l} : jv_undefined();
}

jv jv_dict(arena *a)
{
    jdict *d = ar_alloc(a, sizeof *d);
    return d ? (jv){.type = JV_DICT, .u.d = d} : jv_undefined();
}

void jl_push(arena *a, jlist *l, jv v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        jv *items = ar_alloc(a, cap * sizeof *items);
        if (!items)
            return;
        if (l->n)
            memcpy(items, l->items, l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = v;
}

jv *jd_get(const jdict *d, const char *key, size_t klen)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->keys[i]->len == klen && memcmp(d->keys[i]->s, key, klen) == 0)
            return &d->vals[i];
    return NULL;
}

void jd_set(arena *a, jdict *d, const char *key, size_t klen, jv v)
{
    jv *old = jd_get(d, key, klen);
    if (old) {
        *old = v;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 4;
        jstr **keys = ar_alloc(a, cap * sizeof *keys);
        jv *vals = ar_alloc(a, cap * sizeof *vals);
        if (!keys || !vals)
            return;
        if (d->n) {
            memcpy(keys, d->keys, d->n * sizeof *keys);
            memcpy(vals, d->vals, d->n * sizeof *vals);
        }
        d->keys = keys;
        d->vals = vals;
        d->cap = cap;
    }
    jv k = jv_str(a, key, klen);
    if (k.type != JV_STRING)
        return;
    d->keys[d->n] = k.u.s;
    d->vals[d->n++] = v;
}

/* ---- truth, equality, order ---- */

bool jv_truthy(jv v)
{
    switch (v.type) {
    case JV_UNDEFINED:
    case JV_NONE: return false;
    case JV_BOOL: return v.u.b;
    case JV_INT: return v.u.i != 0;
    case JV_FLOAT: return v.u.f != 0;
    case JV_STRING: return v.u.s->len > 0;
    case JV_LIST: return v.u.l->n > 0;
    case JV_DICT: return v.u.d->n > 0;
    default: return true;
    }
}

static bool is_number(jv v) { return v.type == JV_INT || v.type == JV_FLOAT || v.type == JV_BOOL; }
static double num(jv v)
{
    return v.type == JV_FLOAT ? v.u.f : v.type == JV_INT ? (double)v.u.i : (double)v.u.b;
}

bool jv_equal(jv a, jv b)
{
    if (is_number(a) && is_number(b)) {
        if (a.type != JV_FLOAT && b.type != JV_FLOAT)
            return (a.type == JV_INT ? a.u.i : a.u.b) == (b.type == JV_INT ? b.u.i : b.u.b);
        return num(a) == num(b);
    }
    if (a.type != b.type)
        return (a.type == JV_DICT || a.type == JV_NAMESPACE) &&
               (b.type == JV_DICT || b.type == JV_NAMESPACE) && a.u.d == b.u.d;
    switch (a.type) {
    case JV_UNDEFINED:
    case JV_NONE: return true;
    case JV_STRING: return a.u.s->len == b.u.s->len && memcmp(a.u.s->s, b.u.s->s, a.u.s->len) == 0;
    case JV_LIST:
        if (a.u.l->n != b.u.l->n)
            return false;
        for (size_t i = 0; i < a.u.l->n; i++)
            if (!jv_equal(a.u.l->items[i], b.u.l->items[i]))
                return false;
        return true;
    case JV_DICT:
    case JV_NAMESPACE:
        if (a.u.d->n != b.u.d->n)
            return false;
        for (size_t i = 0; i < a.u.d->n; i++) {
            jv *o = jd_get(b.u.d, a.u.d->keys[i]->s, a.u.d->keys[i]->len);
            if (!o || !jv_equal(a.u.d->vals[i], *o))
                return false;
        }
        return true;
    case JV_MACRO: return a.u.macro == b.u.macro;
    case JV_BUILTIN: return a.u.builtin == b.u.builtin;
    default: return false;
    }
}

bool jv_compare(jv a, jv b, int *out)
{
    if (is_number(a) && is_number(b)) {
        double x = num(a), y = num(b);
        *out = x < y ? -1 : x > y;
        return true;
    }
    if (a.type == JV_STRING && b.type == JV_STRING) {
        size_t n = a.u.s->len < b.u.s->len ? a.u.s->len : b.u.s->len;
        int c = memcmp(a.u.s->s, b.u.s->s, n);
        *out = c ? (c < 0 ? -1 : 1) : a.u.s->len < b.u.s->len ? -1 : a.u.s->len > b.u.s->len;
        return true;
    }
    if (a.type == JV_LIST && b.type == JV_LIST) {
        for (size_t i = 0; i < a.u.l->n && i < b.u.l->n; i++) {
            if (jv_equal(a.u.l->items[i], b.u.l->items[i]))
                continue;
            return jv_compare(a.u.l->items[i], b.u.l->items[i], out);
        }
        *out = a.u.l->n < b.u.l->n ? -1 : a.u.l->n > b.u.l->n;
        return true;
    }
    return false;
}

const char *jv_type_name(jv v)
{
    static const char *const names[] = {"undefined", "none",  "bool",  "int",
                                        "float",     "string", "list", "dict",
                                        "namespace", "macro", "function", "method"};
    return names[v.type];
}

/* ---- text ---- */

/* Python's repr(float): the shortest digits that read back the same. */
static void put_float(double f, strbuf *out, bool json)
{
    if (isnan(f)) {
        sb_puts(out, json ? "NaN" : "nan");
        return;
    }
    if (isinf(f)) {
        sb_puts(out, f < 0 ? "-" : "");
        sb_puts(out, json ? "Infinity" : "inf");
        return;
    }
    char e[48];
    int prec = 0;
    for (; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, f);
        if (strtod(e, NULL) == f)
            break;
    }
    /* e is [-]d[.ddd]e[+-]XX: the shortest digits and the exponent */
    const char *c = e;
    if (*c == '-') {
        sb_puts(out, "-");
        c++;
    }
    char digits[24];
    size_t nd = 0;
    for (; *c && *c != 'e'; c++)
        if (*c != '.' && nd < sizeof digits - 1)
            digits[nd++] = *c;
    digits[nd] = 0;
    int exp = atoi(c + 1);
    if (exp < -4 || exp >= 16) { /* Python's repr switches to an exponent there */
        sb_append(out, digits, 1);
        if (nd > 1) {
            sb_puts(out, ".");
            sb_append(out, digits + 1, nd - 1);
        }
        sb_printf(out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else if (exp >= 0) {
        for (int i = 0; i <= exp; i++)
            sb_append(out, (size_t)i < nd ? digits + i : "0", 1);
        sb_puts(out, ".");
        if ((size_t)exp + 1 < nd)
            sb_append(out, digits + exp + 1, nd - (size_t)exp - 1);
        else
            sb_puts(out, "0");
    } else {
        sb_puts(out, "0.");
        for (int i = 0; i < -exp - 1; i++)
            sb_puts(out, "0");
        sb_append(out, digits, nd);
    }
}

static void put_repr_string(const jstr *s, strbuf *out)
{
    bool has_single = memchr(s->s, '\'', s->len) != NULL;
    bool has_double = memchr(s->s, '"', s->len) != NULL;
    char q = has_single && !has_double ? '"' : '\'';
    sb_append(out, &q, 1);
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->s[i];
        if (c == '\\')
            sb_puts(out, "\\\\");
        else if (c == (unsigned char)q)
            sb_printf(out, "\\%c", q);
        else if (c == '\n')
            sb_puts(out, "\\n");
        else if (c == '\r')
            sb_puts(out, "\\r");
        else if (c == '\t')
            sb_puts(out, "\\t");
        else if (c < 0x20 || c == 0x7f)
            sb_printf(out, "\\x%02x", c);
        else
            sb_append(out, (const char *)&c, 1);
    }
    sb_append(out, &q, 1);
}

static void put_repr(jv v, strbuf *out)
{
    if (v.type == JV_STRING)
        put_repr_string(v.u.s, out);
    else
        jv_to_string(v, out);
}

void jv_to_string(jv v, strbuf *out)
{
    switch (v.type) {
    case JV_UNDEFINED: break;
    case JV_NONE: sb_puts(out, "None"); break;
    case JV_BOOL: sb_puts(out, v.u.b ? "True" : "False"); break;
    case JV_INT: sb_printf(out, "%lld", (long long)v.u.i); break;
    case JV_FLOAT: put_float(v.u.f, out, false); break;
    case JV_STRING: sb_append(out, v.u.s->s, v.u.s->len); break;
    case JV_LIST:
        sb_puts(out, v.u.l->tuple ? "(" : "[");
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i)
                sb_puts(out, ", ");
            put_repr(v.u.l->items[i], out);
        }
        sb_puts(out, v.u.l->tuple ? (v.u.l->n == 1 ? ",)" : ")") : "]");
        break;
    case JV_DICT:
    case JV_NAMESPACE:
        sb_puts(out, v.type == JV_NAMESPACE ? "<Namespace {" : "{");
        for (size_t i = 0; i < v.u.d->n; i++) {
            if (i)
                sb_puts(out, ", ");
            put_repr_string(v.u.d->keys[i], out);
            sb_puts(out, ": ");
            put_repr(v.u.d->vals[i], out);
        }
        sb_puts(out, v.type == JV_NAMESPACE ? "}>" : "}");
        break;
    case JV_MACRO: sb_puts(out, "<macro>"); break;
    case JV_BUILTIN:
    case JV_METHOD: sb_puts(out, "<function>"); break;
    }
}

/* Decodes one UTF-8 sequence (the input is valid: requests are checked). */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[*i];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < len && *i + (size_t)k < n; k++)
        cp = (cp << 6) | (s[*i + (size_t)k] & 0x3F);
    *i += (size_t)len;
    return cp;
}

static void put_json_string(const jstr *s, strbuf *out, bool ensure_ascii)
{
    sb_puts(out, "\"");
    const unsigned char *p = (const unsigned char *)s->s;
    for (size_t i = 0; i < s->len;) {
        unsigned char c = p[i];
        if (c >= 0x80 && ensure_ascii) {
            uint32_t cp = utf8_next(p, s->len, &i);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                sb_printf(out, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            } else
                sb_printf(out, "\\u%04x", cp);
            continue;
        }
        i++;
        switch (c) {
        case '"': sb_puts(out, "\\\""); break;
        case '\\': sb_puts(out, "\\\\"); break;
        case '\n': sb_puts(out, "\\n"); break;
        case '\r': sb_puts(out, "\\r"); break;
        case '\t': sb_puts(out, "\\t"); break;
        case '\b': sb_puts(out, "\\b"); break;
        case '\f': sb_puts(out, "\\f"); break;
        default:
            if (c < 0x20)
                sb_printf(out, "\\u%04x", c);
            else
                sb_append(out, (const char *)&c, 1);
        }
    }
    sb_puts(out, "\"");
}

static void newline_indent(strbuf *out, int indent, int depth)
{
    sb_puts(out, "\n");
    for (int i = 0; i < indent * depth; i++)
        sb_puts(out, " ");
}

static int key_order(const void *a, const void *b)
{
    const jstr *x = *(const jstr *const *)a, *y = *(const jstr *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

static bool to_json(jv v, strbuf *out, bool ascii, int indent, const char *isep, const char *ksep,
                    bool sort, int depth)
{
    if (depth > 64)
        return false;
    switch (v.type) {
    case JV_NONE: sb_puts(out, "null"); return true;
    case JV_BOOL: sb_puts(out, v.u.b ? "true" : "false"); return true;
    case JV_INT: sb_printf(out, "%lld", (long long)v.u.i); return true;
    case JV_FLOAT: put_float(v.u.f, out, true); return true;
    case JV_STRING: put_json_string(v.u.s, out, ascii); return true;
    case JV_LIST:
        if (!v.u.l->n) {
            sb_puts(out, "[]");
            return true;
        }
        sb_puts(out, "[");
        for (size_t i = 0; i < v.u.l->n; i++) {
            if (i)
                sb_puts(out, isep);
            if (indent >= 0)
                newline_indent(out, indent, depth + 1);
            if (!to_json(v.u.l->items[i], out, ascii, indent, isep, ksep, sort, depth + 1))
                return false;
        }
        if (indent >= 0)
            newline_indent(out, indent, depth);
        sb_puts(out, "]");
        return true;
    case JV_DICT:
    case JV_NAMESPACE: {
        const jdict *d = v.u.d;
        if (!d->n) {
            sb_puts(out, "{}");
            return true;
        }
        jstr **keys = malloc(d->n * sizeof *keys);
        if (!keys)
            abort();
        memcpy(keys, d->keys, d->n * sizeof *keys);
        if (sort)
            qsort(keys, d->n, sizeof *keys, key_order);
        bool ok = true;
        sb_puts(out, "{");
        for (size_t i = 0; i < d->n && ok; i++) {
            if (i)
                sb_puts(out, isep);
            if (indent >= 0)
                newline_indent(out, indent, depth + 1);
            put_json_string(keys[i], out, ascii);
            sb_puts(out, ksep);
            ok = to_json(*jd_get(d, keys[i]->s, keys[i]->len), out, ascii, indent, isep, ksep,
                         sort, depth + 1);
        }
        free(keys);
        if (indent >= 0)
            newline_indent(out, indent, depth);
        sb_puts(out, "}");
        return ok;
    }
    default: return false; /* undefined, macros: not JSON serializable */
    }
}

bool jv_to_json(jv v, strbuf *out, bool ensure_ascii, int indent, const char *item_sep,
                const char *key_sep, bool sort_keys)
{
    return to_json(v, out, ensure_ascii, indent, item_sep, key_sep, sort_keys, 0);
}

jv jv_from_json(arena *a, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL: return jv_none();
    case JSON_TRUE: return jv_bool(true);
    case JSON_FALSE: return jv_bool(false);
    case JSON_INTEGER: return jv_int(json_integer_value(j));
    case JSON_REAL: return jv_float(json_real_value(j));
    case JSON_STRING: return jv_str(a, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        jv l = jv_list(a);
        size_t i;
        json_t *e;
        if (l.type == JV_LIST)
            json_array_foreach(j, i, e) jl_push(a, l.u.l, jv_from_json(a, e));
        return l;
    }
    case JSON_OBJECT: {
        jv d = jv_dict(a);
        const char *k;
        json_t *e;
        if (d.type == JV_DICT)
            json_object_foreach(j, k, e) jd_set(a, d.u.d, k, strlen(k), jv_from_json(a, e));
        return d;
    }
    }
    return jv_undefined();
}
