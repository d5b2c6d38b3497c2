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

/*
 * Addition, subtraction, multiplication and squaring of field elements in
 * [0, p), inline because everything else is made of them.  With
 * a = a1 2^64 + a0 (a1 < 2^63), a b = a1 b1 2^128 + (a0 b1 + a1 b0) 2^64
 * + a0 b0 from four 64-bit products (three for a square), and since
 * 2^127 = 1 (mod p) the high part folds back with a shift and an add.
 */
static inline smpc_fe
fe_add(smpc_fe a, smpc_fe b)
{
	uint128		s = a + b;		/* < 2^128 */

	s = (s & SMPC_FIELD_P) + (s >> 127);
	return (s >= SMPC_FIELD_P) ? s - SMPC_FIELD_P : s;
}

static inline smpc_fe
fe_sub(smpc_fe a, smpc_fe b)
{
	return (a >= b) ? a - b : a + (SMPC_FIELD_P - b);
}

/*
 * hi 2^128 + mid 2^64 + lo mod p, for a product of two elements below
 * 2^127 (so that the whole is below 2^254): gather it as H 2^128 + L with
 * H < 2^126, then fold 2^128 = 2 and 2^127 = 1 twice.
 */
static inline smpc_fe
fe_fold(uint128 lo, uint128 mid, uint128 hi)
{
	uint128		l = lo + (mid << 64);
	uint128		h = hi + (mid >> 64) + (l < lo ? 1 : 0);
	uint128		t;

	t = (l & SMPC_FIELD_P) + (l >> 127) + (h << 1);	/* < 2^128 */
	t = (t & SMPC_FIELD_P) + (t >> 127);	/* <= 2^127 */
	return (t >= SMPC_FIELD_P) ? t - SMPC_FIELD_P : t;
}

static inline smpc_fe
fe_mul(smpc_fe a, smpc_fe b)
{
	uint64		a0 = (uint64) a,
				a1 = (uint64) (a >> 64);
	uint64		b0 = (uint64) b,
				b1 = (uint64) (b >> 64);

	/* a0 b1 + a1 b0 < 2 * 2^64 * 2^63 */
	return fe_fold((uint128) a0 * b0,
				   (uint128) a0 * b1 + (uint128) a1 * b0,
				   (uint128) a1 * b1);
}

/* a^2 with three products */
static inline smpc_fe
fe_sqr(smpc_fe a)
{
	uint64		a0 = (uint64) a,
				a1 = (uint64) (a >> 64);

	return fe_fold((uint128) a0 * a0, ((uint128) a0 * a1) << 1,
				   (uint128) a1 * a1);
}

extern smpc_fe fe_inv(smpc_fe a);

/*
 * A uniformly random field element, and random bytes.  The bytes come from
 * libsodium through a pool (one system call per SMPC_FIELD_POOL_BYTES),
 * whose used bytes are wiped at once and which a forked child never
 * inherits.
 */
#define SMPC_FIELD_POOL_BYTES	4096
extern smpc_fe fe_random(void);
extern void fe_random_bytes(uint8 *out, int len);

/* Wipe the unused randomness of the pool (the next draw refills it). */
extern void fe_random_wipe(void);
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
