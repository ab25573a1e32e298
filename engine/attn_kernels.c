#include "attn_kernels.h"

#include <math.h>
#include <string.h>

#include "ggml_types.h"

#include "kernels.h"
#include "quant.h"

static float dot_f16_c(const float *q, const uint16_t *k, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += q[i] * ie_f16_to_f32(k[i]);
    return s;
}

static float dot_f32_c(const float *q, const float *k, size_t n)
{
    return ie_dot_f32(q, k, n);
}

static void axpy_f16_c(float *out, float w, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] += w * ie_f16_to_f32(v[i]);
}

static void axpy_f32_c(float *out, float w, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] += w * v[i];
}

static void cvt_f16_c(float *out, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ie_f16_to_f32(v[i]);
}

static void dot16_f32_c(const float *q, const float *kt, size_t n, float *s)
{
    for (int j = 0; j < 16; j++)
        s[j] = 0;
    for (size_t d = 0; d < n; d++)
        for (int j = 0; j < 16; j++)
            s[j] += q[d] * kt[16 * d + (size_t)j];
}

static void round_f16_c(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = ie_f16_to_f32(ie_f32_to_f16(x[i]));
}

#if defined(__x86_64__)
#include <immintrin.h>
#define TGT __attribute__((target("avx2,fma,f16c,avx512f")))

TGT static float dot_f16_512(const float *q, const uint16_t *k, size_t n)
{
    __m512 acc = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(k + i))), acc);
    float s = _mm512_reduce_add_ps(acc);
    for (; i < n; i++)
        s += q[i] * ie_f16_to_f32(k[i]);
    return s;
}

TGT static float dot_f32_512(const float *q, const float *k, size_t n)
{
    __m512 acc = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(k + i), acc);
    float s = _mm512_reduce_add_ps(acc);
    for (; i < n; i++)
        s += q[i] * k[i];
    return s;
}

TGT static void axpy_f16_512(float *out, float w, const uint16_t *v, size_t n)
{
    __m512 wv = _mm512_set1_ps(w);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_fmadd_ps(wv, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + i))),
                                                  _mm512_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * ie_f16_to_f32(v[i]);
}

TGT static void axpy_f32_512(float *out, float w, const float *v, size_t n)
{
    __m512 wv = _mm512_set1_ps(w);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_fmadd_ps(wv, _mm512_loadu_ps(v + i), _mm512_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * v[i];
}

TGT static void cvt_f16_512(float *out, const uint16_t *v, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v + i))));
    for (; i < n; i++)
        out[i] = ie_f16_to_f32(v[i]);
}

TGT static void dot16_f32_512(const float *q, const float *kt, size_t n, float *s)
{
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    size_t d = 0;
    for (; d + 2 <= n; d += 2) {
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(kt + 16 * d), a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(q[d + 1]), _mm512_loadu_ps(kt + 16 * d + 16), a1);
    }
    if (d < n)
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), _mm512_loadu_ps(kt + 16 * d), a0);
    _mm512_storeu_ps(s, _mm512_add_ps(a0, a1));
}

/* F16C's conversion rounds to nearest even, as ie_f32_to_f16 does. */
TGT static void round_f16_512(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i, _mm512_cvtph_ps(_mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++)
        x[i] = ie_f16_to_f32(ie_f32_to_f16(x[i]));
}

#define TGT2 __attribute__((target("avx2,fma,f16c")))

/* The same with 256-bit vectors (AVX2 + FMA + F16C): two accumulators, so
 * 16 elements a step as above. */
TGT2 static float hsum_256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TGT2 static float dot_f16_256(const float *q, const uint16_t *k, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i))), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(k + i + 8))),
                             a1);
    }
    float s = hsum_256(_mm256_add_ps(a0, a1));
    for (; i < n; i++)
        s += q[i] * ie_f16_to_f32(k[i]);
    return s;
}

TGT2 static float dot_f32_256(const float *q, const float *k, size_t n)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(k + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_loadu_ps(k + i + 8), a1);
    }
    float s = hsum_256(_mm256_add_ps(a0, a1));
    for (; i < n; i++)
        s += q[i] * k[i];
    return s;
}

TGT2 static void axpy_f16_256(float *out, float w, const uint16_t *v, size_t n)
{
    __m256 wv = _mm256_set1_ps(w);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_fmadd_ps(wv, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i))),
                                                  _mm256_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * ie_f16_to_f32(v[i]);
}

TGT2 static void axpy_f32_256(float *out, float w, const float *v, size_t n)
{
    __m256 wv = _mm256_set1_ps(w);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_fmadd_ps(wv, _mm256_loadu_ps(v + i), _mm256_loadu_ps(out + i)));
    for (; i < n; i++)
        out[i] += w * v[i];
}

TGT2 static void cvt_f16_256(float *out, const uint16_t *v, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(v + i))));
    for (; i < n; i++)
        out[i] = ie_f16_to_f32(v[i]);
}

/* 16 scores in two registers of 8; two elements a step for two chains each. */
TGT2 static void dot16_f32_256(const float *q, const float *kt, size_t n, float *s)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    size_t d = 0;
    for (; d + 2 <= n; d += 2) {
        __m256 q0 = _mm256_set1_ps(q[d]), q1 = _mm256_set1_ps(q[d + 1]);
        a0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + 16 * d), a0);
        b0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + 16 * d + 8), b0);
        a1 = _mm256_fmadd_ps(q1, _mm256_loadu_ps(kt + 16 * d + 16), a1);
        b1 = _mm256_fmadd_ps(q1, _mm256_loadu_ps(kt + 16 * d + 24), b1);
    }
    if (d < n) {
        __m256 q0 = _mm256_set1_ps(q[d]);
        a0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + 16 * d), a0);
        b0 = _mm256_fmadd_ps(q0, _mm256_loadu_ps(kt + 16 * d + 8), b0);
    }
    _mm256_storeu_ps(s, _mm256_add_ps(a0, a1));
    _mm256_storeu_ps(s + 8, _mm256_add_ps(b0, b1));
}

TGT2 static void round_f16_256(float *x, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT)));
    for (; i < n; i++)
        x[i] = ie_f16_to_f32(ie_f32_to_f16(x[i]));
}
#endif

void ie_attn_kernels_get(ie_attn_kernels *k, ie_isa isa)
{
    *k = (ie_attn_kernels){dot_f16_c, dot_f32_c, axpy_f16_c, axpy_f32_c, cvt_f16_c, dot16_f32_c, round_f16_c};
#if defined(__x86_64__)
    /* IE_ISA_AVX512VNNI implies AVX-512F (with F16C and FMA). */
    if (isa >= IE_ISA_AVX512VNNI && ie_isa_available(IE_ISA_AVX512VNNI))
        *k = (ie_attn_kernels){dot_f16_512, dot_f32_512, axpy_f16_512, axpy_f32_512, cvt_f16_512,
                                dot16_f32_512, round_f16_512};
    else if (isa >= IE_ISA_AVX2 && ie_isa_available(IE_ISA_AVX2))
        *k = (ie_attn_kernels){dot_f16_256, dot_f32_256, axpy_f16_256, axpy_f32_256, cvt_f16_256,
                                dot16_f32_256, round_f16_256};
#else
    (void)isa;
#endif
}

/* One cache row as f32: F32 rows are used in place, F16 rows converted
 * and quantized ones decoded into buf. */
static const float *kv_row(const ie_attn_kernels *ak, const ie_attn_cache *c, uint32_t p, float *buf)
{
    const uint8_t *src = c->base + (uint64_t)(p % c->cells) * c->row_bytes + c->offset;
    if (c->type == GGML_T_F32)
        return (const float *)src;
    if (c->type == GGML_T_F16)
        ak->cvt_f16(buf, (const uint16_t *)src, c->dim);
    else
        ie_dequantize_row(c->type, src, buf, c->dim);
    return buf;
}

/* The scores of one tile for every row (-inf outside a row's span): each K
 * row is read (and converted) once for all rows. Head sizes up to
 * IE_ATTN_KT_DIM take 16 positions at a time, transposed once for all rows,
 * so a row's 16 scores are dim multiply-adds with no horizontal sum. */
static void tile_scores(const ie_attn_kernels *ak, const ie_attn_cache *k, const ie_attn_row *rows,
                        uint32_t n_rows, uint32_t p0, uint32_t nt, float scale, float *kbuf,
                        float s[][IE_ATTN_TILE])
{
    uint32_t j = 0;
    /* The transpose pays for itself over prompt blocks; a decoded token's
     * few rows (one per query head of the group) keep the plain dots,
     * measured 3-5% faster at depth 1024. */
    if (k->dim <= IE_ATTN_KT_DIM && n_rows >= 8) {
        float kt[16 * IE_ATTN_KT_DIM], s16[16];
        for (; j + 16 <= nt; j += 16) {
            uint32_t q0 = p0 + j, q1 = q0 + 16, lo = UINT32_MAX, hi = 0;
            for (uint32_t r = 0; r < n_rows; r++)
                if (rows[r].first < q1 && rows[r].end > q0 && rows[r].first < rows[r].end) {
                    lo = rows[r].first < lo ? rows[r].first : lo;
                    hi = rows[r].end > hi ? rows[r].end : hi;
                }
            for (uint32_t jj = 0; jj < 16; jj++) {
                uint32_t p = q0 + jj;
                if (p < lo || p >= hi) {
                    for (uint32_t d = 0; d < k->dim; d++)
                        kt[16 * d + jj] = 0;
                    continue;
                }
                const float *kr = kv_row(ak, k, p, kbuf);
                for (uint32_t d = 0; d < k->dim; d++)
                    kt[16 * d + jj] = kr[d];
            }
            for (uint32_t r = 0; r < n_rows; r++) {
                bool any = rows[r].first < q1 && rows[r].end > q0;
                if (any)
                    ak->dot16_f32(rows[r].q, kt, k->dim, s16);
                for (uint32_t jj = 0; jj < 16; jj++) {
                    uint32_t p = q0 + jj;
                    s[r][j + jj] = any && p >= rows[r].first && p < rows[r].end ? s16[jj] * scale : -INFINITY;
                }
            }
        }
    }
    for (; j < nt; j++) {
        uint32_t p = p0 + j;
        const float *kr = NULL;
        for (uint32_t r = 0; r < n_rows; r++) {
            if (p < rows[r].first || p >= rows[r].end) {
                s[r][j] = -INFINITY;
                continue;
            }
            if (!kr)
                kr = kv_row(ak, k, p, kbuf);
            s[r][j] = ak->dot_f32(rows[r].q, kr, k->dim) * scale;
        }
    }
}

/* out_r += s[r][j] * V row p0 + j; each V row read once for all rows. */
static void tile_values(const ie_attn_kernels *ak, const ie_attn_cache *v, const ie_attn_row *rows,
                        uint32_t n_rows, uint32_t p0, uint32_t nt, float *vbuf, float s[][IE_ATTN_TILE])
{
    for (uint32_t j = 0; j < nt; j++) {
        const float *vr = NULL;
        for (uint32_t r = 0; r < n_rows; r++) {
            if (s[r][j] == 0)
                continue;
            if (!vr)
                vr = kv_row(ak, v, p0 + j, vbuf);
            ak->axpy_f32(rows[r].out, s[r][j], vr, v->dim);
        }
    }
}

void ie_attn_group(const ie_attn_kernels *ak, const ie_attn_cache *k, const ie_attn_cache *v,
                   const ie_attn_row *rows, uint32_t n_rows, float scale, float *kbuf, float *vbuf)
{
    float m[IE_ATTN_MAX_ROWS], l[IE_ATTN_MAX_ROWS], s[IE_ATTN_MAX_ROWS][IE_ATTN_TILE];
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t r = 0; r < n_rows; r++) {
        m[r] = -INFINITY;
        l[r] = 0;
        memset(rows[r].out, 0, v->dim * sizeof(float));
        if (rows[r].first < rows[r].end) {
            lo = rows[r].first < lo ? rows[r].first : lo;
            hi = rows[r].end > hi ? rows[r].end : hi;
        }
    }
    /* llama.cpp (without flash attention) multiplies an F16 V by the
     * softmax weights rounded to F16, which needs the final maximum and sum
     * before the first product: for an F16 V the tiles are walked twice
     * (maximum and sum, then weights and V), else once. */
    bool two_pass = v->type == GGML_T_F16;
    for (uint32_t p0 = lo; p0 < hi; p0 += IE_ATTN_TILE) {
        uint32_t nt = hi - p0 < IE_ATTN_TILE ? hi - p0 : IE_ATTN_TILE;
        tile_scores(ak, k, rows, n_rows, p0, nt, scale, kbuf, s);
        /* online softmax: rescale what the earlier tiles summed when the
         * running maximum grows */
        for (uint32_t r = 0; r < n_rows; r++) {
            float mt = -INFINITY;
            for (uint32_t j = 0; j < nt; j++)
                mt = s[r][j] > mt ? s[r][j] : mt;
            if (mt == -INFINITY) {
                for (uint32_t j = 0; j < nt; j++)
                    s[r][j] = 0;
                continue;
            }
            if (mt > m[r]) {
                if (l[r] > 0) {
                    float alpha = expf(m[r] - mt);
                    l[r] *= alpha;
                    if (!two_pass)
                        for (uint32_t i = 0; i < v->dim; i++)
                            rows[r].out[i] *= alpha;
                }
                m[r] = mt;
            }
            for (uint32_t j = 0; j < nt; j++) {
                float e = s[r][j] == -INFINITY ? 0.0f : expf(s[r][j] - m[r]);
                l[r] += e;
                s[r][j] = e;
            }
        }
        if (!two_pass)
            tile_values(ak, v, rows, n_rows, p0, nt, vbuf, s);
    }
    if (two_pass) {
        float inv[IE_ATTN_MAX_ROWS];
        for (uint32_t r = 0; r < n_rows; r++)
            inv[r] = l[r] > 0 ? 1.0f / l[r] : 0.0f;
        for (uint32_t p0 = lo; p0 < hi; p0 += IE_ATTN_TILE) {
            uint32_t nt = hi - p0 < IE_ATTN_TILE ? hi - p0 : IE_ATTN_TILE;
            tile_scores(ak, k, rows, n_rows, p0, nt, scale, kbuf, s);
            for (uint32_t r = 0; r < n_rows; r++) {
                for (uint32_t j = 0; j < nt; j++)
                    s[r][j] = s[r][j] == -INFINITY ? 0.0f : expf(s[r][j] - m[r]) * inv[r];
                ak->round_f16(s[r], nt);
            }
            tile_values(ak, v, rows, n_rows, p0, nt, vbuf, s);
        }
        return;
    }
    for (uint32_t r = 0; r < n_rows; r++) {
        if (l[r] <= 0)
            continue;
        float inv = 1.0f / l[r];
        for (uint32_t i = 0; i < v->dim; i++)
            rows[r].out[i] *= inv;
    }
}
