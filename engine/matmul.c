/* Matrix x activations for one weight: rows split across the pool's
 * threads; integer kernels read each weight row once per group of
 * IE_MAX_COLS tokens, over token tiles that stay in cache. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "context_internal.h"

/* Opt-in (INFRAC_ENGINE_BLAS=1): prompt batches of at least BLAS_MIN_TOK
 * tokens on weights without repacked kernels go through OpenBLAS sgemm
 * over dequantized row tiles, each tile decoded once and applied to every
 * token (the integer kernels read each row once per IE_MAX_COLS tokens).
 * x is first rounded to the integer kernels' 8-bit grid, so the products
 * are theirs up to float summation order; that order still differs from
 * llama.cpp's exact integer block sums, and on the parity test's random
 * models the next-token probabilities move 2-3x further from llama.cpp's
 * (1.1e-2 on two cells, limit 1e-2), so it is not the default yet
 * (docs/engine.md). */
#define BLAS_MIN_TOK 32
/* Floats of one thread's dequantized tile: rows enough that sgemm's packing
 * of the activations (once per call) is small against the products. */
#define BLAS_TILE_FLOATS (256u << 10)

#define TOKEN_TILE 32
/* Tokens per pass over the weights for the tiled kernel: as many as keep
 * their activations within about 512 KiB (L2), so a prompt streams the
 * weights from memory a few times instead of n_tok / 32 times. */
static uint32_t tiled_token_tile(size_t act_stride)
{
    size_t t = ((size_t)512 << 10) / (act_stride ? act_stride : 1);
    t = t / IE_RDOT_COLS * IE_RDOT_COLS;
    return t < IE_RDOT_COLS ? IE_RDOT_COLS : t > 256 ? 256 : (uint32_t)t;
}

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
    bool blas;
    ie_chunks chunks; /* of 16-row tiles (rdot) or rows */
    /* rdot: the outputs whose tiles follow each other in chunks' numbering
     * (n_parts 1: w, y, ldy, bias); part p starts at tile first_tile[p]. */
    int n_parts;
    ie_matmul_out parts[IE_MATMUL_SET];
    uint64_t first_tile[IE_MATMUL_SET + 1];
} matmul_job;

static void store(const matmul_job *j, uint32_t t, uint64_t r, float v)
{
    if (j->bias)
        v += j->bias[r];
    float *dst = &j->y[t * j->ldy + r];
    *dst = j->accumulate ? *dst + v : v;
}

/* 16 outputs of one tile for ncols tokens from t. */
static void store_tile(const matmul_job *j, const ie_matmul_out *o, uint32_t t, int ncols, uint64_t tile,
                       const float *out)
{
    for (int k = 0; k < ncols; k++) {
        float *dst = o->y + (size_t)(t + (uint32_t)k) * o->ldy + tile * IE_TILE_ROWS;
        const float *src = out + k * IE_TILE_ROWS;
        const float *b = o->bias ? o->bias + tile * IE_TILE_ROWS : NULL;
        if (j->accumulate)
            for (int l = 0; l < IE_TILE_ROWS; l++)
                dst[l] += src[l];
        else if (b)
            for (int l = 0; l < IE_TILE_ROWS; l++)
                dst[l] = src[l] + b[l];
        else
            memcpy(dst, src, IE_TILE_ROWS * sizeof *dst);
    }
}

static void matmul_worker(void *arg, int ith, int nth)
{
    matmul_job *j = arg;
    const ie_weight *w = j->w;
    size_t nb = w->cols / IE_QK;
    uint64_t u0, u1;
    (void)nth;
    if (j->blas) {
        float *tile = j->c->blas_tiles + (size_t)ith * BLAS_TILE_FLOATS;
        uint64_t per = BLAS_TILE_FLOATS / w->cols;
        while (ie_chunks_take(&j->chunks, &u0, &u1)) {
            for (uint64_t r0 = u0; r0 < u1; r0 += per) {
                uint64_t n = u1 - r0 < per ? u1 - r0 : per;
                for (uint64_t r = 0; r < n; r++)
                    ie_dequantize_row(w->type, w->data + (r0 + r) * w->row_bytes, tile + r * w->cols, w->cols);
                float *y = j->y + r0;
                if (j->bias && !j->accumulate)
                    for (uint32_t t = 0; t < j->n_tok; t++)
                        memcpy(y + t * j->ldy, j->bias + r0, n * sizeof *y);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)j->n_tok, (blasint)n,
                            (blasint)w->cols, 1.0f, j->x, (blasint)w->cols, tile, (blasint)w->cols,
                            j->accumulate || j->bias ? 1.0f : 0.0f, y, (blasint)j->ldy);
                if (j->bias && j->accumulate)
                    for (uint32_t t = 0; t < j->n_tok; t++)
                        for (uint64_t r = 0; r < n; r++)
                            y[t * j->ldy + r] += j->bias[r0 + r];
            }
        }
    } else if (j->rdot) {
        /* Chunks of 16-row tiles; within one, every token tile reuses the
         * chunk's weights from cache. */
        size_t stride = ie_repack_act_bytes(w->type, w->cols);
        const uint8_t *base = (const uint8_t *)j->c->xq;
        float out[IE_RDOT_COLS * IE_TILE_ROWS];
        const uint8_t *act[IE_RDOT_COLS];
        uint32_t tt = tiled_token_tile(stride);
        while (ie_chunks_take(&j->chunks, &u0, &u1)) {
            for (uint32_t t0 = 0; t0 < j->n_tok; t0 += tt) {
                uint32_t t1 = t0 + tt < j->n_tok ? t0 + tt : j->n_tok;
                int p = 0;
                for (uint64_t g = u0; g < u1; g++) {
                    while (g >= j->first_tile[p + 1])
                        p++;
                    const ie_matmul_out *o = &j->parts[p];
                    uint64_t tile = g - j->first_tile[p];
                    for (uint32_t t = t0; t < t1; t += IE_RDOT_COLS) {
                        int ncols = t1 - t < IE_RDOT_COLS ? (int)(t1 - t) : IE_RDOT_COLS;
                        for (int k = 0; k < ncols; k++)
                            act[k] = base + (size_t)(t + (uint32_t)k) * stride;
                        j->rdot(o->w->rp, tile, act, ncols, out);
                        store_tile(j, o, t, ncols, tile, out);
                    }
                }
            }
        }
    } else if (j->qdot) {
        float out[IE_MAX_COLS];
        while (ie_chunks_take(&j->chunks, &u0, &u1)) {
            for (uint32_t t0 = 0; t0 < j->n_tok; t0 += TOKEN_TILE) {
                uint32_t t1 = t0 + TOKEN_TILE < j->n_tok ? t0 + TOKEN_TILE : j->n_tok;
                for (uint64_t r = u0; r < u1; r++) {
                    const uint8_t *row = w->data + r * w->row_bytes;
                    for (uint32_t t = t0; t < t1; t += IE_MAX_COLS) {
                        int ncols = t1 - t < IE_MAX_COLS ? (int)(t1 - t) : IE_MAX_COLS;
                        j->qdot(nb, row, j->c->xq + (size_t)t * nb, nb, ncols, out);
                        for (int k = 0; k < ncols; k++)
                            store(j, t + (uint32_t)k, r, out[k]);
                    }
                }
            }
        }
    } else {
        float *buf = j->c->w_row + (size_t)ith * nb * IE_QK;
        while (ie_chunks_take(&j->chunks, &u0, &u1)) {
            for (uint64_t r = u0; r < u1; r++) {
                ie_dequantize_row(w->type, w->data + r * w->row_bytes, buf, w->cols);
                for (uint32_t t = 0; t < j->n_tok; t++)
                    store(j, t, r, ie_dot_f32(buf, j->x + (size_t)t * w->cols, w->cols));
            }
        }
    }
}

typedef struct quant_job {
    ie_context *c;
    float *x;
    uint64_t cols;
    uint32_t n_tok;
    ie_act_layout layout;
    bool round;
} quant_job;

/* Quantizes the activation rows of this thread's share of the tokens. */
static void quant_worker(void *arg, int ith, int nth)
{
    const quant_job *q = arg;
    uint32_t per = (q->n_tok + (uint32_t)nth - 1) / (uint32_t)nth;
    uint32_t t0 = per * (uint32_t)ith, t1 = t0 + per > q->n_tok ? q->n_tok : t0 + per;
    size_t nb = q->cols / IE_QK;
    for (uint32_t t = t0; t < t1; t++) {
        float *row = q->x + (size_t)t * q->cols;
        ie_block_q8a *b = q->c->xq + (size_t)t * nb;
        switch (q->layout) {
        case IE_ACT_SPLIT:
            ie_quantize_act_split(row, (uint8_t *)q->c->xq + (size_t)t * ie_act_split_bytes(q->cols), q->cols);
            continue;
        case IE_ACT_K_HALVES: ie_quantize_act_k_halves(row, b, q->cols); break;
        case IE_ACT_K: ie_quantize_act_k(row, b, q->cols); break;
        default: ie_quantize_act(row, b, q->cols); break;
        }
        if (q->round)
            for (size_t i = 0; i < nb; i++)
                for (int e = 0; e < IE_QK; e++)
                    row[i * IE_QK + (size_t)e] = b[i].d * (float)b[i].q[e];
    }
}

/* Quantizes x into c->xq in the layout w's kernel reads, unless it is
 * there already (q, k and v share one quantization); round: also rewrites
 * x to the quantized values. */
static void quantize_input(ie_context *c, const ie_weight *w, float *x, uint32_t n_tok, bool repacked, bool round)
{
    /* The repacked kernel's layout; else llama.cpp's Q8_K scales (per 256)
     * for K-quant weights, 32-blocks otherwise. */
    ie_act_layout layout = repacked                                             ? ie_repack_act(w->type)
                           : ggml_type_get(w->type)->block_elems == IE_QK_K ? IE_ACT_K
                                                                             : IE_ACT_32;
    if (c->xq_of == x && c->xq_cols == w->cols && c->xq_ntok == n_tok && c->xq_layout == layout &&
        (c->xq_rounded || !round))
        return;
    c->xq_of = x;
    c->xq_cols = w->cols;
    c->xq_ntok = n_tok;
    c->xq_layout = layout;
    c->xq_rounded = round;
    quant_job q = {c, x, w->cols, n_tok, layout, round};
    if (n_tok > 1)
        ie_pool_run(c->pool, quant_worker, &q);
    else
        quant_worker(&q, 0, 1);
}

static bool blas_enabled(void)
{
    static int on = -1; /* ie_matmul runs on the caller's thread only */
    if (on < 0) {
        const char *e = getenv("INFRAC_ENGINE_BLAS");
        on = e && !strcmp(e, "1");
        /* The pool's threads each run one sgemm; OpenBLAS must not add its own. */
        if (on)
            openblas_set_num_threads(1);
    }
    return on;
}

static bool uses_blas(const ie_context *c, const ie_weight *w, uint32_t n_tok)
{
    return !(w->rp && c->rdot) && n_tok >= BLAS_MIN_TOK && w->cols <= BLAS_TILE_FLOATS && blas_enabled();
}

/* Whether ie_matmul rewrites x for this weight (sgemm on a weight type
 * with an integer kernel). */
static bool rounds_input(const ie_context *c, const ie_weight *w, uint32_t n_tok)
{
    return uses_blas(c, w, n_tok) && c->qdot[w->type];
}

void ie_matmul(ie_context *c, const ie_weight *w, float *x, uint32_t n_tok, float *y, uint64_t ldy,
               const float *bias, bool accumulate)
{
    matmul_job j = {c, w, x, n_tok, y, ldy, bias, accumulate, c->qdot[w->type], w->rp ? c->rdot : NULL, false,
                    {0}, 1, {{w, y, ldy, bias}}, {0}};
    j.blas = uses_blas(c, w, n_tok);
    if (j.blas && !c->blas_tiles) {
        c->blas_tiles = malloc((size_t)ie_pool_size(c->pool) * BLAS_TILE_FLOATS * sizeof(float));
        j.blas = c->blas_tiles != NULL; /* out of memory: the integer kernels need none */
    }
    if (j.qdot || j.rdot)
        quantize_input(c, w, x, n_tok, j.rdot != NULL, j.blas);
    int nth = ie_pool_size(c->pool);
    if (j.blas) {
        ie_chunks_init(&j.chunks, w->rows, nth, BLAS_TILE_FLOATS / w->cols);
    } else if (j.rdot) {
        j.first_tile[1] = w->rows / IE_TILE_ROWS;
        ie_chunks_init(&j.chunks, w->rows / IE_TILE_ROWS, nth, 1);
    } else {
        ie_chunks_init(&j.chunks, w->rows, nth, 16);
    }
    ie_pool_run(c->pool, matmul_worker, &j);
}

void ie_matmul_set(ie_context *c, const ie_matmul_out *outs, int n_outs, float *x, uint32_t n_tok)
{
    bool fused = c->rdot && n_outs <= IE_MATMUL_SET;
    for (int i = 0; i < n_outs && fused; i++)
        fused = outs[i].w->rp && outs[i].w->cols == outs[0].w->cols &&
                ie_repack_act(outs[i].w->type) == ie_repack_act(outs[0].w->type);
    if (!fused) {
        /* Products that round x in place (sgemm) after those that quantize
         * the original (repacked kernels), so none sees x rounded twice. */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n_outs; i++)
                if (rounds_input(c, outs[i].w, n_tok) == (pass == 1))
                    ie_matmul(c, outs[i].w, x, n_tok, outs[i].y, outs[i].ldy, outs[i].bias, false);
        return;
    }
    matmul_job j = {c, outs[0].w, x, n_tok, NULL, 0, NULL, false, NULL, c->rdot, false, {0}, n_outs, {{0}}, {0}};
    for (int i = 0; i < n_outs; i++) {
        j.parts[i] = outs[i];
        j.first_tile[i + 1] = j.first_tile[i] + outs[i].w->rows / IE_TILE_ROWS;
    }
    quantize_input(c, outs[0].w, x, n_tok, true, false);
    ie_chunks_init(&j.chunks, j.first_tile[n_outs], ie_pool_size(c->pool), 1);
    ie_pool_run(c->pool, matmul_worker, &j);
}
