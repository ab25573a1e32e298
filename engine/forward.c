/* The transformer forward pass for llama / qwen2 / qwen3 over a batch of
 * tokens of one slot. */
#include <math.h>
#include <string.h>

#include "context_internal.h"

static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float scale = 1.0f / sqrtf((float)(ss / n) + eps);
    for (uint32_t i = 0; i < n; i++)
        out[i] = x[i] * scale * w[i];
}

/* Rotates the first rope_dim values of one head. */
static void rope_head(float *h, const float *cs, const float *sn, uint32_t rope_dim, bool neox)
{
    uint32_t half = rope_dim / 2;
    for (uint32_t i = 0; i < half; i++) {
        uint32_t a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
        float x0 = h[a], x1 = h[b];
        h[a] = x0 * cs[i] - x1 * sn[i];
        h[b] = x0 * sn[i] + x1 * cs[i];
    }
}

uint8_t *ie_kv_k(ie_context *c, uint32_t layer, uint64_t cell)
{
    uint64_t cells = (uint64_t)c->cells_per_slot * c->params.n_slots;
    return c->kv + (uint64_t)layer * cells * (c->k_row_bytes + c->v_row_bytes) + cell * c->k_row_bytes;
}

uint8_t *ie_kv_v(ie_context *c, uint32_t layer, uint64_t cell)
{
    uint64_t cells = (uint64_t)c->cells_per_slot * c->params.n_slots;
    return c->kv + (uint64_t)layer * cells * (c->k_row_bytes + c->v_row_bytes) + cells * c->k_row_bytes +
           cell * c->v_row_bytes;
}

typedef struct attn_job {
    ie_context *c;
    uint32_t layer, slot, n_tok, pos;
    ie_chunks tasks; /* (token, head) pairs; later tokens cost more */
} attn_job;

/* Bytes from the start of a cache row to element e (e at a block start). */
static uint64_t cache_offset(uint32_t type, uint64_t e)
{
    uint64_t b = 0;
    ggml_row_bytes(type, e, &b);
    return b;
}

/* llama.cpp's CPU backend converts the query to the K cache's dot type
 * before K·q (F16 for an F16 cache, Q8_0 for a quantized one); doing the
 * same keeps the attention scores identical to its. q is this task's own
 * query row, so rounding it in place is safe. */
static void round_query(float *q, uint32_t cache_k, uint32_t n)
{
    if (cache_k == GGML_T_F16) {
        for (uint32_t i = 0; i < n; i++)
            q[i] = ie_f16_to_f32(ie_f32_to_f16(q[i]));
    } else if (cache_k != GGML_T_F32 && n % IE_QK == 0) {
        ie_block_q8a b;
        for (uint32_t i = 0; i < n; i += IE_QK) {
            ie_quantize_act(q + i, &b, IE_QK);
            for (int k = 0; k < IE_QK; k++)
                q[i + (uint32_t)k] = b.d * (float)b.q[k];
        }
    }
}

static void attn_worker(void *arg, int ith, int nth)
{
    attn_job *j = arg;
    ie_context *c = j->c;
    const ie_hparams *hp = &c->model->hp;
    (void)nth;
    uint32_t hdk = hp->head_dim_k, hdv = hp->head_dim_v, group = hp->n_head / hp->n_head_kv;
    uint32_t ck = c->params.cache_k, cv = c->params.cache_v;
    float *scores = c->scores + (size_t)ith * c->cells_per_slot;
    float *krow = c->kv_row + (size_t)ith * (hdk + hdv), *vrow = krow + hdk;
    float scale = 1.0f / sqrtf((float)hdk);
    uint64_t base = (uint64_t)j->slot * c->cells_per_slot;
    uint64_t a0, a1;
    while (ie_chunks_take(&j->tasks, &a0, &a1))
    for (uint32_t task = (uint32_t)a0; task < a1; task++) {
        uint32_t t = task / hp->n_head, h = task % hp->n_head, kvh = h / group;
        float *q = c->q + (size_t)t * hp->n_head * hdk + (size_t)h * hdk;
        float *out = c->att + (size_t)t * hp->n_head * hdv + (size_t)h * hdv;
        uint32_t n_att = j->pos + t + 1;
        uint64_t koff = cache_offset(ck, (uint64_t)kvh * hdk), voff = cache_offset(cv, (uint64_t)kvh * hdv);
        const ie_attn_kernels *ak = &c->attn;
        round_query(q, ck, hdk);
        float max = -INFINITY;
        for (uint32_t p = 0; p < n_att; p++) {
            const uint8_t *src = ie_kv_k(c, j->layer, base + p) + koff;
            float s;
            if (ck == GGML_T_F16) {
                s = ak->dot_f16(q, (const uint16_t *)src, hdk);
            } else if (ck == GGML_T_F32) {
                s = ak->dot_f32(q, (const float *)src, hdk);
            } else {
                ie_dequantize_row(ck, src, krow, hdk);
                s = ak->dot_f32(q, krow, hdk);
            }
            s *= scale;
            scores[p] = s;
            if (s > max)
                max = s;
        }
        float sum = 0;
        for (uint32_t p = 0; p < n_att; p++) {
            scores[p] = expf(scores[p] - max);
            sum += scores[p];
        }
        float inv = 1.0f / sum;
        memset(out, 0, hdv * sizeof(float));
        for (uint32_t p = 0; p < n_att; p++) {
            const uint8_t *src = ie_kv_v(c, j->layer, base + p) + voff;
            float wgt = scores[p] * inv;
            if (cv == GGML_T_F16) {
                /* llama.cpp multiplies F16 V by F16 weights */
                wgt = ie_f16_to_f32(ie_f32_to_f16(wgt));
                ak->axpy_f16(out, wgt, (const uint16_t *)src, hdv);
            } else if (cv == GGML_T_F32) {
                ak->axpy_f32(out, wgt, (const float *)src, hdv);
            } else {
                ie_dequantize_row(cv, src, vrow, hdv);
                ak->axpy_f32(out, wgt, vrow, hdv);
            }
        }
    }
}

typedef struct swiglu_job {
    float *gate;
    const float *up;
    uint64_t n;
} swiglu_job;

/* gate = silu(gate) * up over this thread's share. */
static void swiglu_worker(void *arg, int ith, int nth)
{
    const swiglu_job *j = arg;
    uint64_t per = (j->n + (uint64_t)nth - 1) / (uint64_t)nth;
    uint64_t i0 = per * (uint64_t)ith, i1 = i0 + per > j->n ? j->n : i0 + per;
    for (uint64_t i = i0; i < i1; i++) {
        float g = j->gate[i];
        j->gate[i] = g / (1.0f + expf(-g)) * j->up[i];
    }
}

void ie_forward(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos)
{
    const ie_model *m = c->model;
    const ie_hparams *hp = &m->hp;
    uint32_t E = hp->n_embd, hdk = hp->head_dim_k;
    uint64_t qdim = (uint64_t)hp->n_head * hdk, kdim = (uint64_t)hp->n_head_kv * hdk;
    uint64_t vdim = (uint64_t)hp->n_head_kv * hp->head_dim_v, odim = (uint64_t)hp->n_head * hp->head_dim_v;
    uint64_t base = (uint64_t)slot * c->cells_per_slot;

    for (uint32_t t = 0; t < n; t++)
        ie_dequantize_row(m->token_embd.type, m->token_embd.data + (uint64_t)tokens[t] * m->token_embd.row_bytes,
                          c->x + (size_t)t * E, E);

    float cs[512], sn[512];
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const ie_layer *ly = &m->layers[l];
        for (uint32_t t = 0; t < n; t++)
            rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->attn_norm, E, hp->rms_eps);
        c->xq_of = NULL;
        ie_matmul_out qkv[3] = {{&ly->wq, c->q, qdim, ly->bq}, {&ly->wk, c->k, kdim, ly->bk},
                                {&ly->wv, c->v, vdim, ly->bv}};
        ie_matmul_set(c, qkv, 3, c->xb, n);
        for (uint32_t t = 0; t < n; t++) {
            float *q = c->q + t * qdim, *k = c->k + t * kdim;
            if (ly->q_norm) {
                for (uint32_t h = 0; h < hp->n_head; h++)
                    rmsnorm(q + h * hdk, q + h * hdk, ly->q_norm, hdk, hp->rms_eps);
                for (uint32_t h = 0; h < hp->n_head_kv; h++)
                    rmsnorm(k + h * hdk, k + h * hdk, ly->k_norm, hdk, hp->rms_eps);
            }
            float p = (float)(pos + t);
            for (uint32_t i = 0; i < hp->rope_dim / 2; i++) {
                float theta = p * m->rope_inv_freq[i];
                cs[i] = cosf(theta);
                sn[i] = sinf(theta);
            }
            for (uint32_t h = 0; h < hp->n_head; h++)
                rope_head(q + h * hdk, cs, sn, hp->rope_dim, hp->rope_neox);
            for (uint32_t h = 0; h < hp->n_head_kv; h++)
                rope_head(k + h * hdk, cs, sn, hp->rope_dim, hp->rope_neox);
            ie_quantize_row(c->params.cache_k, k, ie_kv_k(c, l, base + pos + t), kdim);
            ie_quantize_row(c->params.cache_v, c->v + t * vdim, ie_kv_v(c, l, base + pos + t), vdim);
        }
        attn_job aj = {c, l, slot, n, pos, {0}};
        ie_chunks_init(&aj.tasks, (uint64_t)n * hp->n_head, ie_pool_size(c->pool), 1);
        ie_pool_run(c->pool, attn_worker, &aj);
        ie_matmul(c, &ly->wo, c->att, n, c->x, E, NULL, true);

        for (uint32_t t = 0; t < n; t++)
            rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->ffn_norm, E, hp->rms_eps);
        c->xq_of = NULL;
        ie_matmul_out gate_up[2] = {{&ly->w_gate, c->gate, hp->n_ff, NULL}, {&ly->w_up, c->up, hp->n_ff, NULL}};
        ie_matmul_set(c, gate_up, 2, c->xb, n);
        swiglu_job sj = {c->gate, c->up, (uint64_t)n * hp->n_ff};
        if (n > 1)
            ie_pool_run(c->pool, swiglu_worker, &sj);
        else
            swiglu_worker(&sj, 0, 1);
        ie_matmul(c, &ly->w_down, c->gate, n, c->x, E, NULL, true);
        (void)odim;
    }
    float *last = c->x + (size_t)(n - 1) * E;
    rmsnorm(c->xb, last, m->output_norm, E, hp->rms_eps);
    c->xq_of = NULL;
    ie_matmul(c, &m->output, c->xb, 1, c->logits + (size_t)slot * hp->n_vocab, hp->n_vocab, NULL, false);
}
