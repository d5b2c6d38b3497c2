/*-------------------------------------------------------------------------
 *
 * search.c
 *	  Order statistics and the clearing price: a search over an ordered
 *	  domain in which only summed counts are compared (search.h).
 *
 * A computation has three parts, run one after the other in the same
 * lock-step rounds:
 *
 * 1. The release tests, as a batch.h sub-computation with one declared key
 *	  per instance and one column: COUNT over the member's rows (ORDER; the
 *	  joint row count N is opened when released) or SUM of zeros over its
 *	  bids (CLEARING; nothing but the verdict is opened).  Each key carries
 *	  a digest of the public part, so that a member that searches for other
 *	  fractions, another grid or another flag makes the batch fail in round
 *	  1.
 *
 * 2. The search steps.  Each search (one per target rank of an ORDER query,
 *	  one per CLEARING instance) keeps an interval [L, H] known to hold its
 *	  result; a step puts thresholds t in [L, H - 1] and opens [t >= result]
 *	  for each.  A step is one engine program LESS_THAN over all thresholds
 *	  of all searches, whose first round (random bits, which need no input)
 *	  also carries every member's Shamir shares of its local values at the
 *	  thresholds (ORDER: its rows with key <= t; CLEARING: its demand minus
 *	  its supply at grid index t); the summed shares become the program's
 *	  inputs before its third round.  ORDER compares C(t) < K (then t <
 *	  result), CLEARING 0 < D(t) - S(t) (then t < result, the price does not
 *	  clear).  Both are monotone in t, so the opened bits are a function of
 *	  the result alone, and the next thresholds of the bits.  An ORDER
 *	  search starts with one step over the powers of two (-2^k and 2^k - 1),
 *	  which finds the result's sign and magnitude, then goes on with evenly
 *	  spaced thresholds, SEARCH_STEP_BUDGET a step shared by the active
 *	  searches and cut to the fewest that need no more steps: one search of
 *	  a value of b bits takes 1 + ceil(b / 8) steps, two (a median between
 *	  two rows) 1 + ceil(b / 7), four 1 + ceil(b / 6).  CLEARING goes evenly
 *	  over the grid from the start.
 *
 * 3. CLEARING with SMPC_SEARCH_VOLUME: at the clearing index demand is at
 *	  most supply, so the volume traded, min(D, S), is the joint demand
 *	  there.  One round deals shares of the local demand, one opens their
 *	  sum.  Nothing else is opened.
 *
 * Every vector a member receives is checked for its length and for
 * reduced elements before it is kept; a member that sends anything else
 * makes incoming() return false, and the protocol fails the computation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "port/pg_bswap.h"

#include <sodium.h>

#include "engine.h"
#include "search.h"
#include "smpc.h"

#ifdef SMPC_ENGINE_TRACE
SmpcSearchTrace smpc_search_trace = NULL;
#define TRACE(s, what, v, cnt) \
	do { if (smpc_search_trace) smpc_search_trace((s)->self, (what), (v), (cnt)); } while (0)
#else
#define TRACE(s, what, v, cnt) ((void) 0)
#endif

/*
 * Thresholds of a step after the first, all searches together: each of
 * the active searches gets an equal part (at least 1).  Chosen by
 * measurement (test/unit/bench_search.c, README): more thresholds mean
 * fewer steps (each about 8 rounds) but more comparisons to compute.
 */
#define SEARCH_STEP_BUDGET	256
#ifdef SMPC_ENGINE_TRACE
int			smpc_search_budget = SEARCH_STEP_BUDGET;
#define BUDGET smpc_search_budget
#else
#define BUDGET SEARCH_STEP_BUDGET
#endif
/* comparisons of one step, all searches together */
#define SEARCH_STEP_MAX		4096
/* searches of one computation (target ranks, or CLEARING instances) */
#define SEARCH_MAX_SEARCHES	SEARCH_STEP_MAX

/* the domain of order keys: strictly inside the sentinels of smpc.h */
#define KEY_LOW		(SMPC_ORDER_NONE_MAX + 1)
#define KEY_HIGH	(SMPC_ORDER_NONE_MIN - 1)

typedef enum Sub
{
	SUB_BATCH,					/* the release tests */
	SUB_STEP1,					/* a step's first round: the engine's,
								 * then shares of the local values */
	SUB_ENGINE,					/* the step's later rounds */
	SUB_VSHARE,					/* the volume: shares of local demand */
	SUB_VOPEN,					/* the volume: opening its sum */
	SUB_DONE,
	SUB_FAILED
} Sub;

typedef struct Query
{
	uint8		mode;
	double		fraction;
	int			search[2];		/* the searches of its ranks (-1: none) */
} Query;

typedef struct Inst
{
	/* ORDER */
	int			nq;
	Query	   *q;
	int64		nkeys;
	int128	   *keys;			/* distinct, increasing */
	uint64	   *cum;			/* rows with key <= keys[i] */
	int64		rows;
	/* CLEARING */
	int64		bids;
	int			ngrid;
	int128	   *demand;
	int128	   *supply;
	/* from the release tests */
	int			status;
	int64		N;
	/* CLEARING: the volume */
	bool		has_volume;
	int128		volume;
} Inst;

typedef struct Search
{
	int			inst;
	int64		K;				/* ORDER: the target rank */
	int128		L;				/* the result lies in [L, H] */
	int128		H;
	bool		first;			/* ORDER: the powers-of-two step is next */
	int			off;			/* its thresholds in this step */
	int			cnt;
} Search;

struct SmpcSearch
{
	int			n;
	int			self;
	int			t;
	uint8		what;
	uint8		flags;
	int			ninst;
	Inst	   *inst;
	int			nsearch;
	Search	   *srch;

	Sub			sub;
	int			round;			/* the round in progress, from 1 */
	const char *why;

	SmpcBatch  *batch;

	/* the current step */
	int			M;				/* thresholds */
	int128	   *thr;
	smpc_fe    *acc;			/* sums of the shares received */
	SmpcEngine *engine;
	int			eng_base;		/* the round before the engine's first */
	int			elen;			/* SUB_STEP1: the engine's part of a vector */
	int			bits;

	/* rounds of our own: vectors out and in */
	int			len;
	smpc_fe    *out[SMPC_MAX_MEMBERS];
	bool		got[SMPC_MAX_MEMBERS];
	int			ngot;

	/* the volume */
	int			nvol;
	int		   *vol_inst;
	smpc_fe    *vol_share[SMPC_MAX_MEMBERS];	/* by sender, opened round */

	int			steps;
	int64		comparisons;
};

/* --- memory -------------------------------------------------------------- */

static void *
alloc0(size_t count, size_t size)
{
	return palloc_extended(Max(count, 1) * size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

static void
wipe_free(void *p, size_t bytes)
{
	if (p == NULL)
		return;
	sodium_memzero(p, bytes);
	pfree(p);
}

/* --- the input -------------------------------------------------------------- */

typedef struct Rd
{
	const uint8 *p;
	size_t		left;
	bool		ok;
} Rd;

/* a big-endian 64-bit value at p, which need not be aligned */
static inline uint64
be64(const uint8 *p)
{
	uint64		v;

	memcpy(&v, p, sizeof(v));
	return pg_ntoh64(v);
}

static inline uint128
rd(Rd *r, int len)
{
	uint128		v = 0;
	int			i;

	if (!r->ok || r->left < (size_t) len)
	{
		r->ok = false;
		return 0;
	}
	/* the keys and counts: whole words, not a byte at a time */
	if (len == 16)
		v = ((uint128) be64(r->p) << 64) | be64(r->p + 8);
	else if (len == 8)
		v = be64(r->p);
	else
		for (i = 0; i < len; i++)
			v = (v << 8) | r->p[i];
	r->p += len;
	r->left -= len;
	return v;
}

static int128
rd_int128(Rd *r)
{
	return (int128) rd(r, 16);
}

/* An unsigned varint of at most 128 bits: 7 bits a byte, low first. */
static uint128
rd_varint(Rd *r)
{
	uint128		v = 0;
	int			shift = 0;

	while (r->ok)
	{
		uint8		b;

		if (r->left < 1 || shift > 126)
		{
			r->ok = false;
			break;
		}
		b = *r->p++;
		r->left--;
		/* the last byte may carry only the bits that are left */
		if (shift == 126 && (b & 0xfc) != 0)
		{
			r->ok = false;
			break;
		}
		v |= (uint128) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
		{
			/* the shortest form only: no trailing zero byte */
			if (b == 0 && shift > 0)
				r->ok = false;
			return v;
		}
		shift += 7;
	}
	return 0;
}

static void
put_varint(StringInfo s, uint128 v)
{
	uint8		b[19];
	int			n = 0;

	do
	{
		b[n] = (uint8) (v & 0x7f);
		v >>= 7;
		if (v != 0)
			b[n] |= 0x80;
		n++;
	} while (v != 0);
	appendBinaryStringInfo(s, (const char *) b, n);
}

void
smpc_search_put_key(StringInfo s, bool first, int128 prev, int128 key, uint64 count)
{
	if (first)
		put_varint(s, key < 0 ? (((uint128) (-(key + 1))) << 1) | 1 : ((uint128) key) << 1);
	else
		put_varint(s, (uint128) (key - prev));
	put_varint(s, count);
}

/*
 * Parse (and with s, keep) an input.  The public part is hashed into
 * digest when it is not NULL.
 */
static bool
parse(const uint8 *input, size_t len, SmpcSearch *s, uint8 *digest, const char **why)
{
	Rd			r = {input, len, true};
	crypto_generichash_state hs;
	uint8		what,
				flags;
	int			ninst,
				i,
				nsearch = 0;
	uint8		hdr[4];

	*why = NULL;
	if (input == NULL || rd(&r, 1) != 1)
	{
		*why = "the search input has an unknown version";
		return false;
	}
	what = (uint8) rd(&r, 1);
	flags = (uint8) rd(&r, 1);
	ninst = (int) rd(&r, 2);
	if (!r.ok || (what != SMPC_SEARCH_ORDER && what != SMPC_SEARCH_CLEARING) ||
		(what == SMPC_SEARCH_ORDER && flags != 0) ||
		(what == SMPC_SEARCH_CLEARING && (flags & ~SMPC_SEARCH_VOLUME) != 0) ||
		ninst < 1 || ninst > SMPC_SEARCH_MAX_INST)
	{
		*why = "the search input has a bad header";
		return false;
	}
	if (digest)
	{
		crypto_generichash_init(&hs, NULL, 0, 16);
		crypto_generichash_update(&hs, (const uint8 *) "smpc-search-v1", 14);
		hdr[0] = what;
		hdr[1] = flags;
		hdr[2] = (uint8) (ninst >> 8);
		hdr[3] = (uint8) ninst;
		crypto_generichash_update(&hs, hdr, 4);
	}
	if (s)
	{
		s->what = what;
		s->flags = flags;
		s->ninst = ninst;
		s->inst = alloc0(ninst, sizeof(Inst));
	}
	for (i = 0; i < ninst; i++)
	{
		Inst	   *in = s ? &s->inst[i] : NULL;

		if (what == SMPC_SEARCH_ORDER)
		{
			int			nq = (int) rd(&r, 2),
						k;
			int64		nd;
			uint64		total = 0;
			int128		prev = 0;

			if (!r.ok || nq < 1 || nq > SMPC_SEARCH_MAX_QUERIES)
			{
				*why = "the search input has a bad number of fractions";
				return false;
			}
			if (in)
			{
				in->nq = nq;
				in->q = alloc0(nq, sizeof(Query));
			}
			for (k = 0; k < nq; k++)
			{
				uint8		mode = (uint8) rd(&r, 1);
				uint64		bitsv = (uint64) rd(&r, 8);
				double		f;
				uint8		qb[9];
				int			j;

				memcpy(&f, &bitsv, sizeof(f));
				if (!r.ok || (mode != SMPC_SEARCH_DISC && mode != SMPC_SEARCH_CONT) ||
					isnan(f) || f < 0.0 || f > 1.0)
				{
					*why = "the search input has a fraction that is not valid";
					return false;
				}
				/* a CONT query may need two ranks: two searches */
				nsearch += (mode == SMPC_SEARCH_CONT) ? 2 : 1;
				if (digest)
				{
					qb[0] = mode;
					for (j = 0; j < 8; j++)
						qb[1 + j] = (uint8) (bitsv >> (56 - 8 * j));
					crypto_generichash_update(&hs, qb, 9);
				}
				if (in)
				{
					in->q[k].mode = mode;
					in->q[k].fraction = f;
					in->q[k].search[0] = in->q[k].search[1] = -1;
				}
			}
			nd = (int64) rd(&r, 4);
			if (!r.ok || (uint64) nd > r.left / 2)
			{
				*why = "the search input has a bad number of keys";
				return false;
			}
			if (in)
			{
				in->nkeys = nd;
				/* every element is written below: no need to zero them */
				in->keys = palloc_extended(Max(nd, 1) * sizeof(int128), MCXT_ALLOC_HUGE);
				in->cum = palloc_extended(Max(nd, 1) * sizeof(uint64), MCXT_ALLOC_HUGE);
			}
			for (k = 0; k < nd; k++)
			{
				uint128		z = rd_varint(&r);
				uint128		c = rd_varint(&r);
				int128		key = 0;
				uint64		cnt;

				/* the first key zigzag-encoded; then differences of at least 1 */
				if (k == 0)
					key = (z & 1) ? -(int128) (z >> 1) - 1 : (int128) (z >> 1);
				else if (z < 1 || z > (uint128) (KEY_HIGH - KEY_LOW))
					r.ok = false;
				else
					key = prev + (int128) z;
				cnt = c > (uint128) SMPC_SEARCH_MAX_ROWS ? 0 : (uint64) c;
				if (!r.ok || key < KEY_LOW || key > KEY_HIGH || (k > 0 && key <= prev) ||
					cnt < 1 || cnt > (uint64) SMPC_SEARCH_MAX_ROWS ||
					total + cnt > (uint64) SMPC_SEARCH_MAX_ROWS)
				{
					*why = "the search input has keys that are not valid";
					return false;
				}
				total += cnt;
				prev = key;
				if (in)
				{
					in->keys[k] = key;
					in->cum[k] = total;
				}
			}
			if (in)
				in->rows = (int64) total;
		}
		else
		{
			int64		bids = (int64) rd(&r, 8);
			int			ng = (int) rd(&r, 4),
						g;
			int128		lim = ((int128) 1) << SMPC_SEARCH_QTY_BITS;
			int128		pd = 0,
						ps = 0;
			uint8		gb[4];

			if (!r.ok || bids < 0 || bids > SMPC_SEARCH_MAX_ROWS ||
				ng < 1 || ng > SMPC_SEARCH_MAX_GRID || (size_t) ng > r.left / 32)
			{
				*why = "the search input has a bad grid";
				return false;
			}
			nsearch++;
			if (digest)
			{
				gb[0] = (uint8) (ng >> 24);
				gb[1] = (uint8) (ng >> 16);
				gb[2] = (uint8) (ng >> 8);
				gb[3] = (uint8) ng;
				crypto_generichash_update(&hs, gb, 4);
			}
			if (in)
			{
				in->bids = bids;
				in->ngrid = ng;
				in->demand = alloc0(ng, sizeof(int128));
				in->supply = alloc0(ng, sizeof(int128));
			}
			for (g = 0; g < ng; g++)
			{
				int128		d = rd_int128(&r),
							sp = rd_int128(&r);

				if (!r.ok || d < 0 || d >= lim || sp < 0 || sp >= lim)
				{
					*why = "the search input has a demand or a supply out of range";
					return false;
				}
				if (g > 0 && (d > pd || sp < ps))
				{
					*why = "the search input has a demand that rises or a supply that falls along the grid";
					return false;
				}
				pd = d;
				ps = sp;
				if (in)
				{
					in->demand[g] = d;
					in->supply[g] = sp;
				}
			}
		}
	}
	if (!r.ok || r.left != 0)
	{
		*why = "the search input has a bad length";
		return false;
	}
	if (nsearch > SEARCH_MAX_SEARCHES)
	{
		*why = "the computation asks for too many order statistics at once";
		return false;
	}
	if (digest)
		crypto_generichash_final(&hs, digest, 16);
	return true;
}

bool
smpc_search_check_input(const uint8 *input, size_t len, const char **why)
{
	return parse(input, len, NULL, NULL, why);
}

/* --- rounds of our own ------------------------------------------------------ */

static void
fail(SmpcSearch *s, const char *why)
{
	if (s->sub == SUB_FAILED)
		return;
	s->sub = SUB_FAILED;
	s->why = why;
}

static void
own_clear(SmpcSearch *s)
{
	int			j;

	for (j = 0; j < s->n; j++)
	{
		if (s->out[j])
			wipe_free(s->out[j], sizeof(smpc_fe) * Max(s->len, 1));
		s->out[j] = NULL;
		s->got[j] = false;
	}
	s->ngot = 0;
	s->len = 0;
}

static void
own_begin(SmpcSearch *s, Sub sub, int len)
{
	int			j;

	own_clear(s);
	s->sub = sub;
	s->len = len;
	for (j = 0; j < s->n; j++)
		if (j != s->self)
			s->out[j] = alloc0(len, sizeof(smpc_fe));
	s->round++;
}

/* --- the searches ----------------------------------------------------------- */

/* The ranks of a query, as orderedsetaggs.c computes them. */
static int
query_ranks(const Query *q, int64 N, int64 *K)
{
	if (q->mode == SMPC_SEARCH_DISC)
	{
		double		pos = ceil(q->fraction * (double) N);

		K[0] = (int64) pos;
		if (K[0] < 1)
			K[0] = 1;
		if (K[0] > N)
			K[0] = N;
		return 1;
	}
	else
	{
		double		fpos = q->fraction * (double) (N - 1);
		int64		first = (int64) floor(fpos),
					second = (int64) ceil(fpos);

		K[0] = Min(first + 1, N);
		K[1] = Min(second + 1, N);
		return K[1] == K[0] ? 1 : 2;
	}
}

static void
plan_searches(SmpcSearch *s)
{
	int			i,
				k,
				n = 0;

	s->srch = alloc0(SEARCH_MAX_SEARCHES, sizeof(Search));
	for (i = 0; i < s->ninst; i++)
	{
		Inst	   *in = &s->inst[i];

		if (in->status != SMPC_BATCH_RELEASED)
			continue;
		if (s->what == SMPC_SEARCH_CLEARING)
		{
			Search	   *r = &s->srch[n++];

			r->inst = i;
			r->L = 0;
			r->H = in->ngrid;	/* ngrid: no grid price clears */
			continue;
		}
		if (in->N <= 0)
			continue;
		for (k = 0; k < in->nq; k++)
		{
			int64		K[2];
			int			nr = query_ranks(&in->q[k], in->N, K),
						x;

			for (x = 0; x < nr; x++)
			{
				Search	   *r = &s->srch[n];

				r->inst = i;
				r->K = K[x];
				r->L = KEY_LOW;
				r->H = KEY_HIGH;
				r->first = true;
				in->q[k].search[x] = n++;
			}
			if (nr == 1)
				in->q[k].search[1] = in->q[k].search[0];
		}
	}
	s->nsearch = n;
}

/* Rows of this member's instance with key <= t. */
static int64
count_at_most(const Inst *in, int128 t)
{
	int64		lo = 0,
				hi = in->nkeys;

	/* the first key > t */
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;

		if (in->keys[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? 0 : (int64) in->cum[lo - 1];
}

/* Bits of the unsigned value v. */
static int
bit_length(uint128 v)
{
	int			b = 0;

	while (v)
	{
		b++;
		v >>= 1;
	}
	return b;
}

/* Whether base^steps >= size (size <= 2^81, base <= SEARCH_STEP_MAX + 1). */
static bool
covers(int base, int steps, uint128 size)
{
	uint128		p = 1;
	int			i;

	for (i = 0; i < steps; i++)
	{
		p *= (uint128) base;
		if (p >= size)
			return true;
	}
	return false;
}

/* Thresholds of search r for this step, appended at s->thr[s->M]. */
static void
put_thresholds(SmpcSearch *s, Search *r, int width)
{
	r->off = s->M;
	r->cnt = 0;
	if (r->first)
	{
		int			k;

		/* -2^k (k from large to small), then 2^k - 1 (k from small) */
		for (k = SMPC_ORDER_BITS - 2; k >= 0; k--)
		{
			int128		t = -(((int128) 1) << k);

			if (t >= r->L && t < r->H)
				s->thr[s->M++] = t;
		}
		for (k = 0; k <= SMPC_ORDER_BITS - 2; k++)
		{
			int128		t = (((int128) 1) << k) - 1;

			if (t >= r->L && t < r->H)
				s->thr[s->M++] = t;
		}
		r->first = false;
	}
	else
	{
		uint128		size = (uint128) (r->H - r->L) + 1;
		int			w = (int) Min((uint128) width, size - 1),
					steps = 1,
					lo,
					hi,
					i;

		/*
		 * The steps this width needs to the end, then the fewest thresholds
		 * that need no more: as many rounds, fewer comparisons.
		 */
		while (!covers(w + 1, steps, size))
			steps++;
		lo = 1;
		hi = w;
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (covers(mid + 1, steps, size))
				hi = mid;
			else
				lo = mid + 1;
		}
		w = lo;
		for (i = 1; i <= w; i++)
			s->thr[s->M++] = r->L + (int128) ((size * (uint128) i) / (uint128) (w + 1)) - 1;
	}
	r->cnt = s->M - r->off;
}

static void finish(SmpcSearch *s);

/* The local value at threshold m, which belongs to search r. */
static int128
local_value(const SmpcSearch *s, const Search *r, int m)
{
	const Inst *in = &s->inst[r->inst];

	if (s->what == SMPC_SEARCH_ORDER)
		return count_at_most(in, s->thr[m]);
	return in->demand[(int) s->thr[m]] - in->supply[(int) s->thr[m]];
}

/* Start a step, or what comes after the last. */
static void
begin_step(SmpcSearch *s)
{
	int			active = 0,
				width,
				i,
				m,
				j;
	bool		first_fits;
	smpc_fe		sh[SMPC_MAX_MEMBERS];

	for (i = 0; i < s->nsearch; i++)
		if (s->srch[i].L < s->srch[i].H)
			active++;
	if (active == 0)
	{
		finish(s);
		return;
	}
	width = Max(1, Min(BUDGET, SEARCH_STEP_MAX) / active);
	/* the powers-of-two step fits only so many searches */
	first_fits = active * 2 * (SMPC_ORDER_BITS - 1) <= SEARCH_STEP_MAX;
	if (s->thr == NULL)
	{
		s->thr = alloc0(SEARCH_STEP_MAX, sizeof(int128));
		s->acc = alloc0(SEARCH_STEP_MAX, sizeof(smpc_fe));
	}
	s->M = 0;
	for (i = 0; i < s->nsearch; i++)
	{
		Search	   *r = &s->srch[i];

		r->cnt = 0;
		if (r->L >= r->H)
			continue;
		if (!first_fits)
			r->first = false;
		put_thresholds(s, r, width);
	}
	/*
	 * One engine program LESS_THAN over all thresholds, whose inputs (the
	 * summed shares) come after its first round: our shares of the local
	 * values ride in that round, behind the engine's own vector.
	 */
	{
		int64		maxN = 1;
		const char *why = NULL;

		for (i = 0; i < s->nsearch; i++)
			if (s->srch[i].cnt > 0)
				maxN = Max(maxN, s->inst[s->srch[i].inst].N);
		if (s->what == SMPC_SEARCH_ORDER)
			s->bits = bit_length((uint128) maxN) + 2;
		else
			s->bits = SMPC_SEARCH_QTY_BITS + bit_length((uint128) s->n) + 2;
		s->engine = smpc_engine_start(SMPC_PROG_LESS_THAN, s->n, s->self, s->t, s->bits,
									  NULL, 2 * s->M, &why);
		if (s->engine == NULL)
		{
			fail(s, why ? why : "the comparisons could not start");
			return;
		}
		s->comparisons += s->M;
		s->eng_base = s->round;
	}
	s->elen = -1;
	for (j = 0; j < s->n; j++)
	{
		const smpc_fe *ev;
		int			elen;

		if (j == s->self)
			continue;
		smpc_engine_outgoing(s->engine, j, &ev, &elen);
		if (s->elen < 0)
		{
			own_begin(s, SUB_STEP1, elen + s->M);
			s->elen = elen;
		}
		memcpy(s->out[j], ev, sizeof(smpc_fe) * elen);
	}
	for (i = 0; i < s->nsearch; i++)
	{
		Search	   *r = &s->srch[i];

		for (m = r->off; m < r->off + r->cnt; m++)
		{
			shamir_split(fe_from_int(local_value(s, r, m)), s->t, s->n, sh);
			for (j = 0; j < s->n; j++)
				if (j != s->self)
					s->out[j][s->elen + m] = sh[j];
			s->acc[m] = sh[s->self];
		}
	}
	sodium_memzero(sh, sizeof(sh));
	s->steps++;
}

/* The first round of a step is in: hand the engine its inputs. */
static void
finish_step1(SmpcSearch *s)
{
	smpc_fe    *inputs = alloc0((size_t) 2 * s->M, sizeof(smpc_fe));
	int			i,
				m;
	bool		ok;

	for (i = 0; i < s->nsearch; i++)
	{
		Search	   *r = &s->srch[i];

		for (m = r->off; m < r->off + r->cnt; m++)
		{
			if (s->what == SMPC_SEARCH_ORDER)
			{
				/* C(t) < K */
				inputs[m] = s->acc[m];
				inputs[s->M + m] = fe_from_int(r->K);
			}
			else
			{
				/* 0 < D(t) - S(t) */
				inputs[m] = 0;
				inputs[s->M + m] = s->acc[m];
			}
		}
	}
	ok = smpc_engine_set_inputs(s->engine, inputs, 2 * s->M);
	wipe_free(inputs, sizeof(smpc_fe) * 2 * s->M);
	own_clear(s);
	if (!ok)
	{
		fail(s, "the comparisons did not take their inputs");
		return;
	}
	s->sub = SUB_ENGINE;
	smpc_engine_advance(s->engine);
	if (smpc_engine_done(s->engine) || smpc_engine_round(s->engine) != 2)
	{
		fail(s, "the comparisons ended out of step");
		return;
	}
	s->round++;
}

/* The comparisons are done: narrow every search. */
static void
finish_comparisons(SmpcSearch *s)
{
	int128	   *bits = alloc0(s->M, sizeof(int128));
	int			i,
				m;

	if (smpc_engine_result(s->engine, bits, s->M) != s->M)
	{
		pfree(bits);
		fail(s, "the comparisons gave no result");
		return;
	}
	smpc_engine_free(s->engine);
	s->engine = NULL;
#ifdef SMPC_ENGINE_TRACE
	if (smpc_search_trace)
	{
		smpc_fe    *v = alloc0(s->M, sizeof(smpc_fe));

		for (m = 0; m < s->M; m++)
			v[m] = (smpc_fe) bits[m];
		TRACE(s, "bits", v, s->M);
		pfree(v);
	}
#endif
	for (i = 0; i < s->nsearch; i++)
	{
		Search	   *r = &s->srch[i];
		bool		seen_ge = false;

		for (m = r->off; m < r->off + r->cnt; m++)
		{
			/* bit: t < result */
			if (bits[m] != 0 && bits[m] != 1)
			{
				pfree(bits);
				fail(s, "the comparisons gave a value that is not a bit");
				return;
			}
			if (bits[m] == 1)
			{
				if (seen_ge)
				{
					pfree(bits);
					fail(s, "the comparisons are not monotone: the members' inputs disagree");
					return;
				}
				r->L = Max(r->L, s->thr[m] + 1);
			}
			else
			{
				seen_ge = true;
				r->H = Min(r->H, s->thr[m]);
			}
		}
		if (r->L > r->H)
		{
			pfree(bits);
			fail(s, "the search lost its result");
			return;
		}
	}
	pfree(bits);
	begin_step(s);
}

/* The searches are over: the volume, or done. */
static void
finish(SmpcSearch *s)
{
	int			i,
				j,
				v;
	smpc_fe		sh[SMPC_MAX_MEMBERS];

	if (s->what == SMPC_SEARCH_CLEARING && (s->flags & SMPC_SEARCH_VOLUME))
	{
		s->vol_inst = alloc0(s->ninst, sizeof(int));
		s->nvol = 0;
		for (i = 0; i < s->nsearch; i++)
			if (s->srch[i].H < s->inst[s->srch[i].inst].ngrid)
				s->vol_inst[s->nvol++] = i;
		if (s->nvol > 0)
		{
			own_begin(s, SUB_VSHARE, s->nvol);
			s->acc = s->acc ? s->acc : alloc0(SEARCH_STEP_MAX, sizeof(smpc_fe));
			for (v = 0; v < s->nvol; v++)
			{
				Search	   *r = &s->srch[s->vol_inst[v]];
				Inst	   *in = &s->inst[r->inst];

				shamir_split(fe_from_int(in->demand[(int) r->H]), s->t, s->n, sh);
				for (j = 0; j < s->n; j++)
					if (j != s->self)
						s->out[j][v] = sh[j];
				s->acc[v] = sh[s->self];
			}
			sodium_memzero(sh, sizeof(sh));
			return;
		}
	}
	own_clear(s);
	s->sub = SUB_DONE;
}

/* Release tests done: keep N and the verdicts, then search. */
static void
finish_batch(SmpcSearch *s)
{
	StringInfoData out;
	Rd			r;
	int			nkeys,
				ncols,
				i,
				k;
	smpc_fe    *Ns;

	initStringInfo(&out);
	smpc_batch_result(s->batch, &out);
	smpc_batch_free(s->batch);
	s->batch = NULL;
	r.p = (const uint8 *) out.data;
	r.left = out.len;
	r.ok = true;
	nkeys = (int) rd(&r, 4);
	ncols = (int) rd(&r, 2);
	rd(&r, 4);					/* the scale */
	if (!r.ok || nkeys != s->ninst || ncols != 1)
	{
		pfree(out.data);
		fail(s, "the release tests gave another number of instances");
		return;
	}
	Ns = alloc0(s->ninst, sizeof(smpc_fe));
	for (i = 0; i < nkeys; i++)
	{
		int			klen = (int) rd(&r, 2);
		int			idx,
					status,
					width;
		bool		isnull;
		int128		val;

		if (!r.ok || klen < 2 || r.left < (size_t) klen)
		{
			r.ok = false;
			break;
		}
		idx = (r.p[0] << 8) | r.p[1];
		r.p += klen;
		r.left -= klen;
		status = (int) rd(&r, 1);
		width = (int) rd(&r, 2);
		if (!r.ok || idx != i || width != 1)
		{
			r.ok = false;
			break;
		}
		isnull = rd(&r, 1) != 0;
		val = (int128) rd(&r, 16);
		s->inst[i].status = status;
		if (status == SMPC_BATCH_RELEASED && s->what == SMPC_SEARCH_ORDER)
		{
			if (isnull || val < 0 || val > (int128) s->n * SMPC_SEARCH_MAX_ROWS)
			{
				r.ok = false;
				break;
			}
			s->inst[i].N = (int64) val;
			Ns[i] = (smpc_fe) val;
		}
	}
	pfree(out.data);
	if (!r.ok)
	{
		pfree(Ns);
		fail(s, "the release tests gave a result that is not valid");
		return;
	}
	if (s->what == SMPC_SEARCH_ORDER)
		TRACE(s, "count", Ns, s->ninst);
	pfree(Ns);
	for (k = 0; k < s->ninst; k++)
		if (s->inst[k].status > SMPC_BATCH_SMALL_CELL)
		{
			fail(s, "the release tests gave an unknown verdict");
			return;
		}
	plan_searches(s);
	begin_step(s);
}

/* --- the interface ---------------------------------------------------------- */

static void
put_be(StringInfo o, uint128 v, int len)
{
	smpc_batch_put_be(o, v, len);
}

SmpcSearch *
smpc_search_start(const SmpcBatchSettings *set, const uint8 *input, size_t len,
				  const char **why)
{
	SmpcSearch *s;
	uint8		digest[16];
	StringInfoData b;
	int			i;

	*why = NULL;
	if (set->n < 2 || set->n > SMPC_MAX_MEMBERS || set->self < 0 || set->self >= set->n)
	{
		*why = "the settings of the search are not valid";
		return NULL;
	}
	if (set->degree < 0 || 2 * set->degree >= set->n)
	{
		*why = "comparisons need an honest majority: 2 * degree must be less than the number of members";
		return NULL;
	}
	/* parse() checks the input as it keeps it: no separate pass */
	s = palloc0(sizeof(SmpcSearch));
	s->n = set->n;
	s->self = set->self;
	s->t = set->degree;
	if (!parse(input, len, s, digest, why))
	{
		smpc_search_free(s);
		return NULL;
	}

	/* the release tests: one declared key per instance */
	initStringInfo(&b);
	put_be(&b, 1, 1);
	put_be(&b, SMPC_BATCH_DECLARED, 1);
	put_be(&b, 1, 2);
	put_be(&b, s->what == SMPC_SEARCH_ORDER ? SMPC_KIND_COUNT : SMPC_KIND_SUM, 1);
	put_be(&b, SMPC_CLASS_EXACT, 1);
	put_be(&b, 1, 2);
	put_be(&b, 0, 1);
	put_be(&b, s->ninst, 4);
	for (i = 0; i < s->ninst; i++)
	{
		put_be(&b, 18, 2);
		put_be(&b, i, 2);
		appendBinaryStringInfo(&b, (const char *) digest, 16);
	}
	put_be(&b, s->ninst, 4);
	for (i = 0; i < s->ninst; i++)
	{
		Inst	   *in = &s->inst[i];
		int64		rows = s->what == SMPC_SEARCH_ORDER ? in->rows : in->bids;

		put_be(&b, 18, 2);
		put_be(&b, i, 2);
		appendBinaryStringInfo(&b, (const char *) digest, 16);
		put_be(&b, rows, 8);
		put_be(&b, (uint128) (s->what == SMPC_SEARCH_ORDER ? (int128) rows : 0), 16);
	}
	s->batch = smpc_batch_start(set, (const uint8 *) b.data, b.len, why);
	sodium_memzero(b.data, b.len);
	pfree(b.data);
	if (s->batch == NULL)
	{
		smpc_search_free(s);
		return NULL;
	}
	s->sub = SUB_BATCH;
	s->round = 1;
	return s;
}

int
smpc_search_round(const SmpcSearch *s)
{
	return (s->sub == SUB_DONE || s->sub == SUB_FAILED) ? 0 : s->round;
}

void
smpc_search_outgoing(const SmpcSearch *s, int j, const smpc_fe **v, int *len)
{
	*v = NULL;
	*len = 0;
	if (j < 0 || j >= s->n || j == s->self)
		return;
	switch (s->sub)
	{
		case SUB_BATCH:
			smpc_batch_outgoing(s->batch, j, v, len);
			break;
		case SUB_ENGINE:
			smpc_engine_outgoing(s->engine, j, v, len);
			break;
		case SUB_STEP1:
		case SUB_VSHARE:
		case SUB_VOPEN:
			*v = s->out[j];
			*len = s->len;
			break;
		default:
			break;
	}
}

bool
smpc_search_incoming(SmpcSearch *s, int j, int round, const smpc_fe *v, int len,
					 const char **why)
{
	int			i;

	*why = NULL;
	if (s->sub == SUB_DONE || s->sub == SUB_FAILED)
	{
		*why = "the search has ended";
		return false;
	}
	if (j < 0 || j >= s->n || j == s->self)
	{
		*why = "no such member";
		return false;
	}
	if (round != s->round)
	{
		*why = "a vector of another round";
		return false;
	}
	switch (s->sub)
	{
		case SUB_BATCH:
			{
				bool		ok = smpc_batch_incoming(s->batch, j, round, v, len, why);
				const char *bwhy = NULL;

				if (smpc_batch_failed(s->batch, &bwhy))
					fail(s, bwhy);
				return ok;
			}
		case SUB_ENGINE:
			return smpc_engine_incoming(s->engine, j, smpc_engine_round(s->engine),
										v, len, why);
		default:
			break;
	}
	if (s->got[j])
	{
		*why = "a second vector from the member in this round";
		return false;
	}
	if (len != s->len || (len > 0 && v == NULL))
	{
		*why = "a vector of the wrong length";
		return false;
	}
	for (i = 0; i < len; i++)
		if (v[i] >= SMPC_FIELD_P)
		{
			*why = "an element that is not reduced";
			return false;
		}
	/* the engine's part of a step's first round goes to the engine */
	if (s->sub == SUB_STEP1)
	{
		if (!smpc_engine_incoming(s->engine, j, 1, v, s->elen, why))
			return false;
		v += s->elen;
		len -= s->elen;
	}
	/* a share is summed at once; what a member opens is kept by sender */
	if (s->sub == SUB_VOPEN)
	{
		s->vol_share[j] = alloc0(len, sizeof(smpc_fe));
		memcpy(s->vol_share[j], v, sizeof(smpc_fe) * len);
	}
	else
		for (i = 0; i < len; i++)
			s->acc[i] = fe_add(s->acc[i], v[i]);
	s->got[j] = true;
	s->ngot++;
	return true;
}

bool
smpc_search_round_complete(const SmpcSearch *s)
{
	switch (s->sub)
	{
		case SUB_BATCH:
			return smpc_batch_round_complete(s->batch);
		case SUB_ENGINE:
			return smpc_engine_round_complete(s->engine);
		case SUB_STEP1:
			return s->ngot == s->n - 1 && smpc_engine_round_complete(s->engine);
		case SUB_VSHARE:
		case SUB_VOPEN:
			return s->ngot == s->n - 1;
		default:
			return false;
	}
}

void
smpc_search_advance(SmpcSearch *s)
{
	const char *why = NULL;
	int			v,
				j;

	if (!smpc_search_round_complete(s))
		return;
	switch (s->sub)
	{
		case SUB_BATCH:
			smpc_batch_advance(s->batch);
			if (smpc_batch_failed(s->batch, &why))
				fail(s, why);
			else if (smpc_batch_done(s->batch))
				finish_batch(s);
			else
				s->round = smpc_batch_round(s->batch);
			break;
		case SUB_STEP1:
			finish_step1(s);
			break;
		case SUB_ENGINE:
			smpc_engine_advance(s->engine);
			if (smpc_engine_done(s->engine))
				finish_comparisons(s);
			else if (smpc_engine_round(s->engine) != s->round + 1 - s->eng_base)
				fail(s, "the comparisons ended out of step");
			else
				s->round++;
			break;
		case SUB_VSHARE:
			{
				smpc_fe    *mine = alloc0(s->nvol, sizeof(smpc_fe));

				memcpy(mine, s->acc, sizeof(smpc_fe) * s->nvol);
				own_begin(s, SUB_VOPEN, s->nvol);
				for (j = 0; j < s->n; j++)
					if (j != s->self)
						memcpy(s->out[j], mine, sizeof(smpc_fe) * s->nvol);
				s->vol_share[s->self] = mine;
			}
			break;
		case SUB_VOPEN:
			{
				int			xs[SMPC_MAX_MEMBERS];
				smpc_fe		ys[SMPC_MAX_MEMBERS];
				smpc_fe    *opened = alloc0(s->nvol, sizeof(smpc_fe));

				for (j = 0; j < s->n; j++)
					xs[j] = j + 1;
				for (v = 0; v < s->nvol; v++)
				{
					Inst	   *in = &s->inst[s->srch[s->vol_inst[v]].inst];

					for (j = 0; j < s->n; j++)
						ys[j] = s->vol_share[j][v];
					opened[v] = shamir_combine(xs, ys, s->n);
					in->has_volume = true;
					in->volume = fe_to_int(opened[v]);
				}
				TRACE(s, "volume", opened, s->nvol);
				pfree(opened);
				own_clear(s);
				s->sub = SUB_DONE;
			}
			break;
		default:
			break;
	}
}

bool
smpc_search_done(const SmpcSearch *s)
{
	return s->sub == SUB_DONE;
}

bool
smpc_search_failed(const SmpcSearch *s, const char **why)
{
	if (s->sub == SUB_FAILED)
	{
		if (why)
			*why = s->why ? s->why : "the search failed";
		return true;
	}
	return false;
}

void
smpc_search_result(const SmpcSearch *s, StringInfo o)
{
	int			i,
				k;

	put_be(o, s->what, 1);
	put_be(o, s->ninst, 2);
	for (i = 0; i < s->ninst; i++)
	{
		const Inst *in = &s->inst[i];

		put_be(o, in->status, 1);
		if (in->status != SMPC_BATCH_RELEASED)
			continue;
		if (s->what == SMPC_SEARCH_ORDER)
		{
			put_be(o, (uint128) in->N, 8);
			put_be(o, in->nq, 2);
			for (k = 0; k < in->nq; k++)
			{
				const Query *q = &in->q[k];
				bool		found = in->N > 0 && q->search[0] >= 0;

				put_be(o, found ? 1 : 0, 1);
				put_be(o, (uint128) (found ? s->srch[q->search[0]].H : 0), 16);
				put_be(o, (uint128) (found ? s->srch[q->search[1]].H : 0), 16);
			}
		}
		else
		{
			int			idx = -1;

			for (k = 0; k < s->nsearch; k++)
				if (s->srch[k].inst == i)
					idx = (int) s->srch[k].H;
			put_be(o, (idx >= 0 && idx < in->ngrid) ? 1 : 0, 1);
			put_be(o, (idx >= 0 && idx < in->ngrid) ? idx : 0, 4);
			put_be(o, in->has_volume ? 1 : 0, 1);
			put_be(o, (uint128) (in->has_volume ? in->volume : 0), 16);
		}
	}
}

int
smpc_search_status(const SmpcSearch *s)
{
	return (s->ninst == 1 && s->inst != NULL) ? s->inst[0].status : SMPC_BATCH_RELEASED;
}

void
smpc_search_free(SmpcSearch *s)
{
	int			i;

	if (s == NULL)
		return;
	if (s->batch)
		smpc_batch_free(s->batch);
	if (s->engine)
		smpc_engine_free(s->engine);
	own_clear(s);
	for (i = 0; i < s->ninst && s->inst; i++)
	{
		Inst	   *in = &s->inst[i];

		if (in->q)
			pfree(in->q);
		wipe_free(in->keys, sizeof(int128) * Max(in->nkeys, 1));
		wipe_free(in->cum, sizeof(uint64) * Max(in->nkeys, 1));
		wipe_free(in->demand, sizeof(int128) * Max(in->ngrid, 1));
		wipe_free(in->supply, sizeof(int128) * Max(in->ngrid, 1));
	}
	if (s->inst)
		pfree(s->inst);
	if (s->srch)
		pfree(s->srch);
	wipe_free(s->thr, sizeof(int128) * SEARCH_STEP_MAX);
	wipe_free(s->acc, sizeof(smpc_fe) * SEARCH_STEP_MAX);
	if (s->vol_inst)
		pfree(s->vol_inst);
	for (i = 0; i < s->n; i++)
		if (s->vol_share[i])
			wipe_free(s->vol_share[i], sizeof(smpc_fe) * Max(s->nvol, 1));
	pfree(s);
}

int
smpc_search_steps(const SmpcSearch *s)
{
	return s->steps;
}

int64
smpc_search_comparisons(const SmpcSearch *s)
{
	return s->comparisons;
}
