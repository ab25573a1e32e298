/* gpt-oss's "harmony" replies, split as it streams. After the prompt's
 * <|start|>assistant the model writes messages
 *   <|channel|>analysis<|message|>THINKING<|end|>
 *   <|start|>assistant<|channel|>final<|message|>ANSWER            (then <|return|>)
 *   <|start|>assistant<|channel|>commentary to=functions.NAME <|constrain|>json<|message|>{ARGS}
 *                                                                   (then <|call|>)
 * (the recipient may also stand before the channel: " to=functions.NAME<|channel|>commentary
 * json<|message|>", as gpt-oss's template renders calls in the history). <|return|> and <|call|>
 * end the generation, so the last message ends with the text. The analysis channel is
 * reasoning_content, final and commentary without recipient (a preamble) are content, a
 * function call is a tool call (llama.cpp common/parsers/gpt-oss.cpp reads the same shapes).
 * Text that is not harmony, and a call whose arguments do not parse, are content. */
#ifndef INFRAC_SERVER_HARMONY_H
#define INFRAC_SERVER_HARMONY_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

struct json_t;

typedef struct harmony_parser {
    int state;
    int kind;          /* of the message being read */
    bool calls;        /* tools are active: function calls become tool_calls */
    bool reasoning;    /* analysis to reasoning (else to content with its markers) */
    strbuf held;       /* text not released yet */
    strbuf header;     /* the current message's header, up to <|message|> */
    strbuf args;       /* a call's arguments */
    char *name;        /* a call's function */
    size_t n_calls;
} harmony_parser;

void harmony_parser_init(harmony_parser *p, bool calls, bool reasoning);
void harmony_parser_free(harmony_parser *p);
/* Appends releasable text to reasoning and content, each completed call to
 * calls (a json array in OpenAI's shape). */
void harmony_parser_feed(harmony_parser *p, const char *text, size_t n, strbuf *reasoning,
                         strbuf *content, struct json_t *calls);
/* End of generation: an unclosed analysis stays reasoning, a call ended by
 * <|call|> (no text) is read from what came. */
void harmony_parser_finish(harmony_parser *p, strbuf *reasoning, strbuf *content,
                           struct json_t *calls);

#endif
