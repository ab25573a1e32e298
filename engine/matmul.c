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
    if (j->qdot) {
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

void ie_matmul(ie_context *c, const ie_weight *w, const float *x, uint32_t n_tok, float *y, uint64_t ldy,
               const float *bias, bool accumulate)
{
    matmul_job j = {c, w, x, n_tok, y, ldy, bias, accumulate, c->qdot[w->type]};
    if (j.qdot && !(c->xq_of == x && c->xq_cols == w->cols && c->xq_ntok == n_tok)) {
        size_t nb = w->cols / IE_QK;
        c->xq_of = x;
        c->xq_cols = w->cols;
        c->xq_ntok = n_tok;
        for (uint32_t t = 0; t < n_tok; t++)
            ie_quantize_act(x + (size_t)t * w->cols, c->xq + (size_t)t * nb, w->cols);
    }
    ie_pool_run(c->pool, matmul_worker, &j);
}
