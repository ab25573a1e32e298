/* Evaluator of the Jinja subset (jinja.h). Semantics follow jinja2 3.1 as
 * transformers configures it: an undefined variable prints as "" and is
 * false, but an attribute of it is an error; `default` replaces undefined
 * only (not None) unless asked; `set` in a loop body stays in that body
 * (namespace() attributes carry values out); macros see the template's
 * top-level variables. A render is bounded (steps, memory, macro depth) so
 * a request cannot make it run away. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jinja.h"
#include "jinja_internal.h"

#define MAX_STEPS 20000000u
#define MAX_DEPTH 64 /* macro calls and nested expressions */
#define RENDER_MEMORY (64u << 20)

typedef struct frame {
    jdict vars;
    struct frame *parent;
} frame;

typedef struct ctx {
    arena mem;
    frame *root;
    time_t now;
    char *err;
    size_t errlen;
    bool failed;
    unsigned steps;
    int depth;
    enum { FLOW_NONE, FLOW_BREAK, FLOW_CONTINUE } flow;
} ctx;

static void fail(ctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(ctx *c, int line, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    int k = line > 0 ? snprintf(c->err, c->errlen, "line %d: ", line) : 0;
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < c->errlen)
        vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static bool step(ctx *c, int line)
{
    if (c->failed)
        return false;
    if (++c->steps > MAX_STEPS) {
        fail(c, line, "the template runs too long (more than %u steps)", MAX_STEPS);
        return false;
    }
    if (c->mem.exhausted) {
        fail(c, line, "the template needs more than %u MiB", RENDER_MEMORY >> 20);
        return false;
    }
    return true;
}

/* ---- names ---- */

enum builtin_id { B_RANGE, B_NAMESPACE, B_RAISE, B_STRFTIME, B_DICT, B_COUNT };
static const char *const builtin_names[B_COUNT] = {"range", "namespace", "raise_exception",
                                                   "strftime_now", "dict"};

bool jinja_global_known(const char *name)
{
    for (int i = 0; i < B_COUNT; i++)
        if (strcmp(builtin_names[i], name) == 0)
            return true;
    return false;
}

static jv lookup(ctx *c, frame *f, const char *name)
{
    size_t n = strlen(name);
    for (; f; f = f->parent) {
        jv *v = jd_get(&f->vars, name, n);
        if (v)
            return *v;
    }
    for (int i = 0; i < B_COUNT; i++)
        if (strcmp(builtin_names[i], name) == 0)
            return (jv){.type = JV_BUILTIN, .u.builtin = i};
    (void)c;
    return jv_undefined();
}

static void assign(ctx *c, frame *f, const char *name, jv v)
{
    jd_set(&c->mem, &f->vars, name, strlen(name), v);
}

/* ---- strings ---- */

static jv str_of(ctx *c, jv v)
{
    if (v.type == JV_STRING)
        return v;
    strbuf b = {0};
    jv_to_string(v, &b);
    jv s = jv_str(&c->mem, b.p ? b.p : "", b.len);
    sb_free(&b);
    return s;
}

/* Code point offsets of s (n + 1 entries), for Python's indexing by
 * character rather than byte. */
static size_t *char_offsets(ctx *c, const jstr *s, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < s->len; i++)
        count += ((unsigned char)s->s[i] & 0xC0) != 0x80;
    size_t *off = ar_alloc(&c->mem, (count + 1) * sizeof *off);
    if (!off) {
        *n = 0;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < s->len; i++)
        if (((unsigned char)s->s[i] & 0xC0) != 0x80)
            off[k++] = i;
    off[k] = s->len;
    *n = count;
    return off;
}

static size_t char_len(const jstr *s)
{
    size_t count = 0;
    for (size_t i = 0; i < s->len; i++)
        count += ((unsigned char)s->s[i] & 0xC0) != 0x80;
    return count;
}

static bool is_space_char(char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); }

/* strip/lstrip/rstrip: chars NULL = whitespace. */
static jv strip(ctx *c, jv s, const jstr *chars, bool left, bool right)
{
    const char *b = s.u.s->s, *e = b + s.u.s->len;
    if (left)
        while (b < e && (chars ? memchr(chars->s, *b, chars->len) != NULL : is_space_char(*b)))
            b++;
    if (right)
        while (e > b && (chars ? memchr(chars->s, e[-1], chars->len) != NULL : is_space_char(e[-1])))
            e--;
    return jv_str(&c->mem, b, (size_t)(e - b));
}

static bool str_starts(const jstr *s, const jstr *p)
{
    return p->len <= s->len && memcmp(s->s, p->s, p->len) == 0;
}
static bool str_ends(const jstr *s, const jstr *p)
{
    return p->len <= s->len && memcmp(s->s + s->len - p->len, p->s, p->len) == 0;
}

static const char *find_bytes(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn == 0)
        return h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(h + i, n, nn) == 0)
            return h + i;
    return NULL;
}

static jv split(ctx *c, jv s, const jstr *sep, int64_t maxsplit, bool from_right, int line)
{
    jv out = jv_list(&c->mem);
    if (out.type != JV_LIST)
        return out;
    const char *p = s.u.s->s, *e = p + s.u.s->len;
    if (sep && sep->len == 0) {
        fail(c, line, "split(): empty separator");
        return jv_undefined();
    }
    if (!sep) { /* runs of whitespace, leading and trailing ignored */
        jv parts = jv_list(&c->mem);
        while (p < e) {
            while (p < e && is_space_char(*p))
                p++;
            if (p == e)
                break;
            const char *w = p;
            while (p < e && !is_space_char(*p))
                p++;
            jl_push(&c->mem, parts.u.l, jv_str(&c->mem, w, (size_t)(p - w)));
        }
        if (maxsplit < 0 || (size_t)maxsplit + 1 >= parts.u.l->n)
            return parts;
        /* keep the rest joined as Python does: re-split with the limit */
        const char *q = s.u.s->s;
        int64_t done = 0;
        while (q < e && done < maxsplit) {
            while (q < e && is_space_char(*q))
                q++;
            const char *w = q;
            while (q < e && !is_space_char(*q))
                q++;
            jl_push(&c->mem, out.u.l, jv_str(&c->mem, w, (size_t)(q - w)));
            done++;
        }
        while (q < e && is_space_char(*q))
            q++;
        const char *r = e;
        while (r > q && is_space_char(r[-1]))
            r--;
        if (q < r)
            jl_push(&c->mem, out.u.l, jv_str(&c->mem, q, (size_t)(r - q)));
        return out;
    }
    if (!from_right) {
        int64_t done = 0;
        for (;;) {
            const char *hit = maxsplit >= 0 && done >= maxsplit
                                  ? NULL
                                  : find_bytes(p, (size_t)(e - p), sep->s, sep->len);
            if (!hit) {
                jl_push(&c->mem, out.u.l, jv_str(&c->mem, p, (size_t)(e - p)));
                return out;
            }
            jl_push(&c->mem, out.u.l, jv_str(&c->mem, p, (size_t)(hit - p)));
            p = hit + sep->len;
            done++;
        }
    }
    /* rsplit: collect from the right, then reverse */
    jv rev = jv_list(&c->mem);
    int64_t done = 0;
    const char *end = e;
    for (;;) {
        const char *hit = NULL;
        if (maxsplit < 0 || done < maxsplit)
            for (const char *q = end - sep->len; q >= p; q--)
                if (memcmp(q, sep->s, sep->len) == 0) {
                    hit = q;
                    break;
                }
        if (!hit) {
            jl_push(&c->mem, rev.u.l, jv_str(&c->mem, p, (size_t)(end - p)));
            break;
        }
        jl_push(&c->mem, rev.u.l, jv_str(&c->mem, hit + sep->len, (size_t)(end - hit - sep->len)));
        end = hit;
        done++;
    }
    for (size_t i = rev.u.l->n; i-- > 0;)
        jl_push(&c->mem, out.u.l, rev.u.l->items[i]);
    return out;
}

static jv replace(ctx *c, jv s, const jstr *old, const jstr *new, int64_t count)
{
    strbuf b = {0};
    const char *p = s.u.s->s, *e = p + s.u.s->len;
    int64_t done = 0;
    if (old->len == 0) { /* Python inserts new between every character */
        size_t n;
        size_t *off = char_offsets(c, s.u.s, &n);
        for (size_t i = 0; off && i <= n; i++) {
            if (count < 0 || done < count) {
                sb_append(&b, new->s, new->len);
                done++;
            }
            if (i < n)
                sb_append(&b, s.u.s->s + off[i], off[i + 1] - off[i]);
        }
    } else {
        while (p < e) {
            const char *hit = count >= 0 && done >= count
                                  ? NULL
                                  : find_bytes(p, (size_t)(e - p), old->s, old->len);
            if (!hit)
                break;
            sb_append(&b, p, (size_t)(hit - p));
            sb_append(&b, new->s, new->len);
            p = hit + old->len;
            done++;
        }
        sb_append(&b, p, (size_t)(e - p));
    }
    jv r = jv_str(&c->mem, b.p ? b.p : "", b.len);
    sb_free(&b);
    return r;
}

static jv change_case(ctx *c, jv s, int mode) /* 0 lower, 1 upper, 2 capitalize, 3 title */
{
    jv r = jv_str(&c->mem, s.u.s->s, s.u.s->len);
    if (r.type != JV_STRING)
        return r;
    char *p = r.u.s->s;
    bool word_start = true;
    for (size_t i = 0; i < r.u.s->len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (mode == 0 || (mode == 2 && i > 0))
            p[i] = (char)tolower(ch);
        else if (mode == 1 || (mode == 2 && i == 0))
            p[i] = (char)toupper(ch);
        else {
            p[i] = (char)(word_start ? toupper(ch) : tolower(ch));
            word_start = !isalnum(ch);
        }
    }
    return r;
}

/* ---- iteration ---- */

/* The items a for loop or filter walks: a list's items, a dict's keys, a
 * string's characters. */
static bool iter_items(ctx *c, jv v, jlist *out, int line)
{
    memset(out, 0, sizeof *out);
    switch (v.type) {
    case JV_LIST: *out = *v.u.l; return true;
    case JV_DICT:
    case JV_NAMESPACE:
        for (size_t i = 0; i < v.u.d->n; i++)
            jl_push(&c->mem, out, (jv){.type = JV_STRING, .u.s = v.u.d->keys[i]});
        return true;
    case JV_STRING: {
        size_t n;
        size_t *off = char_offsets(c, v.u.s, &n);
        for (size_t i = 0; off && i < n; i++)
            jl_push(&c->mem, out, jv_str(&c->mem, v.u.s->s + off[i], off[i + 1] - off[i]));
        return true;
    }
    case JV_UNDEFINED: return true; /* jinja2's Undefined iterates as empty */
    default: fail(c, line, "'%s' is not iterable", jv_type_name(v)); return false;
    }
}

static jv pair(ctx *c, jv a, jv b)
{
    jv l = jv_list(&c->mem);
    if (l.type == JV_LIST) {
        jl_push(&c->mem, l.u.l, a);
        jl_push(&c->mem, l.u.l, b);
        l.u.l->tuple = true;
    }
    return l;
}

/* ---- evaluation ---- */

static jv eval(ctx *c, frame *f, const jnode *n);
static void exec_body(ctx *c, frame *f, const jnodes *body, strbuf *out);

typedef struct args {
    size_t n;
    jv *v;
    const char **names; /* NULL entries: positional */
} args;

static bool eval_args(ctx *c, frame *f, const jnode *n, args *a)
{
    a->n = n->args.n;
    a->v = a->n ? ar_alloc(&c->mem, a->n * sizeof *a->v) : NULL;
    a->names = n->names;
    if (a->n && !a->v)
        return step(c, n->line);
    for (size_t i = 0; i < a->n; i++) {
        a->v[i] = eval(c, f, n->args.v[i]);
        if (c->failed)
            return false;
    }
    return true;
}

/* Argument `pos` (positional index) or the keyword `kw`; NULL when absent. */
static jv *arg(const args *a, size_t pos, const char *kw)
{
    size_t p = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->names && a->names[i]) {
            if (kw && strcmp(a->names[i], kw) == 0)
                return &a->v[i];
        } else if (p++ == pos)
            return &a->v[i];
    }
    return NULL;
}

static bool want_string(ctx *c, jv *v, const char *what, int line)
{
    if (v && v->type == JV_STRING)
        return true;
    fail(c, line, "%s needs a string, got %s", what, v ? jv_type_name(*v) : "nothing");
    return false;
}

static bool want_int(ctx *c, jv *v, const char *what, int line, int64_t *out)
{
    if (v && (v->type == JV_INT || v->type == JV_BOOL)) {
        *out = v->type == JV_INT ? v->u.i : v->u.b;
        return true;
    }
    fail(c, line, "%s needs an integer, got %s", what, v ? jv_type_name(*v) : "nothing");
    return false;
}

static jv call_macro(ctx *c, const jnode *m, const args *a, int line)
{
    if (c->depth >= MAX_DEPTH) {
        fail(c, line, "macros nest deeper than %d calls", MAX_DEPTH);
        return jv_undefined();
    }
    frame *mf = ar_alloc(&c->mem, sizeof *mf);
    if (!mf || !step(c, line))
        return jv_undefined();
    mf->parent = c->root;
    size_t pos = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->names && a->names[i]) {
            bool known = false;
            for (size_t k = 0; k < m->n_names && !known; k++)
                known = strcmp(m->names[k], a->names[i]) == 0;
            if (!known) {
                fail(c, line, "macro '%s' has no parameter '%s'", m->str, a->names[i]);
                return jv_undefined();
            }
            assign(c, mf, a->names[i], a->v[i]);
        } else {
            if (pos >= m->n_names) {
                fail(c, line, "macro '%s' takes %zu arguments", m->str, m->n_names);
                return jv_undefined();
            }
            assign(c, mf, m->names[pos++], a->v[i]);
        }
    }
    for (size_t k = 0; k < m->n_names; k++) {
        if (jd_get(&mf->vars, m->names[k], strlen(m->names[k])))
            continue;
        const jnode *def = m->defaults.v[k];
        assign(c, mf, m->names[k], def ? eval(c, mf, def) : jv_undefined());
    }
    strbuf out = {0};
    c->depth++;
    exec_body(c, mf, &m->body, &out);
    c->depth--;
    c->flow = FLOW_NONE;
    jv r = jv_str(&c->mem, out.p ? out.p : "", out.len);
    sb_free(&out);
    return r;
}

static jv call_builtin(ctx *c, int id, const args *a, int line)
{
    switch (id) {
    case B_RANGE: {
        int64_t lo = 0, hi = 0, st = 1;
        size_t npos = 0;
        for (size_t i = 0; i < a->n; i++)
            npos += !(a->names && a->names[i]);
        if (npos < 1 || npos > 3) {
            fail(c, line, "range() takes 1 to 3 arguments");
            return jv_undefined();
        }
        if (npos == 1 ? !want_int(c, arg(a, 0, NULL), "range()", line, &hi)
                      : !want_int(c, arg(a, 0, NULL), "range()", line, &lo) ||
                            !want_int(c, arg(a, 1, NULL), "range()", line, &hi) ||
                            (npos == 3 && !want_int(c, arg(a, 2, NULL), "range()", line, &st)))
            return jv_undefined();
        if (st == 0) {
            fail(c, line, "range() step must not be zero");
            return jv_undefined();
        }
        jv l = jv_list(&c->mem);
        for (int64_t i = lo; l.type == JV_LIST && (st > 0 ? i < hi : i > hi); i += st) {
            if (!step(c, line))
                return jv_undefined();
            jl_push(&c->mem, l.u.l, jv_int(i));
        }
        return l;
    }
    case B_NAMESPACE:
    case B_DICT: {
        jv d = jv_dict(&c->mem);
        if (d.type != JV_DICT)
            return d;
        for (size_t i = 0; i < a->n; i++) {
            if (a->names && a->names[i])
                jd_set(&c->mem, d.u.d, a->names[i], strlen(a->names[i]), a->v[i]);
            else if (a->v[i].type == JV_DICT || a->v[i].type == JV_NAMESPACE) {
                for (size_t k = 0; k < a->v[i].u.d->n; k++)
                    jd_set(&c->mem, d.u.d, a->v[i].u.d->keys[k]->s, a->v[i].u.d->keys[k]->len,
                           a->v[i].u.d->vals[k]);
            } else {
                fail(c, line, "%s() takes keyword arguments or a dict", builtin_names[id]);
                return jv_undefined();
            }
        }
        if (id == B_NAMESPACE)
            d.type = JV_NAMESPACE;
        return d;
    }
    case B_RAISE: {
        jv *m = arg(a, 0, NULL);
        strbuf b = {0};
        if (m)
            jv_to_string(*m, &b);
        /* the template's own words, as transformers reports them */
        fail(c, 0, "%s", b.p ? b.p : "raise_exception");
        sb_free(&b);
        return jv_undefined();
    }
    case B_STRFTIME: {
        jv *fmt = arg(a, 0, NULL);
        if (!want_string(c, fmt, "strftime_now()", line))
            return jv_undefined();
        struct tm tm;
        localtime_r(&c->now, &tm);
        char buf[256];
        size_t n = strftime(buf, sizeof buf, fmt->u.s->s, &tm);
        return jv_str(&c->mem, buf, n);
    }
    }
    return jv_undefined();
}

static jv call_method(ctx *c, jv self, const char *name, const args *a, int line)
{
    if (self.type == JV_STRING) {
        jv *a0 = arg(a, 0, NULL), *a1 = arg(a, 1, NULL);
        if (!strcmp(name, "startswith") || !strcmp(name, "endswith")) {
            bool start = name[0] == 's';
            if (a0 && a0->type == JV_LIST) { /* a tuple of prefixes */
                for (size_t i = 0; i < a0->u.l->n; i++)
                    if (a0->u.l->items[i].type == JV_STRING &&
                        (start ? str_starts : str_ends)(self.u.s, a0->u.l->items[i].u.s))
                        return jv_bool(true);
                return jv_bool(false);
            }
            if (!want_string(c, a0, name, line))
                return jv_undefined();
            return jv_bool((start ? str_starts : str_ends)(self.u.s, a0->u.s));
        }
        if (!strcmp(name, "strip") || !strcmp(name, "lstrip") || !strcmp(name, "rstrip")) {
            if (a0 && a0->type != JV_NONE && !want_string(c, a0, name, line))
                return jv_undefined();
            const jstr *chars = a0 && a0->type == JV_STRING ? a0->u.s : NULL;
            return strip(c, self, chars, name[0] != 'r', name[0] != 'l');
        }
        if (!strcmp(name, "split") || !strcmp(name, "rsplit")) {
            jv *sep = arg(a, 0, "sep"), *max = arg(a, 1, "maxsplit");
            int64_t m = -1;
            if (sep && sep->type != JV_NONE && !want_string(c, sep, name, line))
                return jv_undefined();
            if (max && !want_int(c, max, name, line, &m))
                return jv_undefined();
            return split(c, self, sep && sep->type == JV_STRING ? sep->u.s : NULL, m,
                         name[0] == 'r', line);
        }
        if (!strcmp(name, "upper") || !strcmp(name, "lower") || !strcmp(name, "capitalize") ||
            !strcmp(name, "title"))
            return change_case(c, self, name[0] == 'l' ? 0 : name[0] == 'u' ? 1 : name[0] == 'c' ? 2 : 3);
        if (!strcmp(name, "replace")) {
            int64_t count = -1;
            jv *a2 = arg(a, 2, "count");
            if (!want_string(c, a0, name, line) || !want_string(c, a1, name, line) ||
                (a2 && !want_int(c, a2, name, line, &count)))
                return jv_undefined();
            return replace(c, self, a0->u.s, a1->u.s, count);
        }
        if (!strcmp(name, "find") || !strcmp(name, "count")) {
            if (!want_string(c, a0, name, line))
                return jv_undefined();
            const char *p = self.u.s->s, *e = p + self.u.s->len;
            if (name[0] == 'f') {
                const char *hit = find_bytes(p, self.u.s->len, a0->u.s->s, a0->u.s->len);
                if (!hit)
                    return jv_int(-1);
                jv prefix = jv_str(&c->mem, p, (size_t)(hit - p));
                return jv_int(prefix.type == JV_STRING ? (int64_t)char_len(prefix.u.s) : 0);
            }
            int64_t k = 0;
            if (a0->u.s->len == 0)
                return jv_int((int64_t)char_len(self.u.s) + 1);
            for (const char *hit; (hit = find_bytes(p, (size_t)(e - p), a0->u.s->s, a0->u.s->len));
                 p = hit + a0->u.s->len)
                k++;
            return jv_int(k);
        }
        if (!strcmp(name, "join")) {
            jlist items;
            if (!a0 || !iter_items(c, *a0, &items, line))
                return jv_undefined();
            strbuf b = {0};
            for (size_t i = 0; i < items.n; i++) {
                if (i)
                    sb_append(&b, self.u.s->s, self.u.s->len);
                jv_to_string(items.items[i], &b);
            }
            jv r = jv_str(&c->mem, b.p ? b.p : "", b.len);
            sb_free(&b);
            return r;
        }
        if (!strcmp(name, "splitlines")) {
            jv nl = jv_cstr(&c->mem, "\n");
            jv parts = split(c, self, nl.u.s, -1, false, line);
            if (parts.type == JV_LIST && parts.u.l->n &&
                parts.u.l->items[parts.u.l->n - 1].u.s->len == 0)
                parts.u.l->n--;
            return parts;
        }
        if (!strcmp(name, "isdigit") || !strcmp(name, "isalpha") || !strcmp(name, "isspace")) {
            bool all = self.u.s->len > 0;
            for (size_t i = 0; i < self.u.s->len && all; i++) {
                int ch = (unsigned char)self.u.s->s[i];
                all = name[2] == 'd' ? isdigit(ch) : name[2] == 'a' ? isalpha(ch) : isspace(ch);
            }
            return jv_bool(all);
        }
    } else if (self.type == JV_DICT || self.type == JV_NAMESPACE) {
        const jdict *d = self.u.d;
        if (!strcmp(name, "get")) {
            jv *k = arg(a, 0, NULL), *def = arg(a, 1, NULL);
            if (!want_string(c, k, "get()", line))
                return jv_undefined();
            jv *v = jd_get(d, k->u.s->s, k->u.s->len);
            return v ? *v : def ? *def : jv_none();
        }
        if (!strcmp(name, "items") || !strcmp(name, "keys") || !strcmp(name, "values")) {
            jv l = jv_list(&c->mem);
            for (size_t i = 0; l.type == JV_LIST && i < d->n; i++) {
                jv k = {.type = JV_STRING, .u.s = d->keys[i]};
                jl_push(&c->mem, l.u.l,
                        name[0] == 'i' ? pair(c, k, d->vals[i]) : name[0] == 'k' ? k : d->vals[i]);
            }
            return l;
        }
        jv *v = jd_get(d, name, strlen(name));
        if (v && v->type == JV_MACRO)
            return call_macro(c, v->u.macro, a, line);
    }
    fail(c, line, "unsupported method '%s' of a %s", name, jv_type_name(self));
    return jv_undefined();
}

static jv call(ctx *c, jv fn, const args *a, int line)
{
    if (fn.type == JV_MACRO)
        return call_macro(c, fn.u.macro, a, line);
    if (fn.type == JV_BUILTIN)
        return call_builtin(c, fn.u.builtin, a, line);
    if (fn.type == JV_METHOD)
        return call_method(c, *fn.u.method.self, fn.u.method.name, a, line);
    fail(c, line, "a %s cannot be called", jv_type_name(fn));
    return jv_undefined();
}

static jv get_attr(ctx *c, jv obj, const char *name, int line)
{
    if (obj.type == JV_UNDEFINED) {
        fail(c, line, "'%s' of an undefined value", name);
        return jv_undefined();
    }
    if (obj.type == JV_DICT || obj.type == JV_NAMESPACE) {
        jv *v = jd_get(obj.u.d, name, strlen(name));
        return v ? *v : jv_undefined();
    }
    return jv_undefined();
}

static int64_t clamp_index(int64_t i, int64_t n)
{
    if (i < 0)
        i += n;
    return i < 0 ? 0 : i > n ? n : i;
}

static jv get_item(ctx *c, jv obj, jv key, int line)
{
    if (obj.type == JV_UNDEFINED) {
        fail(c, line, "subscript of an undefined value");
        return jv_undefined();
    }
    if ((obj.type == JV_DICT || obj.type == JV_NAMESPACE) && key.type == JV_STRING) {
        jv *v = jd_get(obj.u.d, key.u.s->s, key.u.s->len);
        return v ? *v : jv_undefined();
    }
    if ((obj.type == JV_LIST || obj.type == JV_STRING) && (key.type == JV_INT || key.type == JV_BOOL)) {
        int64_t i = key.type == JV_INT ? key.u.i : key.u.b;
        if (obj.type == JV_LIST) {
            int64_t n = (int64_t)obj.u.l->n;
            if (i < 0)
                i += n;
            return i >= 0 && i < n ? obj.u.l->items[i] : jv_undefined();
        }
        size_t n;
        size_t *off = char_offsets(c, obj.u.s, &n);
        if (i < 0)
            i += (int64_t)n;
        if (!off || i < 0 || i >= (int64_t)n)
            return jv_undefined();
        return jv_str(&c->mem, obj.u.s->s + off[i], off[i + 1] - off[i]);
    }
    return jv_undefined(); /* a missing key or index, as jinja2's Undefined */
}

static jv slice(ctx *c, jv obj, jv *lo, jv *hi, jv *st, int line)
{
    int64_t step_v = 1, a, b;
    if (st && st->type != JV_NONE && !want_int(c, st, "a slice", line, &step_v))
        return jv_undefined();
    if (step_v == 0) {
        fail(c, line, "slice step cannot be zero");
        return jv_undefined();
    }
    size_t nchars = 0;
    size_t *off = NULL;
    int64_t n;
    if (obj.type == JV_LIST)
        n = (int64_t)obj.u.l->n;
    else if (obj.type == JV_STRING) {
        off = char_offsets(c, obj.u.s, &nchars);
        n = (int64_t)nchars;
    } else {
        fail(c, line, "a %s cannot be sliced", jv_type_name(obj));
        return jv_undefined();
    }
    int64_t ilo, ihi;
    if (step_v > 0) {
        a = 0, b = n;
        if (lo && lo->type != JV_NONE) {
            if (!want_int(c, lo, "a slice", line, &ilo))
                return jv_undefined();
            a = clamp_index(ilo, n);
        }
        if (hi && hi->type != JV_NONE) {
            if (!want_int(c, hi, "a slice", line, &ihi))
                return jv_undefined();
            b = clamp_index(ihi, n);
        }
    } else {
        a = n - 1, b = -1;
        if (lo && lo->type != JV_NONE) {
            if (!want_int(c, lo, "a slice", line, &ilo))
                return jv_undefined();
            a = ilo < 0 ? ilo + n : ilo;
            if (a >= n)
                a = n - 1;
            if (a < -1)
                a = -1;
        }
        if (hi && hi->type != JV_NONE) {
            if (!want_int(c, hi, "a slice", line, &ihi))
                return jv_undefined();
            b = ihi < 0 ? ihi + n : ihi;
            if (b < -1)
                b = -1;
            if (b >= n)
                b = n - 1;
        }
    }
    if (obj.type == JV_LIST) {
        jv l = jv_list(&c->mem);
        for (int64_t i = a; l.type == JV_LIST && (step_v > 0 ? i < b : i > b); i += step_v)
            jl_push(&c->mem, l.u.l, obj.u.l->items[i]);
        return l;
    }
    strbuf sb = {0};
    for (int64_t i = a; off && (step_v > 0 ? i < b : i > b); i += step_v)
        sb_append(&sb, obj.u.s->s + off[i], off[i + 1] - off[i]);
    jv r = jv_str(&c->mem, sb.p ? sb.p : "", sb.len);
    sb_free(&sb);
    return r;
}

static bool contains(ctx *c, jv hay, jv needle, int line, bool *out)
{
    switch (hay.type) {
    case JV_STRING:
        if (needle.type != JV_STRING) {
            fail(c, line, "'in <string>' needs a string on the left, got %s", jv_type_name(needle));
            return false;
        }
        *out = find_bytes(hay.u.s->s, hay.u.s->len, needle.u.s->s, needle.u.s->len) != NULL;
        return true;
    case JV_LIST:
        *out = false;
        for (size_t i = 0; i < hay.u.l->n && !*out; i++)
            *out = jv_equal(hay.u.l->items[i], needle);
        return true;
    case JV_DICT:
    case JV_NAMESPACE:
        *out = needle.type == JV_STRING && jd_get(hay.u.d, needle.u.s->s, needle.u.s->len);
        return true;
    case JV_UNDEFINED: *out = false; return true;
    default:
        fail(c, line, "'in' needs a string, list or dict on the right, got %s", jv_type_name(hay));
        return false;
    }
}

static bool is_num(jv v) { return v.type == JV_INT || v.type == JV_FLOAT || v.type == JV_BOOL; }
static double as_f(jv v) { return v.type == JV_FLOAT ? v.u.f : v.type == JV_INT ? (double)v.u.i : v.u.b; }
static int64_t as_i(jv v) { return v.type == JV_INT ? v.u.i : v.u.b; }

static jv arith(ctx *c, int op, jv a, jv b, int line)
{
    if (op == '+' && a.type == JV_STRING && b.type == JV_STRING) {
        jv r = jv_str(&c->mem, NULL, 0);
        jstr *s = ar_alloc(&c->mem, sizeof *s + a.u.s->len + b.u.s->len + 1);
        if (!s)
            return r;
        s->len = a.u.s->len + b.u.s->len;
        memcpy(s->s, a.u.s->s, a.u.s->len);
        memcpy(s->s + a.u.s->len, b.u.s->s, b.u.s->len);
        return (jv){.type = JV_STRING, .u.s = s};
    }
    if (op == '+' && a.type == JV_LIST && b.type == JV_LIST) {
        jv l = jv_list(&c->mem);
        for (size_t i = 0; l.type == JV_LIST && i < a.u.l->n; i++)
            jl_push(&c->mem, l.u.l, a.u.l->items[i]);
        for (size_t i = 0; l.type == JV_LIST && i < b.u.l->n; i++)
            jl_push(&c->mem, l.u.l, b.u.l->items[i]);
        return l;
    }
    if (op == '*' && ((a.type == JV_STRING && b.type == JV_INT) || (a.type == JV_INT && b.type == JV_STRING))) {
        jv s = a.type == JV_STRING ? a : b;
        int64_t k = a.type == JV_INT ? a.u.i : b.u.i;
        strbuf sb = {0};
        for (int64_t i = 0; i < k && step(c, line); i++)
            sb_append(&sb, s.u.s->s, s.u.s->len);
        jv r = jv_str(&c->mem, sb.p ? sb.p : "", sb.len);
        sb_free(&sb);
        return r;
    }
    if (!is_num(a) || !is_num(b)) {
        const char *sym = op == '+' ? "+" : op == '-' ? "-" : op == '*' ? "*" : op == '/' ? "/"
                          : op == '%' ? "%" : op == OP_FLOORDIV ? "//" : "**";
        fail(c, line, "unsupported operand types for %s: %s and %s", sym, jv_type_name(a),
             jv_type_name(b));
        return jv_undefined();
    }
    bool ints = a.type != JV_FLOAT && b.type != JV_FLOAT;
    int64_t x = ints ? as_i(a) : 0, y = ints ? as_i(b) : 0;
    double fx = as_f(a), fy = as_f(b);
    switch (op) {
    case '+': return ints ? jv_int(x + y) : jv_float(fx + fy);
    case '-': return ints ? jv_int(x - y) : jv_float(fx - fy);
    case '*': return ints ? jv_int(x * y) : jv_float(fx * fy);
    case '/':
        if (fy == 0)
            break;
        return jv_float(fx / fy);
    case OP_FLOORDIV:
    case '%':
        if (ints ? y == 0 : fy == 0)
            break;
        if (ints) { /* Python rounds toward negative infinity */
            int64_t q = x / y, r = x % y;
            if (r && ((r < 0) != (y < 0))) {
                q--;
                r += y;
            }
            return jv_int(op == '%' ? r : q);
        } else {
            double q = floor(fx / fy);
            return jv_float(op == '%' ? fx - q * fy : q);
        }
    case OP_POW:
        if (ints && y >= 0) {
            int64_t r = 1;
            for (int64_t i = 0; i < y && i < 64; i++)
                r *= x;
            return jv_int(r);
        }
        return jv_float(pow(fx, fy));
    }
    fail(c, line, "division by zero");
    return jv_undefined();
}

/* ---- tests ---- */

static const char *const test_names[] = {
    "defined", "undefined", "none", "string", "number", "integer", "float", "mapping",
    "iterable", "sequence", "boolean", "true", "false", "callable", "equalto", "eq", "ne",
    "sameas", "lower", "upper", "odd", "even", "divisibleby", "in", "gt", "ge", "lt", "le",
    NULL};

bool jinja_test_known(const char *name)
{
    for (int i = 0; test_names[i]; i++)
        if (strcmp(test_names[i], name) == 0)
            return true;
    return false;
}

static bool run_test(ctx *c, const char *t, jv v, jv *a0, int line)
{
    if (!strcmp(t, "defined"))
        return v.type != JV_UNDEFINED;
    if (!strcmp(t, "undefined"))
        return v.type == JV_UNDEFINED;
    if (!strcmp(t, "none"))
        return v.type == JV_NONE;
    if (!strcmp(t, "string"))
        return v.type == JV_STRING;
    if (!strcmp(t, "number"))
        return v.type == JV_INT || v.type == JV_FLOAT;
    if (!strcmp(t, "integer"))
        return v.type == JV_INT;
    if (!strcmp(t, "float"))
        return v.type == JV_FLOAT;
    if (!strcmp(t, "mapping"))
        return v.type == JV_DICT;
    if (!strcmp(t, "iterable"))
        return v.type == JV_LIST || v.type == JV_DICT || v.type == JV_STRING ||
               v.type == JV_UNDEFINED;
    if (!strcmp(t, "sequence"))
        return v.type == JV_LIST || v.type == JV_DICT || v.type == JV_STRING;
    if (!strcmp(t, "boolean"))
        return v.type == JV_BOOL;
    if (!strcmp(t, "true"))
        return v.type == JV_BOOL && v.u.b;
    if (!strcmp(t, "false"))
        return v.type == JV_BOOL && !v.u.b;
    if (!strcmp(t, "callable"))
        return v.type == JV_MACRO || v.type == JV_BUILTIN || v.type == JV_METHOD;
    if (!strcmp(t, "lower") || !strcmp(t, "upper")) {
        if (v.type != JV_STRING)
            return false;
        for (size_t i = 0; i < v.u.s->len; i++) {
            int ch = (unsigned char)v.u.s->s[i];
            if (t[0] == 'l' ? isupper(ch) : islower(ch))
                return false;
        }
        return true;
    }
    if (!strcmp(t, "odd") || !strcmp(t, "even") || !strcmp(t, "divisibleby")) {
        int64_t x, d = t[0] == 'd' ? 0 : 2;
        if (!want_int(c, &v, t, line, &x) || (t[0] == 'd' && !want_int(c, a0, t, line, &d)))
            return false;
        if (d == 0) {
            fail(c, line, "divisibleby 0");
            return false;
        }
        return t[0] == 'o' ? x % 2 != 0 : x % d == 0;
    }
    if (!a0) {
        fail(c, line, "test '%s' needs an argument", t);
        return false;
    }
    if (!strcmp(t, "equalto") || !strcmp(t, "eq"))
        return jv_equal(v, *a0);
    if (!strcmp(t, "ne"))
        return !jv_equal(v, *a0);
    if (!strcmp(t, "sameas"))
        return v.type == a0->type && (v.type == JV_NONE || v.type == JV_UNDEFINED ||
                                      (v.type == JV_BOOL && v.u.b == a0->u.b) ||
                                      ((v.type == JV_LIST || v.type == JV_DICT) && v.u.l == a0->u.l));
    if (!strcmp(t, "in")) {
        bool r = false;
        contains(c, *a0, v, line, &r);
        return r;
    }
    int cmp;
    if (!jv_compare(v, *a0, &cmp)) {
        fail(c, line, "cannot compare %s with %s", jv_type_name(v), jv_type_name(*a0));
        return false;
    }
    return t[0] == 'g' ? (t[1] == 't' ? cmp > 0 : cmp >= 0) : (t[1] == 't' ? cmp < 0 : cmp <= 0);
}

/* ---- filters ---- */

static const char *const filter_names[] = {
    "trim", "tojson", "length", "count", "default", "d", "items", "string", "upper", "lower",
    "capitalize", "title", "first", "last", "join", "replace", "selectattr", "rejectattr",
    "select", "reject", "map", "list", "dictsort", "safe", "int", "float", "abs", "unique",
    "sort", "reverse", "indent", "sum", "min", "max", "round", "wordcount", NULL};

bool jinja_filter_known(const char *name)
{
    for (int i = 0; filter_names[i]; i++)
        if (strcmp(filter_names[i], name) == 0)
            return true;
    return false;
}

static jv apply_filter(ctx *c, const char *name, jv v, const args *a, int line);

/* An attribute path "a.b" of an item, as jinja2's make_attrgetter reads it. */
static jv attr_path(ctx *c, jv item, const jstr *path)
{
    const char *p = path->s, *e = p + path->len;
    while (p <= e) {
        const char *dot = memchr(p, '.', (size_t)(e - p));
        size_t n = dot ? (size_t)(dot - p) : (size_t)(e - p);
        char *seg = ar_strndup(&c->mem, p, n);
        if (!seg)
            return jv_undefined();
        bool digits = n > 0;
        for (size_t i = 0; i < n; i++)
            digits = digits && isdigit((unsigned char)seg[i]);
        if (digits && item.type == JV_LIST) {
            int64_t i = strtoll(seg, NULL, 10);
            item = i < (int64_t)item.u.l->n ? item.u.l->items[i] : jv_undefined();
        } else if (item.type == JV_DICT || item.type == JV_NAMESPACE) {
            jv *v = jd_get(item.u.d, seg, n);
            item = v ? *v : jv_undefined();
        } else
            item = jv_undefined();
        if (!dot)
            break;
        p = dot + 1;
    }
    return item;
}

static int sort_key_cmp(ctx *c, jv a, jv b, bool case_sensitive, int line)
{
    if (!case_sensitive && a.type == JV_STRING && b.type == JV_STRING) {
        a = change_case(c, a, 0);
        b = change_case(c, b, 0);
    }
    int r;
    if (!jv_compare(a, b, &r)) {
        fail(c, line, "cannot order %s and %s", jv_type_name(a), jv_type_name(b));
        return 0;
    }
    return r;
}

/* Stable insertion sort of items by key (lists are short). */
static void sort_items(ctx *c, jv *items, jv *keys, size_t n, bool case_sensitive, bool reverse,
                       int line)
{
    for (size_t i = 1; i < n && !c->failed; i++) {
        jv it = items[i], k = keys[i];
        size_t j = i;
        while (j > 0) {
            int r = sort_key_cmp(c, keys[j - 1], k, case_sensitive, line);
            if (reverse ? r >= 0 : r <= 0)
                break;
            items[j] = items[j - 1];
            keys[j] = keys[j - 1];
            j--;
        }
        items[j] = it;
        keys[j] = k;
    }
}

static bool flag(jv *v) { return v && jv_truthy(*v); }

static jv select_filter(ctx *c, const char *name, jv v, const args *a, int line)
{
    bool attr = strstr(name, "attr") != NULL;
    bool keep = name[0] == 's';
    jlist items;
    if (!iter_items(c, v, &items, line))
        return jv_undefined();
    size_t first = 0;
    jv *path = NULL;
    if (attr) {
        path = arg(a, 0, NULL);
        if (!want_string(c, path, name, line))
            return jv_undefined();
        first = 1;
    }
    jv *test = arg(a, first, NULL);
    if (test && !want_string(c, test, name, line))
        return jv_undefined();
    if (test && !jinja_test_known(test->u.s->s)) {
        fail(c, line, "%s: unsupported test '%s'", name, test->u.s->s);
        return jv_undefined();
    }
    jv *targ = arg(a, first + 1, NULL);
    jv out = jv_list(&c->mem);
    for (size_t i = 0; out.type == JV_LIST && i < items.n && !c->failed; i++) {
        jv x = attr ? attr_path(c, items.items[i], path->u.s) : items.items[i];
        bool ok = test ? run_test(c, test->u.s->s, x, targ, line) : jv_truthy(x);
        if (ok == keep)
            jl_push(&c->mem, out.u.l, items.items[i]);
    }
    return out;
}

static jv apply_filter(ctx *c, const char *name, jv v, const args *a, int line)
{
    if (!step(c, line))
        return jv_undefined();
    jv *a0 = arg(a, 0, NULL);
    if (!strcmp(name, "safe"))
        return v;
    if (!strcmp(name, "default") || !strcmp(name, "d")) {
        jv *def = arg(a, 0, "default_value");
        bool boolean = flag(arg(a, 1, "boolean"));
        if (v.type == JV_UNDEFINED || (boolean && !jv_truthy(v)))
            return def ? *def : jv_cstr(&c->mem, "");
        return v;
    }
    if (!strcmp(name, "string"))
        return str_of(c, v);
    if (!strcmp(name, "trim")) {
        jv s = str_of(c, v);
        jv *chars = arg(a, 0, "chars");
        if (chars && chars->type != JV_NONE && !want_string(c, chars, "trim", line))
            return jv_undefined();
        return strip(c, s, chars && chars->type == JV_STRING ? chars->u.s : NULL, true, true);
    }
    if (!strcmp(name, "upper") || !strcmp(name, "lower") || !strcmp(name, "capitalize") ||
        !strcmp(name, "title"))
        return change_case(c, str_of(c, v), name[0] == 'l' ? 0 : name[0] == 'u' ? 1 : name[0] == 'c' ? 2 : 3);
    if (!strcmp(name, "tojson")) {
        /* transformers' tojson(x, ensure_ascii=False, indent=None,
         * separators=None, sort_keys=False) */
        bool ascii = flag(arg(a, 0, "ensure_ascii"));
        jv *ind = arg(a, 1, "indent");
        int64_t indent = -1;
        if (ind && ind->type != JV_NONE && !want_int(c, ind, "tojson indent", line, &indent))
            return jv_undefined();
        const char *isep = indent >= 0 ? "," : ", ", *ksep = ": ";
        jv *seps = arg(a, 2, "separators");
        if (seps && seps->type == JV_LIST && seps->u.l->n == 2 &&
            seps->u.l->items[0].type == JV_STRING && seps->u.l->items[1].type == JV_STRING) {
            isep = seps->u.l->items[0].u.s->s;
            ksep = seps->u.l->items[1].u.s->s;
        }
        strbuf b = {0};
        if (!jv_to_json(v, &b, ascii, (int)indent, isep, ksep, flag(arg(a, 3, "sort_keys")))) {
            sb_free(&b);
            fail(c, line, "tojson: a %s is not JSON serializable", jv_type_name(v));
            return jv_undefined();
        }
        jv r = jv_str(&c->mem, b.p ? b.p : "", b.len);
        sb_free(&b);
        return r;
    }
    if (!strcmp(name, "length") || !strcmp(name, "count")) {
        switch (v.type) {
        case JV_STRING: return jv_int((int64_t)char_len(v.u.s));
        case JV_LIST: return jv_int((int64_t)v.u.l->n);
        case JV_DICT:
        case JV_NAMESPACE: return jv_int((int64_t)v.u.d->n);
        case JV_UNDEFINED: return jv_int(0);
        default: fail(c, line, "length of a %s", jv_type_name(v)); return jv_undefined();
        }
    }
    if (!strcmp(name, "items")) {
        if (v.type == JV_UNDEFINED)
            return jv_list(&c->mem);
        if (v.type != JV_DICT && v.type != JV_NAMESPACE) {
            fail(c, line, "items needs a mapping, got %s", jv_type_name(v));
            return jv_undefined();
        }
        args none = {0};
        return call_method(c, v, "items", &none, line);
    }
    if (!strcmp(name, "dictsort")) {
        if (v.type != JV_DICT && v.type != JV_NAMESPACE) {
            fail(c, line, "dictsort needs a mapping, got %s", jv_type_name(v));
            return jv_undefined();
        }
        bool cs = flag(arg(a, 0, "case_sensitive"));
        jv *by = arg(a, 1, "by");
        bool by_value = by && by->type == JV_STRING && !strcmp(by->u.s->s, "value");
        bool rev = flag(arg(a, 2, "reverse"));
        size_t n = v.u.d->n;
        jv *items = ar_alloc(&c->mem, (n + 1) * sizeof *items), *keys = ar_alloc(&c->mem, (n + 1) * sizeof *keys);
        if (!items || !keys)
            return jv_undefined();
        for (size_t i = 0; i < n; i++) {
            jv k = {.type = JV_STRING, .u.s = v.u.d->keys[i]};
            items[i] = pair(c, k, v.u.d->vals[i]);
            keys[i] = by_value ? v.u.d->vals[i] : k;
        }
        sort_items(c, items, keys, n, cs, rev, line);
        jv l = jv_list(&c->mem);
        for (size_t i = 0; l.type == JV_LIST && i < n; i++)
            jl_push(&c->mem, l.u.l, items[i]);
        return l;
    }
    if (!strcmp(name, "first") || !strcmp(name, "last")) {
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        if (!items.n)
            return jv_undefined();
        return items.items[name[0] == 'f' ? 0 : items.n - 1];
    }
    if (!strcmp(name, "join")) {
        jv *sep = arg(a, 0, "d"), *attr = arg(a, 1, "attribute");
        if (sep && !want_string(c, sep, "join", line))
            return jv_undefined();
        if (attr && !want_string(c, attr, "join attribute", line))
            return jv_undefined();
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        strbuf b = {0};
        for (size_t i = 0; i < items.n; i++) {
            if (i && sep)
                sb_append(&b, sep->u.s->s, sep->u.s->len);
            jv_to_string(attr ? attr_path(c, items.items[i], attr->u.s) : items.items[i], &b);
        }
        jv r = jv_str(&c->mem, b.p ? b.p : "", b.len);
        sb_free(&b);
        return r;
    }
    if (!strcmp(name, "replace")) {
        jv s = str_of(c, v);
        jv *old = arg(a, 0, "old"), *new = arg(a, 1, "new"), *cnt = arg(a, 2, "count");
        int64_t count = -1;
        if (!want_string(c, old, "replace", line) || !want_string(c, new, "replace", line) ||
            (cnt && cnt->type != JV_NONE && !want_int(c, cnt, "replace", line, &count)))
            return jv_undefined();
        return replace(c, s, old->u.s, new->u.s, count);
    }
    if (!strcmp(name, "selectattr") || !strcmp(name, "rejectattr") || !strcmp(name, "select") ||
        !strcmp(name, "reject"))
        return select_filter(c, name, v, a, line);
    if (!strcmp(name, "map")) {
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        jv *attr = arg(a, 0, "attribute");
        bool by_attr = attr && a->names && a->names[0] && !strcmp(a->names[0], "attribute");
        jv *def = arg(a, 99, "default");
        jv out = jv_list(&c->mem);
        if (by_attr) {
            if (!want_string(c, attr, "map attribute", line))
                return jv_undefined();
            for (size_t i = 0; out.type == JV_LIST && i < items.n; i++) {
                jv x = attr_path(c, items.items[i], attr->u.s);
                jl_push(&c->mem, out.u.l, x.type == JV_UNDEFINED && def ? *def : x);
            }
            return out;
        }
        if (!want_string(c, a0, "map", line))
            return jv_undefined();
        if (!jinja_filter_known(a0->u.s->s)) {
            fail(c, line, "map: unsupported filter '%s'", a0->u.s->s);
            return jv_undefined();
        }
        args rest = {a->n ? a->n - 1 : 0, a->v + 1, a->names ? a->names + 1 : NULL};
        for (size_t i = 0; out.type == JV_LIST && i < items.n && !c->failed; i++)
            jl_push(&c->mem, out.u.l, apply_filter(c, a0->u.s->s, items.items[i], &rest, line));
        return out;
    }
    if (!strcmp(name, "list")) {
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        jv out = jv_list(&c->mem);
        for (size_t i = 0; out.type == JV_LIST && i < items.n; i++)
            jl_push(&c->mem, out.u.l, items.items[i]);
        return out;
    }
    if (!strcmp(name, "unique") || !strcmp(name, "reverse") || !strcmp(name, "sort")) {
        if (name[0] == 'r' && v.type == JV_STRING) {
            jv back = jv_int(-1);
            return slice(c, v, NULL, NULL, &back, line);
        }
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        jv out = jv_list(&c->mem);
        if (out.type != JV_LIST)
            return out;
        if (name[0] == 'r') {
            for (size_t i = items.n; i-- > 0;)
                jl_push(&c->mem, out.u.l, items.items[i]);
            return out;
        }
        if (name[0] == 'u') {
            for (size_t i = 0; i < items.n; i++) {
                bool seen = false;
                for (size_t k = 0; k < out.u.l->n && !seen; k++)
                    seen = jv_equal(out.u.l->items[k], items.items[i]);
                if (!seen)
                    jl_push(&c->mem, out.u.l, items.items[i]);
            }
            return out;
        }
        bool rev = flag(arg(a, 0, "reverse")), cs = flag(arg(a, 1, "case_sensitive"));
        jv *attr = arg(a, 2, "attribute");
        if (attr && !want_string(c, attr, "sort attribute", line))
            return jv_undefined();
        size_t n = items.n;
        jv *its = ar_alloc(&c->mem, (n + 1) * sizeof *its), *keys = ar_alloc(&c->mem, (n + 1) * sizeof *keys);
        if (!its || !keys)
            return jv_undefined();
        for (size_t i = 0; i < n; i++) {
            its[i] = items.items[i];
            keys[i] = attr ? attr_path(c, its[i], attr->u.s) : its[i];
        }
        sort_items(c, its, keys, n, cs, rev, line);
        for (size_t i = 0; i < n; i++)
            jl_push(&c->mem, out.u.l, its[i]);
        return out;
    }
    if (!strcmp(name, "int")) {
        if (v.type == JV_INT || v.type == JV_BOOL)
            return jv_int(as_i(v));
        if (v.type == JV_FLOAT)
            return jv_int((int64_t)v.u.f);
        if (v.type == JV_STRING) {
            char *end;
            long long x = strtoll(v.u.s->s, &end, 10);
            return end != v.u.s->s ? jv_int(x) : (a0 ? *a0 : jv_int(0));
        }
        return a0 ? *a0 : jv_int(0);
    }
    if (!strcmp(name, "float")) {
        if (is_num(v))
            return jv_float(as_f(v));
        if (v.type == JV_STRING) {
            char *end;
            double x = strtod(v.u.s->s, &end);
            return end != v.u.s->s ? jv_float(x) : (a0 ? *a0 : jv_float(0));
        }
        return a0 ? *a0 : jv_float(0);
    }
    if (!strcmp(name, "abs")) {
        if (v.type == JV_INT)
            return jv_int(v.u.i < 0 ? -v.u.i : v.u.i);
        if (v.type == JV_FLOAT)
            return jv_float(fabs(v.u.f));
        fail(c, line, "abs of a %s", jv_type_name(v));
        return jv_undefined();
    }
    if (!strcmp(name, "round")) {
        int64_t prec = 0;
        if (a0 && !want_int(c, a0, "round", line, &prec))
            return jv_undefined();
        if (!is_num(v)) {
            fail(c, line, "round of a %s", jv_type_name(v));
            return jv_undefined();
        }
        double m = pow(10, (double)prec);
        return jv_float(round(as_f(v) * m) / m);
    }
    if (!strcmp(name, "sum") || !strcmp(name, "min") || !strcmp(name, "max")) {
        jlist items;
        if (!iter_items(c, v, &items, line))
            return jv_undefined();
        if (name[1] == 'u') {
            jv acc = jv_int(0);
            for (size_t i = 0; i < items.n && !c->failed; i++)
                acc = arith(c, '+', acc, items.items[i], line);
            return acc;
        }
        if (!items.n)
            return jv_undefined();
        jv best = items.items[0];
        for (size_t i = 1; i < items.n && !c->failed; i++) {
            int r = sort_key_cmp(c, items.items[i], best, false, line);
            if (name[1] == 'i' ? r < 0 : r > 0)
                best = items.items[i];
        }
        return best;
    }
    if (!strcmp(name, "wordcount")) {
        jv parts = split(c, str_of(c, v), NULL, -1, false, line);
        return jv_int(parts.type == JV_LIST ? (int64_t)parts.u.l->n : 0);
    }
    if (!strcmp(name, "indent")) {
        int64_t width = 4;
        jv *w = arg(a, 0, "width");
        if (w && !want_int(c, w, "indent", line, &width))
            return jv_undefined();
        bool first = flag(arg(a, 1, "first")), blank = flag(arg(a, 2, "blank"));
        jv s = str_of(c, v);
        strbuf b = {0};
        const char *p = s.u.s->s, *e = p + s.u.s->len;
        bool line_start = true, first_line = true;
        for (; p < e; p++) {
            if (line_start) {
                const char *eol = memchr(p, '\n', (size_t)(e - p));
                bool empty = (eol ? eol : e) == p;
                if ((!first_line || first) && (!empty || blank))
                    for (int64_t i = 0; i < width; i++)
                        sb_puts(&b, " ");
                line_start = false;
            }
            sb_append(&b, p, 1);
            if (*p == '\n') {
                line_start = true;
                first_line = false;
            }
        }
        jv r = jv_str(&c->mem, b.p ? b.p : "", b.len);
        sb_free(&b);
        return r;
    }
    fail(c, line, "unsupported filter '%s'", name);
    return jv_undefined();
}

/* ---- expressions ---- */

static jv eval(ctx *c, frame *f, const jnode *n)
{
    if (!step(c, n->line))
        return jv_undefined();
    switch (n->kind) {
    case JN_LITERAL: return n->value;
    case JN_NAME: return lookup(c, f, n->str);
    case JN_LIST: {
        jv l = jv_list(&c->mem);
        for (size_t i = 0; l.type == JV_LIST && i < n->args.n && !c->failed; i++)
            jl_push(&c->mem, l.u.l, eval(c, f, n->args.v[i]));
        if (l.type == JV_LIST)
            l.u.l->tuple = n->op == '(';
        return l;
    }
    case JN_DICT: {
        jv d = jv_dict(&c->mem);
        for (size_t i = 0; d.type == JV_DICT && i + 1 < n->args.n && !c->failed; i += 2) {
            jv k = eval(c, f, n->args.v[i]);
            jv v = eval(c, f, n->args.v[i + 1]);
            if (k.type != JV_STRING) {
                fail(c, n->line, "dict keys must be strings here");
                break;
            }
            jd_set(&c->mem, d.u.d, k.u.s->s, k.u.s->len, v);
        }
        return d;
    }
    case JN_ATTR: {
        jv obj = eval(c, f, n->a);
        if (obj.type == JV_UNDEFINED && n->a->kind == JN_NAME && !c->failed) {
            fail(c, n->line, "'%s' is undefined", n->a->str);
            return obj;
        }
        return get_attr(c, obj, n->str, n->line);
    }
    case JN_INDEX: {
        jv obj = eval(c, f, n->a);
        jv key = eval(c, f, n->b);
        return c->failed ? jv_undefined() : get_item(c, obj, key, n->line);
    }
    case JN_SLICE: {
        jv obj = eval(c, f, n->a);
        jv lo = n->b ? eval(c, f, n->b) : jv_none();
        jv hi = n->c ? eval(c, f, n->c) : jv_none();
        jv st = n->d ? eval(c, f, n->d) : jv_none();
        return c->failed ? jv_undefined() : slice(c, obj, &lo, &hi, &st, n->line);
    }
    case JN_CALL: {
        args a;
        if (n->a->kind == JN_ATTR) { /* obj.method(...) */
            jv obj = eval(c, f, n->a->a);
            if (c->failed || !eval_args(c, f, n, &a))
                return jv_undefined();
            if (obj.type == JV_UNDEFINED) {
                fail(c, n->line, "'%s' called on an undefined value", n->a->str);
                return jv_undefined();
            }
            return call_method(c, obj, n->a->str, &a, n->line);
        }
        jv fn = eval(c, f, n->a);
        if (c->failed || !eval_args(c, f, n, &a))
            return jv_undefined();
        if (fn.type == JV_UNDEFINED) {
            fail(c, n->line, "'%s' is undefined",
                 n->a->kind == JN_NAME ? n->a->str : "the called value");
            return jv_undefined();
        }
        return call(c, fn, &a, n->line);
    }
    case JN_FILTER: {
        jv v = eval(c, f, n->a);
        args a;
        if (c->failed || !eval_args(c, f, n, &a))
            return jv_undefined();
        return apply_filter(c, n->str, v, &a, n->line);
    }
    case JN_TEST: {
        jv v = eval(c, f, n->a);
        args a;
        if (c->failed || !eval_args(c, f, n, &a))
            return jv_undefined();
        bool r = run_test(c, n->str, v, arg(&a, 0, NULL), n->line);
        return jv_bool(n->op ? !r : r);
    }
    case JN_UNARY: {
        jv v = eval(c, f, n->a);
        if (n->op == OP_NOT)
            return jv_bool(!jv_truthy(v));
        if (v.type == JV_INT)
            return jv_int(n->op == '-' ? -v.u.i : v.u.i);
        if (v.type == JV_FLOAT)
            return jv_float(n->op == '-' ? -v.u.f : v.u.f);
        if (v.type == JV_BOOL)
            return jv_int(n->op == '-' ? -(int64_t)v.u.b : v.u.b);
        fail(c, n->line, "bad operand type for unary %c: %s", n->op, jv_type_name(v));
        return jv_undefined();
    }
    case JN_TERNARY:
        if (jv_truthy(eval(c, f, n->a)))
            return eval(c, f, n->b);
        return n->c ? eval(c, f, n->c) : jv_undefined();
    case JN_BINARY: {
        jv a = eval(c, f, n->a);
        if (c->failed)
            return jv_undefined();
        if (n->op == OP_AND)
            return jv_truthy(a) ? eval(c, f, n->b) : a;
        if (n->op == OP_OR)
            return jv_truthy(a) ? a : eval(c, f, n->b);
        jv b = eval(c, f, n->b);
        if (c->failed)
            return jv_undefined();
        switch (n->op) {
        case OP_EQ: return jv_bool(jv_equal(a, b));
        case OP_NE: return jv_bool(!jv_equal(a, b));
        case '<':
        case '>':
        case OP_LE:
        case OP_GE: {
            int r;
            if (!jv_compare(a, b, &r)) {
                fail(c, n->line, "cannot compare %s with %s", jv_type_name(a), jv_type_name(b));
                return jv_undefined();
            }
            return jv_bool(n->op == '<' ? r < 0 : n->op == '>' ? r > 0 : n->op == OP_LE ? r <= 0 : r >= 0);
        }
        case OP_IN:
        case OP_NOT_IN: {
            bool r;
            if (!contains(c, b, a, n->line, &r))
                return jv_undefined();
            return jv_bool(n->op == OP_IN ? r : !r);
        }
        case '~': {
            strbuf s = {0};
            jv_to_string(a, &s);
            jv_to_string(b, &s);
            jv r = jv_str(&c->mem, s.p ? s.p : "", s.len);
            sb_free(&s);
            return r;
        }
        default: return arith(c, n->op, a, b, n->line);
        }
    }
    default: break;
    }
    fail(c, n->line, "internal: statement evaluated as an expression");
    return jv_undefined();
}

/* ---- statements ---- */

static void exec_for(ctx *c, frame *f, const jnode *n, strbuf *out)
{
    jv seq = eval(c, f, n->a);
    jlist items;
    if (c->failed || !iter_items(c, seq, &items, n->line))
        return;
    /* the `if` filter applies before loop.index and loop.length are counted */
    jv *kept = ar_alloc(&c->mem, (items.n + 1) * sizeof *kept);
    if (!kept) {
        step(c, n->line);
        return;
    }
    size_t n_kept = 0;
    for (size_t i = 0; i < items.n && !c->failed; i++) {
        jv item = items.items[i];
        if (n->c) {
            frame probe = {.parent = f};
            if (n->n_names == 1)
                assign(c, &probe, n->names[0], item);
            else if (item.type == JV_LIST)
                for (size_t k = 0; k < n->n_names && k < item.u.l->n; k++)
                    assign(c, &probe, n->names[k], item.u.l->items[k]);
            if (!jv_truthy(eval(c, &probe, n->c)))
                continue;
        }
        kept[n_kept++] = item;
    }
    if (c->failed)
        return;
    if (n_kept == 0) {
        exec_body(c, f, &n->alt, out);
        return;
    }
    /* One scope for the whole loop: what the body sets stays in the loop
     * and carries to the next iteration, as in jinja2's compiled loops. */
    frame *body = ar_alloc(&c->mem, sizeof *body);
    if (!body) {
        step(c, n->line);
        return;
    }
    body->parent = f;
    for (size_t i = 0; i < n_kept && !c->failed; i++) {
        jv loop = jv_dict(&c->mem);
        if (loop.type != JV_DICT) {
            step(c, n->line);
            return;
        }
        jv item = kept[i];
        if (n->n_names == 1)
            assign(c, body, n->names[0], item);
        else {
            if (item.type != JV_LIST || item.u.l->n != n->n_names) {
                fail(c, n->line, "cannot unpack a %s into %zu loop variables", jv_type_name(item),
                     n->n_names);
                return;
            }
            for (size_t k = 0; k < n->n_names; k++)
                assign(c, body, n->names[k], item.u.l->items[k]);
        }
        int64_t len = (int64_t)n_kept, idx = (int64_t)i;
        jdict *d = loop.u.d;
        jd_set(&c->mem, d, "index", 5, jv_int(idx + 1));
        jd_set(&c->mem, d, "index0", 6, jv_int(idx));
        jd_set(&c->mem, d, "revindex", 8, jv_int(len - idx));
        jd_set(&c->mem, d, "revindex0", 9, jv_int(len - idx - 1));
        jd_set(&c->mem, d, "first", 5, jv_bool(idx == 0));
        jd_set(&c->mem, d, "last", 4, jv_bool(idx == len - 1));
        jd_set(&c->mem, d, "length", 6, jv_int(len));
        jd_set(&c->mem, d, "previtem", 8, i > 0 ? kept[i - 1] : jv_undefined());
        jd_set(&c->mem, d, "nextitem", 8, i + 1 < n_kept ? kept[i + 1] : jv_undefined());
        assign(c, body, "loop", loop);
        exec_body(c, body, &n->body, out);
        if (c->flow == FLOW_BREAK) {
            c->flow = FLOW_NONE;
            break;
        }
        c->flow = FLOW_NONE;
    }
}

static void exec_set(ctx *c, frame *f, const jnode *n)
{
    jv v = eval(c, f, n->a);
    if (c->failed)
        return;
    if (n->str) { /* ns.attr = v */
        jv ns = lookup(c, f, n->names[0]);
        if (ns.type != JV_NAMESPACE) {
            fail(c, n->line, "cannot set '%s.%s': only namespace() attributes can be set",
                 n->names[0], n->str);
            return;
        }
        jd_set(&c->mem, ns.u.d, n->str, strlen(n->str), v);
        return;
    }
    if (n->n_names == 1) {
        assign(c, f, n->names[0], v);
        return;
    }
    if (v.type != JV_LIST || v.u.l->n != n->n_names) {
        fail(c, n->line, "cannot unpack a %s into %zu names", jv_type_name(v), n->n_names);
        return;
    }
    for (size_t k = 0; k < n->n_names; k++)
        assign(c, f, n->names[k], v.u.l->items[k]);
}

static void exec_body(ctx *c, frame *f, const jnodes *body, strbuf *out)
{
    for (size_t i = 0; i < body->n && !c->failed && c->flow == FLOW_NONE; i++) {
        const jnode *n = body->v[i];
        if (!step(c, n->line))
            return;
        switch (n->kind) {
        case JN_TEXT: sb_append(out, n->str, n->len); break;
        case JN_OUTPUT: {
            jv v = eval(c, f, n->a);
            if (!c->failed)
                jv_to_string(v, out);
            break;
        }
        case JN_IF:
            if (jv_truthy(eval(c, f, n->a)))
                exec_body(c, f, &n->body, out);
            else if (!c->failed)
                exec_body(c, f, &n->alt, out);
            break;
        case JN_FOR: exec_for(c, f, n, out); break;
        case JN_SET: exec_set(c, f, n); break;
        case JN_SET_BLOCK: {
            strbuf s = {0};
            exec_body(c, f, &n->body, &s);
            assign(c, f, n->str, jv_str(&c->mem, s.p ? s.p : "", s.len));
            sb_free(&s);
            break;
        }
        case JN_MACRO: assign(c, f, n->str, (jv){.type = JV_MACRO, .u.macro = n}); break;
        case JN_BREAK: c->flow = FLOW_BREAK; break;
        case JN_CONTINUE: c->flow = FLOW_CONTINUE; break;
        default: fail(c, n->line, "internal: expression run as a statement"); break;
        }
    }
}

char *jinja_render(const jinja_template *t, json_t *vars, time_t now, size_t *len, char *err,
                   size_t errlen)
{
    ctx c = {.now = now, .err = err, .errlen = errlen};
    c.mem.limit = RENDER_MEMORY;
    if (errlen)
        err[0] = 0;
    frame *root = ar_alloc(&c.mem, sizeof *root);
    c.root = root;
    const char *k;
    json_t *v;
    json_object_foreach(vars, k, v) assign(&c, root, k, jv_from_json(&c.mem, v));
    strbuf out = {0};
    exec_body(&c, root, &t->body, &out);
    if (!c.failed && c.mem.exhausted)
        fail(&c, 0, "the template needs more than %u MiB", RENDER_MEMORY >> 20);
    ar_free(&c.mem);
    if (c.failed) {
        sb_free(&out);
        return NULL;
    }
    if (!out.p)
        sb_puts(&out, "");
    *len = out.len;
    return sb_steal(&out);
}
