/* `infrac estimate` called directly (cmd_estimate): flags, exit codes and
 * the JSON fields other tools read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "test_data.h"

static char gguf_path[1024];

/* Runs cmd_estimate with stdout and stderr captured into *out (malloc'ed). */
static int run_cmd(char **out, int argc, char **argv)
{
    char path[] = "/tmp/estimate-cli-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fd, 1);
    dup2(fd, 2);
    int rc = cmd_estimate(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    off_t len = lseek(fd, 0, SEEK_END);
    *out = calloc((size_t)len + 1, 1);
    assert_int_equal(pread(fd, *out, (size_t)len, 0), len);
    close(fd);
    unlink(path);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    test_data_path("reference/llama3-8b.gguf", gguf_path, sizeof gguf_path);
    return 0;
}

static void json_fields(void **state)
{
    (void)state;
    assert_int_equal(access(gguf_path, R_OK), 0);
    char *argv[] = {"estimate", "--gguf", gguf_path, "--context", "32768", "--format", "json", "--gpu", "h200", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(&out, 9, argv), 0);
    json_error_t jerr;
    json_t *root = json_loads(out, 0, &jerr);
    if (!root)
        fail_msg("not JSON: %s\n%s", jerr.text, out);
    json_t *g0 = json_array_get(json_object_get(root, "gpus"), 0);
    assert_non_null(g0);
    json_int_t total = json_integer_value(json_object_get(g0, "total_mib"));
    /* measured 8864 MiB on an H200 */
    assert_true(total >= 8864 && total <= 8864 * 105 / 100);
    assert_true(json_is_integer(json_object_get(g0, "weights_mib")));
    assert_true(json_is_integer(json_object_get(g0, "kv_cache_mib")));
    assert_int_equal(json_integer_value(json_object_get(g0, "kv_cache_mib")), 4096);
    assert_true(json_is_true(json_object_get(g0, "fits")));
    json_t *host = json_object_get(root, "host");
    assert_true(json_integer_value(json_object_get(host, "total_mib")) > 8192);
    assert_string_equal(json_string_value(json_object_get(json_object_get(root, "model"), "arch")), "llama");
    json_decref(root);
    free(out);
}

static void text_and_splits(void **state)
{
    (void)state;
    assert_int_equal(access(gguf_path, R_OK), 0);
    char *argv[] = {"estimate", "--gguf", gguf_path, "--tensor-split", "1,1", "--gpu-layers", "all",
                    "--cache-k", "q8_0", "--cache-v", "q8_0", "--gpu", "rtx-4090", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(&out, 13, argv), 0);
    assert_non_null(strstr(out, "GPU 0"));
    assert_non_null(strstr(out, "GPU 1"));
    assert_non_null(strstr(out, "host RAM"));
    assert_non_null(strstr(out, "rtx-4090"));
    free(out);
}

static void bad_flags_exit_2(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"--context", "lots", "--context"},
        {"--flash-attention", "maybe", "--flash-attention"},
        {"--engine", "ollama", "unknown engine"},
        {"--cache-k", "q9_9", "--cache-k"},
        {"--gpu", "rtx-9999", "unknown GPU"},
        {"--tensor-split", "1,,2", "--tensor-split"},
        {"--gpu-memory-utilization", "1.5", "utilization"},
        {"--format", "xml", "--format"},
        {"--gpu-layers", "-3", "--gpu-layers"},
        {"--bogus", "1", "unknown option"},
        {"--cache-type", "turbo3", "NAME=BITS"},
        {"--cache-type", "q8_0=8", "built in"},
        {"--cache-type", "t3=3.3", "whole bytes"},
        {"--cache-type", "t3=3.5/0", "block"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {"estimate", "--gguf", gguf_path, (char *)cases[i][0], (char *)cases[i][1], NULL};
        char *out = NULL;
        assert_int_equal(run_cmd(&out, 5, argv), 2);
        if (!strstr(out, cases[i][2]))
            fail_msg("case %zu: message lacks '%s': %s", i, cases[i][2], out);
        free(out);
    }
    char *missing[] = {"estimate", "--context", "4096", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(&out, 3, missing), 2);
    assert_non_null(strstr(out, "--gguf"));
    free(out);
    char *nofile[] = {"estimate", "--gguf", "/nonexistent/model.gguf", NULL};
    assert_int_equal(run_cmd(&out, 3, nofile), 2);
    assert_non_null(strstr(out, "/nonexistent/model.gguf"));
    free(out);
    char *qv[] = {"estimate", "--gguf", gguf_path, "--cache-v", "q4_0", "--flash-attention", "off", NULL};
    assert_int_equal(run_cmd(&out, 7, qv), 2);
    free(out);
}

/* --cache-type: a build's own type, sized as the fleet's engines: cache_types
 * are (est_declared_cache_geom), named in the output */
static void declared_cache_types(void **state)
{
    (void)state;
    char *f16[] = {"estimate", "--gguf", gguf_path, "--context", "32768", "--format", "json", NULL};
    char *t3[] = {"estimate", "--gguf", gguf_path, "--context", "32768", "--format", "json",
                  "--cache-type", "turbo3=3.5", "--cache-type", "tq4=4.5/32", "--cache-k", "turbo3", "--cache-v", "tq4", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(&out, 7, f16), 0);
    json_t *a = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(run_cmd(&out, 15, t3), 0);
    json_t *b = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(a);
    assert_non_null(b);
    json_int_t kv16 = json_integer_value(json_object_get(json_array_get(json_object_get(a, "gpus"), 0), "kv_cache_mib"));
    json_int_t kvt = json_integer_value(json_object_get(json_array_get(json_object_get(b, "gpus"), 0), "kv_cache_mib"));
    /* K at 3.5 bits and V at 4.5 of 16: half of f16's K + V */
    assert_int_equal(kv16, 4096);
    assert_int_equal(kvt, 4096 * (3.5 + 4.5) / 32);
    json_t *req = json_object_get(b, "request");
    assert_string_equal(json_string_value(json_object_get(req, "cache_k")), "turbo3");
    assert_string_equal(json_string_value(json_object_get(req, "cache_v")), "tq4");
    json_decref(a);
    json_decref(b);
    /* only llama.cpp builds declare types; a declared V needs flash attention */
    char *vl[] = {"estimate", "--gguf", gguf_path, "--engine", "vllm", "--cache-type", "t=4", NULL};
    assert_int_equal(run_cmd(&out, 7, vl), 2);
    free(out);
    char *nofa[] = {"estimate", "--gguf", gguf_path, "--cache-type", "t=4", "--cache-v", "t", "--flash-attention", "off", NULL};
    assert_int_equal(run_cmd(&out, 9, nofa), 2);
    assert_non_null(strstr(out, "flash-attention"));
    free(out);
}

static void vllm_and_infrac(void **state)
{
    (void)state;
    assert_int_equal(access(gguf_path, R_OK), 0);
    char *argv[] = {"estimate", "--gguf", gguf_path, "--engine", "vllm", "--gpu", "rtx-4090",
                    "--gpu-memory-utilization", "0.8", "--context", "8192", "--format", "json", NULL};
    char *out = NULL;
    assert_int_equal(run_cmd(&out, 13, argv), 0);
    json_t *root = json_loads(out, 0, NULL);
    assert_non_null(root);
    json_t *g0 = json_array_get(json_object_get(root, "gpus"), 0);
    assert_int_equal(json_integer_value(json_object_get(g0, "total_mib")), (24080 * 8 + 9) / 10);
    assert_true(json_integer_value(json_object_get(g0, "vllm_kv_budget_mib")) > 0);
    json_decref(root);
    free(out);
    char *inf[] = {"estimate", "--gguf", gguf_path, "--engine", "infrac", "--context", "4096", "--format", "json", NULL};
    assert_int_equal(run_cmd(&out, 9, inf), 0);
    root = json_loads(out, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_array_size(json_object_get(root, "gpus")), 0);
    assert_true(json_integer_value(json_object_get(json_object_get(root, "host"), "total_mib")) > 4000);
    json_decref(root);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_fields),
        cmocka_unit_test(text_and_splits),
        cmocka_unit_test(bad_flags_exit_2),
        cmocka_unit_test(vllm_and_infrac),
        cmocka_unit_test(declared_cache_types),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
