/* Parsing and validation of generation requests (/v1/chat/completions and
 * /v1/completions) into plain structs; no engine needed. */
#ifndef INFRAC_SERVER_REQUEST_H
#define INFRAC_SERVER_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_error.h"

#define REQUEST_MAX_STOP 4

typedef enum request_kind { REQUEST_CHAT, REQUEST_COMPLETION } request_kind;

typedef struct chat_message {
    char *role;    /* system, user, assistant or tool ("developer" is read as system) */
    char *content; /* text parts joined ("" for an assistant turn of tool calls only) */
} chat_message;

typedef enum tool_choice {
    TOOL_CHOICE_AUTO,     /* the model may call tools (the default with tools) */
    TOOL_CHOICE_NONE,     /* no calls: the tools are not shown to the template */
    TOOL_CHOICE_REQUIRED, /* exactly one call of any tool, by constrained decoding */
    TOOL_CHOICE_NAMED,    /* exactly one call of tool_choice_name */
} tool_choice;

typedef struct gen_request {
    request_kind kind;
    char *model;             /* NULL when the client sent none */
    chat_message *messages;  /* chat */
    size_t n_messages;
    char *prompt;            /* completion given as text */
    size_t prompt_len;       /* its bytes: it may hold U+0000 */
    int32_t *prompt_tokens;  /* completion given as token ids */
    size_t n_prompt_tokens;
    int64_t max_tokens;      /* -1 = as many as the context allows */
    const char *max_tokens_key; /* the field it came from, for errors */
    double temperature;      /* default 1 */
    double top_p;            /* default 1 */
    int32_t top_k;           /* extension, default 0 = off */
    double min_p;            /* extension, default 0 = off */
    double repeat_penalty;   /* extension, default 1 = off */
    double presence_penalty; /* default 0 = off */
    double frequency_penalty; /* default 0 = off */
    bool has_seed;
    uint64_t seed;
    char *stop[REQUEST_MAX_STOP];
    size_t n_stop;
    bool stream;
    bool include_usage;
    bool echo;               /* completions: the prompt leads the returned text */
    bool logprobs;           /* chat logprobs: true; completions logprobs: N given */
    uint32_t top_logprobs;   /* chat top_logprobs; completions logprobs N */
    bool json_object;        /* chat response_format {"type":"json_object"} */
    struct schema_grammar *schema; /* chat response_format {"type":"json_schema"} */
    /* chat: the messages as the chat template reads them (role, content,
     * tool_calls with parsed arguments, tool_call_id, name): a json array */
    struct json_t *template_messages;
    struct json_t *tools;    /* the request's tools (json array), NULL = none */
    char **tool_names;       /* tools[i].function.name */
    bool *tool_strict;       /* tools[i].function.strict: its parameters schema is enforced */
    bool any_strict;
    size_t n_tools;
    tool_choice tool_choice;
    char *tool_choice_name;  /* TOOL_CHOICE_NAMED */
    bool parallel_tool_calls; /* default true */
    int reasoning_format;     /* llama-server's per-request field (reasoning.h); -1 = the server's */
} gen_request;

/* Parses body (len bytes, any content). On failure fills err (4xx) and
 * returns false; r is then freed already. */
bool gen_request_parse(gen_request *r, request_kind kind, const char *body, size_t len,
                       api_error *err);
/* The same from a parsed request object (not taken over). */
struct json_t;
bool gen_request_parse_json(gen_request *r, request_kind kind, struct json_t *root,
                            api_error *err);
void gen_request_free(gen_request *r);

/* Parses a JSON object body shared by all POST endpoints: checks UTF-8 and
 * syntax; NULL with err set. */
struct json_t;
struct json_t *request_parse_object(const char *body, size_t len, api_error *err);

#endif
