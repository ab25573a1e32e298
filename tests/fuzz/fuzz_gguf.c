/* libFuzzer target: the shared GGUF reader (gguf_parse and its getters)
 * and infrac-engine's model validation on whatever parses. Nothing may
 * crash, leak or read out of bounds; a model that validates must have all
 * its tensors inside the buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch_metadata(const gguf_file *f)
{
    for (uint64_t i = 0; i < f->n_kv; i++) {
        const gguf_kv *kv = &f->kv[i];
        if (kv->type == GGUF_VT_ARRAY) {
            if (kv->elem_type == GGUF_VT_STRING) {
                gguf_str *s = gguf_array_strings(kv);
                free(s);
            } else {
                int64_t v;
                double d;
                for (uint64_t j = 0; j < kv->count && j < 8; j++) {
                    (void)gguf_array_i64(kv, j, &v);
                    (void)gguf_array_f64(kv, j, &d);
                }
            }
        }
    }
    uint64_t u;
    double d;
    gguf_str s;
    (void)gguf_get_u64(f, "llama.block_count", &u);
    (void)gguf_get_f64(f, "llama.rope.freq_base", &d);
    (void)gguf_get_str(f, "general.architecture", &s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gguf_file f;
    char err[512];
    if (gguf_parse(&f, data, size, err, sizeof err) != 0)
        return 0;
    touch_metadata(&f);
    for (uint64_t i = 0; i < f.n_tensors; i++) {
        const uint8_t *p = gguf_tensor_data(&f, &f.tensors[i]);
        if (p && (p < data || p + f.tensors[i].nbytes > data + size))
            abort(); /* the reader handed out bytes outside the buffer */
    }
    ie_model *m = ie_model_from_gguf(&f, err, sizeof err);
    if (m) {
        /* Read the first and last byte of every weight it accepted. */
        volatile uint8_t sink = 0;
        for (uint32_t l = 0; l < m->hp.n_layer; l++) {
            const ie_layer *ly = &m->layers[l];
            if (m->hp.n_expert) { /* the router and the last expert's last row */
                ie_weight last = ie_expert_slice(&ly->exp_down, m->hp.n_expert - 1);
                sink ^= ly->router.data[ly->router.rows * ly->router.row_bytes - 1];
                sink ^= ly->exp_gate.data[0] ^ last.data[last.rows * last.row_bytes - 1];
                continue;
            }
            const ie_weight *w = &ly->w_down;
            sink ^= w->data[0] ^ w->data[w->rows * w->row_bytes - 1];
        }
        sink ^= m->output.data[m->output.rows * m->output.row_bytes - 1];
        (void)sink;
        ie_model_free(m);
    } else {
        gguf_close(&f);
    }
    return 0;
}
