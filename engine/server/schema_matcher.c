#include "schema_matcher.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_OBJECT, K_ARRAY, K_STRING, K_NUMBER, K_INTEGER, K_LITERALS, K_UNION };

/* Frame phases. Objects: */
enum { OB_OPEN, OB_FIRST, OB_KEYSTART, OB_KEY, OB_VALUE, OB_AFTER };
/* Arrays: */
enum { AR_OPEN, AR_FIRST, AR_AFTER, AR_NEXT };
/* Literals: one literal is complete but a longer one still matches. */
enum { LIT_RUNNING, LIT_MAY_END };

#define BIG (UINT32_MAX / 4) /* min lengths saturate here */

typedef struct sm_node {
    uint8_t kind;
    uint32_t n;       /* properties, literals or alternatives */
    char **text;      /* objects: "key": per property; literals: their JSON text */
    uint32_t *len;
    uint16_t *child;  /* objects: each property's value; unions: the alternatives */
    bool *required;
    uint32_t *suffix; /* objects: n + 1 entries, see object_suffix */
    uint16_t item;    /* arrays */
    uint32_t min_items, max_items;
    uint32_t min_len; /* the shortest valid text */
    bool bounded;     /* integers: lo/hi apply; strings: min/max_chars apply */
    int64_t lo, hi;   /* integers: the bounds, within what JM_MAX_DIGITS can write */
    uint32_t min_chars, max_chars; /* strings: minLength, maxLength */
} sm_node;

/* The largest magnitude an integer of JM_MAX_DIGITS digits has. */
#define INT_MAG_MAX 999999999999999LL

struct schema_grammar {
    sm_node *nodes;
    uint32_t n, cap;
    uint16_t root;
    uint32_t quote; /* the bytes a string value's quote takes in the output (JSON: 1) */
};

/* The extra bytes a string's quote costs beyond JSON's one. */
static uint32_t quote_extra(const schema_grammar *g) { return g->quote - 1; }
static bool is_string_text(const char *json_text) { return json_text[0] == '"'; }

static uint32_t sat_add(uint32_t a, uint32_t b) { return a + b > BIG || a > BIG || b > BIG ? BIG : a + b; }
static uint32_t sat_mul(uint32_t a, uint32_t b)
{
    return b && a > BIG / b ? BIG : a * b;
}

/* ---- compiling ---------------------------------------------------------- */

#define MAX_REFS 16

typedef struct compiler {
    schema_grammar *g;
    char *err;
    size_t errlen;
    const json_t *root;             /* where $ref pointers resolve */
    const json_t *refs[MAX_REFS];   /* the $ref targets being compiled, outermost first */
    uint32_t n_refs;
} compiler;

static int refuse(compiler *c, const char *path, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s: %s", path, msg);
    return -1;
}

static int new_node(compiler *c, uint8_t kind)
{
    schema_grammar *g = c->g;
    if (g->n >= UINT16_MAX)
        return -1;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->nodes = realloc(g->nodes, g->cap * sizeof *g->nodes);
        if (!g->nodes)
            abort();
    }
    memset(&g->nodes[g->n], 0, sizeof g->nodes[g->n]);
    g->nodes[g->n].kind = kind;
    return (int)g->n++;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

/* Keywords that do not constrain the value: annotations, and the
 * definitions $ref points into (read through the root). */
static bool is_annotation(const char *k)
{
    static const char *const keys[] = {"title", "description", "$schema", "$comment",
                                       "default", "examples", "$defs", "definitions", NULL};
    for (const char *const *a = keys; *a; a++)
        if (strcmp(*a, k) == 0)
            return true;
    return false;
}

/* The keywords each type reads, besides type and the annotations. */
static const char *const *type_keywords(const char *type)
{
    static const char *const object[] = {"properties", "required", "additionalProperties", NULL};
    static const char *const array[] = {"items", "minItems", "maxItems", NULL};
    static const char *const string[] = {"minLength", "maxLength", NULL};
    static const char *const integer[] = {"minimum", "maximum", "exclusiveMinimum",
                                          "exclusiveMaximum", NULL};
    static const char *const none[] = {NULL};
    if (strcmp(type, "object") == 0)
        return object;
    if (strcmp(type, "array") == 0)
        return array;
    if (strcmp(type, "string") == 0)
        return string;
    if (strcmp(type, "integer") == 0)
        return integer;
    return none;
}

static bool listed(const char *const *list, const char *k)
{
    for (; *list; list++)
        if (strcmp(*list, k) == 0)
            return true;
    return false;
}

static int compile(compiler *c, const json_t *s, const char *path, int depth);

static void sub_path(char *out, size_t n, const char *path, const char *a, const char *b)
{
    snprintf(out, n, "%s.%s%s%s", path, a, b ? "." : "", b ? b : "");
}

static bool get_count(compiler *c, const json_t *s, const char *key, const char *path,
                      uint32_t *out)
{
    const json_t *v = json_object_get(s, key);
    if (!v)
        return true;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > 1000000) {
        refuse(c, path, "'%s' must be an integer from 0 to 1000000", key);
        return false;
    }
    *out = (uint32_t)json_integer_value(v);
    return true;
}

static int compile_object(compiler *c, const json_t *s, const char *path, int depth)
{
    const json_t *props = json_object_get(s, "properties");
    const json_t *req = json_object_get(s, "required");
    const json_t *extra = json_object_get(s, "additionalProperties");
    if (props && !json_is_object(props))
        return refuse(c, path, "'properties' must be an object");
    if (extra && !json_is_false(extra))
        return refuse(c, path,
                      "'additionalProperties' other than false is not supported (only the "
                      "listed properties are written)");
    if (req && !json_is_array(req))
        return refuse(c, path, "'required' must be an array of property names");
    size_t n = props ? json_object_size(props) : 0;
    if (n > SM_MAX_MEMBERS)
        return refuse(c, path, "%zu properties, at most %d are supported", n, SM_MAX_MEMBERS);
    size_t i;
    const json_t *r;
    json_array_foreach(req, i, r) {
        if (!json_is_string(r))
            return refuse(c, path, "'required' must be an array of property names");
        if (!json_object_get(props, json_string_value(r)))
            return refuse(c, path, "required property '%.100s' is not in 'properties'",
                          json_string_value(r));
    }
    int id = new_node(c, K_OBJECT);
    if (id < 0)
        return refuse(c, path, "the schema is too large");
    char **text = xcalloc(n, sizeof *text);
    uint32_t *len = xcalloc(n, sizeof *len);
    uint16_t *child = xcalloc(n, sizeof *child);
    bool *required = xcalloc(n, sizeof *required);
    uint32_t *suffix = xcalloc(n + 1, sizeof *suffix);
    sm_node *node = &c->g->nodes[id];
    node->n = (uint32_t)n, node->text = text, node->len = len, node->child = child;
    node->required = required, node->suffix = suffix;
    /* Properties in the schema's order (jansson keeps insertion order). */
    const char *key;
    json_t *v;
    uint32_t k = 0;
    json_object_foreach((json_t *)props, key, v) {
        json_t *ks = json_string(key);
        char *quoted = json_dumps(ks, JSON_ENCODE_ANY | JSON_COMPACT);
        json_decref(ks);
        if (!quoted)
            abort();
        size_t ql = strlen(quoted);
        text[k] = malloc(ql + 2);
        if (!text[k])
            abort();
        memcpy(text[k], quoted, ql);
        memcpy(text[k] + ql, ":", 2);
        free(quoted);
        len[k] = (uint32_t)ql + 1;
        json_array_foreach(req, i, r) required[k] |= strcmp(json_string_value(r), key) == 0;
        char p[512];
        sub_path(p, sizeof p, path, "properties", key);
        int cid = compile(c, v, p, depth + 1);
        if (cid < 0)
            return -1;
        child[k++] = (uint16_t)cid;
    }
    /* suffix[i]: the fewest bytes of the required properties from i on,
     * each with its leading comma. */
    const sm_node *nodes = c->g->nodes;
    for (uint32_t p = (uint32_t)n; p-- > 0;)
        suffix[p] = sat_add(suffix[p + 1],
                            required[p] ? sat_add(1 + len[p], nodes[child[p]].min_len) : 0);
    /* { + the required ones (the first without its comma) + } */
    c->g->nodes[id].min_len = suffix[0] ? sat_add(suffix[0], 1) : 2;
    return id;
}

static int compile_array(compiler *c, const json_t *s, const char *path, int depth)
{
    const json_t *items = json_object_get(s, "items");
    if (!json_is_object(items))
        return refuse(c, path, "an array schema needs 'items' (a schema)");
    uint32_t lo = 0, hi = UINT32_MAX;
    if (!get_count(c, s, "minItems", path, &lo) || !get_count(c, s, "maxItems", path, &hi))
        return -1;
    if (lo > hi)
        return refuse(c, path, "'minItems' is above 'maxItems'");
    char p[512];
    sub_path(p, sizeof p, path, "items", NULL);
    int item = compile(c, items, p, depth + 1);
    if (item < 0)
        return -1;
    int id = new_node(c, K_ARRAY);
    if (id < 0)
        return refuse(c, path, "the schema is too large");
    sm_node *node = &c->g->nodes[id];
    node->item = (uint16_t)item, node->min_items = lo, node->max_items = hi;
    uint32_t il = c->g->nodes[item].min_len;
    node->min_len = lo ? sat_add(sat_mul(lo, sat_add(il, 1)), 1) : 2;
    return id;
}

static bool literal_fits(const json_t *v, const json_t *type)
{
    if (!type)
        return true;
    const char *t = json_string_value(type);
    if (strcmp(t, "string") == 0)
        return json_is_string(v);
    if (strcmp(t, "number") == 0)
        return json_is_number(v);
    if (strcmp(t, "integer") == 0)
        return json_is_integer(v) || (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v));
    if (strcmp(t, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(t, "null") == 0)
        return json_is_null(v);
    return false;
}

/* enum / const / boolean / null: the value is one of a few JSON texts. */
static int compile_literals(compiler *c, const json_t *values, const json_t *type, const char *path)
{
    size_t n = json_array_size(values);
    if (n == 0)
        return refuse(c, path, "'enum' must list at least one value");
    if (n > SM_MAX_MEMBERS)
        return refuse(c, path, "'enum' lists %zu values, at most %d are supported", n,
                      SM_MAX_MEMBERS);
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v) {
        if (json_is_object(v) || json_is_array(v))
            return refuse(c, path, "'enum' or 'const' values that are objects or arrays are not supported");
        if (!literal_fits(v, type))
            return refuse(c, path, "enum value %zu is not of type '%s'", i, json_string_value(type));
    }
    int id = new_node(c, K_LITERALS);
    if (id < 0)
        return refuse(c, path, "the schema is too large");
    sm_node *node = &c->g->nodes[id];
    node->n = (uint32_t)n;
    node->text = xcalloc(n, sizeof *node->text);
    node->len = xcalloc(n, sizeof *node->len);
    node->min_len = BIG;
    json_array_foreach(values, i, v) {
        node->text[i] = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!node->text[i])
            abort();
        node->len[i] = (uint32_t)strlen(node->text[i]);
        uint32_t out = node->len[i] + (is_string_text(node->text[i]) ? 2 * quote_extra(c->g) : 0);
        if (out < node->min_len)
            node->min_len = out;
    }
    return id;
}

/* Whether the value of node can start with the byte ch. */
static bool starts_with(const schema_grammar *g, uint16_t id, uint8_t ch)
{
    const sm_node *n = &g->nodes[id];
    switch (n->kind) {
    case K_OBJECT:
        return ch == '{';
    case K_ARRAY:
        return ch == '[';
    case K_STRING:
        return ch == '"';
    case K_NUMBER:
    case K_INTEGER:
        return ch == '-' || (ch >= '0' && ch <= '9');
    case K_LITERALS:
        for (uint32_t i = 0; i < n->n; i++)
            if ((uint8_t)n->text[i][0] == ch)
                return true;
        return false;
    default: /* K_UNION */
        for (uint32_t i = 0; i < n->n; i++)
            if (starts_with(g, n->child[i], ch))
                return true;
        return false;
    }
}

static int make_union(compiler *c, const int *alts, size_t n, const char *path)
{
    /* Alternatives are told apart by their first byte, so the matcher
     * never has to follow two at once. */
    for (unsigned ch = 0; ch < 256; ch++) {
        int seen = -1;
        for (size_t i = 0; i < n; i++)
            if (starts_with(c->g, (uint16_t)alts[i], (uint8_t)ch)) {
                if (seen >= 0)
                    return refuse(c, path,
                                  "'anyOf' (or a list of types) whose alternatives %d and %zu "
                                  "can both start with '%c' is not supported",
                                  seen, i, ch);
                seen = (int)i;
            }
    }
    int id = new_node(c, K_UNION);
    if (id < 0)
        return refuse(c, path, "the schema is too large");
    sm_node *node = &c->g->nodes[id];
    node->n = (uint32_t)n;
    node->child = xcalloc(n, sizeof *node->child);
    node->min_len = BIG;
    for (size_t i = 0; i < n; i++) {
        node->child[i] = (uint16_t)alts[i];
        if (c->g->nodes[alts[i]].min_len < node->min_len)
            node->min_len = c->g->nodes[alts[i]].min_len;
    }
    return id;
}

static int compile_any_of(compiler *c, const json_t *s, const char *path, int depth)
{
    const json_t *alts = json_object_get(s, "anyOf");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)s, key, v) {
        if (strcmp(key, "anyOf") != 0 && !is_annotation(key))
            return refuse(c, path, "'%.100s' beside 'anyOf' is not supported", key);
    }
    size_t n = json_array_size(alts);
    if (!json_is_array(alts) || n == 0 || n > SM_MAX_MEMBERS)
        return refuse(c, path, "'anyOf' must be an array of 1 to %d schemas", SM_MAX_MEMBERS);
    int ids[SM_MAX_MEMBERS];
    for (size_t i = 0; i < n; i++) {
        char p[512], idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        sub_path(p, sizeof p, path, "anyOf", idx);
        if ((ids[i] = compile(c, json_array_get(alts, i), p, depth)) < 0)
            return -1;
    }
    return n == 1 ? ids[0] : make_union(c, ids, n, path);
}

/* The fewest digits still to write after an integer's sign and its nd
 * digits of magnitude mag so that it lands in [lo, hi]; -1 when none can.
 * With k more digits the magnitude is in [mag 10^k, mag 10^k + 10^k - 1]
 * (after only a sign or nothing: k digits, 0 included when k is 1); no
 * digit follows a leading 0 (RFC 8259 section 6). nd + k stays within
 * JM_MAX_DIGITS, so nothing overflows. */
static int int_more(const sm_node *n, bool neg, int64_t mag, uint32_t nd)
{
    int64_t p10 = 1;
    for (uint32_t k = 0; nd + k <= JM_MAX_DIGITS; k++, p10 *= 10) {
        int64_t a, b;
        if (nd == 0) {
            if (k == 0)
                continue;
            a = k == 1 ? 0 : p10 / 10, b = p10 - 1;
        } else if (k > 0 && mag == 0)
            break;
        else
            a = mag * p10, b = a + p10 - 1;
        int64_t lo = neg ? -b : a, hi = neg ? -a : b;
        if (lo <= n->hi && hi >= n->lo)
            return (int)k;
    }
    return -1;
}

/* minimum, maximum, exclusiveMinimum, exclusiveMaximum of an integer, as
 * the integer bounds they imply (ceil of a real minimum, ...). */
static int integer_bounds(compiler *c, const json_t *s, sm_node *n, const char *path)
{
    static const char *const keys[] = {"minimum", "exclusiveMinimum", "maximum",
                                       "exclusiveMaximum"};
    n->lo = -INT_MAG_MAX, n->hi = INT_MAG_MAX;
    for (int i = 0; i < 4; i++) {
        const json_t *v = json_object_get(s, keys[i]);
        if (!v)
            continue;
        if (!json_is_number(v))
            return refuse(c, path, "'%s' must be a number", keys[i]);
        n->bounded = true;
        double d = json_number_value(v);
        int64_t b;
        bool upper = i >= 2, exclusive = i % 2 == 1;
        if (json_is_integer(v)) {
            json_int_t x = json_integer_value(v);
            x = x > INT_MAG_MAX + 1 ? INT_MAG_MAX + 1 : x < -INT_MAG_MAX - 1 ? -INT_MAG_MAX - 1 : x;
            b = (int64_t)x + (exclusive ? (upper ? -1 : 1) : 0);
        } else {
            d = d > 1e16 ? 1e16 : d < -1e16 ? -1e16 : d;
            b = (int64_t)(upper ? (exclusive ? ceil(d) - 1 : floor(d))
                                : (exclusive ? floor(d) + 1 : ceil(d)));
        }
        if (upper && b < n->hi)
            n->hi = b;
        if (!upper && b > n->lo)
            n->lo = b;
    }
    if (n->lo > n->hi)
        return refuse(c, path, "no integer of at most %d digits is within 'minimum'/'maximum'",
                      JM_MAX_DIGITS);
    int pos = int_more(n, false, 0, 0), neg = int_more(n, true, 0, 0);
    uint32_t best = BIG;
    if (pos >= 0)
        best = (uint32_t)pos;
    if (neg >= 0 && (uint32_t)neg + 1 < best)
        best = (uint32_t)neg + 1;
    n->min_len = best;
    return 0;
}

/* compile_typed for one type of the schema; check_keys: refuse keywords
 * that type does not read (a list of types checks them once, for all). */
static int compile_typed(compiler *c, const json_t *s, const char *type, const char *path,
                         int depth, bool check_keys)
{
    const char *key;
    json_t *v;
    const char *const *kw = type_keywords(type);
    json_object_foreach((json_t *)s, key, v) {
        if (check_keys && strcmp(key, "type") != 0 && !is_annotation(key) && !listed(kw, key) &&
            strcmp(key, "enum") != 0 && strcmp(key, "const") != 0)
            return refuse(c, path, "keyword '%.100s' is not supported%s", key,
                          listed(type_keywords("object"), key) || listed(type_keywords("array"), key) ||
                                  listed(type_keywords("string"), key) ||
                                  listed(type_keywords("integer"), key)
                              ? " for this type"
                              : "");
    }
    if (strcmp(type, "object") == 0)
        return compile_object(c, s, path, depth);
    if (strcmp(type, "array") == 0)
        return compile_array(c, s, path, depth);
    int id;
    if (strcmp(type, "string") == 0) {
        uint32_t lo = 0, hi = UINT32_MAX;
        if (!get_count(c, s, "minLength", path, &lo) || !get_count(c, s, "maxLength", path, &hi))
            return -1;
        if (lo > hi)
            return refuse(c, path, "'minLength' is above 'maxLength'");
        if ((id = new_node(c, K_STRING)) < 0)
            return refuse(c, path, "the schema is too large");
        sm_node *n = &c->g->nodes[id];
        n->bounded = json_object_get(s, "minLength") || json_object_get(s, "maxLength");
        n->min_chars = lo, n->max_chars = hi, n->min_len = sat_add(lo, 2 * c->g->quote);
    } else if (strcmp(type, "number") == 0) {
        if ((id = new_node(c, K_NUMBER)) < 0)
            return refuse(c, path, "the schema is too large");
        c->g->nodes[id].min_len = 1;
    } else if (strcmp(type, "integer") == 0) {
        if ((id = new_node(c, K_INTEGER)) < 0)
            return refuse(c, path, "the schema is too large");
        if (integer_bounds(c, s, &c->g->nodes[id], path) < 0)
            return -1;
    } else if (strcmp(type, "boolean") == 0) {
        json_t *b = json_pack("[bb]", 1, 0);
        id = compile_literals(c, b, NULL, path);
        json_decref(b);
    } else if (strcmp(type, "null") == 0) {
        json_t *b = json_pack("[n]");
        id = compile_literals(c, b, NULL, path);
        json_decref(b);
    } else
        return refuse(c, path, "unknown type '%.100s'", type);
    return id;
}

/* "$ref": "#/$defs/NAME" or "#/definitions/NAME" (JSON Pointer, RFC 6901:
 * ~1 is '/', ~0 is '~'), resolved in the root schema and compiled in
 * place. A definition that refers to itself, directly or not, would need
 * an unbounded grammar: refused. */
static int compile_ref(compiler *c, const json_t *s, const json_t *ref, const char *path,
                       int depth)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)s, key, v) {
        if (strcmp(key, "$ref") != 0 && !is_annotation(key))
            return refuse(c, path, "'%.100s' beside '$ref' is not supported", key);
    }
    const char *r = json_is_string(ref) ? json_string_value(ref) : "";
    const char *dir = strncmp(r, "#/$defs/", 8) == 0         ? "$defs"
                      : strncmp(r, "#/definitions/", 14) == 0 ? "definitions"
                                                              : NULL;
    if (!dir)
        return refuse(c, path, "'$ref' %.100s is not supported: only \"#/$defs/NAME\" and "
                               "\"#/definitions/NAME\" are resolved", r);
    char name[256];
    size_t n = 0;
    for (const char *p = r + strlen(dir) + 3; *p; p++) {
        char ch = *p;
        if (ch == '/')
            return refuse(c, path, "'$ref' %.100s points inside a definition: not supported", r);
        if (ch == '~' && (p[1] == '0' || p[1] == '1'))
            ch = *++p == '0' ? '~' : '/';
        if (n + 1 >= sizeof name)
            return refuse(c, path, "'$ref' %.100s: the name is too long", r);
        name[n++] = ch;
    }
    name[n] = '\0';
    const json_t *target = json_object_get(json_object_get(c->root, dir), name);
    if (!target)
        return refuse(c, path, "'$ref' %.100s is not defined in the schema's '%s'", r, dir);
    for (uint32_t i = 0; i < c->n_refs; i++)
        if (c->refs[i] == target)
            return refuse(c, path, "recursive '$ref' %.100s is not supported", r);
    if (c->n_refs == MAX_REFS)
        return refuse(c, path, "'$ref' chains longer than %d are not supported", MAX_REFS);
    char p[512];
    snprintf(p, sizeof p, "schema.%s.%s", dir, name);
    c->refs[c->n_refs++] = target;
    int id = compile(c, target, p, depth);
    c->n_refs--;
    return id;
}

static int compile(compiler *c, const json_t *s, const char *path, int depth)
{
    if (!json_is_object(s))
        return refuse(c, path, "a schema must be an object");
    if (depth >= SM_MAX_DEPTH)
        return refuse(c, path, "nested deeper than %d values", SM_MAX_DEPTH);
    const json_t *type = json_object_get(s, "type");
    const json_t *en = json_object_get(s, "enum"), *cn = json_object_get(s, "const");
    const json_t *ref = json_object_get(s, "$ref");
    if (ref)
        return compile_ref(c, s, ref, path, depth);
    if (json_object_get(s, "anyOf"))
        return compile_any_of(c, s, path, depth);
    if (en || cn) {
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)s, key, v) {
            if (strcmp(key, "type") != 0 && strcmp(key, "enum") != 0 && strcmp(key, "const") != 0 &&
                !is_annotation(key))
                return refuse(c, path, "'%.100s' beside 'enum' or 'const' is not supported", key);
        }
        if (en && cn)
            return refuse(c, path, "'enum' and 'const' together are not supported");
        if (en && !json_is_array(en))
            return refuse(c, path, "'enum' must be an array");
        if (type && !json_is_string(type))
            return refuse(c, path, "a list of types beside 'enum' or 'const' is not supported");
        json_t *values = en ? json_incref((json_t *)en) : json_pack("[O]", cn);
        int id = compile_literals(c, values, type, path);
        json_decref(values);
        return id;
    }
    if (json_is_string(type))
        return compile_typed(c, s, json_string_value(type), path, depth, true);
    if (json_is_array(type)) {
        size_t n = json_array_size(type);
        if (n == 0 || n > 7)
            return refuse(c, path, "'type' must list 1 to 7 type names");
        int ids[8];
        for (size_t i = 0; i < n; i++)
            if (!json_is_string(json_array_get(type, i)))
                return refuse(c, path, "'type' must list type names");
        /* A keyword applies to the instances of its type (JSON Schema
         * 2020-12 validation, section 6): it must be read by one of them. */
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)s, key, v) {
            bool read = strcmp(key, "type") == 0 || is_annotation(key);
            for (size_t i = 0; i < n && !read; i++)
                read = listed(type_keywords(json_string_value(json_array_get(type, i))), key);
            if (!read)
                return refuse(c, path, "keyword '%.100s' is not supported", key);
        }
        for (size_t i = 0; i < n; i++)
            if ((ids[i] = compile_typed(c, s, json_string_value(json_array_get(type, i)), path,
                                        depth, false)) < 0)
                return -1;
        return n == 1 ? ids[0] : make_union(c, ids, n, path);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)s, key, v) {
        if (!is_annotation(key))
            return refuse(c, path, "keyword '%.100s' is not supported", key);
    }
    return refuse(c, path, "a schema without 'type', 'enum', 'const' or 'anyOf' (any value) is "
                           "not supported");
}

schema_grammar *schema_grammar_new(const json_t *schema, char *err, size_t errlen)
{
    return schema_grammar_new_quoted(schema, 1, err, errlen);
}

schema_grammar *schema_grammar_new_quoted(const json_t *schema, uint32_t quote_bytes, char *err,
                                          size_t errlen)
{
    schema_grammar *g = xcalloc(1, sizeof *g);
    g->quote = quote_bytes ? quote_bytes : 1;
    compiler c = {.g = g, .err = err, .errlen = errlen, .root = schema};
    int root = json_is_object(schema) ? compile(&c, schema, "schema", 0) : -1;
    if (root >= 0 && g->nodes[root].kind != K_OBJECT)
        root = refuse(&c, "schema", "the root must be an object schema ({\"type\": \"object\", ...})");
    if (root < 0) {
        if (!json_is_object(schema))
            refuse(&c, "schema", "the root must be an object schema ({\"type\": \"object\", ...})");
        schema_grammar_free(g);
        return NULL;
    }
    g->root = (uint16_t)root;
    return g;
}

void schema_grammar_free(schema_grammar *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < g->n; i++) {
        sm_node *n = &g->nodes[i];
        if (n->text)
            for (uint32_t k = 0; k < n->n; k++)
                free(n->text[k]);
        free(n->text);
        free(n->len);
        free(n->child);
        free(n->required);
        free(n->suffix);
    }
    free(g->nodes);
    free(g);
}

/* ---- matching ----------------------------------------------------------- */

void sm_init(schema_matcher *m) { memset(m, 0, sizeof *m); }

bool sm_done(const schema_matcher *m) { return m->done; }

/* Properties that may come next: from first up to the first required one. */
static uint64_t key_candidates(const sm_node *n, uint32_t first)
{
    uint64_t set = 0;
    for (uint32_t p = first; p < n->n; p++) {
        set |= 1ull << p;
        if (n->required[p])
            break;
    }
    return set;
}

static bool required_from(const sm_node *n, uint32_t first) { return n->suffix[first] > 0; }

static void pop(schema_matcher *m)
{
    if (--m->depth == 0)
        m->done = 1;
}

/* Opens a frame for a value of node id; its first byte is fed next. */
static bool push_value(const schema_grammar *g, schema_matcher *m, uint16_t id, uint8_t c)
{
    while (g->nodes[id].kind == K_UNION) {
        const sm_node *u = &g->nodes[id];
        uint32_t i = 0;
        while (i < u->n && !starts_with(g, u->child[i], c))
            i++;
        if (i == u->n)
            return false;
        id = u->child[i];
    }
    if (!starts_with(g, id, c))
        return false;
    if (m->depth >= SM_MAX_DEPTH)
        return false; /* compile() bounds the nesting: not reached */
    sm_frame *f = &m->f[m->depth++];
    memset(f, 0, sizeof *f);
    f->node = id;
    const sm_node *n = &g->nodes[id];
    if (n->kind == K_STRING || n->kind == K_NUMBER || n->kind == K_INTEGER)
        jm_init_scalar(&m->jm);
    if (n->kind == K_LITERALS)
        f->alive = n->n == 64 ? ~0ull : (1ull << n->n) - 1;
    return true;
}

static bool feed_literal(const sm_node *n, sm_frame *f, schema_matcher *m, uint8_t c, bool *reread)
{
    uint64_t alive = 0;
    for (uint32_t i = 0; i < n->n; i++)
        if ((f->alive >> i & 1) && n->len[i] > f->off && (uint8_t)n->text[i][f->off] == c)
            alive |= 1ull << i;
    if (!alive) {
        if (f->phase != LIT_MAY_END)
            return false;
        pop(m); /* the complete literal ended; the byte is the parent's */
        *reread = true;
        return true;
    }
    f->alive = alive, f->off++;
    bool complete = false, longer = false;
    for (uint32_t i = 0; i < n->n; i++)
        if (alive >> i & 1) {
            complete |= n->len[i] == f->off;
            longer |= n->len[i] > f->off;
        }
    if (complete && !longer)
        pop(m);
    else
        f->phase = complete ? LIT_MAY_END : LIT_RUNNING;
    return true;
}

/* A bounded integer's frame: phase = 1 after a '-', alive = the magnitude,
 * off = its digits. Each byte must leave a prefix that int_more can still
 * complete, so the decode never reaches a dead end. */
static bool integer_step(const sm_node *n, sm_frame *f, uint8_t c)
{
    if (c == '-')
        f->phase = 1;
    else if (c >= '0' && c <= '9' && f->off < JM_MAX_DIGITS)
        f->alive = f->alive * 10 + (uint64_t)(c - '0'), f->off++;
    else
        return true; /* the number grammar refuses it */
    return int_more(n, f->phase, (int64_t)f->alive, f->off) >= 0;
}

/* A length-bounded string's frame: count = characters (code points) so
 * far, off = 1 once the opening quote is in, phase = 1 after a backslash.
 * A byte starts a character unless it is a UTF-8 continuation byte, the
 * letter of an escape or the closing quote. \u escapes are not written
 * here: a surrogate pair would be two escapes but one character. */
static bool string_step(const sm_node *n, sm_frame *f, uint8_t c)
{
    if (!f->off) {
        f->off = 1;
        return true;
    }
    if (f->phase) {
        f->phase = 0;
        return c != 'u';
    }
    if (c == '"')
        return f->count >= n->min_chars;
    if ((c & 0xC0) == 0x80)
        return true;
    if (f->count >= n->max_chars)
        return false;
    f->count++;
    f->phase = c == '\\';
    return true;
}

static bool feed_scalar(const sm_node *n, sm_frame *f, schema_matcher *m, uint8_t c,
                        bool *reread)
{
    if (n->kind != K_STRING && jm_number_may_end(&m->jm) && !strchr("0123456789.eE+-", c)) {
        if (n->kind == K_INTEGER && n->bounded &&
            int_more(n, f->phase, (int64_t)f->alive, f->off) != 0)
            return false; /* not yet within the bounds */
        pop(m); /* the number ended; the byte is the parent's */
        *reread = true;
        return true;
    }
    if (n->kind == K_INTEGER && (c == '.' || c == 'e' || c == 'E'))
        return false;
    if (n->bounded && !(n->kind == K_INTEGER ? integer_step(n, f, c) : string_step(n, f, c)))
        return false;
    if (!jm_feed(&m->jm, c))
        return false;
    if (jm_done(&m->jm))
        pop(m);
    return true;
}

static bool feed_object(const schema_grammar *g, const sm_node *n, sm_frame *f,
                        schema_matcher *m, uint8_t c, bool *reread)
{
    switch (f->phase) {
    case OB_VALUE: /* after the key's colon: the byte starts the value */
        f->phase = OB_AFTER;
        *reread = true;
        return push_value(g, m, n->child[f->next - 1], c);
    case OB_OPEN:
        f->phase = OB_FIRST;
        return c == '{';
    case OB_FIRST:
    case OB_AFTER:
        if (c == '}' && !required_from(n, f->next)) {
            pop(m);
            return true;
        }
        if (f->phase == OB_AFTER) {
            if (c != ',' || !key_candidates(n, f->next))
                return false;
            f->phase = OB_KEYSTART;
            return true;
        }
        /* the first key */
        /* fall through */
    case OB_KEYSTART:
        f->alive = key_candidates(n, f->next), f->off = 0;
        f->phase = OB_KEY;
        /* fall through */
    default: { /* OB_KEY */
        uint64_t alive = 0;
        for (uint32_t p = 0; p < n->n; p++)
            if ((f->alive >> p & 1) && (uint8_t)n->text[p][f->off] == c)
                alive |= 1ull << p;
        if (!alive)
            return false;
        f->alive = alive, f->off++;
        for (uint32_t p = 0; p < n->n; p++)
            if ((alive >> p & 1) && n->len[p] == f->off) { /* keys are prefix-free */
                f->phase = OB_VALUE, f->next = (uint8_t)(p + 1);
                return true;
            }
        return true;
    }
    }
}

bool sm_feed(const schema_grammar *g, schema_matcher *m, uint8_t c)
{
    if (m->done)
        return false;
    if (!m->depth && !push_value(g, m, g->root, c))
        return false;
    for (;;) {
        sm_frame *f = &m->f[m->depth - 1];
        const sm_node *n = &g->nodes[f->node];
        bool reread = false, ok;
        switch (n->kind) {
        case K_OBJECT:
            ok = feed_object(g, n, f, m, c, &reread);
            break;
        case K_ARRAY:
            switch (f->phase) {
            case AR_OPEN:
                f->phase = AR_FIRST;
                return c == '[';
            case AR_FIRST:
            case AR_AFTER:
                if (c == ']' && f->count >= n->min_items) {
                    pop(m);
                    return true;
                }
                if (f->phase == AR_AFTER) {
                    if (c != ',' || f->count >= n->max_items)
                        return false;
                    f->phase = AR_NEXT;
                    return true;
                }
                /* the first item */
                /* fall through */
            default: /* AR_NEXT */
                if (f->count >= n->max_items)
                    return false;
                f->count++, f->phase = AR_AFTER;
                if (!push_value(g, m, n->item, c))
                    return false;
                continue; /* the byte starts the item */
            }
        case K_LITERALS:
            ok = feed_literal(n, f, m, c, &reread);
            break;
        default:
            ok = feed_scalar(n, f, m, c, &reread);
            break;
        }
        if (!ok)
            return false;
        if (!reread)
            return true;
        if (m->done)
            return false; /* nothing follows the root */
    }
}

bool sm_feed_all(const schema_grammar *g, schema_matcher *m, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sm_feed(g, m, (uint8_t)p[i]))
            return false;
    return true;
}

/* The fewest bytes to finish an object whose key p is off bytes in. */
static uint32_t key_rest(const schema_grammar *g, const sm_node *n, uint32_t p, uint32_t off)
{
    return sat_add(sat_add(n->len[p] - off, g->nodes[n->child[p]].min_len),
                   sat_add(n->suffix[p + 1], 1));
}

static uint32_t frame_rest(const schema_grammar *g, const schema_matcher *m, const sm_frame *f,
                           bool top)
{
    const sm_node *n = &g->nodes[f->node];
    uint32_t best = BIG;
    switch (n->kind) {
    case K_OBJECT:
        switch (f->phase) {
        case OB_OPEN:
            return n->min_len;
        case OB_FIRST:
            return n->suffix[0] ? n->suffix[0] : 1;
        case OB_KEYSTART:
        case OB_KEY: {
            uint64_t set = f->phase == OB_KEY ? f->alive : key_candidates(n, f->next);
            uint32_t off = f->phase == OB_KEY ? f->off : 0;
            for (uint32_t p = 0; p < n->n; p++)
                if (set >> p & 1) {
                    uint32_t r = key_rest(g, n, p, off);
                    best = r < best ? r : best;
                }
            return best;
        }
        case OB_VALUE:
            return key_rest(g, n, f->next - 1u, n->len[f->next - 1]);
        default: /* OB_AFTER */
            return sat_add(n->suffix[f->next], 1);
        }
    case K_ARRAY: {
        uint32_t item = sat_add(g->nodes[n->item].min_len, 1); /* with its comma */
        switch (f->phase) {
        case AR_OPEN:
            return n->min_len;
        case AR_FIRST:
            return n->min_items ? sat_mul(n->min_items, item) : 1; /* less a comma, plus ] */
        case AR_NEXT:
            /* this item, the ones still due with commas, ] */
            return sat_mul(f->count + 1 < n->min_items ? n->min_items - f->count : 1, item);
        default: /* AR_AFTER */
            return sat_add(f->count < n->min_items ? sat_mul(n->min_items - f->count, item) : 0, 1);
        }
    }
    case K_LITERALS: /* a string's closing quote is still to come: a literal ends there */
        for (uint32_t i = 0; i < n->n; i++) {
            uint32_t r = n->len[i] - f->off + (is_string_text(n->text[i]) ? quote_extra(g) : 0);
            if ((f->alive >> i & 1) && r < best)
                best = r;
        }
        return best;
    default:
        if (!top)
            return 0;
        if (n->kind == K_INTEGER && n->bounded)
            return (uint32_t)int_more(n, f->phase, (int64_t)f->alive, f->off);
        if (n->kind == K_STRING) /* the closing quote is still to come */
            return sat_add(sat_add(jm_min_close(&m->jm), quote_extra(g)),
                           n->bounded && f->count < n->min_chars ? n->min_chars - f->count : 0);
        return jm_min_close(&m->jm);
    }
}

uint32_t sm_min_close(const schema_grammar *g, const schema_matcher *m)
{
    if (m->done)
        return 0;
    if (!m->depth)
        return g->nodes[g->root].min_len;
    uint32_t total = 0;
    for (uint32_t i = 0; i < m->depth; i++)
        total = sat_add(total, frame_rest(g, m, &m->f[i], i + 1 == m->depth));
    return total;
}

uint32_t token_mask_schema(const token_pieces *p, const schema_grammar *g,
                           const schema_matcher *m, uint32_t budget, float *logits)
{
    uint32_t allowed = 0;
    int32_t n = token_pieces_count(p);
    for (int32_t t = 0; t < n; t++) {
        uint32_t len;
        const char *b = token_pieces_get(p, t, &len);
        schema_matcher try = *m;
        /* Empty tokens make no progress: never allowed. */
        bool ok = len > 0 && sm_feed_all(g, &try, b, len) && sm_min_close(g, &try) <= budget;
        if (ok)
            allowed++;
        else
            logits[t] = -INFINITY;
    }
    return allowed;
}
