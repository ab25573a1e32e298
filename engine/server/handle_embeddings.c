/* POST /v1/embeddings (OpenAI's create embeddings): each input's tokens are
 * decoded in a slot and pooled as the GGUF's pooling_type says (mean, cls
 * or last over the final-norm hidden states, as llama.cpp's build_pooling),
 * L2-normalized as llama-server's /v1/embeddings. A model without a
 * pooling type is not an embedding model: a 400 saying so, as llama-server
 * refuses it. */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "request.h"
#include "scheduler.h"
#include "tokenize_util.h"

#define EMBED_MAX_INPUTS 2048 /* OpenAI's limit on inputs per request */

/* The inputs as token lists: a string, an array of strings, an array of
 * token ids, or an array of such arrays. */
static bool input_tokens(http_server *h, json_t *input, json_t **lists, api_error *e)
{
    const ie_vocab *v = scheduler_vocab(h->sched);
    json_t *items = json_is_array(input) ? input : NULL;
    bool one_ids = items && json_array_size(items) && json_is_integer(json_array_get(items, 0));
    if (!json_is_string(input) && !(items && json_array_size(items) > 0)) {
        api_error_invalid(e, "input",
                          "'input' must be a string, an array of strings, an array of token ids "
                          "or an array of such arrays, and not empty");
        return false;
    }
    size_t n = items && !one_ids ? json_array_size(items) : 1;
    if (n > EMBED_MAX_INPUTS) {
        api_error_invalid(e, "input", "'input' holds %zu inputs, at most %d are allowed", n,
                          EMBED_MAX_INPUTS);
        return false;
    }
    *lists = json_array();
    int32_t n_vocab = ie_vocab_size(v);
    for (size_t i = 0; i < n; i++) {
        json_t *it = !items || one_ids ? input : json_array_get(items, i);
        json_t *ids = json_array();
        json_array_append_new(*lists, ids);
        if (json_is_string(it)) {
            int32_t *t = NULL;
            /* add_special as llama-server tokenizes embedding inputs */
            int k = tokenize_text(v, json_string_value(it), json_string_length(it), true, false, &t);
            for (int x = 0; x < k; x++)
                json_array_append_new(ids, json_integer(t[x]));
            free(t);
            if (k < 0) {
                api_error_invalid(e, "input", "input[%zu] cannot be tokenized", i);
                return false;
            }
        } else if (json_is_array(it)) {
            size_t x;
            json_t *id;
            json_array_foreach(it, x, id) {
                if (!json_is_integer(id) || json_integer_value(id) < 0 ||
                    json_integer_value(id) >= n_vocab) {
                    api_error_invalid(e, "input", "input[%zu][%zu] is not a token id below %d", i,
                                      x, n_vocab);
                    return false;
                }
                json_array_append(ids, id);
            }
        } else {
            api_error_invalid(e, "input", "input[%zu] must be a string or an array of token ids",
                              i);
            return false;
        }
        uint32_t ctx = scheduler_slot_context(h->sched);
        if (json_array_size(ids) == 0 || json_array_size(ids) > ctx) {
            api_error_set(e, 400, "invalid_request_error", "input",
                          json_array_size(ids) ? "context_length_exceeded" : NULL,
                          "input[%zu] has %zu tokens: 1 to %u (a slot's context) are allowed", i,
                          json_array_size(ids), ctx);
            return false;
        }
    }
    return true;
}

static bool check_fields(http_server *h, json_t *root, bool *base64, api_error *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "input") && strcmp(key, "model") && strcmp(key, "encoding_format") &&
            strcmp(key, "dimensions") && strcmp(key, "user")) {
            api_error_set(e, 400, "invalid_request_error", NULL, "unknown_parameter",
                          "unknown field '%.100s'", key);
            /* the body (and key with it) is freed before the error is written */
            snprintf(e->param_text, sizeof e->param_text, "%s", key);
            return false;
        }
    }
    json_t *model = json_object_get(root, "model");
    if (model && !json_is_null(model) &&
        (!json_is_string(model) || strcmp(json_string_value(model), h->opts->alias) != 0)) {
        api_error_set(e, 404, "invalid_request_error", "model", "model_not_found",
                      "the model '%s' does not exist: this server serves '%s'",
                      json_is_string(model) ? json_string_value(model) : "?", h->opts->alias);
        return false;
    }
    json_t *f = json_object_get(root, "encoding_format");
    *base64 = json_is_string(f) && strcmp(json_string_value(f), "base64") == 0;
    if (f && !json_is_null(f) && !*base64 &&
        !(json_is_string(f) && strcmp(json_string_value(f), "float") == 0)) {
        api_error_invalid(e, "encoding_format", "'encoding_format' must be 'float' or 'base64'");
        return false;
    }
    json_t *d = json_object_get(root, "dimensions");
    uint32_t n_embd = scheduler_n_embd(h->sched);
    if (d && !json_is_null(d) && (!json_is_integer(d) || json_integer_value(d) != n_embd)) {
        api_error_set(e, 400, "invalid_request_error", "dimensions", "unsupported_parameter",
                      "'dimensions': the model's embeddings have %u dimensions and are not "
                      "shortened",
                      n_embd);
        return false;
    }
    json_t *u = json_object_get(root, "user");
    if (u && !json_is_null(u) && !json_is_string(u)) {
        api_error_invalid(e, "user", "'user' must be a string");
        return false;
    }
    return true;
}

static json_t *vector_json(const float *x, uint32_t n, bool base64)
{
    if (!base64) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < n; i++)
            json_array_append_new(a, json_real(x[i]));
        return a;
    }
    /* little-endian float32 bytes, as the OpenAI clients decode them */
    size_t bytes = (size_t)n * sizeof *x;
    unsigned char *out = malloc(4 * ((bytes + 2) / 3) + 1);
    if (!out)
        abort();
    EVP_EncodeBlock(out, (const unsigned char *)x, (int)bytes);
    json_t *s = json_string((const char *)out);
    free(out);
    return s;
}

enum MHD_Result handle_embeddings(http_server *h, struct MHD_Connection *c, request_ctx *rc)
{
    api_error e;
    json_t *root = request_parse_object(rc->body.p, rc->body.len, &e);
    if (!root)
        return http_respond_error(h, c, rc, &e);
    json_t *lists = NULL, *data = NULL;
    bool base64 = false;
    ie_pooling pooling = scheduler_pooling(h->sched);
    if (pooling != IE_POOLING_MEAN && pooling != IE_POOLING_CLS && pooling != IE_POOLING_LAST) {
        api_error_set(&e, 400, "invalid_request_error", NULL, "unsupported_model",
                      "this model has no embedding pooling (its GGUF's pooling_type is %s): it is "
                      "not an embedding model (llama-server refuses it too)",
                      pooling == IE_POOLING_NONE ? "absent or none" : "rank, a reranker's");
        goto fail;
    }
    if (!check_fields(h, root, &base64, &e) ||
        !input_tokens(h, json_object_get(root, "input"), &lists, &e))
        goto fail;
    data = json_array();
    size_t total = 0, i;
    json_t *ids;
    uint32_t n_embd = scheduler_n_embd(h->sched);
    json_array_foreach(lists, i, ids) {
        job *j = job_new();
        j->embed = true;
        j->n_prompt = (uint32_t)json_array_size(ids);
        j->prompt = malloc(j->n_prompt * sizeof *j->prompt);
        if (!j->prompt)
            abort();
        for (uint32_t k = 0; k < j->n_prompt; k++)
            j->prompt[k] = (int32_t)json_integer_value(json_array_get(ids, k));
        j->max_tokens = 1;
        ie_sampler_params_default(&j->sampling);
        if (scheduler_submit(h->sched, j) != SUBMIT_OK) {
            job_unref(h->sched, j);
            api_error_set(&e, 503, "unavailable_error", NULL, "queue_full",
                          "every slot is busy and the queue is full: retry later");
            goto fail;
        }
        strbuf none = {0};
        while (!scheduler_wait(h->sched, j, &none, HTTP_POLL_MS))
            if (http_client_gone(c)) {
                scheduler_cancel(h->sched, j);
                job_unref(h->sched, j);
                json_decref(root), json_decref(lists), json_decref(data);
                metrics_count_request(h->metrics, rc->endpoint, 499);
                return MHD_NO;
            }
        sb_free(&none);
        if (j->error_status) {
            job_error(j, &e);
            job_unref(h->sched, j);
            goto fail;
        }
        json_array_append_new(data, json_pack("{s:s, s:I, s:o}", "object", "embedding", "index",
                                              (json_int_t)i, "embedding",
                                              vector_json(j->embedding, n_embd, base64)));
        total += j->n_prompt;
        job_unref(h->sched, j);
    }
    json_t *out = json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data,
                            "model", h->opts->alias, "usage", "prompt_tokens", (json_int_t)total,
                            "total_tokens", (json_int_t)total);
    data = NULL;
    json_decref(root), json_decref(lists);
    char *body = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    return http_respond(h, c, rc, 200, "application/json", body);
fail:
    json_decref(root), json_decref(lists), json_decref(data);
    return http_respond_error(h, c, rc, &e);
}
