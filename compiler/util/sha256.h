/* SHA-256 as lowercase hex (OpenSSL's EVP interface): the fleet file's hash in
 * the plan and the SARIF results' partial fingerprints. */
#ifndef INFRAC_SHA256_H
#define INFRAC_SHA256_H

#include <stddef.h>

/* Writes 64 hex digits and a NUL to out; -1 if the digest fails. */
int sha256_hex(const void *data, size_t len, char out[65]);

#endif
