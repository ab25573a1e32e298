/* A chat reply split as it streams into reasoning_content, content and
 * tool_calls: gpt-oss harmony channels (harmony.c), or thinking tags
 * (reasoning.c) followed by the template's tool-call syntax (tool_calls.c). */
#ifndef INFRAC_SERVER_REPLY_H
#define INFRAC_SERVER_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "harmony.h"
#include "reasoning.h"
#include "strbuf.h"
#include "tool_calls.h"

struct json_t;

typedef struct reply_setup {
    tool_syntax syntax;          /* the template's (TOOL_SYNTAX_HARMONY: channels) */
    bool tools;                  /* calls are parsed */
    const char *think_open, *think_close; /* thinking tags, NULL = none */
    bool think_inside;           /* the prompt opened the thinking */
    reasoning_format format;
} reply_setup;

typedef struct reply_parser {
    bool harmony, think, tools;
    harmony_parser hp;
    reasoning_split rs;
    tool_parser tp;
} reply_parser;

void reply_parser_init(reply_parser *p, const reply_setup *s);
void reply_parser_free(reply_parser *p);
void reply_parser_feed(reply_parser *p, const char *text, size_t n, strbuf *reasoning,
                       strbuf *content, struct json_t *calls);
void reply_parser_finish(reply_parser *p, strbuf *reasoning, strbuf *content,
                         struct json_t *calls);
/* Whether the reply needs a parser at all. */
bool reply_setup_active(const reply_setup *s);

#endif
