/* Lowering to the typed fleet: a complete valid fleet, then each error
 * class with its position and hint, defaults merging, units, cache forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/lower_internal.h"
#include "front_support.h"
#include "ggml_types.h"

static const char *const VALID =
    "fleet: homelab\n"
    "defaults:\n"
    "  context: 8192\n"
    "  cache: q8_0\n"
    "  flash_attention: true\n"
    "  gpu_memory_utilization: 0.8\n"
    "checks: {vram_margin: 256MiB}\n"
    "hosts:\n"
    "  tower:\n"
    "    address: 10.10.10.2\n"
    "    memory: 64GiB\n"
    "    cpus: 12\n"
    "    gpus:\n"
    "      - model: rtx-4090\n"
    "      - {name: custom, vram: 15.5GiB}\n"
    "      - rtx-3090\n"
    "    reserved_ports: [22, 9090]\n"
    "models:\n"
    "  qwen3-8b:\n"
    "    path: /srv/models/Qwen3-8B-Q4_K_M.gguf\n"
    "    gguf: models/qwen3-8b.gguf\n"
    "    rope_scaling: false\n"
    "    chat_template: chatml\n"
    "  big:\n"
    "    path: /srv/big\n"
    "    shape: {arch: qwen3moe, layers: 48, embd: 2048, heads: 32, kv_heads: 4, head_dim: 128,\n"
    "            ff: 6144, vocab: 151936, ctx_train: 40960, experts: 128, experts_used: 8,\n"
    "            ff_expert: 768, weights: 17.3GiB}\n"
    "services:\n"
    "  chat:\n"
    "    host: tower\n"
    "    engine: llama.cpp\n"
    "    model: qwen3-8b\n"
    "    gpus: [0, 1]\n"
    "    port: 8081\n"
    "    bind: 0.0.0.0\n"
    "    context: 32768\n"
    "    parallel: 2\n"
    "    cache: {k: q8_0, v: q4_0}\n"
    "    batch: 2048\n"
    "    ubatch: 512\n"
    "    threads: 4\n"
    "    api_key_file: /etc/infrac/chat.key\n"
    "    exclusive: big-models\n"
    "    autostart: true\n"
    "    gpu_layers: all\n"
    "    cpu_moe_layers: 0\n"
    "    tensor_split: [3, 1]\n"
    "    swa_full: false\n"
    "    kv_unified: false\n"
    "    load_mode: mmap\n"
    "    metrics: true\n"
    "    restart: on-failure\n"
    "    restart_sec: 5\n"
    "    user: llm\n"
    "    cache_ram: 8GiB\n"
    "    alias: qwen3\n"
    "  vl:\n"
    "    host: tower\n"
    "    engine: vllm\n"
    "    model: big\n"
    "    port: 8000\n"
    "    cache: fp8\n"
    "    gpus: [2]\n"
    "  cpu:\n"
    "    host: tower\n"
    "    model: qwen3-8b\n"
    "    port: 8082\n"
    "    gpu_layers: 10\n";

static void valid_fleet_lowers_cleanly(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, VALID);
    if (r.diags.n) {
        char *s = front_render(&r, DIAG_FORMAT_TEXT, false);
        fprintf(stderr, "%s", s);
        free(s);
    }
    assert_int_equal(r.diags.n, 0);
    assert_int_equal(r.lower_rc, 0);
    fleet *f = &r.fl;
    assert_string_equal(f->name.v, "homelab");
    assert_int_equal(f->vram_margin.v, 256ull << 20);
    assert_true(f->vram_margin.set);
    assert_int_equal(f->ram_margin.v, 1ull << 30); /* default */
    assert_false(f->ram_margin.set);
    assert_int_equal(f->n_hosts, 1);
    fleet_host *h = &f->hosts[0];
    assert_string_equal(h->name.v, "tower");
    assert_int_equal(h->name.at.line, 9);
    assert_int_equal(h->memory.v, 64ull << 30);
    assert_int_equal(h->cpus.v, 12);
    assert_int_equal(h->n_gpus, 3);
    assert_non_null(h->gpus[0].spec);
    assert_string_equal(h->gpus[0].spec->id, "rtx-4090");
    assert_null(h->gpus[1].spec);
    assert_int_equal(h->gpus[1].vram.v, (uint64_t)(15.5 * (1ull << 30)));
    assert_string_equal(h->gpus[1].name.v, "custom");
    assert_int_equal(h->gpus[2].index, 2);
    assert_non_null(h->gpus[2].spec);
    assert_int_equal(h->n_reserved_ports, 2);
    assert_int_equal(h->reserved_ports[1].v, 9090);
    assert_int_equal(f->n_models, 2);
    assert_string_equal(f->models[0].path.v, "/srv/models/Qwen3-8B-Q4_K_M.gguf");
    assert_string_equal(f->models[0].chat_template.v, "chatml");
    assert_true(f->models[1].shape.set);
    assert_int_equal(f->models[1].shape.layers.v, 48);
    assert_int_equal(f->models[1].shape.experts.v, 128);
    assert_string_equal(f->models[1].shape.arch.v, "qwen3moe");
    assert_int_equal(f->n_services, 3);
    fleet_service *s = &f->services[0];
    assert_string_equal(s->host.v, "tower");
    assert_int_equal(s->port.v, 8081);
    assert_int_equal(s->port.at.line, 35);
    assert_int_equal(s->port.at.col, 11);
    assert_int_equal(s->opts.engine.v, ENGINE_LLAMACPP);
    assert_int_equal(s->n_gpus, 2);
    assert_int_equal(s->opts.cache_k.v, ggml_type_from_name("q8_0"));
    assert_int_equal(s->opts.cache_v.v, ggml_type_from_name("q4_0"));
    assert_int_equal(s->opts.context.v, 32768);
    assert_int_equal(s->opts.gpu_layers.v, -1);
    assert_int_equal(s->n_tensor_split, 2);
    assert_true(s->tensor_split[0].v == 3.0);
    assert_int_equal(s->opts.cache_ram.v, 8ull << 30);
    assert_string_equal(s->opts.load_mode.v, "mmap");
    assert_string_equal(s->opts.restart.v, "on-failure");
    assert_string_equal(s->exclusive.v, "big-models");
    assert_string_equal(s->alias.v, "qwen3");
    fleet_service *vl = &f->services[1];
    assert_int_equal(vl->opts.engine.v, ENGINE_VLLM);
    assert_int_equal(vl->opts.cache_k.v, CACHE_FP8);
    assert_int_equal(vl->opts.cache_v.v, CACHE_FP8);
    assert_true(vl->opts.gpu_memory_utilization.v == 0.8); /* from defaults */
    assert_int_equal(vl->opts.gpu_memory_utilization.at.line, 6);
    fleet_service *cpu = &f->services[2];
    assert_false(cpu->gpus_set);
    assert_false(cpu->opts.engine.set); /* the checks apply the engine default */
    assert_int_equal(cpu->opts.context.v, 8192);
    assert_int_equal(cpu->opts.context.at.line, 3); /* span points into defaults */
    assert_int_equal(cpu->opts.cache_k.v, ggml_type_from_name("q8_0"));
    assert_int_equal(cpu->opts.gpu_layers.v, 10);
    assert_true(cpu->opts.flash_attention.v);
    assert_false(cpu->opts.bind.set);
    front_free(&r);
}

static const diagnostic *expect(front_result *r, const char *code, uint32_t line)
{
    const diagnostic *d = NULL;
    for (size_t i = 0; i < r->diags.n; i++)
        if (!d && !strcmp(r->diags.items[i]->code, code) && r->diags.items[i]->at.line == line) d = r->diags.items[i];
    if (!d) {
        char *s = front_render(r, DIAG_FORMAT_TEXT, false);
        fprintf(stderr, "expected %s at line %u in:\n%s", code, line, s);
        free(s);
    }
    assert_non_null(d);
    return d;
}

#define HEAD "fleet: f\nhosts: {t: {}}\nmodels: {m: {path: /m}}\n"

static void unknown_keys_with_did_you_mean(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "services:\n  s: {host: t, model: m, prot: 1, port: 2, contxt: 5}\n"
                       "defaults: {port: 3, paralel: 2}\nhostz: {}\n");
    const diagnostic *d = expect(&r, "E0201", 5);
    assert_non_null(strstr(d->message, "`prot`"));
    assert_string_equal(d->help, "did you mean `port`?");
    assert_int_equal(d->at.col, 26);
    d = expect(&r, "E0201", 6);
    assert_int_equal(front_count(&r, "E0201"), 5);
    bool port_help = false, parallel_help = false, hosts_help = false;
    for (size_t i = 0; i < r.diags.n; i++) {
        const char *h = r.diags.items[i]->help;
        if (!h) continue;
        port_help |= strstr(h, "set per service") != NULL;
        parallel_help |= strstr(h, "`parallel`") != NULL;
        hosts_help |= strstr(h, "`hosts`") != NULL;
    }
    assert_true(port_help && parallel_help && hosts_help);
    front_free(&r);
}

static void wrong_types(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "services:\n  s:\n    host: t\n    model: m\n    port: \"8081\"\n    flash_attention: yes\n"
                       "    context: [1]\n    parallel: 1.5\n    gpus: 0\n    tensor_split: x\n    bind: {a: 1}\n");
    const diagnostic *d = expect(&r, "E0202", 8);
    assert_string_equal(d->help, "remove the quotes: `port: 8081`");
    d = expect(&r, "E0202", 9);
    assert_non_null(strstr(d->help, "true or false"));
    expect(&r, "E0202", 10);
    expect(&r, "E0202", 11);
    d = expect(&r, "E0202", 12);
    assert_non_null(strstr(d->help, "[0]"));
    expect(&r, "E0202", 13);
    expect(&r, "E0202", 14);
    assert_int_equal(r.fl.n_services, 1);
    assert_false(r.fl.services[0].port.set);
    front_free(&r);
    front_run(&r, "fleet: f\nhosts: [a, b]\n");
    d = expect(&r, "E0202", 2);
    assert_non_null(strstr(d->help, "name: {...}"));
    front_free(&r);
}

static void ranges(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "services:\n  s:\n    host: t\n    model: m\n    port: 0\n    context: 0\n    parallel: 0\n"
                       "    batch: 0\n    threads: 0\n    gpu_memory_utilization: 1.5\n    engine: vllm\n"
                       "    tensor_split: [-1]\n    gpus: [0]\n    api_key_file: relative/key\n    bind: localhost\n"
                       "  u: {host: t, model: m, port: 65536, gpu_memory_utilization: 0, engine: vllm}\n");
    const diagnostic *d = expect(&r, "E0203", 8);
    assert_non_null(strstr(d->message, "between 1 and 65535"));
    assert_non_null(d->help);
    for (uint32_t line = 9; line <= 13; line++) expect(&r, "E0203", line);
    expect(&r, "E0203", 15);
    expect(&r, "E0203", 17);
    expect(&r, "E0203", 18);
    assert_int_equal(front_count(&r, "E0203"), 11);
    front_free(&r);
}

static void enums_and_cache_per_engine(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "services:\n"
                       "  a: {host: t, model: m, port: 1, engine: llamacpp}\n"
                       "  b: {host: t, model: m, port: 2, cache: q8}\n"
                       "  c: {host: t, model: m, port: 3, cache: fp8}\n"
                       "  d: {host: t, model: m, port: 4, engine: vllm, cache: {k: q8_0, v: auto}}\n"
                       "  e: {host: t, model: m, port: 5, engine: infrac, cache: bf16}\n"
                       "  f: {host: t, model: m, port: 6, restart: sometimes, load_mode: mlock}\n"
                       "  g: {host: t, model: m, port: 7, cache: {k: f16, x: f16}}\n");
    front_check_values(&r); /* cache types per engine are the checks' */
    const diagnostic *d = expect(&r, "E0801", 5); /* a kind, or a build of engines: */
    assert_string_equal(d->help, "did you mean `llama.cpp`?");
    d = expect(&r, "E0204", 6);
    assert_string_equal(d->help, "did you mean `q8_0`?");
    d = expect(&r, "E0204", 7);
    assert_non_null(strstr(d->message, "not supported by llama.cpp"));
    d = expect(&r, "E0204", 8);
    assert_non_null(strstr(d->message, "K cache type `q8_0` is not supported by vllm"));
    expect(&r, "E0204", 9);
    expect(&r, "E0204", 10);
    expect(&r, "E0201", 11);
    assert_int_equal(front_count(&r, "E0204"), 5);
    front_free(&r);
}

static void sizes_and_units(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "fleet: f\nhosts:\n"
                  "  a: {memory: 64G}\n"
                  "  b: {memory: 12 GB}\n"
                  "  c: {memory: 1073741824}\n"
                  "  d: {memory: lots}\n"
                  "  e: {memory: 99999999999TiB}\n"
                  "  f: {memory: 1.5KiB}\n"
                  "  g: {memory: 0}\n"
                  "  h: {memory: 2Gib}\n"
                  "  i: {memory: 1e3GiB}\n"
                  "  j: {memory: 0x10}\n"
                  "  k: {memory: 4.GiB}\n");
    const diagnostic *d = expect(&r, "E0205", 3);
    assert_non_null(strstr(d->help, "`GiB`"));
    assert_int_equal(r.fl.hosts[1].memory.v, 12000000000ull);
    assert_int_equal(r.fl.hosts[2].memory.v, 1073741824ull);
    expect(&r, "E0205", 6);
    expect(&r, "E0205", 7);
    assert_int_equal(r.fl.hosts[5].memory.v, 1536);
    expect(&r, "E0203", 9);
    d = expect(&r, "E0205", 10);
    assert_non_null(strstr(d->help, "`GiB`"));
    expect(&r, "E0205", 11);
    expect(&r, "E0205", 12);
    expect(&r, "E0205", 13);
    assert_int_equal(front_count(&r, "E0205"), 7);
    uint64_t v;
    bool bad_unit;
    assert_true(parse_size("18446744073709551615", &v, &bad_unit));
    assert_false(parse_size("18446744073709551616", &v, &bad_unit));
    assert_false(parse_size("16777216TiB", &v, &bad_unit));
    assert_true(parse_size("4.7 GiB", &v, &bad_unit));
    assert_int_equal(v, 5046586573ull);
    assert_false(parse_size("4 GiBs", &v, &bad_unit));
    assert_true(bad_unit);
    front_free(&r);
}

static void missing_required_keys(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "hosts:\n  t:\n    gpus: [{name: x}]\nmodels:\n  m: {gguf: a.gguf}\nservices:\n  s: {host: t}\n"
                  "  n:\n");
    expect(&r, "E0206", 1); /* fleet: */
    expect(&r, "E0206", 3); /* GPU without model or vram */
    const diagnostic *d = expect(&r, "E0206", 5);
    assert_non_null(strstr(d->message, "`path`"));
    assert_int_equal(d->at.col, 3); /* at the model's name */
    expect(&r, "E0206", 7);
    assert_int_equal(front_count(&r, "E0206"), 3 + 2 + 3); /* fleet, GPU, path; s lacks model, port; n lacks all three */
    front_free(&r);
}

static void names(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "fleet: my fleet\nhosts: {\"a b\": {}, -x: {}, ok.host_1: {}}\n"
                  "services:\n  s: {host: t, model: m, port: 1, exclusive: \"g/1\", user: Root}\n");
    expect(&r, "E0207", 1);
    assert_int_equal(front_count(&r, "E0207"), 5);
    front_free(&r);
}

static void gpu_catalog(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "fleet: f\nhosts:\n  t:\n    gpus:\n      - model: rtx-4090-24gb\n      - rtx-409\n"
                  "      - {model: rtx-4090, vram: 20GiB}\n");
    const diagnostic *d = expect(&r, "E0208", 5);
    assert_non_null(strstr(d->help, "`rtx-4090`"));
    d = expect(&r, "E0208", 6);
    assert_non_null(strstr(d->help, "did you mean"));
    assert_int_equal(front_count(&r, "E0208"), 2);
    assert_non_null(r.fl.hosts[0].gpus[2].spec);
    assert_int_equal(r.fl.hosts[0].gpus[2].vram.v, 20ull << 30);
    assert_null(strstr(expect(&r, "E0208", 5)->help, "different card"));
    front_free(&r);
}

/* Did-you-mean never proposes a card with more memory than the one typed
 * without saying so (issue 14): a laptop card is not the desktop one. */
static void gpu_suggestion_says_when_the_card_differs(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "fleet: f\nhosts:\n  t:\n    gpus:\n      - rtx-3070\n      - rtx-5090-laptop\n"
                  "      - rtx-5090-mobile\n      - rtx-3050\n      - rtx-4090-16gb\n      - rtx-3080-10gb\n");
    assert_int_equal(front_count(&r, "E0208"), 4);
    assert_non_null(r.fl.hosts[0].gpus[0].spec);
    assert_non_null(r.fl.hosts[0].gpus[1].spec);
    assert_string_equal(r.fl.hosts[0].gpus[1].spec->id, "rtx-5090-laptop");
    const diagnostic *d = expect(&r, "E0208", 7); /* the desktop card, said to be another */
    assert_non_null(strstr(d->help, "`rtx-5090`? It is a different card"));
    d = expect(&r, "E0208", 8); /* rtx-3050 -> rtx-3060-ti or rtx-3070: a bigger card */
    assert_non_null(strstr(d->help, "different card"));
    d = expect(&r, "E0208", 9); /* the desktop 4090 has 24 GB */
    assert_non_null(strstr(d->help, "different card"));
    assert_non_null(strstr(d->help, "GiB usable"));
    d = expect(&r, "E0208", 10); /* one edit from rtx-3080-12gb, which has 2 GB more */
    assert_non_null(strstr(d->help, "different card"));
    front_free(&r);

    /* vendor: a custom card's; a catalog card's own must agree */
    front_run(&r, "fleet: f\nhosts:\n  t:\n    gpus:\n      - {model: rtx-4090, vendor: amd}\n"
                  "      - {vram: 96GiB, vendor: amd}\n      - {vram: 8GiB, vendor: matrox}\n      - rx-7900-xtx\n"
                  "      - {vram: 12GiB, vendor: intel}\n      - arc-b580\n");
    assert_int_equal(front_count(&r, "E0209"), 0); /* the lowering judges values one at a time */
    front_check_values(&r);
    d = expect(&r, "E0209", 5);
    assert_string_equal(d->message, "GPU 0 of host `t` (`rtx-4090`) is vendor nvidia's, not amd");
    expect(&r, "E0204", 7);
    assert_string_equal(fleet_gpu_vendor(&r.fl.hosts[0].gpus[1]), "amd");
    assert_string_equal(fleet_gpu_vendor(&r.fl.hosts[0].gpus[3]), "amd");
    assert_string_equal(fleet_gpu_vendor(&r.fl.hosts[0].gpus[4]), "intel");
    assert_string_equal(fleet_gpu_vendor(&r.fl.hosts[0].gpus[5]), "intel"); /* the catalog's Arc B580 */
    front_free(&r);
}

static void inconsistent_values(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "defaults: {batch: 256}\nservices:\n"
                       "  a: {host: t, model: m, port: 1, ubatch: 512}\n"
                       "  b: {host: t, model: m, port: 2, gpus: [0, 1, 0]}\n"
                       "  c: {host: t, model: m, port: 3, gpus: [0, 1], tensor_split: [1, 1, 1]}\n"
                       "  d: {host: t, model: m, port: 4, tensor_split: [1]}\n"
                       "  e: {host: t, model: m, port: 5, context: 4, parallel: 8}\n"
                       "  f: {host: t, model: m, port: 6, gpus: [0], tensor_split: [0]}\n");
    assert_int_equal(front_count(&r, "E0209"), 0); /* the lowering judges values one at a time */
    front_check_values(&r);
    const diagnostic *d = expect(&r, "E0209", 6);
    assert_int_equal(d->n_notes, 1);
    assert_int_equal(d->notes[0].at.line, 4); /* batch from defaults */
    d = expect(&r, "E0706", 7); /* GPU 0 listed twice */
    assert_int_equal(d->notes[0].at.line, 7);
    expect(&r, "E0704", 8);     /* 3 weights, 2 GPUs */
    expect(&r, "E0209", 9);
    expect(&r, "E0209", 10);
    expect(&r, "E0209", 11);
    assert_int_equal(front_count(&r, "E0209"), 4);
    assert_int_equal(front_count(&r, "E0706"), 1);
    assert_int_equal(front_count(&r, "E0704"), 1);
    front_free(&r);
}

static void warnings(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "defaults: {gpu_memory_utilization: 0.9, metrics: true}\nservices:\n"
                       "  a: {host: t, model: m, port: 1, load_mode: mmap, engine: vllm}\n"
                       "  b: {host: t, model: m, port: 2, gpu_memory_utilization: 0.5}\n"
                       "  c: {host: t, model: m, port: 3, extra_args: [--foo, \"1\"]}\n"
                       "  d: {host: t, model: m, port: 4, context: 4096, parallel: 16}\n"
                       "  e: {host: t, model: m, port: 5, context: 4096, parallel: 16, kv_unified: true}\n"
                       "  f: {host: t, model: m, port: 6, engine: infrac, gpus: [0]}\n");
    assert_int_equal(diag_count(&r.diags, DIAG_ERROR), 0);
    front_check_values(&r);
    expect(&r, "W0210", 6);
    expect(&r, "W0210", 7);
    expect(&r, "W0210", 11);
    assert_int_equal(front_count(&r, "W0210"), 3); /* nothing for options inherited from defaults */
    expect(&r, "W0211", 8);
    assert_int_equal(r.fl.services[2].n_extra_args, 2);
    assert_string_equal(r.fl.services[2].extra_args[1].v, "1");
    assert_int_equal(r.fl.services[3].opts.parallel.v, 16); /* slot size is the checks' W0501 */
    assert_int_equal(front_count(&r, "E0209") + front_count(&r, "E0204") + front_count(&r, "E0212"), 0);
    front_free(&r);
}

/* A string key refuses what YAML reads as a number or a bool: the user meant
 * text, and the JSON Schema (type string) refuses it too. */
static void unquoted_number_for_string(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, HEAD "services:\n"
                       "  a: {host: t, model: m, port: 1, alias: 123}\n"
                       "  b: {host: t, model: m, port: 2, extra_args: [7, true, 1.5e3, 0x1f, --ok, \"8\"]}\n"
                       "  c: {host: t, model: m, port: 3, alias: \"123\"}\n"
                       "  d: {host: t, model: m, port: 4, alias: 1x, extra_args: [-1.]}\n");
    assert_int_equal(front_count(&r, "E0202"), 6); /* 123, 7, true, 1.5e3, 0x1f, -1. */
    assert_int_equal(r.fl.services[1].n_extra_args, 2);
    assert_string_equal(r.fl.services[2].alias.v, "123");
    assert_string_equal(r.fl.services[3].alias.v, "1x");
    front_free(&r);
}

static void top_level_problems(void **state)
{
    (void)state;
    front_result r;
    front_run(&r, "");
    expect(&r, "E0112", 1);
    assert_int_equal(r.lower_rc, -1);
    front_free(&r);
    front_run(&r, "- a\n- b\n");
    expect(&r, "E0112", 1);
    front_free(&r);
    front_run(&r, "fleet: f\nx-shared: &s {host: t, model: m}\nservices:\n  a: {<<: *s, port: 1}\n");
    assert_int_equal(r.diags.n, 0); /* x- keys hold anchors */
    assert_string_equal(r.fl.services[0].model.v, "m");
    front_free(&r);
}

static void thousands_of_services_are_linear(void **state)
{
    (void)state;
    size_t n = 20000;
    char *buf = malloc(n * 128 + 256);
    size_t used = (size_t)sprintf(buf, "fleet: big\ndefaults: {context: 4096}\nhosts:\n");
    for (size_t i = 0; i < n / 10; i++) used += (size_t)sprintf(buf + used, "  h%zu: {memory: 64GiB, gpus: [rtx-4090]}\n", i);
    used += (size_t)sprintf(buf + used, "models: {m: {path: /m}}\nservices:\n");
    for (size_t i = 0; i < n; i++)
        used += (size_t)sprintf(buf + used, "  s%zu: {host: h%zu, model: m, port: %zu, gpus: [0]}\n", i, i / 10, 1000 + i % 60000);
    clock_t t0 = clock();
    front_result r;
    front_run_n(&r, buf, used);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(r.diags.n, 0);
    assert_int_equal(r.fl.n_services, n);
    assert_true(secs < 5.0);
    front_free(&r);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_fleet_lowers_cleanly),
        cmocka_unit_test(unknown_keys_with_did_you_mean),
        cmocka_unit_test(wrong_types),
        cmocka_unit_test(ranges),
        cmocka_unit_test(enums_and_cache_per_engine),
        cmocka_unit_test(sizes_and_units),
        cmocka_unit_test(missing_required_keys),
        cmocka_unit_test(names),
        cmocka_unit_test(gpu_catalog),
        cmocka_unit_test(gpu_suggestion_says_when_the_card_differs),
        cmocka_unit_test(inconsistent_values),
        cmocka_unit_test(warnings),
        cmocka_unit_test(unquoted_number_for_string),
        cmocka_unit_test(top_level_problems),
        cmocka_unit_test(thousands_of_services_are_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
