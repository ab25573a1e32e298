#include "chat_template.h"

#include <string.h>

#include "strbuf.h"

static const char *const names[] = {"chatml", "llama3", "mistral", "gemma"};

int chat_format_from_name(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    if (strcmp(name, "llama2") == 0)
        return CHAT_MISTRAL;
    return -1;
}

const char *chat_format_name(chat_format f) { return names[f]; }

chat_format chat_format_detect(const char *t)
{
    if (!t)
        return CHAT_CHATML;
    if (strstr(t, "<|im_start|>"))
        return CHAT_CHATML;
    if (strstr(t, "<|start_header_id|>"))
        return CHAT_LLAMA3;
    if (strstr(t, "<start_of_turn>"))
        return CHAT_GEMMA;
    if (strstr(t, "[INST]"))
        return CHAT_MISTRAL;
    return CHAT_CHATML;
}

static void render_chatml(strbuf *b, const chat_message *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "<|im_start|>%s\n%s<|im_end|>\n", m[i].role, m[i].content);
    sb_puts(b, "<|im_start|>assistant\n");
}

static void render_llama3(strbuf *b, const chat_message *m, size_t n)
{
    /* BOS comes from the tokenizer (add_bos), not from the text. */
    for (size_t i = 0; i < n; i++)
        sb_printf(b, "<|start_header_id|>%s<|end_header_id|>\n\n%s<|eot_id|>", m[i].role,
                  m[i].content);
    sb_puts(b, "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

/* Mistral and Gemma have no system turn: system text leads the next user
 * turn, separated by a blank line. */
static void render_mistral(strbuf *b, const chat_message *m, size_t n)
{
    strbuf system = {0};
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].role, "system") == 0) {
            if (system.len)
                sb_puts(&system, "\n\n");
            sb_puts(&system, m[i].content);
        } else if (strcmp(m[i].role, "user") == 0) {
            sb_puts(b, "[INST] ");
            if (system.len) {
                sb_printf(b, "%s\n\n", system.p);
                sb_clear(&system);
            }
            sb_printf(b, "%s [/INST]", m[i].content);
        } else {
            sb_printf(b, "%s</s>", m[i].content);
        }
    }
    if (system.len) /* system text with no user turn after it */
        sb_printf(b, "[INST] %s [/INST]", system.p);
    sb_free(&system);
}

static void render_gemma(strbuf *b, const chat_message *m, size_t n)
{
    strbuf system = {0};
    for (size_t i = 0; i < n; i++) {
        if (strcmp(m[i].role, "system") == 0) {
            if (system.len)
                sb_puts(&system, "\n\n");
            sb_puts(&system, m[i].content);
            continue;
        }
        bool user = strcmp(m[i].role, "user") == 0;
        sb_printf(b, "<start_of_turn>%s\n", user ? "user" : "model");
        if (user && system.len) {
            sb_printf(b, "%s\n\n", system.p);
            sb_clear(&system);
        }
        sb_printf(b, "%s<end_of_turn>\n", m[i].content);
    }
    if (system.len)
        sb_printf(b, "<start_of_turn>user\n%s<end_of_turn>\n", system.p);
    sb_free(&system);
    sb_puts(b, "<start_of_turn>model\n");
}

char *chat_render(chat_format f, const chat_message *msgs, size_t n)
{
    strbuf b = {0};
    switch (f) {
    case CHAT_CHATML: render_chatml(&b, msgs, n); break;
    case CHAT_LLAMA3: render_llama3(&b, msgs, n); break;
    case CHAT_MISTRAL: render_mistral(&b, msgs, n); break;
    case CHAT_GEMMA: render_gemma(&b, msgs, n); break;
    }
    return sb_steal(&b);
}
