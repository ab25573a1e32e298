/* See checks_support.h. */
#include "checks_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cs_fleet *cs_new(void) {
    cs_fleet *c = calloc(1, sizeof *c);
    /* A source of blank lines, so that renderers find every line. */
    static char text[4096];
    memset(text, '\n', 1000);
    text[1000] = '\0';
    source_from_buffer(&c->src, "test.yaml", text, 1000);
    diag_list_init(&c->d, &c->src);
    c->next_line = 1;
    c->f.hosts = c->hosts;
    c->f.models = c->models;
    c->f.services = c->services;
    c->f.src = &c->src;
    c->f.name.v = "test";
    c->f.name.set = true;
    return c;
}

void cs_free(cs_fleet *c) {
    check_fleet_release(&c->f);
    if (c->ran) check_result_free(&c->r);
    diag_list_free(&c->d);
    source_free(&c->src);
    free(c);
}

src_span cs_span(cs_fleet *c) {
    uint32_t l = c->next_line++;
    return (src_span){l, 3, l, 10};
}

void cs_set_int(cs_fleet *c, fl_int *v, int64_t x) { *v = (fl_int){x, cs_span(c), true}; }
void cs_set_str(cs_fleet *c, fl_str *v, const char *x) { *v = (fl_str){x, cs_span(c), true}; }
void cs_set_bool(cs_fleet *c, fl_bool *v, bool x) { *v = (fl_bool){x, cs_span(c), true}; }
void cs_set_num(cs_fleet *c, fl_num *v, double x) { *v = (fl_num){x, cs_span(c), true}; }
void cs_set_size(cs_fleet *c, fl_size *v, uint64_t x) { *v = (fl_size){x, cs_span(c), true}; }

fleet_host *cs_host(cs_fleet *c, const char *name) {
    uint32_t i = c->f.n_hosts++;
    fleet_host *h = &c->hosts[i];
    h->at = cs_span(c);
    cs_set_str(c, &h->name, name);
    h->gpus = c->gpus[i];
    h->reserved_ports = c->reserved[i];
    return h;
}

static fleet_gpu *next_gpu(cs_fleet *c, fleet_host *h) {
    if (h->n_gpus == 0) h->gpus_at = cs_span(c);
    fleet_gpu *g = &h->gpus[h->n_gpus];
    g->index = h->n_gpus++;
    g->at = cs_span(c);
    return g;
}

fleet_gpu *cs_gpu(cs_fleet *c, fleet_host *h, const char *catalog_id) {
    fleet_gpu *g = next_gpu(c, h);
    cs_set_str(c, &g->model, catalog_id);
    g->spec = gpu_catalog_find(catalog_id);
    return g;
}

fleet_gpu *cs_gpu_custom(cs_fleet *c, fleet_host *h, uint64_t vram) {
    fleet_gpu *g = next_gpu(c, h);
    cs_set_size(c, &g->vram, vram);
    return g;
}

void cs_reserve_port(cs_fleet *c, fleet_host *h, int64_t port) {
    cs_set_int(c, &h->reserved_ports[h->n_reserved_ports++], port);
}

void cs_host_memory(cs_fleet *c, fleet_host *h, uint64_t bytes) { cs_set_size(c, &h->memory, bytes); }

fleet_model *cs_model(cs_fleet *c, const char *name, const char *arch, int64_t layers, int64_t embd,
                      int64_t heads, int64_t kv_heads, int64_t ctx_train, uint64_t weights) {
    fleet_model *m = &c->models[c->f.n_models++];
    m->at = cs_span(c);
    cs_set_str(c, &m->name, name);
    cs_set_str(c, &m->path, "/models/m.gguf");
    m->shape.set = true;
    m->shape.at = cs_span(c);
    cs_set_str(c, &m->shape.arch, arch);
    cs_set_int(c, &m->shape.layers, layers);
    cs_set_int(c, &m->shape.embd, embd);
    cs_set_int(c, &m->shape.heads, heads);
    cs_set_int(c, &m->shape.kv_heads, kv_heads);
    cs_set_int(c, &m->shape.ctx_train, ctx_train);
    cs_set_int(c, &m->shape.vocab, 32000);
    cs_set_int(c, &m->shape.ff, embd * 4);
    cs_set_size(c, &m->shape.weights, weights);
    return m;
}

fleet_model *cs_model_gguf(cs_fleet *c, const char *name, const char *gguf_path) {
    fleet_model *m = &c->models[c->f.n_models++];
    m->at = cs_span(c);
    cs_set_str(c, &m->name, name);
    cs_set_str(c, &m->path, "/models/m.gguf");
    cs_set_str(c, &m->gguf, gguf_path);
    return m;
}

fleet_service *cs_service(cs_fleet *c, const char *name, const char *host, const char *model, int64_t port) {
    uint32_t i = c->f.n_services++;
    fleet_service *s = &c->services[i];
    s->at = cs_span(c);
    cs_set_str(c, &s->name, name);
    cs_set_str(c, &s->host, host);
    cs_set_str(c, &s->model, model);
    if (port >= 0) cs_set_int(c, &s->port, port);
    s->gpus = c->svc_gpus[i];
    s->tensor_split = c->svc_split[i];
    return s;
}

void cs_gpus(cs_fleet *c, fleet_service *s, uint32_t n, const int64_t *idx) {
    s->gpus_set = true;
    s->gpus_at = cs_span(c);
    s->n_gpus = n;
    for (uint32_t i = 0; i < n; i++) cs_set_int(c, &s->gpus[i], idx[i]);
}

void cs_split(cs_fleet *c, fleet_service *s, uint32_t n, const double *shares) {
    s->tensor_split_at = cs_span(c);
    s->n_tensor_split = n;
    for (uint32_t i = 0; i < n; i++) cs_set_num(c, &s->tensor_split[i], shares[i]);
}

void cs_run(cs_fleet *c, const char *fleet_dir) {
    if (c->ran) check_result_free(&c->r);
    check_fleet(&c->f, fleet_dir, &c->d, &c->r);
    c->ran = true;
}

size_t cs_count(const cs_fleet *c, const char *code) {
    size_t n = 0;
    for (size_t i = 0; i < c->d.n; i++) n += strcmp(c->d.items[i]->code, code) == 0;
    return n;
}

const diagnostic *cs_find(const cs_fleet *c, const char *code, size_t nth) {
    for (size_t i = 0; i < c->d.n; i++)
        if (strcmp(c->d.items[i]->code, code) == 0 && nth-- == 0) return c->d.items[i];
    return NULL;
}

void cs_dump(const cs_fleet *c) {
    for (size_t i = 0; i < c->d.n; i++) {
        const diagnostic *d = c->d.items[i];
        fprintf(stderr, "# %s line %u: %s\n", d->code, d->at.line, d->message);
        for (size_t k = 0; k < d->n_notes; k++)
            fprintf(stderr, "#    note line %u: %s\n", d->notes[k].at.line, d->notes[k].message);
        if (d->help) fprintf(stderr, "#    help: %s\n", d->help);
    }
}
