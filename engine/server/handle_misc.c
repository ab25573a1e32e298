/* GET /v1/models, GET /v1/models/{id}, GET /metrics, POST /tokenize, POST /detokenize. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "request.h"
#include "tokenize_util.h"
#include "utf8.h"

static char *dump(json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static json_t *model_object(http_server *h)
{
    json_t *model = json_pack("{s:s, s:s, s:I, s:s}", "id", h->opts->alias, "object", "model",
                              "created", (json_int_t)h->started, "owned_by", "infrac");
    if (scheduler_loaded(h->sched))
        json_object_set_new(model, "context_per_slot",
                            json_integer(scheduler_slot_context(h->sched)));
    return model;
}

enum MHD_Result handle_models(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    json_t *root = json_pack("{s:s, s:[o]}", "object", "list", "data", model_object(h));
    return http_respond(h, c, rc, 200, "application/json", dump(root));
}

enum MHD_Result handle_model(http_server *h, struct MHD_Connection *c, request_ctx *rc,
                             const char *id)
{
    if (strcmp(id, h->opts->alias) != 0) {
        api_error e;
        /* The id is the client's text: quoted in the message only. */
        api_error_set(&e, 404, "invalid_request_error", NULL, "model_not_found",
                      "the model '%.200s' does not exist: this server serves '%s'", id,
                      h->opts->alias);
        return http_respond_error(h, c, rc, &e);
    }
    return http_respond(h, c, rc, 200, "application/json", dump(model_object(h)));
}

enum MHD_Result handle_metrics(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    metrics_gauges g;
    scheduler_gauges(h->sched, &g);
    g.model = h->opts->alias;
    strbuf out = {0};
    metrics_render(h->metrics, &g, &out);
    return http_respond(h, c, rc, 200, "text/plain; version=0.0.4", sb_steal(&out));
}

static bool get_flag(json_t *o, const char *key, bool *out, api_error *e)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v)) {
        api_error_invalid(e, key, "'%s' must be true or false", key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

/* A piece as JSON: a string when it is valid UTF-8, else its bytes. */
static json_t *piece_json(const strbuf *p)
{
    if (utf8_valid(p->p ? p->p : "", p->len))
        return json_stringn(p->p ? p->p : "", p->len);
    json_t *bytes = json_array();
    for (size_t i = 0; i < p->len; i++)
        json_array_append_new(bytes, json_integer((unsigned char)p->p[i]));
    return bytes;
}

enum MHD_Result handle_tokenize(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    api_error e;
    json_t *root = request_parse_object(rc->body.p, rc->body.len, &e);
    if (!root)
        return http_respond_error(h, c, rc, &e);
    json_t *content = json_object_get(root, "content");
    bool add_special = false, parse_special = true, with_pieces = false;
    if (!json_is_string(content)) {
        api_error_invalid(&e, "content", "'content' must be a string");
        goto fail;
    }
    if (!get_flag(root, "add_special", &add_special, &e) ||
        !get_flag(root, "parse_special", &parse_special, &e) ||
        !get_flag(root, "with_pieces", &with_pieces, &e))
        goto fail;
    const ie_vocab *v = scheduler_vocab(h->sched);
    int32_t *tokens = NULL;
    int n = tokenize_text(v, json_string_value(content), json_string_length(content), add_special,
                          parse_special, &tokens);
    if (n < 0) {
        api_error_invalid(&e, "content", "the text cannot be tokenized");
        goto fail;
    }
    json_t *list = json_array();
    for (int i = 0; i < n; i++) {
        if (!with_pieces) {
            json_array_append_new(list, json_integer(tokens[i]));
            continue;
        }
        strbuf piece = {0};
        token_piece(v, tokens[i], true, &piece);
        json_array_append_new(list, json_pack("{s:i, s:o}", "id", tokens[i], "piece",
                                              piece_json(&piece)));
        sb_free(&piece);
    }
    free(tokens);
    json_decref(root);
    return http_respond(h, c, rc, 200, "application/json",
                        dump(json_pack("{s:o}", "tokens", list)));
fail:
    json_decref(root);
    return http_respond_error(h, c, rc, &e);
}

enum MHD_Result handle_detokenize(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    api_error e;
    json_t *root = request_parse_object(rc->body.p, rc->body.len, &e);
    if (!root)
        return http_respond_error(h, c, rc, &e);
    json_t *list = json_object_get(root, "tokens");
    const ie_vocab *v = scheduler_vocab(h->sched);
    int32_t n_vocab = ie_vocab_size(v);
    if (!json_is_array(list)) {
        api_error_invalid(&e, "tokens", "'tokens' must be an array of token ids");
        goto fail;
    }
    size_t n = json_array_size(list);
    int32_t *tokens = calloc(n ? n : 1, sizeof *tokens);
    if (!tokens)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(list, i);
        if (!json_is_integer(t) || json_integer_value(t) < 0 ||
            json_integer_value(t) >= n_vocab) {
            free(tokens);
            api_error_invalid(&e, "tokens", "tokens[%zu] is not a token id (0..%d)", i,
                              n_vocab - 1);
            goto fail;
        }
        tokens[i] = (int32_t)json_integer_value(t);
    }
    strbuf raw = {0}, text = {0};
    bool ok = detokenize_tokens(v, tokens, (int)n, true, &raw);
    free(tokens);
    if (!ok) {
        sb_free(&raw);
        api_error_invalid(&e, "tokens", "the tokens cannot be detokenized");
        goto fail;
    }
    utf8_sanitize(raw.p ? raw.p : "", raw.len, true, &text);
    sb_free(&raw);
    json_decref(root);
    json_t *out = json_pack("{s:o}", "content", json_stringn(text.p ? text.p : "", text.len));
    sb_free(&text);
    return http_respond(h, c, rc, 200, "application/json", dump(out));
fail:
    json_decref(root);
    return http_respond_error(h, c, rc, &e);
}
