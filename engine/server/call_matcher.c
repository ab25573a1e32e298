#include "call_matcher.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SEG_PREFIX, SEG_NAME, SEG_MIDDLE, SEG_ARGS, SEG_SUFFIX, SEG_DONE };

call_grammar *call_grammar_new(tool_syntax s, const char *const *names, uint32_t n_names)
{
    if (n_names == 0 || n_names > CALL_MAX_NAMES)
        return NULL;
    call_grammar *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    tool_syntax_frame(s, &g->prefix, &g->middle, &g->suffix);
    for (uint32_t i = 0; i < n_names; i++) {
        size_t n = strlen(names[i]);
        g->names[i] = malloc(n + 2);
        if (!g->names[i])
            abort();
        memcpy(g->names[i], names[i], n);
        g->names[i][n] = '"'; /* the closing quote ends the name: none is a prefix of another */
        g->names[i][n + 1] = 0;
        g->name_len[i] = (uint32_t)n + 1;
    }
    g->n_names = n_names;
    g->middle += 1; /* the frame's middle starts with the closing quote, now in the names */
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
    switch (m->seg) {
    case SEG_PREFIX:
        return (uint32_t)strlen(g->prefix) - m->off + shortest + middle + 2 + suffix;
    case SEG_NAME: return shortest + middle + 2 + suffix;
    case SEG_MIDDLE: return middle - m->off + 2 + suffix;
    case SEG_ARGS: return jm_min_close(&m->jm) + suffix;
    case SEG_SUFFIX: return suffix - m->off;
    default: return 0;
    }
}

uint32_t token_mask_call(const token_pieces *p, const call_grammar *g, const call_matcher *m,
                         uint32_t budget, float *logits)
{
    uint32_t allowed = 0;
    int32_t n = 0;
    for (;; n++) { /* token_pieces_get is valid for every id of the vocabulary */
        uint32_t len;
        if (n >= token_pieces_count(p))
            break;
        const char *b = token_pieces_get(p, n, &len);
        call_matcher try = *m;
        bool ok = len > 0 && cm_feed_all(g, &try, b, len) && cm_min_close(g, &try) <= budget;
        if (ok)
            allowed++;
        else
            logits[n] = -INFINITY;
    }
    return allowed;
}
