/* A draft model in the llama-server command (common/arg.cpp spellings) and
 * in plan.json; a service without one keeps its command and plan unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fleet/fleet.h"
#include "ggml_types.h"
#include "targets.h"
#include "targets_json.h"
#include "targets_support.h"

static char *line_of(plan *p, plan_service *s) {
    target_argv a;
    target_engine_argv(p, s, &a);
    char *line = target_argv_shell_line(&a);
    target_argv_free(&a);
    return line;
}

static const char *tail_after(const char *line, const char *what) {
    const char *t = strstr(line, what);
    assert_non_null(t);
    return t;
}

static void draft_flags_in_the_command(void **state) {
    (void)state;
    plan *p = targets_test_plan();
    plan_service *s = targets_test_service(p, "chat");
    char *before = line_of(p, s);
    assert_null(strstr(before, "--spec"));
    s->cfg.draft = "small";
    s->draft_path = "/srv/models/qwen3-0.6b.gguf";
    s->cfg.draft_slot = 0;
    s->cfg.draft_gpu_layers = -1;
    s->cfg.draft_cache = GGML_T_Q8_0;
    s->cfg.draft_cache_set = true;
    s->cfg.spec_type = "draft-simple";
    s->cfg.spec_draft_n_max = 16;
    s->cfg.spec_draft_n_min = 2;
    s->cfg.spec_draft_n_min_set = true;
    char *line = line_of(p, s);
    /* what came before is unchanged; the draft's flags follow */
    assert_memory_equal(line, before, strlen(before));
    assert_string_equal(tail_after(line, "--spec-draft-model"),
                        "--spec-draft-model /srv/models/qwen3-0.6b.gguf --spec-draft-device CUDA0 "
                        "--spec-draft-ngl all --spec-draft-type-k q8_0 --spec-draft-type-v q8_0 "
                        "--spec-type draft-simple --spec-draft-n-max 16 --spec-draft-n-min 2");
    free(line);
    /* a HIP build names its devices ROCm0, ROCm1, ... (ggml-cuda.h GGML_CUDA_NAME); SYCL and
     * Vulkan builds SYCL0 and Vulkan0 (GGML_SYCL_NAME, GGML_VK_NAME) */
    static const struct { gpu_api api; const char *flag; } names[] = {
        {GPU_API_HIP, "--spec-draft-device ROCm0 "},
        {GPU_API_SYCL, "--spec-draft-device SYCL0 "},
        {GPU_API_VULKAN, "--spec-draft-device Vulkan0 "},
        {GPU_API_METAL, "--spec-draft-device MTL0 "},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        s->cfg.gpu_api = names[i].api;
        line = line_of(p, s);
        assert_non_null(strstr(line, names[i].flag));
        assert_null(strstr(line, "CUDA0"));
        free(line);
    }
    s->cfg.gpu_api = GPU_API_CUDA;
    /* defaults: the draft follows the model's devices, llama.cpp's n-max/min and type */
    s->cfg.draft_slot = -1;
    s->cfg.draft_gpu_layers = 12;
    s->cfg.draft_cache = GGML_T_F16;
    s->cfg.spec_type = NULL;
    s->cfg.spec_draft_n_max = 0;
    s->cfg.spec_draft_n_min_set = false;
    line = line_of(p, s);
    assert_string_equal(tail_after(line, "--spec-draft-model"),
                        "--spec-draft-model /srv/models/qwen3-0.6b.gguf --spec-draft-ngl 12 "
                        "--spec-draft-type-k f16 --spec-draft-type-v f16");
    /* the removed --draft* spellings never appear */
    assert_null(strstr(line, "--draft"));
    assert_null(strstr(line, " -md "));
    free(line);
    free(before);
    targets_test_plan_free(p);
}

static void mtp_without_a_draft_model(void **state) {
    (void)state;
    plan *p = targets_test_plan();
    plan_service *s = targets_test_service(p, "chat");
    s->cfg.spec_type = "draft-mtp";
    s->cfg.spec_draft_n_max = 3;
    s->cfg.draft_cache = GGML_T_Q8_0;
    s->cfg.draft_cache_set = true;
    char *line = line_of(p, s);
    assert_string_equal(tail_after(line, "--spec"),
                        "--spec-draft-type-k q8_0 --spec-draft-type-v q8_0 --spec-type draft-mtp --spec-draft-n-max 3");
    assert_null(strstr(line, "--spec-draft-model"));
    assert_null(strstr(line, "--spec-draft-ngl"));
    free(line);
    targets_test_plan_free(p);
}

static void draft_in_plan_json(void **state) {
    (void)state;
    plan *p = targets_test_plan();
    char *text = target_plan_json(p);
    assert_non_null(text);
    assert_null(strstr(text, "\"draft\""));
    free(text);
    plan_service *s = targets_test_service(p, "chat");
    s->cfg.draft = "small";
    s->draft_path = "/srv/models/qwen3-0.6b.gguf";
    s->cfg.draft_slot = 0;
    s->cfg.draft_gpu_layers = -1;
    s->cfg.draft_cache = GGML_T_Q8_0;
    s->cfg.draft_cache_set = true;
    s->cfg.spec_draft_n_max = 8;
    text = target_plan_json(p);
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    assert_non_null(root);
    json_t *svcs = json_object_get(root, "services"), *d = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(svcs, i, v)
        if (!strcmp(json_string_value(json_object_get(v, "name")), "chat")) d = json_object_get(v, "draft");
    assert_non_null(d);
    assert_string_equal(json_string_value(json_object_get(d, "model")), "small");
    assert_string_equal(json_string_value(json_object_get(d, "cache")), "q8_0");
    assert_string_equal(json_string_value(json_object_get(d, "gpu_layers")), "all");
    assert_int_equal(json_integer_value(json_object_get(d, "gpu")), s->cfg.gpus[0]);
    assert_int_equal(json_integer_value(json_object_get(d, "n_max")), 8);
    assert_true(json_is_null(json_object_get(d, "n_min")));
    assert_true(json_is_null(json_object_get(d, "spec_type")));
    json_decref(root);
    free(text);
    targets_test_plan_free(p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(draft_flags_in_the_command),
        cmocka_unit_test(mtp_without_a_draft_model),
        cmocka_unit_test(draft_in_plan_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
