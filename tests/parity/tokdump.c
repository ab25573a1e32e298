/* Parity helper: tokenizes texts with infrac-engine's tokenizer so that
 * tests/cli/parity_tokenize.sh can compare them with llama.cpp's. Needs
 * only the GGUF's metadata (header-only files work).
 *   tokdump MODEL.gguf TEXTS.json   -> {"tokens":[[...],...],"text":[...]}
 * TEXTS.json is a JSON array of strings. For each text: the tokens with
 * parse_special (add_special off, as node-llama-cpp's tokenize does), and
 * the detokenization of those tokens (special tokens rendered). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "gguf.h"
#include "tokenizer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tokdump MODEL.gguf TEXTS.json\n");
        return 2;
    }
    char err[512];
    gguf_file f;
    if (gguf_open(&f, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "tokdump: %s\n", err);
        return 1;
    }
    ie_vocab *v = ie_vocab_load(&f, err, sizeof err);
    if (!v) {
        fprintf(stderr, "tokdump: %s: %s\n", argv[1], err);
        gguf_close(&f);
        return 1;
    }
    json_error_t jerr;
    json_t *texts = json_load_file(argv[2], JSON_ALLOW_NUL, &jerr);
    if (!json_is_array(texts)) {
        fprintf(stderr, "tokdump: %s: %s\n", argv[2], jerr.text);
        return 1;
    }
    json_t *all = json_array(), *dets = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(texts, i, t) {
        const char *s = json_string_value(t);
        size_t len = json_string_length(t);
        int n = ie_tokenize(v, s, len, false, true, NULL, 0);
        int32_t *ids = malloc(((size_t)n + 1) * sizeof *ids);
        if (n < 0 || !ids || ie_tokenize(v, s, len, false, true, ids, n) != n) {
            fprintf(stderr, "tokdump: tokenizing text %zu failed\n", i);
            return 1;
        }
        json_t *arr = json_array();
        for (int k = 0; k < n; k++)
            json_array_append_new(arr, json_integer(ids[k]));
        json_array_append_new(all, arr);
        int m = ie_detokenize(v, ids, n, NULL, 0, true);
        char *buf = malloc((size_t)(m > 0 ? m : 1));
        if (m < 0 || !buf || ie_detokenize(v, ids, n, buf, m, true) != m) {
            fprintf(stderr, "tokdump: detokenizing text %zu failed\n", i);
            return 1;
        }
        json_array_append_new(dets, json_stringn_nocheck(buf, (size_t)m));
        free(buf);
        free(ids);
    }
    json_t *out = json_pack("{s:o,s:o}", "tokens", all, "text", dets);
    json_dumpf(out, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    putchar('\n');
    json_decref(out);
    json_decref(texts);
    ie_vocab_free(v);
    gguf_close(&f);
    return 0;
}
