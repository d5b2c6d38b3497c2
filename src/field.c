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

#include <pthread.h>
#include <sodium.h>

#include "field.h"

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
		a = fe_sqr(a);
		e >>= 1;
	}
	return result;
}

/*
 * The pool of random bytes: libsodium makes one system call per request
 * here, and sharing needs many elements.  Used bytes are wiped at once.  A
 * forked child starts from an empty pool (and the parent's is wiped in
 * the child), so that two processes never draw the same bytes.
 */
static uint8 field_pool[SMPC_FIELD_POOL_BYTES];
static int	field_pool_pos = SMPC_FIELD_POOL_BYTES;
static bool field_pool_atfork = false;

void
fe_random_wipe(void)
{
	sodium_memzero(field_pool, sizeof(field_pool));
	field_pool_pos = SMPC_FIELD_POOL_BYTES;
}

void
fe_random_bytes(uint8 *out, int len)
{
	while (len > 0)
	{
		int			k;

		if (field_pool_pos >= SMPC_FIELD_POOL_BYTES)
		{
			if (!field_pool_atfork)
			{
				if (pthread_atfork(NULL, NULL, fe_random_wipe) != 0)
				{
					/* no pool then: each request straight from libsodium */
					randombytes_buf(out, len);
					return;
				}
				field_pool_atfork = true;
			}
			randombytes_buf(field_pool, sizeof(field_pool));
			field_pool_pos = 0;
		}
		k = Min(len, SMPC_FIELD_POOL_BYTES - field_pool_pos);
		memcpy(out, field_pool + field_pool_pos, k);
		sodium_memzero(field_pool + field_pool_pos, k);
		field_pool_pos += k;
		out += k;
		len -= k;
	}
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

		fe_random_bytes(buf, sizeof(buf));
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
