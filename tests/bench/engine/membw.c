/* Memory read bandwidth with T threads: the physical limit for generation,
 * which must stream every weight once per token. Prints GB/s (10^9 B/s).
 *   membw THREADS [MIB] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct part {
    const uint64_t *p;
    size_t n;
    uint64_t sum;
} part;

static void *reader(void *arg)
{
    part *w = arg;
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t i = 0; i + 4 <= w->n; i += 4) {
        s0 += w->p[i];
        s1 += w->p[i + 1];
        s2 += w->p[i + 2];
        s3 += w->p[i + 3];
    }
    w->sum = s0 + s1 + s2 + s3;
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    size_t mib = argc > 2 ? (size_t)atol(argv[2]) : 2048;
    if (threads < 1 || threads > 256 || mib < 64) {
        fprintf(stderr, "usage: membw THREADS [MIB>=64]\n");
        return 2;
    }
    size_t n = mib * 1024 * 1024 / 8;
    uint64_t *buf = malloc(n * 8);
    if (!buf) {
        perror("malloc");
        return 1;
    }
    memset(buf, 1, n * 8); /* fault every page in before timing */
    double best = 0;
    uint64_t check = 0;
    for (int rep = 0; rep < 5; rep++) {
        pthread_t tid[256];
        part parts[256];
        double t0 = now();
        for (int t = 0; t < threads; t++) {
            parts[t].p = buf + n / threads * t;
            parts[t].n = n / threads;
            pthread_create(&tid[t], NULL, reader, &parts[t]);
        }
        for (int t = 0; t < threads; t++) {
            pthread_join(tid[t], NULL);
            check += parts[t].sum;
        }
        double gbs = (double)(n / threads * threads * 8) / (now() - t0) / 1e9;
        if (gbs > best)
            best = gbs;
    }
    printf("%.2f\n", best);
    free(buf);
    return check == 42; /* keeps the sums alive */
}
