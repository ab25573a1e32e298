/* Block decoders follow the ggml layouts (ggml/src/ggml-common.h in llama.cpp); the
 * quantizers are our own simple ones: any valid encoding decodes exactly. */
#include "quant.h"

#include <math.h>
#include <string.h>

#include "ggml_types.h"

float ie_f16_table[65536];

static float f16_decode(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalize */
            int e = -1;
            do { man <<= 1; e++; } while (!(man & 0x400));
            man &= 0x3ff;
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (man << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

__attribute__((constructor)) static void f16_table_init(void)
{
    for (uint32_t i = 0; i < 65536; i++)
        ie_f16_table[i] = f16_decode((uint16_t)i);
}

uint16_t ie_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t exp = (x >> 23) & 0xff;
    uint32_t man = x & 0x7fffff;
    if (exp == 0xff) /* inf / nan */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int e = (int)exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00);
    if (e <= 0) { /* subnormal or zero, round to nearest even */
        if (e < -10)
            return (uint16_t)sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - e);
        uint32_t half = 1u << (shift - 1);
        uint32_t r = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1);
        if (rem > half || (rem == half && (r & 1)))
            r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1)))
        r++; /* may carry into the exponent: still correct (up to inf) */
    return (uint16_t)(sign | r);
}

float ie_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t ie_f32_to_bf16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    if ((x & 0x7fffffff) > 0x7f800000)
        return (uint16_t)((x >> 16) | 64); /* quiet nan */
    x += 0x7fff + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

bool ie_type_supported_weight(uint32_t t)
{
    switch (t) {
    case GGML_T_F32: case GGML_T_F16: case GGML_T_BF16: case GGML_T_Q8_0:
    case GGML_T_Q4_0: case GGML_T_Q4_K: case GGML_T_Q5_K: case GGML_T_Q6_K:
        return true;
    default:
        return false;
    }
}

bool ie_type_supported_cache(uint32_t t)
{
    return t == GGML_T_F32 || t == GGML_T_F16 || t == GGML_T_Q8_0 || t == GGML_T_Q4_0;
}

void ie_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xf) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

static void deq_q4_0(const ie_block_q4_0 *b, float *y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, y += 32) {
        float d = ie_f16_to_f32(b[i].d);
        for (int j = 0; j < 16; j++) {
            y[j] = (float)((b[i].qs[j] & 0xf) - 8) * d;
            y[j + 16] = (float)((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

static void deq_q8_0(const ie_block_q8_0 *b, float *y, size_t nb)
{
    for (size_t i = 0; i < nb; i++, y += 32) {
        float d = ie_f16_to_f32(b[i].d);
        for (int j = 0; j < 32; j++)
            y[j] = (float)b[i].qs[j] * d;
    }
}

static void deq_q4_k(const ie_block_q4_k *b, float *y, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        float d = ie_f16_to_f32(b[i].d), dmin = ie_f16_to_f32(b[i].dmin);
        const uint8_t *q = b[i].qs;
        for (int j = 0; j < 4; j++, q += 32) {
            uint8_t sc1, m1, sc2, m2;
            ie_scale_min_k4(2 * j, b[i].scales, &sc1, &m1);
            ie_scale_min_k4(2 * j + 1, b[i].scales, &sc2, &m2);
            float d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2;
            for (int l = 0; l < 32; l++)
                *y++ = d1 * (float)(q[l] & 0xf) - mm1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * (float)(q[l] >> 4) - mm2;
        }
    }
}

static void deq_q5_k(const ie_block_q5_k *b, float *y, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        float d = ie_f16_to_f32(b[i].d), dmin = ie_f16_to_f32(b[i].dmin);
        const uint8_t *ql = b[i].qs, *qh = b[i].qh;
        uint8_t u1 = 1, u2 = 2;
        for (int j = 0; j < 4; j++, ql += 32, u1 <<= 2, u2 <<= 2) {
            uint8_t sc1, m1, sc2, m2;
            ie_scale_min_k4(2 * j, b[i].scales, &sc1, &m1);
            ie_scale_min_k4(2 * j + 1, b[i].scales, &sc2, &m2);
            float d1 = d * sc1, mm1 = dmin * m1, d2 = d * sc2, mm2 = dmin * m2;
            for (int l = 0; l < 32; l++)
                *y++ = d1 * (float)((ql[l] & 0xf) + ((qh[l] & u1) ? 16 : 0)) - mm1;
            for (int l = 0; l < 32; l++)
                *y++ = d2 * (float)((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - mm2;
        }
    }
}

static void deq_q6_k(const ie_block_q6_k *b, float *y, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        float d = ie_f16_to_f32(b[i].d);
        const uint8_t *ql = b[i].ql, *qh = b[i].qh;
        const int8_t *sc = b[i].scales;
        for (int n = 0; n < 2; n++, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l] = d * sc[is + 0] * (float)q1;
                y[l + 32] = d * sc[is + 2] * (float)q2;
                y[l + 64] = d * sc[is + 4] * (float)q3;
                y[l + 96] = d * sc[is + 6] * (float)q4;
            }
        }
    }
}

void ie_dequantize_row(uint32_t type, const void *src, float *dst, size_t n)
{
    switch (type) {
    case GGML_T_F32:
        memcpy(dst, src, n * 4);
        break;
    case GGML_T_F16: {
        const uint16_t *s = src;
        for (size_t i = 0; i < n; i++)
            dst[i] = ie_f16_to_f32(s[i]);
        break;
    }
    case GGML_T_BF16: {
        const uint16_t *s = src;
        for (size_t i = 0; i < n; i++)
            dst[i] = ie_bf16_to_f32(s[i]);
        break;
    }
    case GGML_T_Q4_0: deq_q4_0(src, dst, n / 32); break;
    case GGML_T_Q8_0: deq_q8_0(src, dst, n / 32); break;
    case GGML_T_Q4_K: deq_q4_k(src, dst, n / 256); break;
    case GGML_T_Q5_K: deq_q5_k(src, dst, n / 256); break;
    case GGML_T_Q6_K: deq_q6_k(src, dst, n / 256); break;
    default:
        memset(dst, 0, n * 4);
        break;
    }
}

static void quant_q8_0(const float *x, ie_block_q8_0 *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; j++)
            amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0;
        b[i].d = ie_f32_to_f16(d);
        for (int j = 0; j < 32; j++)
            b[i].qs[j] = (int8_t)lrintf(x[j] * id);
    }
}

static void quant_q4_0(const float *x, ie_block_q4_0 *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 32) {
        float amax = 0, max = 0;
        for (int j = 0; j < 32; j++)
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0;
        b[i].d = ie_f32_to_f16(d);
        for (int j = 0; j < 16; j++) {
            int q0 = (int)(x[j] * id + 8.5f), q1 = (int)(x[j + 16] * id + 8.5f);
            q0 = q0 < 0 ? 0 : q0 > 15 ? 15 : q0;
            q1 = q1 < 0 ? 0 : q1 > 15 ? 15 : q1;
            b[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

/* Packs 8 six-bit scales and mins as Q4_K / Q5_K store them. */
static void pack_scales_k4(const uint8_t *sc, const uint8_t *m, uint8_t *q)
{
    for (int j = 0; j < 4; j++) {
        q[j] = (uint8_t)((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
        q[j + 4] = (uint8_t)((m[j] & 63) | ((m[j + 4] >> 4) << 6));
        q[j + 8] = (uint8_t)((sc[j + 4] & 0xf) | ((m[j + 4] & 0xf) << 4));
    }
}

/* Sub-block affine fit shared by Q4_K (qmax 15) and Q5_K (qmax 31): scale,
 * min (as a positive offset subtracted) and the 6-bit codes of both. */
static void fit_k4(const float *x, int qmax, float *d_out, float *dmin_out, uint8_t *sc, uint8_t *m)
{
    float scales[8], mins[8], max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; j++) {
        float lo = x[j * 32], hi = x[j * 32];
        for (int l = 1; l < 32; l++) {
            lo = fminf(lo, x[j * 32 + l]);
            hi = fmaxf(hi, x[j * 32 + l]);
        }
        if (lo > 0)
            lo = 0;
        scales[j] = (hi - lo) / (float)qmax;
        mins[j] = -lo;
        max_scale = fmaxf(max_scale, scales[j]);
        max_min = fmaxf(max_min, mins[j]);
    }
    float d = max_scale / 63.0f, dmin = max_min / 63.0f;
    /* Round through f16 so the codes are fitted to what is stored. */
    d = ie_f16_to_f32(ie_f32_to_f16(d));
    dmin = ie_f16_to_f32(ie_f32_to_f16(dmin));
    for (int j = 0; j < 8; j++) {
        int s = d > 0 ? (int)ceilf(scales[j] / d) : 0;
        int mm = dmin > 0 ? (int)ceilf(mins[j] / dmin) : 0;
        sc[j] = (uint8_t)(s > 63 ? 63 : s);
        m[j] = (uint8_t)(mm > 63 ? 63 : mm);
    }
    *d_out = d;
    *dmin_out = dmin;
}

static int k_code(float x, float ds, float dm, int qmax)
{
    if (ds <= 0)
        return 0;
    int q = (int)lrintf((x + dm) / ds);
    return q < 0 ? 0 : q > qmax ? qmax : q;
}

static void quant_q4_k(const float *x, ie_block_q4_k *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 256) {
        float d, dmin;
        uint8_t sc[8], m[8];
        fit_k4(x, 15, &d, &dmin, sc, m);
        b[i].d = ie_f32_to_f16(d);
        b[i].dmin = ie_f32_to_f16(dmin);
        pack_scales_k4(sc, m, b[i].scales);
        for (int j = 0; j < 4; j++) {
            float d1 = d * sc[2 * j], m1 = dmin * m[2 * j];
            float d2 = d * sc[2 * j + 1], m2 = dmin * m[2 * j + 1];
            for (int l = 0; l < 32; l++) {
                int lo = k_code(x[j * 64 + l], d1, m1, 15);
                int hi = k_code(x[j * 64 + 32 + l], d2, m2, 15);
                b[i].qs[j * 32 + l] = (uint8_t)(lo | (hi << 4));
            }
        }
    }
}

static void quant_q5_k(const float *x, ie_block_q5_k *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 256) {
        float d, dmin;
        uint8_t sc[8], m[8];
        fit_k4(x, 31, &d, &dmin, sc, m);
        b[i].d = ie_f32_to_f16(d);
        b[i].dmin = ie_f32_to_f16(dmin);
        pack_scales_k4(sc, m, b[i].scales);
        memset(b[i].qh, 0, 32);
        for (int j = 0; j < 4; j++) {
            float d1 = d * sc[2 * j], m1 = dmin * m[2 * j];
            float d2 = d * sc[2 * j + 1], m2 = dmin * m[2 * j + 1];
            for (int l = 0; l < 32; l++) {
                int lo = k_code(x[j * 64 + l], d1, m1, 31);
                int hi = k_code(x[j * 64 + 32 + l], d2, m2, 31);
                b[i].qs[j * 32 + l] = (uint8_t)((lo & 0xf) | ((hi & 0xf) << 4));
                b[i].qh[l] |= (uint8_t)(((lo >> 4) << (2 * j)) | ((hi >> 4) << (2 * j + 1)));
            }
        }
    }
}

static void quant_q6_k(const float *x, ie_block_q6_k *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++, x += 256) {
        float scales[16], max_abs_scale = 0, max_scale = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0, max = 0;
            for (int l = 0; l < 16; l++)
                if (fabsf(x[j * 16 + l]) > amax) {
                    amax = fabsf(x[j * 16 + l]);
                    max = x[j * 16 + l];
                }
            scales[j] = max / -32.0f;
            if (fabsf(scales[j]) > max_abs_scale) {
                max_abs_scale = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        float d = max_scale / -128.0f;
        d = ie_f16_to_f32(ie_f32_to_f16(d));
        b[i].d = ie_f32_to_f16(d);
        int8_t sc[16];
        for (int j = 0; j < 16; j++) {
            int s = d != 0 ? (int)lrintf(scales[j] / d) : 0;
            sc[j] = (int8_t)(s < -128 ? -128 : s > 127 ? 127 : s);
            b[i].scales[j] = sc[j];
        }
        uint8_t q[256];
        for (int j = 0; j < 16; j++) {
            float ds = d * sc[j];
            for (int l = 0; l < 16; l++) {
                int v = ds != 0 ? (int)lrintf(x[j * 16 + l] / ds) : 0;
                v = v < -32 ? -32 : v > 31 ? 31 : v;
                q[j * 16 + l] = (uint8_t)(v + 32);
            }
        }
        memset(b[i].ql, 0, 128);
        memset(b[i].qh, 0, 64);
        for (int n = 0; n < 2; n++) {
            uint8_t *ql = b[i].ql + 64 * n, *qh = b[i].qh + 32 * n;
            const uint8_t *qq = q + 128 * n;
            for (int l = 0; l < 32; l++) {
                ql[l] = (uint8_t)((qq[l] & 0xf) | ((qq[l + 64] & 0xf) << 4));
                ql[l + 32] = (uint8_t)((qq[l + 32] & 0xf) | ((qq[l + 96] & 0xf) << 4));
                qh[l] = (uint8_t)((qq[l] >> 4) | ((qq[l + 32] >> 4) << 2) | ((qq[l + 64] >> 4) << 4) |
                                  ((qq[l + 96] >> 4) << 6));
            }
        }
    }
}

bool ie_quantize_row(uint32_t type, const float *src, void *dst, size_t n)
{
    const ggml_type_info *ti = ggml_type_get(type);
    if (!ti || n % ti->block_elems)
        return false;
    switch (type) {
    case GGML_T_F32:
        memcpy(dst, src, n * 4);
        return true;
    case GGML_T_F16: {
        uint16_t *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = ie_f32_to_f16(src[i]);
        return true;
    }
    case GGML_T_BF16: {
        uint16_t *d = dst;
        for (size_t i = 0; i < n; i++)
            d[i] = ie_f32_to_bf16(src[i]);
        return true;
    }
    case GGML_T_Q8_0: quant_q8_0(src, dst, n / 32); return true;
    case GGML_T_Q4_0: quant_q4_0(src, dst, n / 32); return true;
    case GGML_T_Q4_K: quant_q4_k(src, dst, n / 256); return true;
    case GGML_T_Q5_K: quant_q5_k(src, dst, n / 256); return true;
    case GGML_T_Q6_K: quant_q6_k(src, dst, n / 256); return true;
    default:
        return false;
    }
}

/* Activations for K-quant weights, as llama.cpp's Q8_K: one scale per
 * 256 values (-127 / the value of largest magnitude), stored in each of the
 * eight 32-blocks, so that the K-quant dot products see the same integers
 * and scales as llama.cpp's. */
void ie_quantize_act_k(const float *x, ie_block_q8a *dst, size_t n)
{
    for (size_t i = 0; i < n / IE_QK_K; i++, x += IE_QK_K) {
        float amax = 0, max = 0;
        for (int j = 0; j < IE_QK_K; j++) {
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        float iscale = amax > 0 ? -127.0f / max : 0;
        for (int b = 0; b < IE_QK_K / IE_QK; b++) {
            ie_block_q8a *o = &dst[i * (IE_QK_K / IE_QK) + (size_t)b];
            int32_t sum = 0;
            for (int j = 0; j < IE_QK; j++) {
                int q = ie_round_small(iscale * x[b * IE_QK + j]);
                o->q[j] = (int8_t)(q > 127 ? 127 : q);
                sum += o->q[j];
            }
            o->d = amax > 0 ? 1 / iscale : 0;
            o->sum = sum;
        }
    }
}

void ie_quantize_act_k_halves(const float *x, ie_block_q8a *dst, size_t n)
{
    ie_quantize_act_k(x, dst, n);
    for (size_t i = 0; i < n / IE_QK; i++) {
        int32_t lo = 0, hi = 0; /* each within 16 x 127 */
        for (int j = 0; j < 16; j++) {
            lo += dst[i].q[j];
            hi += dst[i].q[j + 16];
        }
        dst[i].sum = (int32_t)((uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16);
    }
}

/* Activations for 32-block weights, as llama.cpp's Q8_0 (scale rounded
 * to FP16 as that block stores it). */
void ie_quantize_act(const float *x, ie_block_q8a *dst, size_t n)
{
    /* As ggml's x86 quantize_row_q8_0: q = round-half-even(x * 127/amax),
     * scale amax/127 stored through f16; parity measured to ~1e-8. */
    for (size_t i = 0; i < n / 32; i++, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; j++)
            amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = amax > 0 ? 127.0f / amax : 0;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = ie_round_small(x[j] * id);
            q = q > 127 ? 127 : q < -127 ? -127 : q;
            dst[i].q[j] = (int8_t)q;
            sum += q;
        }
        dst[i].d = ie_f16_to_f32(ie_f32_to_f16(d));
        dst[i].sum = sum;
    }
}
