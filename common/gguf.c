#include "gguf.h"
#include "file_kind.h"

#include "ggml_types.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A cursor over the file with a sticky error: every read checks the bytes
 * left, so no value is ever read past the end. */
typedef struct cursor {
    const uint8_t *base;
    uint64_t size;
    uint64_t pos;
    char *err;
    size_t errlen;
    bool failed;
} cursor;

static void failf(cursor *c, const char *fmt, ...)
{
    if (c->failed)
        return;
    c->failed = true;
    if (!c->err || c->errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
}

static bool need(cursor *c, uint64_t n, const char *what)
{
    if (c->failed)
        return false;
    if (n > c->size - c->pos) {
        failf(c, "truncated at byte %llu while reading %s (%llu bytes needed, %llu left)",
              (unsigned long long)c->pos, what, (unsigned long long)n,
              (unsigned long long)(c->size - c->pos));
        return false;
    }
    return true;
}

static uint32_t rd_u32(cursor *c, const char *what)
{
    uint32_t v = 0;
    if (need(c, 4, what)) {
        memcpy(&v, c->base + c->pos, 4);
        c->pos += 4;
    }
    return v;
}

static uint64_t rd_u64(cursor *c, const char *what)
{
    uint64_t v = 0;
    if (need(c, 8, what)) {
        memcpy(&v, c->base + c->pos, 8);
        c->pos += 8;
    }
    return v;
}

static gguf_str rd_str(cursor *c, const char *what)
{
    gguf_str s = {"", 0};
    uint64_t len = rd_u64(c, what);
    if (need(c, len, what)) {
        s.ptr = (const char *)c->base + c->pos;
        s.len = len;
        c->pos += len;
    }
    return s;
}

static uint64_t scalar_size(uint32_t type)
{
    switch (type) {
    case GGUF_VT_U8: case GGUF_VT_I8: case GGUF_VT_BOOL: return 1;
    case GGUF_VT_U16: case GGUF_VT_I16: return 2;
    case GGUF_VT_U32: case GGUF_VT_I32: case GGUF_VT_F32: return 4;
    case GGUF_VT_U64: case GGUF_VT_I64: case GGUF_VT_F64: return 8;
    default: return 0;
    }
}

const char *gguf_value_type_name(uint32_t type)
{
    static const char *names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
                                  "string", "array", "u64", "i64", "f64"};
    return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

static void parse_kv(cursor *c, gguf_kv *kv, uint64_t index)
{
    char what[64];
    snprintf(what, sizeof what, "key of metadata entry %llu", (unsigned long long)index);
    kv->key = rd_str(c, what);
    if (c->failed)
        return;
    if (kv->key.len == 0) {
        failf(c, "metadata entry %llu has an empty key", (unsigned long long)index);
        return;
    }
    kv->type = rd_u32(c, "metadata value type");
    kv->elem_type = kv->type;
    kv->count = 1;
    if (c->failed)
        return;
    if (kv->type == GGUF_VT_STRING) {
        gguf_str s = rd_str(c, "metadata string value");
        kv->data = (const uint8_t *)s.ptr;
        kv->nbytes = s.len;
        return;
    }
    if (kv->type == GGUF_VT_ARRAY) {
        kv->elem_type = rd_u32(c, "array element type");
        kv->count = rd_u64(c, "array length");
        if (c->failed)
            return;
        kv->data = c->base + c->pos;
        if (kv->elem_type == GGUF_VT_STRING) {
            /* Each element is at least its 8-byte length: bound the count first. */
            if (kv->count > (c->size - c->pos) / 8) {
                failf(c, "array '%.*s' claims %llu strings, more than the file can hold",
                      (int)(kv->key.len > 64 ? 64 : kv->key.len), kv->key.ptr,
                      (unsigned long long)kv->count);
                return;
            }
            for (uint64_t i = 0; i < kv->count && !c->failed; i++)
                rd_str(c, "string array element");
        } else {
            uint64_t es = scalar_size(kv->elem_type);
            if (es == 0) {
                failf(c, "array '%.*s' has element type %u, which GGUF does not allow in arrays",
                      (int)(kv->key.len > 64 ? 64 : kv->key.len), kv->key.ptr, kv->elem_type);
                return;
            }
            if (kv->count > (c->size - c->pos) / es) {
                failf(c, "array '%.*s' claims %llu elements, more than the file can hold",
                      (int)(kv->key.len > 64 ? 64 : kv->key.len), kv->key.ptr,
                      (unsigned long long)kv->count);
                return;
            }
            c->pos += kv->count * es;
        }
        kv->nbytes = (uint64_t)(c->base + c->pos - kv->data);
        return;
    }
    uint64_t size = scalar_size(kv->type);
    if (size == 0) {
        failf(c, "metadata '%.*s' has unknown value type %u",
              (int)(kv->key.len > 64 ? 64 : kv->key.len), kv->key.ptr, kv->type);
        return;
    }
    if (need(c, size, "metadata value")) {
        kv->data = c->base + c->pos;
        kv->nbytes = size;
        c->pos += size;
    }
}

static int cmp_str(const void *a, const void *b)
{
    const gguf_str *x = *(const gguf_str *const *)a, *y = *(const gguf_str *const *)b;
    uint64_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->ptr, y->ptr, n);
    if (r)
        return r;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Finds a duplicate among n strings reached through `stride`-spaced structs;
 * returns it or NULL. O(n log n), so huge hostile tables stay cheap. */
static const gguf_str *find_duplicate(const void *first, uint64_t n, size_t stride)
{
    if (n < 2)
        return NULL;
    const gguf_str **v = malloc(n * sizeof *v);
    if (!v)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        v[i] = (const gguf_str *)((const char *)first + i * stride);
    qsort(v, n, sizeof *v, cmp_str);
    const gguf_str *dup = NULL;
    for (uint64_t i = 1; i < n && !dup; i++)
        if (cmp_str(&v[i - 1], &v[i]) == 0)
            dup = v[i];
    free(v);
    return dup;
}

static int cmp_extent(const void *a, const void *b)
{
    const gguf_tensor *x = *(const gguf_tensor *const *)a, *y = *(const gguf_tensor *const *)b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

/* The first tensor whose bytes (as its type and shape size them) run into
 * the next tensor's; *next gets that one. A tensor retyped or reshaped in
 * the header without its data shows up here: its block count no longer
 * matches the bytes it was given. NULL when none overlap (or out of
 * memory: the bounds checks still hold). */
static const gguf_tensor *find_overlap(const gguf_tensor *t, uint64_t n, const gguf_tensor **next)
{
    if (n < 2)
        return NULL;
    const gguf_tensor **v = malloc(n * sizeof *v);
    if (!v)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        v[i] = &t[i];
    qsort(v, n, sizeof *v, cmp_extent);
    const gguf_tensor *bad = NULL;
    for (uint64_t i = 1; i < n && !bad; i++)
        if (v[i - 1]->offset + v[i - 1]->nbytes > v[i]->offset) {
            bad = v[i - 1];
            *next = v[i];
        }
    free(v);
    return bad;
}

static void parse_tensor(cursor *c, gguf_tensor *t, uint64_t index)
{
    char what[64];
    snprintf(what, sizeof what, "name of tensor %llu", (unsigned long long)index);
    t->name = rd_str(c, what);
    if (c->failed)
        return;
    if (t->name.len == 0 || t->name.len > GGUF_MAX_TENSOR_NAME) {
        failf(c, "tensor %llu has a name of %llu bytes (1 to %d allowed)",
              (unsigned long long)index, (unsigned long long)t->name.len, GGUF_MAX_TENSOR_NAME);
        return;
    }
    int nl = (int)t->name.len;
    t->n_dims = rd_u32(c, "tensor dimension count");
    if (c->failed)
        return;
    if (t->n_dims == 0 || t->n_dims > GGUF_MAX_DIMS) {
        failf(c, "tensor '%.*s' has %u dimensions (1 to %d allowed)", nl, t->name.ptr,
              t->n_dims, GGUF_MAX_DIMS);
        return;
    }
    t->n_elems = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        t->ne[d] = d < (int)t->n_dims ? rd_u64(c, "tensor dimension") : 1;
        if (c->failed)
            return;
        if (t->ne[d] > INT64_MAX || (t->ne[d] && t->n_elems > (uint64_t)INT64_MAX / t->ne[d])) {
            failf(c, "tensor '%.*s' has dimensions whose product overflows", nl, t->name.ptr);
            return;
        }
        t->n_elems *= t->ne[d];
    }
    t->type = rd_u32(c, "tensor type");
    t->offset = rd_u64(c, "tensor offset");
    if (c->failed)
        return;
    const ggml_type_info *ti = ggml_type_get(t->type);
    if (!ti) {
        failf(c, "tensor '%.*s' has unknown ggml type %u", nl, t->name.ptr, t->type);
        return;
    }
    if (t->ne[0] % ti->block_elems != 0) {
        failf(c, "tensor '%.*s' of type %s has a row of %llu elements, not a multiple of its block of %u",
              nl, t->name.ptr, ti->name, (unsigned long long)t->ne[0], ti->block_elems);
        return;
    }
    uint64_t row_bytes = 0;
    ggml_row_bytes(t->type, t->ne[0], &row_bytes);
    uint64_t rows = t->n_elems / (t->ne[0] ? t->ne[0] : 1);
    if (t->ne[0] == 0)
        rows = 0;
    if (rows && row_bytes > UINT64_MAX / rows) {
        failf(c, "tensor '%.*s' is too large", nl, t->name.ptr);
        return;
    }
    t->nbytes = row_bytes * rows;
}

int gguf_parse(gguf_file *f, const void *buf, size_t size, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (err && errlen)
        err[0] = '\0';
    cursor c = {.base = buf, .size = size, .err = err, .errlen = errlen};
    f->base = buf;
    f->size = size;

    if (!need(&c, 4, "magic"))
        return -1;
    if (memcmp(c.base, "GGUF", 4) != 0) {
        failf(&c, "not a GGUF file (the first bytes are not 'GGUF')");
        return -1;
    }
    c.pos = 4;
    f->version = rd_u32(&c, "version");
    if (c.failed)
        return -1;
    if (f->version != 2 && f->version != 3) {
        failf(&c, "GGUF version %u is not supported (2 and 3 are)", f->version);
        return -1;
    }
    f->n_tensors = rd_u64(&c, "tensor count");
    f->n_kv = rd_u64(&c, "metadata count");
    if (c.failed)
        return -1;
    /* A metadata entry takes at least 8+1+4+1 bytes, a tensor info 8+1+4+8+4+8. */
    if (f->n_kv > (size - c.pos) / 14 + 1 || f->n_tensors > (size - c.pos) / 33 + 1) {
        failf(&c, "the header claims %llu metadata entries and %llu tensors, more than %llu bytes can hold",
              (unsigned long long)f->n_kv, (unsigned long long)f->n_tensors,
              (unsigned long long)size);
        return -1;
    }
    f->kv = calloc(f->n_kv ? f->n_kv : 1, sizeof *f->kv);
    f->tensors = calloc(f->n_tensors ? f->n_tensors : 1, sizeof *f->tensors);
    if (!f->kv || !f->tensors) {
        failf(&c, "out of memory");
        goto fail;
    }
    for (uint64_t i = 0; i < f->n_kv && !c.failed; i++)
        parse_kv(&c, &f->kv[i], i);
    if (c.failed)
        goto fail;
    const gguf_str *dup = find_duplicate(&f->kv[0].key, f->n_kv, sizeof(gguf_kv));
    if (dup) {
        failf(&c, "metadata key '%.*s' appears twice", (int)(dup->len > 64 ? 64 : dup->len), dup->ptr);
        goto fail;
    }

    f->alignment = GGUF_DEFAULT_ALIGNMENT;
    const gguf_kv *al = gguf_find_kv(f, "general.alignment");
    if (al) {
        uint64_t a = 0;
        /* The GGUF spec (ggml docs/gguf.md): "it must be a multiple of 8";
         * ggml's reader also wants a power of two. Below 8 the blocks the
         * kernels read would be misaligned. */
        if (!gguf_get_u64(f, "general.alignment", &a) || a < 8 || a > (1u << 30) || (a & (a - 1))) {
            failf(&c, "general.alignment must be a power of two of at least 8 (got %llu, type %s)",
                  (unsigned long long)a, gguf_value_type_name(al->type));
            goto fail;
        }
        f->alignment = (uint32_t)a;
    }

    for (uint64_t i = 0; i < f->n_tensors && !c.failed; i++)
        parse_tensor(&c, &f->tensors[i], i);
    if (c.failed)
        goto fail;
    dup = find_duplicate(&f->tensors[0].name, f->n_tensors, sizeof(gguf_tensor));
    if (dup) {
        failf(&c, "tensor '%.*s' appears twice", (int)dup->len, dup->ptr);
        goto fail;
    }

    uint64_t pad = (f->alignment - c.pos % f->alignment) % f->alignment;
    f->data_offset = c.pos + pad;
    f->data_size = 0;
    for (uint64_t i = 0; i < f->n_tensors; i++) {
        gguf_tensor *t = &f->tensors[i];
        if (t->offset % f->alignment != 0) {
            failf(&c, "tensor '%.*s' has offset %llu, not a multiple of the alignment %u",
                  (int)t->name.len, t->name.ptr, (unsigned long long)t->offset, f->alignment);
            goto fail;
        }
        if (t->offset > UINT64_MAX - t->nbytes ||
            t->offset + t->nbytes > UINT64_MAX - f->data_offset) {
            failf(&c, "tensor '%.*s' lies beyond any possible file size", (int)t->name.len,
                  t->name.ptr);
            goto fail;
        }
        if (t->offset + t->nbytes > f->data_size)
            f->data_size = t->offset + t->nbytes;
    }
    const gguf_tensor *next = NULL, *over = find_overlap(f->tensors, f->n_tensors, &next);
    if (over) {
        failf(&c, "tensor '%.*s' (%s, %llu bytes for its shape) runs into tensor '%.*s' at offset %llu",
              (int)over->name.len, over->name.ptr, ggml_type_get(over->type)->name,
              (unsigned long long)over->nbytes, (int)next->name.len, next->name.ptr,
              (unsigned long long)next->offset);
        goto fail;
    }
    f->has_data = f->data_offset <= size && f->data_size <= size - f->data_offset;
    return 0;

fail:
    free(f->kv);
    free(f->tensors);
    f->kv = NULL;
    f->tensors = NULL;
    f->n_kv = f->n_tensors = 0;
    return -1;
}

int gguf_open(gguf_file *f, const char *path, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    struct stat st;
    char why[160];
    int fd = open_regular_file(path, &st, why, sizeof why);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file, not a GGUF model", path);
        close(fd);
        return -1;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map: %s", path, strerror(errno));
        return -1;
    }
    char msg[512];
    if (gguf_parse(f, map, (size_t)st.st_size, msg, sizeof msg) != 0) {
        munmap(map, (size_t)st.st_size);
        snprintf(err, errlen, "%s: %s", path, msg);
        return -1;
    }
    f->mapped = true;
    return 0;
}

void gguf_close(gguf_file *f)
{
    if (!f)
        return;
    free(f->kv);
    free(f->tensors);
    if (f->mapped)
        munmap((void *)f->base, f->size);
    memset(f, 0, sizeof *f);
}

bool gguf_str_eq(gguf_str s, const char *cstr)
{
    size_t n = strlen(cstr);
    return s.len == n && memcmp(s.ptr, cstr, n) == 0;
}

char *gguf_str_dup(gguf_str s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        memcpy(p, s.ptr, s.len);
        p[s.len] = '\0';
    }
    return p;
}

const gguf_kv *gguf_find_kv(const gguf_file *f, const char *key)
{
    for (uint64_t i = 0; i < f->n_kv; i++)
        if (gguf_str_eq(f->kv[i].key, key))
            return &f->kv[i];
    return NULL;
}

/* Reads one scalar of `type` at p as int64 or double. */
static bool scalar_i64(uint32_t type, const uint8_t *p, int64_t *out)
{
    switch (type) {
    case GGUF_VT_U8: case GGUF_VT_BOOL: *out = p[0]; return true;
    case GGUF_VT_I8: *out = (int8_t)p[0]; return true;
    case GGUF_VT_U16: { uint16_t v; memcpy(&v, p, 2); *out = v; return true; }
    case GGUF_VT_I16: { int16_t v; memcpy(&v, p, 2); *out = v; return true; }
    case GGUF_VT_U32: { uint32_t v; memcpy(&v, p, 4); *out = v; return true; }
    case GGUF_VT_I32: { int32_t v; memcpy(&v, p, 4); *out = v; return true; }
    case GGUF_VT_I64: { int64_t v; memcpy(&v, p, 8); *out = v; return true; }
    case GGUF_VT_U64: {
        uint64_t v;
        memcpy(&v, p, 8);
        if (v > INT64_MAX)
            return false;
        *out = (int64_t)v;
        return true;
    }
    default: return false;
    }
}

static bool scalar_f64(uint32_t type, const uint8_t *p, double *out)
{
    if (type == GGUF_VT_F32) { float v; memcpy(&v, p, 4); *out = v; return true; }
    if (type == GGUF_VT_F64) { double v; memcpy(&v, p, 8); *out = v; return true; }
    if (type == GGUF_VT_U64) { uint64_t v; memcpy(&v, p, 8); *out = (double)v; return true; }
    int64_t i;
    if (!scalar_i64(type, p, &i))
        return false;
    *out = (double)i;
    return true;
}

bool gguf_get_u64(const gguf_file *f, const char *key, uint64_t *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || kv->type == GGUF_VT_ARRAY || kv->type == GGUF_VT_STRING)
        return false;
    if (kv->type == GGUF_VT_U64) {
        memcpy(out, kv->data, 8);
        return true;
    }
    int64_t v;
    if (!scalar_i64(kv->type, kv->data, &v) || v < 0)
        return false;
    *out = (uint64_t)v;
    return true;
}

bool gguf_get_i64(const gguf_file *f, const char *key, int64_t *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    return kv && kv->type != GGUF_VT_ARRAY && kv->type != GGUF_VT_STRING &&
           scalar_i64(kv->type, kv->data, out);
}

bool gguf_get_f64(const gguf_file *f, const char *key, double *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    return kv && kv->type != GGUF_VT_ARRAY && kv->type != GGUF_VT_STRING &&
           kv->type != GGUF_VT_BOOL && scalar_f64(kv->type, kv->data, out);
}

bool gguf_get_bool(const gguf_file *f, const char *key, bool *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || kv->type != GGUF_VT_BOOL)
        return false;
    *out = kv->data[0] != 0;
    return true;
}

bool gguf_get_str(const gguf_file *f, const char *key, gguf_str *out)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    if (!kv || kv->type != GGUF_VT_STRING)
        return false;
    out->ptr = (const char *)kv->data;
    out->len = kv->nbytes;
    return true;
}

static bool arch_key(char *buf, size_t n, const char *arch, const char *suffix)
{
    int w = snprintf(buf, n, "%s.%s", arch, suffix);
    return w > 0 && (size_t)w < n;
}

bool gguf_get_arch_u64(const gguf_file *f, const char *arch, const char *suffix, uint64_t *out)
{
    char key[256];
    return arch_key(key, sizeof key, arch, suffix) && gguf_get_u64(f, key, out);
}

bool gguf_get_arch_f64(const gguf_file *f, const char *arch, const char *suffix, double *out)
{
    char key[256];
    return arch_key(key, sizeof key, arch, suffix) && gguf_get_f64(f, key, out);
}

const gguf_kv *gguf_get_array(const gguf_file *f, const char *key)
{
    const gguf_kv *kv = gguf_find_kv(f, key);
    return kv && kv->type == GGUF_VT_ARRAY ? kv : NULL;
}

bool gguf_array_i64(const gguf_kv *kv, uint64_t i, int64_t *out)
{
    if (!kv || kv->type != GGUF_VT_ARRAY || i >= kv->count || kv->elem_type == GGUF_VT_STRING)
        return false;
    uint64_t es = scalar_size(kv->elem_type);
    return es && scalar_i64(kv->elem_type, kv->data + i * es, out);
}

bool gguf_array_f64(const gguf_kv *kv, uint64_t i, double *out)
{
    if (!kv || kv->type != GGUF_VT_ARRAY || i >= kv->count || kv->elem_type == GGUF_VT_STRING)
        return false;
    uint64_t es = scalar_size(kv->elem_type);
    return es && scalar_f64(kv->elem_type, kv->data + i * es, out);
}

gguf_str *gguf_array_strings(const gguf_kv *kv)
{
    if (!kv || kv->type != GGUF_VT_ARRAY || kv->elem_type != GGUF_VT_STRING)
        return NULL;
    gguf_str *v = malloc((kv->count ? kv->count : 1) * sizeof *v);
    if (!v)
        return NULL;
    /* Lengths were validated while parsing, so this walk stays in bounds. */
    const uint8_t *p = kv->data;
    for (uint64_t i = 0; i < kv->count; i++) {
        uint64_t len;
        memcpy(&len, p, 8);
        v[i].ptr = (const char *)p + 8;
        v[i].len = len;
        p += 8 + len;
    }
    return v;
}

const gguf_tensor *gguf_find_tensor(const gguf_file *f, const char *name)
{
    for (uint64_t i = 0; i < f->n_tensors; i++)
        if (gguf_str_eq(f->tensors[i].name, name))
            return &f->tensors[i];
    return NULL;
}

const void *gguf_tensor_data(const gguf_file *f, const gguf_tensor *t)
{
    if (f->data_offset > f->size || t->offset > f->size - f->data_offset ||
        t->nbytes > f->size - f->data_offset - t->offset)
        return NULL;
    return f->base + f->data_offset + t->offset;
}
