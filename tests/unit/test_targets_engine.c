/* The build's engine config and credential naming, read back by the engine
 * itself: infrac-engine's config reader accepts what the build writes, and
 * finds the API key under the name the unit's LoadCredential= gives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml_types.h"
#include "server/auth.h"
#include "server/server.h"
#include "targets.h"
#include "targets_support.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void engine_reads_the_config(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    plan_service *tiny = targets_test_service(p, "tiny");
    char *dir = targets_scratch_dir("engine");
    char path[512];
    snprintf(path, sizeof path, "%s/tiny.json", dir);
    char *config = target_engine_config(p, tiny);
    write_text(path, config);
    free(config);

    server_options o;
    server_options_init(&o);
    char err[512] = "";
    bool ok = server_options_from_config(&o, path, err, sizeof err);
    if (!ok)
        fprintf(stderr, "%s\n", err);
    assert_true(ok);
    assert_string_equal(o.model_path, tiny->model_path);
    assert_string_equal(o.alias, tiny->model);
    assert_string_equal(o.bind, "127.0.0.1");
    assert_int_equal(o.port, 9000);
    assert_int_equal(o.context, tiny->cfg.mem.context);
    assert_int_equal(o.parallel, tiny->cfg.mem.parallel);
    assert_int_equal(o.threads, 12);
    assert_int_equal(o.batch, tiny->cfg.mem.batch);
    assert_int_equal(o.cache_k, GGML_T_F16);
    assert_string_equal(o.api_key_file, tiny->cfg.api_key_file);
    assert_string_equal(o.chat_template, "chatml");
    assert_true(o.metrics == tiny->cfg.metrics);
    server_options_free(&o);

    /* A llama.cpp service's config is readable too, and refused as not ours. */
    snprintf(path, sizeof path, "%s/chat.json", dir);
    config = target_engine_config(p, targets_test_service(p, "chat"));
    write_text(path, config);
    free(config);
    server_options_init(&o);
    assert_false(server_options_from_config(&o, path, err, sizeof err));
    assert_non_null(strstr(err, "not infrac"));
    server_options_free(&o);

    targets_remove_tree(dir);
    free(dir);
    targets_test_plan_free(p);
}

static void engine_finds_the_credential(void **state)
{
    (void)state;
    plan *p = targets_test_plan();
    plan_service *tiny = targets_test_service(p, "tiny");
    char *dir = targets_scratch_dir("cred");
    char path[512];
    /* What systemd makes of LoadCredential=NAME:PATH: $CREDENTIALS_DIRECTORY/NAME. */
    char *unit = target_service_unit(p, tiny);
    char want[256];
    snprintf(want, sizeof want, "\nLoadCredential=%s:%s\n", target_credential_name(tiny), tiny->cfg.api_key_file);
    assert_non_null(strstr(unit, want));
    free(unit);
    snprintf(path, sizeof path, "%s/%s", dir, target_credential_name(tiny));
    write_text(path, "s3cret\n");
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    char err[512] = "";
    char *key = auth_read_key_file(tiny->cfg.api_key_file, err, sizeof err);
    unsetenv("CREDENTIALS_DIRECTORY");
    if (!key)
        fprintf(stderr, "%s\n", err);
    assert_non_null(key);
    assert_string_equal(key, "s3cret");
    free(key);
    /* llama-server is pointed at the same file. */
    char *cred = target_credential_path(targets_test_service(p, "chat"));
    assert_string_equal(cred, "/run/credentials/infrac-chat.service/chat.key");
    free(cred);
    targets_remove_tree(dir);
    free(dir);
    targets_test_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(engine_reads_the_config),
        cmocka_unit_test(engine_finds_the_credential),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
