/* The GPU catalog: known cards by id ("rtx-5060-ti-16gb"), with the memory
 * CUDA reports as usable. Data in schema/gpus.yaml, embedded at build time. */
#ifndef INFRAC_GPU_CATALOG_H
#define INFRAC_GPU_CATALOG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gpu_spec {
    const char *id;          /* "rtx-4090" */
    const char *name;        /* "NVIDIA GeForce RTX 4090" */
    const char *vendor;      /* "nvidia" */
    uint64_t usable_bytes;   /* what cudaMemGetInfo reports as total */
    uint64_t runtime_overhead_bytes; /* CUDA context + pools of one llama-server process */
} gpu_spec;

/* NULL when unknown. */
const gpu_spec *gpu_catalog_find(const char *id);
size_t gpu_catalog_count(void);
const gpu_spec *gpu_catalog_at(size_t i);

#endif
