/* See estimate_memo.h. Open addressing on a word-wise hash of the request's
 * bytes (callers zero the padding) and the model's address; results live
 * in fixed-size blocks so that they never move. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/estimate_memo.h"

#define BLOCK 256

typedef struct memo_slot {
    const model_shape *model;
    estimate_request req;
    const estimate_result *result;
} memo_slot;

struct estimate_memo {
    memo_slot *slots;
    size_t cap, used;            /* cap is a power of two */
    estimate_result **blocks;
    size_t n_blocks, in_last;
};

static uint64_t mix(uint64_t h, uint64_t w) {
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint64_t hash_key(const model_shape *model, const estimate_request *req) {
    uint64_t h = mix(0x2545f4914f6cdd1dull, (uint64_t)(uintptr_t)model);
    const unsigned char *p = (const unsigned char *)req;
    size_t i = 0;
    for (; i + 8 <= sizeof *req; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix(h, w);
    }
    for (; i < sizeof *req; i++) h = mix(h, p[i]);
    return h;
}

estimate_memo *estimate_memo_new(size_t expected) {
    estimate_memo *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    size_t cap = 64;
    while (cap < expected * 2) cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    m->cap = cap;
    return m;
}

static estimate_result *new_result(estimate_memo *m) {
    if (m->n_blocks == 0 || m->in_last == BLOCK) {
        estimate_result **b = realloc(m->blocks, (m->n_blocks + 1) * sizeof *b);
        if (!b) return NULL;
        m->blocks = b;
        m->blocks[m->n_blocks] = malloc(BLOCK * sizeof **b);
        if (!m->blocks[m->n_blocks]) return NULL;
        m->n_blocks++;
        m->in_last = 0;
    }
    return &m->blocks[m->n_blocks - 1][m->in_last++];
}

static void grow(estimate_memo *m) {
    size_t cap = m->cap * 2;
    memo_slot *slots = calloc(cap, sizeof *slots);
    if (!slots) return; /* keep probing the full table: slower, still right */
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].result) continue;
        size_t j = hash_key(m->slots[i].model, &m->slots[i].req) & (cap - 1);
        while (slots[j].result) j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

const estimate_result *estimate_memo_get(estimate_memo *m, const model_shape *model, const estimate_request *req,
                                         char *err, size_t errlen) {
    if (!m) return NULL;
    if ((m->used + 1) * 2 > m->cap) grow(m);
    size_t i = hash_key(model, req) & (m->cap - 1);
    for (size_t probes = 0; m->slots[i].result && probes < m->cap; probes++) {
        if (m->slots[i].model == model && memcmp(&m->slots[i].req, req, sizeof *req) == 0) return m->slots[i].result;
        i = (i + 1) & (m->cap - 1);
    }
    estimate_result *r = new_result(m);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (estimate_memory(model, req, r, err, errlen) != 0) {
        m->in_last--; /* give the slot back; refusals are not remembered */
        return NULL;
    }
    if (!m->slots[i].result) {
        m->slots[i] = (memo_slot){model, *req, r};
        m->used++;
    }
    return r;
}

void estimate_memo_free(estimate_memo *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n_blocks; i++) free(m->blocks[i]);
    free(m->blocks);
    free(m->slots);
    free(m);
}
