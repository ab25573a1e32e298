/* Token sampling: repetition, presence and frequency penalties, temperature, top-k, top-p, min-p and
 * a seeded xoshiro256** generator (same seed, same choices). Greedy when
 * the temperature is 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

typedef struct candidate {
    float logit;
    int32_t id;
} candidate;

struct ie_sampler {
    ie_sampler_params p;
    uint32_t n_vocab;
    uint64_t rng[4];
    candidate *cand;
    float *probs;
};

void ie_sampler_params_default(ie_sampler_params *p)
{
    p->temperature = 0.8f;
    p->top_k = 40;
    p->top_p = 0.95f;
    p->min_p = 0.05f;
    p->repeat_penalty = 1.0f;
    p->repeat_last_n = 64;
    p->presence_penalty = 0;
    p->frequency_penalty = 0;
    p->seed = 0;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(uint64_t *s)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

ie_sampler *ie_sampler_new(const ie_sampler_params *p, uint32_t n_vocab)
{
    if (n_vocab == 0)
        return NULL;
    ie_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = *p;
    s->n_vocab = n_vocab;
    uint64_t seed = p->seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&seed);
    s->cand = malloc(n_vocab * sizeof *s->cand);
    s->probs = malloc(n_vocab * sizeof *s->probs);
    if (!s->cand || !s->probs) {
        ie_sampler_free(s);
        return NULL;
    }
    return s;
}

void ie_sampler_free(ie_sampler *s)
{
    if (!s)
        return;
    free(s->cand);
    free(s->probs);
    free(s);
}

static int by_logit_desc(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit < y->logit ? 1 : -1;
    return x->id < y->id ? -1 : x->id > y->id; /* deterministic ties */
}

int32_t ie_sampler_sample(ie_sampler *s, const float *logits, const int32_t *history, size_t n_history)
{
    uint32_t n = s->n_vocab;
    for (uint32_t i = 0; i < n; i++)
        s->cand[i] = (candidate){isnan(logits[i]) ? -INFINITY : logits[i], (int32_t)i};
    /* Penalties over the last repeat_last_n tokens, each distinct token
     * once: llama.cpp's repetition penalty (divide a positive logit,
     * multiply a negative one) and OpenAI's presence and frequency
     * penalties (logit -= count * frequency + presence), as llama.cpp's
     * penalties sampler (src/llama-sampling.cpp) applies them together. */
    bool rep = s->p.repeat_penalty != 1.0f && s->p.repeat_penalty > 0;
    bool pf = s->p.presence_penalty != 0 || s->p.frequency_penalty != 0;
    if ((rep || pf) && history && n_history) {
        size_t last = s->p.repeat_last_n < 0 ? n_history : (size_t)s->p.repeat_last_n;
        if (last > n_history)
            last = n_history;
        size_t first = n_history - last;
        for (size_t i = first; i < n_history; i++) {
            int32_t t = history[i];
            if (t < 0 || (uint32_t)t >= n)
                continue;
            bool seen = false;
            for (size_t j = first; j < i && !seen; j++)
                seen = history[j] == t;
            if (seen)
                continue;
            size_t count = 1;
            for (size_t j = i + 1; j < n_history; j++)
                count += history[j] == t;
            float *l = &s->cand[t].logit;
            if (rep)
                *l = *l > 0 ? *l / s->p.repeat_penalty : *l * s->p.repeat_penalty;
            *l -= (float)count * s->p.frequency_penalty + s->p.presence_penalty;
        }
    }
    if (!(s->p.temperature > 0)) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < n; i++)
            if (s->cand[i].logit > s->cand[best].logit)
                best = i;
        return s->cand[best].id;
    }
    /* Candidates below e^-40 of the best cannot matter: dropping them
     * before sorting keeps a 150K vocabulary cheap. */
    float inv_t = 1.0f / s->p.temperature, best = -INFINITY;
    for (uint32_t i = 0; i < n; i++)
        if (s->cand[i].logit > best)
            best = s->cand[i].logit;
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if ((s->cand[i].logit - best) * inv_t >= -40.0f || s->cand[i].logit == best)
            s->cand[m++] = s->cand[i];
    qsort(s->cand, m, sizeof *s->cand, by_logit_desc);
    uint32_t k = m;
    if (s->p.top_k > 0 && (uint32_t)s->p.top_k < k)
        k = (uint32_t)s->p.top_k;
    float max = s->cand[0].logit * inv_t, sum = 0;
    for (uint32_t i = 0; i < k; i++) {
        s->probs[i] = expf(s->cand[i].logit * inv_t - max);
        sum += s->probs[i];
    }
    for (uint32_t i = 0; i < k; i++)
        s->probs[i] /= sum;
    if (s->p.min_p > 0 && s->p.min_p <= 1) {
        float floor = s->probs[0] * s->p.min_p;
        uint32_t keep = 1;
        while (keep < k && s->probs[keep] >= floor)
            keep++;
        k = keep;
    }
    if (s->p.top_p > 0 && s->p.top_p < 1) {
        float cum = 0, total = 0;
        for (uint32_t i = 0; i < k; i++)
            total += s->probs[i];
        uint32_t keep = 0;
        while (keep < k) {
            cum += s->probs[keep++];
            if (cum >= s->p.top_p * total)
                break;
        }
        k = keep;
    }
    float total = 0;
    for (uint32_t i = 0; i < k; i++)
        total += s->probs[i];
    double r = (double)(xoshiro_next(s->rng) >> 11) * (1.0 / 9007199254740992.0) * total;
    double acc = 0;
    for (uint32_t i = 0; i < k; i++) {
        acc += s->probs[i];
        if (r < acc)
            return s->cand[i].id;
    }
    return s->cand[k - 1].id;
}
