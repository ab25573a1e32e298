/* model_shape of a catalog model: the entry's GGUF header is made in
 * memory and read by model_shape_from_gguf, the path of a real file. Where
 * the file's size is known (declared by the fleet, or published for the
 * release), the tensor sizes are scaled to it (the quantizer's per-layer
 * choices are not in the catalog; the shapes are), so the weights add up
 * to the bytes people download. An Unsloth dynamic (UD-*) mix is typed as
 * its base mix and always scaled: its own per-tensor choices differ per
 * model and are published only as the file's size. */
#include <stdio.h>
#include <stdlib.h>

#include "estimate/estimate.h"
#include "model_catalog.h"

void model_shape_scale_to(model_shape *shape, uint64_t total)
{
    if (!shape->tensors || shape->weights_bytes == 0 || total == 0)
        return;
    double f = (double)total / (double)shape->weights_bytes;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < shape->n_tensors; i++) {
        shape->tensors[i].bytes = (uint64_t)((double)shape->tensors[i].bytes * f);
        sum += shape->tensors[i].bytes;
    }
    shape->weights_bytes = sum;
}

int model_shape_from_catalog(const char *id, const char *quant, uint64_t file_bytes, model_shape *shape, char *err,
                             size_t errlen)
{
    const model_cat_entry *e = model_catalog_find(id);
    if (!e) {
        snprintf(err, errlen, "no model `%s` in the catalog", id);
        return -1;
    }
    if (!model_catalog_has_quant(e, quant) && !(file_bytes && model_catalog_quant_needs_size(quant))) {
        snprintf(err, errlen, "no %s release of `%s` in the catalog", quant, id);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    if (model_catalog_header(e, quant, &buf, &len, err, errlen) != 0)
        return -1;
    gguf_file f;
    int rc = gguf_parse(&f, buf, len, err, errlen);
    if (rc == 0) {
        rc = model_shape_from_gguf(&f, shape, err, errlen);
        gguf_close(&f);
    }
    free(buf);
    if (rc == 0)
        model_shape_scale_to(shape, file_bytes ? file_bytes : model_catalog_published_bytes(e, quant, NULL));
    return rc;
}
