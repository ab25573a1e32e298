#include "mapping_guard.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define GUARD_SLOTS 8 /* a model and a draft, with room to spare */

typedef struct guarded {
    _Atomic uintptr_t base; /* 0 = free slot */
    size_t size;
    char message[640];      /* composed at registration: the handler only writes it */
    size_t message_len;
} guarded;

static guarded slots[GUARD_SLOTS];
static struct sigaction previous;
static atomic_flag installed = ATOMIC_FLAG_INIT;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        uintptr_t base = atomic_load(&slots[i].base);
        if (base && a >= base && a - base < slots[i].size) {
            if (write(STDERR_FILENO, slots[i].message, slots[i].message_len) < 0) {
                /* nothing more can be said */
            }
            _exit(1);
        }
    }
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
        previous.sa_sigaction(sig, si, uc);
        return;
    }
    if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    /* Not ours: the default action, when the faulting access runs again. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
}

bool ie_mapping_guard_add(const void *base, size_t size, const char *path)
{
    if (!base || !size)
        return false;
    for (int i = 0; i < GUARD_SLOTS; i++) {
        guarded *g = &slots[i];
        if (atomic_load(&g->base))
            continue;
        g->size = size;
        int n = snprintf(g->message, sizeof g->message,
                         "infrac-engine: the model file %s shrank while mapped (truncated or "
                         "rewritten in place under the running engine): exiting. Replace a model "
                         "by renaming a new file over it, then restart the service.\n",
                         path);
        g->message_len = n < 0 ? 0 : (size_t)n < sizeof g->message ? (size_t)n : sizeof g->message - 1;
        atomic_store(&g->base, (uintptr_t)base);
        if (!atomic_flag_test_and_set(&installed)) {
            struct sigaction sa = {.sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO};
            sigemptyset(&sa.sa_mask);
            sigaction(SIGBUS, &sa, &previous);
        }
        return true;
    }
    return false;
}

void ie_mapping_guard_remove(const void *base)
{
    for (int i = 0; i < GUARD_SLOTS; i++)
        if (atomic_load(&slots[i].base) == (uintptr_t)base)
            atomic_store(&slots[i].base, 0);
}
