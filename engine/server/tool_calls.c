#include "tool_calls.h"
#include "text_scan.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

enum { S_START, S_CONTENT, S_CALL, S_REST };

static const char HERMES_OPEN[] = "<tool_call>", HERMES_CLOSE[] = "</tool_call>";
static const char MISTRAL_MARK[] = "[TOOL_CALLS]", MISTRAL_ARGS[] = "[ARGS]";
static const char PYTHON_TAG[] = "<|python_tag|>";
static const char GEMMA_OPEN[] = "<|tool_call>", GEMMA_CLOSE[] = "<tool_call|>",
                  GEMMA_QUOTE[] = GEMMA4_QUOTE;

tool_syntax tool_syntax_detect(const char *src)
{
    if (!src)
        return TOOL_SYNTAX_NONE;
    if (strstr(src, "<|channel|>")) /* as llama.cpp common/chat.cpp picks its gpt-oss parser */
        return TOOL_SYNTAX_HARMONY;
    if (strstr(src, "<|tool_call>call:"))
        return TOOL_SYNTAX_GEMMA4;
    if (strstr(src, HERMES_OPEN) && strstr(src, "<arg_key>"))
        return TOOL_SYNTAX_GLM;
    if (strstr(src, HERMES_OPEN) && strstr(src, "<function="))
        return TOOL_SYNTAX_QWEN_XML;
    if (strstr(src, HERMES_OPEN))
        return TOOL_SYNTAX_HERMES;
    if (strstr(src, MISTRAL_MARK))
        return TOOL_SYNTAX_MISTRAL;
    if (strstr(src, "<|start_header_id|>") && strstr(src, "\"parameters\""))
        return TOOL_SYNTAX_LLAMA3;
    return TOOL_SYNTAX_NONE;
}

const char *tool_syntax_name(tool_syntax s)
{
    static const char *const n[] = {"none",     "hermes", "llama3", "mistral",
                                         "qwen_xml", "glm",    "gemma4", "harmony"};
    return n[s];
}

const char *const *tool_syntax_markers(tool_syntax s)
{
    static const char *const hermes[] = {HERMES_OPEN, HERMES_CLOSE, NULL};
    static const char *const llama3[] = {PYTHON_TAG, NULL};
    static const char *const mistral[] = {MISTRAL_MARK, MISTRAL_ARGS, NULL};
    static const char *const gemma4[] = {GEMMA_OPEN, GEMMA_CLOSE, GEMMA_QUOTE, NULL};
    /* llama.cpp makes the first four user-defined (always rendered) and
     * preserves <|end|> too (common/parsers/gpt-oss.cpp) */
    static const char *const harmony[] = {"<|channel|>", "<|message|>", "<|start|>",
                                          "<|constrain|>", "<|end|>", NULL};
    static const char *const none[] = {NULL};
    return s == TOOL_SYNTAX_HERMES || s == TOOL_SYNTAX_QWEN_XML || s == TOOL_SYNTAX_GLM ? hermes
           : s == TOOL_SYNTAX_LLAMA3  ? llama3
           : s == TOOL_SYNTAX_MISTRAL ? mistral
           : s == TOOL_SYNTAX_GEMMA4  ? gemma4
           : s == TOOL_SYNTAX_HARMONY ? harmony
                                      : none;
}

void tool_syntax_frame(tool_syntax s, const char **prefix, const char **middle,
                       const char **suffix)
{
    switch (s) {
    case TOOL_SYNTAX_LLAMA3:
        *prefix = "{\"name\": \"", *middle = "\", \"parameters\": ", *suffix = "}";
        break;
    case TOOL_SYNTAX_MISTRAL:
        *prefix = "[TOOL_CALLS][{\"name\": \"", *middle = "\", \"arguments\": ", *suffix = "}]";
        break;
    case TOOL_SYNTAX_QWEN_XML:
        *prefix = "<tool_call>\n<function=", *middle = ">\n", *suffix = "\n</tool_call>";
        break;
    case TOOL_SYNTAX_GEMMA4: /* the arguments' braces are the call's */
        *prefix = "<|tool_call>call:", *middle = "{", *suffix = "<tool_call|>";
        break;
    case TOOL_SYNTAX_HARMONY: /* <|call|> (end of generation) follows */
        *prefix = "<|channel|>commentary to=functions.", *middle = " <|constrain|>json<|message|>",
        *suffix = "";
        break;
    case TOOL_SYNTAX_GLM: /* the blocks end with </tool_call> itself */
        *prefix = "<tool_call>", *middle = "\n", *suffix = "";
        break;
    default:
        *prefix = "<tool_call>\n{\"name\": \"", *middle = "\", \"arguments\": ",
        *suffix = "}\n</tool_call>";
        break;
    }
}

void tool_call_id(char out[10])
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[9];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        uint64_t t = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)out;
        for (size_t i = 0; i < sizeof r; i++, t = t * 6364136223846793005u + 1)
            r[i] = (unsigned char)(t >> 56);
    }
    for (size_t i = 0; i < 9; i++)
        out[i] = alnum[r[i] % (sizeof alnum - 1)];
    out[9] = 0;
}

void tool_parser_init(tool_parser *p, tool_syntax s)
{
    memset(p, 0, sizeof *p);
    p->syntax = s;
    p->state = s == TOOL_SYNTAX_LLAMA3 ? S_START : S_CONTENT;
}

void tool_parser_free(tool_parser *p) { sb_free(&p->held); }

static bool add_call(tool_parser *p, json_t *calls, const char *name, json_t *args)
{
    if (!name || !*name || !(json_is_object(args) || json_is_string(args)))
        return false;
    /* a string of arguments by length: it may hold a NUL byte (\u0000);
     * an object's dump escapes one */
    json_t *text;
    if (json_is_string(args))
        text = json_stringn(json_string_value(args), json_string_length(args));
    else {
        char *dump = json_dumps(args, JSON_COMPACT | JSON_ENCODE_ANY);
        text = dump ? json_string(dump) : NULL;
        free(dump);
    }
    if (!text)
        abort();
    char id[10];
    tool_call_id(id);
    json_array_append_new(calls, json_pack("{s:s, s:s, s:{s:s, s:o}}", "id", id, "type",
                                           "function", "function", "name", name, "arguments",
                                           text));
    p->n_calls++;
    return true;
}

/* {"name": ..., "arguments"|"parameters": {...}} */
static bool add_call_object(tool_parser *p, json_t *calls, json_t *o)
{
    if (!json_is_object(o))
        return false;
    json_t *name = json_object_get(o, "name");
    json_t *args = json_object_get(o, "arguments");
    if (!args)
        args = json_object_get(o, "parameters");
    return json_is_string(name) && add_call(p, calls, json_string_value(name), args);
}

static json_t *parse_json(const char *s, size_t n);
static json_t *xml_value(const char *v, const char *ve);

/* <function=N>\n<parameter=K>\nV\n</parameter>\n...</function>: a value that
 * reads as JSON other than a string is taken as such (the template writes
 * non-strings with tojson), anything else is the string. */
static bool add_xml_call(tool_parser *p, json_t *calls, const char *s, size_t n)
{
    static const char fopen_[] = "<function=", popen_[] = "<parameter=", pclose[] = "</parameter>";
    while (n && strchr(" \n\r\t", *s))
        s++, n--;
    if (n < strlen(fopen_) || memcmp(s, fopen_, strlen(fopen_)) != 0)
        return false;
    const char *name = s + strlen(fopen_), *end = s + n;
    const char *gt = memchr(name, '>', (size_t)(end - name));
    const char *fclose_ = text_find(name, (size_t)(end - name), "</function>");
    if (!gt || !fclose_ || gt == name || gt > fclose_)
        return false;
    json_t *args = json_object();
    const char *q = gt + 1;
    bool ok = true;
    for (;;) {
        const char *po = text_find(q, (size_t)(fclose_ - q), popen_);
        if (!po)
            break;
        const char *key = po + strlen(popen_);
        const char *kgt = memchr(key, '>', (size_t)(fclose_ - key));
        const char *pc = kgt ? text_find(kgt, (size_t)(fclose_ - kgt), pclose) : NULL;
        if (!kgt || !pc || kgt == key) {
            ok = false;
            break;
        }
        const char *v = kgt + 1, *ve = pc;
        if (v < ve && *v == '\n')
            v++;
        if (ve > v && ve[-1] == '\n')
            ve--;
        char *k = strndup(key, (size_t)(kgt - key));
        json_t *val = xml_value(v, ve);
        if (!k)
            abort();
        json_object_set_new(args, k, val);
        free(k);
        q = pc + strlen(pclose);
    }
    char *fname = strndup(name, (size_t)(gt - name));
    ok = ok && fname && add_call(p, calls, fname, args);
    free(fname);
    json_decref(args);
    return ok;
}

/* A value written raw for strings, with tojson otherwise. */
static json_t *xml_value(const char *v, const char *ve)
{
    json_t *val = ve > v ? json_loadb(v, (size_t)(ve - v), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
    if (!val || json_is_string(val)) {
        json_decref(val);
        val = json_stringn(v, (size_t)(ve - v));
    }
    if (!val)
        abort();
    return val;
}

/* N\n<arg_key>K</arg_key>\n<arg_value>V</arg_value>\n... (GLM 4.7 writes no
 * newlines). */
static bool add_glm_call(tool_parser *p, json_t *calls, const char *s, size_t n)
{
    static const char ko[] = "<arg_key>", kc[] = "</arg_key>", vo[] = "<arg_value>",
                      vc[] = "</arg_value>";
    const char *end = s + n, *name = s;
    while (name < end && strchr(" \n\r\t", *name))
        name++;
    const char *ne = name;
    while (ne < end && *ne != '\n' && *ne != '<')
        ne++;
    const char *q = ne;
    while (ne > name && ne[-1] == ' ')
        ne--;
    if (ne == name)
        return false;
    json_t *args = json_object();
    bool ok = true;
    for (const char *k; ok && (k = text_find(q, (size_t)(end - q), ko));) {
        const char *k0 = k + strlen(ko), *k1 = text_find(k0, (size_t)(end - k0), kc);
        const char *v = k1 ? text_find(k1, (size_t)(end - k1), vo) : NULL;
        const char *v0 = v ? v + strlen(vo) : NULL;
        const char *v1 = v0 ? text_find(v0, (size_t)(end - v0), vc) : NULL;
        if (!v1 || k1 == k0) {
            ok = false;
            break;
        }
        char *key = strndup(k0, (size_t)(k1 - k0));
        if (!key)
            abort();
        json_object_set_new(args, key, xml_value(v0, v1));
        free(key);
        q = v1 + strlen(vc);
    }
    char *fname = strndup(name, (size_t)(ne - name));
    ok = ok && fname && add_call(p, calls, fname, args);
    free(fname);
    json_decref(args);
    return ok;
}

static const char *open_of(const tool_parser *p)
{
    return p->syntax == TOOL_SYNTAX_GEMMA4 ? GEMMA_OPEN : HERMES_OPEN;
}
static const char *close_of(const tool_parser *p)
{
    return p->syntax == TOOL_SYNTAX_GEMMA4 ? GEMMA_CLOSE : HERMES_CLOSE;
}

/* Gemma 4 values: <|"|>text<|"|>, bare keys in {k:v,...}, [a,...], and
 * numbers, true, false, null as JSON writes them (llama.cpp
 * common/parsers/gemma4.cpp reads the same). depth bounds nesting. */
static json_t *gemma4_value(const char **s, const char *end, int depth);

static void skip_space(const char **s, const char *end)
{
    while (*s < end && strchr(" \n\r\t", **s))
        (*s)++;
}

static json_t *gemma4_container(const char **s, const char *end, int depth, bool object)
{
    json_t *c = object ? json_object() : json_array();
    (*s)++;
    skip_space(s, end);
    if (*s < end && **s == (object ? '}' : ']')) {
        (*s)++;
        return c;
    }
    for (;;) {
        char *key = NULL;
        if (object) {
            skip_space(s, end);
            const char *k = *s;
            size_t ql = strlen(GEMMA_QUOTE);
            if ((size_t)(end - k) >= ql && memcmp(k, GEMMA_QUOTE, ql) == 0) { /* a quoted key */
                const char *ke = text_find(k + ql, (size_t)(end - k - ql), GEMMA_QUOTE);
                if (!ke)
                    break;
                key = strndup(k + ql, (size_t)(ke - k - ql));
                *s = ke + ql;
            } else {
                while (*s < end && **s != ':' && **s != '}')
                    (*s)++;
                if (*s == k)
                    break;
                key = strndup(k, (size_t)(*s - k));
            }
            if (!key)
                abort();
            if (*s >= end || **s != ':') {
                free(key);
                break;
            }
            (*s)++;
        }
        json_t *v = gemma4_value(s, end, depth + 1);
        if (!v) {
            free(key);
            break;
        }
        if (object) {
            json_object_set_new(c, key, v);
            free(key);
        } else
            json_array_append_new(c, v);
        skip_space(s, end);
        if (*s < end && **s == ',') {
            (*s)++;
            continue;
        }
        if (*s < end && **s == (object ? '}' : ']')) {
            (*s)++;
            return c;
        }
        break;
    }
    json_decref(c);
    return NULL;
}

static json_t *gemma4_value(const char **s, const char *end, int depth)
{
    skip_space(s, end);
    if (*s >= end || depth > 32)
        return NULL;
    size_t ql = strlen(GEMMA_QUOTE);
    if ((size_t)(end - *s) >= ql && memcmp(*s, GEMMA_QUOTE, ql) == 0) {
        const char *e = text_find(*s + ql, (size_t)(end - *s - ql), GEMMA_QUOTE);
        if (!e)
            return NULL;
        json_t *v = json_stringn(*s + ql, (size_t)(e - *s - ql));
        *s = e + ql;
        return v; /* NULL for invalid UTF-8 */
    }
    if (**s == '{' || **s == '[')
        return gemma4_container(s, end, depth, **s == '{');
    const char *e = *s;
    while (e < end && !strchr(",}] \n\r\t", *e))
        e++;
    json_t *v = e > *s ? json_loadb(*s, (size_t)(e - *s), JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
    if (v && (json_is_object(v) || json_is_array(v) || json_is_string(v))) {
        json_decref(v);
        return NULL;
    }
    *s = e;
    return v;
}

json_t *gemma4_value_parse(const char *s, size_t n)
{
    const char *end = s + n;
    json_t *v = gemma4_value(&s, end, 0);
    skip_space(&s, end);
    if (v && s != end) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* call:NAME{...} */
static bool add_gemma4_call(tool_parser *p, json_t *calls, const char *s, size_t n)
{
    static const char call[] = "call:";
    const char *end = s + n;
    skip_space(&s, end);
    if ((size_t)(end - s) < strlen(call) || memcmp(s, call, strlen(call)) != 0)
        return false;
    const char *name = s + strlen(call), *brace = memchr(name, '{', (size_t)(end - name));
    if (!brace || brace == name)
        return false;
    json_t *args = gemma4_value_parse(brace, (size_t)(end - brace));
    char *fname = strndup(name, (size_t)(brace - name));
    bool ok = json_is_object(args) && fname && add_call(p, calls, fname, args);
    free(fname);
    json_decref(args);
    return ok;
}

static json_t *parse_json(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    /* JSON_ALLOW_NUL: \u0000 is JSON (RFC 8259 section 7), jansson refuses it without */
    return n ? json_loadb(s, n, JSON_ALLOW_NUL, NULL) : NULL;
}

static bool all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Releases n bytes of held as content. Between and after calls only
 * whitespace separates them: it is not content. */
static void release(tool_parser *p, size_t n, strbuf *content, bool final)
{
    if (!n)
        return;
    if (p->n_calls && all_space(p->held.p, n)) {
        if (final)
            sb_consume(&p->held, n);
        return; /* held until it is known whether text follows */
    }
    sb_append(content, p->held.p, n);
    sb_consume(&p->held, n);
}

/* Mistral: after [TOOL_CALLS], a JSON array of calls, or name[ARGS]{...}
 * repeated with [TOOL_CALLS] between calls. */
static bool parse_mistral(tool_parser *p, const char *s, size_t n, json_t *calls)
{
    json_t *arr = parse_json(s, n);
    if (json_is_array(arr)) {
        size_t i;
        json_t *o;
        bool ok = json_array_size(arr) > 0;
        json_t *tmp = json_array();
        size_t before = p->n_calls;
        json_array_foreach(arr, i, o) ok = ok && add_call_object(p, tmp, o);
        if (ok)
            json_array_extend(calls, tmp);
        else
            p->n_calls = before;
        json_decref(tmp);
        json_decref(arr);
        return ok;
    }
    json_decref(arr);
    json_t *tmp = json_array();
    size_t before = p->n_calls;
    bool ok = true;
    while (ok && n) {
        const char *next = text_find(s, n, MISTRAL_MARK);
        size_t seg = next ? (size_t)(next - s) : n;
        const char *args = text_find(s, seg, MISTRAL_ARGS);
        if (!args) {
            ok = false;
            break;
        }
        char *name = strndup(s, (size_t)(args - s));
        const char *a = args + strlen(MISTRAL_ARGS);
        json_t *av = parse_json(a, seg - (size_t)(a - s));
        ok = name && add_call(p, tmp, name, av);
        free(name);
        json_decref(av);
        if (!next)
            break;
        n -= seg + strlen(MISTRAL_MARK);
        s = next + strlen(MISTRAL_MARK);
    }
    if (ok && json_array_size(tmp))
        json_array_extend(calls, tmp);
    else {
        ok = false;
        p->n_calls = before;
    }
    json_decref(tmp);
    return ok;
}

void tool_parser_feed(tool_parser *p, const char *text, size_t n, strbuf *content, json_t *calls)
{
    sb_append(&p->held, text, n);
    for (;;) {
        const char *h = p->held.p ? p->held.p : "";
        size_t hn = p->held.len;
        switch (p->state) {
        case S_START: { /* llama3: a reply that opens with { or <|python_tag|> is a call */
            size_t i = 0;
            while (i < hn && all_space(h + i, 1))
                i++;
            if (i == hn)
                return;
            if (h[i] == '{' || (hn - i >= strlen(PYTHON_TAG) &&
                                memcmp(h + i, PYTHON_TAG, strlen(PYTHON_TAG)) == 0)) {
                p->state = S_REST;
                return;
            }
            if (hn - i < strlen(PYTHON_TAG) && memcmp(h + i, PYTHON_TAG, hn - i) == 0)
                return; /* could still become <|python_tag|> */
            p->state = S_CONTENT;
            continue;
        }
        case S_CONTENT: {
            if (p->syntax == TOOL_SYNTAX_LLAMA3 || p->syntax == TOOL_SYNTAX_NONE) {
                release(p, hn, content, false);
                return;
            }
            bool hermes = p->syntax == TOOL_SYNTAX_HERMES || p->syntax == TOOL_SYNTAX_QWEN_XML ||
                          p->syntax == TOOL_SYNTAX_GLM || p->syntax == TOOL_SYNTAX_GEMMA4;
            const char *mark = p->syntax == TOOL_SYNTAX_GEMMA4 ? GEMMA_OPEN
                               : hermes                        ? HERMES_OPEN
                                                               : MISTRAL_MARK;
            const char *at = text_find(h, hn, mark);
            if (!at) {
                release(p, hn - text_partial_suffix(h, hn, mark), content, false);
                return;
            }
            size_t before = (size_t)(at - h);
            if (p->n_calls && all_space(h, before))
                sb_consume(&p->held, before);
            else
                release(p, before, content, false);
            sb_consume(&p->held, strlen(mark));
            p->state = hermes ? S_CALL : S_REST;
            continue;
        }
        case S_CALL: { /* hermes: up to </tool_call> */
            const char *open = open_of(p), *close = close_of(p);
            const char *at = text_find(h, hn, close);
            if (!at)
                return;
            size_t body = (size_t)(at - h);
            bool ok;
            if (p->syntax == TOOL_SYNTAX_GEMMA4)
                ok = add_gemma4_call(p, calls, h, body);
            else if (p->syntax == TOOL_SYNTAX_QWEN_XML)
                ok = add_xml_call(p, calls, h, body);
            else if (p->syntax == TOOL_SYNTAX_GLM)
                ok = add_glm_call(p, calls, h, body);
            else {
                json_t *o = parse_json(h, body);
                ok = add_call_object(p, calls, o);
                json_decref(o);
            }
            if (!ok) { /* not a call after all: it is text */
                sb_append(content, open, strlen(open));
                sb_append(content, h, body + strlen(close));
            }
            sb_consume(&p->held, body + strlen(close));
            p->state = S_CONTENT;
            continue;
        }
        default: return; /* S_REST: everything to the end is calls */
        }
    }
}

void tool_parser_finish(tool_parser *p, strbuf *content, json_t *calls)
{
    const char *h = p->held.p ? p->held.p : "";
    size_t hn = p->held.len;
    switch (p->state) {
    case S_CALL: { /* the model stopped before </tool_call> */
        bool xml = p->syntax == TOOL_SYNTAX_QWEN_XML || p->syntax == TOOL_SYNTAX_GLM ||
                   p->syntax == TOOL_SYNTAX_GEMMA4;
        json_t *o = xml ? NULL : parse_json(h, hn);
        bool ok = p->syntax == TOOL_SYNTAX_QWEN_XML ? add_xml_call(p, calls, h, hn)
                  : p->syntax == TOOL_SYNTAX_GLM    ? add_glm_call(p, calls, h, hn)
                  : p->syntax == TOOL_SYNTAX_GEMMA4 ? add_gemma4_call(p, calls, h, hn)
                                                    : add_call_object(p, calls, o);
        if (!ok) {
            sb_append(content, open_of(p), strlen(open_of(p)));
            sb_append(content, h, hn);
        }
        json_decref(o);
        break;
    }
    case S_REST:
        if (p->syntax == TOOL_SYNTAX_MISTRAL) {
            if (!parse_mistral(p, h, hn, calls)) {
                sb_append(content, MISTRAL_MARK, strlen(MISTRAL_MARK));
                sb_append(content, h, hn);
            }
        } else { /* llama3 */
            const char *s = h;
            size_t n = hn;
            while (n && all_space(s, 1))
                s++, n--;
            if (n >= strlen(PYTHON_TAG) && memcmp(s, PYTHON_TAG, strlen(PYTHON_TAG)) == 0)
                s += strlen(PYTHON_TAG), n -= strlen(PYTHON_TAG);
            json_t *o = parse_json(s, n);
            if (!add_call_object(p, calls, o))
                sb_append(content, h, hn);
            json_decref(o);
        }
        break;
    default: release(p, hn, content, true); break;
    }
    sb_clear(&p->held);
}
