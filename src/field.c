/*-------------------------------------------------------------------------
 *
 * field.c
 *	  The prime field GF(2^127 - 1) and Shamir sharing over it.
 *
 * A Mersenne prime makes reduction a shift and an add.  Values are kept
 * fully reduced in [0, p).  Signed integers map to v (v >= 0) or p + v
 * (v < 0); callers keep every joint value within +-(2^126 - 1) so that the
 * mapping back is unambiguous.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "field.h"

/* Reduce any 128-bit value modulo p. */
static inline smpc_fe
fe_reduce(uint128 x)
{
	x = (x & SMPC_FIELD_P) + (x >> 127);
	x = (x & SMPC_FIELD_P) + (x >> 127);
	if (x >= SMPC_FIELD_P)
		x -= SMPC_FIELD_P;
	return x;
}

smpc_fe
fe_add(smpc_fe a, smpc_fe b)
{
	return fe_reduce(a + b);
}

smpc_fe
fe_sub(smpc_fe a, smpc_fe b)
{
	return (a >= b) ? a - b : a + (SMPC_FIELD_P - b);
}

/*
 * Multiply through 64-bit halves: with 2^127 = 1 (mod p), 2^128 = 2, so the
 * high parts fold back as small multiples.
 */
smpc_fe
fe_mul(smpc_fe a, smpc_fe b)
{
	uint64		a0 = (uint64) a,
				a1 = (uint64) (a >> 64);
	uint64		b0 = (uint64) b,
				b1 = (uint64) (b >> 64);
	uint128		lo = (uint128) a0 * b0;
	uint128		mid = (uint128) a0 * b1 + (uint128) a1 * b0;
	uint128		hi = (uint128) a1 * b1;
	uint64		m0 = (uint64) mid,
				m1 = (uint64) (mid >> 64);
	smpc_fe		r;

	r = fe_reduce(lo);
	r = fe_add(r, fe_reduce(hi << 1));
	r = fe_add(r, fe_reduce((uint128) m0 << 64));
	r = fe_add(r, fe_reduce((uint128) m1 << 1));
	return r;
}

/* Inverse by Fermat: a^(p-2).  The caller never passes zero. */
smpc_fe
fe_inv(smpc_fe a)
{
	uint128		e = SMPC_FIELD_P - 2;
	smpc_fe		result = 1;

	Assert(a != 0);
	while (e)
	{
		if (e & 1)
			result = fe_mul(result, a);
		a = fe_mul(a, a);
		e >>= 1;
	}
	return result;
}

/* A uniformly random field element, by rejection. */
smpc_fe
fe_random(void)
{
	for (;;)
	{
		uint8		buf[16];
		smpc_fe		x = 0;
		int			i;

		randombytes_buf(buf, sizeof(buf));
		for (i = 15; i >= 0; i--)
			x = (x << 8) | buf[i];
		sodium_memzero(buf, sizeof(buf));
		x &= SMPC_FIELD_P;
		if (x < SMPC_FIELD_P)
			return x;
	}
}

smpc_fe
fe_from_int(int128 v)
{
	Assert(v <= SMPC_FIELD_LIMIT && v >= -SMPC_FIELD_LIMIT);
	if (v >= 0)
		return (smpc_fe) v;
	return SMPC_FIELD_P - (smpc_fe) (-v);
}

int128
fe_to_int(smpc_fe x)
{
	if (x > (SMPC_FIELD_P >> 1))
		return -(int128) (SMPC_FIELD_P - x);
	return (int128) x;
}

void
fe_store(smpc_fe x, uint8 *out)
{
	int			i;

	for (i = 0; i < 16; i++)
	{
		out[i] = (uint8) (x & 0xff);
		x >>= 8;
	}
}

bool
fe_load(const uint8 *in, smpc_fe *x)
{
	smpc_fe		v = 0;
	int			i;

	for (i = 15; i >= 0; i--)
		v = (v << 8) | in[i];
	if (v >= SMPC_FIELD_P)
		return false;
	*x = v;
	return true;
}

void
shamir_split(smpc_fe secret, int degree, int n, smpc_fe *shares)
{
	smpc_fe		coef[64];
	int			i,
				j;

	Assert(degree >= 0 && degree < 64 && n >= degree + 1);
	coef[0] = secret;
	for (i = 1; i <= degree; i++)
		coef[i] = fe_random();
	for (j = 0; j < n; j++)
	{
		smpc_fe		x = (smpc_fe) (j + 1);
		smpc_fe		y = coef[degree];

		for (i = degree - 1; i >= 0; i--)
			y = fe_add(fe_mul(y, x), coef[i]);
		shares[j] = y;
	}
	sodium_memzero(coef, sizeof(coef));
}

void
shamir_lagrange(const int *xs, int k, smpc_fe *coef)
{
	int			j,
				m;

	for (j = 0; j < k; j++)
	{
		smpc_fe		num = 1,
					den = 1;

		for (m = 0; m < k; m++)
		{
			if (m == j)
				continue;
			num = fe_mul(num, (smpc_fe) xs[m]);
			den = fe_mul(den, fe_sub((smpc_fe) xs[m], (smpc_fe) xs[j]));
		}
		coef[j] = fe_mul(num, fe_inv(den));
	}
}

smpc_fe
shamir_combine(const int *xs, const smpc_fe *ys, int k)
{
	smpc_fe		coef[64];
	smpc_fe		result = 0;
	int			j;

	Assert(k <= 64);
	shamir_lagrange(xs, k, coef);
	for (j = 0; j < k; j++)
		result = fe_add(result, fe_mul(ys[j], coef[j]));
	return result;
}
