/* Reasoning ("thinking") text split from the answer, as llama-server's
 * --reasoning-format does (llama.cpp tools/server/README.md): with
 * deepseek, the text between the template's thinking tags (<think> ...
 * </think> for Qwen3 and GLM, <|channel>thought ... <channel|> for Gemma 4)
 * at the start of a reply goes to message.reasoning_content, the rest to
 * content; deepseek-legacy fills reasoning_content and keeps the tagged
 * text in content too; none leaves the text as generated. */
#ifndef INFRAC_SERVER_REASONING_H
#define INFRAC_SERVER_REASONING_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

typedef enum reasoning_format {
    REASONING_DEEPSEEK,        /* the default (llama-server's "auto" parses the same way) */
    REASONING_NONE,
    REASONING_DEEPSEEK_LEGACY,
} reasoning_format;

/* "deepseek", "auto" (= deepseek), "none", "deepseek-legacy"; -1 when unknown. */
int reasoning_format_from_name(const char *name);
const char *reasoning_format_name(reasoning_format f);

/* The thinking tags a chat template's source teaches; false when none. */
bool reasoning_tags_detect(const char *template_source, const char **open, const char **close);

typedef struct reasoning_split {
    const char *open, *close;
    int state;
    bool legacy;     /* deepseek-legacy: the tagged text stays in content too */
    strbuf held;     /* text that may still be a tag, or whitespace at a boundary */
} reasoning_split;

/* inside: the prompt already opened the thinking (it ends with the open
 * tag, as Qwen3.5/3.6's templates render the generation prompt). */
void reasoning_split_init(reasoning_split *s, const char *open, const char *close, bool inside,
                          bool legacy);
void reasoning_split_free(reasoning_split *s);
/* Appends what can be released: thinking text to reasoning, the rest to
 * content. */
void reasoning_split_feed(reasoning_split *s, const char *text, size_t n, strbuf *reasoning,
                          strbuf *content);
/* End of generation: thinking never closed stays reasoning (the model ran
 * out of tokens while thinking). */
void reasoning_split_finish(reasoning_split *s, strbuf *reasoning, strbuf *content);

/* Whether the rendered prompt ends inside an opened thinking block. */
bool reasoning_prompt_opens(const char *prompt, size_t n, const char *open, const char *close);

#endif
