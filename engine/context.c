/* Contexts: the KV cache and scratch sized by common/engine_memory.c (two
 * allocations, nothing else grows), the worker pool, and ie_decode. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context_internal.h"
#include "engine_memory.h"

static void fail(char *err, size_t n, const char *fmt, ...)
{
    if (!err || !n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

void ie_context_params_default(ie_context_params *p)
{
    p->n_ctx = 4096;
    p->n_slots = 1;
    p->cache_k = GGML_T_F16;
    p->cache_v = GGML_T_F16;
    p->n_threads = 0;
    p->n_batch = 512;
}

static uint32_t resolve_threads(uint32_t n)
{
    if (n)
        return n;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (uint32_t)cpus : 1;
}

/* The parameters a context actually runs with (defaults filled, limits
 * applied): ie_context_bytes and ie_context_new both size from these. */
static ie_context_params normalize(const ie_context_params *p)
{
    ie_context_params r = *p;
    if (!r.n_slots)
        r.n_slots = 1;
    if (!r.n_batch)
        r.n_batch = 1;
    if (r.n_batch > r.n_ctx && r.n_ctx)
        r.n_batch = r.n_ctx;
    r.n_threads = resolve_threads(r.n_threads);
    if (r.n_threads > 256)
        r.n_threads = 256;
    return r;
}

static void mem_inputs(const ie_model *m, const ie_context_params *pin, engine_mem_shape *s,
                       engine_mem_params *mp)
{
    ie_context_params pn = normalize(pin), *p = &pn;
    const ie_hparams *hp = &m->hp;
    uint32_t n_layer_swa = 0;
    for (uint32_t l = 0; l < hp->n_layer; l++)
        n_layer_swa += m->layers[l].swa;
    *s = (engine_mem_shape){hp->n_layer, hp->n_embd, hp->n_head, hp->n_head_kv, hp->head_dim_k, hp->head_dim_v,
                            hp->n_ff, hp->n_vocab, hp->n_expert, hp->n_expert_used, hp->n_ff_exp,
                            hp->n_swa, n_layer_swa, hp->n_head_kv_swa, hp->head_dim_k_swa, hp->head_dim_v_swa,
                            hp->moe_shared};
    *mp = (engine_mem_params){p->n_ctx, p->n_slots, p->n_batch, p->n_threads, p->cache_k, p->cache_v};
}

uint64_t ie_context_bytes(const ie_model *m, const ie_context_params *p)
{
    engine_mem_shape s;
    engine_mem_params mp;
    mem_inputs(m, p, &s, &mp);
    return engine_context_bytes(&s, &mp);
}

static float *carve(uint8_t **cur, uint64_t bytes)
{
    float *p = (float *)*cur;
    *cur += (bytes + 63) / 64 * 64;
    return p;
}

ie_context *ie_context_new(ie_model *m, const ie_context_params *p, char *err, size_t errlen)
{
    const ie_hparams *hp = &m->hp;
    ie_context_params prm = normalize(p);
    const char *bad_cache = !ie_type_supported_cache(prm.cache_k) ? "cache_k"
                            : !ie_type_supported_cache(prm.cache_v) ? "cache_v" : NULL;
    if (bad_cache) {
        const ggml_type_info *ti = ggml_type_get(!strcmp(bad_cache, "cache_k") ? prm.cache_k : prm.cache_v);
        fail(err, errlen, "%s type %s is not supported (f32, f16, q8_0, q4_0)", bad_cache, ti ? ti->name : "unknown");
        return NULL;
    }
    for (int swa = 0; swa < 2; swa++) {
        uint32_t hk = swa ? hp->head_dim_k_swa : hp->head_dim_k, hv = swa ? hp->head_dim_v_swa : hp->head_dim_v;
        if ((ggml_type_get(prm.cache_k)->block_elems > 1 && hk % IE_QK) ||
            (ggml_type_get(prm.cache_v)->block_elems > 1 && hv % IE_QK)) {
            fail(err, errlen, "quantized KV cache needs head sizes that are multiples of 32 (%skey %u, value %u)",
                 swa ? "sliding layers: " : "", hk, hv);
            return NULL;
        }
    }
    if (prm.n_ctx < prm.n_slots || prm.n_ctx / prm.n_slots == 0) {
        fail(err, errlen, "context of %u cells is too small for %u slots", prm.n_ctx, prm.n_slots);
        return NULL;
    }
    if (prm.n_ctx > (1u << 24)) {
        fail(err, errlen, "context of %u cells is too large", prm.n_ctx);
        return NULL;
    }
    ie_context *c = calloc(1, sizeof *c);
    if (!c) {
        fail(err, errlen, "out of memory");
        return NULL;
    }
    c->model = m;
    c->params = prm;
    c->cells_per_slot = prm.n_ctx / prm.n_slots;
    engine_mem_shape s;
    engine_mem_params mp;
    mem_inputs(m, &prm, &s, &mp);
    c->kv_bytes = engine_kv_bytes(&s, &mp);
    c->scratch_bytes = engine_scratch_bytes(&s, &mp);
    c->kv = aligned_alloc(64, c->kv_bytes);
    c->scratch = aligned_alloc(64, c->scratch_bytes);
    c->n_past = calloc(prm.n_slots, sizeof *c->n_past);
    c->swa_lo = calloc(prm.n_slots, sizeof *c->swa_lo);
    c->layer_kv = calloc(hp->n_layer, sizeof *c->layer_kv);
    c->pool = ie_pool_new((int)prm.n_threads);
    if (!c->kv || !c->scratch || !c->n_past || !c->swa_lo || !c->layer_kv || !c->pool) {
        fail(err, errlen, "cannot allocate %llu bytes of KV cache and %llu bytes of scratch",
             (unsigned long long)c->kv_bytes, (unsigned long long)c->scratch_bytes);
        ie_context_free(c);
        return NULL;
    }
    /* Each layer's K rows then V rows, n_slots rings of swa_cells for a
     * sliding-window layer, n_slots * cells_per_slot otherwise. */
    c->swa_cells = (uint32_t)engine_swa_cells_per_slot(&s, &mp);
    uint8_t *kcur = c->kv;
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const ie_layer *ly = &m->layers[l];
        uint64_t per_slot = ly->swa ? c->swa_cells : c->cells_per_slot, n = per_slot * prm.n_slots;
        uint64_t kb = 0, vb = 0;
        ggml_row_bytes(prm.cache_k, (uint64_t)ly->n_head_kv * ly->head_dim_k, &kb);
        ggml_row_bytes(prm.cache_v, (uint64_t)ly->n_head_kv * ly->head_dim_v, &vb);
        c->layer_kv[l] = (ie_layer_kv){kcur, kcur + n * kb, (uint32_t)per_slot, kb, vb};
        kcur += n * (kb + vb);
    }
    /* Touching the scratch up front makes peak RSS predictable; the KV cache
     * fills as the context does. */
    memset(c->scratch, 0, c->scratch_bytes);
    ie_isa isa = ie_isa_best();
    c->rdot = ie_rdot_get(isa);
    ie_attn_kernels_get(&c->attn, isa);
    if (!c->rdot)
        c->rdot = ie_rdot_portable; /* weights are repacked for the CPU's best kernel; tests lower the ISA */
    for (uint32_t t = 0; t < GGML_T_COUNT; t++)
        c->qdot[t] = ie_qdot_get(t, isa);
    uint64_t B = prm.n_batch, T = prm.n_threads;
    engine_mem_shape ms;
    engine_mem_params mpar;
    mem_inputs(m, &prm, &ms, &mpar);
    engine_attn_dims ad = engine_attn_widths(&ms);
    uint64_t qdim = ad.qdim, odim = ad.odim, kdim = ad.kdim, vdim = ad.vdim;
    c->kv_row_floats = ad.kv_row;
    uint64_t ff = engine_ffn_width(&ms), routes = B * hp->n_expert_used;
    uint64_t max_in = hp->n_embd;
    if (odim > max_in)
        max_in = odim;
    if (ff > max_in)
        max_in = ff;
    uint64_t qblocks = (max_in + 31) / 32;
    uint8_t *cur = c->scratch;
    c->x = carve(&cur, B * hp->n_embd * 4);
    c->xb = carve(&cur, B * hp->n_embd * 4);
    c->q = carve(&cur, B * qdim * 4);
    c->k = carve(&cur, B * kdim * 4);
    c->v = carve(&cur, B * vdim * 4);
    c->att = carve(&cur, B * odim * 4);
    c->gate = carve(&cur, B * ff * 4);
    c->up = carve(&cur, B * ff * 4);
    c->logits = carve(&cur, (uint64_t)prm.n_slots * hp->n_vocab * 4);
    c->xq = (ie_block_q8a *)carve(&cur, B * qblocks * sizeof(ie_block_q8a));
    c->scores = carve(&cur, T * c->cells_per_slot * 4);
    c->kv_row = carve(&cur, T * ad.kv_row * 4);
    c->w_row = carve(&cur, T * qblocks * 32 * 4);
    c->moe_probs = carve(&cur, B * hp->n_expert * 4);
    c->moe_x = carve(&cur, hp->n_expert ? B * hp->n_embd * 4 : 0);
    c->moe_ids = (int32_t *)carve(&cur, routes * 4);
    c->moe_w = carve(&cur, routes * 4);
    c->moe_order = (uint32_t *)carve(&cur, routes * 4);
    c->moe_start = (uint32_t *)carve(&cur, hp->n_expert ? ((uint64_t)hp->n_expert + 1) * 4 : 0);
    c->moe_dense = carve(&cur, hp->n_expert && hp->moe_shared ? B * hp->n_embd * 4 : 0);
    c->moe_out = carve(&cur, hp->n_expert && hp->moe_shared ? B * hp->n_embd * 4 : 0);
    if ((uint64_t)(cur - c->scratch) != c->scratch_bytes) {
        fail(err, errlen, "internal error: scratch layout (%llu bytes) disagrees with engine_memory.c (%llu)",
             (unsigned long long)(cur - c->scratch), (unsigned long long)c->scratch_bytes);
        ie_context_free(c);
        return NULL;
    }
    return c;
}

void ie_context_free(ie_context *c)
{
    if (!c)
        return;
    ie_pool_free(c->pool);
    free(c->kv);
    free(c->scratch);
    free(c->blas_tiles);
    free(c->n_past);
    free(c->swa_lo);
    free(c->layer_kv);
    free(c);
}

uint32_t ie_slot_n_ctx(const ie_context *c)
{
    return c->cells_per_slot;
}

static int decode_impl(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos,
                       float *pooled, char *err, size_t errlen)
{
    if (slot >= c->params.n_slots) {
        fail(err, errlen, "slot %u does not exist (%u slots)", slot, c->params.n_slots);
        return -1;
    }
    if (n == 0 || !tokens) {
        fail(err, errlen, "no tokens to decode");
        return -1;
    }
    if (pos > c->n_past[slot]) {
        fail(err, errlen, "position %u is past the %u cached tokens of slot %u", pos, c->n_past[slot], slot);
        return -1;
    }
    if (!ie_slot_can_resume(c, slot, pos)) {
        fail(err, errlen, "position %u of slot %u needs sliding-window cells already overwritten "
             "(the ring holds positions %u..%u): start again from 0", pos, slot, c->swa_lo[slot],
             c->n_past[slot] ? c->n_past[slot] - 1 : 0);
        return -1;
    }
    if ((uint64_t)pos + n > c->cells_per_slot) {
        fail(err, errlen, "%u tokens at position %u exceed the slot's context of %u", n, pos, c->cells_per_slot);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= c->model->hp.n_vocab) {
            fail(err, errlen, "token id %d is out of range (vocabulary of %u)", tokens[i], c->model->hp.n_vocab);
            return -1;
        }
    c->n_past[slot] = pos;
    if (pos == 0)
        c->swa_lo[slot] = 0;
    for (uint32_t done = 0; done < n;) {
        uint32_t chunk = n - done < c->params.n_batch ? n - done : c->params.n_batch;
        ie_forward(c, slot, tokens + done, chunk, pos + done);
        if (pooled)
            ie_forward_pool(c, chunk, pos + done, pooled);
        done += chunk;
        c->n_past[slot] = pos + done;
        /* the ring's cells now hold the last swa_cells positions written */
        if (pos + done > c->swa_cells && pos + done - c->swa_cells > c->swa_lo[slot])
            c->swa_lo[slot] = pos + done - c->swa_cells;
    }
    return 0;
}

int ie_decode(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos, char *err,
              size_t errlen)
{
    return decode_impl(c, slot, tokens, n, pos, NULL, err, errlen);
}

int ie_decode_pooled(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos,
                     float *pooled, char *err, size_t errlen)
{
    return decode_impl(c, slot, tokens, n, pos, pooled, err, errlen);
}

bool ie_slot_can_resume(const ie_context *c, uint32_t slot, uint32_t pos)
{
    if (slot >= c->params.n_slots || pos > c->n_past[slot])
        return false;
    /* the token at pos attends to positions from pos - n_swa + 1 on */
    uint32_t n_swa = c->model->hp.n_swa;
    uint32_t need = pos + 1 > n_swa ? pos + 1 - n_swa : 0;
    return pos == 0 || need >= c->swa_lo[slot];
}

const float *ie_logits(const ie_context *c, uint32_t slot)
{
    if (slot >= c->params.n_slots)
        return NULL;
    return c->logits + (size_t)slot * c->model->hp.n_vocab;
}

uint32_t ie_slot_n_past(const ie_context *c, uint32_t slot)
{
    return slot < c->params.n_slots ? c->n_past[slot] : 0;
}
