/* Writes GGUF v3 files: metadata and tensors collected in memory, then
 * written in one go (tensor data copied at add time). Used by the test
 * model maker and by tests that need a crafted file. */
#ifndef INFRAC_GGUF_WRITE_H
#define INFRAC_GGUF_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gguf_writer gguf_writer;

gguf_writer *gguf_writer_new(void);
void gguf_writer_free(gguf_writer *w);

/* Metadata, in the order added. Return false on allocation failure. */
bool gguf_w_u32(gguf_writer *w, const char *key, uint32_t v);
bool gguf_w_i32(gguf_writer *w, const char *key, int32_t v);
bool gguf_w_u64(gguf_writer *w, const char *key, uint64_t v);
bool gguf_w_f32(gguf_writer *w, const char *key, float v);
bool gguf_w_bool(gguf_writer *w, const char *key, bool v);
bool gguf_w_str(gguf_writer *w, const char *key, const char *v);
/* String array; lens may be NULL (then strlen is used). */
bool gguf_w_arr_str(gguf_writer *w, const char *key, const char *const *v, const size_t *lens, uint64_t n);
bool gguf_w_arr_f32(gguf_writer *w, const char *key, const float *v, uint64_t n);
bool gguf_w_arr_i32(gguf_writer *w, const char *key, const int32_t *v, uint64_t n);
bool gguf_w_arr_bool(gguf_writer *w, const char *key, const bool *v, uint64_t n);

/* A tensor of ggml type `type` with n_dims dims ne[] (ne[0] contiguous).
 * data holds the exact bytes (copied); NULL writes zeros. */
bool gguf_w_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                   const uint64_t *ne, const void *data);

/* A tensor's info only (no data held): such a writer can only produce a
 * header (gguf_writer_header, or gguf_writer_write with header_only). */
bool gguf_w_tensor_info(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne);

/* The header (up to where the tensor data would begin) in a malloc'ed
 * buffer. 0, or -1 on allocation failure. */
int gguf_writer_header(const gguf_writer *w, uint8_t **buf, size_t *len);

/* Writes the file (general.alignment 32). header_only stops where the
 * tensor data would begin. Returns 0, or -1 with a message in err. */
int gguf_writer_write(gguf_writer *w, const char *path, bool header_only, char *err, size_t errlen);

#endif
