/* The scheduler: one thread owns the model and the ie_context (which is not
 * thread-safe), loads them, and drives every busy slot one step at a time
 * (a prompt chunk or one token), so slots progress interleaved. HTTP
 * threads submit jobs, wait on them and read their text as it comes. */
#ifndef INFRAC_SERVER_SCHEDULER_H
#define INFRAC_SERVER_SCHEDULER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "metrics.h"
#include "strbuf.h"

typedef struct scheduler scheduler;

typedef struct scheduler_config {
    const char *model_path;
    ie_context_params ctx; /* n_ctx 0 = the model's training context */
    uint32_t queue_capacity;
    /* Called from the scheduler thread when the model cannot be loaded. */
    void (*on_load_failed)(const char *message);
    /* Called from the scheduler thread once the model is loaded, before
     * requests are taken; false (with err) fails the load. May be NULL. */
    bool (*on_loaded)(void *arg, const ie_vocab *v, char *err, size_t errlen);
    void *on_loaded_arg;
} scheduler_config;

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

typedef struct job {
    /* Inputs, set before submit; the job owns them. */
    int32_t *prompt;
    uint32_t n_prompt;
    uint32_t max_tokens;
    ie_sampler_params sampling;
    char **stop;
    size_t n_stop;
    bool logprobs;          /* record each sampled token's log probability */
    uint32_t top_logprobs;  /* with the most likely alternatives */
    bool json_object;       /* constrain the output to one JSON object */
    struct call_grammar *call; /* constrain the output to one tool call (the job owns it) */
    struct schema_grammar *schema; /* constrain the output to the schema (the job owns it) */
    bool think_inside;      /* the chat prompt ends inside an opened thinking block */
    int32_t preserve[12];   /* control tokens written as their text (tool-call markers) */
    bool embed;             /* no generation: the prompt's pooled embedding into embedding */
    uint32_t n_preserve;

    /* Shared with the scheduler thread: read under scheduler_wait. */
    atomic_bool cancelled;
    job_state state;
    strbuf text;                /* released text not yet taken */
    struct json_t *lp_entries;  /* logprobs entries not yet taken (json array) */
    uint32_t n_generated;
    uint32_t n_cached;          /* prompt tokens reused from the slot's cache */
    const char *finish_reason;  /* "stop" or "length" when done without error */
    int error_status;           /* 0, or the HTTP status of a failure */
    float *embedding;           /* embed: n_embd floats, L2-normalized, once done */
    char error[256];

    /* Private to the scheduler. */
    double t_submit, t_first; /* monotonic seconds: accepted, first token */
    int refs;
    struct job *next;
    void *cv; /* pthread_cond_t */
} job;

typedef enum submit_result { SUBMIT_OK, SUBMIT_QUEUE_FULL, SUBMIT_UNAVAILABLE } submit_result;

scheduler *scheduler_new(const scheduler_config *cfg);
/* Starts the thread, which loads the model. */
bool scheduler_start(scheduler *s);
bool scheduler_loaded(scheduler *s);
/* Valid once loaded, read-only, safe from any thread. */
const ie_vocab *scheduler_vocab(scheduler *s);
uint32_t scheduler_slot_context(scheduler *s);
uint32_t scheduler_n_embd(scheduler *s);
ie_pooling scheduler_pooling(scheduler *s);

/* A job with one reference held by the caller. */
job *job_new(void);
void job_unref(scheduler *s, job *j);

submit_result scheduler_submit(scheduler *s, job *j);
/* Waits up to timeout_ms for news; moves released text into out. Returns
 * true once the job is done and all its text has been taken. */
bool scheduler_wait(scheduler *s, job *j, strbuf *out, int timeout_ms);
/* The logprobs entries recorded since the last call (a json array, caller
 * owns it; empty when none). */
struct json_t *scheduler_take_logprobs(scheduler *s, job *j);
/* The client is gone: the job leaves its slot or the queue at once. */
void scheduler_cancel(scheduler *s, job *j);

void scheduler_gauges(scheduler *s, metrics_gauges *g);
/* Stops taking jobs, fails queued ones with 503, lets running ones finish
 * for up to grace_s seconds, aborts the rest and joins the thread. */
void scheduler_shutdown(scheduler *s, unsigned grace_s);
void scheduler_free(scheduler *s);

#endif
