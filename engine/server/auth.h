/* API key: read from a file (or systemd's credentials directory) and
 * checked against "Authorization: Bearer <key>" in constant time. */
#ifndef INFRAC_SERVER_AUTH_H
#define INFRAC_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* The key in path, trailing whitespace removed; when $CREDENTIALS_DIRECTORY
 * is set the file is read from there by its basename (LoadCredential=).
 * NULL with a message for an unreadable or empty file. */
char *auth_read_key_file(const char *path, char *err, size_t errlen);
/* Compares all of both strings whatever they hold. */
bool auth_equal(const char *a, size_t an, const char *b, size_t bn);
/* True when the header value is "Bearer <key>". */
bool auth_check_bearer(const char *key, const char *authorization);

#endif
