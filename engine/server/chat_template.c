#include "chat_template.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jinja.h"
#include "reasoning.h"
#include "strbuf.h"
#include "tokenize_util.h"

static const char *const names[] = {"chatml", "llama3", "mistral", "gemma"};

#define NO_TOOLS(fmt)                                                                             \
    "{%- if tools -%}{{- raise_exception('the built-in " fmt " format has no tool calling: serve "  \
    "the model with its own chat template') -}}{%- endif -%}"
#define NO_TOOL_MESSAGES(fmt)                                                                     \
    "{%- if m.role == 'tool' or m.tool_calls -%}{{- raise_exception('the built-in " fmt            \
    " format has no tool calling: serve the model with its own chat template') -}}{%- endif -%}"

/* ChatML with tools in the Hermes convention (function signatures in
 * <tools>, calls in <tool_call>, results in <tool_response>) that Qwen's and
 * NousResearch's templates use. */
static const char chatml_source[] =
    "{%- if tools -%}"
    "{{- '<|im_start|>system\\n' -}}"
    "{%- if messages[0].role == 'system' -%}{{- messages[0].content + '\\n\\n' -}}{%- endif -%}"
    "{{- '# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>' -}}"
    "{%- for tool in tools -%}{{- '\\n' + tool | tojson -}}{%- endfor -%}"
    "{{- '\\n</tools>\\n\\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\"name\": "
    "<function-name>, \"arguments\": <args-json-object>}\\n</tool_call><|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- for m in messages -%}"
    "{%- if m.role == 'system' and tools and loop.first -%}"
    "{%- elif m.role == 'tool' -%}"
    "{%- if loop.first or messages[loop.index0 - 1].role != 'tool' -%}"
    "{{- '<|im_start|>user' -}}{%- endif -%}"
    "{{- '\\n<tool_response>\\n' + m.content + '\\n</tool_response>' -}}"
    "{%- if loop.last or messages[loop.index0 + 1].role != 'tool' -%}"
    "{{- '<|im_end|>\\n' -}}{%- endif -%}"
    "{%- else -%}"
    "{{- '<|im_start|>' + m.role + '\\n' + m.content -}}"
    "{%- for tc in m.tool_calls or [] -%}"
    "{{- ('\\n' if m.content or not loop.first else '') + '<tool_call>\\n{\"name\": \"' + "
    "tc.function.name + '\", \"arguments\": ' + tc.function.arguments | tojson + "
    "'}\\n</tool_call>' -}}"
    "{%- endfor -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

/* BOS comes from the tokenizer (add_bos), not from the text. */
static const char llama3_source[] =
    NO_TOOLS("llama3")
    "{%- for m in messages -%}" NO_TOOL_MESSAGES("llama3")
    "{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content + '<|eot_id|>' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}";

/* Mistral and Gemma have no system turn: system text leads the next user
 * turn, separated by a blank line. */
static const char mistral_source[] =
    NO_TOOLS("mistral")
    "{%- set ns = namespace(system='') -%}"
    "{%- for m in messages -%}" NO_TOOL_MESSAGES("mistral")
    "{%- if m.role == 'system' -%}"
    "{%- set ns.system = ns.system + ('\\n\\n' if ns.system else '') + m.content -%}"
    "{%- elif m.role == 'user' -%}"
    "{{- '[INST] ' + (ns.system + '\\n\\n' if ns.system else '') + m.content + ' [/INST]' -}}"
    "{%- set ns.system = '' -%}"
    "{%- else -%}{{- m.content + '</s>' -}}{%- endif -%}"
    "{%- endfor -%}"
    "{%- if ns.system -%}{{- '[INST] ' + ns.system + ' [/INST]' -}}{%- endif -%}";

static const char gemma_source[] =
    NO_TOOLS("gemma")
    "{%- set ns = namespace(system='') -%}"
    "{%- for m in messages -%}" NO_TOOL_MESSAGES("gemma")
    "{%- if m.role == 'system' -%}"
    "{%- set ns.system = ns.system + ('\\n\\n' if ns.system else '') + m.content -%}"
    "{%- else -%}"
    "{{- '<start_of_turn>' + ('user' if m.role == 'user' else 'model') + '\\n' -}}"
    "{%- if m.role == 'user' and ns.system -%}"
    "{{- ns.system + '\\n\\n' -}}{%- set ns.system = '' -%}{%- endif -%}"
    "{{- m.content + '<end_of_turn>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if ns.system -%}{{- '<start_of_turn>user\\n' + ns.system + '<end_of_turn>\\n' -}}"
    "{%- endif -%}"
    "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}";

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

const char *chat_format_source(chat_format f)
{
    static const char *const sources[] = {chatml_source, llama3_source, mistral_source,
                                          gemma_source};
    return sources[f];
}

struct chat_prompt {
    jinja_template *t;
    char *origin, *bos, *eos;
    bool add_bos;
    tool_syntax syntax;
    const char *think_open, *think_close; /* NULL: the template teaches no thinking tags */
};

chat_prompt *chat_prompt_compile(const char *source, const char *origin, const char *bos,
                                 const char *eos, bool add_bos, char *err, size_t errlen)
{
    char why[400];
    jinja_template *t = jinja_compile(source, why, sizeof why);
    if (!t) {
        snprintf(err, errlen, "%s cannot be used: %s", origin, why);
        return NULL;
    }
    chat_prompt *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    p->t = t;
    p->origin = strdup(origin);
    p->bos = strdup(bos ? bos : "");
    p->eos = strdup(eos ? eos : "");
    p->add_bos = add_bos;
    p->syntax = tool_syntax_detect(source);
    if (!reasoning_tags_detect(source, &p->think_open, &p->think_close))
        p->think_open = p->think_close = NULL;
    if (!p->origin || !p->bos || !p->eos)
        abort();
    return p;
}

static char *token_text(const ie_vocab *v, int32_t id)
{
    strbuf b = {0};
    if (id >= 0)
        token_piece(v, id, true, &b);
    if (!b.p)
        sb_puts(&b, "");
    return sb_steal(&b);
}

chat_prompt *chat_prompt_for_vocab(const ie_vocab *v, const char *name, char *err, size_t errlen)
{
    const char *source, *origin;
    char origin_buf[64];
    int f = name ? chat_format_from_name(name) : -1;
    if (f >= 0) {
        snprintf(origin_buf, sizeof origin_buf, "the built-in %s format", names[f]);
        source = chat_format_source((chat_format)f);
        origin = origin_buf;
    } else if (ie_vocab_chat_template(v)) {
        source = ie_vocab_chat_template(v);
        origin = "the GGUF's tokenizer.chat_template";
    } else {
        source = chatml_source;
        origin = "the built-in chatml format (the GGUF has no tokenizer.chat_template)";
    }
    char *bos = token_text(v, ie_vocab_bos(v)), *eos = token_text(v, ie_vocab_eos(v));
    chat_prompt *p = chat_prompt_compile(source, origin, bos, eos, ie_vocab_add_bos(v), err, errlen);
    free(bos);
    free(eos);
    return p;
}

void chat_prompt_free(chat_prompt *p)
{
    if (!p)
        return;
    jinja_free(p->t);
    free(p->origin);
    free(p->bos);
    free(p->eos);
    free(p);
}

const char *chat_prompt_origin(const chat_prompt *p) { return p->origin; }
tool_syntax chat_prompt_tool_syntax(const chat_prompt *p) { return p->syntax; }

bool chat_prompt_think_tags(const chat_prompt *p, const char **open, const char **close)
{
    *open = p->think_open, *close = p->think_close;
    return p->think_open != NULL;
}

/* gpt-oss's template reads an assistant turn's reasoning as `thinking` and
 * refuses content beside it on a turn of calls; llama.cpp
 * (common/parsers/gpt-oss.cpp) copies reasoning_content there and drops that
 * content, and so does this. */
static json_t *harmony_messages(json_t *messages)
{
    json_t *out = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(messages, i, m)
    {
        json_t *r = json_object_get(m, "reasoning_content");
        if (!json_is_string(r)) {
            json_array_append(out, m);
            continue;
        }
        json_t *c = json_copy(m);
        json_object_set(c, "thinking", r);
        if (json_array_size(json_object_get(m, "tool_calls")))
            json_object_del(c, "content");
        json_array_append_new(out, c);
    }
    return out;
}

char *chat_prompt_render(const chat_prompt *p, json_t *messages, json_t *tools, size_t *len,
                         char *err, size_t errlen)
{
    json_t *msgs = p->syntax == TOOL_SYNTAX_HARMONY ? harmony_messages(messages) : json_incref(messages);
    json_t *vars = json_pack("{s:o, s:b, s:s, s:s}", "messages", msgs, "add_generation_prompt",
                             1, "bos_token", p->bos, "eos_token", p->eos);
    if (!vars)
        abort();
    if (tools)
        json_object_set(vars, "tools", tools);
    char *text = jinja_render(p->t, vars, time(NULL), len, err, errlen);
    json_decref(vars);
    size_t n = strlen(p->bos);
    if (text && p->add_bos && n && *len >= n && memcmp(text, p->bos, n) == 0) {
        memmove(text, text + n, *len - n + 1);
        *len -= n;
    }
    return text;
}
