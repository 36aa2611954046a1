/*
 * entropy.c - Shannon entropy over the bytes of a secret (see entropy.h).
 */
#include "match/entropy.h"

#include <math.h>

double ls_entropy_shannon(const unsigned char *p, size_t n)
{
    size_t counts[256] = { 0 };
    size_t i;
    double h = 0.0;
    if (n == 0)
        return 0.0;
    for (i = 0; i < n; i++)
        counts[p[i]]++;
    for (i = 0; i < 256; i++) {
        if (counts[i]) {
            double q = (double)counts[i] / (double)n;
            h -= q * log2(q);
        }
    }
    return h;
}
