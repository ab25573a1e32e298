/* Log probabilities of sampled tokens: a log-softmax of the raw logits,
 * the top alternatives in order, and OpenAI's chat and completions shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "server/logprobs.h"
#include "tok_support.h"

static const char *const g_tokens[] = {"a", "b", "c", "d", "<0xC3>"};

/* A llama vocabulary of these tokens (type 1 normal, 6 byte), scores 0. */
static ie_vocab *vocab_of(const char *const *tokens, const int32_t *types, size_t n)
{
    static const float scores[8];
    assert_true(n <= sizeof scores / sizeof scores[0]);
    tok_spec s = {.model = "llama", .tokens = tokens, .n_tokens = (int32_t)n, .scores = scores,
                  .types = types, .bos = -1, .eos = -1, .add_bos = -1};
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    return v;
}

static ie_vocab *vocab(void)
{
    static const int32_t types[] = {1, 1, 1, 1, 6}; /* the last is a byte token */
    return vocab_of(g_tokens, types, 5);
}

static void entry_is_a_log_softmax(void **state)
{
    (void)state;
    ie_vocab *v = vocab();
    const float logits[5] = {1, 3, 2, NAN, 0};
    json_t *e = logprobs_entry(v, logits, 5, 2, 3);
    double z = log(exp(1) + exp(3) + exp(2) + exp(0));
    assert_string_equal(json_string_value(json_object_get(e, "token")), "c");
    assert_true(fabs(json_real_value(json_object_get(e, "logprob")) - (2 - z)) < 1e-9);
    json_t *top = json_object_get(e, "top_logprobs");
    assert_int_equal(json_array_size(top), 3);
    const char *want[] = {"b", "c", "a"};
    double sum = 0;
    for (size_t i = 0; i < 3; i++) {
        json_t *t = json_array_get(top, i);
        assert_string_equal(json_string_value(json_object_get(t, "token")), want[i]);
        sum += exp(json_real_value(json_object_get(t, "logprob")));
    }
    assert_true(sum < 1 && sum > 0.9);
    /* completions shape: offsets advance by the token's bytes. */
    json_t *arr = json_array();
    json_array_append_new(arr, e);
    json_array_append_new(arr, logprobs_entry(v, logits, 5, 0, 0));
    size_t off = 4;
    json_t *c = logprobs_completion(arr, &off);
    assert_int_equal(off, 6);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(c, "text_offset"), 1)), 5);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "tokens"), 1)), "a");
    assert_true(json_object_get(json_array_get(json_object_get(c, "top_logprobs"), 0), "b") != NULL);
    json_decref(c);
    ie_vocab_free(v);
}

static void piece_not_utf8_is_sanitized(void **state)
{
    (void)state;
    ie_vocab *v = vocab();
    const float logits[5] = {0, 0, 0, 0, 5};
    json_t *e = logprobs_entry(v, logits, 5, 4, 25); /* top_n is capped */
    char *s = json_dumps(e, JSON_COMPACT);
    assert_non_null(s); /* valid JSON: the lone byte became U+FFFD, its byte kept */
    assert_non_null(strstr(s, "\"bytes\":[195]"));
    free(s);
    assert_int_equal(json_array_size(json_object_get(e, "top_logprobs")), 5);
    json_t *chat = logprobs_chat(json_pack("[o]", e));
    assert_int_equal(json_array_size(json_object_get(chat, "content")), 1);
    assert_true(json_is_null(json_object_get(chat, "refusal")));
    json_decref(chat);
    ie_vocab_free(v);
}

/* A byte token for NUL: its text is the one NUL byte (by length, as the
 * reply's text), in the entry, its alternatives and the completions shape
 * (whose top_logprobs key is that byte). */
static void nul_token_text(void **state)
{
    (void)state;
    static const char *const tokens[] = {"a", "<0x00>"};
    static const int32_t types[] = {1, 6};
    ie_vocab *v = vocab_of(tokens, types, 2);
    const float logits[2] = {0, 1};
    json_t *e = logprobs_entry(v, logits, 2, 1, 1);
    const json_t *t = json_object_get(e, "token");
    assert_int_equal(json_string_length(t), 1);
    assert_int_equal(json_string_value(t)[0], 0);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(e, "bytes"), 0)), 0);
    t = json_object_get(json_array_get(json_object_get(e, "top_logprobs"), 0), "token");
    assert_int_equal(json_string_length(t), 1);
    size_t off = 0;
    json_t *c = logprobs_completion(json_pack("[o]", e), &off);
    assert_int_equal(off, 1);
    assert_int_equal(json_string_length(json_array_get(json_object_get(c, "tokens"), 0)), 1);
    json_t *top = json_array_get(json_object_get(c, "top_logprobs"), 0);
    assert_non_null(json_object_getn(top, "\0", 1));
    assert_null(json_object_get(top, ""));
    json_decref(c);
    ie_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_is_a_log_softmax),
        cmocka_unit_test(piece_not_utf8_is_sanitized),
        cmocka_unit_test(nul_token_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
