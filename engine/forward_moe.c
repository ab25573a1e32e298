/* The mixture-of-experts FFN (qwen3moe), as llama.cpp's build_moe_ffn in
 * src/llama-graph.cpp computes it: router logits, softmax over all
 * experts, the top expert_used_count, their probabilities renormalised to
 * sum 1, and the weighted sum of those experts' SwiGLU FFNs. Tokens are
 * grouped by expert, so each chosen expert's rows are read once per batch
 * and the experts nobody chose are never touched. */
#include <math.h>
#include <string.h>

#include "context_internal.h"

/* llama.cpp clamps the sum of the chosen weights to the smallest normal
 * F16 before dividing. */
#define MOE_MIN_WEIGHT_SUM 6.103515625e-5f

/* Softmax of one token's router logits in place (ggml_soft_max: the sum
 * in double, then one scale). */
static void softmax(float *p, uint32_t n)
{
    float max = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        if (p[i] > max)
            max = p[i];
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = expf(p[i] - max);
        sum += p[i];
    }
    float inv = (float)(1.0 / sum);
    for (uint32_t i = 0; i < n; i++)
        p[i] *= inv;
}

/* The k largest probabilities (ties: the lower expert first), best first,
 * and their weights renormalised to sum 1. */
static void choose(const float *p, uint32_t n_expert, uint32_t k, int32_t *ids, float *w)
{
    double sum = 0;
    for (uint32_t j = 0; j < k; j++) {
        int32_t best = -1;
        for (uint32_t e = 0; e < n_expert; e++) {
            bool taken = false;
            for (uint32_t i = 0; i < j && !taken; i++)
                taken = ids[i] == (int32_t)e;
            if (!taken && (best < 0 || p[e] > p[best] || (isnan(p[best]) && !isnan(p[e]))))
                best = (int32_t)e;
        }
        ids[j] = best;
        w[j] = p[best];
        sum += w[j];
    }
    float s = (float)sum;
    if (!(s >= MOE_MIN_WEIGHT_SUM))
        s = isnan(s) ? s : MOE_MIN_WEIGHT_SUM;
    for (uint32_t j = 0; j < k; j++)
        w[j] /= s;
}

/* The routed experts of layer ly for n tokens: the router on rin (its
 * logits already in moe_probs when rin is NULL), the experts on xin, their
 * weighted outputs added to out (rows of n_embd). */
static void moe_route(ie_context *c, const ie_layer *ly, uint32_t n, float *rin, float *xin, float *out)
{
    const ie_hparams *hp = &c->model->hp;
    uint32_t E = hp->n_embd, NE = hp->n_expert, K = hp->n_expert_used, F = hp->n_ff_exp;

    c->xq_of = NULL;
    if (rin)
        ie_matmul(c, &ly->router, rin, n, c->moe_probs, NE, NULL, false);
    for (uint32_t t = 0; t < n; t++) {
        softmax(c->moe_probs + (size_t)t * NE, NE);
        choose(c->moe_probs + (size_t)t * NE, NE, K, c->moe_ids + (size_t)t * K, c->moe_w + (size_t)t * K);
    }

    /* Counting sort of the n*K (token, k) pairs by expert, in token order. */
    uint32_t *start = c->moe_start, *order = c->moe_order;
    memset(start, 0, ((size_t)NE + 1) * sizeof *start);
    for (uint32_t i = 0; i < n * K; i++)
        start[c->moe_ids[i] + 1]++;
    for (uint32_t e = 0; e < NE; e++)
        start[e + 1] += start[e];
    for (uint32_t i = 0; i < n * K; i++)
        order[start[c->moe_ids[i]]++] = i;
    for (uint32_t e = NE; e > 0; e--)
        start[e] = start[e - 1];
    start[0] = 0;

    for (uint32_t e = 0; e < NE; e++) {
        uint32_t p0 = start[e], cnt = start[e + 1] - p0;
        if (!cnt)
            continue;
        for (uint32_t i = 0; i < cnt; i++)
            memcpy(c->moe_x + (size_t)i * E, xin + (size_t)(order[p0 + i] / K) * E, E * sizeof(float));
        ie_weight gate = ie_expert_slice(&ly->exp_gate, e), up = ie_expert_slice(&ly->exp_up, e);
        ie_weight down = ie_expert_slice(&ly->exp_down, e);
        float *g = c->gate + (size_t)p0 * F, *u = c->up + (size_t)p0 * F;
        c->xq_of = NULL; /* moe_x holds another expert's rows now */
        ie_matmul_out gu[2] = {{&gate, g, F, NULL}, {&up, u, F, NULL}};
        ie_matmul_set(c, gu, 2, c->moe_x, cnt);
        ie_glu(c, g, u, (uint64_t)cnt * F, hp->gelu);
        ie_matmul(c, &down, g, cnt, c->moe_x, E, NULL, false);
        /* gemma4's per-expert scale of down's output, before the weight */
        float ds = ly->exp_down_scale ? ly->exp_down_scale[e] : 1.0f;
        for (uint32_t i = 0; i < cnt; i++) {
            uint32_t pair = order[p0 + i];
            float w = c->moe_w[pair], *dst = out + (size_t)(pair / K) * E;
            const float *src = c->moe_x + (size_t)i * E;
            if (ly->exp_down_scale)
                for (uint32_t d = 0; d < E; d++)
                    dst[d] += src[d] * ds * w;
            else
                for (uint32_t d = 0; d < E; d++)
                    dst[d] += w * src[d];
        }
    }
    c->xq_of = NULL;
}

void ie_moe_ffn(ie_context *c, const ie_layer *ly, uint32_t n)
{
    moe_route(c, ly, n, c->xb, c->xb, c->x);
}

/* out = x / rms(x) * w (w NULL: no weight), as forward.c's. */
static void rmsnorm(float *out, const float *x, const float *w, uint32_t n, float eps)
{
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float scale = 1.0f / sqrtf((float)(ss / n) + eps);
    for (uint32_t i = 0; i < n; i++)
        out[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}

void ie_moe_ffn_gemma4(ie_context *c, const ie_layer *ly, uint32_t n)
{
    const ie_hparams *hp = &c->model->hp;
    uint32_t E = hp->n_embd;
    float eps = hp->rms_eps, inv = 1.0f / sqrtf((float)E);
    /* the dense FFN on ffn_norm(x), post_ffw_norm_1 on its output */
    for (uint32_t t = 0; t < n; t++)
        rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->ffn_norm, E, eps);
    c->xq_of = NULL;
    ie_matmul_out gate_up[2] = {{&ly->w_gate, c->gate, hp->n_ff, NULL}, {&ly->w_up, c->up, hp->n_ff, NULL}};
    ie_matmul_set(c, gate_up, 2, c->xb, n);
    ie_glu(c, c->gate, c->up, (uint64_t)n * hp->n_ff, true);
    ie_matmul(c, &ly->w_down, c->gate, n, c->moe_dense, E, NULL, false);
    /* the router on rms_norm(x) / sqrt(n_embd) x ffn_gate_inp.scale */
    for (uint32_t t = 0; t < n; t++) {
        float *r = c->xb + (size_t)t * E;
        rmsnorm(c->moe_dense + (size_t)t * E, c->moe_dense + (size_t)t * E, ly->ffn_post_norm_1, E, eps);
        rmsnorm(r, c->x + (size_t)t * E, NULL, E, eps);
        for (uint32_t d = 0; d < E; d++)
            r[d] = r[d] * inv * ly->router_scale[d];
    }
    c->xq_of = NULL;
    ie_matmul(c, &ly->router, c->xb, n, c->moe_probs, hp->n_expert, NULL, false);
    /* the experts on pre_ffw_norm_2(x), post_ffw_norm_2 on their sum */
    for (uint32_t t = 0; t < n; t++)
        rmsnorm(c->xb + (size_t)t * E, c->x + (size_t)t * E, ly->ffn_pre_norm_2, E, eps);
    memset(c->moe_out, 0, (size_t)n * E * sizeof(float));
    moe_route(c, ly, n, NULL, c->xb, c->moe_out);
    for (uint32_t t = 0; t < n; t++) {
        float *a = c->moe_dense + (size_t)t * E, *b = c->moe_out + (size_t)t * E, *x = c->x + (size_t)t * E;
        rmsnorm(b, b, ly->ffn_post_norm_2, E, eps);
        for (uint32_t d = 0; d < E; d++)
            a[d] += b[d];
        rmsnorm(a, a, ly->ffn_post_norm, E, eps);
        for (uint32_t d = 0; d < E; d++)
            x[d] += a[d];
    }
}
