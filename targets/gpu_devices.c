/* What a service's GPUs need from the unit and the launch script, by the
 * GPU API its engine drives them through (cfg.gpu_api, resolved once by the
 * checks):
 *   CUDA    /dev/nvidia*, nvidia-smi's free memory, CUDA_VISIBLE_DEVICES;
 *   HIP     /dev/kfd and the DRM nodes, the amdgpu sysfs VRAM counters,
 *           HIP_VISIBLE_DEVICES;
 *   SYCL    the DRM nodes (Level Zero opens the render node of each card),
 *           ONEAPI_DEVICE_SELECTOR; no free-memory probe;
 *   Vulkan  the DRM nodes (NVIDIA's driver its own nodes too), ggml's
 *           GGML_VK_VISIBLE_DEVICES; no free-memory probe.
 * The variables and ggml's device names are gpu_api.c's. The checks allow
 * one vendor per service (E0707) and an API that drives it (E0810). */
#include <string.h>

#include "targets.h"

/* The vendor of the service's GPUs ("nvidia" when unknown, a custom card's default). */
static const char *service_vendor(const plan_service *s)
{
    if (s->cfg.mem.n_gpus && s->host && s->cfg.gpus[0] < s->host->n_gpus && s->host->gpus[s->cfg.gpus[0]].vendor)
        return s->host->gpus[s->cfg.gpus[0]].vendor;
    return "nvidia";
}

void target_gpu_nodes_add(target_gpu_nodes *n, const plan_service *s)
{
    if (!s->cfg.mem.n_gpus)
        return;
    bool nvidia = !strcmp(service_vendor(s), "nvidia");
    switch (s->cfg.gpu_api) {
    case GPU_API_HIP:
        n->kfd = n->drm = true;
        return;
    case GPU_API_SYCL:
        n->drm = true;
        return;
    case GPU_API_VULKAN:
        /* Mesa's drivers (RADV, ANV) open the DRM nodes only; NVIDIA's
         * Vulkan driver opens its own nodes, /dev/nvidia-modeset included
         * (github.com/GoogleCloudPlatform/container-engine-accelerators
         * pull 122: "Vulkan requires the /dev/nvidia-modeset device") */
        n->drm = true;
        if (!nvidia)
            return;
        n->nvidia_modeset = true;
        break;
    case GPU_API_METAL:
        return;
    default:
        break;
    }
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        if (s->cfg.gpus[i] < 64)
            n->nvidia |= 1ull << s->cfg.gpus[i];
    n->nvidia_ctl = true;
}

/* ROCm opens /dev/kfd (compute queues) and a render node /dev/dri/renderD*
 * per card, Level Zero and Vulkan the render nodes (and card* for some
 * queries); which node is which card is udev's choice, so the DRM class is
 * allowed (ROCm's docs: "GPU access"). The nodes are 0660 root:render
 * (video on older udev rules): a dynamic user needs the groups. */
void target_gpu_nodes_write(strbuf *b, const target_gpu_nodes *n)
{
    for (unsigned g = 0; g < 64; g++)
        if (n->nvidia >> g & 1)
            sb_printf(b, "DeviceAllow=/dev/nvidia%u rw\n", g);
    if (n->nvidia_ctl)
        sb_puts(b, "DeviceAllow=/dev/nvidiactl rw\nDeviceAllow=/dev/nvidia-uvm rw\n"
                   "DeviceAllow=/dev/nvidia-uvm-tools rw\n");
    if (n->nvidia_modeset)
        sb_puts(b, "DeviceAllow=/dev/nvidia-modeset rw\n");
    if (n->kfd)
        sb_puts(b, "DeviceAllow=/dev/kfd rw\n");
    if (n->drm)
        sb_puts(b, "DeviceAllow=char-drm rw\nSupplementaryGroups=render video\n");
}

/* Unit ordering: the NVIDIA persistence daemon keeps the driver loaded;
 * amdgpu and the Intel drivers have no such daemon. */
const char *target_gpu_after(const plan_service *s)
{
    target_gpu_nodes n = {0};
    target_gpu_nodes_add(&n, s);
    return n.nvidia_ctl ? " nvidia-persistenced.service" : "";
}

void target_gpu_device_allow(strbuf *b, const plan_service *s)
{
    static const char *const what[GPU_API_COUNT + 1] = {
        [GPU_API_CUDA] = "nothing but the NVIDIA nodes of this service's GPUs",
        [GPU_API_HIP] = "the ROCm nodes (kfd, DRM render nodes) and nothing else",
        [GPU_API_SYCL] = "the DRM nodes Level Zero opens (render nodes) and nothing else",
        [GPU_API_VULKAN] = "the nodes the Vulkan driver opens (DRM render nodes) and nothing else",
        [GPU_API_METAL] = "none",
        [GPU_API_NONE] = "nothing but the NVIDIA nodes of this service's GPUs",
    };
    gpu_api api = s->cfg.mem.n_gpus && s->cfg.gpu_api <= GPU_API_NONE ? s->cfg.gpu_api : GPU_API_NONE;
    const char *line = api == GPU_API_VULKAN && !strcmp(service_vendor(s), "nvidia")
                           ? "the nodes NVIDIA's Vulkan driver opens and nothing else" : what[api];
    sb_printf(b, "\n# Devices: %s.\nDevicePolicy=closed\n", line);
    target_gpu_nodes n = {0};
    target_gpu_nodes_add(&n, s);
    target_gpu_nodes_write(b, &n);
}

static const char nvidia_free[] =
    "\n"
    "# Free memory of GPU $1 in MiB, from nvidia-smi.\n"
    "gpu_free_mib() {\n"
    "    nvidia-smi --query-gpu=memory.free --format=csv,noheader,nounits -i \"$1\" 2>/dev/null | head -n 1 | tr -d ' '\n"
    "}\n"
    "gpu_tool=nvidia-smi\n";

/* amdgpu's sysfs counters (Documentation/gpu/amdgpu/driver-misc.rst:
 * mem_info_vram_total / mem_info_vram_used, bytes). ROCm numbers the
 * cards in PCI bus order: the device paths sorted. On Strix Halo the VRAM
 * is the BIOS carve-out of the unified memory. */
static const char amd_free[] =
    "\n"
    "# Free memory of AMD GPU $1 in MiB, from amdgpu's sysfs VRAM counters; the\n"
    "# cards are counted in PCI bus order, as ROCm numbers them.\n"
    "gpu_free_mib() {\n"
    "    i=0\n"
    "    for dev in $(for card in /sys/class/drm/card*; do\n"
    "        case ${card##*/card} in '' | *[!0-9]*) continue ;; esac\n"
    "        [ -r \"$card/device/mem_info_vram_total\" ] && readlink -f \"$card/device\"\n"
    "    done | sort -u); do\n"
    "        if [ \"$i\" -eq \"$1\" ]; then\n"
    "            total=$(cat \"$dev/mem_info_vram_total\") && used=$(cat \"$dev/mem_info_vram_used\") || return 0\n"
    "            echo $(((total - used) / 1048576))\n"
    "            return 0\n"
    "        fi\n"
    "        i=$((i + 1))\n"
    "    done\n"
    "}\n"
    "gpu_tool='rocm-smi --showmeminfo vram'\n";

/* Intel's drivers publish no used-VRAM counter a script can read (xe's
 * sysfs has the size alone, tile0/physical_vram_size_bytes; i915's none),
 * and xpu-smi, Level Zero Sysman's tool, supports the Data Center GPUs
 * (intel/xpumanager doc/smi_user_guide.md), not the Arc cards. A Vulkan
 * process counts GPUs in Vulkan's enumeration order, which nvidia-smi's and
 * ROCm's PCI order need not match. So neither waits: the launch script says
 * so, and the engine reports a card that is short. */
bool target_gpu_probe(const plan_service *s)
{
    return s->cfg.mem.n_gpus && (s->cfg.gpu_api == GPU_API_CUDA || s->cfg.gpu_api == GPU_API_HIP);
}

void target_gpu_free_function(strbuf *b, const plan_service *s)
{
    if (target_gpu_probe(s))
        sb_puts(b, s->cfg.gpu_api == GPU_API_HIP ? amd_free : nvidia_free);
}

/* A host without the vendor's tool (nvidia-smi) or compute node (/dev/kfd)
 * skips the waits; the engine then reports the card. */
void target_gpu_wait(strbuf *b, const plan_service *s)
{
    if (!s->cfg.mem.n_gpus)
        return;
    if (!target_gpu_probe(s)) {
        const char *api = gpu_api_info_of(s->cfg.gpu_api)->title;
        sb_printf(b, "\n# %s GPUs have no free-memory probe (docs/targets.md): say what each needs, do not wait.\n",
                  api);
        for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
            sb_printf(b, "echo \"infrac[$service]: GPU %u needs %llu MiB free; no free-memory probe for %s GPUs, "
                         "starting without waiting\" >&2\n",
                      (unsigned)s->cfg.gpus[i], (unsigned long long)target_gpu_need_mib(s, i), api);
        return;
    }
    sb_puts(b, s->cfg.gpu_api == GPU_API_HIP ? "\nif [ -e /dev/kfd ]; then\n"
                                              : "\nif command -v nvidia-smi >/dev/null 2>&1; then\n");
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        sb_printf(b, "    wait_gpu_memory %u %llu\n", (unsigned)s->cfg.gpus[i],
                  (unsigned long long)target_gpu_need_mib(s, i));
    sb_puts(b, "fi\n");
}

/* The value of the API's visible-devices variable: the service's GPUs,
 * each as the variable spells one ("level_zero:0" items for SYCL). */
void target_gpu_visible_value(strbuf *b, const plan_service *s)
{
    const gpu_api_info *ai = gpu_api_info_of(s->cfg.gpu_api);
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        sb_printf(b, "%s%s%u", i ? "," : "", ai->visible_item, (unsigned)s->cfg.gpus[i]);
}

void target_gpu_visible(strbuf *b, const plan_service *s)
{
    static const char *const how[GPU_API_COUNT] = {
        [GPU_API_CUDA] = "Device indexes as nvidia-smi counts them",
        [GPU_API_HIP] = "Device indexes as ROCm counts them",
        [GPU_API_SYCL] = "Level Zero devices, counted in PCI bus order",
        [GPU_API_VULKAN] = "Device indexes as Vulkan enumerates them (vulkaninfo --summary)",
    };
    gpu_api api = s->cfg.mem.n_gpus ? s->cfg.gpu_api : GPU_API_NONE; /* a CPU service hides CUDA's GPUs */
    const gpu_api_info *ai = gpu_api_info_of(api);
    if (!ai->visible_var)
        return;
    sb_printf(b, "\n# %s; only this service's GPUs.\n", how[api < GPU_API_COUNT ? api : GPU_API_CUDA]);
    if (ai->order_var)
        sb_printf(b, "%s=%s\n", ai->order_var, ai->order_value);
    sb_printf(b, "%s=", ai->visible_var);
    if (s->cfg.mem.n_gpus)
        target_gpu_visible_value(b, s);
    else
        sb_puts(b, "''");
    sb_printf(b, "\nexport %s%s%s\n", ai->order_var ? ai->order_var : "", ai->order_var ? " " : "", ai->visible_var);
}
