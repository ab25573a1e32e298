/* SentencePiece tokenizer on hand-built vocabularies: space prefix and
 * U+2581, merges by score (ties leftmost), byte fallback <0xXX>, UNK,
 * special tokens, BOS, detokenization round trips, invalid UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tok_support.h"

#define SP "\xe2\x96\x81" /* U+2581 */

/* ids 0..2 unk/bos/eos, 3..258 <0x00>..<0xFF>, then these. */
static const char *const k_pieces[] = {
    SP, "a", "b", "c", "h", "i", "ab", "bc", SP "h", SP "hi", "<|im_start|>", "<user>", "x",
};
static const float k_piece_scores[] = {-1, -2, -2, -2, -2, -2, -5, -3, -4, -1, 0, 0, -2};
static const int32_t k_piece_types[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 4, 1};
#define N_PIECES (sizeof k_pieces / sizeof k_pieces[0])
#define N_VOCAB (3 + 256 + N_PIECES)

static const char *g_tokens[N_VOCAB];
static float g_scores[N_VOCAB];
static int32_t g_types[N_VOCAB];
static char g_bytes[256][7];

static int32_t piece_id(const char *s)
{
    for (size_t i = 0; i < N_VOCAB; i++)
        if (strcmp(g_tokens[i], s) == 0)
            return (int32_t)i;
    return -1;
}

static ie_vocab *load(bool with_bytes, float ab_score)
{
    g_tokens[0] = "<unk>"; g_types[0] = 2;
    g_tokens[1] = "<s>"; g_types[1] = 3;
    g_tokens[2] = "</s>"; g_types[2] = 3;
    for (int b = 0; b < 256; b++) {
        snprintf(g_bytes[b], sizeof g_bytes[b], with_bytes ? "<0x%02X>" : "<n%02X>", b);
        g_tokens[3 + b] = g_bytes[b];
        g_types[3 + b] = with_bytes ? 6 : 1;
        g_scores[3 + b] = -100;
    }
    for (size_t i = 0; i < N_PIECES; i++) {
        g_tokens[259 + i] = k_pieces[i];
        g_scores[259 + i] = k_piece_scores[i];
        g_types[259 + i] = k_piece_types[i];
    }
    g_scores[piece_id("ab")] = ab_score;
    tok_spec s = {.model = "llama", .tokens = g_tokens, .n_tokens = N_VOCAB, .scores = g_scores,
                  .types = g_types, .bos = 1, .eos = 2, .add_bos = -1};
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    return v;
}

static void expect(const ie_vocab *v, const char *text, bool add, bool parse, const char *const *want, int n_want)
{
    int n;
    const int32_t *ids = tok_ids(v, text, add, parse, &n);
    if (n != n_want)
        fail_msg("'%s': %d tokens, want %d", text, n, n_want);
    for (int i = 0; i < n; i++) {
        int32_t w = piece_id(want[i]);
        if (ids[i] != w)
            fail_msg("'%s' token %d: got %d, want %d ('%s')", text, i, ids[i], w, want[i]);
    }
}

static void defaults_and_bos(void **state)
{
    (void)state;
    ie_vocab *v = load(true, -5);
    assert_int_equal(ie_vocab_type(v), IE_VOCAB_SPM);
    assert_int_equal(ie_vocab_size(v), N_VOCAB);
    assert_int_equal(ie_vocab_bos(v), 1);
    assert_int_equal(ie_vocab_eos(v), 2);
    assert_true(ie_vocab_add_bos(v));          /* SentencePiece default */
    assert_true(ie_vocab_is_eog(v, 2));
    assert_false(ie_vocab_is_eog(v, 1));
    expect(v, "hi", true, false, (const char *const[]){"<s>", SP "hi"}, 2);
    expect(v, "", true, false, (const char *const[]){"<s>"}, 1);
    expect(v, "", false, false, NULL, 0);
    assert_int_equal(ie_vocab_find(v, SP "hi", strlen(SP "hi")), piece_id(SP "hi"));
    assert_int_equal(ie_vocab_find(v, "nope", 4), -1);
    ie_vocab_free(v);
}

static void merges_by_score_ties_leftmost(void **state)
{
    (void)state;
    /* "bc" (-3) beats "ab" (-5): a + bc. */
    ie_vocab *v = load(true, -5);
    expect(v, "abc", false, false, (const char *const[]){SP, "a", "bc"}, 3);
    ie_vocab_free(v);
    /* "ab" (-1) beats "bc": ab + c. */
    v = load(true, -1);
    expect(v, "abc", false, false, (const char *const[]){SP, "ab", "c"}, 3);
    ie_vocab_free(v);
    /* A tie (-3, -3): the leftmost pair merges first. */
    v = load(true, -3);
    expect(v, "abc", false, false, (const char *const[]){SP, "ab", "c"}, 3);
    /* Merged pieces must be tokens: "▁h"+"i" -> "▁hi" only via "▁h" first. */
    expect(v, "hi hi", false, false, (const char *const[]){SP "hi", SP "hi"}, 2);
    ie_vocab_free(v);
}

static void byte_fallback_and_unk(void **state)
{
    (void)state;
    ie_vocab *v = load(true, -5);
    /* é is not a piece: its UTF-8 bytes as <0xC3><0xA9>. */
    expect(v, "\xc3\xa9", false, false, (const char *const[]){SP, "<0xC3>", "<0xA9>"}, 3);
    /* Invalid UTF-8 falls back to bytes too (no crash, nothing lost). As in
     * llama.cpp a lead byte claims its sequence length, so the 'a' after a
     * stray 0xFF goes out as a byte token too. */
    expect(v, "\xff" "a", false, false, (const char *const[]){SP, "<0xFF>", "<0x61>"}, 3);
    expect(v, "a\xc3", false, false, (const char *const[]){SP, "a", "<0xC3>"}, 3);
    ie_vocab_free(v);
    /* Without byte tokens, unknown text becomes <unk> per byte. */
    v = load(false, -5);
    expect(v, "\xc3\xa9", false, false, (const char *const[]){SP, "<unk>", "<unk>"}, 3);
    ie_vocab_free(v);
}

static void special_tokens(void **state)
{
    (void)state;
    ie_vocab *v = load(true, -5);
    /* Control tokens only with parse_special; a space is prefixed after them. */
    expect(v, "<|im_start|>hi", false, true, (const char *const[]){"<|im_start|>", SP "hi"}, 2);
    expect(v, "<s>hi</s>", true, true, (const char *const[]){"<s>", "<s>", SP "hi", "</s>"}, 4);
    int n;
    const int32_t *ids = tok_ids(v, "<|im_start|>", false, false, &n);
    assert_true(n > 1);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(ids[i], piece_id("<|im_start|>"));
    /* User-defined tokens split even without parse_special. */
    expect(v, "x<user>x", false, false, (const char *const[]){SP, "x", "<user>", SP, "x"}, 5);
    ie_vocab_free(v);
}

static void detokenize_round_trips(void **state)
{
    (void)state;
    ie_vocab *v = load(true, -5);
    static const char *const texts[] = {
        "hi", "hi hi", "  two leading spaces", "trailing  ", "caf\xc3\xa9 na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac",
        "emoji \xf0\x9f\x98\x80!", "digits 0123456789", "code: f(x) { return x[i] << 2; }", "tabs\tand\nnewlines\r\n",
        "a   b    c", "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int n, len;
        const int32_t *ids = tok_ids(v, texts[i], false, false, &n);
        int32_t copy[4096];
        memcpy(copy, ids, sizeof(int32_t) * (size_t)n);
        const char *back = tok_text(v, copy, n, false, &len);
        assert_int_equal(len, (int)strlen(texts[i]));
        assert_string_equal(back, texts[i]);
    }
    /* Control tokens render only when asked. */
    int32_t ids[] = {1, piece_id(SP "hi"), 2};
    assert_string_equal(tok_text(v, ids, 3, false, NULL), " hi"); /* after BOS the space stays, as llama.cpp */
    assert_string_equal(tok_text(v, ids, 3, true, NULL), "<s> hi</s>");
    char piece[8];
    assert_int_equal(ie_token_to_piece(v, piece_id("<0xC3>"), piece, 8, false), 1);
    assert_int_equal((unsigned char)piece[0], 0xC3);
    assert_int_equal(ie_token_to_piece(v, N_VOCAB, piece, 8, false), -1);
    assert_int_equal(ie_token_to_piece(v, -1, piece, 8, false), -1);
    /* Too small a buffer: the needed length comes back. */
    assert_int_equal(ie_token_to_piece(v, piece_id(SP "hi"), piece, 1, false), 3);
    ie_vocab_free(v);
}

static void bad_arguments(void **state)
{
    (void)state;
    ie_vocab *v = load(true, -5);
    int32_t out[4];
    assert_int_equal(ie_tokenize(v, NULL, 3, false, false, out, 4), -1);
    assert_int_equal(ie_tokenize(v, "abc", 3, false, false, out, -1), -1);
    /* cap smaller than the result: the count, nothing past cap written. */
    out[1] = 12345;
    assert_int_equal(ie_tokenize(v, "abc abc", 7, false, false, out, 1), 6);
    assert_int_equal(out[1], 12345);
    assert_int_equal(ie_tokenize(v, "abc", 3, false, false, NULL, 0), 3);
    ie_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_and_bos),
        cmocka_unit_test(merges_by_score_ties_leftmost),
        cmocka_unit_test(byte_fallback_and_unk),
        cmocka_unit_test(special_tokens),
        cmocka_unit_test(detokenize_round_trips),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
