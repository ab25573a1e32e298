/* Gemma 4's BPE ("gemma4") on a hand-built vocabulary: spaces as U+2581,
 * newline runs (whole when a token), merges by rank over raw UTF-8,
 * <0xXX> byte fallback (a byte without one is dropped), BOS forced on,
 * end-of-generation, detokenization, and hostile metadata. The corpus
 * parity with llama.cpp is tests/cli/parity_tokenize.sh's gemma4 cell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tok_support.h"

#define SP "\xe2\x96\x81" /* U+2581 */

static const char *const k_tokens[] = {
    "<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "<|tool_response>", "</s>", /* 0-7 */
    "<0x0A>", "<0xE6>", "<0x97>", "<0xA5>", "<0x9F>", "<0x98>", "<0x80>",               /* 8-14 */
    "\n", "\n\n", "h", "e", "l", "o", SP, "w", "r", "d",                                 /* 15-24 */
    "he", "ll", "hell", "hello", SP "w", SP SP,                                          /* 25-30 */
    "<0xEF>", "<0xBF>", "<0xBD>",                                                        /* 31-33 */
};
static const int32_t k_types[] = {3, 3, 3, 2, 3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6,
                                  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 6, 6};
static const char *const k_merges[] = {"h e", "l l", "he ll", "hell o", SP " w", SP " " SP};

static tok_spec spec(void)
{
    return (tok_spec){.model = "gemma4", .tokens = k_tokens, .n_tokens = sizeof k_tokens / sizeof *k_tokens,
                      .types = k_types, .merges = k_merges, .n_merges = sizeof k_merges / sizeof *k_merges,
                      .bos = 2, .eos = 1, .add_bos = 0};
}

static ie_vocab *load(const tok_spec *s)
{
    char err[256] = "";
    ie_vocab *v = tok_load(s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    return v;
}

static void expect_ids(const ie_vocab *v, const char *text, bool add_special, const int32_t *want, int n_want)
{
    int n;
    const int32_t *ids = tok_ids(v, text, add_special, true, &n);
    if (n != n_want)
        fail_msg("'%s': %d tokens, expected %d", text, n, n_want);
    for (int i = 0; i < n; i++)
        if (ids[i] != want[i])
            fail_msg("'%s': token %d is %d, expected %d", text, i, (int)ids[i], (int)want[i]);
}
#define EXPECT(v, text, ...)                                                                       \
    do {                                                                                           \
        static const int32_t w_[] = {__VA_ARGS__};                                                 \
        expect_ids(v, text, false, w_, (int)(sizeof w_ / sizeof *w_));                             \
    } while (0)

static void load_and_kind(void **state)
{
    (void)state;
    tok_spec s = spec();
    s.pre = "not-a-pre-tokenizer"; /* ignored, as llama.cpp sets "gemma4" itself */
    ie_vocab *v = load(&s);
    assert_int_equal(ie_vocab_type(v), IE_VOCAB_BPE);
    assert_int_equal(ie_vocab_bos(v), 2);
    assert_int_equal(ie_vocab_eos(v), 1);
    /* add_bos_token = false is overridden (llama.cpp's Gemma 4 workaround). */
    assert_true(ie_vocab_add_bos(v));
    int n;
    const int32_t *ids = tok_ids(v, "hello", true, false, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 28);
    ie_vocab_free(v);
}

static void tokenize(void **state)
{
    (void)state;
    tok_spec s = spec();
    ie_vocab *v = load(&s);
    EXPECT(v, "hello world", 28, 29, 20, 23, 19, 24); /* hello ▁w o r l d */
    EXPECT(v, "   ", 30, 21);                        /* ▁▁ ▁: the leftmost pair first */
    EXPECT(v, "hello\n\nhello", 28, 16, 28);         /* "\n\n" is a token: whole */
    EXPECT(v, "\n\n\n", 15, 15, 15);                 /* not a token, no merges: one by one */
    EXPECT(v, "\n", 15);
    EXPECT(v, "\xe6\x97\xa5", 9, 10, 11);            /* 日: no token, <0xE6><0x97><0xA5> */
    EXPECT(v, "\xf0\x9f\x98\x80", 12, 13, 14);       /* 😀: no <0xF0>, that byte is dropped */
    int n;
    tok_ids(v, "xyz", false, true, &n);              /* no token, no byte token */
    assert_int_equal(n, 0);
    tok_ids(v, "", false, true, &n);
    assert_int_equal(n, 0);
    EXPECT(v, "<|turn>hello<turn|>", 4, 28, 5);
    EXPECT(v, " hello", 21, 28);                     /* no space prefix, just ▁ */
    /* Invalid UTF-8 is read as llama.cpp reads it: U+FFFD per bad byte
     * (EF BF BD), so an 0xFF between letters does not glue them. */
    EXPECT(v, "he\xffllo", 25, 31, 32, 33, 26, 20);
    EXPECT(v, "\xe6\x97", 31, 32, 33, 31, 32, 33);      /* a cut 日: two bad bytes */
    ie_vocab_free(v);
}

static void eog_and_detokenize(void **state)
{
    (void)state;
    tok_spec s = spec();
    ie_vocab *v = load(&s);
    assert_true(ie_vocab_is_eog(v, 1));  /* <eos> */
    assert_true(ie_vocab_is_eog(v, 5));  /* <turn|> */
    assert_true(ie_vocab_is_eog(v, 6));  /* <|tool_response> */
    assert_false(ie_vocab_is_eog(v, 7)); /* </s>: not with <|tool_response> */
    assert_false(ie_vocab_is_eog(v, 4));
    int len;
    static const int32_t a[] = {21, 28, 29, 20, 23, 19, 24};
    assert_string_equal(tok_text(v, a, 7, false, &len), " hello world"); /* no prefix space to strip */
    static const int32_t b[] = {9, 10, 11, 16, 30};
    assert_string_equal(tok_text(v, b, 5, false, &len), "\xe6\x97\xa5\n\n  ");
    static const int32_t c[] = {4, 28, 5};
    assert_string_equal(tok_text(v, c, 3, true, &len), "<|turn>hello<turn|>");
    assert_string_equal(tok_text(v, c, 3, false, &len), "hello");
    char buf[8];
    assert_int_equal(ie_token_to_piece(v, 8, buf, sizeof buf, false), 1); /* <0x0A> */
    assert_int_equal(buf[0], '\n');
    assert_int_equal(ie_token_to_piece(v, 34, buf, sizeof buf, false), -1);
    ie_vocab_free(v);
}

static void expect_refused(const tok_spec *s, const char *needle)
{
    char err[256] = "";
    ie_vocab *v = tok_load(s, NULL, err, sizeof err);
    if (v) {
        ie_vocab_free(v);
        fail_msg("accepted, expected an error naming %s", needle);
    }
    if (!strstr(err, needle))
        fail_msg("error '%s' does not name %s", err, needle);
}

static void hostile_metadata(void **state)
{
    (void)state;
    tok_spec s = spec();
    s.merges = NULL;
    s.n_merges = 0;
    expect_refused(&s, "tokenizer.ggml.merges: missing or not an array of strings (the gemma4 BPE needs it)");
    static const char *const no_space[] = {"h e", "hello"};
    s = spec();
    s.merges = no_space;
    s.n_merges = 2;
    expect_refused(&s, "tokenizer.ggml.merges: entry 1 'hello' is not two texts separated by a space");
    static const char *const lead_space[] = {" x"}; /* split after the first byte: no space there */
    s.merges = lead_space;
    s.n_merges = 1;
    expect_refused(&s, "entry 0 ' x' is not two texts");
    s = spec();
    s.bos = 99;
    expect_refused(&s, "tokenizer.ggml.bos_token_id = 99 is out of range");
    s = spec();
    s.model = "gemma5";
    expect_refused(&s, "unsupported tokenizer 'gemma5' (supported: llama, gpt2, gemma4)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_and_kind),
        cmocka_unit_test(tokenize),
        cmocka_unit_test(eog_and_detokenize),
        cmocka_unit_test(hostile_metadata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
