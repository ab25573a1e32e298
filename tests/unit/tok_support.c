/* Helpers of the tokenizer unit tests (see tok_support.h). */
#include "tok_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "tokenizer_unicode.h"

ie_vocab *tok_load(const tok_spec *s, bool (*extra)(gguf_writer *w), char *err, size_t errlen)
{
    char path[] = "/tmp/tok-unit-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "mkstemp failed");
        return NULL;
    }
    close(fd);
    gguf_writer *w = gguf_writer_new();
    bool ok = w && gguf_w_str(w, "general.architecture", "llama");
    if (s->model)
        ok = ok && gguf_w_str(w, "tokenizer.ggml.model", s->model);
    if (s->pre)
        ok = ok && gguf_w_str(w, "tokenizer.ggml.pre", s->pre);
    if (s->tokens)
        ok = ok && gguf_w_arr_str(w, "tokenizer.ggml.tokens", s->tokens, NULL, s->n_tokens);
    if (s->scores)
        ok = ok && gguf_w_arr_f32(w, "tokenizer.ggml.scores", s->scores, s->n_tokens);
    if (s->types)
        ok = ok && gguf_w_arr_i32(w, "tokenizer.ggml.token_type", s->types, s->n_tokens);
    if (s->merges)
        ok = ok && gguf_w_arr_str(w, "tokenizer.ggml.merges", s->merges, NULL, s->n_merges);
    if (s->bos >= 0)
        ok = ok && gguf_w_u32(w, "tokenizer.ggml.bos_token_id", (uint32_t)s->bos);
    if (s->eos >= 0)
        ok = ok && gguf_w_u32(w, "tokenizer.ggml.eos_token_id", (uint32_t)s->eos);
    if (s->add_bos >= 0)
        ok = ok && gguf_w_bool(w, "tokenizer.ggml.add_bos_token", s->add_bos != 0);
    if (extra)
        ok = ok && extra(w);
    ie_vocab *v = NULL;
    gguf_file f;
    if (ok && gguf_writer_write(w, path, true, err, errlen) == 0 && gguf_open(&f, path, err, errlen) == 0) {
        v = ie_vocab_load(&f, err, errlen);
        gguf_close(&f);
    }
    gguf_writer_free(w);
    unlink(path);
    return v;
}

const int32_t *tok_ids(const ie_vocab *v, const char *text, bool add_special, bool parse_special, int *n)
{
    static int32_t ids[4096];
    int k = ie_tokenize(v, text, strlen(text), add_special, parse_special, ids, 4095);
    if (k < 0 || k > 4095)
        k = 0;
    ids[k] = -1;
    if (n)
        *n = k;
    return ids;
}

const char *tok_text(const ie_vocab *v, const int32_t *ids, int n, bool render_special, int *len)
{
    static char buf[16384];
    int k = ie_detokenize(v, ids, n, buf, (int)sizeof buf - 1, render_special);
    if (k < 0 || k > (int)sizeof buf - 1)
        k = 0;
    buf[k] = '\0';
    if (len)
        *len = k;
    return buf;
}

const char *tok_bytelevel(const char *utf8)
{
    static char buf[4096];
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)utf8; *p && k + 4 < sizeof buf; p++)
        k += (size_t)ie_utf8_encode(ie_byte_to_cpt(*p), buf + k);
    buf[k] = '\0';
    return buf;
}
