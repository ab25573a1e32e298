/* Constrained decoding of one tool call (tool_choice "required" or a named
 * function): the output must be the chat template's call syntax
 * (tool_syntax_frame) around one of the allowed function names and a JSON
 * object of arguments (json_matcher.c), or for qwen_xml and glm any number
 * of their XML argument blocks (call_matcher.c), or for gemma4 an object in
 * Gemma 4's notation, read as the JSON it stands for (call_matcher.c), so it
 * always parses as a call.
 * Like json_matcher, a small state that is copied to try a token's bytes. */
#ifndef INFRAC_SERVER_CALL_MATCHER_H
#define INFRAC_SERVER_CALL_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_matcher.h"
#include "schema_matcher.h"
#include "token_mask.h"
#include "tool_calls.h"

#define CALL_MAX_NAMES 64

typedef struct call_grammar {
    const char *prefix, *middle, *suffix; /* static texts of the syntax */
    tool_syntax syntax;                   /* qwen_xml, glm: XML blocks of arguments */
    char *names[CALL_MAX_NAMES];          /* each followed by its closing quote (or >) */
    uint32_t name_len[CALL_MAX_NAMES];
    uint32_t n_names;
    /* a strict tool's parameters schema (owned; NULL: any JSON object);
     * JSON-argument syntaxes only */
    schema_grammar *schemas[CALL_MAX_NAMES];
} call_grammar;

typedef struct call_matcher {
    uint8_t seg;    /* 0 prefix, 1 name, 2 middle, 3 arguments, 4 suffix, 5 done */
    uint32_t off;   /* bytes of the current literal matched */
    uint64_t alive; /* names still matching (seg 1) */
    json_matcher jm;
    schema_matcher sm; /* the arguments of a strict tool */
    uint8_t xs;     /* XML arguments: the state in call_matcher.c */
    /* Gemma 4 arguments, read as the JSON they stand for (call_matcher.c) */
    uint8_t gs;     /* outside strings, in a bare key, in a string */
    uint8_t gq;     /* bytes of GEMMA4_QUOTE matched */
    uint8_t gkey;   /* a key comes next */
    uint8_t gdepth; /* open containers */
    uint64_t gobj;  /* bit d: container d is an object */
} call_matcher;

/* NULL when n_names is 0 or over CALL_MAX_NAMES. Names are used as given
 * (request.c allows only [A-Za-z0-9_-]). */
call_grammar *call_grammar_new(tool_syntax s, const char *const *names, uint32_t n_names);
/* gemma4: false with the property name in err when schema has a property
 * that a bare key cannot write (see call_matcher.c). */
/* A strict tool's parameters schema compiled for g's syntax (its string
 * quotes' length), for g->schemas; NULL with a message as schema_grammar_new. */
schema_grammar *call_schema_new(const call_grammar *g, const struct json_t *params, char *err,
                                size_t errlen);
bool gemma4_schema_keys_ok(const struct json_t *schema, char *err, size_t errlen);
void call_grammar_free(call_grammar *g);

void cm_init(const call_grammar *g, call_matcher *m);
bool cm_feed(const call_grammar *g, call_matcher *m, uint8_t c);
bool cm_feed_all(const call_grammar *g, call_matcher *m, const char *p, uint32_t n);
bool cm_done(const call_matcher *m);
/* The fewest bytes that complete the call from here (gemma4: a bound from
 * above, see call_matcher.c). */
uint32_t cm_min_close(const call_grammar *g, const call_matcher *m);

/* As token_mask_json, for the call grammar. */
uint32_t token_mask_call(const token_pieces *p, const call_grammar *g, const call_matcher *m,
                         uint32_t budget, float *logits);

#endif
