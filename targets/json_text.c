/* JSON text of a jansson tree, byte for byte what json_dumps writes with
 * JSON_SORT_KEYS | JSON_INDENT(2) | JSON_REAL_PRECISION(10) (jansson 2.14
 * dump.c and strconv.c: two-space indent, ": " after a key, keys sorted by
 * their bytes, control characters as \b \f \n \r \t or \u00XX, a real as
 * %.10g with ".0" added when it reads as an integer and its exponent's "+"
 * and leading zeros dropped). json_dumps formats through a callback per
 * token and sorts a copy of each object's keys; a build writes some 40,000
 * files of JSON at 10,000 services (issue 15 finding 19), so this writes
 * into one buffer. tests/unit/test_targets_json.c holds the two equal on
 * random trees. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets_json.h"
#include "strbuf.h"

static void put_indent(strbuf *b, unsigned depth)
{
    static const char spaces[] = "                                                                ";
    sb_append(b, "\n", 1);
    for (size_t n = 2 * (size_t)depth; n;) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        sb_append(b, spaces, k);
        n -= k;
    }
}

static void put_string(strbuf *b, const char *s, size_t len)
{
    sb_append(b, "\"", 1);
    size_t run = 0; /* bytes copied as they are, flushed before an escape */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            run++;
            continue;
        }
        sb_append(b, s + i - run, run);
        run = 0;
        char esc[8];
        switch (c) {
        case '"': sb_append(b, "\\\"", 2); break;
        case '\\': sb_append(b, "\\\\", 2); break;
        case '\b': sb_append(b, "\\b", 2); break;
        case '\f': sb_append(b, "\\f", 2); break;
        case '\n': sb_append(b, "\\n", 2); break;
        case '\r': sb_append(b, "\\r", 2); break;
        case '\t': sb_append(b, "\\t", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", c);
            sb_append(b, esc, 6);
        }
    }
    sb_append(b, s + len - run, run);
    sb_append(b, "\"", 1);
}

static void put_real(strbuf *b, double v)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf - 3, "%.10g", v);
    if (n < 0 || (size_t)n >= sizeof buf - 3)
        abort();
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(buf + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    sb_append(b, buf, (size_t)n);
}

typedef struct key_ref {
    const char *key;
    size_t len;
    json_t *value;
} key_ref;

static int key_order(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->key, y->key, n);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

static void put_value(strbuf *b, json_t *v, unsigned depth)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        if (n == 0) {
            sb_append(b, "{}", 2);
            return;
        }
        key_ref stack[32];
        key_ref *keys = n <= 32 ? stack : malloc(n * sizeof *keys);
        if (!keys)
            abort();
        size_t k = 0;
        const char *key;
        size_t key_len;
        json_t *value;
        json_object_keylen_foreach(v, key, key_len, value) keys[k++] = (key_ref){key, key_len, value};
        qsort(keys, k, sizeof *keys, key_order);
        sb_append(b, "{", 1);
        for (size_t i = 0; i < k; i++) {
            if (i)
                sb_append(b, ",", 1);
            put_indent(b, depth + 1);
            put_string(b, keys[i].key, keys[i].len);
            sb_append(b, ": ", 2);
            put_value(b, keys[i].value, depth + 1);
        }
        put_indent(b, depth);
        sb_append(b, "}", 1);
        if (keys != stack)
            free(keys);
        return;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (n == 0) {
            sb_append(b, "[]", 2);
            return;
        }
        sb_append(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                sb_append(b, ",", 1);
            put_indent(b, depth + 1);
            put_value(b, json_array_get(v, i), depth + 1);
        }
        put_indent(b, depth);
        sb_append(b, "]", 1);
        return;
    }
    case JSON_STRING:
        put_string(b, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER: {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        sb_append(b, num, (size_t)n);
        return;
    }
    case JSON_REAL:
        put_real(b, json_real_value(v));
        return;
    case JSON_TRUE:
        sb_append(b, "true", 4);
        return;
    case JSON_FALSE:
        sb_append(b, "false", 5);
        return;
    case JSON_NULL:
        sb_append(b, "null", 4);
        return;
    }
}

char *tj_text(json_t *root)
{
    strbuf b = {0};
    put_value(&b, root, 0);
    sb_append(&b, "", 0);
    return sb_steal(&b);
}
