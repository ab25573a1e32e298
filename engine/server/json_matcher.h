/* A byte-level recognizer of one JSON object (RFC 8259 syntax), for
 * constrained sampling of response_format {"type":"json_object"}: a small
 * fixed-size state that is copied to try a token's bytes without committing.
 * Nesting is bounded (JM_MAX_DEPTH) so the state never grows; numbers are
 * bounded to what binary64 and int64 hold (JM_MAX_DIGITS per part, two
 * exponent digits), RFC 8259 section 6's advice for interoperability. */
#ifndef INFRAC_SERVER_JSON_MATCHER_H
#define INFRAC_SERVER_JSON_MATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JM_MAX_DEPTH 32
#define JM_MAX_DIGITS 15
#define JM_MAX_EXP_DIGITS 2

typedef struct json_matcher {
    uint8_t mode;     /* internal: what the next byte may be */
    uint8_t sub;      /* internal: number phase, literal index, \u digits */
    uint8_t utf8;     /* continuation bytes still due inside a string */
    uint8_t u8lo, u8hi; /* the range of the next continuation byte */
    uint8_t digits;   /* digits in the number's current part */
    uint8_t in_key;   /* the open string is an object key */
    uint8_t depth;
    uint8_t done;     /* the top-level object (or the scalar) is closed */
    uint8_t scalar;   /* jm_init_scalar: one string or number, then done */
    uint8_t stack[JM_MAX_DEPTH]; /* '{' or '[' */
    const char *lit;  /* the literal being spelled (true, false, null) */
} json_matcher;

void jm_init(json_matcher *m);
/* Feeds one byte; false (state unspecified) when the byte leaves JSON. */
bool jm_feed(json_matcher *m, uint8_t c);
/* Feeds n bytes; false when any leaves JSON. */
bool jm_feed_all(json_matcher *m, const char *p, size_t n);
bool jm_done(const json_matcher *m);
/* For schema_matcher.c: one string or number instead of an object. The
 * caller feeds only a first byte that starts one ('"', '-' or a digit). */
void jm_init_scalar(json_matcher *m);
/* The number read so far is complete (a byte that cannot continue it ends it). */
bool jm_number_may_end(const json_matcher *m);
/* The fewest bytes that complete the object from here, so generation can be
 * steered to close it before the token budget runs out. */
uint32_t jm_min_close(const json_matcher *m);

#endif
