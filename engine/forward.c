/* The transformer forward pass for llama / qwen2 / qwen3 / qwen3moe /
 * gemma3 / gemma4 over a batch of tokens of one slot. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "context_internal.h"

/* out = x / rms(x) * w (w NULL: no weight, gemma4's V norm). */
static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float scale = 1.0f / sqrtf((float)(ss / n) + eps);
    for (uint32_t i = 0; i < n; i++)
        out[i] = w ? x[i] * scale * w[i] : x[i] * scale;
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

typedef struct glu_job {
    float *gate;
    const float *up;
    uint64_t n;
    bool gelu;
} glu_job;

/* GELU (tanh form) of every F16 value, rounded to F16: ggml's CPU backend
 * (ggml/src/ggml-cpu/vec.h, GGML_GELU_FP16) looks GELU up in such a table
 * after rounding x to F16, except below -10 (0) and above 10 (x). */
static float gelu_table[65536];
static pthread_once_t gelu_once = PTHREAD_ONCE_INIT;

static void gelu_table_init(void)
{
    for (uint32_t h = 0; h < 65536; h++) {
        float x = ie_f16_to_f32((uint16_t)h);
        float g = 0.5f * x * (1.0f + tanhf(0.79788456080286535587989211986876f * x * (1.0f + 0.044715f * x * x)));
        gelu_table[h] = ie_f16_to_f32(ie_f32_to_f16(g));
    }
}

/* gate = act(gate) * up over this thread's share; act is SiLU or GELU. */
static void glu_worker(void *arg, int ith, int nth)
{
    const glu_job *j = arg;
    uint64_t per = (j->n + (uint64_t)nth - 1) / (uint64_t)nth;
    uint64_t i0 = per * (uint64_t)ith, i1 = i0 + per > j->n ? j->n : i0 + per;
    if (j->gelu) {
        for (uint64_t i = i0; i < i1; i++) {
            float g = j->gate[i];
            j->gate[i] = g <= -10.0f ? 0.0f : g >= 10.0f ? g * j->up[i] : gelu_table[ie_f32_to_f16(g)] * j->up[i];
        }
        return;
    }
    for (uint64_t i = i0; i < i1; i++) {
        float g = j->gate[i];
        j->gate[i] = g / (1.0f + expf(-g)) * j->up[i];
    }
}

void ie_glu(ie_context *c, float *gate, const float *up, uint64_t n, bool gelu)
{
    if (gelu)
        pthread_once(&gelu_once, gelu_table_init);
    glu_job j = {gate, up, n, gelu};
    if (n > 16384) /* a batch; one token's row is too short to share out */
        ie_pool_run(c->pool, glu_worker, &j);
    else
        glu_worker(&j, 0, 1);
}

/* x += norm(y) (gemma3's post-attention / post-FFN norms) or x += y. */
static void add_residual(float *x, float *y, const float *post_norm, uint32_t n, float eps)
{
    if (post_norm)
        rmsnorm(y, y, post_norm, n, eps);
    for (uint32_t i = 0; i < n; i++)
        x[i] += y[i];
}

void ie_forward(ie_context *c, uint32_t slot, const int32_t *tokens, uint32_t n, uint32_t pos)
{
    const ie_model *m = c->model;
    const ie_hparams *hp = &m->hp;
    uint32_t E = hp->n_embd;

    for (uint32_t t = 0; t < n; t++) {
        float *xt = c->x + (size_t)t * E;
        ie_dequantize_row(m->token_embd.type, m->token_embd.data + (uint64_t)tokens[t] * m->token_embd.row_bytes,
                          xt, E);
        if (hp->embd_scale != 1.0f)
            for (uint32_t i = 0; i < E; i++)
                xt[i] *= hp->embd_scale;
    }

    float cs[512], sn[512];
    for (uint32_t l = 0; l < hp->n_layer; l++) {
        const ie_layer *ly = &m->layers[l];
        /* this layer's geometry (gemma4's sliding layers have their own) */
        uint32_t hdk = ly->head_dim_k, hdv = ly->head_dim_v, nkv = ly->n_head_kv;
        uint64_t qdim = (uint64_t)hp->n_head * hdk, kdim = (uint64_t)nkv * hdk, vdim = (uint64_t)nkv * hdv;
        for (uint32_t t = 0; t < n; t++)
            rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->attn_norm, E, hp->rms_eps);
        c->xq_of = NULL;
        ie_matmul_out qkv[3] = {{&ly->wq, c->q, qdim, ly->bq}, {&ly->wk, c->k, kdim, ly->bk},
                                {&ly->wv, c->v, vdim, ly->bv}};
        ie_matmul_set(c, qkv, ly->v_is_k ? 2 : 3, c->xb, n);
        if (ly->v_is_k) /* gemma4 without attn_v: V is K before its norm and rotation */
            memcpy(c->v, c->k, (size_t)n * kdim * sizeof(float));
        for (uint32_t t = 0; t < n; t++) {
            float *q = c->q + t * qdim, *k = c->k + t * kdim, *v = c->v + t * vdim;
            if (ly->q_norm) {
                for (uint32_t h = 0; h < hp->n_head; h++)
                    rmsnorm(q + h * hdk, q + h * hdk, ly->q_norm, hdk, hp->rms_eps);
                for (uint32_t h = 0; h < nkv; h++)
                    rmsnorm(k + h * hdk, k + h * hdk, ly->k_norm, hdk, hp->rms_eps);
            }
            if (ly->v_norm)
                for (uint32_t h = 0; h < nkv; h++)
                    rmsnorm(v + h * hdv, v + h * hdv, NULL, hdv, hp->rms_eps);
            float turn = (float)(pos + t); /* times theta_scale per pair (model.c) */
            for (uint32_t i = 0; i < ly->rope_dim / 2; i++, turn *= ly->rope_theta_scale) {
                float theta = ly->freq_factors ? turn / ly->freq_factors[i] : turn;
                if (ly->rope_scale != 1.0f)
                    theta *= ly->rope_scale;
                cs[i] = cosf(theta);
                sn[i] = sinf(theta);
            }
            for (uint32_t h = 0; h < hp->n_head; h++)
                rope_head(q + h * hdk, cs, sn, ly->rope_dim, hp->rope_neox);
            if (hp->q_scale != 1.0f)
                for (uint64_t i = 0; i < qdim; i++)
                    q[i] *= hp->q_scale;
            for (uint32_t h = 0; h < nkv; h++)
                rope_head(k + h * hdk, cs, sn, ly->rope_dim, hp->rope_neox);
            ie_quantize_row(c->params.cache_k, k, ie_kv_k(c, l, slot, pos + t), kdim);
            ie_quantize_row(c->params.cache_v, v, ie_kv_v(c, l, slot, pos + t), vdim);
        }
        ie_attention(c, l, slot, n, pos);
        if (ly->attn_post_norm) {
            /* xb (the attention input) is free: wo's output goes there */
            ie_matmul(c, &ly->wo, c->att, n, c->xb, E, NULL, false);
            for (uint32_t t = 0; t < n; t++)
                add_residual(c->x + (size_t)t * E, c->xb + (size_t)t * E, ly->attn_post_norm, E, hp->rms_eps);
        } else {
            ie_matmul(c, &ly->wo, c->att, n, c->x, E, NULL, true);
        }

        for (uint32_t t = 0; t < n; t++)
            rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->ffn_norm, E, hp->rms_eps);
        c->xq_of = NULL;
        if (hp->n_expert && hp->moe_shared) {
            ie_moe_ffn_gemma4(c, ly, n);
            if (ly->out_scale != 1.0f) /* gemma4 layer_output_scale */
                for (uint64_t i = 0; i < (uint64_t)n * E; i++)
                    c->x[i] *= ly->out_scale;
            continue;
        }
        if (hp->n_expert) {
            ie_moe_ffn(c, ly, n);
            continue;
        }
        ie_matmul_out gate_up[2] = {{&ly->w_gate, c->gate, hp->n_ff, NULL}, {&ly->w_up, c->up, hp->n_ff, NULL}};
        ie_matmul_set(c, gate_up, 2, c->xb, n);
        ie_glu(c, c->gate, c->up, (uint64_t)n * hp->n_ff, hp->gelu);
        if (ly->ffn_post_norm) {
            ie_matmul(c, &ly->w_down, c->gate, n, c->xb, E, NULL, false);
            for (uint32_t t = 0; t < n; t++)
                add_residual(c->x + (size_t)t * E, c->xb + (size_t)t * E, ly->ffn_post_norm, E, hp->rms_eps);
        } else {
            ie_matmul(c, &ly->w_down, c->gate, n, c->x, E, NULL, true);
        }
        if (ly->out_scale != 1.0f) /* gemma4 layer_output_scale */
            for (uint64_t i = 0; i < (uint64_t)n * E; i++)
                c->x[i] *= ly->out_scale;
    }
    c->x_rows = n;
    float *last = c->x + (size_t)(n - 1) * E;
    rmsnorm(c->xb, last, m->output_norm, E, hp->rms_eps);
    c->xq_of = NULL;
    float *logits = c->logits + (size_t)slot * hp->n_vocab;
    ie_matmul(c, &m->output, c->xb, 1, logits, hp->n_vocab, NULL, false);
    if (hp->logit_softcap > 0)
        for (uint32_t i = 0; i < hp->n_vocab; i++)
            logits[i] = tanhf(logits[i] / hp->logit_softcap) * hp->logit_softcap;
}

void ie_forward_pool(ie_context *c, uint32_t n, uint32_t pos, float *pooled)
{
    const ie_hparams *hp = &c->model->hp;
    uint32_t E = hp->n_embd;
    float *row = c->xb; /* scratch: the logits are computed already */
    for (uint32_t t = 0; t < n && t < c->x_rows; t++) {
        bool wanted = hp->pooling == IE_POOLING_MEAN || (hp->pooling == IE_POOLING_CLS && pos + t == 0) ||
                      (hp->pooling == IE_POOLING_LAST && t + 1 == n);
        if (!wanted)
            continue;
        rmsnorm(row, c->x + (size_t)t * E, c->model->output_norm, E, hp->rms_eps);
        for (uint32_t i = 0; i < E; i++)
            pooled[i] = hp->pooling == IE_POOLING_MEAN ? pooled[i] + row[i] : row[i];
    }
}
