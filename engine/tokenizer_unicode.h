/* Unicode helpers of the tokenizers: llama.cpp-compatible UTF-8 decoding
 * (lenient: invalid bytes become U+FFFD one byte at a time), code point
 * classes for the pre-tokenizers, and GPT-2's byte <-> code point map. */
#ifndef INFRAC_ENGINE_TOKENIZER_UNICODE_H
#define INFRAC_ENGINE_TOKENIZER_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    IE_UC_UNDEFINED = 0, IE_UC_NUMBER = 1, IE_UC_LETTER = 2, IE_UC_SEPARATOR = 3,
    IE_UC_MARK = 4, IE_UC_PUNCT = 5, IE_UC_SYMBOL = 6, IE_UC_CONTROL = 7,
    IE_UC_CLASS_MASK = 0x0F, IE_UC_WHITESPACE = 0x10,
    IE_UC_NONE = 0x80 /* past the end of a segment: no flags at all */
};

typedef struct ie_ucd_range {
    uint32_t start;
    uint8_t flags;
} ie_ucd_range;

extern const ie_ucd_range ie_ucd_ranges[];
extern const size_t ie_ucd_n_ranges;

/* Class | whitespace bit of a code point (> U+10FFFF: IE_UC_NONE). */
uint8_t ie_uc_flags(uint32_t cp);

/* Decodes one code point at s[*off] the way llama.cpp does; returns
 * false (and advances by one byte) for an invalid sequence. */
bool ie_utf8_decode(const char *s, size_t len, size_t *off, uint32_t *cp);
/* All code points of s (invalid bytes -> U+FFFD). *n receives the count;
 * the result is malloc'ed (NULL on allocation failure). */
uint32_t *ie_utf8_to_cpts(const char *s, size_t len, size_t *n);
/* Encodes cp into out (4 bytes at least); returns the byte count. Code
 * points above U+10FFFF encode as U+FFFD. */
int ie_utf8_encode(uint32_t cp, char *out);
/* Byte length of the UTF-8 sequence a lead byte announces (1 for
 * continuation bytes), as SentencePiece splitting uses it. */
size_t ie_utf8_len(unsigned char lead);

/* GPT-2 byte-level map: byte -> code point, and back (-1 when cp is not
 * the image of a byte). */
uint32_t ie_byte_to_cpt(uint8_t b);
int ie_cpt_to_byte(uint32_t cp);

#endif
