/* Host tuning keys from the fleet file to the files: cpu_affinity (CPU
 * lists, CPUAffinity=, llama.cpp's --cpu-mask, the default thread count),
 * threads against the host, mlock, and the unit dependencies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "fleet/cpu_list.h"
#include "front_support.h"
#include "plan_build.h"
#include "targets.h"

#define HEAD                                                                                                 \
    "fleet: t\n"                                                                                             \
    "hosts:\n"                                                                                               \
    "  box: {memory: 64GiB, cpus: 24}\n"                                                                     \
    "  any: {memory: 64GiB}\n"                                                                               \
    "models:\n"                                                                                              \
    "  m:\n"                                                                                                 \
    "    path: /m.gguf\n"                                                                                    \
    "    shape: {arch: qwen3, layers: 36, embd: 4096, heads: 32, kv_heads: 8, head_dim: 128, ff: 12288,\n"    \
    "            vocab: 151936, ctx_train: 40960, weights: 4.68 GiB}\n"                                      \
    "services:\n"

typedef struct built {
    front_result fr;
    check_result cr;
    plan p;
    bool planned;
} built;

static void build(built *b, const char *text)
{
    memset(b, 0, sizeof *b);
    front_run(&b->fr, text);
    assert_true(b->fr.lowered);
    check_fleet(&b->fr.fl, NULL, &b->fr.diags, &b->cr);
    if (diag_count(&b->fr.diags, DIAG_ERROR) == 0) {
        assert_int_equal(plan_build(&b->fr.fl, &b->cr, NULL, &b->p), 0);
        b->planned = true;
    }
}

static void built_free(built *b)
{
    if (b->planned) plan_free(&b->p);
    check_fleet_release(&b->fr.fl);
    check_result_free(&b->cr);
    front_free(&b->fr);
}

static void dump(front_result *r)
{
    char *s = front_render(r, DIAG_FORMAT_TEXT, false);
    fprintf(stderr, "%s", s);
    free(s);
}

static const plan_service *svc(const plan *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_services; i++)
        if (!strcmp(p->services[i].name, name)) return &p->services[i];
    fail_msg("no service %s", name);
    return NULL;
}

static void cpu_lists(void **state)
{
    (void)state;
    cpu_list l;
    char err[120], buf[256];
    assert_true(cpu_list_parse("0-3,8 9, 10-11 63-64", &l, err, sizeof err));
    assert_int_equal(l.count, 4 + 4 + 2);
    assert_int_equal(l.highest, 64);
    cpu_list_format(&l, buf, sizeof buf);
    assert_string_equal(buf, "0-3 8-11 63-64");
    cpu_list_hex_mask(&l, buf, sizeof buf);
    assert_string_equal(buf, "18000000000000f0f");
    assert_true(cpu_list_parse("5", &l, err, sizeof err));
    cpu_list_hex_mask(&l, buf, sizeof buf);
    assert_string_equal(buf, "20");
    const char *bad[] = {"", "7-3", "a", "1-", "0-4096", "1;2", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_false(cpu_list_parse(bad[i], &l, err, sizeof err));
    assert_true(cpu_list_parse("7-3", &l, err, sizeof err) == false && strstr(err, "backwards"));
}

static void tuning_reaches_the_files(void **state)
{
    (void)state;
    built b;
    build(&b, HEAD
          "  chat:\n    host: box\n    model: m\n    port: 8080\n    cpu_affinity: 0-7,16\n    mlock: true\n"
          "    after: [tailscaled.service]\n    requires: [tailscaled.service, data.mount]\n    wants: [ollama-off.target]\n"
          "  cpu2: {engine: infrac, host: box, model: m, port: 8081, cpu_affinity: \"8-15\", threads: 4}\n"
          "  numa: {host: box, model: m, port: 8082, numa: distribute}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(diag_count(&b.fr.diags, DIAG_ERROR), 0);
    const plan_service *s = svc(&b.p, "chat");
    assert_string_equal(s->cfg.cpu_affinity, "0-7 16");
    assert_string_equal(s->cfg.cpu_mask, "100ff");
    assert_int_equal(s->cfg.mem.threads, 9); /* one per CPU of the affinity */
    assert_string_equal(s->cfg.load_mode, "mmap+mlock");
    char *unit = target_service_unit(&b.p, s);
    assert_non_null(strstr(unit, "After=network-online.target tailscaled.service data.mount ollama-off.target\n"
                                 "Wants=network-online.target\nWants=ollama-off.target\n"
                                 "Requires=tailscaled.service\nRequires=data.mount\n"));
    assert_non_null(strstr(unit, "LimitMEMLOCK=infinity\nCPUAffinity=0-7 16\n"));
    free(unit);
    target_argv a;
    target_engine_argv(&b.p, s, &a);
    char *line = target_argv_shell_line(&a);
    target_argv_free(&a);
    assert_non_null(strstr(line, " -t 9 -C 100ff "));
    assert_non_null(strstr(line, " -lm mmap+mlock "));
    free(line);
    const plan_service *c2 = svc(&b.p, "cpu2");
    assert_int_equal(c2->cfg.mem.threads, 4); /* its own count wins */
    assert_null(c2->cfg.cpu_mask);        /* llama.cpp's flag only */
    unit = target_service_unit(&b.p, c2);
    assert_non_null(strstr(unit, "CPUAffinity=8-15\n"));
    assert_null(strstr(unit, "LimitMEMLOCK"));
    free(unit);
    target_engine_argv(&b.p, svc(&b.p, "numa"), &a);
    line = target_argv_shell_line(&a);
    target_argv_free(&a);
    assert_non_null(strstr(line, " --numa distribute"));
    free(line);
    target_engine_argv(&b.p, s, &a);
    line = target_argv_shell_line(&a);
    target_argv_free(&a);
    assert_null(strstr(line, "--numa")); /* none unless asked */
    free(line);
    built_free(&b);
}

static void defaults_give_unit_dependencies(void **state)
{
    (void)state;
    built b;
    build(&b, "fleet: t\ndefaults: {after: [tailscaled.service]}\nhosts:\n  box: {memory: 64GiB}\nmodels:\n  m:\n"
              "    path: /m.gguf\n    shape: {arch: qwen3, layers: 36, embd: 4096, heads: 32, kv_heads: 8, head_dim: 128,"
              " ff: 12288, vocab: 151936, ctx_train: 40960, weights: 4.68 GiB}\nservices:\n"
              "  a: {host: box, model: m, port: 8080}\n  b: {host: box, model: m, port: 8081, after: [x.service]}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(diag_count(&b.fr.diags, DIAG_ERROR), 0);
    assert_int_equal(svc(&b.p, "a")->cfg.n_after, 1);
    assert_string_equal(svc(&b.p, "a")->cfg.after[0], "tailscaled.service");
    assert_string_equal(svc(&b.p, "b")->cfg.after[0], "x.service"); /* its own list replaces the default's */
    built_free(&b);
}

static void expect(const char *text, const char *code, const char *want, int line)
{
    built b;
    build(&b, text);
    const diagnostic *d = front_find(&b.fr, code);
    if (!d || !strstr(d->message, want) || (line && (int)d->at.line != line)) {
        dump(&b.fr);
        fail_msg("wanted %s (%s) at line %d", code, want, line);
    }
    built_free(&b);
}

static void bad_tuning_is_refused_where_written(void **state)
{
    (void)state;
    expect(HEAD "  a: {host: box, model: m, port: 8080, cpu_affinity: 0-7;9}\n", "E0203", "must be a CPU list", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, cpu_affinity: 9-2}\n", "E0203", "runs backwards", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, cpu_affinity: 16-31}\n", "E0804", "names CPU 31, but host `box` has 24",
           11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, threads: 32}\n", "W0801", "32 threads on 24 CPUs", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, cpu_affinity: 0-3, threads: 8}\n", "W0801", "8 threads on 4 CPUs",
           11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, mlock: true, load_mode: mmap}\n", "E0209", "does not lock", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, mlock: yes}\n", "E0202", "true or false", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, after: [tailscaled]}\n", "E0203", "must name a systemd unit", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, requires: [\"a/b.service\"]}\n", "E0203", "must name a systemd unit",
           11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, wants: [x.service, x.service]}\n", "E0209", "listed twice", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, after: tailscaled.service}\n", "E0202", "must be a list", 11);
    expect(HEAD "  a: {engine: vllm, host: box, model: m, port: 8080, mlock: true}\n", "W0210", "`mlock` has no effect", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, extra_args: [-C, ff]}\n", "E0212", "cpu_affinity", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, extra_args: [--numa, isolate]}\n", "E0212", "numa", 11);
    expect(HEAD "  a: {host: box, model: m, port: 8080, numa: spread}\n", "E0204", "unknown numa", 11);
    expect(HEAD "  a: {engine: vllm, host: box, model: m, port: 8080, numa: isolate}\n", "W0210", "`numa` has no effect", 11);
    /* a host without cpus: nothing to check the affinity against */
    built b;
    build(&b, HEAD "  a: {host: any, model: m, port: 8080, cpu_affinity: 0-127, threads: 64}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(b.fr.diags.n, 0);
    built_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cpu_lists),
        cmocka_unit_test(tuning_reaches_the_files),
        cmocka_unit_test(defaults_give_unit_dependencies),
        cmocka_unit_test(bad_tuning_is_refused_where_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
