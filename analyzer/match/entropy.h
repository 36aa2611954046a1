/*
 * entropy.h - Shannon entropy of a byte string, the min_entropy filter of a
 * rule: "password=aaaaaaaa" matches the shape of a secret but is not one.
 */
#ifndef LS_MATCH_ENTROPY_H
#define LS_MATCH_ENTROPY_H

#include <stddef.h>

/* Bits per byte, -sum(p * log2 p) over the byte frequencies; 0 for n == 0. */
double ls_entropy_shannon(const unsigned char *p, size_t n);

#endif
