/* The chat prompt: the request's messages (and tools) rendered by a Jinja
 * chat template (jinja.h). The template is the GGUF's
 * tokenizer.chat_template; ChatML (llama.cpp's fallback too) when the GGUF
 * has none; or one of the built-in formats named by --chat-template. */
#ifndef INFRAC_SERVER_CHAT_TEMPLATE_H
#define INFRAC_SERVER_CHAT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "tokenizer.h"
#include "tool_calls.h"

typedef enum chat_format {
    CHAT_CHATML,  /* <|im_start|>role\n...<|im_end|>\n, tools as Hermes <tool_call> */
    CHAT_LLAMA3,  /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
    CHAT_MISTRAL, /* [INST] ... [/INST] answer</s> (Mistral and Llama 2) */
    CHAT_GEMMA,   /* <start_of_turn>user\n...<end_of_turn>\n */
} chat_format;

/* "chatml", "llama3", "mistral", "gemma" (also "llama2"); -1 when unknown. */
int chat_format_from_name(const char *name);
const char *chat_format_name(chat_format f);
/* The Jinja source of a built-in format. */
const char *chat_format_source(chat_format f);

typedef struct chat_prompt chat_prompt;
struct json_t;

/* For a loaded vocabulary: the built-in format `name`, or (name NULL) the
 * vocabulary's own template, else ChatML. NULL with err naming what the
 * template uses that is not supported, and its line. */
chat_prompt *chat_prompt_for_vocab(const ie_vocab *v, const char *name, char *err, size_t errlen);
/* From a Jinja source; bos/eos are the token texts the template sees;
 * add_bos: the tokenizer adds BOS itself, so a leading bos_token in the
 * rendered text is dropped (one BOS, as llama.cpp's server does). */
chat_prompt *chat_prompt_compile(const char *source, const char *origin, const char *bos,
                                 const char *eos, bool add_bos, char *err, size_t errlen);
void chat_prompt_free(chat_prompt *p);
/* "the GGUF's tokenizer.chat_template", "the built-in chatml format", ... */
const char *chat_prompt_origin(const chat_prompt *p);
tool_syntax chat_prompt_tool_syntax(const chat_prompt *p);
/* The thinking tags of the template (reasoning.h); false when none. */
bool chat_prompt_think_tags(const chat_prompt *p, const char **open, const char **close);

/* The prompt for messages (the template's shape: role, content, tool_calls
 * with arguments as objects, tool_call_id, name) and tools (NULL = none),
 * ending with the opening of the assistant's turn. NULL with err: the
 * template refused the conversation (raise_exception) or failed. Special
 * token texts in the result are meant to be parsed as such. *len: its
 * bytes (a message's content may hold NUL bytes, and so may the text). */
char *chat_prompt_render(const chat_prompt *p, struct json_t *messages, struct json_t *tools,
                         size_t *len, char *err, size_t errlen);

#endif
