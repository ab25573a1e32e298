#include "json_matcher.h"

#include <string.h>

enum {
    M_START,     /* before the top-level '{' */
    M_VALUE,     /* a value is due (after ':', ',' in an array) */
    M_ARR_FIRST, /* after '[': a value or ']' */
    M_OBJ_FIRST, /* after '{': a key or '}' */
    M_KEY,       /* after ',' in an object: a key */
    M_COLON,     /* after a key */
    M_AFTER,     /* after a value: ',' or the container's close */
    M_STRING,
    M_ESC,       /* after a backslash */
    M_UHEX,      /* sub = hex digits seen of \uXXXX */
    M_NUM,       /* sub = number phase below */
    M_LIT,       /* sub = bytes of lit matched */
};

/* Number phases (RFC 8259 section 6); T marks a phase a number may end in. */
enum { N_MINUS, N_ZERO_T, N_INT_T, N_DOT, N_FRAC_T, N_E, N_ESIGN, N_EXP_T };

static bool is_ws(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_hex(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool num_terminal(uint8_t sub)
{
    return sub == N_ZERO_T || sub == N_INT_T || sub == N_FRAC_T || sub == N_EXP_T;
}

void jm_init(json_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->mode = M_START;
}

bool jm_done(const json_matcher *m) { return m->done; }

void jm_init_scalar(json_matcher *m)
{
    memset(m, 0, sizeof *m);
    m->mode = M_VALUE;
    m->scalar = 1;
}

bool jm_number_may_end(const json_matcher *m)
{
    return !m->done && m->mode == M_NUM && num_terminal(m->sub);
}

static bool open_container(json_matcher *m, uint8_t c)
{
    if (m->depth >= JM_MAX_DEPTH)
        return false;
    m->stack[m->depth++] = c;
    m->mode = c == '{' ? M_OBJ_FIRST : M_ARR_FIRST;
    return true;
}

static void value_ended(json_matcher *m)
{
    m->mode = M_AFTER;
    if (m->scalar && !m->depth)
        m->done = 1;
}

static bool close_container(json_matcher *m, uint8_t c)
{
    if (!m->depth || m->stack[m->depth - 1] != (c == '}' ? '{' : '['))
        return false;
    m->depth--;
    if (!m->depth)
        m->done = 1;
    value_ended(m);
    return true;
}

static bool start_value(json_matcher *m, uint8_t c)
{
    switch (c) {
    case '{':
    case '[':
        return open_container(m, c);
    case '"':
        m->mode = M_STRING;
        m->in_key = 0;
        return true;
    case '-':
        m->mode = M_NUM, m->sub = N_MINUS;
        return true;
    case 't':
    case 'f':
    case 'n':
        m->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
        m->mode = M_LIT, m->sub = 1;
        return true;
    default:
        if (!is_digit(c))
            return false;
        m->mode = M_NUM, m->sub = c == '0' ? N_ZERO_T : N_INT_T;
        m->digits = 1;
        return true;
    }
}

static bool feed_number(json_matcher *m, uint8_t c)
{
    uint8_t s = m->sub;
    if (is_digit(c)) {
        static const uint8_t next[] = {[N_MINUS] = N_INT_T, [N_ZERO_T] = 255,
                                       [N_INT_T] = N_INT_T, [N_DOT] = N_FRAC_T,
                                       [N_FRAC_T] = N_FRAC_T, [N_E] = N_EXP_T,
                                       [N_ESIGN] = N_EXP_T, [N_EXP_T] = N_EXP_T};
        if (s == N_MINUS && c == '0') {
            m->sub = N_ZERO_T;
            return true;
        }
        if (next[s] == 255)
            return false; /* no leading zeros */
        m->digits = next[s] == s ? m->digits + 1 : 1;
        if (m->digits > (next[s] == N_EXP_T ? JM_MAX_EXP_DIGITS : JM_MAX_DIGITS))
            return false;
        m->sub = next[s];
        return true;
    }
    if (c == '.' && (s == N_ZERO_T || s == N_INT_T)) {
        m->sub = N_DOT;
        return true;
    }
    if ((c == 'e' || c == 'E') && (s == N_ZERO_T || s == N_INT_T || s == N_FRAC_T)) {
        m->sub = N_E;
        return true;
    }
    if ((c == '+' || c == '-') && s == N_E) {
        m->sub = N_ESIGN;
        return true;
    }
    if (!num_terminal(s))
        return false;
    value_ended(m); /* the byte ends the number and is read after it */
    return jm_feed(m, c);
}

static bool feed_string(json_matcher *m, uint8_t c)
{
    if (m->utf8) { /* well-formed UTF-8 (RFC 3629 section 4): continuation bytes */
        if (c < m->u8lo || c > m->u8hi)
            return false;
        m->utf8--;
        m->u8lo = 0x80, m->u8hi = 0xBF;
        return true;
    }
    if (c == '"') {
        if (m->in_key)
            m->mode = M_COLON;
        else
            value_ended(m);
        return true;
    }
    if (c == '\\') {
        m->mode = M_ESC;
        return true;
    }
    if (c < 0x20)
        return false;
    if (c < 0x80)
        return true;
    /* No overlong forms, no surrogates, nothing past U+10FFFF. */
    m->u8lo = 0x80, m->u8hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        m->utf8 = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        m->utf8 = 2;
        if (c == 0xE0)
            m->u8lo = 0xA0;
        else if (c == 0xED)
            m->u8hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        m->utf8 = 3;
        if (c == 0xF0)
            m->u8lo = 0x90;
        else if (c == 0xF4)
            m->u8hi = 0x8F;
    } else
        return false;
    return true;
}

bool jm_feed(json_matcher *m, uint8_t c)
{
    if (m->done)
        return false; /* generation stops at the close */
    switch (m->mode) {
    case M_START:
        if (c != '{')
            return false;
        return open_container(m, c);
    case M_VALUE:
        return is_ws(c) || start_value(m, c);
    case M_ARR_FIRST:
        if (is_ws(c))
            return true;
        return c == ']' ? close_container(m, c) : start_value(m, c);
    case M_OBJ_FIRST:
    case M_KEY:
        if (is_ws(c))
            return true;
        if (c == '}' && m->mode == M_OBJ_FIRST)
            return close_container(m, c);
        if (c != '"')
            return false;
        m->mode = M_STRING, m->in_key = 1;
        return true;
    case M_COLON:
        if (is_ws(c))
            return true;
        if (c != ':')
            return false;
        m->mode = M_VALUE;
        return true;
    case M_AFTER:
        if (is_ws(c))
            return true;
        if (c == ',') {
            m->mode = m->stack[m->depth - 1] == '{' ? M_KEY : M_VALUE;
            return true;
        }
        return (c == '}' || c == ']') && close_container(m, c);
    case M_STRING:
        return feed_string(m, c);
    case M_ESC:
        if (c == 'u') {
            m->mode = M_UHEX, m->sub = 0;
            return true;
        }
        if (!strchr("\"\\/bfnrt", c) || !c)
            return false;
        m->mode = M_STRING;
        return true;
    case M_UHEX:
        if (!is_hex(c))
            return false;
        if (++m->sub == 4)
            m->mode = M_STRING;
        return true;
    case M_NUM:
        return feed_number(m, c);
    case M_LIT:
        if (c != (uint8_t)m->lit[m->sub])
            return false;
        if (!m->lit[++m->sub])
            value_ended(m);
        return true;
    }
    return false;
}

bool jm_feed_all(json_matcher *m, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!jm_feed(m, (uint8_t)p[i]))
            return false;
    return true;
}

uint32_t jm_min_close(const json_matcher *m)
{
    if (m->done)
        return 0;
    uint32_t n = m->depth; /* one close per open container */
    uint32_t key_tail = m->in_key ? 2 : 0; /* ":0" after a key */
    switch (m->mode) {
    case M_START:
        return 2; /* {} */
    case M_VALUE:
        return n + 1; /* 0 */
    case M_KEY:
        return n + 4; /* "":0 */
    case M_COLON:
        return n + 2;
    case M_STRING:
        return n + m->utf8 + 1 + key_tail;
    case M_ESC:
        return n + 2 + key_tail;
    case M_UHEX:
        return n + (4u - m->sub) + 1 + key_tail;
    case M_NUM:
        return n + (num_terminal(m->sub) ? 0 : 1);
    case M_LIT:
        return n + (uint32_t)strlen(m->lit + m->sub);
    default: /* M_ARR_FIRST, M_OBJ_FIRST, M_AFTER */
        return n;
    }
}
