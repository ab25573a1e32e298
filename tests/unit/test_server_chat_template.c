/* Chat formats: detection from a GGUF's Jinja template and the exact text
 * each renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "server/chat_template.h"

static chat_message convo[] = {
    {"system", "Be brief."},
    {"user", "Hi"},
    {"assistant", "Hello."},
    {"user", "Name?"},
};

static void detects(void **state)
{
    (void)state;
    assert_int_equal(chat_format_detect(NULL), CHAT_CHATML);
    assert_int_equal(chat_format_detect("{% for m in messages %}<|im_start|>{{m.role}}"),
                     CHAT_CHATML);
    assert_int_equal(chat_format_detect("{{ bos_token }}<|start_header_id|>system"), CHAT_LLAMA3);
    assert_int_equal(chat_format_detect("{{ '[INST] ' + content + ' [/INST]' }}"), CHAT_MISTRAL);
    assert_int_equal(chat_format_detect("<start_of_turn>user\n"), CHAT_GEMMA);
    assert_int_equal(chat_format_detect("something else entirely"), CHAT_CHATML);
    assert_int_equal(chat_format_from_name("llama3"), CHAT_LLAMA3);
    assert_int_equal(chat_format_from_name("llama2"), CHAT_MISTRAL);
    assert_int_equal(chat_format_from_name("jinja"), -1);
    assert_string_equal(chat_format_name(CHAT_GEMMA), "gemma");
}

static void check(chat_format f, const char *want)
{
    char *got = chat_render(f, convo, 4);
    assert_string_equal(got, want);
    free(got);
}

static void renders(void **state)
{
    (void)state;
    check(CHAT_CHATML, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                       "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nName?<|im_end|>\n"
                       "<|im_start|>assistant\n");
    check(CHAT_LLAMA3,
          "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
          "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>"
          "<|start_header_id|>user<|end_header_id|>\n\nName?<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n");
    check(CHAT_MISTRAL, "[INST] Be brief.\n\nHi [/INST]Hello.</s>[INST] Name? [/INST]");
    check(CHAT_GEMMA, "<start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n"
                      "<start_of_turn>model\nHello.<end_of_turn>\n"
                      "<start_of_turn>user\nName?<end_of_turn>\n<start_of_turn>model\n");
}

static void system_only(void **state)
{
    (void)state;
    chat_message only[] = {{"system", "S"}};
    char *m = chat_render(CHAT_MISTRAL, only, 1);
    assert_string_equal(m, "[INST] S [/INST]");
    free(m);
    char *g = chat_render(CHAT_GEMMA, only, 1);
    assert_string_equal(g, "<start_of_turn>user\nS<end_of_turn>\n<start_of_turn>model\n");
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects),
        cmocka_unit_test(renders),
        cmocka_unit_test(system_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
