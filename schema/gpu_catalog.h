/* The GPU catalog: known cards by id ("rtx-5060-ti-16gb"), with the memory
 * CUDA reports as usable. Data in schema/gpus.yaml, embedded at build time. */
#ifndef INFRAC_GPU_CATALOG_H
#define INFRAC_GPU_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gpu_spec {
    const char *id;          /* "rtx-4090" */
    const char *name;        /* "NVIDIA GeForce RTX 4090" */
    const char *vendor;      /* "nvidia", "amd", "intel", "apple" */
    uint64_t usable_bytes;   /* what cudaMemGetInfo reports as total */
    uint64_t runtime_overhead_bytes; /* CUDA context + pools of one llama-server process */
    bool measured;           /* usable_bytes measured on the card, not derived */
    uint64_t nominal_bytes;  /* the advertised size when usable was derived from it; else 0 */
    uint64_t unified_bytes;  /* Apple Silicon: the machine's RAM, shared with the GPU; else 0 */
} gpu_spec;

/* What Metal lets the GPU of an Apple Silicon machine with ram bytes of
 * unified memory keep resident by default (recommendedMaxWorkingSetSize,
 * which iogpu.wired_limit_mb replaces): 2/3 of it up to 36 GiB, 3/4 above. */
uint64_t gpu_unified_default_share(uint64_t ram);

/* NULL when unknown. */
const gpu_spec *gpu_catalog_find(const char *id);
size_t gpu_catalog_count(void);
const gpu_spec *gpu_catalog_at(size_t i);

/* Whether an id typed by the user ("rtx-4090-24gb") can only mean card g:
 * the same model numbers, the same laptop marker, and any size it names
 * (24gb) g's size; a size named when g's id names one (arc-a770-16gb: the
 * A770 is sold in two). A did-you-mean for anything else must say that the card
 * proposed is a different one, which may have more memory. */
bool gpu_catalog_same_card(const char *typed, const gpu_spec *g);

#endif
