/* The generated files of a hand-built plan: engine command lines, systemd
 * units, launch scripts, engine configs and plan.json say what the plan
 * says, and the command line is the same in all three places. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "targets.h"
#include "targets_support.h"

static plan *P;

static int setup(void **state)
{
    (void)state;
    P = targets_test_plan();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    targets_test_plan_free(P);
    return 0;
}

static char *argv_line(const char *service)
{
    target_argv a;
    target_engine_argv(P, targets_test_service(P, service), &a);
    char *line = target_argv_shell_line(&a);
    target_argv_free(&a);
    return line;
}

static void llamacpp_single_gpu_command(void **state)
{
    (void)state;
    char *line = argv_line("chat");
    assert_string_equal(line, "llama-server -m /srv/models/qwen3-8b-q4_k_m.gguf --host 0.0.0.0 --port 8080 "
                              "--fit off -ngl all -c 16384 -np 2 -ctk f16 -ctv f16 -fa on -b 2048 -ub 512 "
                              "--api-key-file /run/credentials/infrac-chat.service/chat.key --metrics -a qwen "
                              "-lm mmap+mlock --cache-ram 2048");
    free(line);
}

static void llamacpp_multi_gpu_command(void **state)
{
    (void)state;
    char *line = argv_line("coder");
    assert_string_equal(line, "llama-server -m '/srv/models/coder it'\\''s.gguf' --host 127.0.0.1 --port 8081 "
                              "--fit off -ngl all -ts 3,1 -c 16384 -np 2 -kvu -ctk q8_0 -ctv q8_0 -fa on "
                              "-b 2048 -ub 512 -t 8 -a qwen3-coder-30b --n-cpu-moe 4 --swa-full "
                              "--spec-draft-n-max 16");
    free(line);
}

static void llamacpp_declared_layers_and_cpu_only(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    s->cfg.mem.gpu_layers = 20;
    char *line = argv_line("chat");
    assert_non_null(strstr(line, " -ngl 20 "));
    free(line);
    uint32_t n = s->cfg.mem.n_gpus;
    s->cfg.mem.n_gpus = 0;
    line = argv_line("chat");
    assert_non_null(strstr(line, " -ngl 0 "));
    free(line);
    s->cfg.mem.n_gpus = n;
    s->cfg.mem.gpu_layers = -1;
}

static void vllm_command(void **state)
{
    (void)state;
    char *line = argv_line("embed");
    assert_string_equal(line, "vllm serve /srv/models/bge-m3.gguf --host 127.0.0.1 --port 8000 "
                              "--gpu-memory-utilization 0.3 --max-model-len 8192 --served-model-name bge-m3 "
                              "--max-num-seqs 64");
    free(line);
    /* The key never appears on the command line. */
    plan_service *s = targets_test_service(P, "embed");
    assert_non_null(s->cfg.api_key_file);
    s->cfg.mem.n_gpus = 2;
    s->cfg.gpus[1] = 0;
    line = argv_line("embed");
    assert_non_null(strstr(line, " -tp 2 "));
    free(line);
    s->cfg.mem.n_gpus = 1;
    /* max_num_batched_tokens, when set, follows --max-num-seqs */
    s->cfg.max_num_batched_tokens = 4096;
    line = argv_line("embed");
    assert_non_null(strstr(line, " --max-num-seqs 64 --max-num-batched-tokens 4096"));
    free(line);
    s->cfg.max_num_batched_tokens = 0;
}

static void infrac_command(void **state)
{
    (void)state;
    char *line = argv_line("tiny");
    assert_string_equal(line, "infrac-engine --config /etc/infrac/lab/tiny.json");
    free(line);
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void service_unit_gpu(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    char *u = target_service_unit(P, s);
    assert_true(has_line(u, "ExecStart=/usr/local/lib/infrac/lab/bin/chat.sh"));
    assert_true(has_line(u, "After=network-online.target nvidia-persistenced.service"));
    assert_true(has_line(u, "Wants=network-online.target"));
    assert_true(has_line(u, "PartOf=infrac-lab.target"));
    assert_true(has_line(u, "Conflicts=infrac-coder.service"));
    assert_true(has_line(u, "Restart=on-failure"));
    assert_true(has_line(u, "RestartSec=5"));
    assert_true(has_line(u, "DynamicUser=yes"));
    assert_true(has_line(u, "LoadCredential=chat.key:/etc/infrac/keys/chat.key"));
    assert_true(has_line(u, "LimitMEMLOCK=infinity"));
    assert_true(has_line(u, "DevicePolicy=closed"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia0 rw"));
    assert_false(has_line(u, "DeviceAllow=/dev/nvidia1 rw"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidiactl rw"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia-uvm rw"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia-uvm-tools rw"));
    assert_true(has_line(u, "ProtectSystem=strict"));
    assert_true(has_line(u, "ProtectHome=yes"));
    assert_true(has_line(u, "PrivateTmp=yes"));
    assert_true(has_line(u, "NoNewPrivileges=yes"));
    assert_true(has_line(u, "CapabilityBoundingSet="));
    assert_true(has_line(u, "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"));
    assert_true(has_line(u, "SystemCallFilter=@system-service"));
    /* No secret inline, no Install section: the target wants the service. */
    assert_null(strstr(u, "[Install]"));
    assert_null(strstr(u, "MemoryDenyWriteExecute"));
    /* A GPU runtime keeps its devices, /proc and scheduling calls. */
    assert_null(strstr(u, "PrivateDevices"));
    assert_null(strstr(u, "ProcSubset"));
    assert_null(strstr(u, "~@resources"));
    free(u);
}

static void service_unit_cpu_and_user(void **state)
{
    (void)state;
    char *u = target_service_unit(P, targets_test_service(P, "tiny"));
    assert_true(has_line(u, "User=infrac"));
    assert_null(strstr(u, "DynamicUser"));
    assert_null(strstr(u, "nvidia"));
    assert_null(strstr(u, "LimitMEMLOCK"));
    assert_null(strstr(u, "Conflicts="));
    /* The model is under /home: visible, read-only. */
    assert_true(has_line(u, "ProtectHome=read-only"));
    assert_true(has_line(u, "MemoryDenyWriteExecute=yes"));
    /* CPU-only (issue 15 finding 20): no devices, no /proc beyond its own,
     * no local sockets, no scheduling changes. */
    assert_true(has_line(u, "PrivateDevices=yes"));
    assert_true(has_line(u, "ProcSubset=pid"));
    assert_true(has_line(u, "RestrictAddressFamilies=AF_INET AF_INET6"));
    assert_true(has_line(u, "SystemCallFilter=~@resources"));
    free(u);
    u = target_service_unit(P, targets_test_service(P, "coder"));
    assert_true(has_line(u, "Restart=always"));
    assert_true(has_line(u, "RestartSec=10"));
    assert_true(has_line(u, "Conflicts=infrac-chat.service"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia0 rw"));
    assert_true(has_line(u, "DeviceAllow=/dev/nvidia1 rw"));
    assert_null(strstr(u, "LoadCredential"));
    free(u);
}

static void unit_escapes_specifiers(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    const char *model = s->model;
    s->model = "qwen 100%";
    char *u = target_service_unit(P, s);
    assert_non_null(strstr(u, "model qwen 100%%)"));
    free(u);
    s->model = model;
}

static void model_in_tmp_keeps_host_tmp(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    const char *path = s->model_path;
    s->model_path = "/var/tmp/model.gguf";
    char *u = target_service_unit(P, s);
    assert_true(has_line(u, "PrivateTmp=no"));
    free(u);
    s->model_path = path;
}

static void host_target_wants(void **state)
{
    (void)state;
    char *t = target_host_target_unit(P, &P->hosts[1]);
    /* chat and coder share an exclusive group: only the first starts;
     * embed is autostart: false. */
    assert_true(has_line(t, "Wants=infrac-chat.service"));
    assert_false(has_line(t, "Wants=infrac-coder.service"));
    assert_false(has_line(t, "Wants=infrac-embed.service"));
    assert_true(has_line(t, "WantedBy=multi-user.target"));
    free(t);
    t = target_host_target_unit(P, &P->hosts[0]);
    assert_true(has_line(t, "Wants=infrac-tiny.service"));
    free(t);
}

/* The exec line of the script, words unquoted by a shell. */
static char *script_exec_words(const char *script)
{
    char *dir = targets_scratch_dir("words");
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/s.sh", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* Replace `exec` by printing each word on its own line. */
    const char *ex = strstr(script, "\nexec ");
    assert_non_null(ex);
    fputs("set -eu\nprintf '%s\\n'", f);
    fputs(ex + 5, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "sh %s", path);
    char *out = NULL;
    assert_int_equal(targets_run(cmd, &out), 0);
    targets_remove_tree(dir);
    free(dir);
    return out;
}

static void one_command_everywhere(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < P->n_services; i++) {
        plan_service *s = &P->services[i];
        target_argv a;
        target_engine_argv(P, s, &a);
        char *script = target_launch_script(P, s);
        char *words = script_exec_words(script);
        char *config = target_engine_config(P, s);
        json_error_t jerr;
        json_t *root = json_loads(config, 0, &jerr);
        assert_non_null(root);
        json_t *cmd = json_object_get(root, "command");
        assert_int_equal(json_array_size(cmd), a.n);
        size_t off = 0;
        for (size_t k = 0; k < a.n; k++) {
            assert_string_equal(json_string_value(json_array_get(cmd, k)), a.v[k]);
            size_t n = strlen(a.v[k]);
            assert_memory_equal(words + off, a.v[k], n);
            assert_int_equal(words[off + n], '\n');
            off += n + 1;
        }
        assert_int_equal(words[off], '\0');
        json_decref(root);
        free(words);
        free(config);
        free(script);
        target_argv_free(&a);
    }
}

static void engine_config_keys(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "format", "fleet", "host", "host_address", "service", "engine", "model", "model_path",
        "model_bytes", "alias", "bind", "port", "context", "parallel", "cache_k", "cache_v",
        "flash_attention", "batch", "ubatch", "threads", "gpus", "api_key_file", "allow_hosts",
        "chat_template",
        "metrics", "command", "url"};
    char *config = target_engine_config(P, targets_test_service(P, "chat"));
    json_t *root = json_loads(config, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), sizeof keys / sizeof *keys);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        assert_non_null(json_object_get(root, keys[i]));
    assert_int_equal(json_integer_value(json_object_get(root, "format")), 1);
    assert_string_equal(json_string_value(json_object_get(root, "engine")), "llama.cpp");
    assert_string_equal(json_string_value(json_object_get(root, "alias")), "qwen");
    assert_string_equal(json_string_value(json_object_get(root, "url")), "http://10.0.0.5:8080");
    assert_string_equal(json_string_value(json_object_get(root, "host_address")), "10.0.0.5");
    assert_true(json_is_null(json_object_get(root, "threads")));
    assert_true(json_is_null(json_object_get(root, "chat_template")));
    assert_int_equal(json_integer_value(json_object_get(root, "model_bytes")), 5027783488ll);
    assert_string_equal(json_string_value(json_object_get(root, "api_key_file")), "/etc/infrac/keys/chat.key");
    /* Keys come sorted. */
    assert_true(strstr(config, "\"alias\"") < strstr(config, "\"api_key_file\""));
    assert_true(strstr(config, "\"ubatch\"") < strstr(config, "\"url\""));
    json_decref(root);
    free(config);

    config = target_engine_config(P, targets_test_service(P, "tiny"));
    root = json_loads(config, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(root, "engine")), "infrac");
    assert_string_equal(json_string_value(json_object_get(root, "url")), "http://127.0.0.1:9000");
    assert_string_equal(json_string_value(json_object_get(root, "chat_template")), "chatml");
    assert_int_equal(json_integer_value(json_object_get(root, "threads")), 12);
    assert_int_equal(json_array_size(json_object_get(root, "gpus")), 0);
    assert_true(json_is_null(json_object_get(root, "host_address")));
    json_decref(root);
    free(config);
}

static void plan_json_content(void **state)
{
    (void)state;
    char *text = target_plan_json(P);
    json_t *root = json_loads(text, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "source_sha256")),
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert_string_equal(json_string_value(json_object_get(root, "source")), "lab.yaml");
    json_t *services = json_object_get(root, "services");
    assert_int_equal(json_array_size(services), 4);
    json_t *coder = json_array_get(services, 1);
    assert_string_equal(json_string_value(json_object_get(coder, "name")), "coder");
    json_t *gpus = json_object_get(json_object_get(coder, "memory"), "gpus");
    assert_int_equal(json_array_size(gpus), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(gpus, 1), "gpu")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(gpus, 1), "total")),
                     (3000 + 400 + 300 + 250) * 1048576ll);
    json_t *host = json_array_get(json_object_get(root, "hosts"), 1);
    assert_string_equal(json_string_value(json_object_get(host, "name")), "gpu1");
    assert_int_equal(json_array_size(json_object_get(host, "ports")), 3);
    json_decref(root);
    free(text);
}

static void launch_script_checks(void **state)
{
    (void)state;
    char *s = target_launch_script(P, targets_test_service(P, "chat"));
    assert_true(has_line(s, "set -eu"));
    assert_true(has_line(s, "expected_bytes=5027783488"));
    assert_true(has_line(s, "    wait_gpu_memory 0 7554"));
    assert_true(has_line(s, "CUDA_VISIBLE_DEVICES=0"));
    assert_null(strstr(s, "VLLM_API_KEY"));
    free(s);
    s = target_launch_script(P, targets_test_service(P, "embed"));
    assert_true(has_line(s, "credential='embed.key'"));
    assert_true(has_line(s, "VLLM_API_KEY=$(cat \"$CREDENTIALS_DIRECTORY/$credential\")"));
    assert_true(has_line(s, "CUDA_VISIBLE_DEVICES=1"));
    assert_null(strstr(s, "expected_bytes"));
    free(s);
    s = target_launch_script(P, targets_test_service(P, "tiny"));
    assert_true(has_line(s, "CUDA_VISIBLE_DEVICES=''"));
    assert_null(strstr(s, "nvidia-smi --query"));
    free(s);
}

/* An AMD (ROCm/HIP) service: the ROCm nodes instead of /dev/nvidia*, free
 * memory from amdgpu's sysfs counters, HIP_VISIBLE_DEVICES (issue 14). */
static void amd_unit_and_script(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    s->cfg.gpu_api = GPU_API_HIP;
    char *u = target_service_unit(P, s);
    char *sh = target_launch_script(P, s);
    s->cfg.gpu_api = GPU_API_CUDA;
    assert_true(has_line(u, "After=network-online.target"));
    assert_true(has_line(u, "DevicePolicy=closed"));
    assert_true(has_line(u, "DeviceAllow=/dev/kfd rw"));
    assert_true(has_line(u, "DeviceAllow=char-drm rw"));
    assert_true(has_line(u, "SupplementaryGroups=render video"));
    assert_null(strstr(u, "nvidia"));
    assert_null(strstr(sh, "nvidia"));
    assert_null(strstr(sh, "CUDA_"));
    assert_true(has_line(sh, "HIP_VISIBLE_DEVICES=0"));
    assert_true(has_line(sh, "export HIP_VISIBLE_DEVICES"));
    assert_true(has_line(sh, "if [ -e /dev/kfd ]; then"));
    assert_true(has_line(sh, "    wait_gpu_memory 0 7554"));
    assert_non_null(strstr(sh, "mem_info_vram_total"));
    assert_non_null(strstr(sh, "mem_info_vram_used"));
    free(u);
    free(sh);
}

/* The free-memory reader against a fake sysfs: the script's own function,
 * run with /sys/class/drm replaced by a scratch tree (two cards, PCI order). */
static void amd_free_memory_from_sysfs(void **state)
{
    (void)state;
    plan_service *s = targets_test_service(P, "chat");
    s->cfg.gpu_api = GPU_API_HIP;
    char *sh = target_launch_script(P, s);
    s->cfg.gpu_api = GPU_API_CUDA;
    const char *a = strstr(sh, "gpu_free_mib() {");
    const char *e = a ? strstr(a, "\n}\n") : NULL;
    assert_non_null(e);
    char *dir = targets_scratch_dir("amd-sysfs");
    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "set -e; d=%s; mkdir -p $d/pci/0000:03:00.0 $d/pci/0000:c1:00.0 $d/drm; "
             "echo 25753026560 > $d/pci/0000:03:00.0/mem_info_vram_total; echo 1073741824 > $d/pci/0000:03:00.0/mem_info_vram_used; "
             "echo 103079215104 > $d/pci/0000:c1:00.0/mem_info_vram_total; echo 0 > $d/pci/0000:c1:00.0/mem_info_vram_used; "
             "mkdir $d/drm/card0 $d/drm/card1 $d/drm/card1-DP-1; "
             "ln -s $d/pci/0000:c1:00.0 $d/drm/card0/device; ln -s $d/pci/0000:03:00.0 $d/drm/card1/device; "
             "ln -s $d/pci/0000:c1:00.0 $d/drm/card1-DP-1/device; "
             "cat > $d/f.sh <<'EOS'\n%.*s\n}\nEOS\n"
             "sed -i \"s|/sys/class/drm|$d/drm|\" $d/f.sh; . $d/f.sh; "
             "echo \"$(gpu_free_mib 0) $(gpu_free_mib 1) [$(gpu_free_mib 2)]\"",
             dir, (int)(e - a), a);
    char *out = NULL;
    int rc = targets_run(cmd, &out);
    assert_int_equal(rc, 0);
    /* 0000:03 first: 24560 - 1024 MiB; then 0000:c1: 98304 MiB; no third card */
    assert_string_equal(out, "23536 98304 []\n");
    free(out);
    targets_remove_tree(dir);
    free(dir);
    free(sh);
}

static void readme_and_install(void **state)
{
    (void)state;
    char *r = target_host_readme(P, &P->hosts[1]);
    assert_non_null(strstr(r, "| chat | llama.cpp | qwen3-8b | http://10.0.0.5:8080 | 0 | yes | big |"));
    assert_non_null(strstr(r, "| embed | vllm | bge-m3 | http://127.0.0.1:8000 | 1 | no | - |"));
    assert_non_null(strstr(r, "## GPU memory"));
    assert_non_null(strstr(r, "sh install.sh"));
    free(r);
    char *i = target_install_script(P, &P->hosts[1]);
    assert_true(has_line(i, "systemctl daemon-reload"));
    assert_true(has_line(i, "systemctl enable infrac-lab.target"));
    assert_true(has_line(i, "install -m 0644 \"$here/etc/embed.json\" \"$config_dir/embed.json\""));
    free(i);
}

static void refuses_unusable_names(void **state)
{
    (void)state;
    out_tree t;
    out_tree_init(&t);
    char err[256];
    plan_service *s = targets_test_service(P, "chat");
    const char *path = s->cfg.api_key_file;
    s->cfg.api_key_file = "/etc/keys/x\nExecStartPre=/bin/evil";
    assert_int_equal(target_build_tree(P, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "control character"));
    s->cfg.api_key_file = path;
    const char *name = s->name;
    s->name = "../etc";
    assert_int_equal(target_build_tree(P, &t, err, sizeof err), -1);
    s->name = name;
    assert_int_equal(t.n, 0);
    assert_int_equal(target_build_tree(P, &t, err, sizeof err), 0);
    assert_non_null(out_tree_find(&t, "gpu1/systemd/infrac-lab.target"));
    assert_non_null(out_tree_find(&t, "gpu1/systemd/infrac-embed.service.d/restart-backoff.conf"));
    assert_non_null(out_tree_find(&t, "cpu1/etc/tiny.json"));
    assert_int_equal(out_tree_find(&t, "cpu1/bin/tiny.sh")->mode, 0755);
    assert_non_null(out_tree_find(&t, "ansible/inventory.yml"));
    assert_non_null(out_tree_find(&t, "ansible/playbook.yml"));
    assert_non_null(out_tree_find(&t, "prometheus/prometheus.yml"));
    assert_non_null(out_tree_find(&t, "prometheus/grafana-dashboard.json"));
    /* plan.json, ansible/ (2), prometheus/ (2), per host 3, per service 4 */
    assert_int_equal(t.n, 1 + 2 + 2 + 2 * 3 + 4 * 4);
    out_tree_free(&t);
    out_tree_init(&t);
    plan_host *h = (plan_host *)s->host;
    const char *host_name = h->name;
    h->name = "ansible";
    assert_int_equal(target_build_tree(P, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "OUT/ansible/"));
    h->name = "prometheus";
    assert_int_equal(target_build_tree(P, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "OUT/prometheus/"));
    h->name = host_name;
    assert_int_equal(t.n, 0);
    out_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(llamacpp_single_gpu_command),
        cmocka_unit_test(llamacpp_multi_gpu_command),
        cmocka_unit_test(llamacpp_declared_layers_and_cpu_only),
        cmocka_unit_test(vllm_command),
        cmocka_unit_test(infrac_command),
        cmocka_unit_test(service_unit_gpu),
        cmocka_unit_test(service_unit_cpu_and_user),
        cmocka_unit_test(unit_escapes_specifiers),
        cmocka_unit_test(model_in_tmp_keeps_host_tmp),
        cmocka_unit_test(host_target_wants),
        cmocka_unit_test(one_command_everywhere),
        cmocka_unit_test(engine_config_keys),
        cmocka_unit_test(plan_json_content),
        cmocka_unit_test(launch_script_checks),
        cmocka_unit_test(amd_unit_and_script),
        cmocka_unit_test(amd_free_memory_from_sysfs),
        cmocka_unit_test(readme_and_install),
        cmocka_unit_test(refuses_unusable_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
