/* libFuzzer target: infrac-engine's tokenizers on arbitrary bytes. The
 * first input byte picks the vocabulary (SentencePiece, BPE with the
 * llama3 / qwen2 / gpt-2 / default pre-tokenizer, or gemma4's BPE over raw
 * UTF-8 with <0xXX> bytes, some missing) and the flags; the rest
 * is the text. Nothing may crash or leak; the count must not depend on the
 * buffer size; SentencePiece must round-trip the bytes exactly. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "gguf_write.h"
#include "tokenizer.h"
#include "tokenizer_unicode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_VOCABS 6
static ie_vocab *g_vocab[N_VOCABS];

static const char *const k_words[] = {"", "a", "b", "c", "ab", "bc", "abc", "th", "the", "in", "ing", "12", "123",
                                      "\xc3\xa9", "\xe6\x97\xa5"};
static const char *const k_specials[] = {"<s>", "</s>", "<|im_start|>", "<|im_end|>", "<tool>"};

/* spm: SentencePiece; else BPE (gpt2 with pre, or gemma4 when pre is NULL). */
static ie_vocab *build(bool spm, const char *pre)
{
    bool gemma4 = !spm && !pre;
    enum { MAXT = 600 };
    static char store[MAXT][32];
    const char *toks[MAXT];
    float scores[MAXT];
    int32_t types[MAXT];
    const char *merges[64];
    size_t n = 0, nm = 0;
    for (int b = 0; b < 256; b++, n++) {
        if (gemma4 && b % 37 == 5) /* a few bytes without a token: dropped */
            snprintf(store[n], sizeof store[n], "[unused%d]", b);
        else if (spm || gemma4)
            snprintf(store[n], sizeof store[n], "<0x%02X>", b);
        else
            store[n][ie_utf8_encode(ie_byte_to_cpt((uint8_t)b), store[n])] = '\0';
        toks[n] = store[n];
        scores[n] = 0;
        types[n] = spm || gemma4 ? 6 : 1;
    }
    for (size_t i = 0; i < sizeof k_words / sizeof k_words[0]; i++, n++) {
        /* SentencePiece: "▁" itself, and every other word with a "▁" prefix
         * (a vocabulary without "▁" would give spaces back as U+2581). */
        snprintf(store[n], sizeof store[n], "%s%s", (spm || gemma4) && i % 2 == 0 ? "\xe2\x96\x81" : "",
                 k_words[i]);
        if (!spm && !gemma4 && !k_words[i][0])
            snprintf(store[n], sizeof store[n], "<pad>");
        toks[n] = store[n];
        scores[n] = -(float)i;
        types[n] = 1;
        if (!spm && strlen(k_words[i]) == 2 && (unsigned char)k_words[i][0] < 0x80) {
            static char mstore[64][8];
            snprintf(mstore[nm], sizeof mstore[nm], "%c %c", k_words[i][0], k_words[i][1]);
            merges[nm] = mstore[nm];
            nm++;
        }
    }
    if (gemma4) { /* "▁ a", "▁ ▁" and the newline run "\n\n" as tokens and merges */
        static const char *const g[][2] = {{"\xe2\x96\x81" "a", "\xe2\x96\x81 a"},
                                           {"\xe2\x96\x81\xe2\x96\x81", "\xe2\x96\x81 \xe2\x96\x81"},
                                           {"\n\n", "\n \n"}};
        for (size_t i = 0; i < 3; i++, n++) {
            toks[n] = g[i][0];
            scores[n] = 0;
            types[n] = 1;
            merges[nm++] = g[i][1];
        }
    }
    for (size_t i = 0; i < sizeof k_specials / sizeof k_specials[0]; i++, n++) {
        toks[n] = k_specials[i];
        scores[n] = 0;
        types[n] = i == 4 ? 4 : 3;
    }
    char path[] = "/tmp/fuzz-tok-XXXXXX", err[256];
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    gguf_writer *w = gguf_writer_new();
    gguf_w_str(w, "tokenizer.ggml.model", spm ? "llama" : gemma4 ? "gemma4" : "gpt2");
    if (pre)
        gguf_w_str(w, "tokenizer.ggml.pre", pre);
    gguf_w_arr_str(w, "tokenizer.ggml.tokens", toks, NULL, n);
    gguf_w_arr_f32(w, "tokenizer.ggml.scores", scores, n);
    gguf_w_arr_i32(w, "tokenizer.ggml.token_type", types, n);
    if (!spm)
        gguf_w_arr_str(w, "tokenizer.ggml.merges", merges, NULL, nm);
    gguf_file f;
    ie_vocab *v = NULL;
    if (gguf_writer_write(w, path, true, err, sizeof err) == 0 && gguf_open(&f, path, err, sizeof err) == 0) {
        v = ie_vocab_load(&f, err, sizeof err);
        gguf_close(&f);
    }
    gguf_writer_free(w);
    unlink(path);
    if (!v) {
        fprintf(stderr, "fuzz_tok: %s\n", err);
        abort();
    }
    return v;
}

/* Well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n)
            return false;
        uint32_t cp = k == 1 ? c : c & (0x7F >> k);
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[k] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k;
    }
    return true;
}

static void cleanup(void)
{
    for (int i = 0; i < N_VOCABS; i++)
        ie_vocab_free(g_vocab[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_vocab[0]) {
        g_vocab[0] = build(true, NULL);
        g_vocab[1] = build(false, "llama-bpe");
        g_vocab[2] = build(false, "qwen2");
        g_vocab[3] = build(false, "gpt-2");
        g_vocab[4] = build(false, "default");
        g_vocab[5] = build(false, NULL); /* gemma4 */
        atexit(cleanup);
    }
    if (size == 0)
        return 0;
    const ie_vocab *v = g_vocab[data[0] % N_VOCABS];
    bool add = data[0] & 0x10, parse = data[0] & 0x20, render = data[0] & 0x40;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int n = ie_tokenize(v, text, len, add, parse, NULL, 0);
    if (n < 0)
        abort();
    int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
    if (!ids || ie_tokenize(v, text, len, add, parse, ids, n) != n)
        abort();
    for (int i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= ie_vocab_size(v))
            abort();
    int m = ie_detokenize(v, ids, n, NULL, 0, render);
    char *back = malloc((size_t)(m > 0 ? m : 1));
    if (m < 0 || !back || ie_detokenize(v, ids, n, back, m, render) != m)
        abort();
    /* SentencePiece keeps every byte of valid UTF-8 (byte fallback), except
     * U+2581 in the input, which reads back as a space. (Invalid UTF-8 need
     * not round-trip: a stray lead byte swallows the bytes after it, which
     * may split a U+2581, exactly as in llama.cpp; and a user-defined token
     * such as <tool> splits the text, the part after it gets its own space
     * prefix, also as in llama.cpp.) */
    if (v == g_vocab[0] && !add && !parse && valid_utf8(data + 1, len) && !memchr(text, '<', len) &&
        !memmem(text, len, "\xe2\x96\x81", 3) &&
        ((size_t)m != len || memcmp(back, text, len) != 0))
        abort();
    free(back);
    free(ids);
    return 0;
}
