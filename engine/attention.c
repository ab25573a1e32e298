/* The attention of one layer over a batch of tokens of a slot: the query
 * heads that share a KV head go to ie_attn_group together (grouped-query
 * attention: the cache is read once for all of them), a prompt batch in
 * blocks of tokens (each cache tile read once per block). */
#include <math.h>

#include "context_internal.h"

/* llama.cpp's CPU backend converts the query to the K cache's dot type
 * before K·q (F16 for an F16 cache, Q8_0 for a quantized one); doing the
 * same keeps the attention scores identical to its. q is this task's own
 * query row, so rounding it in place is safe. */
static void round_query(const ie_attn_kernels *ak, float *q, uint32_t cache_k, uint32_t n)
{
    if (cache_k == GGML_T_F16) {
        ak->round_f16(q, n);
    } else if (cache_k != GGML_T_F32 && n % IE_QK == 0) {
        ie_block_q8a b;
        for (uint32_t i = 0; i < n; i += IE_QK) {
            ie_quantize_act(q + i, &b, IE_QK);
            for (int k = 0; k < IE_QK; k++)
                q[i + (uint32_t)k] = b.d * (float)b.q[k];
        }
    }
}

/* Bytes from the start of a cache row to element e (e at a block start). */
static uint64_t cache_offset(uint32_t type, uint64_t e)
{
    uint64_t b = 0;
    ggml_row_bytes(type, e, &b);
    return b;
}

typedef struct attn_job {
    ie_context *c;
    uint32_t layer, slot, n_tok, pos;
    uint32_t sub;       /* query heads per task (a divisor of the group) */
    uint32_t block;     /* tokens per task */
    uint32_t n_split;   /* tasks per KV head and block: group / sub */
    ie_chunks tasks;    /* block-major (task / (n_head_kv * n_split) is the block) */
} attn_job;

static void attn_worker(void *arg, int ith, int nth)
{
    attn_job *j = arg;
    ie_context *c = j->c;
    const ie_hparams *hp = &c->model->hp;
    (void)nth;
    const ie_layer *ly = &c->model->layers[j->layer];
    uint32_t hdk = ly->head_dim_k, hdv = ly->head_dim_v, group = hp->n_head / ly->n_head_kv;
    uint32_t ck = c->params.cache_k, cv = c->params.cache_v;
    float *kbuf = c->kv_row + (size_t)ith * c->kv_row_floats, *vbuf = kbuf + hdk;
    uint32_t window = ly->swa ? hp->n_swa : 0;
    const ie_layer_kv *lk = &c->layer_kv[j->layer];
    uint64_t slot0 = (uint64_t)j->slot * lk->cells_per_slot;
    uint32_t per_block = ly->n_head_kv * j->n_split;
    ie_attn_row rows[IE_ATTN_MAX_ROWS];
    uint64_t a0, a1;
    while (ie_chunks_take(&j->tasks, &a0, &a1))
    for (uint64_t task = a0; task < a1; task++) {
        uint32_t b = (uint32_t)(task / per_block), g = (uint32_t)(task % per_block);
        uint32_t kvh = g / j->n_split, h0 = kvh * group + (g % j->n_split) * j->sub;
        uint32_t t0 = b * j->block, t1 = t0 + j->block < j->n_tok ? t0 + j->block : j->n_tok;
        ie_attn_cache kc = {lk->k + slot0 * lk->k_row_bytes, lk->k_row_bytes, cache_offset(ck, (uint64_t)kvh * hdk),
                            lk->cells_per_slot, ck, hdk};
        ie_attn_cache vc = {lk->v + slot0 * lk->v_row_bytes, lk->v_row_bytes, cache_offset(cv, (uint64_t)kvh * hdv),
                            lk->cells_per_slot, cv, hdv};
        uint32_t n = 0;
        for (uint32_t t = t0; t < t1; t++) {
            uint32_t end = j->pos + t + 1;
            /* sliding window (llama.cpp's LLAMA_SWA_TYPE_STANDARD):
             * positions p with pos - p < n_swa */
            uint32_t first = window && end > window ? end - window : 0;
            for (uint32_t h = h0; h < h0 + j->sub; h++) {
                float *q = c->q + ((size_t)t * hp->n_head + h) * hdk;
                round_query(&c->attn, q, ck, hdk);
                rows[n++] = (ie_attn_row){q, c->att + ((size_t)t * hp->n_head + h) * hdv, first, end};
            }
        }
        ie_attn_group(&c->attn, &kc, &vc, rows, n, hp->kq_scale, kbuf, vbuf);
    }
}

void ie_attention(ie_context *c, uint32_t layer, uint32_t slot, uint32_t n_tok, uint32_t pos)
{
    const ie_hparams *hp = &c->model->hp;
    uint32_t n_head_kv = c->model->layers[layer].n_head_kv;
    uint32_t group = hp->n_head / n_head_kv, nth = (uint32_t)ie_pool_size(c->pool);
    /* The whole group per task where that leaves every thread work (two
     * tasks each); else smaller shares of it (one head each at worst, as
     * many tasks as heads). */
    uint32_t sub = group;
    for (; sub > 1; sub--) {
        if (group % sub || sub > IE_ATTN_MAX_ROWS)
            continue;
        uint32_t block = IE_ATTN_MAX_ROWS / sub;
        uint64_t tasks = (uint64_t)n_head_kv * (group / sub) * ((n_tok + block - 1) / block);
        if (tasks >= 2ull * nth)
            break;
    }
    uint32_t block = IE_ATTN_MAX_ROWS / sub;
    attn_job j = {c, layer, slot, n_tok, pos, sub, block, group / sub, {0}};
    uint64_t n_tasks = (uint64_t)n_head_kv * j.n_split * ((n_tok + block - 1) / block);
    ie_chunks_init(&j.tasks, n_tasks, (int)nth, 1);
    ie_pool_run(c->pool, attn_worker, &j);
}
