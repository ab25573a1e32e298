/* OpenAI-style error objects: {"error":{"message","type","param","code"}}
 * with the HTTP status they go out with. */
#ifndef INFRAC_SERVER_API_ERROR_H
#define INFRAC_SERVER_API_ERROR_H

#include <stdbool.h>

typedef struct api_error {
    int status;          /* HTTP status */
    const char *type;    /* invalid_request_error, authentication_error, ... */
    const char *param;   /* offending field, or NULL */
    const char *code;    /* machine-readable code, or NULL */
    char message[512];
    char param_text[128]; /* a param that is the client's own text (an unknown
                             field's name), used when param is NULL */
} api_error;

void api_error_set(api_error *e, int status, const char *type, const char *param, const char *code,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Shorthand for a 400 invalid_request_error about param. */
void api_error_invalid(api_error *e, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The JSON body (caller frees). */
char *api_error_json(const api_error *e);

#endif
