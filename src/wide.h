/*-------------------------------------------------------------------------
 *
 * wide.h
 *	  Exact signed integers wider than one field element: how a member
 *	  splits one into limbs of 64 bits (one field element each) before it
 *	  is shared, how the joint value is rebuilt from the members' summed
 *	  limbs, and the fixed-point accumulators that sum floating-point
 *	  values, their squares and their products exactly.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_WIDE_H
#define SMPC_WIDE_H

#include "postgres.h"

/*
 * A value V is shared as L limbs: V = sum l_k 2^(64k), 0 <= l_k < 2^64 for
 * k < L-1 and a signed top limb with -2^62 <= l_(L-1) < 2^62.  So a value
 * of L limbs fits when -2^(64(L-1)+62) <= V < 2^(64(L-1)+62); each member
 * checks that of its own value, before anything is shared.
 */
#define WIDE_TOP_BITS		62
#define WIDE_MASK_BITS		40	/* carries are hidden by masks below 2^40 */

/*
 * The exact class (integer and numeric input): every member shares every
 * value at one fixed decimal scale, whatever its own scale, so that no
 * member's choice changes whether another member's value fits.
 *   sums: 4 limbs at scale 32, |local sum| < 2^254 / 10^32 ~ 2.9e44
 *   sums of squares: 8 limbs at scale 64, < 2^510 / 10^64 ~ 3.4e89
 */
#define SMPC_EXACT_SCALE	32
#define SMPC_EXACT_LIMBS	4
#define SMPC_EXACT_SQ_LIMBS 8

/*
 * Floating point in the dispersion and two-variable aggregates: sums in
 * units of 2^-1074 (the smallest subnormal double), squares and products
 * in units of 2^-2148.  Any finite double, its square and any product of
 * two fit, with room for 2^40 rows: |sum| < 2^(1024+40), so 1074 + 1064 =
 * 2138 bits, 34 limbs (2174 bits); |sum of squares| < 2^(2048+40), so
 * 4236 bits, 67 limbs (4286 bits).
 */
#define SMPC_FLOAT_UNIT_BITS	1074
#define SMPC_FLOAT_LIMBS		34
#define SMPC_FLOAT_SQ_LIMBS		67

/*
 * A Kulisch accumulator: int64 digits of 32 bits each, least significant
 * first, carried lazily.  Every addition adds less than 2^32 in magnitude
 * to a digit, so a digit holds 2^31 additions before it could overflow;
 * kacc_normalise is due every KACC_NORMALISE_EVERY rows.
 */
#define KACC_LIN_DIGITS		68	/* 2176 bits: 2 * SMPC_FLOAT_LIMBS */
#define KACC_SQ_DIGITS		134 /* 4288 bits: 2 * SMPC_FLOAT_SQ_LIMBS */
#define KACC_NORMALISE_EVERY (1 << 29)
#define KACC_VAR_DIGITS		(KACC_LIN_DIGITS + KACC_SQ_DIGITS)
#define KACC_REGR_DIGITS	(2 * KACC_LIN_DIGITS + 3 * KACC_SQ_DIGITS)

/* Capacity of a Wide in 32-bit digits: products of the largest sums fit. */
#define WIDE_DIGITS			224

/* A signed integer in sign and magnitude; d[0..n-1], n == 0 for zero. */
typedef struct Wide
{
	bool		neg;
	int			n;
	uint32		d[WIDE_DIGITS];
} Wide;

extern void wide_from_int128(Wide *w, int128 v);
extern void wide_from_uint192(Wide *w, uint64 hi, uint128 lo);
extern bool wide_is_zero(const Wide *w);
extern void wide_add(Wide *r, const Wide *a, const Wide *b);
extern void wide_sub(Wide *r, const Wide *a, const Wide *b);
extern void wide_mul(Wide *r, const Wide *a, const Wide *b);
extern bool wide_mul_pow10(Wide *w, int k);
extern bool wide_div_pow10(Wide *w, int k);
extern double wide_frexp(const Wide *w, int *exp);

/* Decimal text: "-123.4500" and back, with the number of fraction digits. */
extern bool wide_from_decimal(Wide *w, const char *s, int *scale);
extern char *wide_to_decimal(const Wide *w, int scale);

/* Limbs: split with masked carries (false if it does not fit), and rebuild. */
extern bool wide_to_limbs(const Wide *w, int nlimbs, int128 *out);
extern void wide_from_limbs(Wide *w, const int128 *sums, int nlimbs);

/* Kulisch accumulators */
extern void kacc_normalise(int64 *d, int ndigits);
extern void wide_from_kacc(Wide *w, const int64 *d, int ndigits);

/*
 * Split a finite double into an integer mantissa (sign apart) and the
 * position of its lowest bit above 2^-1074: x = +-m * 2^(pos - 1074).
 */
static inline uint64
kacc_split(double x, int *pos, bool *neg)
{
	uint64		bits;
	int			e;

	memcpy(&bits, &x, sizeof(bits));
	*neg = (bits >> 63) != 0;
	e = (int) ((bits >> 52) & 0x7ff);
	if (e == 0)
	{
		*pos = 0;
		return bits & ((UINT64CONST(1) << 52) - 1);
	}
	*pos = e - 1;
	return (bits & ((UINT64CONST(1) << 52) - 1)) | (UINT64CONST(1) << 52);
}

/* Add or subtract a value of up to 128 bits shifted left by pos bits. */
static inline void
kacc_put(int64 *d, uint128 v, int pos, bool neg, int span)
{
	int			i = pos >> 5;
	int			off = pos & 31;
	uint64		lo = (uint64) v;
	uint64		hi = (uint64) (v >> 64);
	uint64		w[3];
	int			k;

	w[0] = lo << off;
	w[1] = off ? (hi << off) | (lo >> (64 - off)) : hi;
	w[2] = off ? hi >> (64 - off) : 0;
	for (k = 0; k < span; k++)
	{
		int64		digit = (int64) ((w[k >> 1] >> ((k & 1) * 32)) & 0xffffffff);

		if (neg)
			d[i + k] -= digit;
		else
			d[i + k] += digit;
	}
}

/* d += x, exactly, in units of 2^-1074; x finite. */
static inline void
kacc_add(int64 *d, double x)
{
	int			pos;
	bool		neg;
	uint64		m = kacc_split(x, &pos, &neg);

	if (m != 0)
		kacc_put(d, (uint128) m, pos, neg, 3);
}

/* d += x * y, exactly, in units of 2^-2148; x and y finite. */
static inline void
kacc_add_product(int64 *d, double x, double y)
{
	int			px,
				py;
	bool		nx,
				ny;
	uint64		mx = kacc_split(x, &px, &nx);
	uint64		my = kacc_split(y, &py, &ny);

	if (mx != 0 && my != 0)
		kacc_put(d, (uint128) mx * my, px + py, nx != ny, 5);
}

#endif
