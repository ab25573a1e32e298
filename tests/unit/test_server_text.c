/* Server text plumbing: UTF-8 checks and repair, stop sequences across
 * token boundaries, SSE framing, response and error JSON, API key compare
 * and key files, metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/api_error.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/response.h"
#include "server/text_stream.h"
#include "server/utf8.h"

static void utf8_checks(void **state)
{
    (void)state;
    assert_true(utf8_valid("héllo €𝄞", strlen("héllo €𝄞")));
    assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(utf8_valid("\xe2\x82", 2));         /* truncated */

    strbuf out = {0};
    /* An incomplete sequence waits unless final. */
    assert_int_equal(utf8_sanitize("a\xe2\x82", 3, false, &out), 1);
    assert_string_equal(out.p, "a");
    sb_clear(&out);
    assert_int_equal(utf8_sanitize("a\xe2\x82", 3, true, &out), 3);
    assert_string_equal(out.p, "a\xef\xbf\xbd");
    sb_clear(&out);
    utf8_sanitize("x\xffy", 3, false, &out);
    assert_string_equal(out.p, "x\xef\xbf\xbdy");
    sb_free(&out);
}

/* Feeds pieces one by one, returning all released text. */
static char *run_stream(char **stop, size_t n_stop, const char *const *pieces, bool *stopped)
{
    text_stream t;
    text_stream_init(&t, stop, n_stop);
    strbuf out = {0};
    *stopped = false;
    for (size_t i = 0; pieces[i] && !*stopped; i++)
        *stopped = text_stream_feed(&t, pieces[i], strlen(pieces[i]), &out);
    text_stream_finish(&t, &out);
    text_stream_free(&t);
    if (!out.p)
        sb_puts(&out, "");
    return sb_steal(&out);
}

static void stop_sequences(void **state)
{
    (void)state;
    char *stop[] = {"END", "\n\n"};
    bool stopped;
    const char *split[] = {"Hello E", "N", "D more", NULL};
    char *s = run_stream(stop, 2, split, &stopped);
    assert_true(stopped);
    assert_string_equal(s, "Hello ");
    free(s);

    const char *near[] = {"an EN", "igma", NULL}; /* a prefix that does not complete */
    s = run_stream(stop, 2, near, &stopped);
    assert_false(stopped);
    assert_string_equal(s, "an ENigma");
    free(s);

    const char *euro[] = {"5 \xe2", "\x82", "\xac", NULL}; /* € in three tokens */
    s = run_stream(NULL, 0, euro, &stopped);
    assert_string_equal(s, "5 €");
    free(s);

    /* Held text is not released before it is known not to be a stop. */
    text_stream t;
    text_stream_init(&t, stop, 2);
    strbuf out = {0};
    text_stream_feed(&t, "ab\n", 3, &out);
    assert_string_equal(out.p, "ab");
    text_stream_feed(&t, "\nc", 2, &out);
    assert_true(t.stopped);
    assert_string_equal(out.p, "ab");
    text_stream_free(&t);
    sb_free(&out);
}

static void sse_and_responses(void **state)
{
    (void)state;
    response_meta m;
    response_meta_init(&m, REQUEST_CHAT, "tiny");
    assert_memory_equal(m.id, "chatcmpl-", 9);
    assert_int_equal(strlen(m.id), 9 + 24);

    usage u = {5, 3};
    char *full = response_full(&m, "hi", 2, "stop", &u);
    json_t *j = json_loads(full, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "object")), "chat.completion");
    json_t *c0 = json_array_get(json_object_get(j, "choices"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(c0, "message"), "content")), "hi");
    assert_string_equal(json_string_value(json_object_get(c0, "finish_reason")), "stop");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "usage"), "total_tokens")),
                     8);
    json_decref(j);
    free(full);

    char *chunk = response_chunk(&m, "x", 1, NULL, true);
    strbuf sse = {0};
    sse_event(&sse, chunk);
    sse_done(&sse);
    assert_memory_equal(sse.p, "data: {", 7);
    assert_non_null(strstr(sse.p, "\"delta\":{\"role\":\"assistant\",\"content\":\"x\"}"));
    assert_non_null(strstr(sse.p, "\"finish_reason\":null"));
    assert_string_equal(sse.p + sse.len - 17, "}\n\ndata: [DONE]\n\n");
    free(chunk);
    sb_free(&sse);

    char *uc = response_usage_chunk(&m, &u);
    assert_non_null(strstr(uc, "\"choices\":[]"));
    assert_non_null(strstr(uc, "\"completion_tokens\":3"));
    free(uc);

    response_meta_init(&m, REQUEST_COMPLETION, "tiny");
    char *c = response_full(&m, "t", 1, "length", &u);
    assert_non_null(strstr(c, "\"object\":\"text_completion\""));
    assert_non_null(strstr(c, "\"text\":\"t\""));
    free(c);
}

/* A string value's bytes are exactly want[0..n) (NUL bytes included). */
static void assert_json_bytes(const json_t *s, const char *want, size_t n)
{
    assert_true(json_is_string(s));
    assert_int_equal(json_string_length(s), n);
    assert_memory_equal(json_string_value(s), want, n);
}

static json_t *first_choice(const char *body, json_t **root)
{
    json_error_t e;
    /* JSON_ALLOW_NUL: jansson refuses \u0000 in strings without it */
    *root = json_loads(body, JSON_ALLOW_NUL, &e);
    assert_non_null(*root);
    return json_array_get(json_object_get(*root, "choices"), 0);
}

/* A generated NUL byte is text like any other: every chat and completion
 * text is built by length, so the whole reply equals the concatenation of
 * the streamed deltas (jansson's json_string stops at the first NUL). */
static void responses_keep_nul_bytes(void **state)
{
    (void)state;
    static const char content[] = "ab\0cd", reasoning[] = "r\0s";
    const size_t clen = sizeof content - 1, rlen = sizeof reasoning - 1;
    usage u = {5, 3};
    response_meta m;
    response_meta_init(&m, REQUEST_CHAT, "tiny");
    json_t *root;

    char *body = response_chat_reasoned(&m, reasoning, rlen, content, clen, NULL, "stop", &u, NULL);
    json_t *msg = json_object_get(first_choice(body, &root), "message");
    assert_json_bytes(json_object_get(msg, "content"), content, clen);
    assert_json_bytes(json_object_get(msg, "reasoning_content"), reasoning, rlen);
    json_decref(root);
    free(body);

    body = response_full(&m, content, clen, "stop", &u);
    msg = json_object_get(first_choice(body, &root), "message");
    assert_json_bytes(json_object_get(msg, "content"), content, clen);
    json_decref(root);
    free(body);

    /* the deltas, split around the NUL, concatenate to the whole text */
    static const size_t cut[] = {0, 2, 4, 5};
    strbuf joined = {0};
    for (size_t i = 0; i + 1 < sizeof cut / sizeof *cut; i++) {
        body = response_chunk_lp(&m, content + cut[i], cut[i + 1] - cut[i], NULL, i == 0, NULL);
        const json_t *d = json_object_get(json_object_get(first_choice(body, &root), "delta"),
                                          "content");
        assert_int_equal(json_string_length(d), cut[i + 1] - cut[i]);
        sb_append(&joined, json_string_value(d), json_string_length(d));
        json_decref(root);
        free(body);
    }
    assert_int_equal(joined.len, clen);
    assert_memory_equal(joined.p, content, clen);
    sb_free(&joined);

    body = response_reasoning_chunk(&m, reasoning, rlen);
    assert_json_bytes(json_object_get(json_object_get(first_choice(body, &root), "delta"),
                                      "reasoning_content"),
                      reasoning, rlen);
    json_decref(root);
    free(body);

    response_meta_init(&m, REQUEST_COMPLETION, "tiny");
    body = response_full(&m, content, clen, "length", &u);
    assert_json_bytes(json_object_get(first_choice(body, &root), "text"), content, clen);
    json_decref(root);
    free(body);
    body = response_chunk(&m, content, clen, NULL, false);
    assert_json_bytes(json_object_get(first_choice(body, &root), "text"), content, clen);
    json_decref(root);
    free(body);
}

static void error_objects(void **state)
{
    (void)state;
    api_error e;
    api_error_invalid(&e, "top_p", "bad \xff byte");
    char *s = api_error_json(&e);
    assert_string_equal(s, "{\"error\":{\"message\":\"bad \xef\xbf\xbd byte\",\"type\":"
                           "\"invalid_request_error\",\"param\":\"top_p\",\"code\":null}}");
    free(s);
    assert_int_equal(e.status, 400);
}

/* key_file(CONTENT, LEN): the key read from a file holding those bytes. */
static char *key_file(const char *content, size_t len, char *err, size_t errlen)
{
    char path[] = "/tmp/infrac-test-key-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
    char *k = auth_read_key_file(path, err, errlen);
    unlink(path);
    return k;
}

/* The key file is one line, trimmed at both ends; a key that no request
 * could carry is refused at start, not silently unmatchable. */
static void api_key_files(void **state)
{
    (void)state;
    char err[256];
    char *k = key_file("  secret1\n", 10, err, sizeof err);
    assert_non_null(k);
    assert_string_equal(k, "secret1");
    free(k);
    k = key_file("\tsecret2 \r\n", 12, err, sizeof err);
    assert_non_null(k);
    assert_string_equal(k, "secret2");
    free(k);
    assert_null(key_file("a\x01b\n", 4, err, sizeof err));
    assert_non_null(strstr(err, "control character"));
    assert_null(key_file("   \n", 4, err, sizeof err));
    size_t big = 70000;
    char *long_key = malloc(big);
    memset(long_key, 'k', big);
    assert_null(key_file(long_key, big, err, sizeof err));
    assert_non_null(strstr(err, "longer than the request headers"));
    free(long_key);
}

static void api_keys(void **state)
{
    (void)state;
    assert_true(auth_equal("abc", 3, "abc", 3));
    assert_false(auth_equal("abc", 3, "abd", 3));
    assert_false(auth_equal("abc", 3, "abcd", 4));
    assert_false(auth_equal("", 0, "a", 1));
    assert_true(auth_check_bearer("k3y", "Bearer k3y"));
    assert_true(auth_check_bearer("k3y", "bearer k3y"));
    assert_false(auth_check_bearer("k3y", "Bearer k3"));
    assert_false(auth_check_bearer("k3y", "k3y"));
    assert_false(auth_check_bearer("k3y", NULL));

    char dir[] = "/tmp/server-unit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/key", dir);
    FILE *f = fopen(path, "w");
    fputs("s3cret\n", f);
    fclose(f);
    unsetenv("CREDENTIALS_DIRECTORY");
    char *k = auth_read_key_file(path, err, sizeof err);
    assert_string_equal(k, "s3cret");
    free(k);
    /* systemd LoadCredential: same basename, read from the directory. */
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    k = auth_read_key_file("/nonexistent/elsewhere/key", err, sizeof err);
    assert_string_equal(k, "s3cret");
    free(k);
    unsetenv("CREDENTIALS_DIRECTORY");
    f = fopen(path, "w");
    fputs("\n", f);
    fclose(f);
    assert_null(auth_read_key_file(path, err, sizeof err));
    assert_non_null(strstr(err, "non-empty"));
    assert_null(auth_read_key_file("/nonexistent/key", err, sizeof err));
    unlink(path);
    rmdir(dir);
}

static void metrics_text(void **state)
{
    (void)state;
    metrics *m = metrics_new();
    metrics_count_request(m, "/v1/chat/completions", 200);
    metrics_count_request(m, "/v1/chat/completions", 200);
    metrics_count_request(m, "/nope", 404);
    metrics_gauges g = {.model = "ti\"ny\\", .slots_total = 2, .slots_busy = 1, .queue_length = 3,
                        .queue_capacity = 8, .kv_cells_used = 10, .kv_cells_total = 512,
                        .model_loaded = 1, .generated_tokens = 50, .generation_seconds = 2};
    histogram_observe(&g.ttft, 0.00390625); /* exact in binary */
    histogram_observe(&g.ttft, 3);
    strbuf out = {0};
    metrics_render(m, &g, &out);
    /* Histograms: cumulative buckets, +Inf, sum and count. */
    assert_non_null(strstr(out.p, "# TYPE infrac_time_to_first_token_seconds histogram\n"));
    assert_non_null(strstr(out.p, "\",le=\"0.001\"} 0\n"));
    assert_non_null(strstr(out.p, "\",le=\"0.005\"} 1\n"));
    assert_non_null(strstr(out.p, "\",le=\"2.5\"} 1\n"));
    assert_non_null(strstr(out.p, "\",le=\"5\"} 2\n"));
    assert_non_null(strstr(out.p, "\",le=\"+Inf\"} 2\n"));
    assert_non_null(strstr(out.p, "\ninfrac_time_to_first_token_seconds_count{model=\"ti\\\"ny\\\\\"} 2\n"));
    assert_non_null(strstr(out.p, "\ninfrac_time_to_first_token_seconds_sum{model=\"ti\\\"ny\\\\\"} 3.00390625\n"));
    assert_non_null(strstr(out.p, "\ninfrac_request_duration_seconds_count{model=\"ti\\\"ny\\\\\"} 0\n"));
    assert_non_null(strstr(out.p, "# TYPE infrac_time_per_output_token_seconds histogram\n"));
    assert_non_null(strstr(
        out.p, "infrac_requests_total{model=\"ti\\\"ny\\\\\",endpoint=\"/v1/chat/completions\","
               "status=\"200\"} 2\n"));
    assert_non_null(strstr(
        out.p, "infrac_requests_total{model=\"ti\\\"ny\\\\\",endpoint=\"other\",status=\"404\"} 1\n"));
    assert_non_null(strstr(out.p, "\ninfrac_tokens_per_second{model=\"ti\\\"ny\\\\\"} 25\n"));
    assert_non_null(strstr(out.p, "\ninfrac_slots_busy{model=\"ti\\\"ny\\\\\"} 1\n"));
    assert_non_null(strstr(out.p, "\ninfrac_queue_length{model=\"ti\\\"ny\\\\\"} 3\n"));
    assert_non_null(strstr(out.p, "\ninfrac_kv_cells_used{model=\"ti\\\"ny\\\\\"} 10\n"));
    /* Gauges do not end in _total (Prometheus naming; promtool check metrics). */
    assert_non_null(strstr(out.p, "\ninfrac_slots{model=\"ti\\\"ny\\\\\"} 2\n"));
    assert_non_null(strstr(out.p, "\ninfrac_kv_cells{model=\"ti\\\"ny\\\\\"} 512\n"));
    for (const char *p = strstr(out.p, "# TYPE "); p; p = strstr(p + 1, "# TYPE ")) {
        const char *eol = strchr(p, '\n');
        if (eol - p > 6 && strncmp(eol - 6, " gauge", 6) == 0) {
            const char *name_end = strchr(p + 7, ' ');
            assert_false(name_end - (p + 7) > 6 && strncmp(name_end - 6, "_total", 6) == 0);
        }
    }
    assert_non_null(strstr(out.p, "# TYPE infrac_generated_tokens_total counter\n"));
    sb_free(&out);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_checks),     cmocka_unit_test(stop_sequences),
        cmocka_unit_test(sse_and_responses), cmocka_unit_test(responses_keep_nul_bytes),
        cmocka_unit_test(error_objects),
        cmocka_unit_test(api_keys), cmocka_unit_test(api_key_files),        cmocka_unit_test(metrics_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
