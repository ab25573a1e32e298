/* Byte-level BPE on hand-built vocabularies: pre-tokenizer splits (llama3,
 * qwen2, gpt-2, default), merge order by rank, special tokens and
 * end-of-generation, detokenization (with and without space clean-up),
 * invalid UTF-8, hostile metadata, and speed on a 150k vocabulary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tok_support.h"
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

/* ---- pre-tokenizers: words joined by '|', decoded back to bytes ---- */
static const char *words(ie_pretok pre, const char *text)
{
    static char out[4096];
    ie_words w;
    assert_true(ie_pretokenize(pre, text, strlen(text), &w) >= 0);
    size_t k = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (i)
            out[k++] = '|';
        size_t off = w.starts[i], end = off + w.lens[i];
        while (off < end) {
            uint32_t cp;
            ie_utf8_decode(w.buf, end, &off, &cp);
            out[k++] = (char)ie_cpt_to_byte(cp);
        }
    }
    out[k] = '\0';
    ie_words_free(&w);
    return out;
}

static void pretok_llama3(void **state)
{
    (void)state;
    assert_string_equal(words(IE_PRE_LLAMA3, "Hello world 123456"), "Hello| world| |123|456");
    assert_string_equal(words(IE_PRE_LLAMA3, "I'm DON'T you've"), "I|'m| DON|'T| you|'ve");
    assert_string_equal(words(IE_PRE_LLAMA3, "a  \n\n b"), "a|  \n\n| b");
    assert_string_equal(words(IE_PRE_LLAMA3, "x   y"), "x|  | y");
    assert_string_equal(words(IE_PRE_LLAMA3, "x  "), "x|  ");
    assert_string_equal(words(IE_PRE_LLAMA3, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80!!\n"),
                        "caf\xc3\xa9| \xe6\x97\xa5\xe6\x9c\xac| \xf0\x9f\x98\x80!!\n");
    assert_string_equal(words(IE_PRE_LLAMA3, "\tx(y)"), "\tx|(y|)");
    assert_string_equal(words(IE_PRE_LLAMA3, ""), "");
}

static void pretok_qwen2_gpt2_default(void **state)
{
    (void)state;
    assert_string_equal(words(IE_PRE_QWEN2, "Hello world 1234"), "Hello| world| |1|2|3|4");
    assert_string_equal(words(IE_PRE_QWEN2, "caf\xc3\xa9  \xe6\x97\xa5"), "caf\xc3\xa9| | \xe6\x97\xa5");
    assert_string_equal(words(IE_PRE_GPT2, "Hello world 123456"), "Hello| world| 123456");
    assert_string_equal(words(IE_PRE_GPT2, "I'm DON'T"), "I|'m| DON|'|T");
    assert_string_equal(words(IE_PRE_GPT2, "x   y"), "x|  | y");
    assert_string_equal(words(IE_PRE_DEFAULT, "Hello, world!! 1234"), "Hello|,| world|!!| |123|4");
    assert_string_equal(words(IE_PRE_STARCODER, "abc 123 x1"), "abc| |1|2|3| x|1");
    /* Non-ASCII whitespace counts as whitespace (U+3000, U+00A0). */
    assert_string_equal(words(IE_PRE_LLAMA3, "a\xe3\x80\x80\xe3\x80\x80" "b"), "a|\xe3\x80\x80|\xe3\x80\x80" "b");
}

/* ---- a small byte-level vocabulary ---- */
static const char *const k_merges_a[] = {
    "h e", "l l", "he ll", "hell o", "\xc4\xa0 w", "\xc4\xa0w o", "\xc4\xa0wo r", "\xc4\xa0wor l",
    "\xc4\xa0worl d", "e l",
};
static const char *const k_merges_b[] = {"e l", "h e", "l l"};
static const char *const k_extra[] = {
    "he", "ll", "hell", "hello", "\xc4\xa0w", "\xc4\xa0wo", "\xc4\xa0wor", "\xc4\xa0worl", "\xc4\xa0world", "el",
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool>",
};
static const int32_t k_extra_types[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 1, 3, 4};
#define N_EXTRA (sizeof k_extra / sizeof k_extra[0])
#define N_BPE (256 + N_EXTRA)
static const char *g_tok[N_BPE];
static int32_t g_typ[N_BPE];
static char g_chars[256][4];

static ie_vocab *bpe_vocab(const char *pre, const char *const *merges, size_t n_merges)
{
    for (int b = 0; b < 256; b++) {
        int n = ie_utf8_encode(ie_byte_to_cpt((uint8_t)b), g_chars[b]);
        g_chars[b][n] = '\0';
        g_tok[b] = g_chars[b];
        g_typ[b] = 1;
    }
    for (size_t i = 0; i < N_EXTRA; i++) {
        g_tok[256 + i] = k_extra[i];
        g_typ[256 + i] = k_extra_types[i];
    }
    tok_spec s = {.model = "gpt2", .pre = pre, .tokens = g_tok, .n_tokens = N_BPE, .types = g_typ,
                  .merges = merges, .n_merges = n_merges, .bos = 256 + 12, .eos = 256 + 12, .add_bos = -1};
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    return v;
}

static int32_t tid(const char *s)
{
    for (size_t i = 0; i < N_BPE; i++)
        if (strcmp(g_tok[i], s) == 0)
            return (int32_t)i;
    return -1;
}

static void merges_by_rank(void **state)
{
    (void)state;
    ie_vocab *v = bpe_vocab("qwen2", k_merges_a, sizeof k_merges_a / sizeof k_merges_a[0]);
    int n;
    const int32_t *ids = tok_ids(v, "hello world", false, false, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], tid("hello"));
    assert_int_equal(ids[1], tid("\xc4\xa0world"));
    ids = tok_ids(v, "hel", false, false, &n); /* "h e" (rank 0) before "e l" (rank 9) */
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], tid("he"));
    assert_int_equal(ids[1], 'l');
    ie_vocab_free(v);
    v = bpe_vocab("qwen2", k_merges_b, 3);   /* now "e l" ranks first */
    ids = tok_ids(v, "hel", false, false, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 'h');
    assert_int_equal(ids[1], tid("el"));
    ie_vocab_free(v);
}

static void specials_and_eog(void **state)
{
    (void)state;
    ie_vocab *v = bpe_vocab("llama-bpe", k_merges_a, sizeof k_merges_a / sizeof k_merges_a[0]);
    assert_int_equal(ie_vocab_type(v), IE_VOCAB_BPE);
    assert_true(ie_vocab_add_bos(v)); /* llama3 pre-tokenizer default */
    int n;
    const int32_t *ids = tok_ids(v, "<|im_start|>hello<|im_end|>", true, true, &n);
    assert_int_equal(n, 4);
    assert_int_equal(ids[0], tid("<|endoftext|>"));
    assert_int_equal(ids[1], tid("<|im_start|>"));
    assert_int_equal(ids[2], tid("hello"));
    assert_int_equal(ids[3], tid("<|im_end|>")); /* typed normal, forced control as llama.cpp does */
    assert_true(ie_vocab_is_eog(v, tid("<|im_end|>")));
    assert_true(ie_vocab_is_eog(v, tid("<|endoftext|>")));
    assert_false(ie_vocab_is_eog(v, tid("hello")));
    ids = tok_ids(v, "<|im_start|>", false, false, &n); /* not parsed: plain text */
    assert_true(n > 1);
    ids = tok_ids(v, "a<tool>b", false, false, &n);      /* user-defined: always */
    assert_int_equal(n, 3);
    assert_int_equal(ids[1], tid("<tool>"));
    ie_vocab_free(v);
    v = bpe_vocab("qwen2", k_merges_a, 3);
    assert_false(ie_vocab_add_bos(v)); /* BPE default without add_bos_token */
    ie_vocab_free(v);
}

/* A vocabulary of the given control tokens after the 256 bytes. */
static ie_vocab *specials_vocab(const char *const *specials, size_t n)
{
    static const char *tok[256 + 16];
    static int32_t typ[256 + 16];
    for (int b = 0; b < 256; b++) {
        int k = ie_utf8_encode(ie_byte_to_cpt((uint8_t)b), g_chars[b]);
        g_chars[b][k] = '\0';
        tok[b] = g_chars[b];
        typ[b] = 1;
    }
    for (size_t i = 0; i < n; i++) {
        tok[256 + i] = specials[i];
        typ[256 + i] = 3;
    }
    tok_spec s = {.model = "gpt2", .pre = "qwen2", .tokens = tok, .n_tokens = 256 + n, .types = typ,
                  .merges = k_merges_a, .n_merges = 1, .bos = 256, .eos = 256, .add_bos = -1};
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    if (!v)
        fail_msg("load: %s", err);
    return v;
}

/* llama.cpp's adjustments (src/llama-vocab.cpp): gpt-oss's <|end|> is no
 * end of generation beside <|return|> and <|call|>, and its markers render
 * as text; Gemma 4 ends at <turn|> and <|tool_response>, not at </s>. */
static void harmony_and_gemma4_eog(void **state)
{
    (void)state;
    static const char *const oss[] = {"<|endoftext|>", "<|start|>", "<|channel|>", "<|message|>",
                                      "<|end|>", "<|return|>", "<|call|>", "<|constrain|>"};
    ie_vocab *v = specials_vocab(oss, 8);
    assert_true(ie_vocab_is_eog(v, 256 + 5));  /* <|return|> */
    assert_true(ie_vocab_is_eog(v, 256 + 6));  /* <|call|> */
    assert_false(ie_vocab_is_eog(v, 256 + 4)); /* <|end|> */
    for (int32_t t = 256 + 1; t <= 256 + 7; t++) {
        char buf[32];
        int len = ie_token_to_piece(v, t, buf, sizeof buf, false);
        bool rendered = len == (int)strlen(oss[t - 256]) && memcmp(buf, oss[t - 256], (size_t)len) == 0;
        assert_int_equal(rendered, t != 256 + 5 && t != 256 + 6); /* all but the two ends */
    }
    ie_vocab_free(v);
    /* without <|return|> and <|call|> (Phi-3), <|end|> ends the generation */
    static const char *const phi[] = {"<|endoftext|>", "<|end|>"};
    v = specials_vocab(phi, 2);
    assert_true(ie_vocab_is_eog(v, 256 + 1));
    ie_vocab_free(v);
    static const char *const gemma4[] = {"<bos>", "<eos>", "<turn|>", "<|tool_response>", "</s>",
                                         "<|tool_call>"};
    v = specials_vocab(gemma4, 6);
    assert_true(ie_vocab_is_eog(v, 256 + 1));
    assert_true(ie_vocab_is_eog(v, 256 + 2));
    assert_true(ie_vocab_is_eog(v, 256 + 3));
    assert_false(ie_vocab_is_eog(v, 256 + 4));
    assert_false(ie_vocab_is_eog(v, 256 + 5));
    ie_vocab_free(v);
}

static void detokenize(void **state)
{
    (void)state;
    ie_vocab *v = bpe_vocab("qwen2", k_merges_a, sizeof k_merges_a / sizeof k_merges_a[0]);
    static const char *const texts[] = {
        "hello world", " leading", "trailing  ", "caf\xc3\xa9 na\xc3\xafve", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
        "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "digits 3.14159 1e-10", "int main(void) { return 0; }",
        "tabs\tand\n\nnewlines\r\n", "a   b    c", "It's ok , really ?", "",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        int n, len;
        int32_t copy[4096];
        const int32_t *ids = tok_ids(v, texts[i], false, false, &n);
        memcpy(copy, ids, sizeof(int32_t) * (size_t)n);
        assert_string_equal(tok_text(v, copy, n, false, &len), texts[i]);
    }
    ie_vocab_free(v);
    /* llama3 cleans up spaces before punctuation and contractions, as
     * llama.cpp (and Hugging Face's clean_up_tokenization_spaces) do. */
    v = bpe_vocab("llama-bpe", k_merges_a, sizeof k_merges_a / sizeof k_merges_a[0]);
    int n;
    int32_t copy[64];
    const int32_t *ids = tok_ids(v, "It 's ok , really ?", false, false, &n);
    memcpy(copy, ids, sizeof(int32_t) * (size_t)n);
    assert_string_equal(tok_text(v, copy, n, false, NULL), "It's ok, really?");
    int32_t sp[] = {tid("<|im_start|>"), tid("hello")};
    assert_string_equal(tok_text(v, sp, 2, false, NULL), "hello");
    assert_string_equal(tok_text(v, sp, 2, true, NULL), "<|im_start|>hello");
    ie_vocab_free(v);
}

static void invalid_utf8(void **state)
{
    (void)state;
    ie_vocab *v = bpe_vocab("llama-bpe", k_merges_a, 3);
    /* Invalid bytes become U+FFFD (EF BF BD), as in llama.cpp. */
    int n1, n2;
    int32_t a[16];
    const int32_t *ids = tok_ids(v, "x\xff" "y", false, false, &n1);
    memcpy(a, ids, sizeof(int32_t) * (size_t)n1);
    ids = tok_ids(v, "x\xef\xbf\xbd" "y", false, false, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, ids, sizeof(int32_t) * (size_t)n1);
    ids = tok_ids(v, "\xc3", false, false, &n1); /* truncated sequence */
    assert_int_equal(n1, 3);
    ie_vocab_free(v);
}

/* ---- hostile metadata ---- */
static bool extra_short_scores(gguf_writer *w)
{
    float s[2] = {0, 0};
    return gguf_w_arr_f32(w, "tokenizer.ggml.scores", s, 2);
}
static bool extra_long_types(gguf_writer *w)
{
    int32_t t[5] = {1, 1, 1, 1, 1};
    return gguf_w_arr_i32(w, "tokenizer.ggml.token_type", t, 5);
}
static bool extra_float_tokens(gguf_writer *w)
{
    float s[3] = {0, 0, 0};
    return gguf_w_arr_f32(w, "tokenizer.ggml.tokens", s, 3);
}
static bool extra_string_bos(gguf_writer *w) { return gguf_w_str(w, "tokenizer.ggml.bos_token_id", "1"); }

static void expect_refused(const tok_spec *s, bool (*extra)(gguf_writer *), const char *needle)
{
    char err[256] = "";
    ie_vocab *v = tok_load(s, extra, err, sizeof err);
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
    static const char *const toks[] = {"a", "b", "c"};
    tok_spec base = {.model = "llama", .tokens = toks, .n_tokens = 3, .bos = -1, .eos = -1, .add_bos = -1};
    tok_spec s = base;
    expect_refused(&s, extra_short_scores, "tokenizer.ggml.scores");
    expect_refused(&s, extra_long_types, "tokenizer.ggml.token_type");
    s.bos = 3;
    expect_refused(&s, NULL, "tokenizer.ggml.bos_token_id");
    s = base;
    s.eos = 1000000;
    expect_refused(&s, NULL, "tokenizer.ggml.eos_token_id");
    s = base;
    expect_refused(&s, extra_string_bos, "tokenizer.ggml.bos_token_id");
    s.model = "bert";
    expect_refused(&s, NULL, "unsupported tokenizer");
    s.model = NULL;
    expect_refused(&s, NULL, "tokenizer.ggml.model");
    s = base;
    s.tokens = NULL;
    expect_refused(&s, extra_float_tokens, "tokenizer.ggml.tokens");
    expect_refused(&s, NULL, "tokenizer.ggml.tokens");
    s = base;
    s.model = "gpt2";
    expect_refused(&s, NULL, "tokenizer.ggml.merges");
    static const char *const odd_merges[] = {"abc", " ", "a b c"};
    s.merges = odd_merges;
    s.n_merges = 3;
    s.pre = "no-such-pre";
    expect_refused(&s, NULL, "no-such-pre");
    s.pre = "gpt-2"; /* merges without a space are accepted (as llama.cpp) */
    char err[256];
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    assert_non_null(v);
    int n;
    tok_ids(v, "abc", false, false, &n);
    assert_int_equal(n, 3);
    ie_vocab_free(v);
}

/* ---- speed: a 150k vocabulary loads fast; tokenizing is near-linear ---- */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void large_vocab_speed(void **state)
{
    (void)state;
    enum { N = 150000, NM = 17 };
    const char **toks = malloc(N * sizeof *toks);
    char *names = malloc((size_t)N * 16);
    const char *merges[NM];
    char mbuf[NM][600];
    assert_non_null(toks);
    assert_non_null(names);
    static char chars[256][4];
    for (int b = 0; b < 256; b++) {
        chars[b][ie_utf8_encode(ie_byte_to_cpt((uint8_t)b), chars[b])] = '\0';
        toks[b] = chars[b];
    }
    /* "a"-runs of 2^k letters, built by merges "A A" -> AA. */
    static char runs[NM][300];
    for (int k = 0; k < NM && k < 8; k++) {
        int len = 1 << (k + 1);
        memset(runs[k], 'a', (size_t)len);
        runs[k][len] = '\0';
        toks[256 + k] = runs[k];
        snprintf(mbuf[k], sizeof mbuf[k], "%.*s %.*s", len / 2, runs[k], len / 2, runs[k]);
        merges[k] = mbuf[k];
    }
    for (int i = 256 + 8; i < N; i++) {
        snprintf(names + (size_t)i * 16, 16, "tok%07d", i);
        toks[i] = names + (size_t)i * 16;
    }
    tok_spec s = {.model = "gpt2", .pre = "llama-bpe", .tokens = toks, .n_tokens = N, .merges = merges,
                  .n_merges = 8, .bos = -1, .eos = -1, .add_bos = 0};
    char err[256];
    double t0 = now();
    ie_vocab *v = tok_load(&s, NULL, err, sizeof err);
    double t_load = now() - t0;
    assert_non_null(v);
    assert_int_equal(ie_vocab_find(v, "tok0149999", 10), N - 1);
    /* 200k letters as one word, then 40k short words. */
    size_t len = 200000;
    char *text = malloc(len + 1);
    memset(text, 'a', len);
    text[len] = '\0';
    t0 = now();
    int n = ie_tokenize(v, text, len, false, false, NULL, 0);
    double t_word = now() - t0;
    assert_int_equal(n, 782); /* 781 runs of 256 letters and one of 64 */
    for (size_t i = 0; i < len; i++)
        text[i] = " hello"[i % 6];
    t0 = now();
    n = ie_tokenize(v, text, len, false, false, NULL, 0);
    double t_words = now() - t0;
    assert_true(n > 0);
    print_message("150k vocabulary: written+loaded in %.1f ms; 200k-letter word %.1f ms; 33k words %.1f ms\n",
                  t_load * 1e3, t_word * 1e3, t_words * 1e3);
    /* Generous bounds (ASan, a busy machine); a quadratic merge loop or a
     * linear lookup would take far longer. */
    assert_true(t_load < 3.0);
    assert_true(t_word < 3.0);
    assert_true(t_words < 3.0);
    free(text);
    ie_vocab_free(v);
    free(toks);
    free(names);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pretok_llama3),
        cmocka_unit_test(pretok_qwen2_gpt2_default),
        cmocka_unit_test(merges_by_rank),
        cmocka_unit_test(specials_and_eog), cmocka_unit_test(harmony_and_gemma4_eog),
        cmocka_unit_test(detokenize),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(hostile_metadata),
        cmocka_unit_test(large_vocab_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
