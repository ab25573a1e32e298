/* Test models for the engine's unit tests (test_engine_model.c,
 * test_engine_moe.c): made by infrac-mkmodel in a temporary directory and
 * read into memory, so tests can patch weights and headers in place. */
#ifndef INFRAC_TESTS_ENGINE_SUPPORT_H
#define INFRAC_TESTS_ENGINE_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "gguf.h"

typedef struct loaded {
    uint8_t *buf;
    size_t size;
    gguf_file f;
} loaded;

/* The temporary directory the models are written to (cmocka group setup
 * and teardown make and remove it). */
extern char engine_tmpdir[64];
int engine_tests_setup(void **state);
int engine_tests_teardown(void **state);

/* Makes a model with infrac-mkmodel ARGS and reads it into memory. */
void make_model(loaded *L, const char *name, const char *args);
/* A model over L's bytes (L keeps its own parse to patch by); NULL with
 * the loader's message. */
ie_model *model_of(loaded *L, char *err, size_t n);
void unload(loaded *L);
/* The bytes of a tensor / of its header (u32 n_dims, u64 ne[n_dims], u32 type). */
uint8_t *tensor_bytes(loaded *L, const char *name);
uint8_t *tensor_header(loaded *L, const char *name);
/* Fails unless loading L is refused with a message containing needle. */
void expect_refusal(loaded *L, const char *needle);

/* A context of 64 cells, 2 threads. */
ie_context *context(ie_model *m, uint32_t ck, uint32_t cv, uint32_t batch);
/* Logits after the tokens, in one batch or token by token (malloc'ed). */
float *run_tokens(ie_model *m, uint32_t ck, uint32_t cv, bool one_by_one, const int32_t *toks, uint32_t np);
double max_diff(const float *a, const float *b, uint32_t n);

#endif
