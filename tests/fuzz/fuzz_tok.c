/* libFuzzer target: infrac-engine's tokenizers on arbitrary bytes. The
 * first input byte picks the vocabulary (SentencePiece, or BPE with the
 * llama3 / qwen2 / gpt-2 / default pre-tokenizer) and the flags; the rest
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

#define N_VOCABS 5
static ie_vocab *g_vocab[N_VOCABS];

static const char *const k_words[] = {"a", "b", "c", "ab", "bc", "abc", "th", "the", "in", "ing", "12", "123",
                                      "\xc3\xa9", "\xe6\x97\xa5"};
static const char *const k_specials[] = {"<s>", "</s>", "<|im_start|>", "<|im_end|>", "<tool>"};

static ie_vocab *build(bool spm, const char *pre)
{
    enum { MAXT = 600 };
    static char store[MAXT][32];
    const char *toks[MAXT];
    float scores[MAXT];
    int32_t types[MAXT];
    const char *merges[64];
    size_t n = 0, nm = 0;
    for (int b = 0; b < 256; b++, n++) {
        if (spm)
            snprintf(store[n], sizeof store[n], "<0x%02X>", b);
        else
            store[n][ie_utf8_encode(ie_byte_to_cpt((uint8_t)b), store[n])] = '\0';
        toks[n] = store[n];
        scores[n] = 0;
        types[n] = spm ? 6 : 1;
    }
    for (size_t i = 0; i < sizeof k_words / sizeof k_words[0]; i++, n++) {
        snprintf(store[n], sizeof store[n], "%s%s", spm && i % 2 ? "\xe2\x96\x81" : "", k_words[i]);
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
    gguf_w_str(w, "tokenizer.ggml.model", spm ? "llama" : "gpt2");
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
    /* SentencePiece keeps every byte (byte fallback), except U+2581 in the
     * input, which reads back as a space. */
    if (v == g_vocab[0] && !add && !parse && !memmem(text, len, "\xe2\x96\x81", 3) &&
        ((size_t)m != len || memcmp(back, text, len) != 0))
        abort();
    free(back);
    free(ids);
    return 0;
}
