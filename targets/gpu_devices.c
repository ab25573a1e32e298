/* What a service's GPUs need from the unit and the launch script, by
 * vendor: NVIDIA (CUDA: /dev/nvidia*, nvidia-smi, CUDA_VISIBLE_DEVICES) or
 * AMD (ROCm/HIP: /dev/kfd and the DRM render nodes, the amdgpu sysfs VRAM
 * counters, HIP_VISIBLE_DEVICES). The checks allow one vendor per service. */
#include "targets.h"

/* Unit ordering: the NVIDIA persistence daemon keeps the driver loaded;
 * amdgpu has no such daemon. */
const char *target_gpu_after(const plan_service *s)
{
    return s->cfg.mem.n_gpus && !s->amd ? " nvidia-persistenced.service" : "";
}

void target_gpu_device_allow(strbuf *b, const plan_service *s)
{
    if (s->cfg.mem.n_gpus && s->amd) {
        /* ROCm opens /dev/kfd (compute queues) and a render node
         * /dev/dri/renderD* per card; which render node is which card is
         * udev's choice, so the DRM class is allowed (ROCm's docs: "GPU
         * access"). The nodes are 0660 root:render (video on older udev
         * rules): a dynamic user needs the groups. */
        sb_puts(b, "\n# Devices: the ROCm nodes (kfd, DRM render nodes) and nothing else.\n"
                    "DevicePolicy=closed\n"
                    "DeviceAllow=/dev/kfd rw\n"
                    "DeviceAllow=char-drm rw\n"
                    "SupplementaryGroups=render video\n");
        return;
    }
    sb_puts(b, "\n# Devices: nothing but the NVIDIA nodes of this service's GPUs.\n"
                "DevicePolicy=closed\n");
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        sb_printf(b, "DeviceAllow=/dev/nvidia%u rw\n", (unsigned)s->cfg.gpus[i]);
    if (s->cfg.mem.n_gpus)
        sb_puts(b, "DeviceAllow=/dev/nvidiactl rw\nDeviceAllow=/dev/nvidia-uvm rw\n"
                    "DeviceAllow=/dev/nvidia-uvm-tools rw\n");
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

void target_gpu_free_function(strbuf *b, const plan_service *s)
{
    if (s->cfg.mem.n_gpus)
        sb_puts(b, s->amd ? amd_free : nvidia_free);
}

/* The guard around the waits: a host without the vendor's tool (nvidia-smi)
 * or compute node (/dev/kfd) skips them; the engine then reports the card. */
const char *target_gpu_wait_guard(const plan_service *s)
{
    return s->amd ? "if [ -e /dev/kfd ]; then\n" : "if command -v nvidia-smi >/dev/null 2>&1; then\n";
}

void target_gpu_visible(strbuf *b, const plan_service *s)
{
    const char *var = s->amd ? "HIP_VISIBLE_DEVICES" : "CUDA_VISIBLE_DEVICES";
    if (s->amd)
        sb_puts(b, "\n# Device indexes as ROCm counts them; only this service's GPUs.\n");
    else
        sb_puts(b, "\n# Device indexes as nvidia-smi counts them; only this service's GPUs.\n"
                    "CUDA_DEVICE_ORDER=PCI_BUS_ID\n");
    sb_printf(b, "%s=", var);
    for (uint32_t i = 0; i < s->cfg.mem.n_gpus; i++)
        sb_printf(b, "%s%u", i ? "," : "", (unsigned)s->cfg.gpus[i]);
    if (!s->cfg.mem.n_gpus)
        sb_puts(b, "''");
    sb_printf(b, "\nexport %s%s\n", s->amd ? "" : "CUDA_DEVICE_ORDER ", var);
}
