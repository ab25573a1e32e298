/* Lexer and parser of the Jinja subset (jinja.h): source text to a syntax
 * tree. Whitespace control follows Jinja's documented rules with
 * trim_blocks and lstrip_blocks on (what transformers sets): a block or
 * comment tag drops the one newline after it and the spaces and tabs before
 * it on its line; `-` on a tag side strips all whitespace on that side; `+`
 * after `{%` keeps the line's indentation. Precedence is jinja2's parser's
 * (jinja2/parser.py): or < and < not < comparisons and `in` < + - < ~ <
 * * / // % < ** < unary - + < filters, tests, calls, subscripts. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja.h"
#include "jinja_internal.h"

typedef enum tok_kind {
    T_EOF,
    T_TEXT,
    T_VAR_BEGIN,
    T_VAR_END,
    T_BLOCK_BEGIN,
    T_BLOCK_END,
    T_NAME,
    T_STRING,
    T_INT,
    T_FLOAT,
    T_OP,
} tok_kind;

typedef struct tok {
    tok_kind kind;
    int line;
    int op;
    const char *s; /* name, text, decoded string (arena) */
    size_t len;
    int64_t i;
    double f;
} tok;

typedef struct parser {
    arena *mem;
    const char *src;
    tok *toks;
    size_t n, cap, pos;
    char *err;
    size_t errlen;
    bool failed;
    const char *line_pos; /* line_at's memory */
    int line_no;
} parser;

static void fail(parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(parser *p, int line, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    int k = snprintf(p->err, p->errlen, "line %d: ", line);
    va_list ap;
    va_start(ap, fmt);
    if (k >= 0 && (size_t)k < p->errlen)
        vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

static tok *push(parser *p, tok_kind kind, int line)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->toks = realloc(p->toks, p->cap * sizeof *p->toks);
        if (!p->toks)
            abort();
    }
    tok *t = &p->toks[p->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->line = line;
    return t;
}

/* Lines are counted from the last position asked for: the lexer asks in
 * order, so the whole count is linear. */
static int line_at(parser *p, const char *at)
{
    if (!p->line_pos || at < p->line_pos) {
        p->line_pos = p->src;
        p->line_no = 1;
    }
    for (; p->line_pos < at; p->line_pos++)
        p->line_no += *p->line_pos == '\n';
    return p->line_no;
}

/* ---- lexer ---- */

static bool lex_string(parser *p, const char **cp, int line)
{
    const char *c = *cp;
    char q = *c++;
    strbuf b = {0};
    while (*c && *c != q) {
        if (*c == '\\' && c[1]) {
            c++;
            switch (*c) {
            case 'n': sb_append(&b, "\n", 1); break;
            case 't': sb_append(&b, "\t", 1); break;
            case 'r': sb_append(&b, "\r", 1); break;
            case '\\': sb_append(&b, "\\", 1); break;
            case '\'': sb_append(&b, "'", 1); break;
            case '"': sb_append(&b, "\"", 1); break;
            case '\n': break; /* a line continuation */
            default: sb_append(&b, c - 1, 2); break; /* Python keeps unknown escapes */
            }
            c++;
            continue;
        }
        sb_append(&b, c, 1);
        c++;
    }
    if (*c != q) {
        sb_free(&b);
        fail(p, line, "unterminated string literal");
        return false;
    }
    tok *t = push(p, T_STRING, line);
    t->s = ar_strndup(p->mem, b.p ? b.p : "", b.len);
    t->len = b.len;
    sb_free(&b);
    *cp = c + 1;
    return true;
}

/* Tokens of one tag's inside, up to its closer; *cp is left after it.
 * Returns the closer's strip flag through *strip_after. */
static bool lex_tag(parser *p, const char **cp, char closer, bool *strip_after)
{
    const char *c = *cp;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
            c++;
        int line = line_at(p, c);
        if (!*c) {
            fail(p, line, "unclosed tag: '%c}' expected", closer);
            return false;
        }
        if (c[0] == '-' && c[1] == closer && c[2] == '}') {
            *strip_after = true;
            *cp = c + 3;
            return true;
        }
        if (c[0] == closer && c[1] == '}') {
            *strip_after = false;
            *cp = c + 2;
            return true;
        }
        if (isalpha((unsigned char)*c) || *c == '_') {
            const char *s = c;
            while (isalnum((unsigned char)*c) || *c == '_')
                c++;
            tok *t = push(p, T_NAME, line);
            t->s = ar_strndup(p->mem, s, (size_t)(c - s));
            t->len = (size_t)(c - s);
            continue;
        }
        if (isdigit((unsigned char)*c)) {
            const char *s = c;
            while (isdigit((unsigned char)*c) || *c == '_')
                c++;
            bool is_float = false;
            if (*c == '.' && isdigit((unsigned char)c[1])) {
                is_float = true;
                c++;
                while (isdigit((unsigned char)*c))
                    c++;
            }
            if (*c == 'e' || *c == 'E') {
                const char *e = c + 1;
                if (*e == '+' || *e == '-')
                    e++;
                if (isdigit((unsigned char)*e)) {
                    is_float = true;
                    c = e;
                    while (isdigit((unsigned char)*c))
                        c++;
                }
            }
            char num[64];
            size_t k = 0;
            for (const char *d = s; d < c && k < sizeof num - 1; d++)
                if (*d != '_')
                    num[k++] = *d;
            num[k] = 0;
            tok *t = push(p, is_float ? T_FLOAT : T_INT, line);
            errno = 0;
            if (is_float)
                t->f = strtod(num, NULL);
            else
                t->i = strtoll(num, NULL, 10);
            if (errno) {
                fail(p, line, "number out of range: %s", num);
                return false;
            }
            continue;
        }
        if (*c == '\'' || *c == '"') {
            if (!lex_string(p, &c, line))
                return false;
            continue;
        }
        static const struct {
            const char *s;
            int op;
        } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
                   {"//", OP_FLOORDIV}, {"**", OP_POW}};
        int op = 0;
        for (size_t i = 0; i < sizeof ops / sizeof *ops && !op; i++)
            if (c[0] == ops[i].s[0] && c[1] == ops[i].s[1]) {
                op = ops[i].op;
                c += 2;
            }
        if (!op) {
            if (!strchr("+-*/%~<>=()[]{},.:|", *c)) {
                fail(p, line, "unexpected character '%c'", *c);
                return false;
            }
            op = (unsigned char)*c++;
        }
        push(p, T_OP, line)->op = op;
    }
}

static bool lex(parser *p)
{
    const char *c = p->src;
    bool lstrip_next = false; /* a `-` closer: strip the next text's leading whitespace */
    bool trim_newline = false; /* a block closer: drop one newline */
    while (*c) {
        const char *open = c;
        while (*open && !(open[0] == '{' && (open[1] == '{' || open[1] == '%' || open[1] == '#')))
            open++;
        const char *text = c, *text_end = open;
        if (trim_newline) {
            if (text < text_end && *text == '\n')
                text++;
            else if (text + 1 < text_end && text[0] == '\r' && text[1] == '\n')
                text += 2;
        }
        if (lstrip_next)
            while (text < text_end && isspace((unsigned char)*text))
                text++;
        trim_newline = lstrip_next = false;
        char kind = *open ? open[1] : 0;
        if (*open && open[2] == '-') {
            while (text_end > text && isspace((unsigned char)text_end[-1]))
                text_end--;
        } else if (*open && (kind == '%' || kind == '#') && open[2] != '+') {
            /* lstrip_blocks: only when the tag starts its line */
            const char *b = text_end;
            while (b > text && (b[-1] == ' ' || b[-1] == '\t'))
                b--;
            if (b == p->src || b[-1] == '\n')
                text_end = b;
        }
        if (text_end > text) {
            tok *t = push(p, T_TEXT, line_at(p, text));
            t->s = text;
            t->len = (size_t)(text_end - text);
        }
        if (!*open)
            break;
        int line = line_at(p, open);
        c = open + 2;
        if (*c == '-' || *c == '+')
            c++;
        if (kind == '#') {
            const char *end = strstr(c, "#}");
            if (!end) {
                fail(p, line, "unclosed comment");
                return false;
            }
            lstrip_next = end > c && end[-1] == '-';
            trim_newline = !lstrip_next;
            c = end + 2;
            continue;
        }
        push(p, kind == '{' ? T_VAR_BEGIN : T_BLOCK_BEGIN, line);
        bool strip_after = false;
        if (!lex_tag(p, &c, kind == '{' ? '}' : '%', &strip_after))
            return false;
        push(p, kind == '{' ? T_VAR_END : T_BLOCK_END, line_at(p, c));
        lstrip_next = strip_after;
        trim_newline = kind == '%' && !strip_after;
    }
    push(p, T_EOF, line_at(p, c));
    return !p->failed;
}

/* ---- parser ---- */

static tok *peek(parser *p) { return &p->toks[p->pos]; }
static tok *peek2(parser *p) { return &p->toks[p->pos + (p->toks[p->pos].kind != T_EOF)]; }
static tok *next(parser *p)
{
    tok *t = &p->toks[p->pos];
    if (t->kind != T_EOF)
        p->pos++;
    return t;
}
static bool is_op(tok *t, int op) { return t->kind == T_OP && t->op == op; }
static bool is_name(tok *t, const char *s)
{
    return t->kind == T_NAME && t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}
static bool accept_op(parser *p, int op)
{
    if (is_op(peek(p), op)) {
        next(p);
        return true;
    }
    return false;
}
static bool accept_name(parser *p, const char *s)
{
    if (is_name(peek(p), s)) {
        next(p);
        return true;
    }
    return false;
}

static const char *describe(tok *t, char *buf, size_t n)
{
    switch (t->kind) {
    case T_EOF: return "the end of the template";
    case T_TEXT: return "text";
    case T_VAR_BEGIN: return "'{{'";
    case T_VAR_END: return "'}}'";
    case T_BLOCK_BEGIN: return "'{%'";
    case T_BLOCK_END: return "'%}'";
    case T_NAME: snprintf(buf, n, "'%.40s'", t->s); return buf;
    case T_STRING: return "a string";
    case T_INT:
    case T_FLOAT: return "a number";
    case T_OP:
        if (t->op < 256)
            snprintf(buf, n, "'%c'", t->op);
        else
            snprintf(buf, n, "an operator");
        return buf;
    }
    return "?";
}

static bool expect_op(parser *p, int op, const char *what)
{
    if (accept_op(p, op))
        return true;
    char buf[64];
    fail(p, peek(p)->line, "expected %s, found %s", what, describe(peek(p), buf, sizeof buf));
    return false;
}

static jnode *node(parser *p, jnode_kind kind, int line)
{
    jnode *n = ar_alloc(p->mem, sizeof *n);
    if (!n) {
        fail(p, line, "template too large");
        return NULL;
    }
    n->kind = kind;
    n->line = line;
    return n;
}

static void nodes_push(parser *p, jnodes *v, jnode *n)
{
    jnode **grown = ar_alloc(p->mem, (v->n + 1) * sizeof *grown);
    if (!grown) {
        fail(p, n ? n->line : 0, "template too large");
        return;
    }
    if (v->n)
        memcpy(grown, v->v, v->n * sizeof *grown);
    grown[v->n++] = n;
    v->v = grown;
}

static const char **names_push(parser *p, const char **names, size_t n, const char *s)
{
    const char **grown = ar_alloc(p->mem, (n + 1) * sizeof *grown);
    if (!grown)
        return names;
    if (n)
        memcpy(grown, names, n * sizeof *grown);
    grown[n] = s;
    return grown;
}

static jnode *parse_expr(parser *p);
static jnode *parse_or(parser *p);
static jnode *parse_unary(parser *p, bool with_filter);

static void parse_call_args(parser *p, jnode *n)
{
    /* after '(' */
    while (!p->failed && !is_op(peek(p), ')')) {
        const char *kw = NULL;
        if (peek(p)->kind == T_NAME && is_op(peek2(p), '=')) {
            kw = next(p)->s;
            next(p);
        }
        jnode *arg = parse_expr(p);
        if (!arg)
            return;
        nodes_push(p, &n->args, arg);
        n->names = names_push(p, n->names, n->n_names, kw);
        n->n_names++;
        if (!accept_op(p, ','))
            break;
    }
    expect_op(p, ')', "')'");
}

static jnode *parse_primary(parser *p)
{
    tok *t = next(p);
    jnode *n;
    switch (t->kind) {
    case T_NAME:
        if (is_name(t, "true") || is_name(t, "True") || is_name(t, "false") ||
            is_name(t, "False")) {
            n = node(p, JN_LITERAL, t->line);
            if (n)
                n->value = jv_bool(t->s[0] == 't' || t->s[0] == 'T');
            return n;
        }
        if (is_name(t, "none") || is_name(t, "None")) {
            n = node(p, JN_LITERAL, t->line);
            if (n)
                n->value = jv_none();
            return n;
        }
        n = node(p, JN_NAME, t->line);
        if (n)
            n->str = t->s;
        return n;
    case T_STRING: {
        strbuf b = {0};
        sb_append(&b, t->s, t->len);
        while (peek(p)->kind == T_STRING) { /* adjacent literals join, as in Python */
            tok *u = next(p);
            sb_append(&b, u->s, u->len);
        }
        n = node(p, JN_LITERAL, t->line);
        if (n)
            n->value = jv_str(p->mem, b.p ? b.p : "", b.len);
        sb_free(&b);
        return n;
    }
    case T_INT:
        n = node(p, JN_LITERAL, t->line);
        if (n)
            n->value = jv_int(t->i);
        return n;
    case T_FLOAT:
        n = node(p, JN_LITERAL, t->line);
        if (n)
            n->value = jv_float(t->f);
        return n;
    case T_OP:
        if (t->op == '(') {
            if (accept_op(p, ')')) {
                n = node(p, JN_LIST, t->line); /* () */
                if (n)
                    n->op = '(';
                return n;
            }
            jnode *first = parse_expr(p);
            if (!first)
                return NULL;
            if (accept_op(p, ')'))
                return first;
            n = node(p, JN_LIST, t->line); /* a tuple: a list that prints as one */
            if (!n)
                return NULL;
            n->op = '(';
            nodes_push(p, &n->args, first);
            while (accept_op(p, ',') && !is_op(peek(p), ')')) {
                jnode *e = parse_expr(p);
                if (!e)
                    return NULL;
                nodes_push(p, &n->args, e);
            }
            return expect_op(p, ')', "')'") ? n : NULL;
        }
        if (t->op == '[') {
            n = node(p, JN_LIST, t->line);
            while (n && !p->failed && !is_op(peek(p), ']')) {
                jnode *e = parse_expr(p);
                if (!e)
                    return NULL;
                nodes_push(p, &n->args, e);
                if (!accept_op(p, ','))
                    break;
            }
            return expect_op(p, ']', "']'") ? n : NULL;
        }
        if (t->op == '{') {
            n = node(p, JN_DICT, t->line);
            while (n && !p->failed && !is_op(peek(p), '}')) {
                jnode *k = parse_expr(p);
                if (!k || !expect_op(p, ':', "':'"))
                    return NULL;
                jnode *v = parse_expr(p);
                if (!v)
                    return NULL;
                nodes_push(p, &n->args, k);
                nodes_push(p, &n->args, v);
                if (!accept_op(p, ','))
                    break;
            }
            return expect_op(p, '}', "'}'") ? n : NULL;
        }
        break;
    default: break;
    }
    char buf[64];
    fail(p, t->line, "expected an expression, found %s", describe(t, buf, sizeof buf));
    return NULL;
}

static jnode *parse_postfix(parser *p, jnode *n)
{
    while (n && !p->failed) {
        tok *t = peek(p);
        if (is_op(t, '.')) {
            next(p);
            tok *name = next(p);
            if (name->kind != T_NAME && name->kind != T_INT) {
                fail(p, name->line, "expected an attribute name after '.'");
                return NULL;
            }
            jnode *a = node(p, name->kind == T_NAME ? JN_ATTR : JN_INDEX, t->line);
            if (!a)
                return NULL;
            a->a = n;
            if (name->kind == T_NAME)
                a->str = name->s;
            else {
                a->b = node(p, JN_LITERAL, t->line);
                if (a->b)
                    a->b->value = jv_int(name->i);
            }
            n = a;
        } else if (is_op(t, '[')) {
            next(p);
            jnode *lo = NULL, *hi = NULL, *step = NULL;
            bool slice = false;
            if (!is_op(peek(p), ':'))
                lo = parse_expr(p);
            if (accept_op(p, ':')) {
                slice = true;
                if (!is_op(peek(p), ':') && !is_op(peek(p), ']'))
                    hi = parse_expr(p);
                if (accept_op(p, ':') && !is_op(peek(p), ']'))
                    step = parse_expr(p);
            }
            if (p->failed || !expect_op(p, ']', "']'"))
                return NULL;
            jnode *s = node(p, slice ? JN_SLICE : JN_INDEX, t->line);
            if (!s)
                return NULL;
            s->a = n;
            s->b = lo;
            s->c = hi;
            s->d = step;
            if (!slice && !lo) {
                fail(p, t->line, "empty subscript");
                return NULL;
            }
            n = s;
        } else if (is_op(t, '(')) {
            next(p);
            jnode *c = node(p, JN_CALL, t->line);
            if (!c)
                return NULL;
            c->a = n;
            parse_call_args(p, c);
            n = c;
        } else
            break;
    }
    return p->failed ? NULL : n;
}

static bool starts_test_arg(tok *t)
{
    if (t->kind == T_STRING || t->kind == T_INT || t->kind == T_FLOAT)
        return true;
    if (t->kind != T_NAME)
        return false;
    static const char *const stop[] = {"and", "or", "else", "if", "not", "in", "is"};
    for (size_t i = 0; i < sizeof stop / sizeof *stop; i++)
        if (is_name(t, stop[i]))
            return false;
    return true;
}

static jnode *parse_filters(parser *p, jnode *n)
{
    while (n && !p->failed) {
        tok *t = peek(p);
        if (is_op(t, '|')) {
            next(p);
            tok *name = next(p);
            if (name->kind != T_NAME) {
                fail(p, name->line, "expected a filter name after '|'");
                return NULL;
            }
            if (!jinja_filter_known(name->s)) {
                fail(p, name->line, "unsupported filter '%s'", name->s);
                return NULL;
            }
            jnode *f = node(p, JN_FILTER, name->line);
            if (!f)
                return NULL;
            f->a = n;
            f->str = name->s;
            if (accept_op(p, '('))
                parse_call_args(p, f);
            n = parse_postfix(p, f);
        } else if (is_name(t, "is")) {
            next(p);
            bool negated = accept_name(p, "not");
            tok *name = next(p);
            if (name->kind != T_NAME) {
                fail(p, name->line, "expected a test name after 'is'");
                return NULL;
            }
            if (!jinja_test_known(name->s)) {
                fail(p, name->line, "unsupported test '%s'", name->s);
                return NULL;
            }
            jnode *f = node(p, JN_TEST, name->line);
            if (!f)
                return NULL;
            f->a = n;
            f->str = name->s;
            f->op = negated;
            if (accept_op(p, '('))
                parse_call_args(p, f);
            else if (starts_test_arg(peek(p))) {
                jnode *arg = parse_primary(p);
                if (!arg)
                    return NULL;
                nodes_push(p, &f->args, arg);
                f->names = names_push(p, f->names, f->n_names, NULL);
                f->n_names++;
            }
            n = f;
        } else
            break;
    }
    return p->failed ? NULL : n;
}

static jnode *parse_unary(parser *p, bool with_filter)
{
    tok *t = peek(p);
    jnode *n;
    if (is_op(t, '-') || is_op(t, '+')) {
        next(p);
        n = node(p, JN_UNARY, t->line);
        if (!n)
            return NULL;
        n->op = t->op;
        n->a = parse_unary(p, false);
        if (!n->a)
            return NULL;
    } else
        n = parse_postfix(p, parse_primary(p));
    return with_filter ? parse_filters(p, n) : n;
}

static jnode *binary(parser *p, int op, int line, jnode *a, jnode *b)
{
    if (!a || !b)
        return NULL;
    jnode *n = node(p, JN_BINARY, line);
    if (n) {
        n->op = op;
        n->a = a;
        n->b = b;
    }
    return n;
}

static jnode *parse_pow(parser *p)
{
    jnode *n = parse_unary(p, true);
    while (n && is_op(peek(p), OP_POW)) {
        int line = next(p)->line;
        n = binary(p, OP_POW, line, n, parse_unary(p, true));
    }
    return n;
}

static jnode *parse_math2(parser *p)
{
    jnode *n = parse_pow(p);
    while (n) {
        tok *t = peek(p);
        if (!(is_op(t, '*') || is_op(t, '/') || is_op(t, OP_FLOORDIV) || is_op(t, '%')))
            break;
        next(p);
        n = binary(p, t->op, t->line, n, parse_pow(p));
    }
    return n;
}

static jnode *parse_concat(parser *p)
{
    jnode *n = parse_math2(p);
    while (n && is_op(peek(p), '~')) {
        int line = next(p)->line;
        n = binary(p, '~', line, n, parse_math2(p));
    }
    return n;
}

static jnode *parse_math1(parser *p)
{
    jnode *n = parse_concat(p);
    while (n) {
        tok *t = peek(p);
        if (!is_op(t, '+') && !is_op(t, '-'))
            break;
        next(p);
        n = binary(p, t->op, t->line, n, parse_concat(p));
    }
    return n;
}

static jnode *parse_compare(parser *p)
{
    jnode *n = parse_math1(p);
    while (n) {
        tok *t = peek(p);
        int op = 0;
        if (t->kind == T_OP && (t->op == OP_EQ || t->op == OP_NE || t->op == '<' || t->op == '>' ||
                                t->op == OP_LE || t->op == OP_GE))
            op = t->op;
        else if (is_name(t, "in"))
            op = OP_IN;
        else if (is_name(t, "not") && is_name(peek2(p), "in")) {
            next(p);
            op = OP_NOT_IN;
        } else
            break;
        next(p);
        n = binary(p, op, t->line, n, parse_math1(p));
    }
    return n;
}

static jnode *parse_not(parser *p)
{
    tok *t = peek(p);
    if (is_name(t, "not")) {
        next(p);
        jnode *n = node(p, JN_UNARY, t->line);
        if (!n)
            return NULL;
        n->op = OP_NOT;
        n->a = parse_not(p);
        return n->a ? n : NULL;
    }
    return parse_compare(p);
}

static jnode *parse_and(parser *p)
{
    jnode *n = parse_not(p);
    while (n && is_name(peek(p), "and")) {
        int line = next(p)->line;
        n = binary(p, OP_AND, line, n, parse_not(p));
    }
    return n;
}

static jnode *parse_or(parser *p)
{
    jnode *n = parse_and(p);
    while (n && is_name(peek(p), "or")) {
        int line = next(p)->line;
        n = binary(p, OP_OR, line, n, parse_and(p));
    }
    return n;
}

static jnode *parse_expr(parser *p)
{
    jnode *n = parse_or(p);
    if (n && is_name(peek(p), "if")) {
        int line = next(p)->line;
        jnode *t = node(p, JN_TERNARY, line);
        if (!t)
            return NULL;
        t->b = n;
        t->a = parse_or(p);
        if (!t->a)
            return NULL;
        if (accept_name(p, "else")) {
            t->c = parse_expr(p);
            if (!t->c)
                return NULL;
        }
        return t;
    }
    return n;
}

/* ---- statements ---- */

static bool expect_block_end(parser *p)
{
    if (peek(p)->kind == T_BLOCK_END) {
        next(p);
        return true;
    }
    char buf[64];
    fail(p, peek(p)->line, "expected '%%}', found %s", describe(peek(p), buf, sizeof buf));
    return false;
}

/* Parses statements until a block whose keyword is in ends (NULL-terminated)
 * or the end of the template (ends == NULL). Returns the keyword met, its
 * `{%` already consumed and the keyword too. */
static const char *parse_body(parser *p, jnodes *out, const char *const *ends, const char *what,
                              int open_line);

static const char *const END_IF[] = {"elif", "else", "endif", NULL};
static const char *const END_FOR[] = {"else", "endfor", NULL};
static const char *const END_FOR_ONLY[] = {"endfor", NULL};
static const char *const END_IF_ONLY[] = {"endif", NULL};
static const char *const END_MACRO[] = {"endmacro", NULL};
static const char *const END_SET[] = {"endset", NULL};

static jnode *parse_if(parser *p, int line)
{
    jnode *n = node(p, JN_IF, line);
    if (!n || !(n->a = parse_expr(p)) || !expect_block_end(p))
        return NULL;
    const char *end = parse_body(p, &n->body, END_IF, "if", line);
    if (!end)
        return NULL;
    if (strcmp(end, "elif") == 0) {
        jnode *e = parse_if(p, peek(p)->line);
        if (!e)
            return NULL;
        nodes_push(p, &n->alt, e);
        return n; /* the nested if consumed the endif */
    }
    if (strcmp(end, "else") == 0) {
        if (!expect_block_end(p) || !parse_body(p, &n->alt, END_IF_ONLY, "if", line))
            return NULL;
    }
    return expect_block_end(p) ? n : NULL;
}

static jnode *parse_for(parser *p, int line)
{
    jnode *n = node(p, JN_FOR, line);
    if (!n)
        return NULL;
    do {
        tok *t = next(p);
        if (t->kind != T_NAME) {
            fail(p, t->line, "expected a loop variable name after 'for'");
            return NULL;
        }
        n->names = names_push(p, n->names, n->n_names++, t->s);
    } while (accept_op(p, ','));
    if (!accept_name(p, "in")) {
        fail(p, peek(p)->line, "expected 'in' in the for statement");
        return NULL;
    }
    n->a = parse_or(p); /* no conditional expression: `if` filters the loop */
    if (!n->a)
        return NULL;
    if (accept_name(p, "if") && !(n->c = parse_or(p)))
        return NULL;
    if (is_name(peek(p), "recursive")) {
        fail(p, peek(p)->line, "unsupported: recursive for loops");
        return NULL;
    }
    if (!expect_block_end(p))
        return NULL;
    const char *end = parse_body(p, &n->body, END_FOR, "for", line);
    if (!end)
        return NULL;
    if (strcmp(end, "else") == 0 &&
        (!expect_block_end(p) || !parse_body(p, &n->alt, END_FOR_ONLY, "for", line)))
        return NULL;
    return expect_block_end(p) ? n : NULL;
}

static jnode *parse_set(parser *p, int line)
{
    tok *t = next(p);
    if (t->kind != T_NAME) {
        fail(p, t->line, "expected a variable name after 'set'");
        return NULL;
    }
    jnode *n = node(p, JN_SET, line);
    if (!n)
        return NULL;
    n->names = names_push(p, n->names, n->n_names++, t->s);
    if (accept_op(p, '.')) { /* ns.attr = value */
        tok *a = next(p);
        if (a->kind != T_NAME) {
            fail(p, a->line, "expected an attribute name in 'set'");
            return NULL;
        }
        n->str = a->s;
    } else if (is_op(peek(p), ',')) {
        while (accept_op(p, ',')) {
            tok *u = next(p);
            if (u->kind != T_NAME) {
                fail(p, u->line, "expected a variable name in 'set'");
                return NULL;
            }
            n->names = names_push(p, n->names, n->n_names++, u->s);
        }
    }
    if (!accept_op(p, '=')) {
        if (n->n_names != 1 || n->str || peek(p)->kind != T_BLOCK_END) {
            fail(p, peek(p)->line, "expected '=' in 'set'");
            return NULL;
        }
        next(p);
        n->kind = JN_SET_BLOCK;
        n->str = n->names[0];
        if (!parse_body(p, &n->body, END_SET, "set", line))
            return NULL;
        return expect_block_end(p) ? n : NULL;
    }
    if (!(n->a = parse_expr(p)))
        return NULL;
    if (n->n_names > 1 && is_op(peek(p), ',')) { /* a, b = x, y */
        jnode *l = node(p, JN_LIST, line);
        if (!l)
            return NULL;
        nodes_push(p, &l->args, n->a);
        while (accept_op(p, ',')) {
            jnode *e = parse_expr(p);
            if (!e)
                return NULL;
            nodes_push(p, &l->args, e);
        }
        n->a = l;
    }
    return expect_block_end(p) ? n : NULL;
}

static jnode *parse_macro(parser *p, int line)
{
    tok *t = next(p);
    if (t->kind != T_NAME) {
        fail(p, t->line, "expected a macro name");
        return NULL;
    }
    jnode *n = node(p, JN_MACRO, line);
    if (!n || !expect_op(p, '(', "'(' after the macro name"))
        return NULL;
    n->str = t->s;
    while (!p->failed && !is_op(peek(p), ')')) {
        tok *a = next(p);
        if (a->kind != T_NAME) {
            fail(p, a->line, "expected a parameter name");
            return NULL;
        }
        n->names = names_push(p, n->names, n->n_names++, a->s);
        jnode *def = NULL;
        if (accept_op(p, '=') && !(def = parse_expr(p)))
            return NULL;
        nodes_push(p, &n->defaults, def);
        if (!accept_op(p, ','))
            break;
    }
    if (!expect_op(p, ')', "')'") || !expect_block_end(p))
        return NULL;
    if (!parse_body(p, &n->body, END_MACRO, "macro", line))
        return NULL;
    if (peek(p)->kind == T_NAME) /* {% endmacro name %} */
        next(p);
    return expect_block_end(p) ? n : NULL;
}

static const char *parse_body(parser *p, jnodes *out, const char *const *ends, const char *what,
                              int open_line)
{
    while (!p->failed) {
        tok *t = next(p);
        if (t->kind == T_EOF) {
            if (!ends)
                return "";
            fail(p, open_line, "'%s' block is never closed (expected '%s')", what, ends[0]);
            return NULL;
        }
        if (t->kind == T_TEXT) {
            jnode *n = node(p, JN_TEXT, t->line);
            if (!n)
                return NULL;
            n->str = ar_strndup(p->mem, t->s, t->len); /* the source need not outlive it */
            n->len = t->len;
            nodes_push(p, out, n);
            continue;
        }
        if (t->kind == T_VAR_BEGIN) {
            jnode *n = node(p, JN_OUTPUT, t->line);
            if (!n || !(n->a = parse_expr(p)))
                return NULL;
            if (peek(p)->kind != T_VAR_END) {
                char buf[64];
                fail(p, peek(p)->line, "expected '}}', found %s",
                     describe(peek(p), buf, sizeof buf));
                return NULL;
            }
            next(p);
            nodes_push(p, out, n);
            continue;
        }
        if (t->kind != T_BLOCK_BEGIN) {
            char buf[64];
            fail(p, t->line, "unexpected %s", describe(t, buf, sizeof buf));
            return NULL;
        }
        tok *kw = next(p);
        if (kw->kind != T_NAME) {
            fail(p, kw->line, "expected a statement name after '{%%'");
            return NULL;
        }
        for (size_t i = 0; ends && ends[i]; i++)
            if (is_name(kw, ends[i]))
                return ends[i];
        jnode *n = NULL;
        if (is_name(kw, "if"))
            n = parse_if(p, kw->line);
        else if (is_name(kw, "for"))
            n = parse_for(p, kw->line);
        else if (is_name(kw, "set"))
            n = parse_set(p, kw->line);
        else if (is_name(kw, "macro"))
            n = parse_macro(p, kw->line);
        else if (is_name(kw, "break") || is_name(kw, "continue")) {
            n = node(p, kw->s[0] == 'b' ? JN_BREAK : JN_CONTINUE, kw->line);
            if (n && !expect_block_end(p))
                return NULL;
        } else if (strncmp(kw->s, "end", 3) == 0 || is_name(kw, "elif") || is_name(kw, "else")) {
            fail(p, kw->line, "unexpected '{%% %s %%}'%s%s", kw->s,
                 ends ? " inside a block expecting " : "", ends ? ends[0] : "");
            return NULL;
        } else {
            fail(p, kw->line, "unsupported statement '{%% %s %%}'", kw->s);
            return NULL;
        }
        if (!n)
            return NULL;
        nodes_push(p, out, n);
    }
    return NULL;
}

/* Calls of global names that are neither built in nor a macro of the
 * template are refused at compile time, like unknown filters. */
static void collect_macros(const jnodes *b, const char ***names, size_t *n, parser *p)
{
    for (size_t i = 0; i < b->n; i++) {
        const jnode *s = b->v[i];
        if (s->kind == JN_MACRO) {
            *names = names_push(p, *names, *n, s->str);
            (*n)++;
        }
        collect_macros(&s->body, names, n, p);
        collect_macros(&s->alt, names, n, p);
    }
}

static void check_calls(parser *p, const jnode *e, const char **macros, size_t n_macros)
{
    if (!e || p->failed)
        return;
    if (e->kind == JN_CALL && e->a->kind == JN_NAME && !jinja_global_known(e->a->str)) {
        bool found = false;
        for (size_t i = 0; i < n_macros && !found; i++)
            found = strcmp(macros[i], e->a->str) == 0;
        if (!found) {
            fail(p, e->line, "unsupported function '%s'", e->a->str);
            return;
        }
    }
    check_calls(p, e->a, macros, n_macros);
    check_calls(p, e->b, macros, n_macros);
    check_calls(p, e->c, macros, n_macros);
    check_calls(p, e->d, macros, n_macros);
    const jnodes *lists[] = {&e->body, &e->alt, &e->args, &e->defaults};
    for (size_t l = 0; l < 4; l++)
        for (size_t i = 0; i < lists[l]->n; i++)
            check_calls(p, lists[l]->v[i], macros, n_macros);
}

jinja_template *jinja_compile(const char *source, char *err, size_t errlen)
{
    jinja_template *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->mem.limit = 64u << 20;
    parser p = {.mem = &t->mem, .src = source, .err = err, .errlen = errlen};
    if (errlen)
        err[0] = 0;
    if (lex(&p) && parse_body(&p, &t->body, NULL, NULL, 0)) {
        const char **macros = NULL;
        size_t n_macros = 0;
        collect_macros(&t->body, &macros, &n_macros, &p);
        for (size_t i = 0; i < t->body.n; i++)
            check_calls(&p, t->body.v[i], macros, n_macros);
    }
    free(p.toks);
    if (p.failed) {
        jinja_free(t);
        return NULL;
    }
    return t;
}

void jinja_free(jinja_template *t)
{
    if (!t)
        return;
    ar_free(&t->mem);
    free(t);
}
