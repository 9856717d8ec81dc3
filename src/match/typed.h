/* typed.h - typed comparisons of compiled Sigma values (typed.c). */
#ifndef TN_MATCH_TYPED_H
#define TN_MATCH_TYPED_H

#include "sigma/rule.h"

#include <stddef.h>
#include <stdint.h>

/* A field value parsed as an address, once per family and item: state[0]
 * IPv4 / [1] IPv6 is 0 not yet, 1 parsed (a4 / a6), -1 not an address. */
typedef struct tn_addrs {
    int8_t state[2];
    unsigned char a4[4], a6[16];
} tn_addrs;

/* Number value v (its op, its time part) against text s[0..n). */
int tn_num_match(const tn_value *v, const char *s, size_t n);

/* CIDR value v against text s[0..n), parsed into *ip on first use. */
int tn_cidr_match(const tn_value *v, const char *s, size_t n, tn_addrs *ip);

/* Some network of cidr list c holds text s[0..n): what tn_cidr_match on
 * each of c's values gives, the text parsed once per family. */
int tn_cidrs_match(const tn_cidrs *c, const char *s, size_t n);

#endif
