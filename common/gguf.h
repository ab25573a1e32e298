/* The one GGUF reader, shared by the compiler (memory estimates) and the
 * engine (weights). Every length, count and offset is checked against the
 * bytes actually present: a truncated or hostile file is refused with a
 * message naming what is wrong. Header-only copies (the file cut where the
 * tensor data would start) parse fine; has_data tells whether the weights
 * are there. */
#ifndef INFRAC_GGUF_H
#define INFRAC_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gguf_value_type {
    GGUF_VT_U8 = 0, GGUF_VT_I8 = 1, GGUF_VT_U16 = 2, GGUF_VT_I16 = 3,
    GGUF_VT_U32 = 4, GGUF_VT_I32 = 5, GGUF_VT_F32 = 6, GGUF_VT_BOOL = 7,
    GGUF_VT_STRING = 8, GGUF_VT_ARRAY = 9, GGUF_VT_U64 = 10, GGUF_VT_I64 = 11,
    GGUF_VT_F64 = 12
};

#define GGUF_MAX_DIMS 4
#define GGUF_MAX_TENSOR_NAME 64
#define GGUF_DEFAULT_ALIGNMENT 32

/* A string inside the file: not NUL-terminated. */
typedef struct gguf_str {
    const char *ptr;
    uint64_t len;
} gguf_str;

typedef struct gguf_kv {
    gguf_str key;
    uint32_t type;        /* enum gguf_value_type */
    uint32_t elem_type;   /* arrays: element type; otherwise = type */
    uint64_t count;       /* arrays: element count; otherwise 1 */
    const uint8_t *data;  /* scalars: the value; strings: the bytes; arrays: first element */
    uint64_t nbytes;      /* bytes at data (strings: their length) */
} gguf_kv;

typedef struct gguf_tensor {
    gguf_str name;
    uint32_t n_dims;
    uint64_t ne[GGUF_MAX_DIMS]; /* ne[0] is contiguous; unused dims are 1 */
    uint32_t type;              /* enum ggml_type_id */
    uint64_t offset;            /* relative to the data section */
    uint64_t n_elems;
    uint64_t nbytes;
} gguf_tensor;

typedef struct gguf_file {
    const uint8_t *base;  /* the whole file (mmapped or caller's buffer) */
    uint64_t size;
    uint32_t version;
    uint64_t n_kv;
    gguf_kv *kv;
    uint64_t n_tensors;
    gguf_tensor *tensors;
    uint32_t alignment;
    uint64_t data_offset; /* absolute offset of the data section */
    uint64_t data_size;   /* bytes the tensors need from data_offset on */
    bool has_data;        /* all tensor bytes are inside the file */
    bool mapped;          /* base is our mmap (gguf_close unmaps it) */
} gguf_file;

/* Opens and parses a file (mmap, read-only). Returns 0, or -1 with a
 * message in err ("FILE: truncated at byte 123 while reading ..."). */
int gguf_open(gguf_file *f, const char *path, char *err, size_t errlen);
/* Parses a buffer that must outlive f. Same result convention. */
int gguf_parse(gguf_file *f, const void *buf, size_t size, char *err, size_t errlen);
void gguf_close(gguf_file *f);

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key);
/* Scalars. Integer getters accept any integer type whose value fits (and
 * bool); the float getter also accepts integers. False when absent or of
 * another kind. */
bool gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out);
bool gguf_get_i64(const gguf_file *f, const char *key, int64_t *out);
bool gguf_get_f64(const gguf_file *f, const char *key, double *out);
bool gguf_get_bool(const gguf_file *f, const char *key, bool *out);
bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out);
/* "{arch}.{suffix}", e.g. gguf_get_arch_u64(f, "llama", "block_count", &n). */
bool gguf_get_arch_u64(const gguf_file *f, const char *arch, const char *suffix, uint64_t *out);
bool gguf_get_arch_f64(const gguf_file *f, const char *arch, const char *suffix, double *out);

/* Arrays. gguf_get_array returns the kv of an array key (NULL otherwise). */
const gguf_kv *gguf_get_array(const gguf_file *f, const char *key);
/* Element i of a numeric or bool array, converted. False when out of range
 * or not convertible. */
bool gguf_array_i64(const gguf_kv *kv, uint64_t i, int64_t *out);
bool gguf_array_f64(const gguf_kv *kv, uint64_t i, double *out);
/* All strings of a string array, in order; malloc'ed (free it). NULL when
 * kv is not a string array or allocation fails. */
gguf_str *gguf_array_strings(const gguf_kv *kv);

const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name);
/* The tensor's bytes, or NULL when they are not in the file (header-only). */
const void *gguf_tensor_data(const gguf_file *f, const gguf_tensor *t);

bool gguf_str_eq(gguf_str s, const char *cstr);
/* NUL-terminated copy (malloc'ed). */
char *gguf_str_dup(gguf_str s);
const char *gguf_value_type_name(uint32_t type);

#endif
