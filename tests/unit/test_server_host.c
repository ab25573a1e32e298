/* The Host header check (issue 15 finding 3, DNS rebinding): the bind
 * address, loopback names on a loopback bind, IP literals on a wildcard
 * bind and the configured names pass; every other name is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "server/host_check.h"

typedef struct host_case {
    const char *bind, *host;
    bool allowed;
} host_case;

static void checks_hosts(void **state)
{
    (void)state;
    const char *const names[] = {"api.example", "Other.Example", "10.1.2.3"};
    static const host_case cases[] = {
        {"127.0.0.1", "127.0.0.1", true},
        {"127.0.0.1", "127.0.0.1:8080", true},
        {"127.0.0.1", "localhost", true},
        {"127.0.0.1", "LOCALHOST:8080", true},
        {"127.0.0.1", "[::1]:8080", true},
        {"127.0.0.1", "127.0.0.2", true}, /* loopback literals cannot be rebound */
        {"127.0.0.1", "attacker.example", false},
        {"127.0.0.1", "attacker.example:8080", false},
        {"127.0.0.1", "localhost.attacker.example", false},
        {"127.0.0.1", "localhost.", false},
        {"127.0.0.1", "192.168.1.9", false},
        {"127.0.0.1", "api.example", true},
        {"127.0.0.1", "API.EXAMPLE:443", true},
        {"127.0.0.1", "other.example", true},
        {"127.0.0.1", "10.1.2.3:80", true},
        {"127.0.0.1", "api.example.", false},
        {"127.0.0.1", "xapi.example", false},
        {"127.0.0.1", "", false},
        {"127.0.0.1", "127.0.0.1:", false},
        {"127.0.0.1", "127.0.0.1:80x", false},
        {"127.0.0.1", "a:b:c", false},
        {"127.0.0.1", "[::1", false},
        {"127.0.0.1", "[::1]x", false},
        {"192.168.1.5", "192.168.1.5:8080", true},
        {"192.168.1.5", "192.168.1.6", false},
        {"192.168.1.5", "localhost", false},
        {"0.0.0.0", "192.168.1.6:8080", true},
        {"0.0.0.0", "[fe80::1]", true},
        {"0.0.0.0", "localhost", true},
        {"0.0.0.0", "gpu1.lan", false},
        {"::", "10.0.0.1", true},
        {"::1", "[::1]:8080", true},
        {"::1", "[0:0::1]", true},
        {"::1", "localhost", true},
        {"fd00::5", "[FD00::5]:1", true},
        {"fd00::5", "[fd00::6]", false},
        {"localhost", "127.0.0.1:8080", true},
        {"localhost", "localhost", true},
        {"localhost", "[::1]", true},
        {"localhost", "10.0.0.9", false},
        {"gpu1.lan", "gpu1.lan:8080", true},
        {"gpu1.lan", "10.0.0.7", true}, /* a name bind: its addresses are not known here */
        {"gpu1.lan", "attacker.example", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = host_header_allowed(cases[i].bind, names, 3, cases[i].host);
        if (got != cases[i].allowed)
            fail_msg("bind %s, Host '%s': %s, want %s", cases[i].bind, cases[i].host,
                     got ? "allowed" : "refused", cases[i].allowed ? "allowed" : "refused");
    }
    assert_false(host_header_allowed("127.0.0.1", NULL, 0, "api.example"));
}

static void checks_names(void **state)
{
    (void)state;
    assert_true(host_name_valid("api.example"));
    assert_true(host_name_valid("gpu-1.lan"));
    assert_true(host_name_valid("10.0.0.1"));
    assert_true(host_name_valid("fd00::5"));
    assert_false(host_name_valid(""));
    assert_false(host_name_valid("api.example:8080"));
    assert_false(host_name_valid("a b"));
    assert_false(host_name_valid("*.example"));
    assert_false(host_name_valid("[::1]"));
    assert_false(host_name_valid("x\ny"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checks_hosts),
        cmocka_unit_test(checks_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
