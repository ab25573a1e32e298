/* Printing an estimate: text table or JSON (internal to `infrac estimate`). */
#ifndef INFRAC_ESTIMATE_OUTPUT_H
#define INFRAC_ESTIMATE_OUTPUT_H

#include <stdio.h>

#include "estimate/estimate.h"
#include "gpu_catalog.h"

typedef struct estimate_view {
    const char *gguf_path;
    const char *draft_path;   /* --draft, NULL without */
    const model_shape *model;
    const estimate_request *req;
    const estimate_result *res;
    const gpu_spec *gpu;  /* --gpu, or NULL */
    const char *declared[2]; /* the names of CACHE_DECLARED + 0 and + 1 (--cache-type) */
} estimate_view;

void estimate_print_text(FILE *out, const estimate_view *v);
/* 0, or -1 when the JSON could not be built. */
int estimate_print_json(FILE *out, const estimate_view *v);

#endif
