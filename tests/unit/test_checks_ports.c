/* The port and exposure checks, and bind address overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "check/bind_addr.h"
#include "checks_support.h"

static cs_fleet *base(void) {
    cs_fleet *c = cs_new();
    cs_host(c, "box");
    cs_host(c, "other");
    cs_model(c, "m", "llama", 16, 2048, 16, 8, 8192, 1 * GIB);
    return c;
}

static bool overlap(const char *a, const char *b) {
    bind_addr x = bind_addr_parse(a), y = bind_addr_parse(b);
    return bind_addr_overlap(&x, &y);
}

static void bind_overlap_rules(void **state) {
    (void)state;
    assert_true(overlap("127.0.0.1", "127.0.0.1"));
    assert_false(overlap("127.0.0.1", "127.0.0.2"));
    assert_true(overlap("0.0.0.0", "192.168.1.5"));
    assert_true(overlap("10.0.0.1", "0.0.0.0"));
    assert_false(overlap("0.0.0.0", "::1"));
    assert_true(overlap("::", "127.0.0.1"));
    assert_true(overlap("::1", "::"));
    assert_true(overlap("localhost", "127.0.0.1"));
    assert_true(overlap("localhost", "::1"));
    assert_false(overlap("192.168.1.5", "192.168.1.6"));
    assert_true(overlap("[::1]", "::1"));
    bind_addr a = bind_addr_parse("127.8.9.10");
    assert_true(bind_addr_is_loopback(&a));
    a = bind_addr_parse("localhost");
    assert_true(bind_addr_is_loopback(&a));
    a = bind_addr_parse("::1");
    assert_true(bind_addr_is_loopback(&a));
    a = bind_addr_parse("0.0.0.0");
    assert_false(bind_addr_is_loopback(&a));
    a = bind_addr_parse("::");
    assert_false(bind_addr_is_loopback(&a));
}

static void same_port_same_address_conflicts(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *a = cs_service(c, "a", "box", "m", 8080);
    fleet_service *b = cs_service(c, "b", "box", "m", 8080);
    cs_service(c, "c", "other", "m", 8080);  /* another host: fine */
    cs_service(c, "d", "box", "m", 8081);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0301"), 1);
    const diagnostic *d = cs_find(c, "E0301", 0);
    assert_int_equal(d->at.line, b->port.at.line);
    assert_string_equal(d->message, "port 8080 on host `box` is already used by service `a`");
    assert_int_equal(d->notes[0].at.line, a->port.at.line);
    cs_free(c);
}

static void wildcard_overlaps_specific(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *a = cs_service(c, "a", "box", "m", 9000);
    cs_set_str(c, &a->opts.bind, "0.0.0.0");
    cs_set_str(c, &a->opts.api_key_file, "/etc/k");
    fleet_service *b = cs_service(c, "b", "box", "m", 9000);
    cs_set_str(c, &b->opts.bind, "127.0.0.1");
    /* distinct specific addresses do not overlap */
    fleet_service *x = cs_service(c, "x", "box", "m", 9001);
    cs_set_str(c, &x->opts.bind, "127.0.0.1");
    fleet_service *y = cs_service(c, "y", "box", "m", 9001);
    cs_set_str(c, &y->opts.bind, "127.0.0.2");
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0301"), 1);
    assert_int_equal(cs_find(c, "E0301", 0)->at.line, b->port.at.line);
    cs_free(c);
}

static void reserved_and_privileged(void **state) {
    (void)state;
    cs_fleet *c = base();
    cs_reserve_port(c, &c->hosts[0], 22);
    cs_reserve_port(c, &c->hosts[0], 8443);
    fleet_service *a = cs_service(c, "a", "box", "m", 8443);
    fleet_service *b = cs_service(c, "b", "box", "m", 80);
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0302"), 1);
    const diagnostic *d = cs_find(c, "E0302", 0);
    assert_int_equal(d->at.line, a->port.at.line);
    assert_int_equal(d->notes[0].at.line, c->hosts[0].reserved_ports[1].at.line);
    assert_int_equal(cs_count(c, "W0301"), 1);
    assert_int_equal(cs_find(c, "W0301", 0)->at.line, b->port.at.line);
    cs_free(c);
}

static void exposure_needs_key(void **state) {
    (void)state;
    cs_fleet *c = base();
    fleet_service *a = cs_service(c, "open", "box", "m", 8080);
    cs_set_str(c, &a->opts.bind, "0.0.0.0");
    fleet_service *b = cs_service(c, "keyed", "box", "m", 8081);
    cs_set_str(c, &b->opts.bind, "192.168.1.10");
    cs_set_str(c, &b->opts.api_key_file, "/etc/infrac/keyed.key");
    fleet_service *l = cs_service(c, "local", "box", "m", 8082);
    cs_set_str(c, &l->opts.bind, "localhost");
    fleet_service *v6 = cs_service(c, "v6", "box", "m", 8083);
    cs_set_str(c, &v6->opts.bind, "::");
    cs_service(c, "dflt", "box", "m", 8084); /* 127.0.0.1 by default */
    cs_run(c, NULL);
    assert_int_equal(cs_count(c, "E0601"), 2);
    const diagnostic *d = cs_find(c, "E0601", 0);
    assert_int_equal(d->at.line, a->opts.bind.at.line);
    assert_string_equal(d->message, "service `open` listens on 0.0.0.0 without an API key");
    assert_non_null(strstr(d->help, "api_key_file"));
    assert_int_equal(cs_find(c, "E0601", 1)->at.line, v6->opts.bind.at.line);
    cs_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bind_overlap_rules),
        cmocka_unit_test(same_port_same_address_conflicts),
        cmocka_unit_test(wildcard_overlaps_specific),
        cmocka_unit_test(reserved_and_privileged),
        cmocka_unit_test(exposure_needs_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
