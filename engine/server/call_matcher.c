#include "call_matcher.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
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

/* ---- Gemma 4 arguments -------------------------------------------------
 * The template (format_argument in tests/data/chat_templates/gemma4.jinja)
 * writes a call's arguments as {key:VALUE,...}: keys bare, strings between
 * <|"|> quotes with their text as is, numbers, true, false and null as JSON
 * writes them, arrays as [...]. llama.cpp's grammar for it
 * (common/parsers/gemma4.cpp) reads a key as [^:}]+ before ':' and a string
 * as anything up to the next <|"|>. Each byte is translated into the JSON it
 * stands for and fed to the JSON matcher (or a strict tool's schema
 * matcher), so the arguments tool_calls.c's parser gives back are the JSON
 * those matchers accepted. The output has no whitespace outside strings.
 * A string's text needs JSON escapes ("  \  control bytes); a '<' in it is
 * held until it is known to be text or the closing quote. */
enum { G_OUT, G_KEY, G_STR };
#define QUOTE_LEN ((uint8_t)(sizeof GEMMA4_QUOTE - 1))
#define GEMMA_BIG (UINT32_MAX / 4)

/* Bytes a bare key may hold: what both parsers read as the key (not : or },
 * no leading space) and no byte that means something else here. */
static bool gemma_key_byte(uint8_t c)
{
    return c > ' ' && !strchr(":}{[]<,\"\\", c);
}

bool gemma4_schema_keys_ok(const json_t *schema, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    if (json_is_array(schema)) {
        size_t i;
        json_array_foreach(schema, i, v) {
            if (!gemma4_schema_keys_ok(v, err, errlen))
                return false;
        }
        return true;
    }
    if (!json_is_object(schema))
        return true;
    json_t *props = json_object_get(schema, "properties");
    if (json_is_object(props))
        json_object_foreach(props, key, v) {
            bool ok = *key != 0;
            for (const char *k = key; *k && ok; k++)
                ok = gemma_key_byte((uint8_t)*k);
            if (!ok) {
                snprintf(err, errlen,
                         "property '%s': Gemma 4 writes keys bare, which cannot hold an empty "
                         "key, whitespace, control bytes or any of : } { [ ] < , \" \\",
                         key);
                return false;
            }
        }
    json_object_foreach((json_t *)schema, key, v) {
        if (!gemma4_schema_keys_ok(v, err, errlen))
            return false;
    }
    return true;
}

static bool inner_feed(const call_grammar *g, call_matcher *m, uint8_t c)
{
    const schema_grammar *s = schema_of(g, m);
    return s ? sm_feed(s, &m->sm, c) : jm_feed(&m->jm, c);
}

static bool inner_feed_all(const call_grammar *g, call_matcher *m, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!inner_feed(g, m, (uint8_t)p[i]))
            return false;
    return true;
}

static bool inner_done(const call_grammar *g, const call_matcher *m)
{
    return schema_of(g, m) ? sm_done(&m->sm) : jm_done(&m->jm);
}

/* One byte of a string's text, as JSON (RFC 8259 section 7). */
static bool gemma_text_byte(const call_grammar *g, call_matcher *m, uint8_t c)
{
    static const char from[] = "\b\f\n\r\t\"\\", to[] = "bfnrt\"\\";
    const char *hit = c ? strchr(from, c) : NULL;
    char e[7];
    if (hit) { /* \b \f \n \r \t \" \\ */
        e[0] = '\\', e[1] = to[hit - from];
        return inner_feed_all(g, m, e, 2);
    }
    if (c < 0x20) {
        snprintf(e, sizeof e, "\\u%04x", c);
        return inner_feed_all(g, m, e, 6);
    }
    return inner_feed(g, m, c);
}

/* The arguments begin: the name's terminator is their '{'. */
static bool gemma_open(const call_grammar *g, call_matcher *m)
{
    m->gs = G_OUT, m->gq = 0, m->gkey = 1, m->gdepth = 1, m->gobj = 1;
    return inner_feed(g, m, '{');
}

static bool gemma_feed(const call_grammar *g, call_matcher *m, uint8_t c)
{
    const char *q = GEMMA4_QUOTE;
    if (m->gs == G_STR) {
        if (m->gq) {
            if (c == (uint8_t)q[m->gq]) {
                if (++m->gq < QUOTE_LEN)
                    return true;
                m->gq = 0, m->gs = G_OUT;
                return inner_feed(g, m, '"'); /* the closing quote */
            }
            uint8_t held = m->gq; /* the held bytes were text */
            m->gq = 0;
            for (uint8_t i = 0; i < held; i++)
                if (!gemma_text_byte(g, m, (uint8_t)q[i]))
                    return false;
        }
        if (c == (uint8_t)q[0]) {
            m->gq = 1;
            return true;
        }
        return gemma_text_byte(g, m, c);
    }
    if (m->gs == G_KEY) {
        if (c == ':') {
            m->gs = G_OUT;
            return inner_feed_all(g, m, "\":", 2);
        }
        return gemma_key_byte(c) && inner_feed(g, m, c);
    }
    if (m->gq) { /* an opening quote, already fed */
        if (c != (uint8_t)q[m->gq])
            return false;
        if (++m->gq == QUOTE_LEN)
            m->gq = 0, m->gs = G_STR;
        return true;
    }
    if (m->gkey && c != '}') {
        m->gkey = 0;
        if (!gemma_key_byte(c))
            return false;
        m->gs = G_KEY;
        char k[2] = {'"', (char)c};
        return inner_feed_all(g, m, k, 2);
    }
    m->gkey = 0;
    if (c == (uint8_t)q[0]) {
        m->gq = 1;
        return inner_feed(g, m, '"');
    }
    if (c == '"' || c <= ' ' || !inner_feed(g, m, c))
        return false;
    if (c == '{' || c == '[') {
        if (m->gdepth >= 64)
            return false;
        if (c == '{')
            m->gobj |= (uint64_t)1 << m->gdepth;
        else
            m->gobj &= ~((uint64_t)1 << m->gdepth);
        m->gdepth++;
        m->gkey = c == '{';
    } else if ((c == '}' || c == ']') && m->gdepth)
        m->gdepth--;
    else if (c == ',' && m->gdepth)
        m->gkey = (uint8_t)(m->gobj >> (m->gdepth - 1) & 1);
    return true;
}

/* The fewest bytes from here: a strict tool's schema counts each quote of a
 * string as the five of <|"|> (schema_grammar_new_quoted); the plain JSON
 * matcher's shortest completion has no string but the one it may be in. The
 * keys' quotes, which Gemma does not write, are counted: a bound from above. */
static uint32_t gemma_inner_close(const call_grammar *g, const call_matcher *m)
{
    if (schema_of(g, m))
        return sm_min_close(schema_of(g, m), &m->sm);
    bool in_string = m->gs == G_STR || (m->gs == G_OUT && m->gq);
    return jm_min_close(&m->jm) + (in_string ? QUOTE_LEN - 1u : 0);
}

static uint32_t gemma_close(const call_grammar *g, const call_matcher *m)
{
    if (m->gs == G_STR && m->gq) { /* the held bytes close the string, or are text */
        uint32_t best = GEMMA_BIG;
        call_matcher a = *m, b = *m;
        a.gq = 0, a.gs = G_OUT, b.gq = 0;
        if (inner_feed(g, &a, '"'))
            best = QUOTE_LEN - m->gq + gemma_inner_close(g, &a);
        bool text = true;
        for (uint8_t i = 0; i < m->gq && text; i++)
            text = gemma_text_byte(g, &b, (uint8_t)GEMMA4_QUOTE[i]);
        if (text && gemma_inner_close(g, &b) < best)
            best = gemma_inner_close(g, &b);
        return best;
    }
    if (m->gs == G_OUT && m->gq) /* an opening quote: the inner matcher has it */
        return QUOTE_LEN - m->gq + gemma_inner_close(g, m);
    return gemma_inner_close(g, m);
}

schema_grammar *call_schema_new(const call_grammar *g, const json_t *params, char *err,
                                size_t errlen)
{
    return schema_grammar_new_quoted(params, g->syntax == TOOL_SYNTAX_GEMMA4 ? QUOTE_LEN : 1, err,
                                     errlen);
}

/* The fewest bytes of name i's arguments. */
static uint32_t args_min(const call_grammar *g, uint32_t i, uint32_t plain)
{
    schema_matcher fresh;
    sm_init(&fresh);
    if (g->syntax == TOOL_SYNTAX_GEMMA4) { /* after the '{' that ends the name */
        if (!g->schemas[i])
            return 1;
        sm_feed(g->schemas[i], &fresh, '{');
        return sm_min_close(g->schemas[i], &fresh);
    }
    if (!g->schemas[i])
        return plain;
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
            if (g->syntax == TOOL_SYNTAX_GEMMA4)
                return gemma_open(g, m);
        }
        return true;
    }
    case SEG_MIDDLE: return literal(g->middle, m, c, SEG_ARGS);
    case SEG_ARGS:
        if (g->syntax == TOOL_SYNTAX_GEMMA4) {
            if (!gemma_feed(g, m, c))
                return false;
            if (inner_done(g, m))
                m->seg = g->suffix[0] ? SEG_SUFFIX : SEG_DONE;
            return true;
        }
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
        if (g->syntax == TOOL_SYNTAX_GEMMA4)
            return gemma_close(g, m) + suffix;
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
