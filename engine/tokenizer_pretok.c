/* Pre-tokenizers of byte-level BPE: split text into words before merging.
 *
 * Matches llama.cpp's unicode_regex_split: the text is decoded to code
 * points (invalid bytes -> U+FFFD), then each regex of the pre-tokenizer
 * splits every current segment further (unmatched gaps become words too).
 * llama.cpp runs the gpt2 and llama3 patterns through hand-written
 * splitters, and every other pattern through std::regex on a "collapsed"
 * byte string where each non-ASCII code point becomes one byte naming its
 * class (0xD1 number, 0xD2 letter, 0xD3 punctuation, 0xD4 mark, 0xD5
 * symbol, 0x0B whitespace, 0xD0 other) and \p{X} in the pattern becomes a
 * class of that byte plus the ASCII members. We do the same, with PCRE2 in
 * byte mode for the collapsed patterns, so that words are identical. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PAT_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"
#define PAT_LLAMA3                                                                                 \
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"    \
    "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define PAT_QWEN2                                                                                  \
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|"    \
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* A splitting step: a hand-written splitter or a collapsed regex. */
typedef enum { STEP_GPT2, STEP_LLAMA3, STEP_REGEX } step_kind;
typedef struct step {
    step_kind kind;
    const char *pattern;
} step;

static const step k_steps_default[] = {
    {STEP_REGEX, "[\\p{P}\\$\\+<=>\\^~\\|]+"},
    {STEP_GPT2, PAT_GPT2},
    {STEP_REGEX, "\\p{N}+"},
    {STEP_REGEX, "[0-9][0-9][0-9]"},
};
static const step k_steps_gpt2[] = {{STEP_GPT2, PAT_GPT2}};
static const step k_steps_llama3[] = {{STEP_LLAMA3, PAT_LLAMA3}};
static const step k_steps_qwen2[] = {{STEP_REGEX, PAT_QWEN2}};
static const step k_steps_starcoder[] = {{STEP_REGEX, "\\p{N}"}, {STEP_GPT2, PAT_GPT2}};

/* The collapsed patterns, compiled once (5 distinct regex steps). */
#define N_REGEX 5
static const char *const k_regex_sources[N_REGEX] = {
    "[\\p{P}\\$\\+<=>\\^~\\|]+", "\\p{N}+", "[0-9][0-9][0-9]", PAT_QWEN2, "\\p{N}",
};
static pcre2_code *g_regex[N_REGEX];
static pthread_once_t g_regex_once = PTHREAD_ONCE_INIT;

static const char *class_members(char cls)
{
    switch (cls) {
    case 'N': return "\xD1" "0-9";
    case 'L': return "\xD2" "A-Za-z";
    case 'P': return "\xD3" "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}";
    case 'M': return "\xD4";
    case 'S': return "\xD5" "\\$\\+<->^`\\|";
    default: return NULL;
    }
}

/* Rewrites \p{N} \p{L} \p{P} \p{M} \p{S} into classes of the collapsed
 * alphabet (wrapped in [] when outside a bracket expression). */
static char *collapse_pattern(const char *pat)
{
    size_t n = strlen(pat);
    char *out = malloc(n * 24 + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    bool inside = false;
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '[' && (i == 0 || pat[i - 1] != '\\')) {
            inside = true;
            out[k++] = '[';
            continue;
        }
        if (inside && pat[i] == ']' && pat[i - 1] != '\\') {
            inside = false;
            out[k++] = ']';
            continue;
        }
        if (pat[i] == '\\' && i + 4 < n && pat[i + 1] == 'p' && pat[i + 2] == '{' && pat[i + 4] == '}' &&
            class_members(pat[i + 3])) {
            const char *m = class_members(pat[i + 3]);
            if (!inside)
                out[k++] = '[';
            memcpy(out + k, m, strlen(m));
            k += strlen(m);
            if (!inside)
                out[k++] = ']';
            i += 4;
            continue;
        }
        out[k++] = pat[i];
    }
    out[k] = '\0';
    return out;
}

static void compile_regexes(void)
{
    for (int i = 0; i < N_REGEX; i++) {
        char *src = collapse_pattern(k_regex_sources[i]);
        if (!src)
            continue;
        int errcode;
        PCRE2_SIZE erroff;
        g_regex[i] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_NEVER_UTF | PCRE2_NEVER_UCP,
                                   &errcode, &erroff, NULL);
        if (g_regex[i])
            pcre2_jit_compile(g_regex[i], PCRE2_JIT_COMPLETE); /* the interpreter serves if JIT fails */
        free(src);
    }
}

static pcre2_code *regex_for(const char *pattern)
{
    pthread_once(&g_regex_once, compile_regexes);
    for (int i = 0; i < N_REGEX; i++)
        if (strcmp(pattern, k_regex_sources[i]) == 0)
            return g_regex[i];
    return NULL;
}

/* A growing list of segment lengths (in code points). */
typedef struct seglist {
    size_t *len;
    size_t n, cap;
    bool oom;
} seglist;

static void seg_push(seglist *s, size_t len)
{
    if (len == 0)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        size_t *p = realloc(s->len, cap * sizeof *p);
        if (!p) {
            s->oom = true;
            return;
        }
        s->len = p;
        s->cap = cap;
    }
    s->len[s->n++] = len;
}

/* The view of one segment [ini, end) the splitters work on. */
typedef struct seg {
    const uint32_t *cpts;
    size_t ini, end, prev_end;
    seglist *out;
} seg;

#define OUT_OF_RANGE 0xFFFFFFFFu

static uint32_t cpt_at(const seg *s, size_t pos)
{
    return pos >= s->ini && pos < s->end ? s->cpts[pos] : OUT_OF_RANGE;
}

/* Flags at pos; IE_UC_NONE outside the segment (llama.cpp's empty flags). */
static uint8_t flags_at(const seg *s, size_t pos)
{
    return pos >= s->ini && pos < s->end ? ie_uc_flags(s->cpts[pos]) : IE_UC_NONE;
}

static bool is_letter(uint8_t f) { return f != IE_UC_NONE && (f & IE_UC_CLASS_MASK) == IE_UC_LETTER; }
static bool is_number(uint8_t f) { return f != IE_UC_NONE && (f & IE_UC_CLASS_MASK) == IE_UC_NUMBER; }
static bool is_space(uint8_t f) { return f != IE_UC_NONE && (f & IE_UC_WHITESPACE); }
/* [^\s\p{L}\p{N}] inside the segment */
static bool is_other(uint8_t f) { return f != IE_UC_NONE && !is_space(f) && !is_letter(f) && !is_number(f); }

static size_t add_word(seg *s, size_t end)
{
    size_t len = end - s->prev_end;
    seg_push(s->out, len);
    s->prev_end = end;
    return len;
}

static uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* 's 't 're 've 'm 'll 'd at pos: the length matched (0 when none). */
static size_t contraction(const seg *s, size_t pos, bool any_case)
{
    if (cpt_at(s, pos) != '\'' || pos + 1 >= s->end)
        return 0;
    uint32_t a = cpt_at(s, pos + 1);
    if (any_case)
        a = ascii_lower(a);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (pos + 2 >= s->end)
        return 0;
    uint32_t b = cpt_at(s, pos + 2);
    if (any_case)
        b = ascii_lower(b);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        return 3;
    return 0;
}

/* Trailing whitespace rules shared by both splitters: \s+(?!\S) then \s+.
 * Returns true when it consumed something. */
static bool whitespace_run(seg *s, size_t *pos, size_t n_ws)
{
    if (n_ws > 1 && cpt_at(s, *pos + n_ws) != OUT_OF_RANGE) {
        *pos += n_ws - 1;
        add_word(s, *pos);
        return true;
    }
    if (n_ws > 0) {
        *pos += n_ws;
        add_word(s, *pos);
        return true;
    }
    return false;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S) */
static void split_gpt2(seg *s)
{
    for (size_t pos = s->ini; pos < s->end;) {
        uint32_t cpt = cpt_at(s, pos);
        size_t c = contraction(s, pos, false);
        if (c) {
            pos += add_word(s, pos + c);
            continue;
        }
        uint8_t f2 = cpt == ' ' ? flags_at(s, pos + 1) : flags_at(s, pos);
        if (is_letter(f2) || is_number(f2) || is_other(f2)) {
            bool (*same)(uint8_t) = is_letter(f2) ? is_letter : is_number(f2) ? is_number : is_other;
            pos += (cpt == ' ');
            while (same(f2))
                f2 = flags_at(s, ++pos);
            add_word(s, pos);
            continue;
        }
        size_t n_ws = 0;
        while (is_space(flags_at(s, pos + n_ws)))
            n_ws++;
        if (whitespace_run(s, &pos, n_ws))
            continue;
        add_word(s, ++pos);
    }
}

/* (?:'[sS]|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static void split_llama3(seg *s)
{
    for (size_t pos = s->ini; pos < s->end;) {
        uint32_t cpt = cpt_at(s, pos);
        uint8_t f = flags_at(s, pos);
        size_t c = contraction(s, pos, true);
        if (c) {
            pos += add_word(s, pos + c);
            continue;
        }
        if (!(cpt == '\r' || cpt == '\n' || is_number(f)) && (is_letter(f) || is_letter(flags_at(s, pos + 1)))) {
            pos++;
            while (is_letter(flags_at(s, pos)))
                pos++;
            add_word(s, pos);
            continue;
        }
        if (is_number(f)) {
            size_t ini = pos;
            while (is_number(flags_at(s, pos))) {
                if (++pos - ini >= 3) {
                    add_word(s, pos);
                    ini = pos;
                }
            }
            add_word(s, pos);
            continue;
        }
        uint8_t f2 = cpt == ' ' ? flags_at(s, pos + 1) : f;
        if (is_other(f2) || (cpt == ' ' && f2 == IE_UC_NONE)) {
            pos += (cpt == ' ');
            while (is_other(f2))
                f2 = flags_at(s, ++pos);
            uint32_t c2 = cpt_at(s, pos);
            while (c2 == '\r' || c2 == '\n')
                c2 = cpt_at(s, ++pos);
            add_word(s, pos);
            continue;
        }
        size_t n_ws = 0, last_nl_end = 0;
        while (is_space(flags_at(s, pos + n_ws))) {
            uint32_t c2 = cpt_at(s, pos + n_ws);
            if (c2 == '\r' || c2 == '\n')
                last_nl_end = pos + n_ws + 1;
            n_ws++;
        }
        if (last_nl_end > 0) {
            pos = last_nl_end;
            add_word(s, pos);
            continue;
        }
        if (whitespace_run(s, &pos, n_ws))
            continue;
        add_word(s, ++pos);
    }
}

/* Splits each segment with a collapsed regex; gaps become words too. */
static bool split_regex(pcre2_code *re, const unsigned char *collapsed, const seglist *in, seglist *out)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    if (!md)
        return false;
    size_t start = 0;
    for (size_t i = 0; i < in->n; i++) {
        size_t len = in->len[i], at = 0, prev = 0;
        while (at < len) {
            int rc = pcre2_match(re, collapsed + start, len, at, 0, md, NULL);
            if (rc < 0)
                break;
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            if (ov[1] == ov[0]) { /* cannot happen with our patterns; never loop */
                at = ov[1] + 1;
                continue;
            }
            seg_push(out, ov[0] - prev);
            seg_push(out, ov[1] - ov[0]);
            prev = at = ov[1];
        }
        seg_push(out, len - prev);
        start += len;
    }
    pcre2_match_data_free(md);
    return !out->oom;
}

static unsigned char collapse_cpt(uint32_t cp)
{
    if (cp < 128)
        return (unsigned char)cp;
    uint8_t f = ie_uc_flags(cp);
    if (f != IE_UC_NONE && (f & IE_UC_WHITESPACE))
        return 0x0B;
    switch (f & IE_UC_CLASS_MASK) {
    case IE_UC_NUMBER: return 0xD1;
    case IE_UC_LETTER: return 0xD2;
    case IE_UC_PUNCT: return 0xD3;
    case IE_UC_MARK: return 0xD4;
    case IE_UC_SYMBOL: return 0xD5;
    default: return 0xD0;
    }
}

void ie_words_free(ie_words *w)
{
    free(w->buf);
    free(w->starts);
    free(w->lens);
    memset(w, 0, sizeof *w);
}

/* Encodes the words: UTF-8 of each code point, each byte through GPT-2's map. */
static int encode_words(const uint32_t *cpts, const seglist *segs, ie_words *out)
{
    size_t total = 0;
    for (size_t i = 0; i < segs->n; i++)
        total += segs->len[i];
    out->buf = malloc(total * 8 + 1);
    out->starts = malloc((segs->n + 1) * sizeof *out->starts);
    out->lens = malloc((segs->n + 1) * sizeof *out->lens);
    if (!out->buf || !out->starts || !out->lens) {
        ie_words_free(out);
        return -1;
    }
    size_t k = 0, c = 0;
    for (size_t i = 0; i < segs->n; i++) {
        out->starts[i] = k;
        for (size_t j = 0; j < segs->len[i]; j++, c++) {
            char u[4];
            int n = ie_utf8_encode(cpts[c], u);
            for (int b = 0; b < n; b++)
                k += (size_t)ie_utf8_encode(ie_byte_to_cpt((uint8_t)u[b]), out->buf + k);
        }
        out->lens[i] = k - out->starts[i];
    }
    out->n = segs->n;
    return (int)(out->n > 0x7FFFFFFF ? 0x7FFFFFFF : out->n);
}

int ie_pretokenize(ie_pretok pre, const char *text, size_t len, ie_words *out)
{
    const step *steps;
    size_t n_steps;
    switch (pre) {
    case IE_PRE_GPT2: steps = k_steps_gpt2; n_steps = 1; break;
    case IE_PRE_LLAMA3: steps = k_steps_llama3; n_steps = 1; break;
    case IE_PRE_QWEN2: steps = k_steps_qwen2; n_steps = 1; break;
    case IE_PRE_STARCODER: steps = k_steps_starcoder; n_steps = 2; break;
    default: steps = k_steps_default; n_steps = sizeof k_steps_default / sizeof k_steps_default[0]; break;
    }
    memset(out, 0, sizeof *out);
    size_t n_cpts;
    uint32_t *cpts = ie_utf8_to_cpts(text, len, &n_cpts);
    unsigned char *collapsed = malloc(n_cpts + 1);
    seglist cur = {0}, next = {0};
    int rc = -1;
    if (!cpts || !collapsed)
        goto done;
    for (size_t i = 0; i < n_cpts; i++)
        collapsed[i] = collapse_cpt(cpts[i]);
    seg_push(&cur, n_cpts);
    for (size_t st = 0; st < n_steps && !cur.oom; st++) {
        next.n = 0;
        if (steps[st].kind == STEP_REGEX) {
            pcre2_code *re = regex_for(steps[st].pattern);
            if (!re || !split_regex(re, collapsed, &cur, &next))
                goto done;
        } else {
            size_t start = 0;
            for (size_t i = 0; i < cur.n; i++) {
                seg s = {cpts, start, start + cur.len[i], start, &next};
                if (steps[st].kind == STEP_GPT2)
                    split_gpt2(&s);
                else
                    split_llama3(&s);
                start += cur.len[i];
            }
        }
        seglist t = cur;
        cur = next;
        next = t;
    }
    if (!cur.oom)
        rc = encode_words(cpts, &cur, out);
done:
    free(cpts);
    free(collapsed);
    free(cur.len);
    free(next.len);
    return rc;
}
