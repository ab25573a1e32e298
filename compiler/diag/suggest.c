/* Did-you-mean: the optimal-string-alignment form of Damerau-Levenshtein
 * (a swap of two neighbours costs one, like a typo), case-insensitive. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diag/diag.h"

#define SUGGEST_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
    size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    for (size_t i = 0; i <= n; i++) d[i][0] = i;
    for (size_t j = 0; j <= m; j++) d[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca == cb ? 0 : 1;
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    }
    return d[n][m];
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
    if (!word) return NULL;
    size_t wl = strlen(word);
    if (wl == 0 || wl > SUGGEST_MAX_LEN) return NULL;
    /* A third of the word's length, at least one and at most three edits:
     * "prot" -> "port", but "ab" does not become "gpus". */
    size_t limit = wl / 3;
    if (limit < 1) limit = 1;
    if (limit > 3) limit = 3;
    /* scores count an edit as 2 and a difference of case only as 1, so
     * "Gib" prefers "GiB" over "KiB" */
    const char *best = NULL;
    size_t best_d = 2 * limit + 1;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c) continue;
        size_t cl = strlen(c);
        if (cl > SUGGEST_MAX_LEN) continue;
        size_t diff = cl > wl ? cl - wl : wl - cl;
        if (2 * diff >= best_d) continue;
        size_t d = 2 * edit_distance(word, wl, c, cl);
        if (d == 0 && strcmp(word, c) != 0) d = 1;
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    if (best) return best;
    /* "rtx-4090-24gb" -> "rtx-4090": a known name followed by extra words */
    size_t best_len = 3;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        size_t cl = c ? strlen(c) : 0;
        if (cl > best_len && cl < wl && strncasecmp(word, c, cl) == 0 && strchr("-_.", word[cl])) {
            best = c;
            best_len = cl;
        }
    }
    /* "q8" -> "q8_0": the word starts a known name */
    if (!best && wl >= 2) {
        size_t best_cl = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            const char *c = candidates[i];
            size_t cl = c ? strlen(c) : 0;
            if (cl > wl && cl < best_cl && strncasecmp(word, c, wl) == 0 && strchr("-_.", c[wl])) {
                best = c;
                best_cl = cl;
            }
        }
    }
    return best;
}
