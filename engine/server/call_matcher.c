#include "call_matcher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SEG_PREFIX, SEG_NAME, SEG_MIDDLE, SEG_ARGS, SEG_SUFFIX, SEG_DONE };

/* XML arguments: blocks OPEN key KEY_CLOSE text VALUE_CLOSE, then END.
 * qwen_xml: <parameter=K>\nV\n</parameter>\n ... </function>
 * glm:      <arg_key>K</arg_key>\n<arg_value>V</arg_value>\n ... </tool_call> */
typedef struct xml_form {
    const char *open, *key_close, *value_close, *end;
} xml_form;
static const xml_form QWEN_FORM = {"<parameter=", ">\n", "\n</parameter>\n", "</function>"};
static const xml_form GLM_FORM = {"<arg_key>", "</arg_key>\n<arg_value>", "</arg_value>\n",
                                  "</tool_call>"};

enum { XS_START, XS_LT, XS_OPEN, XS_KEY, XS_KEY_MORE, XS_KEY_CLOSE, XS_TEXT, XS_END };

static uint32_t len_of(const char *s) { return (uint32_t)strlen(s); }

static bool key_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* One byte of XML arguments; *done once END is complete. Both OPEN and END
 * begin with '<' and differ in their second byte. */
static bool xml_feed(const xml_form *f, call_matcher *m, uint8_t c, bool *done)
{
    switch (m->xs) {
    case XS_START:
        if (c != '<')
            return false;
        m->xs = XS_LT;
        return true;
    case XS_LT:
        if (c != (uint8_t)f->open[1] && c != (uint8_t)f->end[1])
            return false;
        m->xs = c == (uint8_t)f->open[1] ? XS_OPEN : XS_END;
        m->off = 2;
        if (m->xs == XS_OPEN && !f->open[2])
            m->xs = XS_KEY;
        return true;
    case XS_OPEN:
        if ((uint8_t)f->open[m->off] != c)
            return false;
        if (!f->open[++m->off])
            m->xs = XS_KEY;
        return true;
    case XS_KEY:
    case XS_KEY_MORE:
        if (key_char(c)) {
            m->xs = XS_KEY_MORE;
            return true;
        }
        if (m->xs == XS_KEY_MORE && c == (uint8_t)f->key_close[0]) {
            m->off = 1;
            m->xs = f->key_close[1] ? XS_KEY_CLOSE : XS_TEXT;
            if (m->xs == XS_TEXT)
                m->off = 0;
            return true;
        }
        return false;
    case XS_KEY_CLOSE:
        if ((uint8_t)f->key_close[m->off] != c)
            return false;
        if (!f->key_close[++m->off]) {
            m->xs = XS_TEXT;
            m->off = 0;
        }
        return true;
    case XS_TEXT: /* anything up to VALUE_CLOSE, whose first byte occurs in it only there */
        if ((uint8_t)f->value_close[m->off] == c) {
            if (!f->value_close[++m->off])
                m->xs = XS_START;
        } else
            m->off = c == (uint8_t)f->value_close[0];
        return true;
    case XS_END:
        if ((uint8_t)f->end[m->off] != c)
            return false;
        if (!f->end[++m->off])
            *done = true;
        return true;
    }
    return false;
}

static uint32_t xml_min_close(const xml_form *f, const call_matcher *m)
{
    uint32_t end = len_of(f->end); /* another block is optional */
    uint32_t text = len_of(f->value_close) + end;
    uint32_t key_close = len_of(f->key_close);
    switch (m->xs) {
    case XS_START: return end;
    case XS_LT: return end - 1;
    case XS_OPEN: return len_of(f->open) - m->off + 1 + key_close + text;
    case XS_KEY: return 1 + key_close + text;
    case XS_KEY_MORE: return key_close + text;
    case XS_KEY_CLOSE: return key_close - m->off + text;
    case XS_TEXT: return len_of(f->value_close) - m->off + end;
    default: return end - m->off;
    }
}

static const xml_form *form_of(const call_grammar *g)
{
    return g->syntax == TOOL_SYNTAX_QWEN_XML ? &QWEN_FORM
           : g->syntax == TOOL_SYNTAX_GLM    ? &GLM_FORM
                                             : NULL;
}

call_grammar *call_grammar_new(tool_syntax s, const char *const *names, uint32_t n_names)
{
    if (n_names == 0 || n_names > CALL_MAX_NAMES)
        return NULL;
    call_grammar *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    tool_syntax_frame(s, &g->prefix, &g->middle, &g->suffix);
    g->syntax = s;
    for (uint32_t i = 0; i < n_names; i++) {
        size_t n = strlen(names[i]);
        g->names[i] = malloc(n + 2);
        if (!g->names[i])
            abort();
        memcpy(g->names[i], names[i], n);
        /* the closing quote (or >) ends the name: none is a prefix of another */
        g->names[i][n] = g->middle[0];
        g->names[i][n + 1] = 0;
        g->name_len[i] = (uint32_t)n + 1;
    }
    g->n_names = n_names;
    g->middle += 1; /* the frame's middle starts with that terminator, now in the names */
    return g;
}

void call_grammar_free(call_grammar *g)
{
    if (!g)
        return;
    for (uint32_t i = 0; i < g->n_names; i++) {
        free(g->names[i]);
        schema_grammar_free(g->schemas[i]);
    }
    free(g);
}

/* Once the name is read, exactly one stays alive (names are prefix-free):
 * its schema, or NULL. */
static const schema_grammar *schema_of(const call_grammar *g, const call_matcher *m)
{
    if (m->seg < SEG_MIDDLE || !m->alive)
        return NULL;
    return g->schemas[__builtin_ctzll(m->alive)];
}

/* The fewest bytes of name i's arguments. */
static uint32_t args_min(const call_grammar *g, uint32_t i, uint32_t plain)
{
    if (!g->schemas[i])
        return plain;
    schema_matcher fresh;
    sm_init(&fresh);
    return sm_min_close(g->schemas[i], &fresh);
}

void cm_init(const call_grammar *g, call_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->alive = g->n_names == 64 ? ~(uint64_t)0 : (((uint64_t)1 << g->n_names) - 1);
    jm_init(&m->jm);
    sm_init(&m->sm);
}

bool cm_done(const call_matcher *m) { return m->seg == SEG_DONE; }

static bool literal(const char *lit, call_matcher *m, uint8_t c, int next_seg)
{
    if ((uint8_t)lit[m->off] != c)
        return false;
    if (!lit[++m->off]) {
        m->seg = (uint8_t)next_seg;
        m->off = 0;
    }
    return true;
}

bool cm_feed(const call_grammar *g, call_matcher *m, uint8_t c)
{
    switch (m->seg) {
    case SEG_PREFIX: return literal(g->prefix, m, c, SEG_NAME);
    case SEG_NAME: {
        uint64_t alive = 0;
        bool complete = false;
        for (uint32_t i = 0; i < g->n_names; i++) {
            if (!(m->alive >> i & 1) || m->off >= g->name_len[i] ||
                (uint8_t)g->names[i][m->off] != c)
                continue;
            alive |= (uint64_t)1 << i;
            complete = complete || m->off + 1 == g->name_len[i];
        }
        if (!alive)
            return false;
        m->alive = alive;
        m->off++;
        if (complete) { /* the middle may be just the name's terminator */
            m->seg = g->middle[0] ? SEG_MIDDLE : SEG_ARGS;
            m->off = 0;
        }
        return true;
    }
    case SEG_MIDDLE: return literal(g->middle, m, c, SEG_ARGS);
    case SEG_ARGS:
        if (form_of(g)) {
            bool done = false;
            if (!xml_feed(form_of(g), m, c, &done))
                return false;
            if (done) {
                m->seg = g->suffix[0] ? SEG_SUFFIX : SEG_DONE;
                m->off = 0;
            }
            return true;
        }
        if (schema_of(g, m)) { /* a strict tool: the arguments follow its schema */
            if (!sm_feed(schema_of(g, m), &m->sm, c))
                return false;
            if (sm_done(&m->sm))
                m->seg = g->suffix[0] ? SEG_SUFFIX : SEG_DONE;
            return true;
        }
        if (!jm_feed(&m->jm, c))
            return false;
        if (jm_done(&m->jm))
            m->seg = g->suffix[0] ? SEG_SUFFIX : SEG_DONE;
        return true;
    case SEG_SUFFIX: return literal(g->suffix, m, c, SEG_DONE);
    default: return false; /* nothing follows the call */
    }
}

bool cm_feed_all(const call_grammar *g, call_matcher *m, const char *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!cm_feed(g, m, (uint8_t)p[i]))
            return false;
    return true;
}

uint32_t cm_min_close(const call_grammar *g, const call_matcher *m)
{
    uint32_t suffix = (uint32_t)strlen(g->suffix), middle = (uint32_t)strlen(g->middle);
    const xml_form *f = form_of(g);
    uint32_t plain = f ? len_of(f->end) : 2; /* the end of the blocks, or {} */
    /* the shortest name still possible with its arguments */
    uint32_t shortest = UINT32_MAX;
    for (uint32_t i = 0; i < g->n_names; i++)
        if (m->seg != SEG_NAME || (m->alive >> i & 1)) {
            uint32_t left = g->name_len[i] - (m->seg == SEG_NAME ? m->off : 0) + args_min(g, i, plain);
            if (left < shortest)
                shortest = left;
        }
    uint32_t args = m->seg >= SEG_MIDDLE && m->alive ? args_min(g, (uint32_t)__builtin_ctzll(m->alive), plain)
                                                      : plain;
    switch (m->seg) {
    case SEG_PREFIX:
        return (uint32_t)strlen(g->prefix) - m->off + shortest + middle + suffix;
    case SEG_NAME: return shortest + middle + suffix;
    case SEG_MIDDLE: return middle - m->off + args + suffix;
    case SEG_ARGS:
        return (f ? xml_min_close(f, m) : schema_of(g, m) ? sm_min_close(schema_of(g, m), &m->sm)
                                                          : jm_min_close(&m->jm)) + suffix;
    case SEG_SUFFIX: return suffix - m->off;
    default: return 0;
    }
}

uint32_t token_mask_call(const token_pieces *p, const call_grammar *g, const call_matcher *m,
                         uint32_t budget, float *logits)
{
    uint32_t allowed = 0;
    for (int32_t t = 0; t < token_pieces_count(p); t++) {
        uint32_t len;
        const char *b = token_pieces_get(p, t, &len);
        call_matcher try = *m;
        /* empty tokens (control, end of generation) make no progress */
        bool ok = len > 0 && cm_feed_all(g, &try, b, len) && cm_min_close(g, &try) <= budget;
        if (ok)
            allowed++;
        else
            logits[t] = -INFINITY;
    }
    return allowed;
}
