/*-------------------------------------------------------------------------
 *
 * field.h
 *	  Arithmetic in the prime field of order p = 2^127 - 1, the mapping of
 *	  signed integers into it, and Shamir secret sharing over it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_FIELD_H
#define SMPC_FIELD_H

#include "postgres.h"

typedef uint128 smpc_fe;

#define SMPC_FIELD_P (((uint128) 1 << 127) - 1)
/* Largest magnitude a joint value may have so that it decodes unambiguously. */
#define SMPC_FIELD_LIMIT (((int128) 1 << 126) - 1)
#define SMPC_FIELD_LIMIT_10 (SMPC_FIELD_LIMIT / 10)

extern smpc_fe fe_add(smpc_fe a, smpc_fe b);
extern smpc_fe fe_sub(smpc_fe a, smpc_fe b);
extern smpc_fe fe_mul(smpc_fe a, smpc_fe b);
extern smpc_fe fe_inv(smpc_fe a);
extern smpc_fe fe_random(void);
extern smpc_fe fe_from_int(int128 v);
extern int128 fe_to_int(smpc_fe x);

/* 16-byte little-endian wire form; decoding rejects values >= p. */
extern void fe_store(smpc_fe x, uint8 *out);
extern bool fe_load(const uint8 *in, smpc_fe *x);

/*
 * Split secret into shares[0..n-1], the evaluations at x = 1..n of a random
 * polynomial of degree "degree" whose constant term is the secret.
 */
extern void shamir_split(smpc_fe secret, int degree, int n, smpc_fe *shares);

/* Recover the constant term from k points (xs are 1-based member indexes). */
extern smpc_fe shamir_combine(const int *xs, const smpc_fe *ys, int k);

/* The Lagrange coefficients at zero for the points xs[0..k-1]. */
extern void shamir_lagrange(const int *xs, int k, smpc_fe *coef);

#endif
