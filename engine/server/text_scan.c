#include "text_scan.h"

#include <string.h>

const char *text_find(const char *h, size_t hn, const char *marker)
{
    return memmem(h, hn, marker, strlen(marker)); /* glibc (_GNU_SOURCE) */
}

size_t text_partial_suffix(const char *s, size_t n, const char *marker)
{
    size_t m = strlen(marker);
    for (size_t k = m - 1 < n ? m - 1 : n; k > 0; k--)
        if (memcmp(s + n - k, marker, k) == 0)
            return k;
    return 0;
}
