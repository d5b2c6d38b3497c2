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
 * Random bits come from the square-root trick: r jointly random, open
 * r^2 + z (z a jointly dealt sharing of zero of degree 2t, so that the
 * opened polynomial tells nothing about r's), then bit = (r / sqrt(r^2)
 * + 1) / 2.  The bits of a comparison are made in pairs (r_(m-1-2q),
 * r_(m-2-2q)), and the round that opens r^2 + z also multiplies the two
 * r of each pair: with the public square roots, the product of the two
 * bits is then linear in the r and their product.  With c' public, the
 * prefix tree's first level is linear in those products, so it costs no
 * round.  All bits of a program are made in its first two rounds.
 *
 * A comparison may carry a shared value y: it then also ends with shares
 * of [a < b] * y, the tree running over the leaves times y (the products
 * r_i y, d y and (r_H r_L) y ride in the round that opens c).
 *
 * MAX and MIN compare the candidates as a round robin: all pairs of a
 * heat in one batch.  With s_jk = [v_j < v_k] (MAX; [v_k < v_j] for MIN)
 * for j < k, member j of the heat wins against k when g_jk = 1 - s_jk
 * (k > j) or s_kj (k < j): ties go to the lowest index, so exactly one
 * member wins against all, and w_j = prod_k g_jk is 1 for it alone.  The
 * winner sum_j w_j v_j is evaluated by a product tree over each member's
 * factors, one of which is already times v_j (the comparison of j and
 * j + 1 carries v_j, that of the first and the last the last's value);
 * the tree's last level, sum_j A_j B_j, is opened at once, masked by a
 * jointly dealt sharing of zero of degree 2t (or reshared, when the
 * winner goes on to another heat).  A heat of two is v_0 + s_01 (v_1 -
 * v_0) locally.  Only the c and the result are opened; the bits s and
 * the w_j stay shared.  Up to ENGINE_HEAT_ALL candidates make one heat
 * (n (n - 1) / 2 comparisons instead of the n - 1 of a tournament, but in
 * one batch); more are split into heats of at most ENGINE_HEAT, whose
 * winners meet at the next level, so that the comparisons stay within a
 * few times n (216 at n = 64).
 *
 * MAX and MIN may take G independent groups of n candidates at once.
 * Every group is laid out in heats alike, one group after the other, so
 * that the same phase of every group lies in the same round: a batch
 * holds all groups' comparisons, a product tree round all groups'
 * products, and the last round opens the G results, each masked by its
 * own sharing of zero (one mask for all would let the opened polynomials
 * of two groups be subtracted).  Nothing of one group depends on
 * another's values, so what is opened per group is what one group alone
 * opens.  G groups take the rounds of one; each vector is G times one
 * group's.
 *
 * Rounds: 2 for the random bits; per comparison batch 1 to open c and
 * ceil(log2 ceil(bits / 2)) for the tree; then 1 to open the outputs
 * (LESS_THAN, EQUAL: 10 at 80 bits), or per level of MAX and MIN
 * ceil(log2(s - 1)) for the product tree of heats of s >= 3 (its last
 * level opens the result), 1 for a final heat of 2.  At 80 bits MAX and
 * MIN take 9 + max(1, ceil(log2(n - 1))) rounds for n <= 16 (10 at n = 2
 * and 3, 11 at n = 4 and 5, 12 at n = 6 to 9, 13 at n = 10 to 16), 20 at
 * n = 17 and 24 at n = 64, whatever the number of groups.
 *
 * Vectors: the first round's is the longest, 2 bits + 1 elements per
 * comparison (r and z per bit, r'') and one per group of MAX and MIN (its
 * final mask, for n >= 3); a later round sends at most 2 + bits + bits / 2
 * per comparison of its batch.  At 80 bits one group of 3 <= n <= 16
 * makes 161 n (n - 1) / 2 + 1 elements: 484 at n = 3, 1611 at n = 5 and
 * 4509 at n = 8, hence at most 2166, 650 and 232 groups within
 * SMPC_ENGINE_MAX_VECTOR.
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
/* MAX and MIN: so many candidates of a group or fewer meet in one heat */
#define ENGINE_HEAT_ALL		16
/* otherwise in heats of at most this many */
#define ENGINE_HEAT		4

typedef enum EngineMode
{
	MODE_LT,					/* [a < b] */
	MODE_EQ,					/* [a == b] */
	MODE_SELECT					/* MAX, MIN: [a < b], some times y */
} EngineMode;

typedef enum EnginePhase
{
	PHASE_BITS_DEAL,			/* deal r, zero sharings (and r'' once) */
	PHASE_BITS_OPEN,			/* open r^2 + z, multiply pairs of r */
	PHASE_MASK_OPEN,			/* open c (and multiply r_i y, d y) */
	PHASE_PREFIX,				/* one level of the prefix tree */
	PHASE_SELECT,				/* one level of the product tree */
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
	smpc_fe		inv_four;

	/* the round in progress */
	int			nmul;
	int			nopen;
	int			ndeal;
	int			len;			/* nmul + nopen + ndeal */
	int			cap;			/* room in out[] and acc */
	smpc_fe    *out[ENGINE_MAX_N];	/* what goes to each peer */
	smpc_fe    *acc;			/* this participant's results, filling up */
	bool		got[ENGINE_MAX_N];
	int			ngot;

	/* inputs */
	smpc_fe    *in;
	int			nin;
	bool		have_inputs;	/* LESS_THAN, EQUAL: false until set_inputs */
	int			ncmp;			/* comparisons in the whole program */

	/*
	 * Random bits: rbit[g * bits + i] is bit i of comparison g's r'.  They
	 * are made by units: unit u of comparison g (u < bits / 2) is the pair
	 * of bits (bits-1-2u, bits-2-2u), whose product goes to
	 * pp[g * (bits / 2) + u]; for an odd width the last unit is bit 0.
	 */
	smpc_fe    *rbit;
	smpc_fe    *pp;
	int			nunit;			/* units per comparison */
	smpc_fe    *rpp;			/* r'' of each comparison */
	int		   *missing;		/* units still to make */
	int			nmissing;
	smpc_fe    *pend_r;			/* r of each bit being made, by bit */
	smpc_fe    *pend_q;			/* r^2 + z to open, by bit */
	smpc_fe    *pend_s;			/* 1 / sqrt of the opened ones */
	bool		rpp_dealt;
	bool		need_zfin;		/* MAX, MIN: masks of the final opening */
	smpc_fe    *zfin;			/* one per group */

	/*
	 * MAX, MIN: ngroups independent groups of n candidates, group-major.
	 * At each level every group has ncand candidates (cand[g * ncand + i])
	 * in the same number of heats, laid out group-major too, so that all
	 * groups go through the same rounds in step.
	 */
	int			ngroups;
	smpc_fe    *cand;
	int			ncand;			/* per group */
	int			nheat;			/* in all groups */
	int			maxheat;		/* of the first level, the most */
	int		   *hstart;			/* first candidate of each heat */
	int		   *hsize;
	int		   *hcmp;			/* its first comparison in the batch */
	int		   *hcount;			/* factors per member left; 0: done */
	smpc_fe    *hwin;			/* the heat's winner, once done */
	smpc_fe    *item;			/* factors: item[cand * (n - 1) + f] */

	/* the batch of comparisons in progress */
	int			base;			/* global index of its first comparison */
	int			k;
	smpc_fe    *d;				/* k: a - b */
	smpc_fe    *y;				/* k: the carried value */
	bool	   *carry;			/* k: whether a value is carried */
	uint128    *cpub;			/* k: c mod 2^bits, public */
	smpc_fe    *rd;				/* k * (bits + 1): r_i y, then d y */
	smpc_fe    *pd;				/* k * (bits / 2): pair products times y */
	smpc_fe    *eq;				/* k * bits: segments, most significant
								 * first */
	smpc_fe    *w;
	smpc_fe    *wy;				/* w times y */
	int			nseg;
	smpc_fe    *fin;			/* k: output shares */
	smpc_fe    *finy;			/* k: output times y */

	int128	   *result;
	int			nresult;

	/* randomness not yet used; used bytes are wiped at once */
};

static void engine_step(SmpcEngine *e);

/* --- small arithmetic helpers ------------------------------------------ */

static smpc_fe
fe_sqn(smpc_fe x, int k)
{
	while (k-- > 0)
		x = fe_sqr(x);
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
 * The same for many q at once, in place: SQRT_LANES chains side by side,
 * so that the processor overlaps their products (one chain waits on each
 * squaring's latency).
 */
#define SQRT_LANES 4

static void
lanes_sqn(smpc_fe *x, int k)
{
	int			l;

	while (k-- > 0)
		for (l = 0; l < SQRT_LANES; l++)
			x[l] = fe_sqr(x[l]);
}

/* r = a^(2^k) * b, lane by lane */
static void
lanes_step(smpc_fe *r, const smpc_fe *a, int k, const smpc_fe *b)
{
	smpc_fe		t[SQRT_LANES];
	int			l;

	memcpy(t, a, sizeof(t));
	lanes_sqn(t, k);
	for (l = 0; l < SQRT_LANES; l++)
		r[l] = fe_mul(t[l], b[l]);
}

static void
fe_inv_sqrt_batch(smpc_fe *v, int count)
{
	int			i;

	for (i = 0; i + SQRT_LANES <= count; i += SQRT_LANES)
	{
		smpc_fe		e1[SQRT_LANES],
					e2[SQRT_LANES],
					e4[SQRT_LANES],
					e5[SQRT_LANES],
					e10[SQRT_LANES],
					e20[SQRT_LANES],
					e25[SQRT_LANES],
					e50[SQRT_LANES],
					e100[SQRT_LANES];

		memcpy(e1, v + i, sizeof(e1));
		lanes_step(e2, e1, 1, e1);
		lanes_step(e4, e2, 2, e2);
		lanes_step(e5, e4, 1, e1);
		lanes_step(e10, e5, 5, e5);
		lanes_step(e20, e10, 10, e10);
		lanes_step(e25, e20, 5, e5);
		lanes_step(e50, e25, 25, e25);
		lanes_step(e100, e50, 50, e50);
		lanes_step(v + i, e100, 25, e25);
	}
	for (; i < count; i++)
		v[i] = fe_inv_sqrt(v[i]);
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

/* uniform in [0, 2^nbits), nbits < 64 */
static smpc_fe
random_bounded(int nbits)
{
	uint8		buf[8];
	uint64		x = 0;
	int			i;

	fe_random_bytes(buf, sizeof(buf));
	for (i = 7; i >= 0; i--)
		x = (x << 8) | buf[i];
	sodium_memzero(buf, sizeof(buf));
	return (smpc_fe) (x & ((((uint64) 1) << nbits) - 1));
}

/* shamir_split with small multipliers: sh[j] = f(j + 1), f(0) = secret */
static void
split_small(SmpcEngine *e, smpc_fe secret, int degree, smpc_fe *sh)
{
	smpc_fe		coef[2 * ENGINE_MAX_N];
	int			i,
				j;

	Assert(degree < e->n);
	coef[0] = secret;
	for (i = 1; i <= degree; i++)
		coef[i] = fe_random();
	for (j = 0; j < e->n; j++)
	{
		uint32		x = (uint32) (j + 1);
		smpc_fe		y = coef[degree];

		for (i = degree - 1; i >= 0; i--)
			y = fe_add(fe_mul_small(y, x), coef[i]);
		sh[j] = y;
	}
	sodium_memzero(coef, (degree + 1) * sizeof(smpc_fe));
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

/*
 * Wipe the round's vectors (every slot of a round is written before it is
 * read, so wiped buffers serve the next round as they are).  Their memory
 * stays: a program's first round is its longest, and a fresh allocation
 * of a long vector every round costs more than the work on it.
 */
static void
round_clear(SmpcEngine *e)
{
	size_t		bytes = (size_t) e->len * sizeof(smpc_fe);
	int			j;

	for (j = 0; j < e->n; j++)
		if (e->out[j] != NULL)
			sodium_memzero(e->out[j], bytes);
	if (e->acc != NULL)
		sodium_memzero(e->acc, bytes);
	e->nmul = e->nopen = e->ndeal = e->len = 0;
}

/* Wipe the round's vectors and free them. */
static void
round_release(SmpcEngine *e)
{
	size_t		bytes = Max((size_t) e->cap, 1) * sizeof(smpc_fe);
	int			j;

	round_clear(e);
	for (j = 0; j < e->n; j++)
	{
		wipe_free(e->out[j], bytes);
		e->out[j] = NULL;
	}
	wipe_free(e->acc, bytes);
	e->acc = NULL;
	e->cap = 0;
}

/* Start the next round's vectors; the previous round's results are gone. */
static void
round_begin(SmpcEngine *e, EnginePhase phase, int nmul, int nopen, int ndeal)
{
	int			len = nmul + nopen + ndeal;
	int			j;

	Assert(len <= SMPC_ENGINE_MAX_VECTOR);
	if (len > e->cap || e->acc == NULL)
	{
		round_release(e);
		for (j = 0; j < e->n; j++)
			if (j != e->self)
				e->out[j] = alloc_fe(len);
		e->acc = alloc_fe(len);
		e->cap = len;
	}
	else
		round_clear(e);
	e->phase = phase;
	e->nmul = nmul;
	e->nopen = nopen;
	e->ndeal = ndeal;
	e->len = len;
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

	split_small(e, secret, degree, sh);
	for (j = 0; j < e->n; j++)
		if (j != e->self)
			e->out[j][pos] = sh[j];
	e->acc[pos] = fe_mul(coef, sh[e->self]);
	sodium_memzero(sh, e->n * sizeof(smpc_fe));
}

static void
put_mul(SmpcEngine *e, int i, smpc_fe x, smpc_fe y)
{
	Assert(i < e->nmul);
	put_shares(e, i, fe_mul(x, y), e->degree, e->lagrange[e->self]);
}

/* Reshare a local value of degree up to 2t (a sum of products) at degree t. */
static void
put_mul_value(SmpcEngine *e, int i, smpc_fe v)
{
	Assert(i < e->nmul);
	put_shares(e, i, v, e->degree, e->lagrange[e->self]);
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

/* --- plan ---------------------------------------------------------------- */

/* MAX, MIN: how many heats c candidates of one group make */
static int
level_heats(int c)
{
	if (c <= ENGINE_HEAT_ALL)
		return 1;
	return (c + ENGINE_HEAT - 1) / ENGINE_HEAT;
}

/* comparisons of all levels of MAX or MIN among one group's n candidates */
static int
select_comparisons(int n)
{
	int			c = n,
				total = 0;

	while (c > 1)
	{
		int			nh = level_heats(c),
					h;

		for (h = 0; h < nh; h++)
		{
			int			s = c / nh + (h < c % nh ? 1 : 0);

			total += s * (s - 1) / 2;
		}
		c = nh;
	}
	return total;
}

/* the bits of unit u (a global unit index): returns 1 or 2 */
static int
unit_bits(const SmpcEngine *e, int u, int *bh, int *bl)
{
	int			m = e->bits;
	int			g = u / e->nunit,
				q = u % e->nunit;

	if (q < m / 2)
	{
		*bh = g * m + m - 1 - 2 * q;
		*bl = g * m + m - 2 - 2 * q;
		return 2;
	}
	*bh = g * m;
	*bl = -1;
	return 1;
}

/* --- phases ------------------------------------------------------------- */

/*
 * Deal r and a zero sharing for each missing bit, and the first time r''
 * and the mask of the final opening.
 */
static void
send_bits_deal(SmpcEngine *e)
{
	int			nbits = 0,
				nonce = 0,
				pos = 0,
				i;

	for (i = 0; i < e->nmissing; i++)
	{
		int			bh,
					bl;

		nbits += unit_bits(e, e->missing[i], &bh, &bl);
	}
	if (!e->rpp_dealt)
		nonce = e->ncmp + (e->need_zfin ? e->ngroups : 0);
	round_begin(e, PHASE_BITS_DEAL, 0, 0, 2 * nbits + nonce);
	for (i = 0; i < nbits; i++)
	{
		put_deal(e, pos++, fe_random(), e->degree);
		put_deal(e, pos++, 0, 2 * e->degree);
	}
	if (!e->rpp_dealt)
	{
		for (i = 0; i < e->ncmp; i++)
			put_deal(e, pos++, random_bounded(ENGINE_RPP_BITS), e->degree);
		if (e->need_zfin)
			for (i = 0; i < e->ngroups; i++)
				put_deal(e, pos++, 0, 2 * e->degree);
	}
}

static void
recv_bits_deal(SmpcEngine *e)
{
	int			pos = 0,
				npair = 0,
				nbits = 0,
				i,
				b;

	for (i = 0; i < e->nmissing; i++)
	{
		int			bit[2];
		int			nb = unit_bits(e, e->missing[i], &bit[0], &bit[1]);

		for (b = 0; b < nb; b++)
		{
			smpc_fe		r = GOT_DEAL(e, pos++);

			e->pend_r[bit[b]] = r;
			e->pend_q[bit[b]] = fe_add(fe_mul(r, r), GOT_DEAL(e, pos++));
		}
		nbits += nb;
		npair += (nb == 2);
	}
	if (!e->rpp_dealt)
	{
		for (i = 0; i < e->ncmp; i++)
			e->rpp[i] = GOT_DEAL(e, pos++);
		if (e->need_zfin)
			for (i = 0; i < e->ngroups; i++)
				e->zfin[i] = GOT_DEAL(e, pos++);
		e->rpp_dealt = true;
	}

	round_begin(e, PHASE_BITS_OPEN, npair, nbits, 0);
	npair = nbits = 0;
	for (i = 0; i < e->nmissing; i++)
	{
		int			bit[2];
		int			nb = unit_bits(e, e->missing[i], &bit[0], &bit[1]);

		for (b = 0; b < nb; b++)
			put_open(e, nbits++, e->pend_q[bit[b]]);
		if (nb == 2)
			put_mul(e, npair++, e->pend_r[bit[0]], e->pend_r[bit[1]]);
	}
}

static void send_mask_open(SmpcEngine *e);

/*
 * The opened r^2 + z: finish the bits and their pair products, or make a
 * unit again when one of its squares is zero (its r was zero).
 */
static void
recv_bits_open(SmpcEngine *e)
{
	int			left = 0,
				nbits = 0,
				npair = 0,
				ninv = 0,
				i,
				b;

	/* the opened squares, by bit; 1 / sqrt of all of them at once */
	for (i = 0; i < e->nmissing; i++)
	{
		int			bit[2];
		int			nb = unit_bits(e, e->missing[i], &bit[0], &bit[1]);

		for (b = 0; b < nb; b++)
		{
			e->pend_q[bit[b]] = GOT_OPEN(e, nbits++);
			e->pend_s[ninv++] = e->pend_q[bit[b]];
		}
	}
	fe_inv_sqrt_batch(e->pend_s, ninv);

	ninv = 0;
	for (i = 0; i < e->nmissing; i++)
	{
		int			bit[2];
		int			nb = unit_bits(e, e->missing[i], &bit[0], &bit[1]);
		const smpc_fe *s = e->pend_s + ninv;
		smpc_fe		prod = 0;
		bool		zero = false;

		ninv += nb;
		for (b = 0; b < nb; b++)
			zero |= (e->pend_q[bit[b]] == 0);
		if (nb == 2)
			prod = GOT_MUL(e, npair++);
		if (zero)
		{
			e->missing[left++] = e->missing[i];
			continue;
		}
		for (b = 0; b < nb; b++)
		{
			/* r s = +-1 */
			e->rbit[bit[b]] = fe_mul(fe_add(fe_mul(e->pend_r[bit[b]], s[b]), 1),
									 e->inv_two);
		}
		if (nb == 2)
		{
			/* (r_H s_H + 1)(r_L s_L + 1) / 4 */
			int			u = e->missing[i];
			int			h = e->bits / 2;
			smpc_fe		v;

			v = fe_mul(fe_mul(s[0], s[1]), prod);
			v = fe_add(v, fe_mul(s[0], e->pend_r[bit[0]]));
			v = fe_add(v, fe_mul(s[1], e->pend_r[bit[1]]));
			v = fe_add(v, 1);
			e->pp[(u / e->nunit) * h + u % e->nunit] = fe_mul(v, e->inv_four);
		}
	}
	e->nmissing = left;
	if (left > 0)
		send_bits_deal(e);
	else
		send_mask_open(e);
}

/*
 * MAX, MIN: lay out the level's heats and their comparisons, every group's
 * heats alike and one group after the other.  For j < k of a heat, the
 * comparison of (j, k) gives [v_j < v_k] (MAX) or [v_k < v_j] (MIN); that
 * of (j, j + 1) carries v_j, that of (0, s - 1) v_(s-1); in a heat of two,
 * (0, 1) carries v_1 - v_0.
 */
static void
select_level(SmpcEngine *e)
{
	int			per = level_heats(e->ncand),	/* heats of each group */
				h,
				i = 0;

	e->nheat = e->ngroups * per;
	Assert(e->nheat <= e->maxheat);
	for (h = 0; h < e->nheat; h++)
	{
		int			x = h % per,
					s = e->ncand / per + (x < e->ncand % per ? 1 : 0),
					a = (h == 0) ? 0 : e->hstart[h - 1] + e->hsize[h - 1],
					j,
					k;

		e->hstart[h] = a;
		e->hsize[h] = s;
		e->hcmp[h] = i;
		for (j = 0; j < s; j++)
			for (k = j + 1; k < s; k++)
			{
				smpc_fe		vj = e->cand[a + j],
							vk = e->cand[a + k];

				e->d[i] = (e->program == SMPC_PROG_MAX) ? fe_sub(vj, vk) : fe_sub(vk, vj);
				e->carry[i] = true;
				if (s == 2)
					e->y[i] = fe_sub(vk, vj);
				else if (k == j + 1)
					e->y[i] = vj;
				else if (j == 0 && k == s - 1)
					e->y[i] = vk;
				else
				{
					e->carry[i] = false;
					e->y[i] = 0;
				}
				i++;
			}
	}
	e->k = i;
}

/* Start the next batch of comparisons: open each c. */
static void
send_mask_open(SmpcEngine *e)
{
	int			m = e->bits;
	int			h = m / 2;
	int			per = m + 1 + h;
	int			ncarry = 0;
	int			i,
				j,
				pos = 0;

	if (e->mode == MODE_SELECT)
		select_level(e);
	else
	{
		e->k = e->ncmp;
		for (i = 0; i < e->k; i++)
		{
			e->d[i] = fe_sub(e->in[i], e->in[e->ncmp + i]);
			e->carry[i] = false;
		}
	}
	for (i = 0; i < e->k; i++)
		ncarry += e->carry[i];

	round_begin(e, PHASE_MASK_OPEN, ncarry * per, e->k, 0);
	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		const smpc_fe *pp = e->pp + (size_t) (e->base + i) * h;
		smpc_fe		c;

		c = fe_add(e->two_m, e->d[i]);
		c = fe_add(c, fe_weighted(r, m));
		c = fe_add(c, fe_mul(e->two_m, e->rpp[e->base + i]));
		put_open(e, i, c);
		if (e->carry[i])
		{
			for (j = 0; j < m; j++)
				put_mul(e, pos++, r[j], e->y[i]);
			put_mul(e, pos++, e->d[i], e->y[i]);
			for (j = 0; j < h; j++)
				put_mul(e, pos++, pp[j], e->y[i]);
		}
	}
}

static void
send_prefix(SmpcEngine *e)
{
	int			m = e->bits;
	int			pairs = e->nseg / 2;
	bool		need_eq = (e->mode == MODE_EQ || e->nseg > 2);
	bool		need_w = (e->mode != MODE_EQ);
	int			nmul = 0;
	int			i,
				q,
				pos = 0;

	for (i = 0; i < e->k; i++)
		nmul += pairs * ((need_eq ? 1 : 0) + (need_w ? 1 : 0) + (e->carry[i] ? 1 : 0));
	round_begin(e, PHASE_PREFIX, nmul, 0, 0);
	for (i = 0; i < e->k; i++)
	{
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;
		smpc_fe    *wy = e->wy + (size_t) i * m;

		for (q = 0; q < pairs; q++)
		{
			if (need_eq)
				put_mul(e, pos++, eq[2 * q], eq[2 * q + 1]);
			if (need_w)
				put_mul(e, pos++, eq[2 * q], w[2 * q + 1]);
			if (e->carry[i])
				put_mul(e, pos++, eq[2 * q], wy[2 * q + 1]);
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

/*
 * The first level of the tree without a round: with c' public, each
 * segment's eq is a + b r for public a, b, so the products of two of them
 * are linear in r_H, r_L and r_H r_L, and eq_H times w_L in r_L (times y)
 * and r_H r_L (times y).
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
		smpc_fe    *wy = e->wy + (size_t) i * m;
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
			if (!cl)
			{
				w[q] = fe_add(w[2 * q], fe_add(fe_mul(ah, r[bl]), fe_mul(bhc, pp[q])));
				if (e->carry[i])
					wy[q] = fe_add(wy[2 * q], fe_add(fe_mul(ah, rd[bl]), fe_mul(bhc, pd[q])));
			}
			else
			{
				w[q] = w[2 * q];
				wy[q] = wy[2 * q];
			}
			eq[q] = prod;
		}
		if (m % 2 == 1)
		{
			eq[h] = eq[m - 1];
			w[h] = w[m - 1];
			wy[h] = wy[m - 1];
		}
	}
	e->nseg = h + m % 2;
}

/* The opened c: the leaves of the prefix tree. */
static void
recv_mask_open(SmpcEngine *e)
{
	int			m = e->bits;
	int			h = m / 2;
	uint128		mask = (((uint128) 1) << m) - 1;
	int			i,
				s,
				pos = 0;

	for (i = 0; i < e->k; i++)
	{
		const smpc_fe *r = e->rbit + (size_t) (e->base + i) * m;
		smpc_fe    *eq = e->eq + (size_t) i * m;
		smpc_fe    *w = e->w + (size_t) i * m;
		smpc_fe    *wy = e->wy + (size_t) i * m;
		smpc_fe    *rd = e->rd + (size_t) i * (m + 1);
		smpc_fe    *pd = e->pd + (size_t) i * h;

		e->cpub[i] = GOT_OPEN(e, i) & mask;
		if (e->carry[i])
		{
			for (s = 0; s <= m; s++)
				rd[s] = GOT_MUL(e, pos++);
			for (s = 0; s < h; s++)
				pd[s] = GOT_MUL(e, pos++);
		}
		for (s = 0; s < m; s++)
		{
			int			b = m - 1 - s;	/* segment 0 is the top bit */
			bool		cb = ((e->cpub[i] >> b) & 1) != 0;

			/* equal: c_b == r_b; less: c_b = 0 and r_b = 1 */
			eq[s] = cb ? r[b] : fe_sub(1, r[b]);
			w[s] = cb ? 0 : r[b];
			wy[s] = (cb || !e->carry[i]) ? 0 : rd[b];
		}
	}
	e->nseg = m;
	if (h > 0)
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
		smpc_fe    *wy = e->wy + (size_t) i * m;

		for (q = 0; q < pairs; q++)
		{
			smpc_fe		weq = 0;

			if (need_eq)
				weq = GOT_MUL(e, pos++);
			if (need_w)
				w[q] = fe_add(w[2 * q], GOT_MUL(e, pos++));
			if (e->carry[i])
				wy[q] = fe_add(wy[2 * q], GOT_MUL(e, pos++));
			eq[q] = weq;
		}
		if (e->nseg % 2 == 1)
		{
			eq[pairs] = eq[e->nseg - 1];
			w[pairs] = w[e->nseg - 1];
			wy[pairs] = wy[e->nseg - 1];
		}
	}
	e->nseg = pairs + e->nseg % 2;
}

/*
 * MAX, MIN: each member's factors, g_jk or g_jk v_j (see the file's
 * comment); a heat of two has its winner at once.
 */
static void
select_start(SmpcEngine *e)
{
	int			stride = e->n - 1;
	int			h,
				j,
				k;

	for (h = 0; h < e->nheat; h++)
	{
		int			s = e->hsize[h],
					a = e->hstart[h],
					c0 = e->hcmp[h];

		if (s == 2)
		{
			e->hwin[h] = fe_add(e->cand[a], e->finy[c0]);
			e->hcount[h] = 0;
			continue;
		}
		for (j = 0; j < s; j++)
		{
			smpc_fe    *it = e->item + (size_t) (a + j) * stride;
			int			f = 0;

			for (k = 0; k < s; k++)
			{
				int			lo = Min(j, k),
							hi = Max(j, k);
				int			c = c0 + lo * (2 * s - lo - 1) / 2 + (hi - lo - 1);

				if (k == j)
					continue;
				if (j < k)
					it[f++] = (k == j + 1) ? fe_sub(e->cand[a + j], e->finy[c])
						: fe_sub(1, e->fin[c]);
				else
					it[f++] = (j == s - 1 && k == 0) ? e->finy[c] : e->fin[c];
			}
		}
		e->hcount[h] = s - 1;
	}
}

/* sum_j A_j B_j over the members of heat h, with two factors each */
static smpc_fe
select_last(SmpcEngine *e, int h)
{
	int			stride = e->n - 1;
	smpc_fe		sum = 0;
	int			j;

	for (j = 0; j < e->hsize[h]; j++)
	{
		const smpc_fe *it = e->item + (size_t) (e->hstart[h] + j) * stride;

		sum = fe_add(sum, fe_mul(it[0], it[1]));
	}
	return sum;
}

/*
 * The last level's heats, one per group, all of one size and so in step,
 * are done or down to two factors per member: open every group's winner,
 * or its sum_j A_j B_j masked by the group's own zfin.  Returns false when
 * their product trees have further to go.
 */
static bool
select_open(SmpcEngine *e)
{
	int			cnt = e->hcount[0],
				h;
	smpc_fe    *v;

	Assert(e->nheat == e->ngroups);
	for (h = 1; h < e->nheat; h++)
		Assert(e->hcount[h] == cnt);
	if (cnt == 0)
	{
		send_result_open(e, e->hwin, e->nheat);
		return true;
	}
	if (cnt != 2)
		return false;
	v = alloc_fe(e->nheat);
	for (h = 0; h < e->nheat; h++)
		v[h] = fe_add(select_last(e, h), e->zfin[h]);
	send_result_open(e, v, e->nheat);
	wipe_free(v, e->nheat * sizeof(smpc_fe));
	return true;
}

/*
 * The next round of the product trees: multiply factors in pairs; a tree
 * down to two factors per member reshares its sum_j A_j B_j (the heat's
 * winner), or, at the last level, opens it (select_open).  Once every heat
 * is done, the winners of each group's heats meet at the next level.
 */
static void
select_next(SmpcEngine *e)
{
	int			nmul = 0,
				pos = 0,
				h,
				j,
				q;

	if (e->nheat == e->ngroups && select_open(e))
		return;

	for (h = 0; h < e->nheat; h++)
	{
		if (e->hcount[h] > 2)
			nmul += e->hsize[h] * (e->hcount[h] / 2);
		else if (e->hcount[h] == 2)
			nmul++;
	}
	if (nmul == 0)
	{
		/* every heat is done: the next level, still group-major */
		for (h = 0; h < e->nheat; h++)
			e->cand[h] = e->hwin[h];
		e->ncand = e->nheat / e->ngroups;
		e->base += e->k;
		send_mask_open(e);
		return;
	}

	round_begin(e, PHASE_SELECT, nmul, 0, 0);
	for (h = 0; h < e->nheat; h++)
	{
		if (e->hcount[h] > 2)
		{
			for (j = 0; j < e->hsize[h]; j++)
			{
				const smpc_fe *it = e->item + (size_t) (e->hstart[h] + j) * (e->n - 1);

				for (q = 0; q < e->hcount[h] / 2; q++)
					put_mul(e, pos++, it[2 * q], it[2 * q + 1]);
			}
		}
		else if (e->hcount[h] == 2)
			put_mul_value(e, pos++, select_last(e, h));
	}
}

static void
recv_select(SmpcEngine *e)
{
	int			pos = 0,
				h,
				j,
				q;

	for (h = 0; h < e->nheat; h++)
	{
		int			cnt = e->hcount[h];

		if (cnt > 2)
		{
			for (j = 0; j < e->hsize[h]; j++)
			{
				smpc_fe    *it = e->item + (size_t) (e->hstart[h] + j) * (e->n - 1);

				for (q = 0; q < cnt / 2; q++)
					it[q] = GOT_MUL(e, pos++);
				if (cnt % 2 == 1)
					it[cnt / 2] = it[cnt - 1];
			}
			e->hcount[h] = cnt / 2 + cnt % 2;
		}
		else if (cnt == 2)
		{
			e->hwin[h] = GOT_MUL(e, pos++);
			e->hcount[h] = 0;
		}
	}
}

/* The tree is done: the batch's outputs, then the selection or the end. */
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
		else
		{
			/* x mod 2^m = c' - r' + 2^m u; [a < b] = 1 - (x - that) / 2^m */
			smpc_fe		u = e->w[(size_t) i * m];
			smpc_fe		low = fe_add(fe_sub(cp, fe_weighted(r, m)),
									 fe_mul(e->two_m, u));
			smpc_fe		x = fe_add(d, e->two_m);

			e->fin[i] = fe_sub(1, fe_mul(fe_sub(x, low), e->inv_two_m));
		}
		if (e->carry[i])
		{
			/* the same, times y */
			const smpc_fe *rd = e->rd + (size_t) i * (m + 1);
			smpc_fe		y = e->y[i];
			smpc_fe		uy = e->wy[(size_t) i * m];
			smpc_fe		lowy = fe_add(fe_sub(fe_mul(cp, y), fe_weighted(rd, m)),
									  fe_mul(e->two_m, uy));
			smpc_fe		xy = fe_add(rd[m], fe_mul(e->two_m, y));

			e->finy[i] = fe_sub(y, fe_mul(fe_sub(xy, lowy), e->inv_two_m));
		}
	}

	if (e->mode != MODE_SELECT)
	{
		send_result_open(e, e->fin, e->k);
		return;
	}
	select_start(e);
	select_next(e);
}

static void
recv_result_open(SmpcEngine *e)
{
	int			i;

	e->nresult = e->nopen;
	e->result = palloc0(Max(e->nresult, 1) * sizeof(int128));
	for (i = 0; i < e->nresult; i++)
		e->result[i] = fe_to_int(GOT_OPEN(e, i));
	round_release(e);
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
		case PHASE_SELECT:
			recv_select(e);
			select_next(e);
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
	int64		ncmp;
	int			ngroups = 1;
	int			nmask = 0;
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
	/* LESS_THAN and EQUAL may take their inputs later (set_inputs) */
	if (ninputs < 0 ||
		(ninputs > 0 && inputs == NULL && program != SMPC_PROG_LESS_THAN &&
		 program != SMPC_PROG_EQUAL))
	{
		*why = "wrong number of inputs";
		return NULL;
	}
	if (program == SMPC_PROG_MAX || program == SMPC_PROG_MIN)
	{
		if (ninputs < n || ninputs % n != 0)
		{
			*why = "MAX and MIN take one input per participant and group";
			return NULL;
		}
		ngroups = ninputs / n;
		ncmp = (int64) ngroups * select_comparisons(n);
		/* the final heat opens a masked sum of products, unless of two */
		for (i = n; level_heats(i) > 1; i = level_heats(i))
			;
		if (i > 2)
			nmask = ngroups;
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

	/*
	 * The largest vector is the first round's: r and z per bit, r'' per
	 * comparison and, for MAX and MIN, the final opening's mask per group.
	 * A later round sends at most 2 + bits + bits / 2 elements per
	 * comparison of its batch.
	 */
	if (ncmp * (2 * bits + 1) + nmask > SMPC_ENGINE_MAX_VECTOR)
	{
		*why = (ngroups > 1) ? "too many groups for one program" :
			"too many comparisons for one program";
		return NULL;
	}
	for (i = 0; i < ninputs && inputs != NULL; i++)
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
		(program == SMPC_PROG_LESS_THAN) ? MODE_LT : MODE_SELECT;
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
	e->inv_four = fe_inv(4);

	e->nin = ninputs;
	e->in = alloc_fe(ninputs);
	e->have_inputs = inputs != NULL;
	if (ninputs > 0 && inputs != NULL)
		memcpy(e->in, inputs, ninputs * sizeof(smpc_fe));
	e->ncmp = ncmp;
	e->rbit = alloc_fe((size_t) ncmp * bits);
	e->rpp = alloc_fe(ncmp);
	e->nunit = bits / 2 + bits % 2;
	e->nmissing = ncmp * e->nunit;
	e->missing = palloc(Max((size_t) e->nmissing, 1) * sizeof(int));
	for (i = 0; i < e->nmissing; i++)
		e->missing[i] = i;
	e->pend_r = alloc_fe((size_t) ncmp * bits);
	e->pend_q = alloc_fe((size_t) ncmp * bits);
	e->pend_s = alloc_fe((size_t) ncmp * bits);
	if (program == SMPC_PROG_MAX || program == SMPC_PROG_MIN)
	{
		e->ngroups = ngroups;
		e->cand = alloc_fe(ninputs);
		memcpy(e->cand, inputs, ninputs * sizeof(smpc_fe));
		e->ncand = n;
		e->item = alloc_fe((size_t) ninputs * (n - 1));
		e->maxheat = ngroups * level_heats(n);
		e->hstart = palloc0(e->maxheat * sizeof(int));
		e->hsize = palloc0(e->maxheat * sizeof(int));
		e->hcmp = palloc0(e->maxheat * sizeof(int));
		e->hcount = palloc0(e->maxheat * sizeof(int));
		e->hwin = alloc_fe(e->maxheat);
		e->need_zfin = (nmask > 0);
		e->zfin = alloc_fe(ngroups);
	}
	e->d = alloc_fe(ncmp);
	e->y = alloc_fe(ncmp);
	e->carry = palloc0(Max(ncmp, 1) * sizeof(bool));
	e->cpub = palloc0(Max(ncmp, 1) * sizeof(uint128));
	e->rd = alloc_fe((size_t) ncmp * (bits + 1));
	e->pp = alloc_fe((size_t) ncmp * (bits / 2));
	e->pd = alloc_fe((size_t) ncmp * (bits / 2));
	e->eq = alloc_fe((size_t) ncmp * bits);
	e->w = alloc_fe((size_t) ncmp * bits);
	e->wy = alloc_fe((size_t) ncmp * bits);
	e->fin = alloc_fe(ncmp);
	e->finy = alloc_fe(ncmp);

	send_bits_deal(e);
	return e;
}

bool
smpc_engine_set_inputs(SmpcEngine *e, const smpc_fe *inputs, int ninputs)
{
	int			i;

	if (e->have_inputs || e->mode == MODE_SELECT || ninputs != e->nin ||
		(e->phase != PHASE_BITS_DEAL && e->phase != PHASE_BITS_OPEN))
		return false;
	for (i = 0; i < ninputs; i++)
		if (inputs[i] >= SMPC_FIELD_P)
			return false;
	memcpy(e->in, inputs, ninputs * sizeof(smpc_fe));
	e->have_inputs = true;
	return true;
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

#ifdef SMPC_ENGINE_TRACE
SmpcEngineTrace smpc_engine_trace = NULL;
#endif

void
smpc_engine_advance(SmpcEngine *e)
{
	if (!smpc_engine_round_complete(e))
		return;
	/* a program whose inputs come later waits for them after round 2 */
	if (!e->have_inputs && e->phase == PHASE_BITS_OPEN)
		return;
#ifdef SMPC_ENGINE_TRACE
	if (smpc_engine_trace)
		smpc_engine_trace(e->self, e->round, &GOT_OPEN(e, 0), e->nopen);
#endif
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
	round_release(e);
	wipe_free(e->in, Max(e->nin, 1) * sizeof(smpc_fe));
	wipe_free(e->rbit, nbits * sizeof(smpc_fe));
	wipe_free(e->rpp, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->missing, Max((size_t) e->ncmp * e->nunit, 1) * sizeof(int));
	wipe_free(e->pend_r, nbits * sizeof(smpc_fe));
	wipe_free(e->pend_q, nbits * sizeof(smpc_fe));
	wipe_free(e->pend_s, nbits * sizeof(smpc_fe));
	if (e->mode == MODE_SELECT)
	{
		size_t		ncand = (size_t) e->ngroups * e->n;

		wipe_free(e->cand, ncand * sizeof(smpc_fe));
		wipe_free(e->item, ncand * (e->n - 1) * sizeof(smpc_fe));
		wipe_free(e->hstart, e->maxheat * sizeof(int));
		wipe_free(e->hsize, e->maxheat * sizeof(int));
		wipe_free(e->hcmp, e->maxheat * sizeof(int));
		wipe_free(e->hcount, e->maxheat * sizeof(int));
		wipe_free(e->hwin, e->maxheat * sizeof(smpc_fe));
		wipe_free(e->zfin, e->ngroups * sizeof(smpc_fe));
	}
	wipe_free(e->d, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->y, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->carry, Max(e->ncmp, 1) * sizeof(bool));
	wipe_free(e->cpub, Max(e->ncmp, 1) * sizeof(uint128));
	wipe_free(e->rd, Max((size_t) e->ncmp * (e->bits + 1), 1) * sizeof(smpc_fe));
	wipe_free(e->pp, Max((size_t) e->ncmp * (e->bits / 2), 1) * sizeof(smpc_fe));
	wipe_free(e->pd, Max((size_t) e->ncmp * (e->bits / 2), 1) * sizeof(smpc_fe));
	wipe_free(e->eq, nbits * sizeof(smpc_fe));
	wipe_free(e->w, nbits * sizeof(smpc_fe));
	wipe_free(e->wy, nbits * sizeof(smpc_fe));
	wipe_free(e->fin, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->finy, Max(e->ncmp, 1) * sizeof(smpc_fe));
	wipe_free(e->result, Max(e->nresult, 1) * sizeof(int128));
	sodium_memzero(e, sizeof(SmpcEngine));
	pfree(e);
}
