/* Turns the byte pieces of generated tokens into text a client may see:
 * valid UTF-8 only (a character split across tokens waits for its end),
 * and nothing that could be the start of a stop sequence until it is known
 * not to be one. */
#ifndef INFRAC_SERVER_TEXT_STREAM_H
#define INFRAC_SERVER_TEXT_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

typedef struct text_stream {
    strbuf raw;     /* bytes of an incomplete UTF-8 sequence */
    strbuf held;    /* text that may begin a stop sequence */
    char *const *stop;
    size_t n_stop;
    bool stopped;
} text_stream;

/* stop (n_stop strings) must outlive the stream. */
void text_stream_init(text_stream *t, char *const *stop, size_t n_stop);
void text_stream_free(text_stream *t);
/* Adds a piece; appends what may be released to out. Returns true when a
 * stop sequence was completed: the text before it has been released and
 * the rest is dropped. */
bool text_stream_feed(text_stream *t, const char *piece, size_t n, strbuf *out);
/* End of generation: releases everything held. */
void text_stream_finish(text_stream *t, strbuf *out);

#endif
