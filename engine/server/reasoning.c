#include "reasoning.h"
#include "text_scan.h"

#include <string.h>

/* START: nothing but whitespace yet (a reply may open with the tag);
 * THINK: inside, after the open tag; LEAD: just after the close tag, where
 * whitespace is dropped; ANSWER: everything else is content. */
enum { R_START, R_THINK_LEAD, R_THINK, R_LEAD, R_ANSWER };

int reasoning_format_from_name(const char *name)
{
    if (strcmp(name, "deepseek") == 0 || strcmp(name, "auto") == 0)
        return REASONING_DEEPSEEK;
    if (strcmp(name, "none") == 0)
        return REASONING_NONE;
    if (strcmp(name, "deepseek-legacy") == 0)
        return REASONING_DEEPSEEK_LEGACY;
    return -1;
}

const char *reasoning_format_name(reasoning_format f)
{
    static const char *const n[] = {"deepseek", "none", "deepseek-legacy"};
    return n[f];
}

bool reasoning_tags_detect(const char *src, const char **open, const char **close)
{
    if (src && strstr(src, "<think>") && strstr(src, "</think>")) {
        *open = "<think>", *close = "</think>";
        return true;
    }
    /* Gemma 4: <|channel>thought\n...<channel|> (its template strips these from history) */
    if (src && strstr(src, "<|channel>") && strstr(src, "<channel|>")) {
        *open = "<|channel>thought", *close = "<channel|>";
        return true;
    }
    return false;
}

static bool space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

void reasoning_split_init(reasoning_split *s, const char *open, const char *close, bool inside,
                          bool legacy)
{
    memset(s, 0, sizeof *s);
    s->open = open;
    s->close = close;
    s->legacy = legacy;
    s->state = inside ? R_THINK_LEAD : R_START;
}

void reasoning_split_free(reasoning_split *s) { sb_free(&s->held); }

/* Trailing whitespace: kept back inside the thinking, where it may turn
 * out to be the last before the close tag (dropped, as llama.cpp trims). */
static size_t trailing_space(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && space(s[n - 1 - k]))
        k++;
    return k;
}

static void emit(reasoning_split *s, size_t n, strbuf *to, strbuf *also)
{
    sb_append(to, s->held.p, n);
    if (also)
        sb_append(also, s->held.p, n);
    sb_consume(&s->held, n);
}

void reasoning_split_feed(reasoning_split *s, const char *text, size_t n, strbuf *reasoning,
                          strbuf *content)
{
    sb_append(&s->held, text, n);
    strbuf *legacy = s->legacy ? content : NULL;
    for (;;) {
        const char *h = s->held.p ? s->held.p : "";
        size_t hn = s->held.len;
        switch (s->state) {
        case R_START: {
            size_t i = 0;
            while (i < hn && space(h[i]))
                i++;
            size_t ol = strlen(s->open);
            if (hn - i >= ol && memcmp(h + i, s->open, ol) == 0) {
                if (legacy)
                    sb_append(content, h, i + ol);
                sb_consume(&s->held, i + ol);
                s->state = R_THINK_LEAD;
                continue;
            }
            if (hn - i < ol && memcmp(h + i, s->open, hn - i) == 0)
                return; /* may still become the tag */
            s->state = R_ANSWER;
            continue;
        }
        case R_THINK_LEAD:
        case R_LEAD: {
            size_t i = 0;
            while (i < hn && space(h[i]))
                i++;
            if (i == hn)
                return;
            if (legacy)
                sb_append(content, h, i);
            sb_consume(&s->held, i);
            s->state = s->state == R_LEAD ? R_ANSWER : R_THINK;
            continue;
        }
        case R_THINK: {
            const char *at = text_find(h, hn, s->close);
            if (at) {
                size_t body = (size_t)(at - h);
                size_t ws = trailing_space(h, body);
                emit(s, body - ws, reasoning, legacy);
                if (legacy)
                    sb_append(content, s->held.p, ws + strlen(s->close));
                sb_consume(&s->held, ws + strlen(s->close));
                s->state = R_LEAD;
                continue;
            }
            size_t keep = text_partial_suffix(h, hn, s->close);
            keep += trailing_space(h, hn - keep);
            emit(s, hn - keep, reasoning, legacy);
            return;
        }
        default:
            emit(s, hn, content, NULL);
            return;
        }
    }
}

void reasoning_split_finish(reasoning_split *s, strbuf *reasoning, strbuf *content)
{
    const char *h = s->held.p ? s->held.p : "";
    size_t hn = s->held.len;
    if (s->state == R_THINK || s->state == R_THINK_LEAD) {
        size_t ws = trailing_space(h, hn);
        sb_append(reasoning, h, hn - ws);
        if (s->legacy)
            sb_append(content, h, hn);
    } else if (s->state != R_LEAD)
        sb_append(content, h, hn); /* R_START: a prefix of the tag, or whitespace */
    sb_clear(&s->held);
}

bool reasoning_prompt_opens(const char *prompt, size_t n, const char *open, const char *close)
{
    while (n && space(prompt[n - 1]))
        n--;
    size_t ol = strlen(open);
    (void)close;
    return n >= ol && memcmp(prompt + n - ol, open, ol) == 0;
}
