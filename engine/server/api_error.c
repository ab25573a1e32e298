#include "api_error.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

void api_error_set(api_error *e, int status, const char *type, const char *param, const char *code,
                   const char *fmt, ...)
{
    e->status = status;
    e->type = type;
    e->param = param;
    e->code = code;
    e->param_text[0] = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

void api_error_invalid(api_error *e, const char *param, const char *fmt, ...)
{
    e->status = 400;
    e->type = "invalid_request_error";
    e->param = param;
    e->code = NULL;
    e->param_text[0] = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
}

static json_t *string_or_null(const char *s) { return s ? json_string(s) : json_null(); }

char *api_error_json(const api_error *e)
{
    /* The message may quote client bytes cut at any point: keep it valid. */
    strbuf msg = {0};
    utf8_sanitize(e->message, strlen(e->message), true, &msg);
    strbuf param = {0};
    if (!e->param && e->param_text[0])
        utf8_sanitize(e->param_text, strnlen(e->param_text, sizeof e->param_text), true, &param);
    json_t *inner = json_pack("{s:o, s:s, s:o, s:o}", "message", json_string(msg.p ? msg.p : ""),
                              "type", e->type ? e->type : "server_error", "param",
                              string_or_null(e->param ? e->param : param.p), "code",
                              string_or_null(e->code));
    sb_free(&msg);
    sb_free(&param);
    json_t *root = json_pack("{s:o}", "error", inner);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}
