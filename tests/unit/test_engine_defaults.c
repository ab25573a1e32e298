/* The schema's default text (and so docs/fleet.md, generated from it) says
 * what the per-engine defaults table (estimate/engine_defaults.c) holds;
 * tests/cli/schema_defaults.sh compares the emitted schema with the plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "estimate/engine_defaults.h"
#include "fleet_schema.h"

static const char *dflt(const char *key)
{
    static char text[256];
    bool shared = false;
    const fs_key *k = fs_find(&fs_service, key, strlen(key), &shared);
    assert_non_null(k);
    assert_non_null(fs_default_text(k, text, sizeof text));
    return text;
}

static void schema_reads_table(void **state)
{
    (void)state;
    const engine_defaults *lc = engine_defaults_get(ENGINE_LLAMACPP);
    const engine_defaults *vl = engine_defaults_get(ENGINE_VLLM);
    const engine_defaults *in = engine_defaults_get(ENGINE_INFRAC);
    char want[128];
    assert_int_equal(lc->parallel, in->parallel);
    snprintf(want, sizeof want, "%u (vllm: %u)", lc->parallel, vl->parallel);
    assert_string_equal(dflt("parallel"), want);
    snprintf(want, sizeof want, "%u (infrac: %u)", lc->batch, in->batch);
    assert_string_equal(dflt("batch"), want);
    snprintf(want, sizeof want, "%u", lc->ubatch);
    assert_string_equal(dflt("ubatch"), want);
    snprintf(want, sizeof want, "%u", vl->batch);
    assert_string_equal(dflt("max_num_batched_tokens"), want);
    snprintf(want, sizeof want, "`parallel` (vllm: %u)", vl->parallel);
    assert_string_equal(dflt("max_num_seqs"), want);
    snprintf(want, sizeof want, "%g", vl->gpu_memory_utilization);
    assert_string_equal(dflt("gpu_memory_utilization"), want);
    snprintf(want, sizeof want, "%llu GiB", (unsigned long long)(lc->cache_ram_bytes / GIB));
    assert_string_equal(dflt("cache_ram"), want);
    assert_string_equal(dflt("flash_attention"), lc->flash_attn ? "true" : "false");
    assert_string_equal(dflt("bind"), SERVICE_DEFAULT_BIND);
    assert_string_equal(dflt("restart"), SERVICE_DEFAULT_RESTART);
    snprintf(want, sizeof want, "%u", SERVICE_DEFAULT_RESTART_SEC);
    assert_string_equal(dflt("restart_sec"), want);
    snprintf(want, sizeof want, "the model's trained context, at most %u", SERVICE_DEFAULT_CONTEXT_CAP);
    assert_string_equal(dflt("context"), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(schema_reads_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
