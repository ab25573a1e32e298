/* Metadata and tensors that would change llama.cpp's result but that
 * infrac-engine does not implement: each refused at load by name (key and
 * value), never ignored; the values it does implement still load. The
 * same metadata check serves `infrac check` (tests/cli/checks_infrac_engine.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "engine_arch.h"
#include "engine_support.h"
#include "gguf.h"
#include "model.h"

static void refused(const char *args, const char *needle)
{
    loaded L;
    make_model(&L, "refuse", args);
    expect_refusal(&L, needle);
    /* the compiler's check says the same */
    char why[512] = "";
    if (strstr(needle, "tensor ") == NULL) {
        assert_false(engine_gguf_metadata_supported(&L.f, why, sizeof why));
        if (!strstr(why, needle))
            fail_msg("%s: the metadata check says '%s', not '%s'", args, why, needle);
    }
    unload(&L);
}

static ie_model *loads(loaded *L, const char *args)
{
    make_model(L, "accept", args);
    char err[512];
    ie_model *m = model_of(L, err, sizeof err);
    if (!m)
        fail_msg("%s: %s", args, err);
    assert_true(engine_gguf_metadata_supported(&L->f, err, sizeof err));
    return m;
}

static void accepted(const char *args)
{
    loaded L;
    ie_model *m = loads(&L, args);
    ie_model_free(m);
    unload(&L);
}

static void rope_scaling_types(void **state)
{
    (void)state;
    refused("--arch llama --meta rope.scaling.type=yarn --meta rope.scaling.factor=4",
            "metadata key llama.rope.scaling.type is 'yarn', which infrac-engine does not implement");
    refused("--arch qwen3 --meta rope.scaling.type=longrope", "qwen3.rope.scaling.type is 'longrope'");
    refused("--arch gemma3 --meta rope.scaling.type=dynamic", "gemma3.rope.scaling.type is 'dynamic'");
    refused("--arch qwen2 --meta rope.scaling.attn_factor=1.5", "qwen2.rope.scaling.attn_factor is not 1");
    accepted("--arch qwen2 --meta rope.scaling.attn_factor=1");
    accepted("--arch llama --rope-scale 4");
    /* type none never scales, whatever the factor (llama.cpp's llama-context.cpp) */
    loaded L;
    ie_model *m = loads(&L, "--arch llama --meta rope.scaling.type=none --meta rope.scaling.factor=4");
    assert_true(m->hp.rope_scale == 1.0f && m->layers[0].rope_scale == 1.0f);
    ie_model_free(m);
    unload(&L);
    m = loads(&L, "--arch llama --rope-scale 4");
    assert_true(m->layers[0].rope_scale == 0.25f);
    ie_model_free(m);
    unload(&L);
}

static void per_layer_arrays(void **state)
{
    (void)state;
    static const struct { const char *arch, *key, *value; } cases[] = {
        {"llama", "feed_forward_length", "[128,128]"},
        {"qwen3", "attention.head_count", "[4,4]"},
        {"gemma3", "attention.head_count_kv", "[2,1]"},
        {"qwen3moe", "expert_used_count", "[2,2]"},
        {"qwen3moe", "expert_feed_forward_length", "[128,128]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[160], key[96], needle[160];
        snprintf(args, sizeof args, "--arch %s --meta %s=%s", cases[i].arch, cases[i].key, cases[i].value);
        snprintf(key, sizeof key, "%s.%s", cases[i].arch, cases[i].key);
        snprintf(needle, sizeof needle, "metadata key %s is a per-layer array", key);
        refused(args, needle);
    }
}

static void other_metadata(void **state)
{
    (void)state;
    refused("--arch qwen3 --meta expert_count=8",
            "metadata key qwen3.expert_count is 8: infrac-engine runs mixture-of-experts models only as qwen3moe "
            "and gemma4");
    refused("--arch qwen3moe --meta expert_group_count=2", "qwen3moe.expert_group_count is 2");
    accepted("--arch qwen3moe --meta expert_group_count=1");
    refused("--arch qwen3 --meta nextn_predict_layers=1", "qwen3.nextn_predict_layers is 1");
    refused("--arch llama --meta attention.causal=false", "llama.attention.causal is false");
    accepted("--arch llama --meta attention.causal=true");
    refused("--arch gemma3 --meta attention.key_length_swa=32",
            "gemma3.attention.key_length_swa differs from the global layers' value 16");
    refused("--arch gemma3 --meta rope.dimension_count_swa=8", "gemma3.rope.dimension_count_swa differs");
    accepted("--arch gemma3 --meta attention.value_length_swa=16");
    /* llama.cpp's gemma3 does not read attn_logit_softcapping (gemma2 does):
     * neither does the engine, so it is no reason to refuse */
    accepted("--arch gemma3 --meta attn_logit_softcapping=50");
}

static void unused_tensors(void **state)
{
    (void)state;
    refused("--arch llama --extra-tensor blk.0.attn_output.bias",
            "tensor blk.0.attn_output.bias is not used by infrac-engine's llama (refused rather than ignored)");
    refused("--arch qwen2 --extra-tensor output.bias", "tensor output.bias is not used by infrac-engine's qwen2");
    refused("--arch llama --extra-tensor blk.1.ffn_down.bias", "tensor blk.1.ffn_down.bias is not used");
    refused("--arch qwen3 --extra-tensor rope_factors_long.weight", "tensor rope_factors_long.weight is not used");
    accepted("--arch llama --extra-tensor blk.0.attn_q.bias"); /* optional q/k/v biases are implemented */
}

/* gemma4: the dense models and the MoE load, with per-layer KV head
 * counts, V taken from K and layer_output_scale; what the engine does not
 * implement (per-layer embeddings, shared-KV layers) is refused by name, by
 * the loader and the compiler's metadata check alike; hostile per-layer
 * arrays (the wrong length, mixed counts within a layer kind) are load
 * errors, never a crash. */
static void gemma4_support(void **state)
{
    (void)state;
    loaded L;
    ie_model *m = loads(&L, "--arch gemma4 --layers 4 --swa-layers 1,0,1,1 --kv-heads-swa 4 --head-dim-swa 8 "
                            "--k-eq-v --out-scale");
    assert_int_equal(m->hp.n_head_kv, 2);
    assert_int_equal(m->hp.n_head_kv_swa, 4);
    assert_int_equal(m->layers[0].n_head_kv, 4);
    assert_int_equal(m->layers[0].head_dim_k, 8);
    assert_int_equal(m->layers[1].n_head_kv, 2);
    assert_int_equal(m->layers[1].head_dim_k, 16);
    assert_true(m->layers[1].v_is_k); /* a global layer without attn_v */
    assert_false(m->layers[0].v_is_k);
    assert_null(m->layers[0].freq_factors); /* proportional RoPE: global layers only */
    assert_non_null(m->layers[1].freq_factors);
    assert_true(m->layers[2].out_scale != 1.0f);
    assert_true(m->hp.logit_softcap == 30.0f); /* llama.cpp's default when the key is absent */
    ie_model_free(m);
    unload(&L);

    refused("--arch gemma4 --meta embedding_length_per_layer_input=64",
            "gemma4.embedding_length_per_layer_input is 64: infrac-engine does not implement gemma4's per-layer "
            "embeddings");
    /* its MoE (26B-A4B) loads, its expert_feed_forward_length required as llama.cpp's */
    m = loads(&L, "--arch gemma4 --moe --experts 8 --experts-used 2 --ff-exp 64");
    assert_true(m->hp.moe_shared);
    assert_int_equal(m->hp.n_expert, 8);
    assert_non_null(m->layers[0].w_gate.data); /* the dense FFN beside the experts */
    assert_non_null(m->layers[0].exp_down_scale);
    ie_model_free(m);
    unload(&L);
    make_model(&L, "noffexp", "--arch gemma4 --meta expert_count=8");
    expect_refusal(&L, "metadata key gemma4.expert_feed_forward_length is missing");
    unload(&L);
    refused("--arch gemma4 --meta attention.shared_kv_layers=2",
            "gemma4.attention.shared_kv_layers is 2: infrac-engine does not implement layers that reuse");
    /* hostile headers */
    refused("--arch gemma4 --layers 4 --swa-layers 1,0,1",
            "gemma4.attention.sliding_window_pattern has 3 entries, expected one per layer (block_count 4)");
    refused("--arch gemma4 --layers 2 --swa-layers 1,0,1,1,0",
            "gemma4.attention.sliding_window_pattern has 5 entries, expected one per layer (block_count 2)");
    refused("--arch gemma4 --meta attention.sliding_window_pattern=2",
            "gemma4.attention.sliding_window_pattern is not an array");
    refused("--arch gemma4 --layers 2 --meta attention.head_count_kv=[2,2,2]",
            "gemma4.attention.head_count_kv has 3 entries, expected one per layer (block_count 2)");
    make_model(&L, "mixed", "--arch gemma4 --layers 4 --swa-layers 1,0,1,0 --meta attention.head_count_kv=[2,2,4,2]");
    expect_refusal(&L, "layer 2 has 4 KV heads, another sliding layer 2");
    unload(&L);
    make_model(&L, "zero", "--arch gemma4 --layers 2 --meta attention.head_count_kv=[0,2]");
    expect_refusal(&L, "layer 0's entry is not a divisor of head_count 4");
    unload(&L);
    make_model(&L, "odd", "--arch gemma4 --layers 2 --meta attention.head_count_kv=[3,2]");
    expect_refusal(&L, "layer 0's entry is not a divisor of head_count 4");
    unload(&L);
    make_model(&L, "kv", "--arch gemma4 --meta attention.key_length_swa=12 --meta attention.value_length_swa=8");
    expect_refusal(&L, "key_length_swa == value_length_swa (12, 8)");
    unload(&L);
    make_model(&L, "norope", "--arch gemma4 --layers 2 --swa-layers 1,0 --meta rope.dimension_count_swa=9");
    expect_refusal(&L, "rope.dimension_count_swa 9");
    unload(&L);
}

static void architecture_list(void **state)
{
    (void)state;
    /* gemma2 (attention soft-capping, llama.cpp's src/models/gemma2.cpp)
     * is not one the engine runs: a gemma3 file renamed to it is refused
     * by its name */
    loaded L;
    make_model(&L, "gemma2", "--arch gemma3");
    gguf_str arch;
    assert_true(gguf_get_str(&L.f, "general.architecture", &arch));
    ((char *)arch.ptr)[5] = '2';
    expect_refusal(&L, "architecture 'gemma2' is not supported by infrac-engine (supported: llama, qwen2, qwen3, "
                       "qwen3moe, gemma3, gemma4)");
    unload(&L);
    for (int i = 0; i < ENGINE_ARCH_COUNT; i++) {
        assert_int_equal(engine_arch_index(engine_arch_names[i], strlen(engine_arch_names[i])), i);
        assert_non_null(strstr(engine_arch_list, engine_arch_names[i]));
    }
    assert_int_equal(engine_arch_index("gemma", 5), -1);
    assert_int_equal(engine_arch_index("gemma3x", 7), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rope_scaling_types), cmocka_unit_test(per_layer_arrays), cmocka_unit_test(gemma4_support),
        cmocka_unit_test(other_metadata),     cmocka_unit_test(unused_tensors),
        cmocka_unit_test(architecture_list),
    };
    return cmocka_run_group_tests(tests, engine_tests_setup, engine_tests_teardown);
}
