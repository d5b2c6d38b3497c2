/*-------------------------------------------------------------------------
 *
 * test_batch.c
 *	  Unit tests of the grouped computation (src/batch.c): n members
 *	  simulated in one process, every member's result against the plain
 *	  computation over the pooled data, in union and declared mode, for
 *	  every column kind, with and without honest majority; refusals of
 *	  malformed vectors and inputs, garbage from a peer, and what union
 *	  mode opens.
 *
 * Usage: test_batch [seed].  The randomness (libsodium's, the data and the
 * order of deliveries) comes from the seed, printed first.  The last line
 * is "unit: batch, N passed, M failed"; the exit status is non-zero on
 * any failure.
 *
 * sources: src/batch.c src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

#include <stdarg.h>

#include "batch.h"
#include "smpc.h"
#include "wide.h"

static int	npassed = 0;
static int	nfailed = 0;

static bool
check(bool cond, const char *fmt,...)
{
	va_list		ap;

	if (cond)
	{
		npassed++;
		return true;
	}
	nfailed++;
	printf("not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static double group_start = 0;

static void
group(const char *name, int before_passed, int before_failed)
{
	double		now = sim_now();

	printf("%s - %s (%d checks, %.2f s)\n",
		   nfailed == before_failed ? "ok" : "not ok", name,
		   npassed - before_passed + nfailed - before_failed, now - group_start);
	group_start = now;
}

/* --- a case: members, columns, a universe of keys ------------------------- */

#define TMAXC	6
#define TMAXW	8
#define TMAXN	8

typedef struct Case
{
	int			n,
				t,
				m,
				k;
	int			mode;
	int			ncols;
	int			kind[TMAXC];
	int			vclass[TMAXC];
	int			width[TMAXC];
	int			scale[TMAXN][TMAXC];
	int			nk;				/* keys of the universe, sorted */
	uint8	   *kbytes;			/* nk x SMPC_BATCH_MAX_KEY */
	int		   *klen;
	bool	   *declared;		/* nk */
	bool	   *held;			/* n x nk */
	int64	   *rows;			/* (n x nk) x ncols */
	int128	   *vals;			/* ((n x nk) x ncols) x TMAXW */
	uint8		seed[32];
} Case;

#define HELD(cs, i, g) (cs)->held[(size_t) (i) * (cs)->nk + (g)]
#define ROWS(cs, i, g, c) (cs)->rows[((size_t) (i) * (cs)->nk + (g)) * (cs)->ncols + (c)]
#define VAL(cs, i, g, c, v) (cs)->vals[(((size_t) (i) * (cs)->nk + (g)) * (cs)->ncols + (c)) * TMAXW + (v)]

static bool
is_order(int kind)
{
	return kind == SMPC_KIND_MINIMUM || kind == SMPC_KIND_MAXIMUM;
}

static bool
is_dist(int kind)
{
	return kind == SMPC_KIND_HISTOGRAM || kind == SMPC_KIND_FREQUENCIES;
}

static int
bytes_cmp(const uint8 *a, int alen, const uint8 *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static Case *case_sort_keys_target;

static int
key_index_cmp(const void *x, const void *y)
{
	Case	   *cs = case_sort_keys_target;
	int			a = *(const int *) x,
				b = *(const int *) y;

	return bytes_cmp(cs->kbytes + (size_t) a * SMPC_BATCH_MAX_KEY, cs->klen[a],
					 cs->kbytes + (size_t) b * SMPC_BATCH_MAX_KEY, cs->klen[b]);
}

/*
 * A universe of nk distinct keys in result order: one empty key, one of
 * the largest length, the others short and long, some sharing prefixes.
 */
static void
case_keys(Case *cs, int nk)
{
	uint8	   *tmp = palloc0((size_t) nk * SMPC_BATCH_MAX_KEY);
	int		   *tlen = palloc0(sizeof(int) * nk);
	int		   *idx = palloc(sizeof(int) * nk);
	int			g,
				i;

	cs->nk = nk;
	cs->kbytes = palloc0((size_t) nk * SMPC_BATCH_MAX_KEY);
	cs->klen = palloc0(sizeof(int) * nk);
	for (g = 0; g < nk; g++)
	{
		uint8	   *p = tmp + (size_t) g * SMPC_BATCH_MAX_KEY;
		int			len;

		if (g == 0)
			len = 0;
		else if (g == 1)
			len = SMPC_BATCH_MAX_KEY;
		else if (g == 2)
			len = 1;
		else
			len = 4 + (int) sim_below(sim_below(4) == 0 ? 60 : 12);
		/* unique: the index in the first bytes, then noise */
		for (i = 0; i < len; i++)
			p[i] = (uint8) sim_next();
		if (len >= 4)
		{
			p[0] = (uint8) (g >> 24);
			p[1] = (uint8) (g >> 16);
			p[2] = (uint8) (g >> 8);
			p[3] = (uint8) g;
		}
		else if (len == 1)
			p[0] = 0;			/* "\0" differs from "" by its length only */
		tlen[g] = len;
		idx[g] = g;
	}
	case_sort_keys_target = cs;
	{
		/* sort the universe: sort indexes against the temporary copy */
		Case		tmpcase = *cs;

		tmpcase.kbytes = tmp;
		tmpcase.klen = tlen;
		case_sort_keys_target = &tmpcase;
		qsort(idx, nk, sizeof(int), key_index_cmp);
	}
	for (g = 0; g < nk; g++)
	{
		memcpy(cs->kbytes + (size_t) g * SMPC_BATCH_MAX_KEY,
			   tmp + (size_t) idx[g] * SMPC_BATCH_MAX_KEY, SMPC_BATCH_MAX_KEY);
		cs->klen[g] = tlen[idx[g]];
	}
	pfree(tmp);
	pfree(tlen);
	pfree(idx);
}

static int128
rand_range(int128 lo, int128 hi)
{
	uint128		span = (uint128) (hi - lo) + 1;
	uint128		u = ((uint128) sim_next() << 64) | sim_next();

	return lo + (int128) (u % span);
}

/*
 * Data: each member holds each key with probability hold_pct, keys
 * [0, lonely) held by one member only (key g by member g % n), and a
 * held cell has no rows one time in eight.
 */
static void
case_data(Case *cs, int hold_pct, int lonely)
{
	int			i,
				g,
				c,
				v;

	cs->held = palloc0(sizeof(bool) * cs->n * cs->nk);
	cs->declared = palloc0(sizeof(bool) * cs->nk);
	cs->rows = palloc0(sizeof(int64) * cs->n * cs->nk * cs->ncols);
	cs->vals = palloc0(sizeof(int128) * cs->n * cs->nk * cs->ncols * TMAXW);
	for (g = 0; g < cs->nk; g++)
		for (i = 0; i < cs->n; i++)
			HELD(cs, i, g) = g < lonely ? (i == g % cs->n)
				: (int) sim_below(100) < hold_pct;
	for (i = 0; i < cs->n; i++)
		for (g = 0; g < cs->nk; g++)
			for (c = 0; c < cs->ncols; c++)
			{
				int			w = cs->width[c];
				int64		rows;

				if (!HELD(cs, i, g))
					continue;
				rows = sim_below(8) == 0 ? 0 : 1 + (int64) sim_below(6);
				for (v = 0; v < w; v++)
				{
					if (is_order(cs->kind[c]))
						VAL(cs, i, g, c, v) = sim_below(4) == 0
							? rand_range(-3, 3)
							: rand_range(-(((int128) 1) << 78), ((int128) 1) << 78);
					else if (is_dist(cs->kind[c]))
						VAL(cs, i, g, c, v) = (int128) sim_below(4);
					else
						VAL(cs, i, g, c, v) = rand_range(-1000000000, 1000000000);
				}
				if (is_dist(cs->kind[c]))
				{
					/* rows: whether any bucket counts */
					rows = 0;
					for (v = 0; v < w; v++)
						rows += (int64) VAL(cs, i, g, c, v);
				}
				ROWS(cs, i, g, c) = rows;
				/* a cell without rows says anything: it must not count */
				if (rows == 0)
					for (v = 0; v < w; v++)
						VAL(cs, i, g, c, v) = 12345 + v;
			}
	for (i = 0; i < cs->n; i++)
		for (c = 0; c < cs->ncols; c++)
			cs->scale[i][c] = cs->vclass[c] == SMPC_CLASS_FLOAT ? 0 : (int) sim_below(SMPC_EXACT_SCALE + 1);
	for (i = 0; i < 32; i++)
		cs->seed[i] = (uint8) sim_next();
}

static void
case_free(Case *cs)
{
	pfree(cs->kbytes);
	pfree(cs->klen);
	pfree(cs->declared);
	pfree(cs->held);
	pfree(cs->rows);
	pfree(cs->vals);
}

static void
put_be(StringInfo s, uint128 v, int len)
{
	int			i;

	for (i = len - 1; i >= 0; i--)
		appendStringInfoChar(s, (char) (uint8) (v >> (8 * i)));
}

/* Member i's input; keys in reverse order (the module must not care). */
static void
case_input(const Case *cs, int i, StringInfo s)
{
	int			c,
				g,
				v,
				nd = 0,
				nh = 0;

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, cs->mode, 1);
	put_be(s, cs->ncols, 2);
	for (c = 0; c < cs->ncols; c++)
	{
		put_be(s, cs->kind[c], 1);
		put_be(s, cs->vclass[c], 1);
		put_be(s, cs->width[c], 2);
		put_be(s, cs->scale[i][c], 1);
	}
	if (cs->mode == SMPC_BATCH_DECLARED)
		for (g = 0; g < cs->nk; g++)
			nd += cs->declared[g] ? 1 : 0;
	put_be(s, nd, 4);
	for (g = 0; g < cs->nk && nd > 0; g++)
		if (cs->declared[g])
		{
			put_be(s, cs->klen[g], 2);
			appendBinaryStringInfo(s, (const char *) cs->kbytes + (size_t) g * SMPC_BATCH_MAX_KEY,
								   cs->klen[g]);
		}
	for (g = 0; g < cs->nk; g++)
		nh += HELD(cs, i, g) ? 1 : 0;
	put_be(s, nh, 4);
	for (g = cs->nk - 1; g >= 0; g--)
	{
		if (!HELD(cs, i, g))
			continue;
		put_be(s, cs->klen[g], 2);
		appendBinaryStringInfo(s, (const char *) cs->kbytes + (size_t) g * SMPC_BATCH_MAX_KEY,
							   cs->klen[g]);
		for (c = 0; c < cs->ncols; c++)
		{
			put_be(s, (uint128) (uint64) ROWS(cs, i, g, c), 8);
			for (v = 0; v < cs->width[c]; v++)
				put_be(s, (uint128) VAL(cs, i, g, c, v), 16);
		}
	}
}

/* --- the plain computation, checked against a result ------------------------ */

/* Whether count T, or T less any member's own count, is in 1 .. k - 1. */
static bool
small_count(const Case *cs, int128 T, const int128 *own)
{
	int			i;

	if (T >= 1 && T < cs->k)
		return true;
	for (i = 0; i < cs->n; i++)
		if (T - own[i] >= 1 && T - own[i] < cs->k)
			return true;
	return false;
}

typedef struct Reader
{
	const uint8 *p;
	size_t		left;
	bool		ok;
} Reader;

static uint128
rd(Reader *r, int len)
{
	uint128		v = 0;
	int			i;

	if (!r->ok || r->left < (size_t) len)
	{
		r->ok = false;
		return 0;
	}
	for (i = 0; i < len; i++)
		v = (v << 8) | r->p[i];
	r->p += len;
	r->left -= len;
	return v;
}

/*
 * Compare member "who"'s serialised result with the plain computation.
 * Returns false (and says why, once) on the first difference.
 */
static bool
check_result(const Case *cs, int who, const StringInfo res, const char *name)
{
	Reader		r = {(const uint8 *) res->data, (size_t) res->len, true};
	int			nexp = 0,
				g,
				c,
				i,
				v;
	uint32		nkeys;

	for (g = 0; g < cs->nk; g++)
	{
		bool		any = false;

		for (i = 0; i < cs->n; i++)
			any |= HELD(cs, i, g);
		if (cs->mode == SMPC_BATCH_DECLARED ? cs->declared[g] : any)
			nexp++;
	}
	nkeys = (uint32) rd(&r, 4);
	if (!check(nkeys == (uint32) nexp && rd(&r, 2) == (uint128) cs->ncols,
			   "%s: member %d: %u keys, expected %d", name, who, nkeys, nexp))
		return false;
	for (c = 0; c < cs->ncols; c++)
	{
		int			sc = 0;

		for (i = 0; i < cs->n; i++)
			sc = Max(sc, cs->scale[i][c]);
		if (!check((int32) rd(&r, 4) == sc, "%s: member %d: scale of column %d", name, who, c))
			return false;
	}
	for (g = 0; g < cs->nk; g++)
	{
		bool		any = false;
		int			len;

		for (i = 0; i < cs->n; i++)
			any |= HELD(cs, i, g);
		if (!(cs->mode == SMPC_BATCH_DECLARED ? cs->declared[g] : any))
			continue;
		len = (int) rd(&r, 2);
		if (!check(r.ok && len == cs->klen[g] && r.left >= (size_t) len &&
				   memcmp(r.p, cs->kbytes + (size_t) g * SMPC_BATCH_MAX_KEY, len) == 0,
				   "%s: member %d: key %d (length %d) differs", name, who, g, cs->klen[g]))
			return false;
		r.p += len;
		r.left -= len;
		for (c = 0; c < cs->ncols; c++)
		{
			int			w = cs->width[c];
			int			contributors = 0;
			int128		own[TMAXN];
			int128		T = 0;
			int			status;
			int128		sums[TMAXW];
			bool		null[TMAXW];

			memset(sums, 0, sizeof(sums));
			for (i = 0; i < cs->n; i++)
			{
				own[i] = HELD(cs, i, g) ? ROWS(cs, i, g, c) : 0;
				contributors += own[i] > 0 ? 1 : 0;
				T += own[i];
			}
			for (v = 0; v < w; v++)
			{
				bool		first = true;

				null[v] = false;
				for (i = 0; i < cs->n; i++)
				{
					int128		x;

					if (own[i] <= 0)
						continue;
					x = VAL(cs, i, g, c, v);
					if (cs->kind[c] == SMPC_KIND_MAXIMUM)
						sums[v] = first ? x : Max(sums[v], x);
					else if (cs->kind[c] == SMPC_KIND_MINIMUM)
						sums[v] = first ? x : Min(sums[v], x);
					else
						sums[v] += x;
					first = false;
				}
			}
			if (contributors < cs->m)
				status = SMPC_BATCH_FEW_PARTIES;
			else if (cs->k > 1 && !is_dist(cs->kind[c]) && small_count(cs, T, own))
				status = SMPC_BATCH_SMALL_CELL;
			else
				status = SMPC_BATCH_RELEASED;
			for (v = 0; v < w; v++)
			{
				if (status != SMPC_BATCH_RELEASED)
					null[v] = true;
				else if (cs->k > 1 && is_dist(cs->kind[c]))
				{
					int128		bown[TMAXN];
					int128		BT = 0;

					for (i = 0; i < cs->n; i++)
					{
						bown[i] = own[i] > 0 ? VAL(cs, i, g, c, v) : 0;
						BT += bown[i];
					}
					null[v] = small_count(cs, BT, bown);
				}
			}
			if (!check((int) rd(&r, 1) == status && rd(&r, 2) == (uint128) w,
					   "%s: member %d: key %d column %d: status, expected %d", name, who, g, c, status))
				return false;
			for (v = 0; v < w; v++)
			{
				bool		isnull = rd(&r, 1) != 0;
				int128		x = (int128) rd(&r, 16);

				if (!check(r.ok && isnull == null[v] && x == (null[v] ? 0 : sums[v]),
						   "%s: member %d: key %d column %d value %d%s", name, who, g, c, v,
						   isnull != null[v] ? " (null differs)" : ""))
					return false;
			}
		}
	}
	return check(r.ok && r.left == 0, "%s: member %d: result has trailing bytes", name, who);
}

/* --- simulated members --------------------------------------------------- */

typedef struct RunStats
{
	int			rounds;
	int			key_rounds;
	double		compute;		/* seconds, all members */
	int64		bytes;			/* sent by member 0 */
	int64		bytes_of[TMAXN];
	char		error[256];
	bool		failed[TMAXN];
	const char *why[TMAXN];
} RunStats;

/* garbage: member 0 sends random elements in key rounds (keeping round 1's digest) */
static bool run_garbage = false;

/* Run a case: every member's result into res[i] (initialised). Returns whether all done. */
static bool
run_case(const Case *cs, StringInfoData *res, RunStats *st)
{
	SmpcBatch  *bs[TMAXN];
	SmpcBatchSettings set;
	StringInfoData in;
	int			order[TMAXN * TMAXN];
	int			i,
				j,
				p;
	bool		ok = false;
	double		t0;
	smpc_fe    *junk = NULL;
	int			junklen = 0;

	memset(st, 0, sizeof(*st));
	memset(&set, 0, sizeof(set));
	set.n = cs->n;
	set.degree = cs->t;
	set.min_parties = cs->m;
	set.min_cell_count = cs->k;
	memcpy(set.seed, cs->seed, 32);
	for (i = 0; i < cs->n; i++)
	{
		const char *why = NULL;

		set.self = i;
		case_input(cs, i, &in);
		t0 = sim_now();
		bs[i] = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
		st->compute += sim_now() - t0;
		pfree(in.data);
		if (bs[i] == NULL)
		{
			snprintf(st->error, sizeof(st->error), "member %d: start refused: %s", i, why);
			while (--i >= 0)
				smpc_batch_free(bs[i]);
			return false;
		}
	}
	for (;;)
	{
		int			round = smpc_batch_round(bs[0]);
		int			np = 0;
		bool		any_failed = false;
		bool		key_round = smpc_batch_key_rounds(bs[0]) >= round;

		for (i = 0; i < cs->n; i++)
			if (smpc_batch_failed(bs[i], &st->why[i]))
			{
				st->failed[i] = true;
				any_failed = true;
			}
		if (any_failed)
		{
			snprintf(st->error, sizeof(st->error), "a member failed: %s",
					 st->why[0] ? st->why[0] : "(member 0 did not)");
			break;
		}
		if (smpc_batch_done(bs[0]))
		{
			ok = true;
			for (i = 1; i < cs->n; i++)
				ok &= smpc_batch_done(bs[i]);
			if (!ok)
				snprintf(st->error, sizeof(st->error), "members disagree on the end");
			break;
		}
		if (++st->rounds > 1000)
		{
			snprintf(st->error, sizeof(st->error), "no end after 1000 rounds");
			break;
		}
		for (i = 0; i < cs->n; i++)
			if (smpc_batch_round(bs[i]) != round)
			{
				snprintf(st->error, sizeof(st->error), "members disagree on the round");
				goto out;
			}
		for (i = 0; i < cs->n; i++)
			for (j = 0; j < cs->n; j++)
				if (i != j)
					order[np++] = i * cs->n + j;
		for (p = np - 1; p > 0; p--)
		{
			int			q = (int) sim_below(p + 1);
			int			tmp = order[p];

			order[p] = order[q];
			order[q] = tmp;
		}
		for (p = 0; p < np; p++)
		{
			int			from = order[p] / cs->n,
						to = order[p] % cs->n;
			const smpc_fe *v;
			int			len;
			const char *why = NULL;
			bool		accepted;

			smpc_batch_outgoing(bs[from], to, &v, &len);
			st->bytes_of[from] += (int64) len * 16;
			if (run_garbage && from == 0 && key_round)
			{
				int			e;

				if (len > junklen)
				{
					junk = junk ? repalloc(junk, sizeof(smpc_fe) * len) : palloc(sizeof(smpc_fe) * len);
					junklen = len;
				}
				for (e = 0; e < len; e++)
					junk[e] = (round == 1 && e == 0) ? v[0] : fe_random();
				v = junk;
			}
			t0 = sim_now();
			accepted = smpc_batch_incoming(bs[to], from, round, v, len, &why);
			st->compute += sim_now() - t0;
			if (!accepted && !smpc_batch_failed(bs[to], NULL))
			{
				snprintf(st->error, sizeof(st->error), "round %d: %d refused %d: %s",
						 round, to, from, why);
				goto out;
			}
		}
		for (i = 0; i < cs->n; i++)
		{
			t0 = sim_now();
			smpc_batch_advance(bs[i]);
			st->compute += sim_now() - t0;
		}
	}
out:
	st->bytes = st->bytes_of[0];
	st->key_rounds = smpc_batch_key_rounds(bs[0]);
	for (i = 0; i < cs->n; i++)
	{
		initStringInfo(&res[i]);
		if (ok)
			smpc_batch_result(bs[i], &res[i]);
		smpc_batch_free(bs[i]);
	}
	if (junk)
		pfree(junk);
	return ok;
}

/* Run and check every member's result. */
static void
run_and_check(const Case *cs, const char *name, RunStats *st)
{
	StringInfoData res[TMAXN];
	int			i;

	if (check(run_case(cs, res, st), "%s: %s", name, st->error))
		for (i = 0; i < cs->n; i++)
			if (!check_result(cs, i, &res[i], name))
				break;
	for (i = 0; i < cs->n; i++)
		pfree(res[i].data);
}

/* --- the cases ----------------------------------------------------------------- */

static void
set_cols(Case *cs, int ncols, const int *kind, const int *vclass, const int *width)
{
	int			c;

	cs->ncols = ncols;
	for (c = 0; c < ncols; c++)
	{
		cs->kind[c] = kind[c];
		cs->vclass[c] = vclass[c];
		cs->width[c] = width[c];
	}
}

static void
linear_cols(Case *cs)
{
	static const int kind[] = {SMPC_KIND_SUM, SMPC_KIND_AVG, SMPC_KIND_COUNT, SMPC_KIND_VARIANCE,
	SMPC_KIND_HISTOGRAM, SMPC_KIND_FREQUENCIES};
	static const int vclass[] = {SMPC_CLASS_EXACT, SMPC_CLASS_FLOAT, SMPC_CLASS_EXACT,
	SMPC_CLASS_FLOAT, SMPC_CLASS_EXACT, SMPC_CLASS_EXACT};
	static const int width[] = {3, 2, 1, 5, 4, 3};

	set_cols(cs, 6, kind, vclass, width);
}

static void
test_modes(void)
{
	struct
	{
		int			n,
					t,
					m,
					k,
					mode;
	}			runs[] = {
		{3, 1, 3, 1, SMPC_BATCH_UNION},
		{3, 2, 3, 1, SMPC_BATCH_UNION},
		{3, 2, 2, 1, SMPC_BATCH_UNION}, /* product contributor test, n-of-n */
		{3, 1, 2, 3, SMPC_BATCH_UNION},
		{5, 2, 5, 1, SMPC_BATCH_UNION},
		{5, 4, 5, 1, SMPC_BATCH_DECLARED},
		{5, 2, 3, 1, SMPC_BATCH_UNION},
		{5, 2, 2, 4, SMPC_BATCH_UNION},
		{5, 2, 3, 2, SMPC_BATCH_DECLARED},
		{8, 3, 8, 1, SMPC_BATCH_UNION},
		{8, 7, 8, 1, SMPC_BATCH_UNION},
		{8, 3, 3, 2, SMPC_BATCH_UNION},
		{8, 3, 3, 1, SMPC_BATCH_DECLARED},
		{3, 1, 3, 1, SMPC_BATCH_DECLARED},
	};
	int			r;

	for (r = 0; r < (int) lengthof(runs); r++)
	{
		Case		cs;
		RunStats	st;
		char		name[128];
		int			g;

		memset(&cs, 0, sizeof(cs));
		cs.n = runs[r].n;
		cs.t = runs[r].t;
		cs.m = runs[r].m;
		cs.k = runs[r].k;
		cs.mode = runs[r].mode;
		linear_cols(&cs);
		case_keys(&cs, 40);
		/* mostly held everywhere, some keys held by one member only */
		case_data(&cs, cs.m < cs.n ? 70 : 90, 4);
		if (cs.mode == SMPC_BATCH_DECLARED)
		{
			/* declare the held keys but a few, and keys nobody has */
			for (g = 0; g < cs.nk; g++)
			{
				int			i;

				cs.declared[g] = g % 7 != 3;
				if (!cs.declared[g])
					for (i = 0; i < cs.n; i++)
						HELD(&cs, i, g) = false;
			}
			for (g = cs.nk - 3; g < cs.nk; g++)
			{
				int			i;

				for (i = 0; i < cs.n; i++)
					HELD(&cs, i, g) = false;
				cs.declared[g] = true;
			}
		}
		snprintf(name, sizeof(name), "%s n=%d t=%d min_parties=%d min_cell_count=%d",
				 cs.mode == SMPC_BATCH_UNION ? "union" : "declared", cs.n, cs.t, cs.m, cs.k);
		run_and_check(&cs, name, &st);
		printf("# %s: %d rounds (%d of keys), %lld bytes from member 0\n", name, st.rounds,
			   st.key_rounds, (long long) st.bytes);
		case_free(&cs);
	}
}

/* No keys at all, and one member without keys. */
static void
test_empty(void)
{
	static const int kind[] = {SMPC_KIND_SUM};
	static const int vclass[] = {SMPC_CLASS_EXACT};
	static const int width[] = {2};
	int			mode;

	for (mode = SMPC_BATCH_UNION; mode <= SMPC_BATCH_DECLARED; mode++)
	{
		Case		cs;
		RunStats	st;
		int			g;

		memset(&cs, 0, sizeof(cs));
		cs.n = 3;
		cs.t = 1;
		cs.m = 2;
		cs.k = 1;
		cs.mode = mode;
		set_cols(&cs, 1, kind, vclass, width);
		case_keys(&cs, 5);
		case_data(&cs, 0, 0);
		run_and_check(&cs, mode == SMPC_BATCH_UNION ? "union, no keys" : "declared, no keys", &st);
		for (g = 0; g < cs.nk; g++)
		{
			HELD(&cs, 1, g) = true;
			HELD(&cs, 2, g) = true;
			ROWS(&cs, 1, g, 0) = 1;
			ROWS(&cs, 2, g, 0) = 2;
			cs.declared[g] = true;
		}
		run_and_check(&cs, mode == SMPC_BATCH_UNION ? "union, a member without keys"
					  : "declared, a member without keys", &st);
		case_free(&cs);
	}
}

static void
test_order(void)
{
	static const int kind[] = {SMPC_KIND_MAXIMUM, SMPC_KIND_SUM, SMPC_KIND_MINIMUM};
	static const int vclass[] = {SMPC_CLASS_EXACT, SMPC_CLASS_EXACT, SMPC_CLASS_EXACT};
	static const int width[] = {1, 2, 1};
	struct
	{
		int			n,
					t,
					m,
					k,
					mode,
					nk,
					ncols;
	}			runs[] = {
		{3, 1, 2, 1, SMPC_BATCH_UNION, 1, 1},
		{3, 1, 2, 1, SMPC_BATCH_UNION, 12, 3},
		{3, 1, 3, 1, SMPC_BATCH_DECLARED, 12, 3},
		{5, 2, 2, 2, SMPC_BATCH_UNION, 12, 3},
		{8, 3, 3, 1, SMPC_BATCH_UNION, 8, 3},
		/* beyond one engine program: 2166 groups at n = 3 */
		{3, 1, 2, 1, SMPC_BATCH_DECLARED, 1100, 3},
	};
	int			r;

	for (r = 0; r < (int) lengthof(runs); r++)
	{
		Case		cs;
		RunStats	st;
		char		name[128];
		int			g;

		memset(&cs, 0, sizeof(cs));
		cs.n = runs[r].n;
		cs.t = runs[r].t;
		cs.m = runs[r].m;
		cs.k = runs[r].k;
		cs.mode = runs[r].mode;
		set_cols(&cs, runs[r].ncols, kind, vclass, width);
		case_keys(&cs, runs[r].nk);
		case_data(&cs, runs[r].nk > 100 ? 100 : 80, runs[r].nk > 100 ? 0 : 2);
		for (g = 0; g < cs.nk; g++)
			cs.declared[g] = true;
		snprintf(name, sizeof(name), "min/max %s %d keys n=%d t=%d min_parties=%d min_cell_count=%d",
				 cs.mode == SMPC_BATCH_UNION ? "union" : "declared", cs.nk, cs.n, cs.t, cs.m, cs.k);
		run_and_check(&cs, name, &st);
		printf("# %s: %d rounds (%d of keys), compute %.1f ms per member\n", name, st.rounds,
			   st.key_rounds, 1000 * st.compute / cs.n);
		case_free(&cs);
	}
}

/* 10,000 keys: timed, no timed assertion. */
static void
test_many(void)
{
	static const int kind[] = {SMPC_KIND_AVG};
	static const int vclass[] = {SMPC_CLASS_EXACT};
	static const int width[] = {4};
	int			mode;

	for (mode = SMPC_BATCH_UNION; mode <= SMPC_BATCH_DECLARED; mode++)
	{
		Case		cs;
		RunStats	st;
		int			g;
		double		t0 = sim_now();

		memset(&cs, 0, sizeof(cs));
		cs.n = 3;
		cs.t = 1;
		cs.m = 3;
		cs.k = 1;
		cs.mode = mode;
		set_cols(&cs, 1, kind, vclass, width);
		case_keys(&cs, 10000);
		case_data(&cs, 85, 10);
		for (g = 0; g < cs.nk; g++)
			cs.declared[g] = true;
		run_and_check(&cs, mode == SMPC_BATCH_UNION ? "union, 10000 keys" : "declared, 10000 keys", &st);
		printf("# %s, 10000 keys x avg, n=3: %d rounds (%d of keys), compute %.1f ms per member, "
			   "%.2f MB from member 0 (%.1f s with the checks)\n",
			   mode == SMPC_BATCH_UNION ? "union" : "declared", st.rounds, st.key_rounds,
			   1000 * st.compute / cs.n, st.bytes / 1e6, sim_now() - t0);
		case_free(&cs);
	}
}

/* Malformed deliveries are refused and leave the member as it was. */
static void
test_refusals(void)
{
	static const int kind[] = {SMPC_KIND_SUM};
	static const int vclass[] = {SMPC_CLASS_EXACT};
	static const int width[] = {2};
	Case		cs;
	SmpcBatch  *bs[3];
	SmpcBatchSettings set;
	StringInfoData in;
	const smpc_fe *v;
	int			len,
				i;
	const char *why = NULL;
	smpc_fe    *copy;

	memset(&cs, 0, sizeof(cs));
	cs.n = 3;
	cs.t = 1;
	cs.m = 3;
	cs.k = 1;
	cs.mode = SMPC_BATCH_DECLARED;
	set_cols(&cs, 1, kind, vclass, width);
	case_keys(&cs, 4);
	case_data(&cs, 100, 0);
	for (i = 0; i < cs.nk; i++)
		cs.declared[i] = true;
	memset(&set, 0, sizeof(set));
	set.n = 3;
	set.degree = 1;
	set.min_parties = 3;
	set.min_cell_count = 1;
	for (i = 0; i < 3; i++)
	{
		set.self = i;
		case_input(&cs, i, &in);
		bs[i] = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
		pfree(in.data);
	}
	smpc_batch_outgoing(bs[1], 0, &v, &len);
	check(len > 2, "declared round 1 has a vector");
	check(!smpc_batch_incoming(bs[0], 1, 1, v, len - 1, &why), "a short vector is refused");
	check(!smpc_batch_incoming(bs[0], 1, 1, v, 0, &why), "an empty vector is refused");
	check(!smpc_batch_incoming(bs[0], 1, 2, v, len, &why), "a vector of round 2 is refused");
	check(!smpc_batch_incoming(bs[0], 0, 1, v, len, &why), "a vector from self is refused");
	check(!smpc_batch_incoming(bs[0], 3, 1, v, len, &why), "a vector from member 3 is refused");
	copy = palloc(sizeof(smpc_fe) * len);
	memcpy(copy, v, sizeof(smpc_fe) * len);
	copy[1] = SMPC_EXACT_SCALE + 1;
	check(!smpc_batch_incoming(bs[0], 1, 1, copy, len, &why), "a bad scale is refused");
	memcpy(copy, v, sizeof(smpc_fe) * len);
	copy[len - 1] = SMPC_FIELD_P;
	check(!smpc_batch_incoming(bs[0], 1, 1, copy, len, &why), "an unreduced element is refused");
	check(!smpc_batch_failed(bs[0], NULL), "refusals leave the member running");
	check(smpc_batch_incoming(bs[0], 1, 1, v, len, &why), "the right vector is taken");
	check(!smpc_batch_incoming(bs[0], 1, 1, v, len, &why), "a second vector is refused");
	check(!smpc_batch_round_complete(bs[0]), "one of two vectors does not complete the round");
	/* another computation: the digest differs */
	memcpy(copy, v, sizeof(smpc_fe) * len);
	copy[0] ^= 1;
	check(!smpc_batch_incoming(bs[0], 2, 1, copy, len, &why) && smpc_batch_failed(bs[0], &why),
		  "a member computing something else fails the computation");
	check(smpc_batch_round(bs[0]) == 0 && !smpc_batch_done(bs[0]), "a failed computation has no round");
	pfree(copy);
	for (i = 0; i < 3; i++)
		smpc_batch_free(bs[i]);
	case_free(&cs);
}

/* Inputs and settings that must be refused. */
static void
test_bad_inputs(void)
{
	static const int kind[] = {SMPC_KIND_SUM, SMPC_KIND_MAXIMUM};
	static const int vclass[] = {SMPC_CLASS_EXACT, SMPC_CLASS_EXACT};
	static const int width[] = {1, 1};
	Case		cs;
	StringInfoData in;
	SmpcBatchSettings set;
	bool		has_order = false;
	const char *why = NULL;
	SmpcBatch  *b;
	int			g;

	memset(&cs, 0, sizeof(cs));
	cs.n = 3;
	cs.t = 1;
	cs.m = 2;
	cs.k = 1;
	cs.mode = SMPC_BATCH_DECLARED;
	set_cols(&cs, 2, kind, vclass, width);
	case_keys(&cs, 6);
	case_data(&cs, 100, 0);
	for (g = 0; g < cs.nk; g++)
		cs.declared[g] = true;
	case_input(&cs, 0, &in);
	check(smpc_batch_check_input((const uint8 *) in.data, in.len, &has_order, &why) && has_order,
		  "a good input passes, with an order column");
	check(!smpc_batch_check_input((const uint8 *) in.data, in.len - 1, &has_order, &why),
		  "a truncated input is refused");
	pfree(in.data);

	/* a held key that is not declared */
	cs.declared[2] = false;
	case_input(&cs, 0, &in);
	check(!smpc_batch_check_input((const uint8 *) in.data, in.len, &has_order, &why),
		  "an undeclared key is refused");
	pfree(in.data);
	cs.declared[2] = true;

	/* declared keys out of order: swap two in the encoding by making them equal */
	memcpy(cs.kbytes + 3 * SMPC_BATCH_MAX_KEY, cs.kbytes + 4 * SMPC_BATCH_MAX_KEY, SMPC_BATCH_MAX_KEY);
	cs.klen[3] = cs.klen[4];
	case_input(&cs, 0, &in);
	check(!smpc_batch_check_input((const uint8 *) in.data, in.len, &has_order, &why),
		  "a repeated key is refused");
	pfree(in.data);
	case_free(&cs);

	/* a maximum key beyond the range, and honest majority */
	memset(&cs, 0, sizeof(cs));
	cs.n = 3;
	cs.t = 2;
	cs.m = 2;
	cs.k = 1;
	cs.mode = SMPC_BATCH_UNION;
	set_cols(&cs, 2, kind, vclass, width);
	case_keys(&cs, 3);
	case_data(&cs, 100, 0);
	memset(&set, 0, sizeof(set));
	set.n = 3;
	set.degree = 2;
	set.min_parties = 2;
	set.min_cell_count = 1;
	case_input(&cs, 0, &in);
	b = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
	check(b == NULL && why && strstr(why, "honest majority"), "max in an n-of-n group is refused");
	if (b)
		smpc_batch_free(b);
	pfree(in.data);
	cs.kind[1] = SMPC_KIND_SUM;
	set.min_cell_count = 2;
	case_input(&cs, 0, &in);
	b = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
	check(b == NULL && why && strstr(why, "honest majority"), "small cells in an n-of-n group are refused");
	if (b)
		smpc_batch_free(b);
	set.min_cell_count = 1;
	set.min_parties = 4;
	b = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
	check(b == NULL, "min_parties above n is refused");
	set.min_parties = 2;
	b = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
	check(b != NULL, "min_parties 2 in an n-of-n group of 3 starts (as a single computation)");
	if (b)
		smpc_batch_free(b);
	pfree(in.data);
	cs.kind[1] = SMPC_KIND_MAXIMUM;
	for (g = 0; g < cs.nk; g++)
		if (HELD(&cs, 0, g) && ROWS(&cs, 0, g, 1) > 0)
			VAL(&cs, 0, g, 1, 0) = SMPC_ORDER_NONE_MIN + 1;
	case_input(&cs, 0, &in);
	check(!smpc_batch_check_input((const uint8 *) in.data, in.len, &has_order, &why),
		  "a maximum key beyond the sentinel is refused");
	pfree(in.data);
	case_free(&cs);
}

/* Garbage from a peer in every key round: everyone fails, nobody crashes. */
static void
test_garbage(void)
{
	static const int kind[] = {SMPC_KIND_SUM};
	static const int vclass[] = {SMPC_CLASS_EXACT};
	static const int width[] = {1};
	Case		cs;
	RunStats	st;
	StringInfoData res[TMAXN];
	bool		ok;
	int			i;

	memset(&cs, 0, sizeof(cs));
	cs.n = 3;
	cs.t = 1;
	cs.m = 3;
	cs.k = 1;
	cs.mode = SMPC_BATCH_UNION;
	set_cols(&cs, 1, kind, vclass, width);
	case_keys(&cs, 10);
	case_data(&cs, 90, 0);
	run_garbage = true;
	ok = run_case(&cs, res, &st);
	run_garbage = false;
	check(!ok, "garbage in the key rounds does not end in a result");
	for (i = 1; i < cs.n; i++)
		check(st.failed[i] && st.why[i] != NULL &&
			  (strstr(st.why[i], "agree on the grouping keys") != NULL ||
			   strstr(st.why[i], "too many grouping keys") != NULL),
			  "member %d fails cleanly on garbage: %s", i, st.why[i] ? st.why[i] : st.error);
	printf("# garbage: failed after %d rounds (%d of keys)\n", st.rounds, st.key_rounds);
	for (i = 0; i < cs.n; i++)
		pfree(res[i].data);
	case_free(&cs);
}

/* --- what union mode opens ------------------------------------------------- */

#define TRACE_MAX	64
typedef struct TraceLog
{
	int			ntables;
	int			len[TRACE_MAX];
	uint8	   *pattern[TRACE_MAX]; /* per slot: zero or not */
} TraceLog;

static TraceLog *trace_log;

static void
trace_hook(int self, const char *what, const smpc_fe *opened, int nopened)
{
	TraceLog   *t = trace_log;
	int			s;

	if (t == NULL || self != 0 || strcmp(what, "table") != 0 || t->ntables == TRACE_MAX)
		return;
	t->len[t->ntables] = nopened;
	t->pattern[t->ntables] = palloc(nopened / 3 + 1);
	for (s = 0; s < nopened / 3; s++)
		t->pattern[t->ntables][s] = (opened[3 * s] | opened[3 * s + 1] | opened[3 * s + 2]) != 0;
	t->ntables++;
}

/*
 * Two runs over the same union and seed, the keys held by different
 * members (by all, or each by one): the tables opened must show the same
 * slots occupied, in the same number of tables, and every member must
 * send as many bytes.
 */
static void
test_union_opens(void)
{
	static const int kind[] = {SMPC_KIND_SUM};
	static const int vclass[] = {SMPC_CLASS_EXACT};
	static const int width[] = {1};
	int			nks[] = {20, 300};
	int			r;

	for (r = 0; r < (int) lengthof(nks); r++)
	{
		Case		cs;
		RunStats	st[2];
		TraceLog	logs[2];
		StringInfoData res[TMAXN];
		int			run,
					i,
					g,
					q;
		bool		same = true;

		memset(&cs, 0, sizeof(cs));
		cs.n = 5;
		cs.t = 2;
		cs.m = 2;
		cs.k = 1;
		cs.mode = SMPC_BATCH_UNION;
		set_cols(&cs, 1, kind, vclass, width);
		case_keys(&cs, nks[r]);
		case_data(&cs, 100, 0);
		memset(logs, 0, sizeof(logs));
		smpc_batch_trace = trace_hook;
		for (run = 0; run < 2; run++)
		{
			/* every holder has rows: the same cells are released */
			for (g = 0; g < cs.nk; g++)
				for (i = 0; i < cs.n; i++)
				{
					HELD(&cs, i, g) = run == 0 ? true : (i == (int) (g % 3) || i == 4);
					ROWS(&cs, i, g, 0) = 1;
				}
			trace_log = &logs[run];
			check(run_case(&cs, res, &st[run]), "union opens, run %d: %s", run, st[run].error);
			if (run == 1)
				check_result(&cs, 0, &res[0], "union opens");
			for (i = 0; i < cs.n; i++)
				pfree(res[i].data);
		}
		trace_log = NULL;
		smpc_batch_trace = NULL;
		check(logs[0].ntables == logs[1].ntables && logs[0].ntables > 0,
			  "union opens %d keys: as many tables (%d, %d)", nks[r], logs[0].ntables, logs[1].ntables);
		for (q = 0; q < Min(logs[0].ntables, logs[1].ntables); q++)
			same &= logs[0].len[q] == logs[1].len[q] &&
				memcmp(logs[0].pattern[q], logs[1].pattern[q], logs[0].len[q] / 3) == 0;
		check(same, "union opens %d keys: the same slots occupied whoever holds the keys", nks[r]);
		for (i = 0; i < cs.n; i++)
			check(st[0].bytes_of[i] == st[1].bytes_of[i] && st[0].bytes_of[i] == st[0].bytes_of[0],
				  "union opens %d keys: member %d sends as many bytes (%lld, %lld)", nks[r], i,
				  (long long) st[0].bytes_of[i], (long long) st[1].bytes_of[i]);
		printf("# union opens %d keys: %d tables\n", nks[r], logs[0].ntables);
		for (run = 0; run < 2; run++)
			for (q = 0; q < logs[run].ntables; q++)
				pfree(logs[run].pattern[q]);
		case_free(&cs);
	}
}

int
main(int argc, char **argv)
{
	uint64		seed;
	int			p,
				f;

	seed = argc > 1 ? strtoull(argv[1], NULL, 10) : (uint64) time(NULL);
	printf("# seed %llu\n", (unsigned long long) seed);
	sim_init(seed);
	group_start = sim_now();

	p = npassed, f = nfailed;
	test_bad_inputs();
	group("bad inputs and settings are refused", p, f);
	p = npassed, f = nfailed;
	test_refusals();
	group("malformed vectors are refused", p, f);
	p = npassed, f = nfailed;
	test_empty();
	group("no keys, a member without keys", p, f);
	p = npassed, f = nfailed;
	test_modes();
	group("every kind, union and declared, n = 3, 5, 8", p, f);
	p = npassed, f = nfailed;
	test_order();
	group("minimum and maximum", p, f);
	p = npassed, f = nfailed;
	test_union_opens();
	group("union mode opens nothing that depends on the holders", p, f);
	p = npassed, f = nfailed;
	test_garbage();
	group("garbage from a peer", p, f);
	p = npassed, f = nfailed;
	test_many();
	group("10000 keys", p, f);

	printf("unit: batch, %d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
