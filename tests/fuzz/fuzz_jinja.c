/* libFuzzer: any bytes as a chat template: compiled, and when it compiles
 * rendered with a conversation holding tools and tool calls. Bad templates
 * are refused by name; none crashes, leaks or runs without bound. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/jinja.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = 0;
    char err[512];
    jinja_template *t = jinja_compile(src, err, sizeof err);
    if (t) {
        json_t *vars = json_loads(
            "{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":"
            "\"u\"},{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"id\":\"a\",\"type\":"
            "\"function\",\"function\":{\"name\":\"f\",\"arguments\":{\"x\":1}}}]},{\"role\":\"tool\","
            "\"tool_call_id\":\"a\",\"content\":\"r\"}],\"tools\":[{\"type\":\"function\",\"function\":"
            "{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],\"add_generation_prompt\":true,"
            "\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}",
            0, NULL);
        size_t len;
        free(jinja_render(t, vars, 0, &len, err, sizeof err));
        json_decref(vars);
        jinja_free(t);
    }
    free(src);
    return 0;
}
