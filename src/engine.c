/*-------------------------------------------------------------------------
 *
 * engine.c
 *	  The round engine: batched secure comparison, equality and
 *	  minimum/maximum on Shamir shares (see engine.h for the interface).
 *
 * A program is a fixed sequence of phases; each phase is one round in
 * which three kinds of batched operations may travel together, in this
 * order inside every vector:
 *
 *	- multiplications: each participant multiplies its two shares (a
 *	  share of degree 2t) and reshares the product at degree t; the
 *	  receiver combines the n resharings with the Lagrange coefficients
 *	  at zero over all n points;
 *	- openings: each participant sends its share to all; the receiver
 *	  interpolates over all n points (so shares of degree up to n - 1,
 *	  in particular 2t, can be opened);
 *	- dealings: each participant deals a sharing of a value of its own
 *	  choosing (random, bounded random or zero); the receiver sums them.
 *
 * Incoming vectors are folded into the accumulators as they arrive, so the
 * engine keeps no per-peer copy.
 *
 * Comparisons follow Catrina and de Hoogh: to compare a and b, with
 * d = a - b and x = d + 2^m (m = bits, so 0 < x < 2^(m+1)), open
 * c = x + r' + 2^m r'', where r' = sum 2^i r_i is made of m shared random
 * bits and r'' is the sum of every participant's dealt integer below
 * 2^(kappa+1).  Then x mod 2^m = c' - r' + 2^m [c' < r'] with c' = c mod
 * 2^m, and a < b exactly when x < 2^m.  The bitwise [c' < r'] is a prefix
 * computation over (all-equal, less-than) pairs, one tree level per
 * round.  Equality is [c' == r'] bitwise, since |d| < 2^m.  No value
 * wraps: x <= 2^(m+1) - 1, r' <= 2^m - 1 and r'' <= n (2^(kappa+1) - 1),
 * so for m = 80, n = 64 and kappa = 40, c <= 2^127 - 2^86 + 2^81 + 2^80 - 2
 * < p.  Each participant's part of r'' is uniform, so c hides
 * floor((x + r') / 2^m) < 3 within statistical distance 2^-kappa.
 *
 * The round that first opens c also multiplies the random bits in pairs
 * (r_(m-1-2q) r_(m-2-2q), of every comparison of the program); with c'
 * public, the tree's first level is linear in those products, so it costs
 * no round.  MAX and MIN need them times d, which rides in the round that
 * opens c from the tournament's second level on.
 *
 * Rounds: 2 for the random bits, then per comparison (or level of the
 * tournament) 1 to open c and ceil(log2 ceil(bits / 2)) for the tree
 * (ceil(log2 bits) at the tournament's first level), then 1 to open the
 * outputs: 10 for LESS_THAN and EQUAL at 80 bits, and for MAX or MIN
 * 4 + 7 ceil(log2 n) at 80 bits (18 at n = 3, 25 at n = 5 to 8).
 *
 * Random bits come from the square-root trick: r jointly random, open
 * r^2 + z (z a jointly dealt sharing of zero of degree 2t, so that the
 * opened polynomial tells nothing about r's), then bit = (r / sqrt(r^2)
 * + 1) / 2.  All bits of a program are made in its first two rounds.
 *
 * MAX and MIN run a tournament.  For the pair (x, y) the comparison
 * carries d = x - y through the prefix tree, so that it ends with shares
 * of [x < y] * d directly (the products r_i * d and d * d ride in the
 * round that opens c); the winner x - [x<y] d (MAX) or y + [x<y] d (MIN)
 * is then local, and only the final winner is opened.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "engine.h"

/* members of one computation (SMPC_MAX_MEMBERS in smpc.h) */
#define ENGINE_MAX_N		64
/* bits of each participant's part of r'' */
#define ENGINE_RPP_BITS		(SMPC_ENGINE_KAPPA + 1)
/* random bytes drawn from libsodium at a time (one system call each) */
#define ENGINE_POOL_BYTES	4096

typedef enum EngineMode
{
	MODE_LT,					/* [a < b] */
	MODE_LT_TIMES_D,			/* [a < b] * (a - b), for selection */
	MODE_EQ						/* [a == b] */
} EngineMode;

typedef enum EnginePhase
{
	PHASE_BITS_DEAL,			/* deal r, zero sharings (and r'' once) */
	PHASE_BITS_OPEN,			/* open r^2 + z */
	PHASE_MASK_OPEN,			/* open c (and multiply r_i * d, d * d) */
	PHASE_PREFIX,				/* one level of the prefix tree */
	PHASE_RESULT_OPEN,			/* open the outputs */
	PHASE_DONE
} EnginePhase;

struct SmpcEngine
{
	SmpcEngineProgram program;
	EngineMode	mode;
	int			n;
	int			self;
	int			degree;
	int			bits;
	int			round;			/* from 1; 0 once done */
	EnginePhase phase;

	smpc_fe		lagrange[ENGINE_MAX_N]; /* at zero, over points 1..n */
	smpc_fe		two_m;			/* 2^bits */
	smpc_fe		inv_two_m;
	smpc_fe		inv_two;

	/* the round in progress */
	int			nmul;
	int			nopen;
	int			ndeal;
	int			len;			/* nmul + nopen + ndeal */
	smpc_fe    *out[ENGINE_MAX_N];	/* what goes to each peer */
	smpc_fe    *acc;			/* this participant's results, filling up */
	bool		got[ENGINE_MAX_N];
	int			ngot;

	/* inputs */
	smpc_fe    *in;
	int			nin;
	int			ncmp;			/* comparisons in the whole program */

	/* random bits: rbit[g * bits + i] is bit i of comparison g's r' */
	smpc_fe    *rbit;
	smpc_fe    *rpp;			/* r'' of each comparison */
	int		   *missing;		/* indexes into rbit still to make */
	int			nmissing;
	smpc_fe    *pend_r;			/* r of each missing bit being made */
	smpc_fe    *pend_q;			/* r^2 + z to open */
	bool		rpp_dealt;

	/* candidates of the tournament (MAX, MIN) */
	smpc_fe    *cand;
	int			ncand;

	/* the batch of comparisons in progress */
	int			base;			/* global index of its first comparison */
	int			k;
	smpc_fe    *d;				/* k: a - b */
	uint128    *cpub;			/* k: c mod 2^bits, public */
	smpc_fe    *rd;				/* k * (bits + 1): r_i * d, then d * d */
	smpc_fe    *eq;				/* k * bits: segments, most significant
								 * first */
	smpc_fe    *w;
	int			nseg;
	smpc_fe    *fin;			/* k: output shares */

	/*
	 * Products of pairs of random bits, r_(m-1-2q) r_(m-2-2q) for comparison
	 * g at pp[g * (bits / 2) + q], made in the first round that opens c;
	 * with them (and, for MAX and MIN, their products with d, pd) the first
	 * level of a later tree costs no round.
	 */
	smpc_fe    *pp;
	smpc_fe    *pd;
	bool		pp_ready;
	bool		local_first;	/* this batch's first level is local */

	int128	   *result;
	int			nresult;

	/* randomness not yet used; used bytes are wiped at once */
	uint8		pool[ENGINE_POOL_BYTES];
	int			pool_pos;
};

static void engine_step(SmpcEngine *e);

/* --- small arithmetic helpers ------------------------------------------ */

static smpc_fe
fe_sqn(smpc_fe x, int k)
{
	while (k-- > 0)
		x = fe_mul(x, x);
	return x;
}

/*
 * q^((p-3)/4) = q^(2^125 - 1), which for a nonzero square q is the inverse
 * of the square root q^((p+1)/4).  With e(a) = q^(2^a - 1),
 * e(a+b) = e(a)^(2^b) e(b): 124 squarings and 9 multiplications.
 */
static smpc_fe
fe_inv_sqrt(smpc_fe q)
{
	smpc_fe		e1 = q,
				e2,
				e4,
				e5,
				e10,
				e20,
				e25,
				e50,
				e100;

	e2 = fe_mul(fe_sqn(e1, 1), e1);
	e4 = fe_mul(fe_sqn(e2, 2), e2);
	e5 = fe_mul(fe_sqn(e4, 1), e1);
	e10 = fe_mul(fe_sqn(e5, 5), e5);
	e20 = fe_mul(fe_sqn(e10, 10), e10);
	e25 = fe_mul(fe_sqn(e20, 5), e5);
	e50 = fe_mul(fe_sqn(e25, 25), e25);
	e100 = fe_mul(fe_sqn(e50, 50), e50);
	return fe_mul(fe_sqn(e100, 25), e25);
}

/*
 * y * x for a small x (the evaluation points, at most 64): two 64-bit
 * products and one reduction, where fe_mul needs four of each.  With
 * y = y1 2^64 + y0, y x = y0 x + h 2^64 with h = y1 x = h1 2^64 + h0, and
 * 2^128 = 2 (mod p).
 */
static smpc_fe
fe_mul_small(smpc_fe y, uint32 x)
{
	uint128		lo = (uint128) (uint64) y * x;	/* < 2^96 */
	uint128		hi = (uint128) (uint64) (y >> 64) * x;	/* < 2^95 */
	uint64		h0 = (uint64) hi;
	uint64		h1 = (uint64) (hi >> 64);
	uint128		t;

	/* h0 2^64 = (its low 127 bits) + (h0 >> 63) 2^127, and 2^127 = 1 */
	t = lo + ((((uint128) h0) << 64) & SMPC_FIELD_P) + (h0 >> 63) + 2 * (uint128) h1;
	t = (t & SMPC_FIELD_P) + (t >> 127);
	if (t >= SMPC_FIELD_P)
		t -= SMPC_FIELD_P;
	return t;
}

/* sum 2^i v[i] over i < m */
static smpc_fe
fe_weighted(const smpc_fe *v, int m)
{
	smpc_fe		s = 0;
	int			i;

	for (i = m - 1; i >= 0; i--)
		s = fe_add(fe_add(s, s), v[i]);
	return s;
}

/* --- randomness -------------------------------------------------------- */

/*
 * libsodium may make a system call per request, and a program needs
 * millions of random elements, so they are drawn from a pool.
 */
static void
pool_take(SmpcEngine *e, uint8 *out, int len)
{
	while (len > 0)
	{
		int			k;

		if (e->pool_pos >= ENGINE_POOL_BYTES)
		{
			randombytes_buf(e->pool, ENGINE_POOL_BYTES);
			e->pool_pos = 0;
		}
		k = Min(len, ENGINE_POOL_BYTES - e->pool_pos);
		memcpy(out, e->pool + e->pool_pos, k);
		sodium_memzero(e->pool + e->pool_pos, k);
		e->pool_pos += k;
		out += k;
		len -= k;
	}
}

/* uniform in the field, by rejection */
static smpc_fe
pool_fe(SmpcEngine *e)
{
	for (;;)
	{
		uint8		buf[16];
		smpc_fe		x = 0;
		int			i;

		pool_take(e, buf, sizeof(buf));
		for (i = 15; i >= 0; i--)
			x = (x << 8) | buf[i];
		sodium_memzero(buf, sizeof(buf));
		x &= SMPC_FIELD_P;
		if (x < SMPC_FIELD_P)
			return x;
	}
}

/* uniform in [0, 2^nbits), nbits < 64 */
static smpc_fe
pool_bounded(SmpcEngine *e, int nbits)
{
	uint8		buf[8];
	uint64		x = 0;
	int			i;

	pool_take(e, buf, sizeof(buf));
	for (i = 7; i >= 0; i--)
		x = (x << 8) | buf[i];
	sodium_memzero(buf, sizeof(buf));
	return (smpc_fe) (x & ((((uint64) 1) << nbits) - 1));
}

/* shamir_split with the pool's randomness: sh[j] = f(j + 1), f(0) = secret */
static void
pool_split(SmpcEngine *e, smpc_fe secret, int degree, smpc_fe *sh)
{
	smpc_fe		coef[2 * ENGINE_MAX_N];
	int			i,
				j;

	Assert(degree < e->n);
	coef[0] = secret;
	for (i = 1; i <= degree; i++)
		coef[i] = pool_fe(e);
	for (j = 0; j < e->n; j++)
	{
		uint32		x = (uint32) (j + 1);
		smpc_fe		y = coef[degree];

		for (i = degree - 1; i >= 0; i--)
			y = fe_add(fe_mul_small(y, x), coef[i]);
		sh[j] = y;
	}
	sodium_memzero(coef, sizeof(coef));
}

static void *
alloc_fe(size_t count)
{
	return palloc0(Max(count, 1) * sizeof(smpc_fe));
}

static void
wipe_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	sodium_memzero(p, bytes);
	pfree(p);
}

/* --- rounds ------------------------------------------------------------- */

static void
round_clear(SmpcEngine *e)
{
	int			j;

	for (j = 0; j < e->n; j++)
	{
		wipe_free(e->out[j], Max(e->len, 1) * sizeof(smpc_fe));
		e->out[j] = NULL;
	}
	wipe_free(e->acc, Max(e->len, 1) * sizeof(smpc_fe));
	e->acc = NULL;
	e->nmul = e->nopen = e->ndeal = e->len = 0;
}

/* Start the next round's vectors; the previous round's results are gone. */
static void
round_begin(SmpcEngine *e, EnginePhase phase, int nmul, int nopen, int ndeal)
{
	int			j;

	round_clear(e);
	e->phase = phase;
	e->nmul = nmul;
	e->nopen = nopen;
	e->ndeal = ndeal;
	e->len = nmul + nopen + ndeal;
	Assert(e->len <= SMPC_ENGINE_MAX_VECTOR);
	for (j = 0; j < e->n; j++)
		if (j != e->self)
			e->out[j] = alloc_fe(e->len);
	e->acc = alloc_fe(e->len);
	memset(e->got, 0, sizeof(e->got));
	e->ngot = 0;
	e->round++;
}

/* Share secret at the given degree into slot pos of every vector. */
static void
put_shares(SmpcEngine *e, int pos, smpc_fe secret, int degree, smpc_fe coef)
{
	smpc_fe		sh[ENGINE_MAX_N];
	int			j;

	pool_split(e, secret, degree, sh);
	for (j = 0; j < e->n; j++)
		if (j != e->self)
			e->out[j][pos] = sh[j];
	e->acc[pos] = fe_mul(coef, sh[e->self]);
	sodium_memzero(sh, sizeof(sh));
}

static void
put_mul(SmpcEngine *e, int i, smpc_fe x, smpc_fe y)
{
	Assert(i < e->nmul);
	put_shares(e, i, fe_mul(x, y), e->degree, e->lagrange[e->self]);
}

static void
put_open(SmpcEngine *e, int i, smpc_fe s)
{
	int			j;

	Assert(i < e->nopen);
	for (j = 0; j < e->n; j++)
		if (j != e->self)
			e->out[j][e->nmul + i] = s;
	e->acc[e->nmul + i] = fe_mul(e->lagrange[e->self], s);
}

static void
put_deal(SmpcEngine *e, int i, smpc_fe secret, int degree)
{
	Assert(i < e->ndeal);
	put_shares(e, e->nmul + e->nopen + i, secret, degree, 1);
}

#define GOT_MUL(e, i)	((e)->acc[(i)])
#define GOT_OPEN(e, i)	((e)->acc[(e)->nmul + (i)])
#define GOT_DEAL(e, i)	((e)->acc[(e)->nmul + (e)->nopen + (i)])

/* --- phases ------------------------------------------------------------- */

/* Deal r and a zero sharing for each missing bit, and r'' the first time. */
static void
send_bits_deal(SmpcEngine *e)
{
	int			nrpp = e->rpp_dealt ? 0 : e->ncmp;
	int			i;

	round_begin(e, PHASE_BITS_DEAL, 0, 0, 2 * e->nmissing + nrpp);
	for (i = 0; i < e->nmissing; i++)
	{
		put_deal(e, 2 * i, pool_fe(e), e->degree);
		put_deal(e, 2 * i + 1, 0, 2 * e->degree);
	}
	for (i = 0; i < nrpp; i++)
		put_deal(e, 2 * e->nmissing + i, pool_bounded(e, ENGINE_RPP_BITS),
				 e->degree);
}

static void
recv_bits_deal(SmpcEngine *e)
{
	int			i;

	for (i = 0; i < e->nmissing; i++)
	{
		smpc_fe		r = GOT_DEAL(e, 2 * i);

		e->pend_r[i] = r;
		e->pend_q[i] = fe_add(fe_mul(r, r), GOT_DEAL(e, 2 * i + 1));
	}
	if (!e->rpp_dealt)
	{
		for (i = 0; i < e->ncmp; i++)
			e->rpp[i] = GOT_DEAL(e, 2 * e->nmissing + i);
		e->rpp_dealt = true;
	}
	round_begin(e, PHASE_BITS_OPEN, 0, e->nmissing, 0);
	for (i = 0; i < e->nmissing; i++)
		put_open(e, i, e->pend_q[i]);
}

/* Start the next batch of comparisons: open each c. */
static void
send_mask_open(SmpcEngine *e)
{
	int			m = e->bits;
	int			per = (e->mode == MODE_LT_TIMES_D) ? m + 1 : 0;
	int			h = m / 2;
	int			extra = 0;
	int			i,
				j,
				g,
				q,
				pos;

	if (e->program == SMPC_PROG_MAX || e->program == SMPC_PROG_MIN)
	{
		e->k = e->ncand / 2;
		for (i = 0; i < e->k; i++)
			e->d[i] = fe_sub(e->cand[2 * i], e->cand[2 * i + 1]);
	}
	else
	{
		e->k = e->ncmp;
		for (i = 0; i < e->k; i++)
			e->d[i] = fe_sub(e->in[i], e->in[e->ncmp + i]);
	}

	/* the bit pairs' products: of every comparison, the first time */
	if (!e->pp_ready)
		extra = e->ncmp * h;
	else if (e->mode == MODE_LT_TIMES_D)
		extra = e->k * h;
	e->local_first = (e->mode != MODE_LT_TIMES_D || e->pp_ready);

	round_begin(e, PHASE_MASK_OPEN, e->k * per + extra, e->k, 0);
	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		smpc_fe		c;

		c = fe_add(e->two_m, e->d[i]);
		c = fe_add(c, fe_weighted(r, m));
		c = fe_add(c, fe_mul(e->two_m, e->rpp[e->base + i]));
		put_open(e, i, c);
		if (per > 0)
		{
			for (j = 0; j < m; j++)
				put_mul(e, i * per + j, r[j], e->d[i]);
			put_mul(e, i * per + m, e->d[i], e->d[i]);
		}
	}
	pos = e->k * per;
	if (!e->pp_ready)
	{
		for (g = 0; g < e->ncmp; g++)
		{
			const smpc_fe *r = e->rbit + (size_t) g * m;

			for (q = 0; q < h; q++)
				put_mul(e, pos++, r[m - 1 - 2 * q], r[m - 2 - 2 * q]);
		}
	}
	else if (e->mode == MODE_LT_TIMES_D)
	{
		for (i = 0; i < e->k; i++)
			for (q = 0; q < h; q++)
				put_mul(e, pos++, e->pp[(size_t) (e->base + i) * h + q], e->d[i]);
	}
}

static void
send_prefix(SmpcEngine *e)
{
	int			m = e->bits;
	int			pairs = e->nseg / 2;
	bool		need_eq = (e->mode == MODE_EQ || e->nseg > 2);
	bool		need_w = (e->mode != MODE_EQ);
	int			per = (need_eq ? 1 : 0) + (need_w ? 1 : 0);
	int			i,
				q,
				pos = 0;

	round_begin(e, PHASE_PREFIX, e->k * pairs * per, 0, 0);
	for (i = 0; i < e->k; i++)
	{
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;

		for (q = 0; q < pairs; q++)
		{
			if (need_eq)
				put_mul(e, pos++, eq[2 * q], eq[2 * q + 1]);
			if (need_w)
				put_mul(e, pos++, eq[2 * q], w[2 * q + 1]);
		}
	}
}

static void
send_result_open(SmpcEngine *e, const smpc_fe *v, int count)
{
	int			i;

	round_begin(e, PHASE_RESULT_OPEN, 0, count, 0);
	for (i = 0; i < count; i++)
		put_open(e, i, v[i]);
}

/* The opened r^2 + z: finish the bits, or redo those whose r was zero. */
static void
recv_bits_open(SmpcEngine *e)
{
	int			i,
				left = 0;

	for (i = 0; i < e->nmissing; i++)
	{
		smpc_fe		q = GOT_OPEN(e, i);

		if (q == 0)
		{
			e->missing[left++] = e->missing[i];
			continue;
		}
		e->rbit[e->missing[i]] =
			fe_mul(fe_add(fe_mul(e->pend_r[i], fe_inv_sqrt(q)), 1), e->inv_two);
	}
	e->nmissing = left;
	if (left > 0)
		send_bits_deal(e);
	else
		send_mask_open(e);
}

/*
 * The first level of the tree without a round: with c' public, each
 * segment's eq is a + b r for public a, b, so the products of two of them
 * are linear in r_H, r_L and r_H r_L, and eq_H times w_L in r_L (times d)
 * and r_H r_L (times d).
 */
static void
local_first_level(SmpcEngine *e)
{
	int			m = e->bits;
	int			h = m / 2;
	int			i,
				q;

	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		const smpc_fe *rd = e->rd + (size_t) i * (m + 1);
		const smpc_fe *pp = e->pp + (size_t) (e->base + i) * h;
		const smpc_fe *pd = e->pd + (size_t) i * h;
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;
		uint128		cp = e->cpub[i];

		for (q = 0; q < h; q++)
		{
			int			bh = m - 1 - 2 * q,
						bl = m - 2 - 2 * q;
			bool		ch = ((cp >> bh) & 1) != 0;
			bool		cl = ((cp >> bl) & 1) != 0;

			/* eq_H = ah + bh r_H with (ah, bh) = (0, 1) or (1, -1) */
			smpc_fe		ah = ch ? 0 : 1,
						bhc = ch ? 1 : fe_sub(0, 1);
			smpc_fe		al = cl ? 0 : 1,
						blc = cl ? 1 : fe_sub(0, 1);
			smpc_fe		prod;

			prod = fe_mul(ah, al);
			prod = fe_add(prod, fe_mul(fe_mul(ah, blc), r[bl]));
			prod = fe_add(prod, fe_mul(fe_mul(bhc, al), r[bh]));
			prod = fe_add(prod, fe_mul(fe_mul(bhc, blc), pp[q]));
			if (!cl && e->mode == MODE_LT)
				w[q] = fe_add(w[2 * q], fe_add(fe_mul(ah, r[bl]), fe_mul(bhc, pp[q])));
			else if (!cl && e->mode == MODE_LT_TIMES_D)
				w[q] = fe_add(w[2 * q], fe_add(fe_mul(ah, rd[bl]), fe_mul(bhc, pd[q])));
			else
				w[q] = w[2 * q];
			eq[q] = prod;
		}
		if (m % 2 == 1)
		{
			eq[h] = eq[m - 1];
			w[h] = w[m - 1];
		}
	}
	e->nseg = h + m % 2;
}

/* The opened c: the leaves of the prefix tree. */
static void
recv_mask_open(SmpcEngine *e)
{
	int			m = e->bits;
	int			per = (e->mode == MODE_LT_TIMES_D) ? m + 1 : 0;
	uint128		mask = (((uint128) 1) << m) - 1;
	int			h = m / 2;
	int			i,
				s,
				pos;

	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;
		smpc_fe    *rd = e->rd + (size_t) i * (m + 1);

		e->cpub[i] = GOT_OPEN(e, i) & mask;
		if (per > 0)
			for (s = 0; s <= m; s++)
				rd[s] = GOT_MUL(e, i * per + s);
		for (s = 0; s < m; s++)
		{
			int			b = m - 1 - s;	/* segment 0 is the top bit */
			bool		cb = ((e->cpub[i] >> b) & 1) != 0;

			/* equal: c_b == r_b; less: c_b = 0 and r_b = 1 */
			eq[s] = cb ? r[b] : fe_sub(1, r[b]);
			if (e->mode == MODE_LT)
				w[s] = cb ? 0 : r[b];
			else if (e->mode == MODE_LT_TIMES_D)
				w[s] = cb ? 0 : rd[b];
		}
	}
	e->nseg = m;

	pos = e->k * per;
	if (!e->pp_ready)
	{
		for (s = 0; s < e->ncmp * h; s++)
			e->pp[s] = GOT_MUL(e, pos++);
		e->pp_ready = true;
	}
	else if (e->mode == MODE_LT_TIMES_D)
	{
		for (s = 0; s < e->k * h; s++)
			e->pd[s] = GOT_MUL(e, pos++);
	}
	if (e->local_first && h > 0)
		local_first_level(e);
}

/* One level of the tree: (eq, w) of H then L is (eqH eqL, wH + eqH wL). */
static void
recv_prefix(SmpcEngine *e)
{
	int			m = e->bits;
	int			pairs = e->nseg / 2;
	bool		need_eq = (e->mode == MODE_EQ || e->nseg > 2);
	bool		need_w = (e->mode != MODE_EQ);
	int			i,
				q,
				pos = 0;

	for (i = 0; i < e->k; i++)
	{
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;

		for (q = 0; q < pairs; q++)
		{
			smpc_fe		weq = 0;

			if (need_eq)
				weq = GOT_MUL(e, pos++);
			if (need_w)
				w[q] = fe_add(w[2 * q], GOT_MUL(e, pos++));
			eq[q] = weq;
		}
		if (e->nseg % 2 == 1)
		{
			eq[pairs] = eq[e->nseg - 1];
			w[pairs] = w[e->nseg - 1];
		}
	}
	e->nseg = pairs + e->nseg % 2;
}

/* The tree is done: the batch's outputs, then the next batch or the end. */
static void
finish_batch(SmpcEngine *e)
{
	int			m = e->bits;
	int			i;

	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		smpc_fe		cp = (smpc_fe) e->cpub[i];
		smpc_fe		d = e->d[i];

		if (e->mode == MODE_EQ)
			e->fin[i] = e->eq[(size_t) i * m];
		else if (e->mode == MODE_LT)
		{
			/* x mod 2^m = c' - r' + 2^m u; [a < b] = 1 - (x - that) / 2^m */
			smpc_fe		u = e->w[(size_t) i * m];
			smpc_fe		low = fe_add(fe_sub(cp, fe_weighted(r, m)),
									 fe_mul(e->two_m, u));
			smpc_fe		x = fe_add(d, e->two_m);

			e->fin[i] = fe_sub(1, fe_mul(fe_sub(x, low), e->inv_two_m));
		}
		else
		{
			/* the same, times d */
			const smpc_fe *rd = e->rd + (size_t) i * (m + 1);
			smpc_fe		ud = e->w[(size_t) i * m];
			smpc_fe		lowd = fe_add(fe_sub(fe_mul(cp, d), fe_weighted(rd, m)),
									  fe_mul(e->two_m, ud));
			smpc_fe		xd = fe_add(rd[m], fe_mul(e->two_m, d));

			e->fin[i] = fe_sub(d, fe_mul(fe_sub(xd, lowd), e->inv_two_m));
		}
	}

	if (e->mode != MODE_LT_TIMES_D)
	{
		send_result_open(e, e->fin, e->k);
		return;
	}

	/* winners of this level of the tournament */
	for (i = 0; i < e->k; i++)
	{
		if (e->program == SMPC_PROG_MAX)
			e->cand[i] = fe_sub(e->cand[2 * i], e->fin[i]);
		else
			e->cand[i] = fe_add(e->cand[2 * i + 1], e->fin[i]);
	}
	if (e->ncand % 2 == 1)
		e->cand[e->k] = e->cand[e->ncand - 1];
	e->ncand = e->k + e->ncand % 2;
	e->base += e->k;
	if (e->ncand > 1)
		send_mask_open(e);
	else
		send_result_open(e, e->cand, 1);
}

static void
recv_result_open(SmpcEngine *e)
{
	int			i;

	e->nresult = e->nopen;
	e->result = palloc0(Max(e->nresult, 1) * sizeof(int128));
	for (i = 0; i < e->nresult; i++)
		e->result[i] = fe_to_int(GOT_OPEN(e, i));
	round_clear(e);
	e->phase = PHASE_DONE;
	e->round = 0;
}

static void
engine_step(SmpcEngine *e)
{
	switch (e->phase)
	{
		case PHASE_BITS_DEAL:
			recv_bits_deal(e);
			break;
		case PHASE_BITS_OPEN:
			recv_bits_open(e);
			break;
		case PHASE_MASK_OPEN:
			recv_mask_open(e);
			if (e->nseg > 1)
				send_prefix(e);
			else
				finish_batch(e);
			break;
		case PHASE_PREFIX:
			recv_prefix(e);
			if (e->nseg > 1)
				send_prefix(e);
			else
				finish_batch(e);
			break;
		case PHASE_RESULT_OPEN:
			recv_result_open(e);
			break;
		case PHASE_DONE:
			break;
	}
}

/* --- interface ---------------------------------------------------------- */

SmpcEngine *
smpc_engine_start(SmpcEngineProgram program, int n, int self, int degree,
				  int bits, const smpc_fe *inputs, int ninputs,
				  const char **why)
{
	SmpcEngine *e;
	int			ncmp;
	int			xs[ENGINE_MAX_N];
	int			i;

	*why = NULL;
	if (program != SMPC_PROG_MAX && program != SMPC_PROG_MIN &&
		program != SMPC_PROG_LESS_THAN && program != SMPC_PROG_EQUAL)
	{
		*why = "unknown program";
		return NULL;
	}
	if (n < 2 || n > ENGINE_MAX_N)
	{
		*why = "the number of participants must be between 2 and 64";
		return NULL;
	}
	if (self < 0 || self >= n)
	{
		*why = "the participant index is out of range";
		return NULL;
	}
	if (degree < 0 || 2 * degree >= n)
	{
		*why = "multiplication needs an honest majority: 2 * degree must be less than the number of participants";
		return NULL;
	}
	if (bits < 1 || bits > SMPC_ENGINE_MAX_BITS)
	{
		*why = "the bit width of compared values must be between 1 and 80";
		return NULL;
	}
	if (ninputs < 0 || (ninputs > 0 && inputs == NULL))
	{
		*why = "wrong number of inputs";
		return NULL;
	}
	if (program == SMPC_PROG_MAX || program == SMPC_PROG_MIN)
	{
		if (ninputs != n)
		{
			*why = "MAX and MIN take one input per participant";
			return NULL;
		}
		ncmp = n - 1;
	}
	else
	{
		if (ninputs < 2 || ninputs % 2 != 0)
		{
			*why = "LESS_THAN and EQUAL take a positive, even number of inputs";
			return NULL;
		}
		ncmp = ninputs / 2;
	}
	/* the largest vector is the first round's: r and z per bit, and r'' */
	if ((int64) ncmp * (2 * bits + 1) > SMPC_ENGINE_MAX_VECTOR)
	{
		*why = "too many comparisons for one program";
		return NULL;
	}
	for (i = 0; i < ninputs; i++)
	{
		if (inputs[i] >= SMPC_FIELD_P)
		{
			*why = "an input share is not a field element";
			return NULL;
		}
	}

	e = palloc0(sizeof(SmpcEngine));
	e->program = program;
	e->mode = (program == SMPC_PROG_EQUAL) ? MODE_EQ :
		(program == SMPC_PROG_LESS_THAN) ? MODE_LT : MODE_LT_TIMES_D;
	e->n = n;
	e->self = self;
	e->degree = degree;
	e->bits = bits;
	for (i = 0; i < n; i++)
		xs[i] = i + 1;
	shamir_lagrange(xs, n, e->lagrange);
	e->two_m = ((smpc_fe) 1) << bits;
	e->inv_two_m = fe_inv(e->two_m);
	e->inv_two = fe_inv(2);

	e->nin = ninputs;
	e->in = alloc_fe(ninputs);
	if (ninputs > 0)
		memcpy(e->in, inputs, ninputs * sizeof(smpc_fe));
	e->ncmp = ncmp;
	e->rbit = alloc_fe((size_t) ncmp * bits);
	e->rpp = alloc_fe(ncmp);
	e->missing = palloc(Max((size_t) ncmp * bits, 1) * sizeof(int));
	e->nmissing = ncmp * bits;
	for (i = 0; i < e->nmissing; i++)
		e->missing[i] = i;
	e->pend_r = alloc_fe((size_t) ncmp * bits);
	e->pend_q = alloc_fe((size_t) ncmp * bits);
	if (program == SMPC_PROG_MAX || program == SMPC_PROG_MIN)
	{
		e->cand = alloc_fe(n);
		memcpy(e->cand, inputs, n * sizeof(smpc_fe));
		e->ncand = n;
	}
	e->d = alloc_fe(ncmp);
	e->cpub = palloc0(Max(ncmp, 1) * sizeof(uint128));
	e->rd = alloc_fe((size_t) ncmp * (bits + 1));
	e->pp = alloc_fe((size_t) ncmp * (bits / 2));
	e->pd = alloc_fe((size_t) ncmp * (bits / 2));
	e->eq = alloc_fe((size_t) ncmp * bits);
	e->w = alloc_fe((size_t) ncmp * bits);
	e->fin = alloc_fe(ncmp);
	e->pool_pos = ENGINE_POOL_BYTES;

	send_bits_deal(e);
	return e;
}

int
smpc_engine_round(const SmpcEngine *e)
{
	return e->round;
}

void
smpc_engine_outgoing(const SmpcEngine *e, int j, const smpc_fe **v, int *len)
{
	if (e->phase == PHASE_DONE || j < 0 || j >= e->n || j == e->self)
	{
		*v = NULL;
		*len = 0;
		return;
	}
	*v = e->out[j];
	*len = e->len;
}

bool
smpc_engine_incoming(SmpcEngine *e, int j, int round, const smpc_fe *v,
					 int len, const char **why)
{
	smpc_fe		lj;
	int			i;

	*why = NULL;
	if (e->phase == PHASE_DONE)
	{
		*why = "the program is done";
		return false;
	}
	if (j < 0 || j >= e->n || j == e->self)
	{
		*why = "the sender is not another participant";
		return false;
	}
	if (round != e->round)
	{
		*why = "the vector is for another round";
		return false;
	}
	if (e->got[j])
	{
		*why = "a second vector from the same participant in one round";
		return false;
	}
	if (len != e->len || (len > 0 && v == NULL))
	{
		*why = "the vector has the wrong length";
		return false;
	}
	for (i = 0; i < len; i++)
	{
		if (v[i] >= SMPC_FIELD_P)
		{
			*why = "the vector holds a value that is not a field element";
			return false;
		}
	}

	lj = e->lagrange[j];
	for (i = 0; i < e->nmul + e->nopen; i++)
		e->acc[i] = fe_add(e->acc[i], fe_mul(lj, v[i]));
	for (; i < len; i++)
		e->acc[i] = fe_add(e->acc[i], v[i]);
	e->got[j] = true;
	e->ngot++;
	return true;
}

bool
smpc_engine_round_complete(const SmpcEngine *e)
{
	return e->phase != PHASE_DONE && e->ngot == e->n - 1;
}

void
smpc_engine_advance(SmpcEngine *e)
{
	if (!smpc_engine_round_complete(e))
		return;
	engine_step(e);
}

bool
smpc_engine_done(const SmpcEngine *e)
{
	return e->phase == PHASE_DONE;
}

int
smpc_engine_result(const SmpcEngine *e, int128 *out, int max)
{
	int			count;

	if (e->phase != PHASE_DONE)
		return 0;
	count = Min(e->nresult, max);
	if (count > 0)
		memcpy(out, e->result, count * sizeof(int128));
	return count;
}

void
smpc_engine_free(SmpcEngine *e)
{
	size_t		nbits;

	if (e == NULL)
		return;
	nbits = Max((size_t) e->ncmp * e->bits, 1);
	round_clear(e);
	wipe_free(e->in, Max(e->nin, 1) * sizeof(smpc_fe));
	wipe_free(e->rbit, nbits * sizeof(smpc_fe));
	wipe_free(e->rpp, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->missing, nbits * sizeof(int));
	wipe_free(e->pend_r, nbits * sizeof(smpc_fe));
	wipe_free(e->pend_q, nbits * sizeof(smpc_fe));
	if (e->cand)
		wipe_free(e->cand, e->n * sizeof(smpc_fe));
	wipe_free(e->d, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->cpub, Max(e->ncmp, 1) * sizeof(uint128));
	wipe_free(e->rd, Max((size_t) e->ncmp * (e->bits + 1), 1) * sizeof(smpc_fe));
	wipe_free(e->pp, Max((size_t) e->ncmp * (e->bits / 2), 1) * sizeof(smpc_fe));
	wipe_free(e->pd, Max((size_t) e->ncmp * (e->bits / 2), 1) * sizeof(smpc_fe));
	wipe_free(e->eq, nbits * sizeof(smpc_fe));
	wipe_free(e->w, nbits * sizeof(smpc_fe));
	wipe_free(e->fin, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->result, Max(e->nresult, 1) * sizeof(int128));
	sodium_memzero(e, sizeof(SmpcEngine));
	pfree(e);
}
