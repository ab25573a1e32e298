#include "gguf_write.h"

#include "ggml_types.h"
#include "gguf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer. */
typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u32(bytes *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(bytes *b, uint64_t v) { put(b, &v, 8); }
static void put_strn(bytes *b, const char *s, size_t n)
{
    put_u64(b, n);
    put(b, s, n);
}

typedef struct wtensor {
    char *name;
    uint32_t type, n_dims;
    uint64_t ne[GGUF_MAX_DIMS];
    uint8_t *data;
    uint64_t nbytes, offset;
} wtensor;

struct gguf_writer {
    bytes kv;          /* serialized metadata entries */
    uint64_t n_kv;
    wtensor *tensors;
    uint64_t n_tensors, cap_tensors;
    uint64_t data_size;
    bool info_only;    /* a tensor was added without data: header-only writes */
};

gguf_writer *gguf_writer_new(void)
{
    return calloc(1, sizeof(gguf_writer));
}

void gguf_writer_free(gguf_writer *w)
{
    if (!w)
        return;
    free(w->kv.p);
    for (uint64_t i = 0; i < w->n_tensors; i++) {
        free(w->tensors[i].name);
        free(w->tensors[i].data);
    }
    free(w->tensors);
    free(w);
}

static bool kv_head(gguf_writer *w, const char *key, uint32_t type)
{
    put_strn(&w->kv, key, strlen(key));
    put_u32(&w->kv, type);
    w->n_kv++;
    return !w->kv.oom;
}

bool gguf_w_u32(gguf_writer *w, const char *key, uint32_t v)
{
    kv_head(w, key, GGUF_VT_U32);
    put_u32(&w->kv, v);
    return !w->kv.oom;
}

bool gguf_w_i32(gguf_writer *w, const char *key, int32_t v)
{
    kv_head(w, key, GGUF_VT_I32);
    put(&w->kv, &v, 4);
    return !w->kv.oom;
}

bool gguf_w_u64(gguf_writer *w, const char *key, uint64_t v)
{
    kv_head(w, key, GGUF_VT_U64);
    put_u64(&w->kv, v);
    return !w->kv.oom;
}

bool gguf_w_f32(gguf_writer *w, const char *key, float v)
{
    kv_head(w, key, GGUF_VT_F32);
    put(&w->kv, &v, 4);
    return !w->kv.oom;
}

bool gguf_w_bool(gguf_writer *w, const char *key, bool v)
{
    uint8_t b = v;
    kv_head(w, key, GGUF_VT_BOOL);
    put(&w->kv, &b, 1);
    return !w->kv.oom;
}

bool gguf_w_str(gguf_writer *w, const char *key, const char *v)
{
    kv_head(w, key, GGUF_VT_STRING);
    put_strn(&w->kv, v, strlen(v));
    return !w->kv.oom;
}

bool gguf_w_arr_str(gguf_writer *w, const char *key, const char *const *v, const size_t *lens, uint64_t n)
{
    kv_head(w, key, GGUF_VT_ARRAY);
    put_u32(&w->kv, GGUF_VT_STRING);
    put_u64(&w->kv, n);
    for (uint64_t i = 0; i < n; i++)
        put_strn(&w->kv, v[i], lens ? lens[i] : strlen(v[i]));
    return !w->kv.oom;
}

static bool arr_scalar(gguf_writer *w, const char *key, uint32_t type, const void *v, uint64_t n, size_t es)
{
    kv_head(w, key, GGUF_VT_ARRAY);
    put_u32(&w->kv, type);
    put_u64(&w->kv, n);
    put(&w->kv, v, n * es);
    return !w->kv.oom;
}

bool gguf_w_arr_f32(gguf_writer *w, const char *key, const float *v, uint64_t n)
{
    return arr_scalar(w, key, GGUF_VT_F32, v, n, 4);
}

bool gguf_w_arr_i32(gguf_writer *w, const char *key, const int32_t *v, uint64_t n)
{
    return arr_scalar(w, key, GGUF_VT_I32, v, n, 4);
}

bool gguf_w_arr_bool(gguf_writer *w, const char *key, const bool *v, uint64_t n)
{
    kv_head(w, key, GGUF_VT_ARRAY);
    put_u32(&w->kv, GGUF_VT_BOOL);
    put_u64(&w->kv, n);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t b = v[i];
        put(&w->kv, &b, 1);
    }
    return !w->kv.oom;
}

static bool add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                       const uint64_t *ne, const void *data, bool info_only);

bool gguf_w_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                   const uint64_t *ne, const void *data)
{
    return add_tensor(w, name, type, n_dims, ne, data, false);
}

bool gguf_w_tensor_info(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims, const uint64_t *ne)
{
    return add_tensor(w, name, type, n_dims, ne, NULL, true);
}

static bool add_tensor(gguf_writer *w, const char *name, uint32_t type, uint32_t n_dims,
                       const uint64_t *ne, const void *data, bool info_only)
{
    if (n_dims == 0 || n_dims > GGUF_MAX_DIMS)
        return false;
    uint64_t n = 1;
    for (uint32_t d = 0; d < n_dims; d++) {
        if (ne[d] == 0 || n > UINT64_MAX / ne[d])
            return false;
        n *= ne[d];
    }
    uint64_t row;
    if (!ggml_row_bytes(type, ne[0], &row))
        return false;
    uint64_t nbytes = row * (n / ne[0]);
    if (w->n_tensors == w->cap_tensors) {
        uint64_t cap = w->cap_tensors ? w->cap_tensors * 2 : 64;
        wtensor *t = realloc(w->tensors, cap * sizeof *t);
        if (!t)
            return false;
        w->tensors = t;
        w->cap_tensors = cap;
    }
    wtensor *t = &w->tensors[w->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    /* calloc for zeros: large blocks come from fresh pages, never touched. */
    t->data = nbytes && !info_only ? (data ? malloc(nbytes) : calloc(1, nbytes)) : NULL;
    if (!t->name || (nbytes && !info_only && !t->data)) {
        free(t->name);
        free(t->data);
        return false;
    }
    if (data)
        memcpy(t->data, data, nbytes);
    if (info_only)
        w->info_only = true;
    t->type = type;
    t->n_dims = n_dims;
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++)
        t->ne[d] = d < n_dims ? ne[d] : 1;
    t->nbytes = nbytes;
    t->offset = w->data_size;
    w->data_size += (nbytes + GGUF_DEFAULT_ALIGNMENT - 1) / GGUF_DEFAULT_ALIGNMENT * GGUF_DEFAULT_ALIGNMENT;
    w->n_tensors++;
    return true;
}

/* The header: magic, counts, metadata, tensor infos, padded to the
 * alignment. Empty (oom set) on allocation failure. */
static bytes header_bytes(const gguf_writer *w)
{
    bytes h = {0};
    put(&h, "GGUF", 4);
    put_u32(&h, 3);
    put_u64(&h, w->n_tensors);
    put_u64(&h, w->n_kv);
    put(&h, w->kv.p, w->kv.len);
    for (uint64_t i = 0; i < w->n_tensors; i++) {
        wtensor *t = &w->tensors[i];
        put_strn(&h, t->name, strlen(t->name));
        put_u32(&h, t->n_dims);
        for (uint32_t d = 0; d < t->n_dims; d++)
            put_u64(&h, t->ne[d]);
        put_u32(&h, t->type);
        put_u64(&h, t->offset);
    }
    static const uint8_t zeros[GGUF_DEFAULT_ALIGNMENT];
    put(&h, zeros, (GGUF_DEFAULT_ALIGNMENT - h.len % GGUF_DEFAULT_ALIGNMENT) % GGUF_DEFAULT_ALIGNMENT);
    if (w->kv.oom)
        h.oom = true;
    return h;
}

int gguf_writer_header(const gguf_writer *w, uint8_t **buf, size_t *len)
{
    bytes h = header_bytes(w);
    if (h.oom) {
        free(h.p);
        return -1;
    }
    *buf = h.p;
    *len = h.len;
    return 0;
}

int gguf_writer_write(gguf_writer *w, const char *path, bool header_only, char *err, size_t errlen)
{
    if (w->info_only && !header_only) {
        snprintf(err, errlen, "%s: tensors without data can only be written header-only", path);
        return -1;
    }
    bytes h = header_bytes(w);
    static const uint8_t zeros[GGUF_DEFAULT_ALIGNMENT];
    if (h.oom) {
        free(h.p);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        free(h.p);
        snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fwrite(h.p, 1, h.len, fp) == h.len;
    free(h.p);
    for (uint64_t i = 0; ok && !header_only && i < w->n_tensors; i++) {
        wtensor *t = &w->tensors[i];
        ok = fwrite(t->data, 1, t->nbytes, fp) == t->nbytes;
        uint64_t pad = (GGUF_DEFAULT_ALIGNMENT - t->nbytes % GGUF_DEFAULT_ALIGNMENT) % GGUF_DEFAULT_ALIGNMENT;
        if (ok && pad)
            ok = fwrite(zeros, 1, pad, fp) == pad;
    }
    if (fclose(fp) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
