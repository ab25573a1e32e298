#include "scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "call_matcher.h"
#include "schema_matcher.h"
#include "logprobs.h"
#include "text_stream.h"
#include "token_mask.h"

typedef struct slot {
    job *job;          /* NULL when free */
    int32_t *cache;    /* the tokens in this slot's KV cells */
    uint32_t n_cache;
    uint32_t n_prompt_done;
    bool prompt_done;
    ie_sampler *sampler;
    text_stream text;
    json_matcher jm; /* the job asked for a JSON object */
    call_matcher cm; /* the job must make one tool call */
    schema_matcher sm; /* the job's output must validate against its schema */
} slot;

struct scheduler {
    scheduler_config cfg;
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t wake; /* the scheduler thread waits here for work */
    pthread_cond_t idle; /* shutdown waits here for the last job */

    /* Set once by the scheduler thread, then read-only. */
    atomic_bool loaded;
    ie_model *model;
    ie_context *ctx;
    const ie_vocab *vocab;
    uint32_t n_slots, slot_ctx, n_vocab, n_batch;
    slot *slots;
    token_pieces *pieces; /* built for the first constrained job */
    float *masked;        /* n_vocab logits, constrained */

    /* Guarded by mu. */
    job *queue_head, *queue_tail;
    uint32_t n_queued, n_busy;
    bool draining, stopping;
    struct timespec deadline;
    uint64_t prompt_tokens, generated_tokens;
    double prompt_seconds, generation_seconds;
    uint64_t kv_used;
    histogram ttft, tpot, e2e; /* latencies, under mu */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

scheduler *scheduler_new(const scheduler_config *cfg)
{
    scheduler *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->cfg = *cfg;
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_cond_init(&s->idle, &ca);
    pthread_condattr_destroy(&ca);
    return s;
}

job *job_new(void)
{
    job *j = calloc(1, sizeof *j);
    pthread_cond_t *cv = malloc(sizeof *cv);
    if (!j || !cv)
        abort();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
    j->cv = cv;
    j->refs = 1;
    atomic_init(&j->cancelled, false);
    return j;
}

/* The output is constrained by a grammar (token_mask.c). */
static bool constrained(const job *j) { return j->json_object || j->call || j->schema; }

static void job_free(job *j)
{
    free(j->prompt);
    for (size_t i = 0; i < j->n_stop; i++)
        free(j->stop[i]);
    free(j->stop);
    sb_free(&j->text);
    json_decref(j->lp_entries);
    call_grammar_free(j->call);
    schema_grammar_free(j->schema);
    free(j->embedding);
    pthread_cond_destroy(j->cv);
    free(j->cv);
    free(j);
}

static void unref_locked(job *j)
{
    if (--j->refs == 0)
        job_free(j);
}

void job_unref(scheduler *s, job *j)
{
    pthread_mutex_lock(&s->mu);
    unref_locked(j);
    pthread_mutex_unlock(&s->mu);
}

bool scheduler_loaded(scheduler *s) { return atomic_load(&s->loaded); }
const ie_vocab *scheduler_vocab(scheduler *s) { return s->vocab; }
uint32_t scheduler_slot_context(scheduler *s) { return s->slot_ctx; }
uint32_t scheduler_n_embd(scheduler *s) { return ie_model_n_embd(s->model); }
ie_pooling scheduler_pooling(scheduler *s) { return ie_model_pooling(s->model); }

/* Under mu: the job is over; wake its waiter and drop our reference. */
static void complete_locked(scheduler *s, job *j, const char *finish_reason, int status,
                            const char *error)
{
    j->state = JOB_DONE;
    j->finish_reason = finish_reason;
    if (status) {
        j->error_status = status;
        snprintf(j->error, sizeof j->error, "%s", error);
    }
    pthread_cond_broadcast(j->cv);
    unref_locked(j);
    (void)s;
}

submit_result scheduler_submit(scheduler *s, job *j)
{
    pthread_mutex_lock(&s->mu);
    if (!atomic_load(&s->loaded) || s->draining) {
        pthread_mutex_unlock(&s->mu);
        return SUBMIT_UNAVAILABLE;
    }
    uint32_t free_slots = s->n_slots - s->n_busy;
    if (s->n_queued >= free_slots + s->cfg.queue_capacity) {
        pthread_mutex_unlock(&s->mu);
        return SUBMIT_QUEUE_FULL;
    }
    j->refs++;
    j->t_submit = now_s();
    j->state = JOB_QUEUED;
    j->next = NULL;
    if (s->queue_tail)
        s->queue_tail->next = j;
    else
        s->queue_head = j;
    s->queue_tail = j;
    s->n_queued++;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    return SUBMIT_OK;
}

bool scheduler_wait(scheduler *s, job *j, strbuf *out, int timeout_ms)
{
    pthread_mutex_lock(&s->mu);
    if (j->text.len == 0 && j->state != JOB_DONE && timeout_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        ts.tv_sec += timeout_ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(j->cv, &s->mu, &ts);
    }
    sb_append(out, j->text.p, j->text.len);
    sb_clear(&j->text);
    bool done = j->state == JOB_DONE;
    pthread_mutex_unlock(&s->mu);
    return done;
}

json_t *scheduler_take_logprobs(scheduler *s, job *j)
{
    pthread_mutex_lock(&s->mu);
    json_t *e = j->lp_entries;
    j->lp_entries = NULL;
    pthread_mutex_unlock(&s->mu);
    return e ? e : json_array();
}

void scheduler_cancel(scheduler *s, job *j)
{
    atomic_store(&j->cancelled, true);
    pthread_mutex_lock(&s->mu);
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
}

void scheduler_gauges(scheduler *s, metrics_gauges *g)
{
    pthread_mutex_lock(&s->mu);
    g->slots_total = s->n_slots;
    g->slots_busy = s->n_busy;
    g->queue_length = s->n_queued;
    g->queue_capacity = s->cfg.queue_capacity;
    g->kv_cells_used = s->kv_used;
    g->kv_cells_total = (uint64_t)s->slot_ctx * s->n_slots;
    g->model_loaded = atomic_load(&s->loaded);
    g->prompt_tokens = s->prompt_tokens;
    g->generated_tokens = s->generated_tokens;
    g->prompt_seconds = s->prompt_seconds;
    g->generation_seconds = s->generation_seconds;
    g->ttft = s->ttft;
    g->tpot = s->tpot;
    g->e2e = s->e2e;
    pthread_mutex_unlock(&s->mu);
}

/* ---- the scheduler thread ---- */

static bool load(scheduler *s)
{
    char err[512] = "";
    s->model = ie_model_load(s->cfg.model_path, err, sizeof err);
    if (!s->model) {
        char msg[800];
        snprintf(msg, sizeof msg, "cannot load model %s: %s", s->cfg.model_path, err);
        s->cfg.on_load_failed(msg);
        return false;
    }
    ie_context_params p = s->cfg.ctx;
    if (p.n_ctx == 0)
        p.n_ctx = ie_model_n_ctx_train(s->model);
    s->ctx = ie_context_new(s->model, &p, err, sizeof err);
    if (!s->ctx) {
        char msg[800];
        snprintf(msg, sizeof msg, "cannot create the context (%u cells, %u slots): %s", p.n_ctx,
                 p.n_slots, err);
        s->cfg.on_load_failed(msg);
        return false;
    }
    s->vocab = ie_model_vocab(s->model);
    if (!s->vocab) {
        char msg[800];
        snprintf(msg, sizeof msg,
                 "%s has no tokenizer (tokenizer.ggml.* metadata): the server needs one to read "
                 "and write text",
                 s->cfg.model_path);
        s->cfg.on_load_failed(msg);
        return false;
    }
    if (s->cfg.on_loaded && !s->cfg.on_loaded(s->cfg.on_loaded_arg, s->vocab, err, sizeof err)) {
        s->cfg.on_load_failed(err);
        return false;
    }
    s->n_vocab = ie_model_n_vocab(s->model);
    s->n_slots = p.n_slots;
    s->slot_ctx = ie_slot_n_ctx(s->ctx);
    s->n_batch = p.n_batch ? p.n_batch : 512;
    s->slots = calloc(s->n_slots, sizeof *s->slots);
    if (!s->slots)
        abort();
    for (uint32_t i = 0; i < s->n_slots; i++) {
        s->slots[i].cache = calloc(s->slot_ctx ? s->slot_ctx : 1, sizeof(int32_t));
        if (!s->slots[i].cache)
            abort();
    }
    return true;
}

static uint32_t common_prefix(const int32_t *a, uint32_t na, const int32_t *b, uint32_t nb)
{
    uint32_t i = 0;
    while (i < na && i < nb && a[i] == b[i])
        i++;
    return i;
}

/* Under mu: drops cancelled queued jobs (all of them while draining), then
 * moves queued jobs in order to free slots, each to the slot whose cache
 * shares the longest prefix with its prompt. */
static void assign_locked(scheduler *s)
{
    job *prev = NULL;
    for (job *j = s->queue_head, *next; j; j = next) {
        next = j->next;
        bool cancelled = atomic_load(&j->cancelled);
        if (!cancelled && !s->draining) {
            prev = j;
            continue;
        }
        if (prev)
            prev->next = next;
        else
            s->queue_head = next;
        if (s->queue_tail == j)
            s->queue_tail = prev;
        s->n_queued--;
        complete_locked(s, j, NULL, 503, cancelled ? "cancelled" : "server is shutting down");
    }
    while (s->queue_head && s->n_busy < s->n_slots) {
        job *j = s->queue_head;
        s->queue_head = j->next;
        if (!s->queue_head)
            s->queue_tail = NULL;
        s->n_queued--;
        int best = -1;
        uint32_t best_len = 0;
        for (uint32_t i = 0; i < s->n_slots; i++) {
            if (s->slots[i].job)
                continue;
            uint32_t l =
                common_prefix(s->slots[i].cache, s->slots[i].n_cache, j->prompt, j->n_prompt);
            if (best < 0 || l > best_len)
                best = (int)i, best_len = l;
        }
        slot *sl = &s->slots[best];
        sl->job = j;
        sl->prompt_done = false;
        /* At least one prompt token is decoded, for its logits; an
         * embedding pools every token's hidden state, so none is reused. */
        j->n_cached = j->embed ? 0 : best_len < j->n_prompt ? best_len : j->n_prompt - 1;
        if (j->embed && !j->embedding && !(j->embedding = calloc(ie_model_n_embd(s->model), sizeof(float))))
            abort();
        /* Sliding-window layers keep only the last window + batch
         * positions: a prefix that ends behind them is recomputed from 0,
         * as llama.cpp's server does (the run thread, which decodes, is
         * the one assigning). */
        if (!ie_slot_can_resume(s->ctx, (uint32_t)best, j->n_cached))
            j->n_cached = 0;
        sl->n_prompt_done = j->n_cached;
        sl->n_cache = j->n_cached; /* later cells get overwritten */
        sl->sampler = ie_sampler_new(&j->sampling, s->n_vocab);
        text_stream_init(&sl->text, j->stop, j->n_stop);
        jm_init(&sl->jm);
        if (j->call)
            cm_init(j->call, &sl->cm);
        sm_init(&sl->sm);
        if (constrained(j) && !s->pieces) {
            s->pieces = token_pieces_new(s->vocab);
            s->masked = malloc(s->n_vocab * sizeof *s->masked);
            if (!s->masked)
                abort();
        }
        j->state = JOB_RUNNING;
        s->n_busy++;
    }
}

/* Releases the slot's job with the given outcome. */
static void finish(scheduler *s, slot *sl, const char *reason, int status, const char *error)
{
    strbuf tail = {0};
    if (!status)
        text_stream_finish(&sl->text, &tail);
    text_stream_free(&sl->text);
    ie_sampler_free(sl->sampler);
    sl->sampler = NULL;
    pthread_mutex_lock(&s->mu);
    sb_append(&sl->job->text, tail.p, tail.len);
    complete_locked(s, sl->job, reason, status, error);
    sl->job = NULL;
    s->n_busy--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    sb_free(&tail);
}

static bool decode(scheduler *s, slot *sl, const int32_t *tokens, uint32_t n)
{
    char err[256] = "";
    uint32_t idx = (uint32_t)(sl - s->slots);
    uint32_t pos = sl->n_cache;
    int rc = sl->job->embed ? ie_decode_pooled(s->ctx, idx, tokens, n, pos, sl->job->embedding, err, sizeof err)
                            : ie_decode(s->ctx, idx, tokens, n, pos, err, sizeof err);
    if (rc != 0) {
        char msg[300];
        snprintf(msg, sizeof msg, "decode failed: %s", err);
        sl->n_cache = 0; /* the cache no longer matches what we think */
        finish(s, sl, NULL, 500, msg);
        return false;
    }
    memcpy(sl->cache + pos, tokens, n * sizeof *tokens);
    sl->n_cache = pos + n;
    return true;
}

/* The pooled vector, L2-normalized as llama-server does for
 * /v1/embeddings (common embd_normalize 2, the Euclidean norm). */
static void finish_embedding(scheduler *s, slot *sl)
{
    job *j = sl->job;
    uint32_t E = ie_model_n_embd(s->model);
    double norm = 0;
    for (uint32_t i = 0; i < E; i++) {
        if (ie_model_pooling(s->model) == IE_POOLING_MEAN)
            j->embedding[i] /= (float)j->n_prompt;
        norm += (double)j->embedding[i] * j->embedding[i];
    }
    norm = sqrt(norm);
    for (uint32_t i = 0; i < E && norm > 0; i++)
        j->embedding[i] = (float)(j->embedding[i] / norm);
    finish(s, sl, "stop", 0, NULL);
}

static void step_prompt(scheduler *s, slot *sl)
{
    job *j = sl->job;
    uint32_t n = j->n_prompt - sl->n_prompt_done;
    if (n > s->n_batch)
        n = s->n_batch;
    double t0 = now_s();
    if (!decode(s, sl, j->prompt + sl->n_prompt_done, n))
        return;
    sl->n_prompt_done += n;
    sl->prompt_done = sl->n_prompt_done == j->n_prompt;
    pthread_mutex_lock(&s->mu);
    s->prompt_tokens += n;
    s->prompt_seconds += now_s() - t0;
    pthread_mutex_unlock(&s->mu);
    if (j->embed && sl->prompt_done)
        finish_embedding(s, sl);
}

static void step_token(scheduler *s, slot *sl)
{
    job *j = sl->job;
    uint32_t idx = (uint32_t)(sl - s->slots);
    double t0 = now_s();
    const float *raw = ie_logits(s->ctx, idx), *logits = raw;
    if (constrained(j)) {
        /* Tokens still possible after this one: each can close one byte. */
        uint32_t left = j->max_tokens - j->n_generated - 1;
        uint32_t room = s->slot_ctx - sl->n_cache > 1 ? s->slot_ctx - sl->n_cache - 2 : 0;
        uint32_t budget = left < room ? left : room;
        memcpy(s->masked, logits, s->n_vocab * sizeof *s->masked);
        uint32_t allowed =
            j->call     ? token_mask_call(s->pieces, j->call, &sl->cm, budget, s->masked)
            : j->schema ? token_mask_schema(s->pieces, j->schema, &sl->sm, budget, s->masked)
                        : token_mask_json(s->pieces, &sl->jm, budget, s->masked);
        if (!allowed) {
            finish(s, sl, "length", 0, NULL);
            return;
        }
        logits = s->masked;
    }
    int32_t tok = ie_sampler_sample(sl->sampler, logits, sl->cache, sl->n_cache);
    bool json_done = false;
    if (constrained(j)) {
        uint32_t plen;
        const char *pb = token_pieces_get(s->pieces, tok, &plen);
        /* the mask allowed only tokens that fit */
        if (j->call) {
            cm_feed_all(j->call, &sl->cm, pb, plen);
            json_done = cm_done(&sl->cm);
        } else if (j->schema) {
            sm_feed_all(j->schema, &sl->sm, pb, plen);
            json_done = sm_done(&sl->sm);
        } else {
            jm_feed_all(&sl->jm, pb, plen);
            json_done = jm_done(&sl->jm);
        }
    }

    strbuf out = {0};
    bool eog = ie_vocab_is_eog(s->vocab, tok);
    /* The end-of-generation token is no text: OpenAI lists none for it. */
    json_t *lp = j->logprobs && !eog
                     ? logprobs_entry(s->vocab, raw, s->n_vocab, tok, j->top_logprobs)
                     : NULL;
    bool stopped = false;
    bool special = false; /* a tool-call marker the reply parser must see */
    for (uint32_t i = 0; i < j->n_preserve && !special; i++)
        special = j->preserve[i] == tok;
    if (!eog) {
        char buf[256];
        int len = ie_token_to_piece(s->vocab, tok, buf, sizeof buf, special);
        if (len > (int)sizeof buf) {
            char *big = malloc((size_t)len);
            if (!big)
                abort();
            len = ie_token_to_piece(s->vocab, tok, big, len, special);
            stopped = len > 0 && text_stream_feed(&sl->text, big, (size_t)len, &out);
            free(big);
        } else if (len > 0)
            stopped = text_stream_feed(&sl->text, buf, (size_t)len, &out);
    }
    stopped = stopped || json_done; /* the object or call is closed: nothing may follow */
    bool done = eog || stopped || j->n_generated + 1 >= j->max_tokens ||
                sl->n_cache >= s->slot_ctx;
    double t = now_s();
    pthread_mutex_lock(&s->mu);
    j->n_generated++;
    if (j->n_generated == 1) {
        j->t_first = t;
        histogram_observe(&s->ttft, t - j->t_submit);
    }
    if (done) { /* vLLM's e2e request latency and time per output token */
        histogram_observe(&s->e2e, t - j->t_submit);
        if (j->n_generated > 1)
            histogram_observe(&s->tpot, (t - j->t_first) / (j->n_generated - 1));
    }
    if (lp) {
        if (!j->lp_entries)
            j->lp_entries = json_array();
        json_array_append_new(j->lp_entries, lp);
    }
    sb_append(&j->text, out.p, out.len);
    if (out.len)
        pthread_cond_broadcast(j->cv);
    pthread_mutex_unlock(&s->mu);
    sb_free(&out);

    if (eog || stopped)
        finish(s, sl, "stop", 0, NULL);
    else if (j->n_generated >= j->max_tokens || sl->n_cache >= s->slot_ctx)
        finish(s, sl, "length", 0, NULL);
    else
        decode(s, sl, &tok, 1);

    pthread_mutex_lock(&s->mu);
    s->generated_tokens++;
    s->generation_seconds += now_s() - t0;
    pthread_mutex_unlock(&s->mu);
}

static bool past_deadline(const scheduler *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec > s->deadline.tv_sec ||
           (ts.tv_sec == s->deadline.tv_sec && ts.tv_nsec >= s->deadline.tv_nsec);
}

static void *run(void *arg)
{
    scheduler *s = arg;
    if (!load(s))
        return NULL;
    atomic_store(&s->loaded, true);
    fprintf(stderr, "infrac-engine: model loaded: %u slots of %u cells\n", s->n_slots,
            s->slot_ctx);

    pthread_mutex_lock(&s->mu);
    for (;;) {
        assign_locked(s);
        if (s->n_busy == 0) {
            pthread_cond_broadcast(&s->idle);
            if (s->stopping)
                break;
            pthread_cond_wait(&s->wake, &s->mu);
            continue;
        }
        bool abort_all = s->draining && past_deadline(s);
        pthread_mutex_unlock(&s->mu);

        uint64_t used = 0;
        for (uint32_t i = 0; i < s->n_slots; i++) {
            slot *sl = &s->slots[i];
            if (sl->job) {
                if (atomic_load(&sl->job->cancelled))
                    finish(s, sl, NULL, 499, "cancelled");
                else if (abort_all)
                    finish(s, sl, NULL, 503, "aborted: the server is shutting down");
                else if (!sl->prompt_done)
                    step_prompt(s, sl);
                else
                    step_token(s, sl);
            }
            used += sl->n_cache;
        }
        pthread_mutex_lock(&s->mu);
        s->kv_used = used;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

bool scheduler_start(scheduler *s)
{
    sigset_t all, old;
    sigfillset(&all);
    /* Signals belong to the main thread, except the ones a fault raises in
     * the thread that faulted: the kernel kills the process outright when
     * one of those is blocked, so the model mapping's SIGBUS guard
     * (mapping_guard.h) would never run. */
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, run, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    s->started = rc == 0;
    return s->started;
}

void scheduler_shutdown(scheduler *s, unsigned grace_s)
{
    if (!s->started)
        return;
    pthread_mutex_lock(&s->mu);
    s->draining = true;
    clock_gettime(CLOCK_MONOTONIC, &s->deadline);
    s->deadline.tv_sec += grace_s;
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->mu);
    /* The thread exits once no job is left (or at once if loading failed). */
    pthread_join(s->thread, NULL);
    s->started = false;
}

void scheduler_free(scheduler *s)
{
    if (!s)
        return;
    scheduler_shutdown(s, 0);
    for (uint32_t i = 0; s->slots && i < s->n_slots; i++)
        free(s->slots[i].cache);
    free(s->slots);
    token_pieces_free(s->pieces);
    free(s->masked);
    if (s->ctx)
        ie_context_free(s->ctx);
    if (s->model)
        ie_model_free(s->model);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->wake);
    pthread_cond_destroy(&s->idle);
    free(s);
}
