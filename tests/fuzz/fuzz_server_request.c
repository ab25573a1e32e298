/* libFuzzer: any request body through the server's parsing (chat and
 * completion), chat rendering in every format, the error JSON, and the
 * streaming text path (UTF-8 repair and stop sequences). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/api_error.h"
#include "server/chat_template.h"
#include "server/request.h"
#include "server/text_stream.h"
#include "server/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    for (int kind = 0; kind < 2; kind++) {
        gen_request r;
        api_error e;
        if (!gen_request_parse(&r, kind ? REQUEST_COMPLETION : REQUEST_CHAT, body, size, &e)) {
            free(api_error_json(&e));
            continue;
        }
        for (int f = CHAT_CHATML; f <= CHAT_GEMMA && r.n_messages; f++)
            free(chat_render((chat_format)f, r.messages, r.n_messages));
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
