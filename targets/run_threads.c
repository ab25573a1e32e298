/* See run_threads.h. */
#include "run_threads.h"

#include <pthread.h>
#include <unistd.h>

void run_threads(void *(*fn)(void *), void *arg, size_t n)
{
    pthread_t th[RUN_THREADS_MAX - 1];
    size_t started = 0;
    while (started + 1 < n && started < RUN_THREADS_MAX - 1 && pthread_create(&th[started], NULL, fn, arg) == 0)
        started++;
    fn(arg);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
}

size_t online_cpus(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 1 ? (size_t)cpus : 1;
}
