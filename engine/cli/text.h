/* Text <-> tokens for the CLI, through the model's vocabulary. */
#ifndef INFRAC_ENGINE_CLI_TEXT_H
#define INFRAC_ENGINE_CLI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"

/* Tokenizes text (BOS added when the vocabulary wants it); malloc'ed ids
 * in *out, count in *n. -1 with a message when it cannot. */
int cli_tokenize(const ie_model *m, const char *text, int32_t **out, size_t *n, char *err, size_t errlen);
/* Writes the text of one generated token to f. */
void cli_print_piece(const ie_model *m, int32_t token, FILE *f);
/* End of generation (EOS, EOT, ...). */
bool cli_is_eog(const ie_model *m, int32_t token);

#endif
