/* The GPU APIs (gpu_api.h). Device names as ggml's backends name their
 * devices (llama.cpp ggml/include: GGML_CUDA_NAME "CUDA", "ROCm" in a HIP
 * build; GGML_SYCL_NAME "SYCL"; GGML_VK_NAME "Vulkan"; ggml-metal's "MTL"),
 * counted among the devices the process sees. The variables: CUDA's and
 * HIP's own; SYCL's device selector of the oneAPI runtime, one
 * `level_zero:<i>` item per GPU (llama.cpp docs/backend/SYCL.md), with the
 * Level Zero driver sorting the GPUs by PCI bus (ZE_ENABLE_PCI_ID_DEVICE_ORDER,
 * Intel's compute runtime: as nvidia-smi and ROCm count); Vulkan's
 * GGML_VK_VISIBLE_DEVICES, ggml-vulkan's own list of Vulkan device indexes
 * (ggml_vk_instance_init), which Vulkan counts in its enumeration order. */
#include "gpu_api.h"

#include <string.h>

const char *const gpu_api_names[] = {"cuda", "hip", "sycl", "vulkan", "metal", NULL};

static const gpu_api_info apis[GPU_API_COUNT] = {
    [GPU_API_CUDA] = {"cuda", "CUDA", "CUDA", GPU_ENV_CUDA_VISIBLE, "", GPU_ENV_CUDA_ORDER, "PCI_BUS_ID"},
    [GPU_API_HIP] = {"hip", "HIP", "ROCm", GPU_ENV_HIP_VISIBLE, "", NULL, NULL},
    [GPU_API_SYCL] = {"sycl", "SYCL", "SYCL", GPU_ENV_SYCL_SELECTOR, "level_zero:", GPU_ENV_SYCL_ORDER, "1"},
    [GPU_API_VULKAN] = {"vulkan", "Vulkan", "Vulkan", GPU_ENV_VULKAN_VISIBLE, "", NULL, NULL},
    [GPU_API_METAL] = {"metal", "Metal", "MTL", NULL, "", NULL, NULL},
};

const gpu_api_info *gpu_api_info_of(gpu_api a)
{
    return &apis[a < GPU_API_COUNT ? a : GPU_API_CUDA];
}

gpu_api gpu_api_of_vendor(const char *vendor)
{
    if (vendor && !strcmp(vendor, "amd"))
        return GPU_API_HIP;
    if (vendor && !strcmp(vendor, "intel"))
        return GPU_API_SYCL;
    if (vendor && !strcmp(vendor, "apple"))
        return GPU_API_METAL;
    return GPU_API_CUDA;
}

bool gpu_api_drives(gpu_api a, const char *vendor)
{
    if (!vendor)
        return false;
    switch (a) {
    case GPU_API_VULKAN:
        return strcmp(vendor, "apple") != 0;
    case GPU_API_CUDA:
    case GPU_API_HIP:
    case GPU_API_SYCL:
    case GPU_API_METAL:
        return gpu_api_of_vendor(vendor) == a && (a != GPU_API_CUDA || !strcmp(vendor, "nvidia"));
    default:
        return false;
    }
}

const char *gpu_vendor_title(const char *vendor)
{
    static const char *const titles[][2] = {{"nvidia", "NVIDIA"}, {"amd", "AMD"}, {"intel", "Intel"}, {"apple", "Apple"}};
    for (size_t i = 0; vendor && i < sizeof titles / sizeof titles[0]; i++)
        if (!strcmp(titles[i][0], vendor))
            return titles[i][1];
    return vendor ? vendor : "?";
}
