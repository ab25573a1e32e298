/* Chat prompt formats. The GGUF's tokenizer.chat_template is a Jinja
 * program; rather than run Jinja we recognise the four families that cover
 * the models infrac serves and render them natively. */
#ifndef INFRAC_SERVER_CHAT_TEMPLATE_H
#define INFRAC_SERVER_CHAT_TEMPLATE_H

#include <stddef.h>

#include "request.h"

typedef enum chat_format {
    CHAT_CHATML,  /* <|im_start|>role\n...<|im_end|>\n */
    CHAT_LLAMA3,  /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
    CHAT_MISTRAL, /* [INST] ... [/INST] answer</s> (Mistral and Llama 2) */
    CHAT_GEMMA,   /* <start_of_turn>user\n...<end_of_turn>\n */
} chat_format;

/* "chatml", "llama3", "mistral", "gemma" (also "llama2"); -1 when unknown. */
int chat_format_from_name(const char *name);
const char *chat_format_name(chat_format f);
/* The family of a Jinja template by its marker tokens; ChatML (llama.cpp's
 * fallback too) when the template is NULL or unrecognised. */
chat_format chat_format_detect(const char *jinja_template);

/* The prompt text, ending with the opening of the assistant's turn.
 * Caller frees. Special-token texts in it are meant to be parsed as such. */
char *chat_render(chat_format f, const chat_message *msgs, size_t n);

#endif
