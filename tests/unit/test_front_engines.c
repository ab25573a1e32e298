/* Declared builds (`engines:`) from the fleet file to the files: lowering
 * and its diagnostics, the estimate of a build's own cache type, the
 * binary and environment in the command, the unit and the launch script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "front_support.h"
#include "ggml_types.h"
#include "plan_build.h"
#include "targets.h"
#include "unit_quote.h"

#define HEAD                                                                                                 \
    "fleet: t\n"                                                                                             \
    "engines:\n"                                                                                             \
    "  llama-sm86: {kind: llama.cpp, binary: /opt/sm86/llama-server, version: b6890}\n"                      \
    "  llama-turbo:\n"                                                                                       \
    "    kind: llama.cpp\n"                                                                                  \
    "    binary: /opt/turbo/llama-server\n"                                                                  \
    "    binaries: {box2: /usr/local/bin/llama-turbo}\n"                                                     \
    "    env: {GGML_A: one, SHARED: build}\n"                                                                \
    "    cache_types:\n"                                                                                     \
    "      turbo3: {bits: 3.5}\n"                                                                            \
    "      myq4: {bits: 4.5, block: 32}\n"                                                                   \
    "    flags: [--turbo-adaptive]\n"                                                                        \
    "hosts:\n"                                                                                               \
    "  box: {memory: 128GiB, gpus: [rtx-3090, rtx-4090]}\n"                                                  \
    "  box2: {memory: 128GiB, gpus: [rtx-4090]}\n"                                                           \
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

static char *command(const plan *p, const plan_service *s)
{
    target_argv a;
    target_engine_argv(p, s, &a);
    char *line = target_argv_shell_line(&a);
    target_argv_free(&a);
    return line;
}

static void builds_lower_with_their_fields(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "  a: {engine: llama-turbo, host: box, model: m, port: 8080, gpus: [1]}\n");
    if (r.diags.n) dump(&r);
    assert_int_equal(r.diags.n, 0);
    fleet *f = &r.fl;
    assert_int_equal(f->n_engines, 2);
    const fleet_engine *t = &f->engines[1];
    assert_string_equal(t->name.v, "llama-turbo");
    assert_int_equal(t->kind.v, ENGINE_LLAMACPP);
    assert_string_equal(fleet_engine_binary_on(t, "box"), "/opt/turbo/llama-server");
    assert_string_equal(fleet_engine_binary_on(t, "box2"), "/usr/local/bin/llama-turbo");
    assert_null(fleet_engine_binary_on(NULL, "box"));
    assert_int_equal(t->n_env, 2);
    assert_string_equal(t->env[1].name.v, "SHARED");
    assert_int_equal(t->n_cache_types, 2);
    assert_int_equal(t->cache_types[0].id, CACHE_DECLARED);
    assert_int_equal(t->cache_types[1].id, CACHE_DECLARED + 1);
    assert_string_equal(fleet_cache_name(f, CACHE_DECLARED), "turbo3");
    assert_int_equal(t->n_flags, 1);
    assert_string_equal(f->engines[0].version.v, "b6890");
    const fleet_service *s = &f->services[0];
    assert_ptr_equal(s->opts.engine_build, t);
    assert_int_equal(s->opts.engine.v, ENGINE_LLAMACPP);
    front_free(&r);
}

/* A declared type with q4_0's geometry (4.5 bits, blocks of 32) takes
 * exactly q4_0's memory: the estimate uses the declared bytes. */
static void declared_cache_type_is_estimated_exactly(void **state)
{
    (void)state;
    built b;
    build(&b, HEAD
          "  a: {engine: llama-turbo, host: box, model: m, port: 8080, gpus: [1], cache: {k: q8_0, v: myq4}}\n"
          "  b: {engine: llama-turbo, host: box2, model: m, port: 8080, gpus: [0], cache: {k: q8_0, v: q4_0}}\n"
          "  c: {engine: llama-turbo, host: box, model: m, port: 8081, gpus: [0], cache: turbo3}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(diag_count(&b.fr.diags, DIAG_ERROR), 0);
    const plan_service *a = svc(&b.p, "a"), *q = svc(&b.p, "b"), *t = svc(&b.p, "c");
    assert_int_equal(a->memory.gpu[0].kv_cache, q->memory.gpu[0].kv_cache);
    assert_int_equal(a->memory.kv_bytes_per_token, q->memory.kv_bytes_per_token);
    /* turbo3: 3.5 bits, 32 per block = 14 bytes; a row of 8 x 128 elements is 448 bytes */
    assert_int_equal(t->memory.kv_bytes_per_token, 36ull * 2 * (1024 / 32) * 14);
    assert_string_equal(target_service_cache_name(t, false), "turbo3");
    char *line = command(&b.p, a);
    assert_non_null(strstr(line, "-ctk q8_0 -ctv myq4"));
    free(line);
    built_free(&b);
}

static void two_builds_on_one_host(void **state)
{
    (void)state;
    built b;
    build(&b, HEAD
          "  a: {engine: llama-sm86, host: box, model: m, port: 8080, gpus: [0]}\n"
          "  b: {engine: llama-turbo, host: box, model: m, port: 8081, gpus: [1]}\n"
          "  c: {engine: llama-turbo, host: box2, model: m, port: 8081, gpus: [0]}\n"
          "  d: {engine: llama.cpp, host: box2, model: m, port: 8082}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(diag_count(&b.fr.diags, DIAG_ERROR), 0);
    const char *want[][2] = {{"a", "/opt/sm86/llama-server "}, {"b", "/opt/turbo/llama-server "},
                             {"c", "/usr/local/bin/llama-turbo "}, {"d", "llama-server "}};
    for (size_t i = 0; i < 4; i++) {
        char *line = command(&b.p, svc(&b.p, want[i][0]));
        assert_memory_equal(line, want[i][1], strlen(want[i][1]));
        free(line);
    }
    char *unit = target_service_unit(&b.p, svc(&b.p, "a"));
    assert_non_null(strstr(unit, "Description=infrac t: a (llama-sm86: llama.cpp b6890, model m)\n"));
    free(unit);
    char *script = target_launch_script(&b.p, svc(&b.p, "b"));
    assert_non_null(strstr(script, "engine_binary='/opt/turbo/llama-server'\n[ -x \"$engine_binary\" ] || fail"));
    free(script);
    built_free(&b);
}

static void env_of_build_then_service(void **state)
{
    (void)state;
    built b;
    build(&b, HEAD "  a:\n    engine: llama-turbo\n    host: box\n    model: m\n    port: 8080\n    gpus: [1]\n"
                   "    env: {SHARED: 'it''s \"50%\" \\x', N: 1, E: \"\"}\n");
    if (b.fr.diags.n) dump(&b.fr);
    assert_int_equal(diag_count(&b.fr.diags, DIAG_ERROR), 0);
    const plan_service *s = svc(&b.p, "a");
    assert_int_equal(s->cfg.n_env, 4);
    assert_string_equal(s->cfg.env[0].name, "GGML_A");
    assert_string_equal(s->cfg.env[1].name, "SHARED"); /* the build's place, the service's value */
    assert_string_equal(s->cfg.env[1].value, "it's \"50%\" \\x");
    assert_string_equal(s->cfg.env[2].value, "1");
    assert_string_equal(s->cfg.env[3].value, "");
    char *unit = target_service_unit(&b.p, s);
    assert_non_null(strstr(unit, "Environment=\"GGML_A=one\"\n"
                                 "Environment=\"SHARED=it's \\\"50%%\\\" \\\\x\"\n"
                                 "Environment=\"N=1\"\nEnvironment=\"E=\"\n"));
    free(unit);
    char *script = target_launch_script(&b.p, s);
    assert_non_null(strstr(script, "SHARED=\"it's \\\"50%\\\" \\\\x\"\n")); /* a backslash: double quotes */
    assert_non_null(strstr(script, "export GGML_A SHARED N E\n"));
    free(script);
    built_free(&b);
}

static void unit_quoting(void **state)
{
    (void)state;
    strbuf s = {0};
    sb_add_unit_env(&s, "A", "$HOME 100% \"q\" \\");
    sb_add_unit_text(&s, "50%");
    assert_string_equal(s.p, "Environment=\"A=$HOME 100%% \\\"q\\\" \\\\\"\n50%%");
    sb_free(&s);
}

static void declared_flags_are_not_unchecked(void **state)
{
    (void)state;
    built b; /* W0211 is the checks' (check/service_values.c) */
    build(&b, HEAD "  a: {engine: llama-turbo, host: box, model: m, port: 8080, extra_args: [--turbo-adaptive, \"2\"]}\n"
                   "  b: {engine: llama-sm86, host: box, model: m, port: 8081, extra_args: [--turbo-adaptive]}\n");
    assert_int_equal(front_count(&b.fr, "W0211"), 1);
    const diagnostic *d = front_find(&b.fr, "W0211");
    assert_non_null(strstr(d->message, "service `b`"));
    built_free(&b);
}

/* fleet text -> the first diagnostic with code, whose message holds want */
static void expect(const char *text, const char *code, const char *want, int line)
{
    built b; /* lowering and checks: a cache type against the build is the checks' */
    build(&b, text);
    const diagnostic *d = front_find(&b.fr, code);
    if (!d || !strstr(d->message, want) || (line && (int)d->at.line != line)) {
        dump(&b.fr);
        fail_msg("wanted %s (%s) at line %d", code, want, line);
    }
    built_free(&b);
}

static void bad_builds_are_refused_where_written(void **state)
{
    (void)state;
    expect(HEAD "  a: {engine: llama-turb, host: box, model: m, port: 8080}\n", "E0801", "unknown engine `llama-turb`",
           22);
    expect("fleet: t\nengines:\n  vllm: {kind: vllm}\n", "E0802", "`vllm` is a built-in kind", 3);
    expect("fleet: t\nengines:\n  x:\n    kind: llama.cpp\n    cache_types: {q8_0: {bits: 8.5}}\n", "E0802",
           "which is built in", 5);
    expect("fleet: t\nengines:\n  x:\n    kind: llama.cpp\n    cache_types: {t3: {bits: 3.3}}\n", "E0802",
           "not a whole number", 5);
    expect("fleet: t\nengines:\n  x:\n    cache_types: {t3: {bits: 3}}\n    kind: vllm\n", "E0802",
           "only llama.cpp builds declare cache types", 4);
    expect("fleet: t\nengines:\n  x:\n    kind: llama.cpp\n    cache_types:\n      t3: {bits: 3}\n      t3: {bits: 4}\n",
           "E0109", "duplicate key `t3`", 7);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, binaries: {bx: /b}}\nhosts: {box: {}}\n", "E0803",
           "host `bx`", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, env: {CUDA_VISIBLE_DEVICES: 1}}\n", "E0212",
           "CUDA_VISIBLE_DEVICES", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, env: {1BAD: 1}}\n", "E0207", "1BAD", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, env: {A: \"a\\nb\"}}\n", "E0203", "control character", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, flags: [turbo]}\n", "E0203", "must name a flag", 3);
    expect("fleet: t\nengines:\n  x: {binary: /b}\n", "E0206", "has no `kind`", 3);
    /* a type some build declares, on a service of another build */
    expect(HEAD "  a: {engine: llama-sm86, host: box, model: m, port: 8080, cache: turbo3}\n", "E0204",
           "`turbo3` is not supported by llama-sm86", 22);
    expect(HEAD "  a: {engine: llama-sm86, host: box, model: m, port: 8080, cache: turbo9}\n", "E0204",
           "unknown cache", 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_lower_with_their_fields),
        cmocka_unit_test(declared_cache_type_is_estimated_exactly),
        cmocka_unit_test(two_builds_on_one_host),
        cmocka_unit_test(env_of_build_then_service),
        cmocka_unit_test(unit_quoting),
        cmocka_unit_test(declared_flags_are_not_unchecked),
        cmocka_unit_test(bad_builds_are_refused_where_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
