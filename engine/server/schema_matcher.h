/* Constrained decoding of response_format {"type": "json_schema"}: the
 * schema is compiled to a grammar (a tree of nodes) and a byte-level
 * matcher accepts only JSON text that validates against it, so the output
 * always parses and validates. Like json_matcher, the matcher is a small
 * fixed-size state that is copied to try a token's bytes.
 *
 * The output is compact (no whitespace) and lists an object's properties in
 * the schema's order; optional ones may be left out, as llama.cpp's
 * json-schema-to-grammar does (common/json-schema-to-grammar.cpp). Supported
 * keywords (JSON Schema 2020-12 validation vocabulary): type (a name or a
 * list), properties, required, additionalProperties (false or absent: no
 * other keys are written), items, minItems, maxItems, minLength and
 * maxLength of strings, minimum, maximum, exclusiveMinimum and
 * exclusiveMaximum of integers, enum and const of scalars, anyOf whose
 * alternatives start with different bytes, $ref to #/$defs/NAME or
 * #/definitions/NAME (not recursive); title, description, $schema,
 * $comment, default and examples are annotations, $defs and definitions
 * are read through $ref. Any other keyword is refused by name
 * (schema_grammar_new's message). */
#ifndef INFRAC_SERVER_SCHEMA_MATCHER_H
#define INFRAC_SERVER_SCHEMA_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json_matcher.h"
#include "token_mask.h"

#define SM_MAX_DEPTH 16   /* nested values, the root object included */
#define SM_MAX_MEMBERS 64 /* properties of an object, values of an enum */

struct json_t;
typedef struct schema_grammar schema_grammar;

typedef struct sm_frame {
    uint16_t node;
    uint8_t phase;  /* internal: what the next byte may be */
    uint8_t next;   /* objects: the first property that may still follow */
    uint32_t count; /* arrays: items started */
    uint32_t off;   /* bytes matched of a key or a literal */
    uint64_t alive; /* keys or literals still matching */
} sm_frame;

typedef struct schema_matcher {
    uint8_t depth; /* frames in use; 0 before the first byte and when done */
    uint8_t done;
    json_matcher jm; /* the string or number being read */
    sm_frame f[SM_MAX_DEPTH];
} schema_matcher;

/* Compiles schema (the root must be an object schema). NULL with a message
 * in err naming the path and the keyword or value that is not supported. */
schema_grammar *schema_grammar_new(const struct json_t *schema, char *err, size_t errlen);
/* The same for an output whose string quotes take quote_bytes bytes each
 * (call_matcher.c's Gemma 4 notation: 5), so sm_min_close counts them so;
 * the rest is counted as JSON, at least what such an output needs. */
schema_grammar *schema_grammar_new_quoted(const struct json_t *schema, uint32_t quote_bytes,
                                          char *err, size_t errlen);
void schema_grammar_free(schema_grammar *g);

void sm_init(schema_matcher *m);
/* Feeds one byte; false (state unspecified) when it leaves the grammar. */
bool sm_feed(const schema_grammar *g, schema_matcher *m, uint8_t c);
bool sm_feed_all(const schema_grammar *g, schema_matcher *m, const char *p, size_t n);
bool sm_done(const schema_matcher *m);
/* The fewest bytes that complete a valid value from here. */
uint32_t sm_min_close(const schema_grammar *g, const schema_matcher *m);

/* As token_mask_json, for the schema's grammar. */
uint32_t token_mask_schema(const token_pieces *p, const schema_grammar *g,
                           const schema_matcher *m, uint32_t budget, float *logits);

#endif
