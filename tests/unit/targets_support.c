#include "targets_support.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ggml_types.h"

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

static void base_service(plan_service *s, const char *name, const plan_host *h, uint16_t port)
{
    s->name = name;
    s->host = h;
    s->cfg.mem.engine = ENGINE_LLAMACPP;
    s->model = "qwen3-8b";
    s->model_path = "/srv/models/qwen3-8b-q4_k_m.gguf";
    s->cfg.bind = "127.0.0.1";
    s->cfg.port = port;
    s->cfg.mem.context = 16384;
    s->cfg.mem.parallel = 2;
    s->cfg.mem.batch = 2048;
    s->cfg.mem.ubatch = 512;
    s->cfg.mem.cache_k = GGML_T_F16;
    s->cfg.mem.cache_v = GGML_T_F16;
    s->cfg.mem.flash_attn = true;
    s->cfg.mem.gpu_layers = -1;
    s->cfg.autostart = true;
    s->cfg.restart = "on-failure";
    s->cfg.restart_sec = 5;
}

static void gpu_memory(plan_service *s, uint32_t i, uint64_t weights, uint64_t kv)
{
    memory_breakdown *m = &s->memory.gpu[i];
    m->weights = weights;
    m->kv_cache = kv;
    m->compute = 300 * MIB;
    m->overhead = 250 * MIB;
    m->total = m->weights + m->kv_cache + m->compute + m->overhead;
    s->memory.layers_on_gpu[i] = 37;
}

plan *targets_test_plan(void)
{
    plan *p = xcalloc(1, sizeof *p);
    p->fleet = "lab";
    p->source_path = "examples/lab.yaml";
    memset(p->source_sha256, 'a', 64);
    p->n_hosts = 2;
    p->hosts = xcalloc(2, sizeof *p->hosts);
    plan_host *cpu = &p->hosts[0], *gpu = &p->hosts[1];

    cpu->name = "cpu1";
    cpu->memory_bytes = 64 * GIB;
    cpu->cpus = 16;
    cpu->ram_peak_bytes = 6 * GIB;

    gpu->name = "gpu1";
    gpu->address = "10.0.0.5";
    gpu->memory_bytes = 128 * GIB;
    gpu->cpus = 32;
    gpu->n_gpus = 2;
    gpu->gpus = xcalloc(2, sizeof *gpu->gpus);
    for (uint32_t i = 0; i < 2; i++) {
        gpu->gpus[i].index = i;
        gpu->gpus[i].model = "rtx-4090";
        gpu->gpus[i].usable_bytes = 24 * GIB - 500 * MIB;
        gpu->gpus[i].margin_bytes = 512 * MIB;
        gpu->gpus[i].peak_bytes = 12 * GIB;
    }
    gpu->ram_peak_bytes = 20 * GIB;
    static const uint16_t reserved[] = {22, 9100};
    gpu->reserved_ports = reserved;
    gpu->n_reserved_ports = 2;

    /* Services sorted by name: chat coder embed tiny. */
    p->n_services = 4;
    p->services = xcalloc(4, sizeof *p->services);
    plan_service *chat = &p->services[0], *coder = &p->services[1], *embed = &p->services[2],
                 *tiny = &p->services[3];

    base_service(chat, "chat", gpu, 8080);
    chat->cfg.bind = "0.0.0.0";
    chat->model_file_bytes = 5027783488ull;
    chat->cfg.mem.n_gpus = 1;
    chat->cfg.gpus[0] = 0;
    chat->cfg.api_key_file = "/etc/infrac/keys/chat.key";
    chat->cfg.metrics = true;
    chat->cfg.alias = "qwen";
    chat->cfg.load_mode = "mmap+mlock";
    chat->cfg.exclusive = "big";
    chat->cfg.cache_ram_set = true;
    chat->cfg.mem.cache_ram_bytes = 2048 * MIB;
    chat->memory.n_gpus = 1;
    gpu_memory(chat, 0, 4700 * MIB, 2304 * MIB);
    chat->memory.host.total = 3 * GIB;

    base_service(coder, "coder", gpu, 8081);
    coder->model = "qwen3-coder-30b";
    coder->model_path = "/srv/models/coder it's.gguf";
    coder->cfg.mem.n_gpus = 2;
    coder->cfg.gpus[0] = 0;
    coder->cfg.gpus[1] = 1;
    coder->cfg.mem.tensor_split[0] = 3;
    coder->cfg.mem.tensor_split[1] = 1;
    coder->cfg.exclusive = "big";
    coder->cfg.mem.cache_k = GGML_T_Q8_0;
    coder->cfg.mem.cache_v = GGML_T_Q8_0;
    coder->cfg.mem.threads = 8;
    coder->cfg.mem.cpu_moe_layers = 4;
    coder->cfg.mem.kv_unified = true;
    coder->cfg.mem.swa_full = true;
    static const char *const coder_extra[] = {"--spec-draft-n-max", "16"};
    coder->cfg.extra_args = coder_extra;
    coder->cfg.n_extra_args = 2;
    coder->cfg.restart = "always";
    coder->cfg.restart_sec = 10;
    coder->memory.n_gpus = 2;
    gpu_memory(coder, 0, 9000 * MIB, 1000 * MIB);
    gpu_memory(coder, 1, 3000 * MIB, 400 * MIB);

    base_service(embed, "embed", gpu, 8000);
    embed->cfg.mem.engine = ENGINE_VLLM;
    embed->model = "bge-m3";
    embed->model_path = "/srv/models/bge-m3.gguf";
    embed->cfg.mem.n_gpus = 1;
    embed->cfg.gpus[0] = 1;
    embed->cfg.mem.gpu_memory_utilization = 0.3;
    embed->cfg.api_key_file = "/etc/infrac/keys/embed.key";
    embed->cfg.autostart = false;
    embed->cfg.mem.parallel = 64;
    embed->cfg.mem.context = 8192;
    embed->memory.n_gpus = 1;
    embed->memory.gpu[0].total = (uint64_t)(0.3 * (double)(24 * GIB - 500 * MIB));
    embed->memory.gpu[0].other = embed->memory.gpu[0].total;
    embed->memory.vllm_kv_budget[0] = 4 * GIB;

    base_service(tiny, "tiny", cpu, 9000);
    tiny->cfg.mem.engine = ENGINE_INFRAC;
    tiny->model = "tinyllama";
    tiny->model_path = "/home/models/tinyllama.gguf";
    tiny->model_file_bytes = 668788096;
    tiny->cfg.user = "infrac";
    tiny->cfg.api_key_file = "/etc/infrac/keys/tiny.key";
    tiny->cfg.chat_template = "chatml";
    tiny->cfg.mem.threads = 12;
    tiny->cfg.mem.gpu_layers = 0;
    tiny->memory.host.total = 1 * GIB;

    const plan_service **gpu_services = xcalloc(3, sizeof *gpu_services);
    gpu_services[0] = chat;
    gpu_services[1] = coder;
    gpu_services[2] = embed;
    gpu->services = gpu_services;
    gpu->n_services = 3;
    const plan_service **cpu_services = xcalloc(1, sizeof *cpu_services);
    cpu_services[0] = tiny;
    cpu->services = cpu_services;
    cpu->n_services = 1;
    return p;
}

void targets_test_plan_free(plan *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->n_hosts; i++) {
        free(p->hosts[i].gpus);
        free((void *)p->hosts[i].services);
    }
    free(p->hosts);
    free(p->services);
    free(p);
}

plan_service *targets_test_service(plan *p, const char *name)
{
    for (uint32_t i = 0; i < p->n_services; i++)
        if (!strcmp(p->services[i].name, name))
            return &p->services[i];
    return NULL;
}

int targets_run(const char *cmd, char **out)
{
    char *full = malloc(strlen(cmd) + 16);
    if (!full)
        abort();
    sprintf(full, "(%s) 2>&1", cmd);
    FILE *f = popen(full, "r");
    free(full);
    if (!f)
        return -1;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
    }
    buf[len] = '\0';
    int status = pclose(f);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

char *targets_scratch_dir(const char *what)
{
    char *dir = malloc(256);
    if (!dir)
        abort();
    snprintf(dir, 256, "/tmp/targets-%s-XXXXXX", what);
    if (!mkdtemp(dir))
        abort();
    return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void targets_remove_tree(const char *dir)
{
    /* Make everything writable again first (tests chmod things read-only). */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null", dir);
    targets_run(cmd, NULL);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
