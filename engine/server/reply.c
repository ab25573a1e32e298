#include "reply.h"

bool reply_setup_active(const reply_setup *s)
{
    return s->syntax == TOOL_SYNTAX_HARMONY || s->tools ||
           (s->think_open && s->format != REASONING_NONE);
}

void reply_parser_init(reply_parser *p, const reply_setup *s)
{
    p->harmony = s->syntax == TOOL_SYNTAX_HARMONY;
    p->think = !p->harmony && s->think_open && s->format != REASONING_NONE;
    p->tools = !p->harmony && s->tools;
    harmony_parser_init(&p->hp, s->tools, s->format != REASONING_NONE);
    reasoning_split_init(&p->rs, s->think_open, s->think_close, s->think_inside,
                         s->format == REASONING_DEEPSEEK_LEGACY);
    tool_parser_init(&p->tp, p->tools ? s->syntax : TOOL_SYNTAX_NONE);
}

void reply_parser_free(reply_parser *p)
{
    harmony_parser_free(&p->hp);
    reasoning_split_free(&p->rs);
    tool_parser_free(&p->tp);
}

/* The answer part, through the tool-call parser when tools are active. */
static void answer(reply_parser *p, const char *s, size_t n, strbuf *content, struct json_t *calls,
                   bool final)
{
    if (p->tools) {
        tool_parser_feed(&p->tp, s, n, content, calls);
        if (final)
            tool_parser_finish(&p->tp, content, calls);
    } else
        sb_append(content, s, n);
}

void reply_parser_feed(reply_parser *p, const char *text, size_t n, strbuf *reasoning,
                       strbuf *content, struct json_t *calls)
{
    if (p->harmony) {
        harmony_parser_feed(&p->hp, text, n, reasoning, content, calls);
        return;
    }
    if (!p->think) {
        answer(p, text, n, content, calls, false);
        return;
    }
    strbuf a = {0};
    reasoning_split_feed(&p->rs, text, n, reasoning, &a);
    answer(p, a.p ? a.p : "", a.len, content, calls, false);
    sb_free(&a);
}

void reply_parser_finish(reply_parser *p, strbuf *reasoning, strbuf *content, struct json_t *calls)
{
    if (p->harmony) {
        harmony_parser_finish(&p->hp, reasoning, content, calls);
        return;
    }
    strbuf a = {0};
    if (p->think)
        reasoning_split_finish(&p->rs, reasoning, &a);
    answer(p, a.p ? a.p : "", a.len, content, calls, true);
    sb_free(&a);
}
