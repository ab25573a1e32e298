#include "text.h"

#include <stdio.h>

/* Until the tokenizer (engine/tokenizer*.c) is merged the model has no
 * vocabulary: text prompts are refused, and tokens print as ids. */
int cli_tokenize(const ie_model *m, const char *text, int32_t **out, size_t *n, char *err, size_t errlen)
{
    (void)m;
    (void)text;
    *out = NULL;
    *n = 0;
    snprintf(err, errlen, "this build has no tokenizer yet: give the prompt as --tokens 1,2,3");
    return -1;
}

void cli_print_piece(const ie_model *m, int32_t token, FILE *f)
{
    (void)m;
    fprintf(f, "[%d]", token);
}

bool cli_is_eog(const ie_model *m, int32_t token)
{
    (void)m;
    (void)token;
    return false;
}
