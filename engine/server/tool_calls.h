/* Tool calls in generated text: which syntax a chat template teaches its
 * model, splitting the output into content and OpenAI tool_calls (also as
 * it streams), and the exact text of one call for constrained decoding.
 * The syntaxes, as the models' own templates render calls in the history:
 *   hermes   <tool_call>\n{"name": N, "arguments": {...}}\n</tool_call>  (Qwen 2.5/3, Hermes, ChatML)
 *   qwen_xml <tool_call>\n<function=N>\n<parameter=K>\nV\n</parameter>\n</function>\n</tool_call>
 *            (Qwen3-Coder, Qwen3.5/3.6: V is a string, or JSON for other types)
 *   glm      <tool_call>N\n<arg_key>K</arg_key>\n<arg_value>V</arg_value>\n</tool_call>
 *            (GLM-4.5 to 4.7; 4.7 without the newlines)
 *   llama3   {"name": N, "parameters": {...}}  as the whole reply (Llama 3.1-3.3 JSON tool calling)
 *   mistral  [TOOL_CALLS][{"name": N, "arguments": {...}}, ...]  or
 *            [TOOL_CALLS]N[ARGS]{...}  (Mistral v3 / v11 tokenizers)
 *   gemma4   <|tool_call>call:N{key:VALUE,...}<tool_call|>  (Gemma 4: strings <|"|>...<|"|>,
 *            keys bare, numbers, true/false/null, {...} and [...] as in JSON)
 *   harmony  <|channel|>commentary to=functions.N <|constrain|>json<|message|>{...}  (gpt-oss;
 *            parsed by harmony.c with the channels, only its frame is here) */
#ifndef INFRAC_SERVER_TOOL_CALLS_H
#define INFRAC_SERVER_TOOL_CALLS_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

typedef enum tool_syntax {
    TOOL_SYNTAX_NONE, /* a template whose call syntax infrac does not parse */
    TOOL_SYNTAX_HERMES,
    TOOL_SYNTAX_LLAMA3,
    TOOL_SYNTAX_MISTRAL,
    TOOL_SYNTAX_QWEN_XML,
    TOOL_SYNTAX_GLM,
    TOOL_SYNTAX_GEMMA4,
    TOOL_SYNTAX_HARMONY,
} tool_syntax;

/* From the marker texts in the template's source. */
tool_syntax tool_syntax_detect(const char *template_source);
const char *tool_syntax_name(tool_syntax s);

/* The fixed text around one call: prefix NAME middle ARGUMENTS suffix
 * (qwen_xml: ARGUMENTS are the <parameter=...> blocks and </function>). */
void tool_syntax_frame(tool_syntax s, const char **prefix, const char **middle,
                       const char **suffix);

/* The marker texts of a syntax that a vocabulary may hold as control
 * tokens (rendered as text in replies with tools); NULL-terminated. */
const char *const *tool_syntax_markers(tool_syntax s);

struct json_t;

/* Gemma 4's string quote, a token of its vocabulary. */
#define GEMMA4_QUOTE "<|\"|>"

/* Gemma 4's value notation (the template's format_argument) as JSON: NULL
 * when s is not one value. */
struct json_t *gemma4_value_parse(const char *s, size_t n);

/* Splits generated text as it comes. */
typedef struct tool_parser {
    tool_syntax syntax;
    int state;
    strbuf held;      /* text not released yet */
    size_t n_calls;
} tool_parser;

void tool_parser_init(tool_parser *p, tool_syntax s);
void tool_parser_free(tool_parser *p);
/* Appends the content that can be released to content, and each completed
 * call to calls (a json array of {"id","type":"function","function":
 * {"name","arguments": JSON text}}). */
void tool_parser_feed(tool_parser *p, const char *text, size_t n, strbuf *content,
                      struct json_t *calls);
/* End of generation: what is held is released; a call that does not parse
 * is returned as content, never dropped. */
void tool_parser_finish(tool_parser *p, strbuf *content, struct json_t *calls);

/* A fresh call id: 9 letters and digits (Mistral's templates require that
 * length; any client takes it). */
void tool_call_id(char out[10]);

#endif
