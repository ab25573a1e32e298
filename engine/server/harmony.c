#include "harmony.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tool_calls.h"
#include "text_scan.h"

static const char START[] = "<|start|>", CHANNEL[] = "<|channel|>", MESSAGE[] = "<|message|>",
                  END[] = "<|end|>", TO[] = " to=";
/* <|call|> and <|return|> end the generation (no text); a vocabulary that
 * lacks them as tokens writes them, so they close a message as <|end|> does. */
static const char *const ENDS[] = {"<|end|>", "<|call|>", "<|return|>"};

/* H_HEADER: from a message's start to <|message|>; H_BODY: its text;
 * H_BETWEEN: after a message, before <|start|>; H_RAW: not harmony. */
enum { H_HEADER, H_BODY, H_BETWEEN, H_RAW };
enum { M_ANALYSIS, M_CONTENT, M_CALL, M_OTHER };

/* A header longer than this is not one. */
#define MAX_HEADER 256

void harmony_parser_init(harmony_parser *p, bool calls, bool reasoning)
{
    memset(p, 0, sizeof *p);
    p->calls = calls;
    p->reasoning = reasoning;
}

void harmony_parser_free(harmony_parser *p)
{
    sb_free(&p->held);
    sb_free(&p->header);
    sb_free(&p->args);
    free(p->name);
}

static bool is_prefix(const char *s, size_t n, const char *of)
{
    size_t m = strlen(of);
    return memcmp(s, of, n < m ? n : m) == 0;
}

/* Could s (n bytes) still be, or begin, a header? "assistant" (after
 * <|start|>) then <|channel|> or " to=". */
static bool header_possible(const char *s, size_t n)
{
    static const char role[] = "assistant";
    if (n >= strlen(role) && memcmp(s, role, strlen(role)) == 0)
        s += strlen(role), n -= strlen(role);
    else if (n < strlen(role) && is_prefix(s, n, role))
        return true;
    return is_prefix(s, n, CHANNEL) || is_prefix(s, n, TO);
}

/* The word after marker in the header: letters, digits, '.', '_', '-'. */
static char *word_after(const char *h, size_t n, const char *marker)
{
    const char *at = text_find(h, n, marker);
    if (!at)
        return NULL;
    const char *w = at + strlen(marker), *e = w;
    while (e < h + n && (strchr("._-", *e) || (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'z') ||
                         (*e >= 'A' && *e <= 'Z')))
        e++;
    return strndup(w, (size_t)(e - w));
}

static void begin_message(harmony_parser *p)
{
    const char *h = p->header.p ? p->header.p : "";
    size_t n = p->header.len;
    char *channel = word_after(h, n, CHANNEL), *to = word_after(h, n, TO);
    free(p->name);
    p->name = NULL;
    if (to && strncmp(to, "functions.", 10) == 0 && to[10] && p->calls) {
        p->kind = M_CALL;
        p->name = strdup(to + 10);
        if (!p->name)
            abort();
    } else if (to && strcmp(to, "assistant") != 0)
        p->kind = M_OTHER; /* a recipient that is no function of the request */
    else if (channel && strcmp(channel, "analysis") == 0)
        p->kind = p->reasoning ? M_ANALYSIS : M_OTHER;
    else
        p->kind = M_CONTENT; /* final, or a commentary preamble */
    free(channel);
    free(to);
    sb_clear(&p->args);
}

/* The message as written, for content: header, <|message|>, text. */
static void raw_message(harmony_parser *p, strbuf *content, const char *end)
{
    if (p->header.len && strncmp(p->header.p, "assistant", 9) == 0)
        sb_puts(content, START); /* the header came after <|start|> */
    if (p->header.len)
        sb_append(content, p->header.p, p->header.len);
    sb_puts(content, MESSAGE);
    if (p->args.len)
        sb_append(content, p->args.p, p->args.len);
    if (end)
        sb_puts(content, end);
}

static bool add_call(harmony_parser *p, json_t *calls)
{
    json_error_t e;
    json_t *args = p->args.len ? json_loadb(p->args.p, p->args.len, JSON_ALLOW_NUL, &e) : NULL;
    bool ok = json_is_object(args);
    if (ok) {
        char *text = json_dumps(args, JSON_COMPACT);
        char id[10];
        tool_call_id(id);
        json_array_append_new(calls, json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", id, "type",
                                               "function", "function", "name", p->name,
                                               "arguments", text));
        free(text);
        p->n_calls++;
    }
    json_decref(args);
    return ok;
}

/* The message ended (end: its terminator's text, NULL at the end of the
 * output). */
static void end_message(harmony_parser *p, strbuf *content, json_t *calls, const char *end)
{
    if (p->kind == M_CALL) {
        if (!add_call(p, calls))
            raw_message(p, content, end); /* not a call after all: it is text */
    } else if (p->kind == M_OTHER) {
        raw_message(p, content, end);
    }
    sb_clear(&p->args);
    sb_clear(&p->header);
}

/* The first terminator in h, and its text. */
static const char *find_end(const char *h, size_t hn, const char **which)
{
    const char *best = NULL;
    for (size_t i = 0; i < sizeof ENDS / sizeof *ENDS; i++) {
        const char *at = text_find(h, hn, ENDS[i]);
        if (at && (!best || at < best))
            best = at, *which = ENDS[i];
    }
    return best;
}

static size_t partial_end(const char *h, size_t hn)
{
    size_t keep = 0;
    for (size_t i = 0; i < sizeof ENDS / sizeof *ENDS; i++) {
        size_t k = text_partial_suffix(h, hn, ENDS[i]);
        if (k > keep)
            keep = k;
    }
    return keep;
}

/* n bytes of the body, where the message's kind sends them. */
static void body_text(harmony_parser *p, const char *s, size_t n, strbuf *reasoning,
                      strbuf *content)
{
    if (p->kind == M_ANALYSIS)
        sb_append(reasoning, s, n);
    else if (p->kind == M_CONTENT)
        sb_append(content, s, n);
    else
        sb_append(&p->args, s, n); /* a call's arguments, or a message kept whole */
}

void harmony_parser_feed(harmony_parser *p, const char *text, size_t n, strbuf *reasoning,
                         strbuf *content, json_t *calls)
{
    sb_append(&p->held, text, n);
    for (;;) {
        const char *h = p->held.p ? p->held.p : "";
        size_t hn = p->held.len;
        switch (p->state) {
        case H_HEADER: {
            const char *at = text_find(h, hn, MESSAGE);
            size_t upto = at ? (size_t)(at - h) : hn;
            if (!header_possible(h, upto) || upto > MAX_HEADER || text_find(h, upto, END) ||
                text_find(h, upto, START)) {
                p->state = H_RAW; /* not harmony: the text is the answer */
                continue;
            }
            if (!at)
                return;
            sb_clear(&p->header);
            sb_append(&p->header, h, upto);
            sb_consume(&p->held, upto + strlen(MESSAGE));
            begin_message(p);
            p->state = H_BODY;
            continue;
        }
        case H_BODY: {
            const char *which = NULL, *at = find_end(h, hn, &which);
            if (!at) {
                size_t keep = partial_end(h, hn);
                body_text(p, h, hn - keep, reasoning, content);
                sb_consume(&p->held, hn - keep);
                return;
            }
            body_text(p, h, (size_t)(at - h), reasoning, content);
            end_message(p, content, calls, which);
            sb_consume(&p->held, (size_t)(at - h) + strlen(which));
            p->state = H_BETWEEN;
            continue;
        }
        case H_BETWEEN: {
            const char *at = text_find(h, hn, START);
            if (!at) {
                size_t i = 0;
                while (i < hn && strchr(" \t\r\n", h[i]))
                    i++;
                if (i < hn && !is_prefix(h + i, hn - i, START)) {
                    p->state = H_RAW; /* text after the messages: the answer's */
                    continue;
                }
                return;
            }
            size_t before = (size_t)(at - h);
            size_t i = 0;
            while (i < before && strchr(" \t\r\n", h[i]))
                i++;
            if (i < before)
                sb_append(content, h + i, before - i);
            sb_consume(&p->held, before + strlen(START));
            p->state = H_HEADER;
            continue;
        }
        default:
            sb_append(content, h, hn);
            sb_clear(&p->held);
            return;
        }
    }
}

void harmony_parser_finish(harmony_parser *p, strbuf *reasoning, strbuf *content, json_t *calls)
{
    const char *h = p->held.p ? p->held.p : "";
    size_t hn = p->held.len;
    if (p->state == H_BODY) {
        body_text(p, h, hn, reasoning, content);
        end_message(p, content, calls, NULL);
    } else if (p->state == H_HEADER || p->state == H_RAW)
        sb_append(content, h, hn); /* an unfinished header is text */
    sb_clear(&p->held);
}
