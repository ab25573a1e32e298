/* The compiler and infrac-engine agree on the engine's flags: every flag the
 * compiler writes for or refuses on an infrac service (schema/engine_flags.c)
 * is one the engine's server parser reads, under the same spelling
 * (common/infrac_engine_flags.c), and every flag of the table is read by
 * the parsers of its modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"
#include "engine_flags.h"
#include "estimate/estimate.h"
#include "infrac_engine_flags.h"
#include "server/server.h"




static void compiler_flags_parse_in_engine(void **state)
{
    (void)state;
    int seen = 0;
    for (int id = 0; id < EF_COUNT; id++) {
        const char *s = ef_spelling(ENGINE_INFRAC, (ef_id)id);
        if (!s) continue;
        seen++;
        const ie_flag *f = ie_flag_find(s, IEF_SERVER);
        assert_non_null(f);
        /* the compiler refuses it in extra_args: the key it sets is named */
        const engine_flag *shadow = ef_shadowed(ENGINE_INFRAC, s);
        assert_non_null(shadow);
        if (f->short_name) assert_ptr_equal(ef_shadowed(ENGINE_INFRAC, f->short_name), shadow);
    }
    assert_true(seen >= 10);
    /* what the builder writes for an infrac service: --config FILE */
    assert_string_equal(ef_spelling(ENGINE_INFRAC, EF_CONFIG), ie_flag_get(IEF_CONFIG)->long_name);
}

/* A value that parses for the flag, so an error can only be "unknown". */
static const char *value_for(ie_flag_id id)
{
    switch (id) {
    case IEF_CACHE_K: case IEF_CACHE_V: return "f16";
    case IEF_CONFIG: return "/nonexistent/config.json";
    case IEF_HOST: return "127.0.0.1";
    case IEF_TEMP: case IEF_TOP_P: case IEF_MIN_P: case IEF_REPEAT_PENALTY: return "0.5";
    case IEF_CHAT_TEMPLATE: return "chatml";
    case IEF_MAX_BODY: return "4096";
    case IEF_TOKENS: return "1,2";
    default: return "2";
    }
}

static void every_flag_is_read_by_its_parsers(void **state)
{
    (void)state;
    for (int id = 0; id < IEF_COUNT; id++) {
        const ie_flag *f = ie_flag_get((ie_flag_id)id);
        assert_int_equal(f->id, id);
        const char *names[2] = {f->long_name, f->short_name};
        for (int n = 0; n < 2 && names[n]; n++) {
            char *argv[6] = {"infrac-engine", (char *)names[n], NULL, NULL, NULL, NULL};
            int argc = 2;
            if (f->takes_value) argv[argc++] = (char *)value_for(f->id);
            argv[argc++] = "--model";
            argv[argc++] = "m.gguf";
            char err[256] = "";
            if (f->modes & IEF_SERVER) {
                server_options o;
                server_options_init(&o);
                bool ok = server_options_from_args(&o, argc, argv, err, sizeof err);
                server_options_free(&o);
                if (!ok && strstr(err, "unknown option")) fail_msg("server parser refuses %s: %s", names[n], err);
            }
            if (f->modes & IEF_ONESHOT) {
                cli_options o;
                cli_options_default(&o);
                err[0] = '\0';
                int rc = f->id == IEF_HELP || f->id == IEF_VERSION ? 0 : cli_options_parse(&o, argc, argv, err, sizeof err);
                cli_options_free(&o);
                if (rc < 0 && strstr(err, "unknown option")) fail_msg("one-shot parser refuses %s: %s", names[n], err);
            }
        }
    }
}

/* What a usage printer writes, as a string (free it). */
static char *usage_text(void (*usage)(FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    usage(f);
    assert_int_equal(fclose(f), 0);
    return buf;
}

/* True when text has a help row for f: its names and value word at the
 * start of a line. */
static bool has_row(const char *text, const ie_flag *f)
{
    char row[96];
    snprintf(row, sizeof row, "\n  %s%s%s%s%s", f->short_name ? f->short_name : "",
             f->short_name ? ", " : "", f->long_name, f->metavar ? " " : "",
             f->metavar ? f->metavar : "");
    return strstr(text, row) != NULL;
}

/* --help is generated from the table: every flag has a help line and a value
 * word exactly when it takes a value, each mode's usage has a row for every
 * flag of that mode, and the defaults it shows are the parsers' own. */
static void help_lists_every_flag_with_the_parsers_defaults(void **state)
{
    (void)state;
    char *srv = usage_text(server_usage), *one = usage_text(cli_usage);
    for (int id = 0; id < IEF_COUNT; id++) {
        const ie_flag *f = ie_flag_get((ie_flag_id)id);
        assert_non_null(f->help);
        assert_true(f->help[0] != '\0');
        assert_int_equal(f->metavar != NULL, f->takes_value);
        if ((f->modes & IEF_SERVER) && !has_row(srv, f)) fail_msg("server usage lacks %s", f->long_name);
        if ((f->modes & IEF_ONESHOT) && !has_row(one, f)) fail_msg("one-shot usage lacks %s", f->long_name);
    }
    server_options o;
    server_options_init(&o);
    char want[64];
    snprintf(want, sizeof want, "(default %s)", o.bind);
    assert_non_null(strstr(srv, want));
    snprintf(want, sizeof want, "(default %u)", (unsigned)o.port);
    assert_non_null(strstr(srv, want));
    snprintf(want, sizeof want, "(default %zu MiB)", o.max_body >> 20);
    assert_non_null(strstr(srv, want));
    snprintf(want, sizeof want, "idle connection timeout (default %u)", o.timeout_s);
    assert_non_null(strstr(srv, want));
    snprintf(want, sizeof want, "on SIGTERM (default %u)", o.shutdown_s);
    assert_non_null(strstr(srv, want));
    server_options_free(&o);
    cli_options c;
    cli_options_default(&c);
    snprintf(want, sizeof want, "tokens to generate (default %d)", c.n_predict);
    assert_non_null(strstr(one, want));
    snprintf(want, sizeof want, "(default %g)", (double)c.sampling.temperature);
    assert_non_null(strstr(one, want));
    cli_options_free(&c);
    free(srv);
    free(one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compiler_flags_parse_in_engine),
        cmocka_unit_test(every_flag_is_read_by_its_parsers),
        cmocka_unit_test(help_lists_every_flag_with_the_parsers_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
