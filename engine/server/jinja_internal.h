/* Shared by the Jinja lexer/parser (jinja_parse.c), values (jinja_value.c)
 * and evaluator (jinja_eval.c). Every allocation of a compiled template or
 * of one render lives in an arena freed at once. */
#ifndef INFRAC_SERVER_JINJA_INTERNAL_H
#define INFRAC_SERVER_JINJA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* ---- arena ---- */

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t used_total, limit; /* limit 0 = none; past it ar_alloc fails */
    bool exhausted;
} arena;

/* Zeroed memory; NULL (and a->exhausted) past the limit. */
void *ar_alloc(arena *a, size_t n);
char *ar_strndup(arena *a, const char *s, size_t n);
void ar_free(arena *a);

/* ---- values ---- */

typedef enum jv_type {
    JV_UNDEFINED,
    JV_NONE,
    JV_BOOL,
    JV_INT,
    JV_FLOAT,
    JV_STRING,
    JV_LIST,
    JV_DICT,
    JV_NAMESPACE, /* namespace(): a dict whose attributes `set` may change */
    JV_MACRO,
    JV_BUILTIN,   /* a global function: range, namespace, raise_exception, ... */
    JV_METHOD,    /* obj.name, called next */
} jv_type;

typedef struct jstr {
    size_t len;
    char s[]; /* NUL-terminated */
} jstr;

typedef struct jv jv;
typedef struct jlist jlist;
typedef struct jdict jdict;
struct jnode;

struct jv {
    jv_type type;
    union {
        bool b;
        int64_t i;
        double f;
        jstr *s;
        jlist *l;
        jdict *d;
        const struct jnode *macro;
        int builtin;
        struct {
            jv *self;
            const char *name;
        } method;
    } u;
};

struct jlist {
    size_t n, cap;
    jv *items;
    bool tuple; /* prints as (a, b): dict items, tuple literals */
};

struct jdict { /* insertion-ordered, as Python's dicts */
    size_t n, cap;
    jstr **keys;
    jv *vals;
};

jv jv_undefined(void);
jv jv_none(void);
jv jv_bool(bool b);
jv jv_int(int64_t i);
jv jv_float(double f);
jv jv_str(arena *a, const char *s, size_t n);
jv jv_cstr(arena *a, const char *s);
jv jv_list(arena *a);
jv jv_dict(arena *a);
void jl_push(arena *a, jlist *l, jv v);
/* The value of key, or NULL. */
jv *jd_get(const jdict *d, const char *key, size_t klen);
void jd_set(arena *a, jdict *d, const char *key, size_t klen, jv v);

bool jv_truthy(jv v);
bool jv_equal(jv a, jv b);
/* -1, 0, 1; false when the two cannot be ordered. */
bool jv_compare(jv a, jv b, int *out);
/* Python's str(): None -> "None", True -> "True", 1.0 -> "1.0", lists and
 * dicts as Python writes them. Undefined -> "". */
void jv_to_string(jv v, strbuf *out);
/* json.dumps(v, ensure_ascii, indent (<0: none), separators, sort_keys). */
bool jv_to_json(jv v, strbuf *out, bool ensure_ascii, int indent, const char *item_sep,
                const char *key_sep, bool sort_keys);
const char *jv_type_name(jv v);
struct json_t;
jv jv_from_json(arena *a, struct json_t *j);

/* ---- syntax tree ---- */

typedef enum jnode_kind {
    /* statements */
    JN_TEXT,     /* str */
    JN_OUTPUT,   /* {{ a }} */
    JN_IF,       /* a cond, body, alt (else / elif chain) */
    JN_FOR,      /* targets, a iterable, c filter, body, alt (else) */
    JN_SET,      /* targets (names, or b = ns attr target), a value */
    JN_SET_BLOCK,/* str name, body */
    JN_MACRO,    /* str name, params, defaults, body */
    JN_BREAK,
    JN_CONTINUE,
    /* expressions */
    JN_LITERAL,  /* value */
    JN_NAME,     /* str */
    JN_LIST,     /* args */
    JN_DICT,     /* args: key, value, key, value ... */
    JN_ATTR,     /* a . str */
    JN_INDEX,    /* a [ b ] */
    JN_SLICE,    /* a [ b : c : d ] (NULL = omitted) */
    JN_CALL,     /* a ( args, kwnames/kwargs ) */
    JN_FILTER,   /* a | str ( args ) */
    JN_TEST,     /* a is [not] str ( args ) */
    JN_UNARY,    /* op a */
    JN_BINARY,   /* a op b */
    JN_TERNARY,  /* b if a else c */
} jnode_kind;

typedef struct jnode jnode;
typedef struct jnodes {
    size_t n;
    jnode **v;
} jnodes;

struct jnode {
    jnode_kind kind;
    int line;
    int op;          /* operator token for unary/binary; negated test */
    const char *str; /* text, name, attribute, filter, test, macro name */
    size_t len;      /* text length */
    jv value;        /* literal */
    jnode *a, *b, *c, *d;
    jnodes body, alt, args;
    const char **names; /* for targets, macro params, call kwargs (NULL = positional) */
    size_t n_names;
    jnodes defaults;    /* macro parameter defaults (NULL entries = none) */
};

/* Operators beyond single characters. */
enum {
    OP_EQ = 256, OP_NE, OP_LE, OP_GE, OP_FLOORDIV, OP_POW, OP_AND, OP_OR, OP_NOT, OP_IN,
    OP_NOT_IN,
};

struct jinja_template {
    arena mem;
    jnodes body;
};

/* The filters and tests the evaluator knows (checked at compile time). */
bool jinja_filter_known(const char *name);
bool jinja_test_known(const char *name);
bool jinja_global_known(const char *name);

#endif
