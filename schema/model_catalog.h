/* The model catalog: GGUF releases by id ("qwen3-8b"), with every GGUF key
 * the estimator reads and every tensor's shape. Data in schema/models.yaml,
 * embedded at build time. An entry becomes an in-memory GGUF header, so a
 * catalog model is estimated by the very code that reads a real file. */
#ifndef INFRAC_MODEL_CATALOG_H
#define INFRAC_MODEL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct model_cat_file {
    const char *quant;   /* "Q4_K_M" */
    const char *size;    /* "5027783488 B", "12.1 GB" */
    const char *source;  /* where the size was read */
} model_cat_file;

typedef struct model_cat_entry {
    const char *id, *name, *arch, *note;
    const char **sources;
    unsigned n_sources;
    const char **hparams;  /* "KEY TYPE VALUE" */
    unsigned n_hparams;
    const char **tensors;  /* "NAME DIM0 DIM1 ..." */
    unsigned n_tensors;
    model_cat_file *files;
    unsigned n_files;
} model_cat_entry;

/* NULL when unknown. */
const model_cat_entry *model_catalog_find(const char *id);
size_t model_catalog_count(void);
const model_cat_entry *model_catalog_at(size_t i);

/* The quantization names the catalog knows (Q4_K_M ...). */
size_t model_catalog_quant_count(void);
const char *model_catalog_quant_at(size_t i);

/* The published file size of entry at quant ("B"/"GB"/"GiB" parsed);
 * 0 when the catalog has none (then the size is derived). */
uint64_t model_catalog_published_bytes(const model_cat_entry *e, const char *quant, const char **source);

/* Whether a header can be made for quant: a known quantization, and
 * published for entry when it cannot be derived (UD-* mixes). */
bool model_catalog_has_quant(const model_cat_entry *e, const char *quant);
/* Whether quant is a mix the catalog cannot derive (UD-*): its tensors get
 * the base mix's types, scaled to a published or declared file size. */
bool model_catalog_quant_needs_size(const char *quant);

/* The GGUF header of entry with its tensors typed as the quantization
 * types them; malloc'ed in *buf. 0, or -1 with err. */
int model_catalog_header(const model_cat_entry *e, const char *quant, uint8_t **buf, size_t *len,
                         char *err, size_t errlen);

#endif
