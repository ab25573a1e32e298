/* The GPU API an engine process drives its GPUs through: CUDA (NVIDIA),
 * HIP (AMD's ROCm), SYCL (Intel's oneAPI over Level Zero), Vulkan (any of
 * the three) or Metal (an Apple chip). Resolved once per service from its
 * build's `backend:` and its GPUs' vendor (fleet_service_gpu_api); the
 * checks refuse a backend that cannot drive the GPUs (E0810), and every
 * target reads the resolved value (service_config.gpu_api). The facts each
 * API brings with it (its ggml device names, the variables that pin a
 * process to its GPUs) are this table's, once. */
#ifndef INFRAC_GPU_API_H
#define INFRAC_GPU_API_H

#include <stdbool.h>

/* The values of `backend:`, in its enum's order (gpu_api_names). CUDA is
 * the zero value: what a service with no GPUs hides, and a custom card's
 * default (vendor nvidia). */
typedef enum gpu_api {
    GPU_API_CUDA,
    GPU_API_HIP,
    GPU_API_SYCL,
    GPU_API_VULKAN,
    GPU_API_METAL,
    GPU_API_COUNT,
    GPU_API_NONE = GPU_API_COUNT /* a CPU-only service */
} gpu_api;

/* The variables that pin a process to its GPUs (also names a fleet's `env:`
 * may not set, E0212). */
#define GPU_ENV_CUDA_VISIBLE "CUDA_VISIBLE_DEVICES"
#define GPU_ENV_CUDA_ORDER "CUDA_DEVICE_ORDER"
#define GPU_ENV_HIP_VISIBLE "HIP_VISIBLE_DEVICES"
#define GPU_ENV_SYCL_SELECTOR "ONEAPI_DEVICE_SELECTOR"
#define GPU_ENV_SYCL_ORDER "ZE_ENABLE_PCI_ID_DEVICE_ORDER"
#define GPU_ENV_VULKAN_VISIBLE "GGML_VK_VISIBLE_DEVICES"

typedef struct gpu_api_info {
    const char *name;          /* as `backend:` spells it: "cuda" */
    const char *title;         /* in messages: "CUDA" */
    const char *ggml_device;   /* ggml's device name before its index: CUDA0, ROCm0, SYCL0, Vulkan0, MTL0 */
    const char *visible_var;   /* the variable listing the process's GPUs; NULL: none (Metal) */
    const char *visible_item;  /* before each index in it: "level_zero:" for SYCL, else "" */
    const char *order_var;     /* the variable that numbers the GPUs in PCI bus order; NULL: none */
    const char *order_value;
} gpu_api_info;

/* `backend:`'s values, NULL-terminated, index = gpu_api. */
extern const char *const gpu_api_names[];

/* The facts of a (GPU_API_NONE: CUDA's, whose variable hides GPUs from a CPU-only service). */
const gpu_api_info *gpu_api_info_of(gpu_api a);
/* The API a vendor's GPUs get when the build says none: nvidia cuda, amd hip, intel sycl, apple metal. */
gpu_api gpu_api_of_vendor(const char *vendor);
/* Whether a build of API a can drive a GPU of this vendor: CUDA NVIDIA's, HIP AMD's, SYCL Intel's
 * (infrac's SYCL target is Level Zero's), Vulkan any but an Apple chip (infrac's Macs run Metal),
 * Metal Apple's. */
bool gpu_api_drives(gpu_api a, const char *vendor);
/* A vendor as messages write it: NVIDIA, AMD, Intel, Apple (others as given). */
const char *gpu_vendor_title(const char *vendor);

#endif
