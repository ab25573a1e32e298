#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

/* Prompts are tokenized as llama.cpp's tools do: BOS when the vocabulary
 * wants it, special-token texts (<|im_start|>, ...) parsed. */
int cli_tokenize(const ie_model *m, const char *text, int32_t **out, size_t *n, char *err, size_t errlen)
{
    const ie_vocab *v = ie_model_vocab(m);
    *out = NULL;
    *n = 0;
    if (!v) {
        snprintf(err, errlen, "the model has no vocabulary: give the prompt as --tokens 1,2,3");
        return -1;
    }
    size_t len = text ? strlen(text) : 0;
    int count = ie_tokenize(v, text ? text : "", len, true, true, NULL, 0);
    int32_t *ids = count >= 0 ? malloc(((size_t)count + 1) * sizeof *ids) : NULL;
    if (!ids || ie_tokenize(v, text ? text : "", len, true, true, ids, count) != count) {
        free(ids);
        snprintf(err, errlen, "cannot tokenize the prompt (out of memory)");
        return -1;
    }
    *out = ids;
    *n = (size_t)count;
    return 0;
}

void cli_print_piece(const ie_model *m, int32_t token, FILE *f)
{
    const ie_vocab *v = ie_model_vocab(m);
    char buf[256];
    int n = v ? ie_token_to_piece(v, token, buf, (int)sizeof buf, false) : -1;
    if (n < 0) {
        fprintf(f, "[%d]", token);
        return;
    }
    if (n <= (int)sizeof buf) {
        fwrite(buf, 1, (size_t)n, f);
        return;
    }
    char *big = malloc((size_t)n);
    if (big && ie_token_to_piece(v, token, big, n, false) == n)
        fwrite(big, 1, (size_t)n, f);
    free(big);
}

bool cli_is_eog(const ie_model *m, int32_t token)
{
    const ie_vocab *v = ie_model_vocab(m);
    return v && ie_vocab_is_eog(v, token);
}
