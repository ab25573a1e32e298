/* Pseudo-tensors for a model known only by its declared shape and total
 * size: the embedding and output get vocab x embd parameters, each layer an
 * equal share of the rest (split into dense and expert parts for MoE; the
 * experts as gate, up and down thirds, as a GGUF stores them, since the
 * scheduler copies one expert tensor at a time). */
#include <stdio.h>
#include <stdlib.h>

#include "estimate/estimate_internal.h"

static void set_tensor(model_tensor *t, const char *name, tensor_role role, int32_t layer, uint64_t bytes)
{
    snprintf(t->name, sizeof t->name, "%s", name);
    t->role = role;
    t->layer = layer;
    t->type = 0;
    t->bytes = bytes;
}

model_tensor *est_declared_tensors(const model_shape *m, uint32_t *n)
{
    uint32_t L = m->n_layer;
    model_tensor *ts = calloc(2 + 4 * (size_t)L, sizeof *ts);
    if (!ts)
        return NULL;
    double embd_params = (double)m->n_vocab * m->n_embd;
    double attn = (double)m->n_embd * m->n_head * m->head_dim_k          /* q */
                + 2.0 * m->n_embd * m->n_head_kv * m->head_dim_k           /* k, v */
                + (double)m->n_head * m->head_dim_v * m->n_embd;           /* output */
    double dense_ffn = m->n_expert ? 0.0 : 3.0 * m->n_embd * m->n_ff;
    double expert_ffn = m->n_expert ? 3.0 * m->n_embd * m->n_ff_exp * m->n_expert : 0.0;
    double params = embd_params * (m->tied_output ? 1 : 2) + L * (attn + dense_ffn + expert_ffn);
    double per_param = params > 0 ? (double)m->weights_bytes / params : 0.0;

    uint64_t embd = (uint64_t)(embd_params * per_param);
    uint64_t output = m->tied_output ? 0 : embd;
    if (embd + output > m->weights_bytes)
        embd = output = 0;
    uint64_t rest = m->weights_bytes - embd - output;
    double expert_share = (attn + dense_ffn + expert_ffn) > 0 ? expert_ffn / (attn + dense_ffn + expert_ffn) : 0.0;
    uint32_t k = 0;
    set_tensor(&ts[k++], "token_embd.weight", TROLE_TOKEN_EMBD, -1, embd);
    if (!m->tied_output)
        set_tensor(&ts[k++], "output.weight", TROLE_OUTPUT, -1, output);
    for (uint32_t il = 0; il < L; il++) {
        /* the first layers take the remainder so the sum is exact */
        uint64_t layer = rest / L + (il < rest % L ? 1 : 0);
        uint64_t experts = (uint64_t)(layer * expert_share);
        char name[72];
        snprintf(name, sizeof name, "blk.%u.dense", il);
        set_tensor(&ts[k++], name, TROLE_LAYER, (int32_t)il, layer - experts);
        if (experts) {
            static const char *const parts[3] = {"gate", "up", "down"};
            for (uint32_t j = 0; j < 3; j++) {
                uint64_t third = experts / 3 + (j < experts % 3 ? 1 : 0);
                snprintf(name, sizeof name, "blk.%u.ffn_%s_exps", il, parts[j]);
                set_tensor(&ts[k++], name, TROLE_LAYER_EXPERT, (int32_t)il, third);
            }
        }
    }
    *n = k;
    return ts;
}
