#include "call_matcher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SEG_PREFIX, SEG_NAME, SEG_MIDDLE, SEG_ARGS, SEG_SUFFIX, SEG_DONE };

/* qwen_xml arguments: a parameter block or the end of the function. */
enum { XS_START, XS_LT, XS_PARAM, XS_KEY, XS_KEY_MORE, XS_NL, XS_TEXT, XS_END };
static const char XML_PARAM[] = "<parameter=", XML_CLOSE[] = "\n</parameter>\n",
                  XML_END[] = "</function>";
#define LEN(s) ((uint32_t)(sizeof(s) - 1))

static bool key_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* One byte of qwen_xml arguments; *done once </function> is complete. */
static bool xml_feed(call_matcher *m, uint8_t c, bool *done)
{
    switch (m->xs) {
    case XS_START:
        if (c != '<')
            return false;
        m->xs = XS_LT;
        return true;
    case XS_LT:
        if (c == 'p' || c == '/') {
            m->xs = c == 'p' ? XS_PARAM : XS_END;
            m->off = 2;
            return true;
        }
        return false;
    case XS_PARAM:
        if ((uint8_t)XML_PARAM[m->off] != c)
            return false;
        if (++m->off == LEN(XML_PARAM))
            m->xs = XS_KEY;
        return true;
    case XS_KEY:
    case XS_KEY_MORE:
        if (key_char(c)) {
            m->xs = XS_KEY_MORE;
            return true;
        }
        if (c == '>' && m->xs == XS_KEY_MORE) {
            m->xs = XS_NL;
            return true;
        }
        return false;
    case XS_NL:
        if (c != '\n')
            return false;
        m->xs = XS_TEXT;
        m->off = 0;
        return true;
    case XS_TEXT: /* anything up to \n</parameter>\n */
        if ((uint8_t)XML_CLOSE[m->off] == c) {
            if (++m->off == LEN(XML_CLOSE))
                m->xs = XS_START;
        } else
            m->off = c == '\n'; /* the close begins with the only newline in it */
        return true;
    case XS_END:
        if ((uint8_t)XML_END[m->off] != c)
            return false;
        if (++m->off == LEN(XML_END))
            *done = true;
        return true;
    }
    return false;
}

static uint32_t xml_min_close(const call_matcher *m)
{
    uint32_t after_text = LEN(XML_END); /* the next parameter is optional */
    uint32_t text = LEN(XML_CLOSE) + after_text;
    switch (m->xs) {
    case XS_START: return LEN(XML_END);
    case XS_LT: return LEN(XML_END) - 1;
    case XS_PARAM: return LEN(XML_PARAM) - m->off + 2 + 1 + text; /* key, >, \n */
    case XS_KEY: return 1 + 1 + 1 + text;
    case XS_KEY_MORE: return 1 + 1 + text;
    case XS_NL: return 1 + text;
    case XS_TEXT: return LEN(XML_CLOSE) - m->off + after_text;
    default: return LEN(XML_END) - m->off;
    }
}

call_grammar *call_grammar_new(tool_syntax s, const char *const *names, uint32_t n_names)
{
    if (n_names == 0 || n_names > CALL_MAX_NAMES)
        return NULL;
    call_grammar *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    tool_syntax_frame(s, &g->prefix, &g->middle, &g->suffix);
    g->xml = s == TOOL_SYNTAX_QWEN_XML;
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
    for (uint32_t i = 0; i < g->n_names; i++)
        free(g->names[i]);
    free(g);
}

void cm_init(const call_grammar *g, call_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->alive = g->n_names == 64 ? ~(uint64_t)0 : (((uint64_t)1 << g->n_names) - 1);
    jm_init(&m->jm);
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
        if (complete) {
            m->seg = SEG_MIDDLE;
            m->off = 0;
        }
        return true;
    }
    case SEG_MIDDLE: return literal(g->middle, m, c, SEG_ARGS);
    case SEG_ARGS:
        if (g->xml) {
            bool done = false;
            if (!xml_feed(m, c, &done))
                return false;
            if (done) {
                m->seg = SEG_SUFFIX;
                m->off = 0;
            }
            return true;
        }
        if (!jm_feed(&m->jm, c))
            return false;
        if (jm_done(&m->jm))
            m->seg = SEG_SUFFIX;
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
    uint32_t shortest = UINT32_MAX;
    for (uint32_t i = 0; i < g->n_names; i++)
        if (m->seg != SEG_NAME || (m->alive >> i & 1)) {
            uint32_t left = g->name_len[i] - (m->seg == SEG_NAME ? m->off : 0);
            if (left < shortest)
                shortest = left;
        }
    uint32_t args = g->xml ? LEN(XML_END) : 2; /* </function> or {} */
    switch (m->seg) {
    case SEG_PREFIX:
        return (uint32_t)strlen(g->prefix) - m->off + shortest + middle + args + suffix;
    case SEG_NAME: return shortest + middle + args + suffix;
    case SEG_MIDDLE: return middle - m->off + args + suffix;
    case SEG_ARGS: return (g->xml ? xml_min_close(m) : jm_min_close(&m->jm)) + suffix;
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
