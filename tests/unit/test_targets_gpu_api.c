/* The GPU API of a service (issue 14): resolved once from its build's
 * `backend:` and its GPUs' vendor, refused where it cannot drive them
 * (E0810, E0707, E0802), and read by every target: the unit's device
 * nodes, the launch script's visible-devices variable and free-memory
 * probe, the draft's ggml device name, llama-swap's environment and unit,
 * LLMKube's accelerator. From the fleet file to the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "front_support.h"
#include "plan_build.h"
#include "targets.h"

#define MODELS                                                                                               \
    "models:\n"                                                                                              \
    "  m:\n"                                                                                                 \
    "    path: /m.gguf\n"                                                                                    \
    "    shape: {arch: qwen3, layers: 36, embd: 4096, heads: 32, kv_heads: 8, head_dim: 128, ff: 12288,\n"    \
    "            vocab: 151936, ctx_train: 40960, weights: 4.68 GiB}\n"                                      \
    "  d:\n"                                                                                                 \
    "    path: /d.gguf\n"                                                                                    \
    "    shape: {arch: qwen3, layers: 28, embd: 1024, heads: 16, kv_heads: 8, head_dim: 128, ff: 3072,\n"     \
    "            vocab: 151936, ctx_train: 40960, weights: 604 MiB}\n"

#define HEAD                                                                                                 \
    "fleet: t\n"                                                                                             \
    "engines:\n"                                                                                             \
    "  sycl: {kind: llama.cpp, backend: sycl, binary: /opt/sycl/llama-server}\n"                             \
    "  vulkan: {kind: llama.cpp, backend: vulkan, binary: /opt/vk/llama-server}\n"                           \
    "  cuda: {kind: llama.cpp, backend: cuda}\n"                                                             \
    "  plain: {kind: llama.cpp}\n"                                                                           \
    "hosts:\n"                                                                                               \
    "  arc: {memory: 64GiB, gpus: [arc-b580, arc-a770-16gb, {vram: 8GiB, vendor: intel}]}\n"                 \
    "  red: {memory: 64GiB, gpus: [rx-7900-xtx, rx-7900-xtx]}\n"                                             \
    "  green: {memory: 64GiB, gpus: [rtx-4090, rtx-4090]}\n"                                                 \
    "  cpu: {memory: 64GiB}\n" MODELS "services:\n"

typedef struct built {
    front_result fr;
    check_result cr;
    plan p;
    bool planned;
} built;

static void build(built *b, const char *text)
{
    memset(b, 0, sizeof *b);
    front_run(&b->fr, text);
    assert_true(b->fr.lowered);
    check_fleet(&b->fr.fl, NULL, &b->fr.diags, &b->cr);
    if (diag_count(&b->fr.diags, DIAG_ERROR) == 0) {
        assert_int_equal(plan_build(&b->fr.fl, &b->cr, NULL, &b->p), 0);
        b->planned = true;
    }
}

static void built_free(built *b)
{
    if (b->planned) plan_free(&b->p);
    check_fleet_release(&b->fr.fl);
    check_result_free(&b->cr);
    front_free(&b->fr);
}

static void dump(front_result *r)
{
    char *s = front_render(r, DIAG_FORMAT_TEXT, false);
    fprintf(stderr, "%s", s);
    free(s);
}

/* Builds a clean fleet (failing with its diagnostics otherwise). */
static void build_clean(built *b, const char *text)
{
    build(b, text);
    if (!b->planned) {
        dump(&b->fr);
        fail_msg("the fleet has errors");
    }
}

static const plan_service *svc(const plan *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_services; i++)
        if (!strcmp(p->services[i].name, name)) return &p->services[i];
    fail_msg("no service %s", name);
    return NULL;
}

/* Whether text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n])) return true;
    return false;
}

/* fleet text -> the first diagnostic with code holds want (and is at line, when line) */
static void expect(const char *text, const char *code, const char *want, int line)
{
    built b;
    build(&b, text);
    const diagnostic *d = front_find(&b.fr, code);
    if (!d || !strstr(d->message, want) || (line && (int)d->at.line != line)) {
        dump(&b.fr);
        fail_msg("wanted %s (%s) at line %d", code, want, line);
    }
    built_free(&b);
}

/* Without `backend:`, the vendor's API; with it, the build's; none without GPUs. */
static void resolved_once_per_service(void **state)
{
    (void)state;
    built b;
    build_clean(&b, HEAD
                "  s1: {host: arc, model: m, port: 8001, gpus: [0]}\n"
                "  s2: {host: arc, model: m, port: 8002, gpus: [2], engine: plain}\n"
                "  s3: {host: arc, model: m, port: 8003, gpus: [1], engine: vulkan}\n"
                "  h1: {host: red, model: m, port: 8001, gpus: [0]}\n"
                "  h2: {host: red, model: m, port: 8002, gpus: [1], engine: vulkan}\n"
                "  c1: {host: green, model: m, port: 8001, gpus: [0], engine: cuda}\n"
                "  c2: {host: green, model: m, port: 8002, gpus: [1], engine: vulkan}\n"
                "  n1: {host: cpu, model: m, port: 8001, engine: sycl}\n");
    assert_int_equal(svc(&b.p, "s1")->cfg.gpu_api, GPU_API_SYCL);
    assert_int_equal(svc(&b.p, "s2")->cfg.gpu_api, GPU_API_SYCL); /* a custom `vendor: intel` card */
    assert_int_equal(svc(&b.p, "s3")->cfg.gpu_api, GPU_API_VULKAN);
    assert_int_equal(svc(&b.p, "h1")->cfg.gpu_api, GPU_API_HIP);
    assert_int_equal(svc(&b.p, "h2")->cfg.gpu_api, GPU_API_VULKAN);
    assert_int_equal(svc(&b.p, "c1")->cfg.gpu_api, GPU_API_CUDA);
    assert_int_equal(svc(&b.p, "c2")->cfg.gpu_api, GPU_API_VULKAN);
    assert_int_equal(svc(&b.p, "n1")->cfg.gpu_api, GPU_API_NONE);
    /* a CPU service hides CUDA's GPUs as before, whatever its build */
    char *sh = target_launch_script(&b.p, svc(&b.p, "n1"));
    assert_true(has_line(sh, "CUDA_VISIBLE_DEVICES=''"));
    assert_null(strstr(sh, "ONEAPI"));
    free(sh);
    built_free(&b);
}

/* SYCL: the DRM nodes, ONEAPI_DEVICE_SELECTOR in PCI order, no probe but a line saying so. */
static void sycl_unit_and_script(void **state)
{
    (void)state;
    built b;
    build_clean(&b, HEAD "  s: {host: arc, model: m, port: 8001, gpus: [0, 1], engine: sycl, draft: d, draft_gpu: 1}\n");
    const plan_service *s = svc(&b.p, "s");
    char *u = target_service_unit(&b.p, s);
    assert_true(has_line(u, "After=network-online.target"));
    assert_true(has_line(u, "DevicePolicy=closed"));
    assert_true(has_line(u, "DeviceAllow=char-drm rw"));
    assert_true(has_line(u, "SupplementaryGroups=render video"));
    assert_null(strstr(u, "nvidia"));
    assert_null(strstr(u, "kfd"));
    free(u);
    char *sh = target_launch_script(&b.p, s);
    assert_true(has_line(sh, "ZE_ENABLE_PCI_ID_DEVICE_ORDER=1"));
    assert_true(has_line(sh, "ONEAPI_DEVICE_SELECTOR=level_zero:0,level_zero:1"));
    assert_true(has_line(sh, "export ZE_ENABLE_PCI_ID_DEVICE_ORDER ONEAPI_DEVICE_SELECTOR"));
    assert_null(strstr(sh, "CUDA_"));
    assert_null(strstr(sh, "nvidia-smi"));
    assert_null(strstr(sh, "wait_gpu_memory"));
    assert_null(strstr(sh, "gpu_wait_sec"));
    assert_null(strstr(sh, "gpu_free_mib"));
    char want[200];
    snprintf(want, sizeof want,
             "echo \"infrac[$service]: GPU 1 needs %llu MiB free; no free-memory probe for SYCL GPUs, starting "
             "without waiting\" >&2",
             (unsigned long long)target_gpu_need_mib(s, 1));
    assert_true(has_line(sh, want));
    assert_non_null(strstr(sh, "--spec-draft-device SYCL1"));
    free(sh);
    built_free(&b);
}

/* Vulkan: the DRM nodes on AMD (no /dev/kfd) and Intel; NVIDIA's driver its own nodes too. */
static void vulkan_unit_and_script(void **state)
{
    (void)state;
    built b;
    build_clean(&b, HEAD
                "  r: {host: red, model: m, port: 8001, gpus: [0, 1], engine: vulkan, draft: d, draft_gpu: 1}\n"
                "  g: {host: green, model: m, port: 8001, gpus: [1], engine: vulkan}\n");
    const plan_service *r = svc(&b.p, "r"), *g = svc(&b.p, "g");
    char *u = target_service_unit(&b.p, r);
    assert_true(has_line(u, "DeviceAllow=char-drm rw"));
    assert_true(has_line(u, "SupplementaryGroups=render video"));
    assert_null(strstr(u, "kfd"));
    assert_null(strstr(u, "nvidia"));
    free(u);
    char *sh = target_launch_script(&b.p, r);
    assert_true(has_line(sh, "GGML_VK_VISIBLE_DEVICES=0,1"));
    assert_true(has_line(sh, "export GGML_VK_VISIBLE_DEVICES"));
    assert_null(strstr(sh, "HIP_VISIBLE_DEVICES"));
    assert_null(strstr(sh, "mem_info_vram"));
    assert_null(strstr(sh, "wait_gpu_memory"));
    assert_non_null(strstr(sh, "no free-memory probe for Vulkan GPUs"));
    assert_non_null(strstr(sh, "--spec-draft-device Vulkan1"));
    free(sh);
    u = target_service_unit(&b.p, g);
    assert_true(has_line(u, "After=network-online.target nvidia-persistenced.service"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia1 rw"));
    assert_null(strstr(u, "/dev/nvidia0 "));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidiactl rw"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia-modeset rw"));
    assert_true(has_line(u, "DeviceAllow=char-drm rw"));
    free(u);
    sh = target_launch_script(&b.p, g);
    assert_true(has_line(sh, "GGML_VK_VISIBLE_DEVICES=1"));
    assert_null(strstr(sh, "CUDA_VISIBLE_DEVICES"));
    free(sh);
    built_free(&b);
}

/* The vendor's own APIs stay as they were: CUDA (nvidia-smi) and HIP (sysfs, /dev/kfd). */
static void cuda_and_hip_unchanged(void **state)
{
    (void)state;
    built b;
    build_clean(&b, HEAD
                "  c: {host: green, model: m, port: 8001, gpus: [0], engine: cuda}\n"
                "  h: {host: red, model: m, port: 8001, gpus: [1]}\n");
    char *u = target_service_unit(&b.p, svc(&b.p, "c"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia0 rw"));
    assert_null(strstr(u, "modeset"));
    assert_null(strstr(u, "char-drm"));
    free(u);
    char *sh = target_launch_script(&b.p, svc(&b.p, "c"));
    assert_true(has_line(sh, "CUDA_DEVICE_ORDER=PCI_BUS_ID"));
    assert_true(has_line(sh, "if command -v nvidia-smi >/dev/null 2>&1; then"));
    free(sh);
    u = target_service_unit(&b.p, svc(&b.p, "h"));
    assert_true(has_line(u, "DeviceAllow=/dev/kfd rw"));
    free(u);
    sh = target_launch_script(&b.p, svc(&b.p, "h"));
    assert_true(has_line(sh, "HIP_VISIBLE_DEVICES=1"));
    assert_true(has_line(sh, "if [ -e /dev/kfd ]; then"));
    free(sh);
    built_free(&b);
}

/* llama-swap: each engine's variables, the unit the union of their nodes. */
static void llama_swap_per_api(void **state)
{
    (void)state;
    built b;
    build_clean(&b, "fleet: t\n"
                    "engines:\n  vulkan: {kind: llama.cpp, backend: vulkan}\n"
                    "hosts:\n  box:\n    memory: 64GiB\n    gpus: [arc-b580, arc-a770-16gb]\n"
                    "    llama_swap: {port: 9000}\n"
                    "  tower:\n    memory: 64GiB\n    gpus: [rtx-4090, rtx-5090]\n"
                    "    llama_swap: {port: 9000}\n" MODELS "services:\n"
                    "  a: {host: box, model: m, port: 8001, gpus: [0]}\n"
                    "  v: {host: box, model: m, port: 8002, gpus: [1], engine: vulkan}\n"
                    "  c: {host: tower, model: m, port: 8001, gpus: [1]}\n");
    const plan_host *h = &b.p.hosts[0];
    char *cfg = target_llama_swap_config(&b.p, h);
    assert_non_null(strstr(cfg, "\"ONEAPI_DEVICE_SELECTOR=level_zero:0\""));
    assert_non_null(strstr(cfg, "\"ZE_ENABLE_PCI_ID_DEVICE_ORDER=1\""));
    assert_non_null(strstr(cfg, "\"GGML_VK_VISIBLE_DEVICES=1\""));
    assert_null(strstr(cfg, "CUDA_VISIBLE_DEVICES"));
    free(cfg);
    char *u = target_llama_swap_unit(&b.p, h);
    assert_true(has_line(u, "DeviceAllow=char-drm rw"));
    assert_null(strstr(u, "nvidia"));
    assert_null(strstr(u, "kfd"));
    free(u);
    /* CUDA's engines count their GPUs as the launch script's do: in PCI order, nvidia-smi's */
    h = &b.p.hosts[1];
    cfg = target_llama_swap_config(&b.p, h);
    const char *order = strstr(cfg, "      - \"CUDA_DEVICE_ORDER=PCI_BUS_ID\"\n");
    assert_non_null(order);
    assert_ptr_equal(strstr(order, "\n") + 1, strstr(cfg, "      - \"CUDA_VISIBLE_DEVICES=1\""));
    free(cfg);
    u = target_llama_swap_unit(&b.p, h);
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia1 rw"));
    assert_null(strstr(u, "/dev/nvidia0 "));
    assert_null(strstr(u, "char-drm"));
    free(u);
    built_free(&b);
}

/* LLMKube: the CRD's accelerator and vendor (and the Vulkan runtime on AMD). */
static void llmkube_accelerator(void **state)
{
    (void)state;
    built b;
    build_clean(&b, "fleet: t\n"
                    "engines:\n  vulkan: {kind: llama.cpp, backend: vulkan}\n"
                    "hosts:\n  n1: {platform: kubernetes, gpus: [arc-b580]}\n"
                    "  n2: {platform: kubernetes, gpus: [rx-7900-xtx]}\n" MODELS "services:\n"
                    "  a: {host: n1, model: m, port: 8001, gpus: [0]}\n"
                    "  v: {host: n2, model: m, port: 8002, gpus: [0], engine: vulkan}\n");
    char err[256];
    char *y = target_llmkube_resources(&b.p, svc(&b.p, "a"), err, sizeof err);
    assert_non_null(y);
    assert_true(has_line(y, "    accelerator: intel"));
    assert_true(has_line(y, "      vendor: intel"));
    assert_null(strstr(y, "runtime: vulkan"));
    free(y);
    y = target_llmkube_resources(&b.p, svc(&b.p, "v"), err, sizeof err);
    assert_non_null(y);
    assert_true(has_line(y, "    accelerator: vulkan"));
    assert_true(has_line(y, "      vendor: amd"));
    assert_true(has_line(y, "      runtime: vulkan"));
    free(y);
    built_free(&b);
}

/* What cannot run is refused where it is written. */
static void refusals(void **state)
{
    (void)state;
    /* a CUDA build on an Intel card, HIP on NVIDIA, SYCL on AMD, Metal off a Mac */
    expect(HEAD "  a: {host: arc, model: m, port: 8001, gpus: [0], engine: cuda}\n", "E0810",
           "service `a` runs build `cuda`, built for CUDA, on an Intel GPU", 22);
    expect("fleet: t\nengines:\n  hip: {kind: llama.cpp, backend: hip}\nhosts:\n  g: {gpus: [rtx-4090]}\n" MODELS
           "services:\n  a: {host: g, model: m, port: 8001, gpus: [0], engine: hip}\n",
           "E0810", "built for HIP, on an NVIDIA GPU", 16);
    expect(HEAD "  a: {host: red, model: m, port: 8001, gpus: [0], engine: sycl}\n", "E0810",
           "built for SYCL, on an AMD GPU", 22);
    expect("fleet: t\nengines:\n  mtl: {kind: llama.cpp, backend: metal}\nhosts:\n  g: {gpus: [rtx-4090]}\n" MODELS
           "services:\n  a: {host: g, model: m, port: 8001, gpus: [0], engine: mtl}\n",
           "E0810", "built for Metal, on an NVIDIA GPU", 16);
    /* Vulkan on a Mac's chip: infrac's Macs run Metal */
    expect("fleet: t\nengines:\n  vk: {kind: llama.cpp, backend: vulkan}\n"
           "hosts:\n  mac: {platform: macos, gpus: [m4-max-128gb]}\n" MODELS
           "services:\n  a: {host: mac, model: m, port: 8001, gpus: [0], engine: vk}\n",
           "E0810", "built for Vulkan, on an Apple GPU", 16);
    /* vLLM on an Intel card, as on an AMD one */
    expect(HEAD "  v: {host: arc, model: m, port: 8001, gpus: [0], engine: vllm}\n", "E0707",
           "vLLM service `v` on an Intel GPU: infrac's vLLM target is CUDA's", 22);
    /* a vLLM build for another API, an infrac build with one */
    expect("fleet: t\nengines:\n  v: {kind: vllm, backend: hip}\n", "E0802", "infrac's vLLM target runs on CUDA only", 3);
    expect("fleet: t\nengines:\n  i: {kind: infrac, backend: cuda}\n", "E0802",
           "infrac-engine runs on the CPU and has no GPU backend", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, backend: rocm}\n", "E0204", "rocm", 3);
    /* the pinning variables are infrac's */
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, env: {ONEAPI_DEVICE_SELECTOR: 'level_zero:1'}}\n", "E0212",
           "ONEAPI_DEVICE_SELECTOR", 3);
    expect("fleet: t\nengines:\n  x: {kind: llama.cpp, env: {GGML_VK_VISIBLE_DEVICES: 1}}\n", "E0212",
           "GGML_VK_VISIBLE_DEVICES", 3);
    /* and what can run is not refused: a Vulkan build on each vendor, a vLLM build for CUDA */
    built b;
    build_clean(&b, "fleet: t\nengines:\n  vk: {kind: llama.cpp, backend: vulkan}\n  vl: {kind: vllm, backend: cuda}\n"
                    "hosts:\n  g: {memory: 64GiB, gpus: [rtx-4090, rx-7900-xtx, arc-b580]}\n" MODELS "services:\n"
                    "  a: {host: g, model: m, port: 8001, gpus: [0], engine: vk}\n"
                    "  b: {host: g, model: m, port: 8002, gpus: [1], engine: vk}\n"
                    "  c: {host: g, model: m, port: 8003, gpus: [2], engine: vk}\n"
                    "  d: {host: g, model: m, port: 8004, gpus: [0], engine: vl, gpu_memory_utilization: 0.5}\n");
    built_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolved_once_per_service),
        cmocka_unit_test(sycl_unit_and_script),
        cmocka_unit_test(vulkan_unit_and_script),
        cmocka_unit_test(cuda_and_hip_unchanged),
        cmocka_unit_test(llama_swap_per_api),
        cmocka_unit_test(llmkube_accelerator),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
