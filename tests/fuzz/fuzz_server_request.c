/* libFuzzer: any request body through the server's parsing (chat,
 * completion and /v1/responses, with its response object), chat rendering in every built-in format, the error JSON,
 * the streaming text path (UTF-8 repair and stop sequences) and the tool
 * call splitter of every syntax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_error.h"
#include "server/chat_template.h"
#include "server/request.h"
#include "server/responses_reply.h"
#include "server/responses_request.h"
#include "server/text_stream.h"
#include "server/tool_calls.h"
#include "server/utf8.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    responses_request rr;
    api_error re;
    if (responses_request_parse(&rr, body, size, &re)) {
        responses_meta m;
        responses_meta_init(&m, "fuzz", rr.echo);
        responses_usage u = {1, 0, 1};
        json_decref(responses_object(&m, "length", "x", 1, &u, NULL));
        responses_request_free(&rr);
    } else
        free(api_error_json(&re));
    for (int kind = 0; kind < 2; kind++) {
        gen_request r;
        api_error e;
        if (!gen_request_parse(&r, kind ? REQUEST_COMPLETION : REQUEST_CHAT, body, size, &e)) {
            free(api_error_json(&e));
            continue;
        }
        for (int f = CHAT_CHATML; f <= CHAT_GEMMA && r.n_messages; f++) {
            char err[512];
            chat_prompt *p = chat_prompt_compile(chat_format_source((chat_format)f), "fuzz",
                                                 "<s>", "</s>", f == CHAT_LLAMA3, err, sizeof err);
            if (!p)
                abort(); /* the built-in formats always compile */
            size_t len;
            free(chat_prompt_render(p, r.template_messages, r.tools, &len, err, sizeof err));
            chat_prompt_free(p);
        }
        for (int s = TOOL_SYNTAX_HERMES; s <= TOOL_SYNTAX_MISTRAL; s++) {
            tool_parser tp;
            tool_parser_init(&tp, (tool_syntax)s);
            strbuf content = {0};
            json_t *calls = json_array();
            for (size_t i = 0; i < size; i += 5)
                tool_parser_feed(&tp, body + i, size - i < 5 ? size - i : 5, &content, calls);
            tool_parser_finish(&tp, &content, calls);
            tool_parser_free(&tp);
            sb_free(&content);
            json_decref(calls);
        }
        /* The body's bytes as model output, split into 3-byte pieces. */
        text_stream t;
        text_stream_init(&t, r.stop, r.n_stop);
        strbuf out = {0};
        for (size_t i = 0; i < size && !t.stopped; i += 3)
            text_stream_feed(&t, body + i, size - i < 3 ? size - i : 3, &out);
        text_stream_finish(&t, &out);
        if (!utf8_valid(out.p ? out.p : "", out.len))
            abort();
        text_stream_free(&t);
        sb_free(&out);
        gen_request_free(&r);
    }
    return 0;
}
