/* The reference integer dot kernels: plain C, the behaviour every SIMD
 * version must reproduce. */
#include "kernels.h"

#include "ggml_types.h"

static void dot_q4_0(size_t nb, const void *w, const ie_block_q8a *a, size_t as, int ncols, float *out)
{
    const ie_block_q4_0 *b = w;
    for (int c = 0; c < ncols; c++) {
        const ie_block_q8a *ac = a + c * as;
        float acc = 0;
        for (size_t i = 0; i < nb; i++) {
            int32_t s = 0;
            for (int j = 0; j < 16; j++)
                s += (b[i].qs[j] & 0xf) * ac[i].q[j] + (b[i].qs[j] >> 4) * ac[i].q[j + 16];
            s -= 8 * ac[i].sum;
            acc += (float)s * ie_f16_to_f32(b[i].d) * ac[i].d;
        }
        out[c] = acc;
    }
}

static void dot_q8_0(size_t nb, const void *w, const ie_block_q8a *a, size_t as, int ncols, float *out)
{
    const ie_block_q8_0 *b = w;
    for (int c = 0; c < ncols; c++) {
        const ie_block_q8a *ac = a + c * as;
        float acc = 0;
        for (size_t i = 0; i < nb; i++) {
            int32_t s = 0;
            for (int j = 0; j < 32; j++)
                s += b[i].qs[j] * ac[i].q[j];
            acc += (float)s * ie_f16_to_f32(b[i].d) * ac[i].d;
        }
        out[c] = acc;
    }
}

static void dot_q4_k(size_t nb, const void *w, const ie_block_q8a *a, size_t as, int ncols, float *out)
{
    const ie_block_q4_k *b = w;
    for (int c = 0; c < ncols; c++) {
        const ie_block_q8a *ac = a + c * as;
        float acc = 0;
        for (size_t i = 0; i < nb / 8; i++) {
            float d = ie_f16_to_f32(b[i].d), dmin = ie_f16_to_f32(b[i].dmin);
            for (int j = 0; j < 8; j++) {
                const ie_block_q8a *x = ac + i * 8 + j;
                const uint8_t *q = b[i].qs + (j / 2) * 32;
                int shift = (j & 1) * 4;
                uint8_t sc, m;
                ie_scale_min_k4(j, b[i].scales, &sc, &m);
                int32_t s = 0;
                for (int l = 0; l < 32; l++)
                    s += ((q[l] >> shift) & 0xf) * x->q[l];
                acc += x->d * (d * (float)sc * (float)s - dmin * (float)m * (float)x->sum);
            }
        }
        out[c] = acc;
    }
}

/* Q5_K: the Q4_K nibbles plus a fifth bit from qh (bit 2j for the low
 * nibbles of 32-byte group j, bit 2j+1 for the high ones). */
static void dot_q5_k(size_t nb, const void *w, const ie_block_q8a *a, size_t as, int ncols, float *out)
{
    const ie_block_q5_k *b = w;
    for (int c = 0; c < ncols; c++) {
        const ie_block_q8a *ac = a + c * as;
        float acc = 0;
        for (size_t i = 0; i < nb / 8; i++) {
            float d = ie_f16_to_f32(b[i].d), dmin = ie_f16_to_f32(b[i].dmin);
            for (int j = 0; j < 8; j++) {
                const ie_block_q8a *x = ac + i * 8 + j;
                const uint8_t *q = b[i].qs + (j / 2) * 32;
                int shift = (j & 1) * 4;
                uint8_t sc, m;
                ie_scale_min_k4(j, b[i].scales, &sc, &m);
                int32_t s = 0;
                for (int l = 0; l < 32; l++)
                    s += (((q[l] >> shift) & 0xf) | (((b[i].qh[l] >> j) & 1) << 4)) * x->q[l];
                acc += x->d * (d * (float)sc * (float)s - dmin * (float)m * (float)x->sum);
            }
        }
        out[c] = acc;
    }
}

static void dot_q6_k(size_t nb, const void *w, const ie_block_q8a *a, size_t as, int ncols, float *out)
{
    const ie_block_q6_k *b = w;
    for (int c = 0; c < ncols; c++) {
        const ie_block_q8a *ac = a + c * as;
        float acc = 0;
        for (size_t i = 0; i < nb / 8; i++) {
            float d = ie_f16_to_f32(b[i].d);
            for (int j = 0; j < 8; j++) {
                const ie_block_q8a *x = ac + i * 8 + j;
                int n = j / 4, part = j % 4;
                const uint8_t *ql = b[i].ql + 64 * n + (part & 1) * 32;
                const uint8_t *qh = b[i].qh + 32 * n;
                int lshift = (part >> 1) * 4, hshift = part * 2;
                int32_t s[2] = {0, 0};
                for (int l = 0; l < 32; l++) {
                    int q = (((ql[l] >> lshift) & 0xf) | (((qh[l] >> hshift) & 3) << 4)) - 32;
                    s[l / 16] += q * x->q[l];
                }
                const int8_t *sc = b[i].scales + 8 * n + 2 * part;
                acc += x->d * d * ((float)sc[0] * (float)s[0] + (float)sc[1] * (float)s[1]);
            }
        }
        out[c] = acc;
    }
}

ie_qdot_fn ie_qdot_portable(uint32_t type)
{
    switch (type) {
    case GGML_T_Q4_0: return dot_q4_0;
    case GGML_T_Q8_0: return dot_q8_0;
    case GGML_T_Q4_K: return dot_q4_k;
    case GGML_T_Q5_K: return dot_q5_k;
    case GGML_T_Q6_K: return dot_q6_k;
    default: return NULL;
    }
}
