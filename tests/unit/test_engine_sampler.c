/* Sampling: greedy is argmax, a seed reproduces its choices, and each
 * filter (top-k, top-p, min-p, temperature, repetition penalty) does what
 * it says on a known distribution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "engine.h"

#define NV 100

static void logits_fixture(float *l)
{
    /* Token i has logit -0.1 i, token 50 is the best. */
    for (int i = 0; i < NV; i++)
        l[i] = -0.1f * (float)i;
    l[50] = 3.0f;
}

static int32_t draw(const ie_sampler_params *p, const float *l, int n, int *hist_counts)
{
    ie_sampler *s = ie_sampler_new(p, NV);
    assert_non_null(s);
    int32_t last = -1;
    for (int i = 0; i < n; i++) {
        last = ie_sampler_sample(s, l, NULL, 0);
        assert_true(last >= 0 && last < NV);
        if (hist_counts)
            hist_counts[last]++;
    }
    ie_sampler_free(s);
    return last;
}

static void greedy_is_argmax(void **state)
{
    (void)state;
    float l[NV];
    logits_fixture(l);
    ie_sampler_params p;
    ie_sampler_params_default(&p);
    p.temperature = 0;
    assert_int_equal(draw(&p, l, 5, NULL), 50);
    p.temperature = 1;
    p.top_k = 1;
    assert_int_equal(draw(&p, l, 5, NULL), 50);
}

static void seed_reproduces(void **state)
{
    (void)state;
    float l[NV];
    logits_fixture(l);
    ie_sampler_params p;
    ie_sampler_params_default(&p);
    p.temperature = 1.5f;
    p.top_k = 0;
    p.top_p = 1;
    p.min_p = 0;
    p.seed = 42;
    int32_t a[64], b[64], c[64];
    ie_sampler *s1 = ie_sampler_new(&p, NV), *s2 = ie_sampler_new(&p, NV);
    p.seed = 43;
    ie_sampler *s3 = ie_sampler_new(&p, NV);
    int differ = 0;
    for (int i = 0; i < 64; i++) {
        a[i] = ie_sampler_sample(s1, l, NULL, 0);
        b[i] = ie_sampler_sample(s2, l, NULL, 0);
        c[i] = ie_sampler_sample(s3, l, NULL, 0);
        assert_int_equal(a[i], b[i]);
        differ += a[i] != c[i];
    }
    assert_true(differ > 0);
    ie_sampler_free(s1);
    ie_sampler_free(s2);
    ie_sampler_free(s3);
}

static void filters_restrict_the_candidates(void **state)
{
    (void)state;
    float l[NV];
    logits_fixture(l);
    ie_sampler_params p;
    ie_sampler_params_default(&p);
    p.temperature = 5; /* flat: without filters every token appears */
    p.top_k = 0;
    p.top_p = 1;
    p.min_p = 0;
    int counts[NV] = {0};
    draw(&p, l, 3000, counts);
    int distinct = 0;
    for (int i = 0; i < NV; i++)
        distinct += counts[i] > 0;
    assert_true(distinct > 50);

    /* top-k 3: only 50, 0, 1. */
    int k3[NV] = {0};
    p.top_k = 3;
    draw(&p, l, 500, k3);
    for (int i = 0; i < NV; i++)
        if (i != 50 && i != 0 && i != 1)
            assert_int_equal(k3[i], 0);
    assert_true(k3[0] > 0 && k3[1] > 0 && k3[50] > 0);

    /* min-p 0.9 at temperature 1: only tokens within 10% of the best. */
    int mp[NV] = {0};
    p.top_k = 0;
    p.temperature = 1;
    p.min_p = 0.9f;
    draw(&p, l, 200, mp);
    assert_int_equal(mp[50], 200);

    /* top-p small: the best token alone holds enough mass. */
    int tp[NV] = {0};
    p.min_p = 0;
    p.top_p = 0.1f;
    draw(&p, l, 200, tp);
    assert_int_equal(tp[50], 200);

    /* Low temperature concentrates on the best token. */
    int lt[NV] = {0};
    p.top_p = 1;
    p.temperature = 0.05f;
    draw(&p, l, 200, lt);
    assert_int_equal(lt[50], 200);
}

static void repetition_penalty_demotes_history(void **state)
{
    (void)state;
    float l[NV];
    for (int i = 0; i < NV; i++)
        l[i] = 0;
    l[7] = 2.0f;
    l[8] = 1.5f;
    ie_sampler_params p;
    ie_sampler_params_default(&p);
    p.temperature = 0;
    p.repeat_penalty = 1.5f; /* 2.0 / 1.5 < 1.5 */
    ie_sampler *s = ie_sampler_new(&p, NV);
    int32_t hist[] = {7, 7, 3};
    assert_int_equal(ie_sampler_sample(s, l, hist, 3), 8);
    assert_int_equal(ie_sampler_sample(s, l, NULL, 0), 7);
    /* Outside the window it no longer counts. */
    ie_sampler_free(s);
    p.repeat_last_n = 1;
    s = ie_sampler_new(&p, NV);
    assert_int_equal(ie_sampler_sample(s, l, hist, 3), 7);
    ie_sampler_free(s);
    /* Negative logits are pushed further down. */
    for (int i = 0; i < NV; i++)
        l[i] = -1.0f;
    l[9] = -0.9f;
    p.repeat_last_n = 64;
    s = ie_sampler_new(&p, NV);
    int32_t h2[] = {9};
    int32_t got = ie_sampler_sample(s, l, h2, 1);
    assert_true(got != 9);
    ie_sampler_free(s);
    assert_null(ie_sampler_new(&p, 0));
}

/* OpenAI semantics: logit -= count * frequency_penalty + presence_penalty
 * (once when the token occurs at all), over the same window. */
static void presence_and_frequency_penalties(void **state)
{
    (void)state;
    float l[NV];
    for (int i = 0; i < NV; i++)
        l[i] = 0;
    l[7] = 2.0f;
    l[8] = 1.5f;
    l[9] = 1.0f;
    ie_sampler_params p;
    ie_sampler_params_default(&p);
    p.temperature = 0;
    int32_t hist[] = {7, 7, 8};
    /* presence 0.6: 7 -> 1.4, 8 -> 0.9: 7 still wins. */
    p.presence_penalty = 0.6f;
    ie_sampler *s = ie_sampler_new(&p, NV);
    assert_int_equal(ie_sampler_sample(s, l, hist, 3), 7);
    ie_sampler_free(s);
    /* frequency 0.4: 7 (twice) -> 1.2, 8 (once) -> 1.1, 9 -> 1.0: 7; with
     * frequency 0.6: 7 -> 0.8, 8 -> 0.9, 9 -> 1.0: 9. */
    p.presence_penalty = 0;
    p.frequency_penalty = 0.4f;
    s = ie_sampler_new(&p, NV);
    assert_int_equal(ie_sampler_sample(s, l, hist, 3), 7);
    ie_sampler_free(s);
    p.frequency_penalty = 0.6f;
    s = ie_sampler_new(&p, NV);
    assert_int_equal(ie_sampler_sample(s, l, hist, 3), 9);
    assert_int_equal(ie_sampler_sample(s, l, NULL, 0), 7);
    ie_sampler_free(s);
    /* A negative penalty encourages repetition: 8 seen -> 1.5 + 1 > 2. */
    p.frequency_penalty = 0;
    p.presence_penalty = -1.0f;
    s = ie_sampler_new(&p, NV);
    int32_t h8[] = {8};
    assert_int_equal(ie_sampler_sample(s, l, h8, 1), 8);
    ie_sampler_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(greedy_is_argmax),
        cmocka_unit_test(seed_reproduces),
        cmocka_unit_test(filters_restrict_the_candidates),
        cmocka_unit_test(repetition_penalty_demotes_history),
        cmocka_unit_test(presence_and_frequency_penalties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
