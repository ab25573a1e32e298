/* A Jinja subset for chat templates (the GGUF's tokenizer.chat_template):
 * the language of https://jinja.palletsprojects.com/en/stable/templates/ as
 * Hugging Face transformers runs it for apply_chat_template (trim_blocks,
 * lstrip_blocks, loop controls, tojson without ASCII escaping,
 * raise_exception and strftime_now). Debian packages no C Jinja library, so
 * this one covers what the templates of the models infrac serves use:
 * statements for/if/elif/else/set (also block set and namespace() attributes)/
 * macro/break/continue; expressions with Python's operators, slices, the
 * string, dict and list methods templates call, and the filters and tests
 * listed in docs/engine-api.md. Anything else is refused when the template
 * is compiled, naming the construct and its line. */
#ifndef INFRAC_SERVER_JINJA_H
#define INFRAC_SERVER_JINJA_H

#include <stddef.h>
#include <time.h>

struct json_t;
typedef struct jinja_template jinja_template;

/* NULL with err ("line N: ...") when the source uses what is not supported
 * or is not valid Jinja. */
jinja_template *jinja_compile(const char *source, char *err, size_t errlen);
void jinja_free(jinja_template *t);

/* Renders with the variables of the JSON object vars (messages, tools,
 * add_generation_prompt, bos_token, ...). now is what strftime_now formats
 * (local time). Returns the text (caller frees; *len: its bytes, which may
 * include NUL bytes from the variables' strings), or NULL with err: a
 * raise_exception message, or what went wrong and on which line. */
char *jinja_render(const jinja_template *t, struct json_t *vars, time_t now, size_t *len,
                   char *err, size_t errlen);

#endif
