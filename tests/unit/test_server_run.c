/* infrac run's reading of a build output: hosts and services from
 * OUT/<host>/etc/<service>.json, host choice, command quoting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/run_health.h"
#include "cli/run_services.h"

static char root[64];

static void write_config(const char *host, const char *addr, const char *svc, const char *engine,
                         int port)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, host);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/etc", root, host);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/etc/%s.json", root, host, svc);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"format\":1,\"host\":\"%s\",\"host_address\":%s%s%s,\"service\":\"%s\","
            "\"engine\":\"%s\",\"bind\":\"127.0.0.1\",\"port\":%d,\"url\":\"http://127.0.0.1:%d\","
            "\"command\":[\"llama-server\",\"--alias\",\"it's\"]}",
            host, addr ? "\"" : "", addr ? addr : "null", addr ? "\"" : "", svc, engine, port,
            port);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/server-run-XXXXXX");
    assert_non_null(mkdtemp(root));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd);
}

static void loads_and_picks(void **state)
{
    (void)state;
    run_tree t;
    char err[512];
    assert_false(run_tree_load(&t, root, err, sizeof err));
    assert_non_null(strstr(err, "no engine configs"));

    write_config("gpu-box", "10.255.255.1", "chat", "infrac", 18001);
    write_config("gpu-box", "10.255.255.1", "big", "vllm", 18002);
    assert_true(run_tree_load(&t, root, err, sizeof err));
    assert_int_equal(t.n_hosts, 1);
    assert_int_equal(t.hosts[0].n_services, 2);
    assert_string_equal(t.hosts[0].services[0].name, "big"); /* sorted by file name */
    assert_string_equal(t.hosts[0].services[1].engine, "infrac");
    /* Not this machine, but the only host. */
    assert_ptr_equal(run_pick_host(&t, NULL, stderr), &t.hosts[0]);
    assert_null(run_pick_host(&t, "nope", stderr));
    char *line = run_command_line(t.hosts[0].services[0].command);
    assert_string_equal(line, "llama-server --alias 'it'\\''s'");
    free(line);
    run_tree_free(&t);

    /* Two hosts: the one at a local address wins; without one it is
     * ambiguous. */
    write_config("other", "10.255.255.2", "chat", "infrac", 18003);
    assert_true(run_tree_load(&t, root, err, sizeof err));
    assert_int_equal(t.n_hosts, 2);
    assert_null(run_pick_host(&t, NULL, stderr));
    assert_string_equal(run_pick_host(&t, "other", stderr)->name, "other");
    run_tree_free(&t);
    write_config("local", "127.0.0.1", "chat", "infrac", 18004);
    assert_true(run_tree_load(&t, root, err, sizeof err));
    assert_string_equal(run_pick_host(&t, NULL, stderr)->name, "local");
    run_tree_free(&t);

    char path[256];
    snprintf(path, sizeof path, "%s/local/etc/broken.json", root);
    FILE *f = fopen(path, "w");
    fputs("{\"format\":1}", f);
    fclose(f);
    assert_false(run_tree_load(&t, root, err, sizeof err));
    assert_non_null(strstr(err, "broken.json"));
    assert_false(run_tree_load(&t, "/nonexistent/out", err, sizeof err));
}

static void probe(void **state)
{
    (void)state;
    assert_string_equal(run_probe_address("0.0.0.0"), "127.0.0.1");
    assert_string_equal(run_probe_address("::"), "::1");
    assert_string_equal(run_probe_address("10.0.0.5"), "10.0.0.5");
    /* Nothing listens on port 1: refused quickly, not a hang. */
    assert_false(run_health_ok("127.0.0.1", 1, 500));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_and_picks, setup, teardown),
        cmocka_unit_test(probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
