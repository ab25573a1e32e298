/* Server options from an engine config (docs/engine-config.md) and from
 * flags, with a clear error for every bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggml_types.h"
#include "server/server.h"

static const char *config_json =
    "{\"alias\":\"tiny-chat\",\"api_key_file\":\"/etc/infrac/key\",\"batch\":256,"
    "\"bind\":\"127.0.0.1\",\"cache_k\":\"q8_0\",\"cache_v\":\"f16\",\"chat_template\":null,"
    "\"command\":[\"infrac-engine\",\"--config\",\"x\"],\"context\":4096,\"engine\":\"infrac\","
    "\"flash_attention\":false,\"fleet\":\"f\",\"format\":1,\"gpus\":[],\"host\":\"demo\","
    "\"host_address\":null,\"metrics\":true,\"model\":\"tiny\",\"model_bytes\":null,"
    "\"model_path\":\"/m/tiny.gguf\",\"parallel\":2,\"port\":18080,\"service\":\"chat\","
    "\"threads\":null,\"ubatch\":512,\"url\":\"http://127.0.0.1:18080\"}";

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/server-unit-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void reads_config(void **state)
{
    (void)state;
    char *path = write_tmp(config_json);
    server_options o;
    server_options_init(&o);
    char err[512] = "";
    assert_true(server_options_from_config(&o, path, err, sizeof err));
    assert_string_equal(o.model_path, "/m/tiny.gguf");
    assert_string_equal(o.alias, "tiny-chat");
    assert_int_equal(o.port, 18080);
    assert_int_equal(o.context, 4096);
    assert_int_equal(o.parallel, 2);
    assert_int_equal(o.queue, 8);
    assert_int_equal(o.threads, 0);
    assert_int_equal(o.batch, 256);
    assert_int_equal(o.cache_k, GGML_T_Q8_0);
    assert_int_equal(o.cache_v, GGML_T_F16);
    assert_string_equal(o.api_key_file, "/etc/infrac/key");
    assert_null(o.chat_template);
    assert_true(o.metrics);
    server_options_free(&o);
    unlink(path);
    free(path);
}

static void replace(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);
    assert_non_null(p);
    size_t fl = strlen(from), tl = strlen(to);
    memmove(p + tl, p + fl, strlen(p + fl) + 1);
    memcpy(p, to, tl);
}

static void bad_configs(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"\"engine\":\"infrac\"", "\"engine\":\"vllm\"", "not infrac"},
        {"\"format\":1", "\"format\":2", "format 2"},
        {"\"port\":18080", "\"port\":70000", "'port' is 70000"},
        {"\"port\":18080", "\"port\":\"80\"", "'port' is of the wrong type"},
        {"\"parallel\":2", "\"parallel\":0", "'parallel' is 0"},
        {"\"cache_k\":\"q8_0\"", "\"cache_k\":\"q6_k\"", "not supported"},
        {"\"chat_template\":null", "\"chat_template\":\"jinja\"", "unknown chat template"},
        {"\"model_path\":\"/m/tiny.gguf\",", "", "'model_path' is missing"},
        {"\"host_address\":null", "\"allow_hosts\":[\"a b\"],\"host_address\":null", "'a b' is not a host name"},
        {"\"host_address\":null", "\"allow_hosts\":\"x\",\"host_address\":null", "'allow_hosts' is of the wrong type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[2048];
        snprintf(text, sizeof text, "%s", config_json);
        replace(text, cases[i][0], cases[i][1]);
        char *path = write_tmp(text);
        server_options o;
        server_options_init(&o);
        char err[512] = "";
        assert_false(server_options_from_config(&o, path, err, sizeof err));
        if (!strstr(err, cases[i][2]))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i][2]);
        server_options_free(&o);
        unlink(path);
        free(path);
    }
    server_options o;
    server_options_init(&o);
    char err[512] = "";
    char *path = write_tmp("{\"format\": 1,");
    assert_false(server_options_from_config(&o, path, err, sizeof err));
    assert_non_null(strstr(err, path));
    server_options_free(&o);
    unlink(path);
    free(path);
}

/* allow_hosts and host_address become the names the Host check accepts;
 * a config without allow_hosts (written before it existed) reads as none. */
static void reads_allowed_hosts(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s", config_json);
    replace(text, "\"host_address\":null",
            "\"allow_hosts\":[\"api.example\"],\"host_address\":\"gpu1.lan\"");
    char *path = write_tmp(text);
    server_options o;
    server_options_init(&o);
    char err[512] = "";
    assert_true(server_options_from_config(&o, path, err, sizeof err));
    assert_int_equal(o.n_allow_hosts, 2);
    assert_string_equal(o.allow_hosts[0], "api.example");
    assert_string_equal(o.allow_hosts[1], "gpu1.lan");
    server_options_free(&o);
    unlink(path);
    free(path);

    char *argv[] = {"infrac-engine", "--serve", "-m", "/x/m.gguf", "--allow-host", "a.example",
                    "--allow-host", "b.example", "--header-timeout", "3", "--body-timeout", "7",
                    NULL};
    server_options_init(&o);
    assert_true(server_options_from_args(&o, 12, argv, err, sizeof err));
    assert_int_equal(o.n_allow_hosts, 2);
    assert_string_equal(o.allow_hosts[1], "b.example");
    assert_int_equal(o.header_timeout_s, 3);
    assert_int_equal(o.body_timeout_s, 7);
    server_options_free(&o);
    char *bad[] = {"infrac-engine", "--serve", "-m", "/x/m.gguf", "--allow-host", "x.example:80",
                   NULL};
    server_options_init(&o);
    assert_false(server_options_from_args(&o, 6, bad, err, sizeof err));
    assert_non_null(strstr(err, "'x.example:80' is not a host name"));
    server_options_free(&o);
}

static void reads_flags(void **state)
{
    (void)state;
    char *argv[] = {"infrac-engine", "--serve", "-m", "/x/My-Model.Q4_0.gguf", "--port", "9000",
                    "-np", "3", "-c", "3000", "-ctk", "q4_0", "--no-metrics", NULL};
    server_options o;
    server_options_init(&o);
    char err[512] = "";
    assert_true(server_options_from_args(&o, 13, argv, err, sizeof err));
    assert_string_equal(o.alias, "My-Model.Q4_0");
    assert_int_equal(o.port, 9000);
    assert_int_equal(o.parallel, 3);
    assert_int_equal(o.context, 3000);
    assert_int_equal(o.cache_k, GGML_T_Q4_0);
    assert_false(o.metrics);
    assert_string_equal(o.bind, "127.0.0.1");
    server_options_free(&o);
    assert_true(server_cli_requested(13, argv));

    char *bad[][3] = {{"x", "--port", "0"}, {"x", "--port", "http"}, {"x", "--bogus", "1"},
                      {"x", "-m", NULL}};
    for (size_t i = 0; i < 4; i++) {
        server_options_init(&o);
        assert_false(server_options_from_args(&o, bad[i][2] ? 3 : 2, bad[i], err, sizeof err));
        server_options_free(&o);
    }
    char *nomodel[] = {"x", "--port", "9000"};
    server_options_init(&o);
    assert_false(server_options_from_args(&o, 3, nomodel, err, sizeof err));
    assert_non_null(strstr(err, "no model"));
    server_options_free(&o);
    char *plain[] = {"x", "-m", "a.gguf", "-p", "hi"};
    assert_false(server_cli_requested(5, plain));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_config),
        cmocka_unit_test(bad_configs),
        cmocka_unit_test(reads_flags),
        cmocka_unit_test(reads_allowed_hosts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
