#include "conn_watch.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#define TICK_MS 200

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *watchdog(void *arg)
{
    conn_watch *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->wake, &w->lock, &until);
        double t = now_s();
        for (conn_state *s = w->head; s; s = s->next) {
            unsigned limit = w->limit_s[s->phase];
            if (limit && !s->cut && t - s->since > limit) {
                /* shutdown, not close: the fd stays libmicrohttpd's to close. */
                shutdown(s->fd, SHUT_RDWR);
                s->cut = true;
            }
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

bool conn_watch_start(conn_watch *w, unsigned idle_s, unsigned header_s, unsigned body_s)
{
    w->head = NULL;
    w->stop = false;
    w->limit_s[CONN_IDLE] = idle_s;
    w->limit_s[CONN_HEADERS] = header_s;
    w->limit_s[CONN_BODY] = body_s;
    w->limit_s[CONN_HANDLING] = 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, &ca);
    pthread_condattr_destroy(&ca);
    w->running = pthread_create(&w->thread, NULL, watchdog, w) == 0;
    return w->running;
}

void conn_watch_stop(conn_watch *w)
{
    if (!w->running)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->running = false;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
}

conn_state *conn_watch_add(conn_watch *w, int fd)
{
    conn_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = fd;
    s->phase = CONN_IDLE;
    pthread_mutex_lock(&w->lock);
    s->since = now_s();
    s->next = w->head;
    if (w->head)
        w->head->prev = s;
    w->head = s;
    pthread_mutex_unlock(&w->lock);
    return s;
}

void conn_watch_remove(conn_watch *w, conn_state *s)
{
    pthread_mutex_lock(&w->lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        w->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    pthread_mutex_unlock(&w->lock);
    free(s);
}

void conn_watch_enter(conn_watch *w, conn_state *s, conn_phase phase)
{
    pthread_mutex_lock(&w->lock);
    s->phase = phase;
    s->since = now_s();
    pthread_mutex_unlock(&w->lock);
}
