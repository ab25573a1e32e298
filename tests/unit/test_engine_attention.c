/* ie_attn_group (grouped-query, tiled attention with an online softmax)
 * against a straightforward reference (all scores, softmax in double, then
 * the weighted sum of V) over the same dequantized cache: context lengths
 * around the tile size, grouped-query ratios, head sizes, cache types, the
 * causal mask of several tokens, and the sliding-window mask over a ring of
 * cells (gemma3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attn_kernels.h"
#include "ggml_types.h"
#include "quant.h"

static uint64_t rng = 123456789;
static float next_f(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)(uint32_t)(rng >> 16) / 4294967296.0f * 2.0f - 1.0f;
}

typedef struct attn_case {
    uint32_t len;    /* positions in the context (the last token is at len - 1) */
    uint32_t group;  /* query heads per KV head */
    uint32_t n_tok;  /* tokens of the batch (the last n_tok positions) */
    uint32_t hdk, hdv;
    uint32_t type_k, type_v;
    uint32_t window; /* sliding window; 0: none */
    float scale;
} attn_case;

/* Cache of 2 KV heads, the second tested (a non-zero row offset); cells a
 * ring of window + n_tok for a sliding window, as the engine keeps. */
static void run_case(const attn_case *ac, ie_isa isa)
{
    const uint32_t n_kv = 2, kvh = 1;
    uint32_t cells = ac->window ? ac->window + ac->n_tok : ac->len;
    if (cells > ac->len)
        cells = ac->len;
    uint64_t krb, vrb, koff, voff;
    assert_true(ggml_row_bytes(ac->type_k, (uint64_t)n_kv * ac->hdk, &krb));
    assert_true(ggml_row_bytes(ac->type_v, (uint64_t)n_kv * ac->hdv, &vrb));
    assert_true(ggml_row_bytes(ac->type_k, (uint64_t)kvh * ac->hdk, &koff));
    assert_true(ggml_row_bytes(ac->type_v, (uint64_t)kvh * ac->hdv, &voff));
    uint8_t *kc = calloc(cells, krb), *vc = calloc(cells, vrb);
    /* what each position's row decodes to (the reference's K and V) */
    float *kf = malloc((size_t)ac->len * ac->hdk * 4), *vf = malloc((size_t)ac->len * ac->hdv * 4);
    float *krow = malloc((size_t)n_kv * ac->hdk * 4), *vrow = malloc((size_t)n_kv * ac->hdv * 4);
    float *kdec = malloc((size_t)n_kv * ac->hdk * 4), *vdec = malloc((size_t)n_kv * ac->hdv * 4);
    assert_non_null(kc);
    assert_non_null(vc);
    for (uint32_t p = 0; p < ac->len; p++) {
        for (uint32_t i = 0; i < n_kv * ac->hdk; i++)
            krow[i] = next_f();
        for (uint32_t i = 0; i < n_kv * ac->hdv; i++)
            vrow[i] = next_f();
        uint8_t *kd = kc + (uint64_t)(p % cells) * krb, *vd = vc + (uint64_t)(p % cells) * vrb;
        assert_true(ie_quantize_row(ac->type_k, krow, kd, (size_t)n_kv * ac->hdk));
        assert_true(ie_quantize_row(ac->type_v, vrow, vd, (size_t)n_kv * ac->hdv));
        ie_dequantize_row(ac->type_k, kd, kdec, (size_t)n_kv * ac->hdk);
        ie_dequantize_row(ac->type_v, vd, vdec, (size_t)n_kv * ac->hdv);
        memcpy(kf + (size_t)p * ac->hdk, kdec + (size_t)kvh * ac->hdk, ac->hdk * 4);
        memcpy(vf + (size_t)p * ac->hdv, vdec + (size_t)kvh * ac->hdv, ac->hdv * 4);
    }
    uint32_t n_rows = ac->group * ac->n_tok;
    assert_true(n_rows <= IE_ATTN_MAX_ROWS);
    float *q = malloc((size_t)n_rows * ac->hdk * 4), *out = malloc((size_t)n_rows * ac->hdv * 4);
    ie_attn_row rows[IE_ATTN_MAX_ROWS];
    for (uint32_t r = 0; r < n_rows; r++) {
        for (uint32_t i = 0; i < ac->hdk; i++)
            q[(size_t)r * ac->hdk + i] = next_f();
        uint32_t t = r / ac->group, end = ac->len - ac->n_tok + t + 1;
        uint32_t first = ac->window && end > ac->window ? end - ac->window : 0;
        rows[r] = (ie_attn_row){q + (size_t)r * ac->hdk, out + (size_t)r * ac->hdv, first, end};
    }
    ie_attn_kernels ak;
    ie_attn_kernels_get(&ak, isa);
    ie_attn_cache kcache = {kc, krb, koff, cells, ac->type_k, ac->hdk};
    ie_attn_cache vcache = {vc, vrb, voff, cells, ac->type_v, ac->hdv};
    float *kbuf = malloc(ac->hdk * 4), *vbuf = malloc(ac->hdv * 4);
    ie_attn_group(&ak, &kcache, &vcache, rows, n_rows, ac->scale, kbuf, vbuf);

    /* F16 V: the weights are rounded to F16 (as llama.cpp's product is) */
    double tol = ac->type_v == GGML_T_F16 ? 1e-3 : 2e-5;
    double *s = malloc((size_t)ac->len * sizeof *s);
    for (uint32_t r = 0; r < n_rows; r++) {
        const ie_attn_row *rw = &rows[r];
        double max = -INFINITY, sum = 0;
        for (uint32_t p = rw->first; p < rw->end; p++) {
            double d = 0;
            for (uint32_t i = 0; i < ac->hdk; i++)
                d += (double)rw->q[i] * kf[(size_t)p * ac->hdk + i];
            s[p] = d * ac->scale;
            max = s[p] > max ? s[p] : max;
        }
        for (uint32_t p = rw->first; p < rw->end; p++)
            sum += (s[p] = exp(s[p] - max));
        for (uint32_t i = 0; i < ac->hdv; i++) {
            double o = 0;
            for (uint32_t p = rw->first; p < rw->end; p++)
                o += s[p] / sum * vf[(size_t)p * ac->hdv + i];
            if (fabs(o - rw->out[i]) > tol)
                fail_msg("len %u group %u tokens %u heads %u/%u types %u/%u window %u scale %g kernels %s: "
                         "row %u [%u] %g, reference %g", ac->len, ac->group, ac->n_tok, ac->hdk, ac->hdv,
                         ac->type_k, ac->type_v, ac->window, ac->scale, ie_isa_name(isa), r, i, rw->out[i], o);
        }
    }
    free(s);
    free(kbuf);
    free(vbuf);
    free(q);
    free(out);
    free(kc);
    free(vc);
    free(kf);
    free(vf);
    free(krow);
    free(vrow);
    free(kdec);
    free(vdec);
}

/* Every kernel set this CPU has: portable, AVX2 (also AVX2 + AVX-VNNI's),
 * AVX-512. */
static void run_all(const attn_case *ac)
{
    for (int isa = IE_ISA_PORTABLE; isa < IE_ISA_COUNT; isa++)
        if (isa != IE_ISA_AVXVNNI && ie_isa_available((ie_isa)isa))
            run_case(ac, (ie_isa)isa);
}

static void matches_reference(void **state)
{
    (void)state;
    static const uint32_t lens[] = {1, 5, 63, 64, 65, 130, 700};
    static const uint32_t groups[] = {1, 4, 7};
    static const uint32_t dims[][2] = {{64, 64}, {128, 128}, {256, 256}, {96, 64}};
    static const uint32_t types[][2] = {{GGML_T_F16, GGML_T_F16}, {GGML_T_F32, GGML_T_F32}, {GGML_T_Q8_0, GGML_T_Q4_0}};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
    for (size_t gi = 0; gi < sizeof groups / sizeof *groups; gi++)
    for (size_t di = 0; di < sizeof dims / sizeof *dims; di++)
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        uint32_t len = lens[li], g = groups[gi];
        uint32_t n_tok = len < 3 ? len : 3;
        if (g * n_tok > IE_ATTN_MAX_ROWS)
            n_tok = IE_ATTN_MAX_ROWS / g;
        /* scale 1 (gemma3) gives large scores: the running maximum moves */
        float scale = di == 2 ? 1.0f : 1.0f / sqrtf((float)dims[di][0]);
        attn_case ac = {len, g, n_tok, dims[di][0], dims[di][1], types[ti][0], types[ti][1], 0, scale};
        run_all(&ac);
    }
}

static void sliding_window_over_a_ring(void **state)
{
    (void)state;
    static const uint32_t lens[] = {4, 20, 100, 300};
    static const uint32_t windows[] = {5, 16, 80};
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
    for (size_t wi = 0; wi < sizeof windows / sizeof *windows; wi++)
    for (uint32_t g = 1; g <= 8; g *= 2) {
        uint32_t n_tok = lens[li] < 4 ? lens[li] : 4;
        attn_case f16 = {lens[li], g, n_tok, 128, 128, GGML_T_F16, GGML_T_F16, windows[wi], 1.0f / sqrtf(128)};
        attn_case f32 = {lens[li], g, n_tok, 64, 64, GGML_T_F32, GGML_T_F32, windows[wi], 1.0f};
        run_all(&f16);
        run_all(&f32);
    }
}

static void a_full_block_of_rows(void **state)
{
    (void)state;
    /* IE_ATTN_MAX_ROWS rows: 8 tokens of 4 heads, then 32 tokens of 1 */
    attn_case a = {200, 4, IE_ATTN_MAX_ROWS / 4, 64, 64, GGML_T_F16, GGML_T_F16, 0, 0.125f};
    attn_case b = {200, 1, IE_ATTN_MAX_ROWS, 64, 64, GGML_T_F32, GGML_T_F32, 50, 0.125f};
    run_all(&a);
    run_all(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_reference),
        cmocka_unit_test(sliding_window_over_a_ring),
        cmocka_unit_test(a_full_block_of_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
