/*-------------------------------------------------------------------------
 *
 * wide.c
 *	  Exact signed integers of a few thousand bits, carried through the
 *	  field of order 2^127 - 1 as several limbs of 64 bits.
 *
 * A member splits its value V into limbs l_k (0 <= l_k < 2^64 below the
 * top limb, a signed top limb) and shares every limb as a field element.
 * The members' limbs are summed on shares and opened, so the opened sums
 * S_k must not tell more than the joint value: the sum of the low limbs
 * alone would show how many carries the members' low limbs produced.  So
 * for each k below the top, the member draws rho_k uniformly in
 * [0, 2^40) and adds rho_k * 2^64 to limb k and -rho_k to limb k + 1,
 * which leaves V unchanged.  Every opened S_k is then the carry-free part
 * of the joint value plus 2^64 times a sum of masks, one of which at least
 * is an honest member's uniform draw: the carries (fewer than the number
 * of members) are hidden up to a statistical distance of about
 * members / 2^40.  A limb is below 2^104 + 2^64 in magnitude, so the sums
 * of up to 64 members stay far inside +-2^126 and the field never wraps;
 * the joint value is sum S_k 2^(64k), rebuilt over the integers.
 *
 * Wide is a plain sign-and-magnitude integer with 32-bit digits, enough
 * for the products the final functions form from the joint sums.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>
#include <sodium.h>

#include "wide.h"

static void
wide_trim(Wide *w)
{
	while (w->n > 0 && w->d[w->n - 1] == 0)
		w->n--;
	if (w->n == 0)
		w->neg = false;
}

static void
wide_overflow(void)
{
	elog(ERROR, "smpc wide integer overflow");
}

void
wide_from_int128(Wide *w, int128 v)
{
	uint128		u;

	w->neg = v < 0;
	u = v < 0 ? -(uint128) v : (uint128) v;
	w->n = 0;
	while (u != 0)
	{
		w->d[w->n++] = (uint32) u;
		u >>= 32;
	}
	wide_trim(w);
}

/* w = hi * 2^128 + lo */
void
wide_from_uint192(Wide *w, uint64 hi, uint128 lo)
{
	int			i;

	w->neg = false;
	for (i = 0; i < 4; i++)
		w->d[i] = (uint32) (lo >> (32 * i));
	w->d[4] = (uint32) hi;
	w->d[5] = (uint32) (hi >> 32);
	w->n = 6;
	wide_trim(w);
}

bool
wide_is_zero(const Wide *w)
{
	return w->n == 0;
}

static int
mag_cmp(const Wide *a, const Wide *b)
{
	int			i;

	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = a->n - 1; i >= 0; i--)
		if (a->d[i] != b->d[i])
			return a->d[i] < b->d[i] ? -1 : 1;
	return 0;
}

/* r = |a| + |b|; r may be a or b */
static void
mag_add(Wide *r, const Wide *a, const Wide *b)
{
	int			n = Max(a->n, b->n);
	uint64		carry = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		carry += (uint64) (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
		r->d[i] = (uint32) carry;
		carry >>= 32;
	}
	if (carry)
	{
		if (n >= WIDE_DIGITS)
			wide_overflow();
		r->d[n++] = (uint32) carry;
	}
	r->n = n;
}

/* r = |a| - |b| with |a| >= |b|; r may be a or b */
static void
mag_sub(Wide *r, const Wide *a, const Wide *b)
{
	int64		borrow = 0;
	int			i;

	for (i = 0; i < a->n; i++)
	{
		int64		t = (int64) a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;

		borrow = t < 0;
		r->d[i] = (uint32) (t + (borrow << 32));
	}
	r->n = a->n;
}

/* r = a + (negate_b ? -b : b) */
static void
wide_addsub(Wide *r, const Wide *a, const Wide *b, bool negate_b)
{
	bool		bneg = b->neg != negate_b && b->n > 0;
	bool		aneg = a->neg;

	if (aneg == bneg)
	{
		mag_add(r, a, b);
		r->neg = aneg;
	}
	else if (mag_cmp(a, b) >= 0)
	{
		mag_sub(r, a, b);
		r->neg = aneg;
	}
	else
	{
		mag_sub(r, b, a);
		r->neg = bneg;
	}
	wide_trim(r);
}

void
wide_add(Wide *r, const Wide *a, const Wide *b)
{
	wide_addsub(r, a, b, false);
}

void
wide_sub(Wide *r, const Wide *a, const Wide *b)
{
	wide_addsub(r, a, b, true);
}

/* r = a * b; r may be a or b */
void
wide_mul(Wide *r, const Wide *a, const Wide *b)
{
	Wide		t;
	int			i,
				j;

	if (a->n == 0 || b->n == 0)
	{
		r->n = 0;
		r->neg = false;
		return;
	}
	if (a->n + b->n > WIDE_DIGITS)
		wide_overflow();
	memset(t.d, 0, sizeof(uint32) * (a->n + b->n));
	for (i = 0; i < a->n; i++)
	{
		uint64		carry = 0;

		for (j = 0; j < b->n; j++)
		{
			carry += (uint64) a->d[i] * b->d[j] + t.d[i + j];
			t.d[i + j] = (uint32) carry;
			carry >>= 32;
		}
		t.d[i + b->n] = (uint32) carry;
	}
	t.n = a->n + b->n;
	t.neg = a->neg != b->neg;
	wide_trim(&t);
	r->neg = t.neg;
	r->n = t.n;
	memcpy(r->d, t.d, sizeof(uint32) * t.n);
}

/* |w| = |w| * m + add; false if it no longer fits */
static bool
mag_mul_add_small(Wide *w, uint32 m, uint32 add)
{
	uint64		carry = add;
	int			i;

	for (i = 0; i < w->n; i++)
	{
		carry += (uint64) w->d[i] * m;
		w->d[i] = (uint32) carry;
		carry >>= 32;
	}
	if (carry)
	{
		if (w->n >= WIDE_DIGITS)
			return false;
		w->d[w->n++] = (uint32) carry;
	}
	return true;
}

/* |w| = |w| / m; returns the remainder */
static uint32
mag_div_small(Wide *w, uint32 m)
{
	uint64		rem = 0;
	int			i;

	for (i = w->n - 1; i >= 0; i--)
	{
		uint64		cur = (rem << 32) | w->d[i];

		w->d[i] = (uint32) (cur / m);
		rem = cur % m;
	}
	wide_trim(w);
	return (uint32) rem;
}

/* w *= 10^k; false if the result would not fit */
bool
wide_mul_pow10(Wide *w, int k)
{
	for (; k >= 9; k -= 9)
		if (!mag_mul_add_small(w, 1000000000, 0))
			return false;
	for (; k > 0; k--)
		if (!mag_mul_add_small(w, 10, 0))
			return false;
	return true;
}

/* w /= 10^k when that is exact (true); otherwise w is left unchanged */
bool
wide_div_pow10(Wide *w, int k)
{
	Wide		t = *w;

	for (; k > 0; k--)
		if (mag_div_small(&t, 10) != 0)
			return false;
	t.neg = w->neg && t.n > 0;
	*w = t;
	return true;
}

/*
 * A double m with 0.5 <= |m| < 1 (or 0) and *exp such that w is about
 * m * 2^exp, to a relative 2^-52: from the top 96 bits.
 */
double
wide_frexp(const Wide *w, int *exp)
{
	double		top = 0;
	int			i,
				low = Max(0, w->n - 3);
	double		m;
	int			e;

	*exp = 0;
	if (w->n == 0)
		return 0.0;
	for (i = w->n - 1; i >= low; i--)
		top = top * 4294967296.0 + w->d[i];
	m = frexp(top, &e);
	*exp = e + 32 * low;
	return w->neg ? -m : m;
}

/* Parse numeric_out's text of a finite number. */
bool
wide_from_decimal(Wide *w, const char *s, int *scale)
{
	bool		frac = false;

	w->neg = false;
	w->n = 0;
	*scale = 0;
	if (*s == '-')
	{
		w->neg = true;
		s++;
	}
	if (*s == '\0')
		return false;
	for (; *s; s++)
	{
		if (*s == '.' && !frac)
		{
			frac = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		if (!mag_mul_add_small(w, 10, (uint32) (*s - '0')))
			return false;
		if (frac)
			(*scale)++;
	}
	wide_trim(w);
	return true;
}

/* The decimal text of w * 10^-scale, with exactly scale fraction digits. */
char *
wide_to_decimal(const Wide *w, int scale)
{
	Wide		t = *w;

	/* 9 digits per chunk of 10^9, and fewer than n * 32 / 29 + 1 chunks */
	int			cap = 9 * (w->n * 32 / 29 + 2) + scale + 2;
	char	   *digits = palloc(cap);
	char	   *out = palloc(cap + 2);
	int			n = 0,
				pos = 0;

	do
	{
		uint32		chunk = mag_div_small(&t, 1000000000);
		int			j;

		for (j = 0; j < 9; j++)
		{
			digits[n++] = '0' + chunk % 10;
			chunk /= 10;
		}
	} while (t.n > 0);
	while (n > 1 && digits[n - 1] == '0')
		n--;
	while (n <= scale)
		digits[n++] = '0';
	if (w->neg)
		out[pos++] = '-';
	while (n > 0)
	{
		if (n == scale)
			out[pos++] = '.';
		out[pos++] = digits[--n];
	}
	out[pos] = '\0';
	pfree(digits);
	return out;
}

/*
 * Split w into nlimbs limbs, masked as the file header explains.  False,
 * with out[] untouched, when w does not fit.
 */
bool
wide_to_limbs(const Wide *w, int nlimbs, int128 *out)
{
	uint32		t[2 * 128];
	int			nd = 2 * nlimbs;
	int			i;
	int64		top;

	Assert(nlimbs >= 1 && nd <= lengthof(t));
	if (w->n > nd)
		return false;
	memset(t, 0, sizeof(uint32) * nd);
	memcpy(t, w->d, sizeof(uint32) * w->n);
	if (w->neg)
	{
		uint64		carry = 1;

		/* two's complement over nd digits */
		for (i = 0; i < nd; i++)
		{
			carry += (uint32) ~t[i];
			t[i] = (uint32) carry;
			carry >>= 32;
		}
	}
	top = (int64) (((uint64) t[nd - 1] << 32) | t[nd - 2]);
	/* the sign of the two's complement form must be w's own */
	if ((top < 0) != w->neg && w->n > 0)
		return false;
	if (top >= ((int64) 1 << WIDE_TOP_BITS) || top < -((int64) 1 << WIDE_TOP_BITS))
		return false;
	for (i = 0; i < nlimbs; i++)
	{
		if (i == nlimbs - 1)
			out[i] = top;
		else
			out[i] = (int128) (((uint64) t[2 * i + 1] << 32) | t[2 * i]);
	}
	for (i = 0; i < nlimbs - 1; i++)
	{
		uint64		rho;

		randombytes_buf(&rho, sizeof(rho));
		rho &= ((uint64) 1 << WIDE_MASK_BITS) - 1;
		out[i] += (int128) rho << 64;
		out[i + 1] -= (int128) rho;
	}
	explicit_bzero(t, sizeof(t));
	return true;
}

/* w = sum sums[k] 2^(64k), over the integers. */
void
wide_from_limbs(Wide *w, const int128 *sums, int nlimbs)
{
	int			k;

	w->n = 0;
	w->neg = false;
	for (k = nlimbs - 1; k >= 0; k--)
	{
		Wide		s;

		/* w = w * 2^64 + sums[k] */
		if (w->n > 0)
		{
			if (w->n + 2 > WIDE_DIGITS)
				wide_overflow();
			memmove(&w->d[2], w->d, sizeof(uint32) * w->n);
			w->d[0] = w->d[1] = 0;
			w->n += 2;
		}
		wide_from_int128(&s, sums[k]);
		wide_add(w, w, &s);
	}
}

/*
 * Carry the digits: every digit but the top one into [0, 2^32), the top
 * one signed.
 */
void
kacc_normalise(int64 *d, int ndigits)
{
	int64		carry = 0;
	int			i;

	for (i = 0; i < ndigits - 1; i++)
	{
		int64		v = d[i] + carry;

		carry = v >> 32;		/* arithmetic: floor division */
		d[i] = v - (carry * ((int64) 1 << 32));
	}
	d[ndigits - 1] += carry;
}

/* The exact value of an accumulator, in its units. */
void
wide_from_kacc(Wide *w, const int64 *d, int ndigits)
{
	int64		t[KACC_SQ_DIGITS];
	int64		top;
	int			i;

	Assert(ndigits <= KACC_SQ_DIGITS && ndigits + 1 <= WIDE_DIGITS);
	memcpy(t, d, sizeof(int64) * ndigits);
	kacc_normalise(t, ndigits);
	top = t[ndigits - 1];
	w->neg = false;
	for (i = 0; i < ndigits - 1; i++)
		w->d[i] = (uint32) t[i];
	if (top >= 0)
	{
		w->d[ndigits - 1] = (uint32) top;
		w->d[ndigits] = (uint32) (top >> 32);
		w->n = ndigits + 1;
		wide_trim(w);
	}
	else
	{
		Wide		high;

		/* value = top * 2^(32(n-1)) + low = -(|top| * 2^(32(n-1)) - low) */
		w->n = ndigits - 1;
		wide_trim(w);
		high.neg = false;
		memset(high.d, 0, sizeof(uint32) * (ndigits - 1));
		high.d[ndigits - 1] = (uint32) (-(uint64) top);
		high.d[ndigits] = (uint32) ((-(uint64) top) >> 32);
		high.n = ndigits + 1;
		wide_trim(&high);
		wide_sub(w, &high, w);
		w->neg = true;
		wide_trim(w);
	}
	explicit_bzero(t, sizeof(t));
}
