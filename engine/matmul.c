/* Matrix x activations for one weight: rows split across the pool's
 * threads; integer kernels read each weight row once per group of
 * IE_MAX_COLS tokens, over token tiles that stay in cache. */
#include <string.h>

#include "context_internal.h"

#define TOKEN_TILE 32

typedef struct matmul_job {
    ie_context *c;
    const ie_weight *w;
    const float *x;
    uint32_t n_tok;
    float *y;
    uint64_t ldy;
    const float *bias;
    bool accumulate;
    ie_qdot_fn qdot;
    ie_rdot_fn rdot;
} matmul_job;

static void store(const matmul_job *j, uint32_t t, uint64_t r, float v)
{
    if (j->bias)
        v += j->bias[r];
    float *dst = &j->y[t * j->ldy + r];
    *dst = j->accumulate ? *dst + v : v;
}

static void matmul_worker(void *arg, int ith, int nth)
{
    const matmul_job *j = arg;
    const ie_weight *w = j->w;
    uint64_t per = (w->rows + (uint64_t)nth - 1) / (uint64_t)nth;
    uint64_t r0 = per * (uint64_t)ith, r1 = r0 + per > w->rows ? w->rows : r0 + per;
    if (r0 >= r1)
        return;
    size_t nb = w->cols / IE_QK;
    if (j->rdot) {
        /* Whole 16-row tiles per thread. */
        uint64_t tiles = w->rows / IE_TILE_ROWS, tper = (tiles + (uint64_t)nth - 1) / (uint64_t)nth;
        uint64_t tt0 = tper * (uint64_t)ith, tt1 = tt0 + tper > tiles ? tiles : tt0 + tper;
        size_t stride = ie_act_split_bytes(w->cols);
        const uint8_t *base = (const uint8_t *)j->c->xq;
        float out[IE_MAX_COLS * IE_TILE_ROWS];
        const uint8_t *act[IE_MAX_COLS];
        for (uint32_t t0 = 0; t0 < j->n_tok; t0 += TOKEN_TILE) {
            uint32_t t1 = t0 + TOKEN_TILE < j->n_tok ? t0 + TOKEN_TILE : j->n_tok;
            for (uint64_t tile = tt0; tile < tt1; tile++) {
                for (uint32_t t = t0; t < t1; t += IE_MAX_COLS) {
                    int ncols = t1 - t < IE_MAX_COLS ? (int)(t1 - t) : IE_MAX_COLS;
                    for (int k = 0; k < ncols; k++)
                        act[k] = base + (size_t)(t + (uint32_t)k) * stride;
                    j->rdot(w->rp, tile, act, ncols, out);
                    for (int k = 0; k < ncols; k++)
                        for (int l = 0; l < IE_TILE_ROWS; l++)
                            store(j, t + (uint32_t)k, tile * IE_TILE_ROWS + (uint64_t)l, out[k * IE_TILE_ROWS + l]);
                }
            }
        }
        return;
    } else if (j->qdot) {
        float out[IE_MAX_COLS];
        for (uint32_t t0 = 0; t0 < j->n_tok; t0 += TOKEN_TILE) {
            uint32_t t1 = t0 + TOKEN_TILE < j->n_tok ? t0 + TOKEN_TILE : j->n_tok;
            for (uint64_t r = r0; r < r1; r++) {
                const uint8_t *row = w->data + r * w->row_bytes;
                for (uint32_t t = t0; t < t1; t += IE_MAX_COLS) {
                    int ncols = t1 - t < IE_MAX_COLS ? (int)(t1 - t) : IE_MAX_COLS;
                    j->qdot(nb, row, j->c->xq + (size_t)t * nb, nb, ncols, out);
                    for (int k = 0; k < ncols; k++)
                        store(j, t + (uint32_t)k, r, out[k]);
                }
            }
        }
    } else {
        float *buf = j->c->w_row + (size_t)ith * nb * IE_QK;
        for (uint64_t r = r0; r < r1; r++) {
            ie_dequantize_row(w->type, w->data + r * w->row_bytes, buf, w->cols);
            for (uint32_t t = 0; t < j->n_tok; t++)
                store(j, t, r, ie_dot_f32(buf, j->x + (size_t)t * w->cols, w->cols));
        }
    }
}

typedef struct quant_job {
    ie_context *c;
    const float *x;
    uint64_t cols;
    uint32_t n_tok;
    bool split, k;
} quant_job;

/* Quantizes the activation rows of this thread's share of the tokens. */
static void quant_worker(void *arg, int ith, int nth)
{
    const quant_job *q = arg;
    uint32_t per = (q->n_tok + (uint32_t)nth - 1) / (uint32_t)nth;
    uint32_t t0 = per * (uint32_t)ith, t1 = t0 + per > q->n_tok ? q->n_tok : t0 + per;
    size_t nb = q->cols / IE_QK;
    for (uint32_t t = t0; t < t1; t++) {
        const float *row = q->x + (size_t)t * q->cols;
        if (q->split)
            ie_quantize_act_split(row, (uint8_t *)q->c->xq + (size_t)t * ie_act_split_bytes(q->cols), q->cols);
        else
            (q->k ? ie_quantize_act_k : ie_quantize_act)(row, q->c->xq + (size_t)t * nb, q->cols);
    }
}

void ie_matmul(ie_context *c, const ie_weight *w, const float *x, uint32_t n_tok, float *y, uint64_t ldy,
               const float *bias, bool accumulate)
{
    matmul_job j = {c, w, x, n_tok, y, ldy, bias, accumulate, c->qdot[w->type], w->rp ? c->rdot : NULL};
    /* Activation layout: split rows for repacked weights; llama.cpp's Q8_K
     * scales (per 256) for K-quant weights; 32-blocks otherwise. */
    bool split = j.rdot != NULL;
    bool k = !split && ggml_type_get(w->type)->block_elems == IE_QK_K;
    if ((j.qdot || split) && !(c->xq_of == x && c->xq_cols == w->cols && c->xq_ntok == n_tok &&
                               c->xq_split == split && c->xq_k == k)) {
        c->xq_of = x;
        c->xq_cols = w->cols;
        c->xq_ntok = n_tok;
        c->xq_split = split;
        c->xq_k = k;
        quant_job q = {c, x, w->cols, n_tok, split, k};
        if (n_tok > 1)
            ie_pool_run(c->pool, quant_worker, &q);
        else
            quant_worker(&q, 0, 1);
    }
    ie_pool_run(c->pool, matmul_worker, &j);
}
