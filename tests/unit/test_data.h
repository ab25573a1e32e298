/* Where the unit tests find their data: tests/data/ of this checkout, found
 * through $SRC (tests/run.sh sets it to the repository root) or, run by hand
 * from the repository root, the current directory. Nothing outside the repo. */
#ifndef INFRAC_TEST_DATA_H
#define INFRAC_TEST_DATA_H

#include <stdio.h>
#include <stdlib.h>

static inline const char *test_data_path(const char *rel, char *buf, size_t n)
{
    const char *src = getenv("SRC");
    snprintf(buf, n, "%s/tests/data/%s", src && *src ? src : ".", rel);
    return buf;
}

#endif
