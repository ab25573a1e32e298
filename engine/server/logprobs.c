#include "logprobs.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>

#include "strbuf.h"
#include "tokenize_util.h"
#include "utf8.h"

/* The token's text (valid UTF-8: a piece may be part of a character) and
 * its raw bytes, as OpenAI gives both. */
static json_t *token_json(const ie_vocab *v, int32_t tok, double lp)
{
    strbuf raw = {0}, text = {0};
    token_piece(v, tok, false, &raw);
    utf8_sanitize(raw.p ? raw.p : "", raw.len, true, &text);
    json_t *bytes = json_array();
    for (size_t i = 0; i < raw.len; i++)
        json_array_append_new(bytes, json_integer((unsigned char)raw.p[i]));
    /* by length: a byte token for NUL is that byte, as in the reply's text */
    json_t *o = json_pack("{s:o, s:f, s:o}", "token", json_stringn(text.p ? text.p : "", text.len),
                          "logprob", lp, "bytes", bytes);
    sb_free(&raw);
    sb_free(&text);
    return o;
}

json_t *logprobs_entry(const ie_vocab *v, const float *logits, uint32_t n_vocab, int32_t tok,
                       uint32_t top_n)
{
    if (top_n > LOGPROBS_MAX_TOP)
        top_n = LOGPROBS_MAX_TOP;
    double max = -INFINITY;
    for (uint32_t i = 0; i < n_vocab; i++)
        if (logits[i] > max)
            max = logits[i];
    double sum = 0;
    for (uint32_t i = 0; i < n_vocab; i++)
        if (!isnan(logits[i]))
            sum += exp((double)logits[i] - max);
    double lse = max + log(sum);
    /* The top_n ids by logit, kept sorted in a small array. */
    int32_t top[LOGPROBS_MAX_TOP];
    uint32_t n_top = 0;
    for (uint32_t i = 0; i < n_vocab && top_n; i++) {
        if (isnan(logits[i]))
            continue;
        if (n_top == top_n && !(logits[i] > logits[top[n_top - 1]]))
            continue;
        uint32_t k = n_top < top_n ? n_top++ : n_top - 1;
        while (k > 0 && logits[i] > logits[top[k - 1]]) {
            top[k] = top[k - 1];
            k--;
        }
        top[k] = (int32_t)i;
    }
    json_t *e = token_json(v, tok, (double)logits[tok] - lse);
    json_t *tops = json_array();
    for (uint32_t i = 0; i < n_top; i++)
        json_array_append_new(tops, token_json(v, top[i], (double)logits[top[i]] - lse));
    json_object_set_new(e, "top_logprobs", tops);
    return e;
}

json_t *logprobs_chat(json_t *entries)
{
    return json_pack("{s:o, s:n}", "content", entries ? entries : json_array(), "refusal");
}

json_t *logprobs_completion(json_t *entries, size_t *offset)
{
    json_t *tokens = json_array(), *lps = json_array(), *tops = json_array(),
           *offs = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e)
    {
        json_array_append(tokens, json_object_get(e, "token"));
        json_array_append(lps, json_object_get(e, "logprob"));
        json_t *m = json_object();
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(e, "top_logprobs"), k, t)
        {
            const json_t *tok = json_object_get(t, "token");
            json_object_setn(m, json_string_value(tok), json_string_length(tok),
                             json_object_get(t, "logprob"));
        }
        json_array_append_new(tops, m);
        json_array_append_new(offs, json_integer((json_int_t)*offset));
        *offset += json_array_size(json_object_get(e, "bytes"));
    }
    json_decref(entries);
    return json_pack("{s:o, s:o, s:o, s:o}", "tokens", tokens, "token_logprobs", lps,
                     "top_logprobs", tops, "text_offset", offs);
}
