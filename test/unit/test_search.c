/*-------------------------------------------------------------------------
 *
 * test_search.c
 *	  Unit tests of order statistics and the clearing price (src/search.c):
 *	  n members simulated in one process, every member's result against
 *	  the plain computation over the pooled data (percentiles picked as
 *	  PostgreSQL's orderedsetaggs.c picks them, the clearing price by its
 *	  definition), release tests, what the members open, malformed inputs
 *	  and vectors, and members that search for something else.
 *
 * Usage: test_search [seed].  The randomness (libsodium's, the data and
 * the order of deliveries) comes from the seed, printed first.  The last
 * line is "unit: search, N passed, M failed"; the exit status is non-zero
 * on any failure.
 *
 * sources: src/search.c src/batch.c src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

#include <math.h>
#include <stdarg.h>

#include "batch.h"
#include "search.h"
#include "smpc.h"

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

#define TMAXN	8
#define TMAXI	4
#define TMAXQ	8

/* --- cases ------------------------------------------------------------------ */

typedef struct Case
{
	int			n,
				t,
				m,
				k;
	uint8		what;
	uint8		flags;
	int			ninst;
	/* ORDER */
	int			nq;
	uint8		mode[TMAXQ];
	double		frac[TMAXQ];
	int128	   *vals[TMAXN][TMAXI]; /* each member's rows, any order */
	int			nvals[TMAXN][TMAXI];
	/* CLEARING: per member and instance, bids */
	int			ngrid;
	int			nbids[TMAXN][TMAXI];
	int128	   *bprice[TMAXN][TMAXI];	/* as grid indexes 0..ngrid+1 */
	int128	   *bqty[TMAXN][TMAXI];
	bool	   *bbuy[TMAXN][TMAXI];
	/* a member that asks for something else: its fraction 0 is this */
	int			odd_member;
	double		odd_frac;
} Case;

static void
put_be(StringInfo s, uint128 v, int len)
{
	smpc_batch_put_be(s, v, len);
}

static int
i128_cmp(const void *a, const void *b)
{
	int128		x = *(const int128 *) a,
				y = *(const int128 *) b;

	return x < y ? -1 : x > y;
}

static void
case_input(const Case *cs, int i, StringInfo s)
{
	int			x,
				q,
				g,
				v;

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, cs->what, 1);
	put_be(s, cs->flags, 1);
	put_be(s, cs->ninst, 2);
	for (x = 0; x < cs->ninst; x++)
	{
		if (cs->what == SMPC_SEARCH_ORDER)
		{
			int			nv = cs->nvals[i][x];
			int128	   *sorted = palloc(sizeof(int128) * Max(nv, 1));
			int			nd = 0;
			StringInfoData keys;

			put_be(s, cs->nq, 2);
			for (q = 0; q < cs->nq; q++)
			{
				double		f = (i == cs->odd_member && q == 0) ? cs->odd_frac : cs->frac[q];
				uint64		bits;

				memcpy(&bits, &f, 8);
				put_be(s, cs->mode[q], 1);
				put_be(s, bits, 8);
			}
			memcpy(sorted, cs->vals[i][x], sizeof(int128) * nv);
			qsort(sorted, nv, sizeof(int128), i128_cmp);
			initStringInfo(&keys);
			for (v = 0; v < nv;)
			{
				int			e = v;

				while (e < nv && sorted[e] == sorted[v])
					e++;
				smpc_search_put_key(&keys, v == 0, v == 0 ? 0 : sorted[v - 1], sorted[v], e - v);
				nd++;
				v = e;
			}
			put_be(s, nd, 4);
			appendBinaryStringInfo(s, keys.data, keys.len);
			pfree(keys.data);
			pfree(sorted);
		}
		else
		{
			put_be(s, cs->nbids[i][x], 8);
			put_be(s, cs->ngrid, 4);
			for (g = 0; g < cs->ngrid; g++)
			{
				int128		d = 0,
							sp = 0;

				for (v = 0; v < cs->nbids[i][x]; v++)
				{
					if (cs->bbuy[i][x][v] && cs->bprice[i][x][v] >= g)
						d += cs->bqty[i][x][v];
					if (!cs->bbuy[i][x][v] && cs->bprice[i][x][v] <= g)
						sp += cs->bqty[i][x][v];
				}
				put_be(s, (uint128) d, 16);
				put_be(s, (uint128) sp, 16);
			}
		}
	}
}

/* --- running ------------------------------------------------------------------ */

typedef struct Trace
{
	int			nbits;
	smpc_fe		bits[20000];
	int			ncount;
	smpc_fe		count[TMAXI];
} Trace;

static Trace traces[TMAXN];

/* What the release tests' batch opens as sums, at every member. */
static int	batch_sums_nonzero = 0;
static int	batch_sums = 0;

static void
batch_hook(int self, const char *what, const smpc_fe *opened, int nopened)
{
	int			i;

	if (strcmp(what, "sums") != 0)
		return;
	for (i = 0; i < nopened; i++)
	{
		batch_sums++;
		batch_sums_nonzero += opened[i] != 0;
	}
}

static void
trace_hook(int self, const char *what, const smpc_fe *opened, int nopened)
{
	Trace	   *t = &traces[self];
	int			i;

	if (strcmp(what, "bits") == 0)
		for (i = 0; i < nopened && t->nbits < 20000; i++)
			t->bits[t->nbits++] = opened[i];
	else if (strcmp(what, "count") == 0)
		for (i = 0; i < nopened && i < TMAXI; i++)
			t->count[t->ncount++] = opened[i];
}

typedef struct RunStats
{
	int			rounds;
	int			steps;
	int64		comparisons;
	double		seconds;
	char		error[256];
} RunStats;

/*
 * Run every member in lock step, delivering in a random order.  With
 * bad_round > 0, member 1's vector to member 0 in that round is first
 * tampered with (once cut short, once a non-reduced element), both of
 * which must be refused without harm.
 */
static bool
run_case(const Case *cs, StringInfoData *res, RunStats *st, int bad_round)
{
	SmpcSearch *ss[TMAXN];
	SmpcBatchSettings set;
	StringInfoData in;
	int			order[TMAXN * TMAXN];
	int			i,
				j,
				p;
	bool		ok = false;
	double		t0 = sim_now();

	memset(st, 0, sizeof(*st));
	memset(traces, 0, sizeof(traces));
	for (i = 0; i < cs->n; i++)
		initStringInfo(&res[i]);
	memset(&set, 0, sizeof(set));
	set.n = cs->n;
	set.degree = cs->t;
	set.min_parties = cs->m;
	set.min_cell_count = cs->k;
	memset(set.seed, 7, 32);
	for (i = 0; i < cs->n; i++)
	{
		const char *why = NULL;

		set.self = i;
		case_input(cs, i, &in);
		ss[i] = smpc_search_start(&set, (const uint8 *) in.data, in.len, &why);
		pfree(in.data);
		if (ss[i] == NULL)
		{
			snprintf(st->error, sizeof(st->error), "member %d: start refused: %s", i, why);
			while (--i >= 0)
				smpc_search_free(ss[i]);
			return false;
		}
	}
	for (;;)
	{
		int			round = smpc_search_round(ss[0]);
		int			np = 0;
		const char *why = NULL;

		for (i = 0; i < cs->n; i++)
			if (smpc_search_failed(ss[i], &why))
			{
				snprintf(st->error, sizeof(st->error), "member %d failed: %s", i, why);
				goto out;
			}
		if (smpc_search_done(ss[0]))
		{
			ok = true;
			for (i = 1; i < cs->n; i++)
				ok &= smpc_search_done(ss[i]);
			if (!ok)
				snprintf(st->error, sizeof(st->error), "members disagree on the end");
			break;
		}
		if (++st->rounds > 2000)
		{
			snprintf(st->error, sizeof(st->error), "no end after 2000 rounds");
			break;
		}
		for (i = 0; i < cs->n; i++)
			if (smpc_search_round(ss[i]) != round)
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

			smpc_search_outgoing(ss[from], to, &v, &len);
			if (bad_round == round && from == 1 && to == 0 && len > 0)
			{
				smpc_fe    *copy = palloc(sizeof(smpc_fe) * len);

				memcpy(copy, v, sizeof(smpc_fe) * len);
				check(!smpc_search_incoming(ss[0], 1, round, copy, len - 1, &why),
					  "round %d: a short vector is refused", round);
				copy[len - 1] = SMPC_FIELD_P;
				check(!smpc_search_incoming(ss[0], 1, round, copy, len, &why),
					  "round %d: a non-reduced element is refused", round);
				check(!smpc_search_incoming(ss[0], 1, round + 1, v, len, &why),
					  "round %d: a vector for another round is refused", round);
				check(!smpc_search_incoming(ss[0], 0, round, v, len, &why),
					  "round %d: a vector from oneself is refused", round);
				pfree(copy);
			}
			if (smpc_search_failed(ss[from], NULL) || smpc_search_failed(ss[to], NULL))
				continue;		/* a member that failed sends nothing more */
			if (!smpc_search_incoming(ss[to], from, round, v, len, &why) &&
				!smpc_search_failed(ss[to], NULL))
			{
				snprintf(st->error, sizeof(st->error), "round %d: %d refused %d: %s",
						 round, to, from, why);
				goto out;
			}
			if (bad_round == round && from == 1 && to == 0 && len > 0)
				check(!smpc_search_incoming(ss[0], 1, round, v, len, &why),
					  "round %d: a second vector is refused", round);
		}
		for (i = 0; i < cs->n; i++)
			smpc_search_advance(ss[i]);
	}
out:
	st->steps = smpc_search_steps(ss[0]);
	st->comparisons = smpc_search_comparisons(ss[0]);
	st->seconds = sim_now() - t0;
	for (i = 0; i < cs->n; i++)
	{
		if (ok)
			smpc_search_result(ss[i], &res[i]);
		smpc_search_free(ss[i]);
	}
	return ok;
}

/* --- expected results ---------------------------------------------------------- */

typedef struct Rd
{
	const uint8 *p;
	size_t		left;
	bool		ok;
} Rd;

static uint128
rd(Rd *r, int len)
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

static int
contributors(const Case *cs, int x)
{
	int			i,
				c = 0;

	for (i = 0; i < cs->n; i++)
		c += (cs->what == SMPC_SEARCH_ORDER ? cs->nvals[i][x] : cs->nbids[i][x]) > 0;
	return c;
}

static int64
pooled_rows(const Case *cs, int x)
{
	int			i;
	int64		c = 0;

	for (i = 0; i < cs->n; i++)
		c += cs->what == SMPC_SEARCH_ORDER ? cs->nvals[i][x] : cs->nbids[i][x];
	return c;
}

/*
 * The release tests of a single computation: enough contributors, and
 * neither the row count nor that count less any member's own in 1 .. k - 1.
 */
static int
expected_status(const Case *cs, int x)
{
	int64		T = pooled_rows(cs, x);
	int			i;

	if (contributors(cs, x) < cs->m)
		return SMPC_BATCH_FEW_PARTIES;
	if (T >= 1 && T < cs->k)
		return SMPC_BATCH_SMALL_CELL;
	for (i = 0; i < cs->n; i++)
	{
		int64		own = cs->what == SMPC_SEARCH_ORDER ? cs->nvals[i][x] : cs->nbids[i][x];

		if (T - own >= 1 && T - own < cs->k)
			return SMPC_BATCH_SMALL_CELL;
	}
	return SMPC_BATCH_RELEASED;
}

static bool
check_result(const Case *cs, int who, StringInfo res, const char *name)
{
	Rd			r = {(const uint8 *) res->data, (size_t) res->len, true};
	int			x,
				q;
	bool		ok = true;

	ok &= check(rd(&r, 1) == cs->what && rd(&r, 2) == (uint128) cs->ninst,
				"%s: member %d: the result's header", name, who);
	for (x = 0; x < cs->ninst && ok; x++)
	{
		int			status = (int) rd(&r, 1);

		ok &= check(status == expected_status(cs, x), "%s: member %d, instance %d: status %d, expected %d",
					name, who, x, status, expected_status(cs, x));
		if (status != SMPC_BATCH_RELEASED)
			continue;
		if (cs->what == SMPC_SEARCH_ORDER)
		{
			int64		N = pooled_rows(cs, x);
			int128	   *all = palloc(sizeof(int128) * Max(N, 1));
			int64		c = 0;
			int			i;

			for (i = 0; i < cs->n; i++)
			{
				memcpy(all + c, cs->vals[i][x], sizeof(int128) * cs->nvals[i][x]);
				c += cs->nvals[i][x];
			}
			qsort(all, N, sizeof(int128), i128_cmp);
			ok &= check((int64) rd(&r, 8) == N, "%s: member %d: N", name, who);
			ok &= check(rd(&r, 2) == (uint128) cs->nq, "%s: member %d: queries", name, who);
			for (q = 0; q < cs->nq && ok; q++)
			{
				int			found = (int) rd(&r, 1);
				int128		lo = (int128) rd(&r, 16),
							hi = (int128) rd(&r, 16);
				int128		elo = 0,
							ehi = 0;
				double		f = cs->frac[q];

				if (N > 0 && cs->mode[q] == SMPC_SEARCH_DISC)
				{
					int64		rownum = (int64) ceil(f * N);

					elo = ehi = all[Max(rownum, 1) - 1];
				}
				else if (N > 0)
				{
					double		pos = f * (N - 1);

					elo = all[(int64) floor(pos)];
					ehi = all[(int64) ceil(pos)];
				}
				ok &= check(found == (N > 0) && lo == elo && hi == ehi,
							"%s: member %d, instance %d, fraction %g (%s): got %d (%lld, %lld), expected (%lld, %lld)",
							name, who, x, f, cs->mode[q] == SMPC_SEARCH_DISC ? "disc" : "cont", found,
							(long long) lo, (long long) hi, (long long) elo, (long long) ehi);
			}
			pfree(all);
		}
		else
		{
			int			found = (int) rd(&r, 1);
			int			idx = (int) rd(&r, 4);
			int			hasv = (int) rd(&r, 1);
			int128		vol = (int128) rd(&r, 16);
			int			g,
						eidx = -1;
			int128		evol = 0;

			for (g = 0; g < cs->ngrid && eidx < 0; g++)
			{
				int128		d = 0,
							sp = 0;
				int			i,
							v;

				for (i = 0; i < cs->n; i++)
					for (v = 0; v < cs->nbids[i][x]; v++)
					{
						if (cs->bbuy[i][x][v] && cs->bprice[i][x][v] >= g)
							d += cs->bqty[i][x][v];
						if (!cs->bbuy[i][x][v] && cs->bprice[i][x][v] <= g)
							sp += cs->bqty[i][x][v];
					}
				if (sp >= d)
				{
					eidx = g;
					evol = Min(d, sp);
				}
			}
			ok &= check(found == (eidx >= 0) && (eidx < 0 || idx == eidx),
						"%s: member %d, instance %d: clearing index %d (found %d), expected %d",
						name, who, x, idx, found, eidx);
			if (cs->flags & SMPC_SEARCH_VOLUME)
				ok &= check(hasv == (eidx >= 0) && vol == evol,
							"%s: member %d: volume %lld, expected %lld", name, who,
							(long long) vol, (long long) evol);
			else
				ok &= check(hasv == 0 && vol == 0, "%s: member %d: no volume", name, who);
		}
	}
	ok &= check(r.ok && r.left == 0, "%s: member %d: the result's length", name, who);
	return ok;
}

static bool
run_and_check(const Case *cs, const char *name, RunStats *st)
{
	StringInfoData res[TMAXN];
	int			i;
	bool		ok;

	ok = check(run_case(cs, res, st, 0), "%s: %s", name, st->error);
	if (ok)
		for (i = 0; i < cs->n; i++)
			if (!check_result(cs, i, &res[i], name))
			{
				ok = false;
				break;
			}
	for (i = 0; i < cs->n; i++)
		pfree(res[i].data);
	return ok;
}

/* --- data ------------------------------------------------------------------------ */

static int128
rand_range(int128 lo, int128 hi)
{
	uint128		span = (uint128) (hi - lo) + 1;
	uint128		x = ((uint128) sim_next() << 64) | sim_next();

	return lo + (int128) (span == 0 ? x : x % span);
}

static void
case_free(Case *cs)
{
	int			i,
				x;

	for (i = 0; i < TMAXN; i++)
		for (x = 0; x < TMAXI; x++)
		{
			if (cs->vals[i][x])
				pfree(cs->vals[i][x]);
			if (cs->bprice[i][x])
			{
				pfree(cs->bprice[i][x]);
				pfree(cs->bqty[i][x]);
				pfree(cs->bbuy[i][x]);
			}
		}
	memset(cs, 0, sizeof(*cs));
}

static void
case_init(Case *cs, int n, uint8 what)
{
	memset(cs, 0, sizeof(*cs));
	cs->n = n;
	cs->t = (n - 1) / 2;
	cs->m = 2;
	cs->k = 1;
	cs->what = what;
	cs->ninst = 1;
	cs->odd_member = -1;
}

/* Rows of member i, instance x: count values in [lo, hi]. */
static void
fill_vals(Case *cs, int i, int x, int count, int128 lo, int128 hi)
{
	int			v;

	cs->nvals[i][x] = count;
	cs->vals[i][x] = palloc(sizeof(int128) * Max(count, 1));
	for (v = 0; v < count; v++)
		cs->vals[i][x][v] = rand_range(lo, hi);
}

static void
fill_bids(Case *cs, int i, int x, int count, int64 maxqty)
{
	int			v;

	cs->nbids[i][x] = count;
	cs->bprice[i][x] = palloc(sizeof(int128) * Max(count, 1));
	cs->bqty[i][x] = palloc(sizeof(int128) * Max(count, 1));
	cs->bbuy[i][x] = palloc(sizeof(bool) * Max(count, 1));
	for (v = 0; v < count; v++)
	{
		cs->bbuy[i][x][v] = sim_below(2) == 0;
		/* prices just beyond the grid too */
		cs->bprice[i][x][v] = rand_range(-1, cs->ngrid);
		cs->bqty[i][x][v] = rand_range(1, maxqty);
	}
}

static void
std_queries(Case *cs)
{
	static const double fr[] = {0.0, 1.0, 0.5, 0.25, 0.75, 0.9, 0.1, 0.333};
	int			q;

	cs->nq = 8;
	for (q = 0; q < cs->nq; q++)
	{
		cs->mode[q] = (q % 2 == 0) ? SMPC_SEARCH_DISC : SMPC_SEARCH_CONT;
		cs->frac[q] = fr[q];
	}
}

/* --- the tests --------------------------------------------------------------------- */

static void
test_order_random(void)
{
	static const int ns[] = {3, 5, 8};
	int			c;

	for (c = 0; c < 24; c++)
	{
		Case		cs;
		RunStats	st;
		int			i;
		int128		span;
		char		name[64];

		case_init(&cs, ns[c % 3], SMPC_SEARCH_ORDER);
		std_queries(&cs);
		if (c % 4 == 3)
		{
			/* random fractions, one mode each */
			for (i = 0; i < cs.nq; i++)
				cs.frac[i] = (double) sim_below(1000001) / 1000000.0;
		}
		/* small domains (many duplicates), negative, wide, the key limits */
		span = c % 6 == 0 ? 3 : c % 6 == 1 ? 1000 : c % 6 == 2 ? ((int128) 1) << 40 :
			c % 6 == 3 ? ((int128) 1) << 70 : c % 6 == 4 ? 0 : (((int128) 1) << 79) - 2;
		for (i = 0; i < cs.n; i++)
		{
			int			cnt = (i == 1 && c % 5 == 0) ? 0 : (int) sim_below(60) + (c % 7 == 0 ? 1000 : 1);
			int128		lo = (c % 6 == 5) ? -(((int128) 1) << 79) + 1 : -span / 2 + 17;

			fill_vals(&cs, i, 0, cnt, lo, lo + (c % 6 == 5 ? span * 2 : span));
		}
		snprintf(name, sizeof(name), "order case %d (n = %d)", c, cs.n);
		run_and_check(&cs, name, &st);
		case_free(&cs);
	}
}

static void
test_order_edges(void)
{
	Case		cs;
	RunStats	st;
	int			i;

	/* two rows in all; then one (withheld: one contributor) */
	case_init(&cs, 3, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	fill_vals(&cs, 0, 0, 0, 0, 0);
	fill_vals(&cs, 1, 0, 1, -5, -5);
	fill_vals(&cs, 2, 0, 1, 9, 9);
	run_and_check(&cs, "two rows", &st);
	cs.nvals[2][0] = 0;
	run_and_check(&cs, "one row", &st);
	case_free(&cs);

	/* no rows anywhere: withheld (no contributors) */
	case_init(&cs, 3, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	for (i = 0; i < 3; i++)
		fill_vals(&cs, i, 0, 0, 0, 0);
	run_and_check(&cs, "no rows anywhere", &st);
	case_free(&cs);

	/* all equal, duplicates across members */
	case_init(&cs, 5, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	for (i = 0; i < 5; i++)
		fill_vals(&cs, i, 0, 7, 42, 42);
	run_and_check(&cs, "all equal", &st);
	case_free(&cs);

	/* the extreme keys */
	case_init(&cs, 3, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	for (i = 0; i < 3; i++)
	{
		fill_vals(&cs, i, 0, 2, 0, 0);
		cs.vals[i][0][0] = SMPC_ORDER_NONE_MAX + 1;
		cs.vals[i][0][1] = SMPC_ORDER_NONE_MIN - 1;
	}
	run_and_check(&cs, "the extreme keys", &st);
	case_free(&cs);

	/* release tests: too few contributors, a small cell, several instances */
	case_init(&cs, 5, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	cs.ninst = 4;
	cs.m = 3;
	cs.k = 10;
	for (i = 0; i < 5; i++)
	{
		fill_vals(&cs, i, 0, 5, -100, 100); /* released */
		fill_vals(&cs, i, 1, i < 2 ? 9 : 0, 0, 9);	/* two contributors */
		fill_vals(&cs, i, 2, i < 3 ? 3 : 0, 0, 9);	/* 9 rows: small */
		fill_vals(&cs, i, 3, i == 4 ? 50 : 1, 1000, 2000);	/* 54 less 50: small */
	}
	run_and_check(&cs, "release tests over four instances", &st);
	case_free(&cs);
}

/*
 * What is opened depends on N and the results alone: two pooled data sets
 * with the same N and the same order statistics at the ranks asked for,
 * spread over the members differently and with different other values,
 * open the same bits.
 */
static void
test_opens(void)
{
	Case		a,
				b;
	RunStats	st;
	Trace		ta;
	int			i,
				v;

	case_init(&a, 3, SMPC_SEARCH_ORDER);
	a.nq = 1;
	a.mode[0] = SMPC_SEARCH_DISC;
	a.frac[0] = 0.5;
	case_init(&b, 3, SMPC_SEARCH_ORDER);
	b.nq = 1;
	b.mode[0] = SMPC_SEARCH_DISC;
	b.frac[0] = 0.5;
	/* 21 rows; the median (rank 11) is 500 in both */
	fill_vals(&a, 0, 0, 10, 0, 0);
	fill_vals(&a, 1, 0, 6, 0, 0);
	fill_vals(&a, 2, 0, 5, 0, 0);
	fill_vals(&b, 0, 0, 3, 0, 0);
	fill_vals(&b, 1, 0, 9, 0, 0);
	fill_vals(&b, 2, 0, 9, 0, 0);
	for (i = 0; i < 3; i++)
		for (v = 0; v < a.nvals[i][0]; v++)
			a.vals[i][0][v] = -1000 + 50 * (i * 10 + v);
	a.vals[1][0][0] = 500;
	for (i = 0; i < 3; i++)
		for (v = 0; v < b.nvals[i][0]; v++)
			b.vals[i][0][v] = -7;
	/* b: 10 rows below, the median, 10 above */
	b.vals[2][0][0] = 500;
	for (v = 0; v < 9; v++)
		b.vals[1][0][v] = 100000 + v;
	b.vals[2][0][1] = 999999;
	/* a: make exactly 10 below 500 and 10 above */
	for (i = 0, v = 0; i < 3; i++)
	{
		int			w;

		for (w = 0; w < a.nvals[i][0]; w++)
			if (!(i == 1 && w == 0))
				a.vals[i][0][w] = (v++ < 10) ? -3 - v : 600 + v;
	}
	run_and_check(&a, "opens: data set a", &st);
	ta = traces[0];
	run_and_check(&b, "opens: data set b", &st);
	check(ta.nbits > 0 && ta.nbits == traces[0].nbits &&
		  memcmp(ta.bits, traces[0].bits, sizeof(smpc_fe) * ta.nbits) == 0,
		  "the opened bits are the same for the same N and median (%d and %d bits)",
		  ta.nbits, traces[0].nbits);
	for (i = 1; i < 3; i++)
		check(traces[i].nbits == traces[0].nbits &&
			  memcmp(traces[i].bits, traces[0].bits, sizeof(smpc_fe) * ta.nbits) == 0,
			  "member %d opens what member 0 opens", i);
	check(ta.ncount == 1 && ta.count[0] == 21 && traces[0].count[0] == 21,
		  "the row count is opened, and nothing else of the counts");
	case_free(&a);
	case_free(&b);
}

static void
test_clearing(void)
{
	static const int ns[] = {3, 5, 8};
	int			c;

	for (c = 0; c < 12; c++)
	{
		Case		cs;
		RunStats	st;
		int			i;
		char		name[64];

		case_init(&cs, ns[c % 3], SMPC_SEARCH_CLEARING);
		cs.ngrid = c % 4 == 0 ? 1 : c % 4 == 1 ? 17 : c % 4 == 2 ? 300 : 4000;
		cs.flags = (c % 2) ? SMPC_SEARCH_VOLUME : 0;
		cs.ninst = c == 5 ? 3 : 1;
		for (i = 0; i < cs.n; i++)
		{
			int			x;

			for (x = 0; x < cs.ninst; x++)
				fill_bids(&cs, i, x, (i == 0 && c % 3 == 1) ? 0 : (int) sim_below(30) + 1,
						  c % 5 == 4 ? (((int64) 1) << 58) : 1000);
		}
		snprintf(name, sizeof(name), "clearing case %d (n = %d, %d prices)", c, cs.n, cs.ngrid);
		batch_sums = batch_sums_nonzero = 0;
		if (run_and_check(&cs, name, &st))
		{
			/* nothing of the bids is opened: the sums of zeros, no count */
			for (i = 0; i < cs.n; i++)
				check(traces[i].ncount == 0, "%s: member %d opens no count", name, i);
			check(batch_sums > 0 && batch_sums_nonzero == 0, "%s: the release tests open only zeros (%d of %d not)",
				  name, batch_sums_nonzero, batch_sums);
		}
		case_free(&cs);
	}
}

static void
test_vectors(void)
{
	Case		cs;
	StringInfoData res[TMAXN];
	RunStats	st;
	int			i,
				r;

	/* tamper in the batch's round, a share round and an engine round */
	for (r = 1; r <= 12; r += 5)
	{
		case_init(&cs, 3, SMPC_SEARCH_ORDER);
		std_queries(&cs);
		for (i = 0; i < 3; i++)
			fill_vals(&cs, i, 0, 20, -50, 50);
		check(run_case(&cs, res, &st, r), "tampered vectors in round %d: %s", r, st.error);
		for (i = 0; i < 3; i++)
		{
			if (st.error[0] == 0)
				check_result(&cs, i, &res[i], "tampered vectors");
			pfree(res[i].data);
		}
		case_free(&cs);
	}

	/* a member that asks for another fraction: the search fails, at once */
	case_init(&cs, 3, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	cs.odd_member = 2;
	cs.odd_frac = 0.4;
	for (i = 0; i < 3; i++)
		fill_vals(&cs, i, 0, 20, -50, 50);
	check(!run_case(&cs, res, &st, 0) && strstr(st.error, "failed") != NULL && st.rounds <= 2,
		  "another fraction at one member fails in round 1 (%s, %d rounds)", st.error, st.rounds);
	for (i = 0; i < 3; i++)
		pfree(res[i].data);
	case_free(&cs);
}

static void
test_bad_inputs(void)
{
	Case		cs;
	StringInfoData in;
	SmpcBatchSettings set;
	const char *why = NULL;
	SmpcSearch *s;
	uint64		bits;
	double		f;
	int			off;
	size_t		p;

	case_init(&cs, 3, SMPC_SEARCH_ORDER);
	std_queries(&cs);
	fill_vals(&cs, 0, 0, 5, 1, 3);
	case_input(&cs, 0, &in);
	check(smpc_search_check_input((const uint8 *) in.data, in.len, &why), "a good input is accepted");

	memset(&set, 0, sizeof(set));
	set.n = 2;
	set.degree = 1;
	set.min_parties = 2;
	set.min_cell_count = 1;
	s = smpc_search_start(&set, (const uint8 *) in.data, in.len, &why);
	check(s == NULL && why != NULL, "no honest majority: refused (%s)", why ? why : "");
	set.n = 3;
	set.self = 3;
	s = smpc_search_start(&set, (const uint8 *) in.data, in.len, &why);
	check(s == NULL, "a member index out of range is refused");

	/* every truncation */
	for (p = 0; p < (size_t) in.len; p++)
		if (smpc_search_check_input((const uint8 *) in.data, p, &why))
			break;
	check(p == (size_t) in.len, "every truncated input is refused");

	/* version, kind, flags */
	in.data[0] = 2;
	check(!smpc_search_check_input((const uint8 *) in.data, in.len, &why), "another version is refused");
	in.data[0] = 1;
	in.data[1] = 3;
	check(!smpc_search_check_input((const uint8 *) in.data, in.len, &why), "an unknown kind is refused");
	in.data[1] = SMPC_SEARCH_ORDER;
	in.data[2] = 1;
	check(!smpc_search_check_input((const uint8 *) in.data, in.len, &why), "flags on an order search are refused");
	in.data[2] = 0;
	/* a fraction above 1, NaN */
	off = 5 + 2 + 1;
	f = 1.5;
	memcpy(&bits, &f, 8);
	for (p = 0; p < 8; p++)
		in.data[off + p] = (char) (bits >> (56 - 8 * p));
	check(!smpc_search_check_input((const uint8 *) in.data, in.len, &why), "a fraction above 1 is refused");
	f = NAN;
	memcpy(&bits, &f, 8);
	for (p = 0; p < 8; p++)
		in.data[off + p] = (char) (bits >> (56 - 8 * p));
	check(!smpc_search_check_input((const uint8 *) in.data, in.len, &why), "a NaN fraction is refused");
	pfree(in.data);

	/* keys not increasing, a zero count, a sentinel key */
	{
		StringInfoData b;
		int			kind;

		for (kind = 0; kind < 6; kind++)
		{
			bool		ok;

			initStringInfo(&b);
			put_be(&b, 1, 1);
			put_be(&b, SMPC_SEARCH_ORDER, 1);
			put_be(&b, 0, 1);
			put_be(&b, 1, 2);
			put_be(&b, 1, 2);
			put_be(&b, SMPC_SEARCH_DISC, 1);
			put_be(&b, 0, 8);
			put_be(&b, 2, 4);
			/* the first key: -3, a sentinel, or with no rows */
			smpc_search_put_key(&b, true, 0, kind == 2 ? SMPC_ORDER_NONE_MAX : -3,
								kind == 1 ? 0 : 1);
			if (kind == 0)
				appendBinaryStringInfo(&b, "\x00\x01", 2);	/* a difference of 0 */
			else if (kind == 3)
				appendBinaryStringInfo(&b, "\x8a\x00\x01", 3);	/* 10, not shortest */
			else if (kind == 4)
				appendBinaryStringInfo(&b, "\x8a\x80", 2);	/* cut short */
			else
				smpc_search_put_key(&b, false, -3, 7, 2);
			ok = smpc_search_check_input((const uint8 *) b.data, b.len, &why);
			if (kind == 5)
				check(ok, "keys -3 and 7 are accepted");
			else
				check(!ok, "bad keys (%d) are refused: %s", kind, why ? why : "");
			pfree(b.data);
		}
		/* a grid whose demand rises */
		initStringInfo(&b);
		put_be(&b, 1, 1);
		put_be(&b, SMPC_SEARCH_CLEARING, 1);
		put_be(&b, 0, 1);
		put_be(&b, 1, 2);
		put_be(&b, 1, 8);
		put_be(&b, 2, 4);
		put_be(&b, 5, 16);
		put_be(&b, 0, 16);
		put_be(&b, 6, 16);
		put_be(&b, 0, 16);
		check(!smpc_search_check_input((const uint8 *) b.data, b.len, &why),
			  "a demand that rises along the grid is refused: %s", why ? why : "");
		pfree(b.data);
	}
	case_free(&cs);
}

/* Rounds and comparisons of the common statistics, for the README. */
static void
test_figures(void)
{
	Case		cs;
	RunStats	st;
	int			i;
	static const struct
	{
		const char *name;
		int			nq;
		double		f[4];
		uint8		mode;
		int128		lo,
					hi;
	}			fig[] = {
		{"median of integers up to 10^5", 1, {0.5}, SMPC_SEARCH_DISC, 0, 100000},
		{"P25, P50, P75, P90 of integers up to 10^5", 4, {0.25, 0.5, 0.75, 0.9}, SMPC_SEARCH_DISC, 0, 100000},
		{"percentile_cont(0.5) of integers up to 10^5", 1, {0.5}, SMPC_SEARCH_CONT, 0, 100000},
		{"median of numerics up to 10^5 (keys x 10^8)", 1, {0.5}, SMPC_SEARCH_DISC, 0, ((int128) 100000) * 100000000},
		{"median of float8 keys (64 bits)", 1, {0.5}, SMPC_SEARCH_DISC, ((int128) 1) << 62, (((int128) 1) << 63) - 1},
	};

	for (i = 0; i < (int) lengthof(fig); i++)
	{
		int			q,
					m;

		case_init(&cs, 3, SMPC_SEARCH_ORDER);
		cs.nq = fig[i].nq;
		for (q = 0; q < cs.nq; q++)
		{
			cs.mode[q] = fig[i].mode;
			cs.frac[q] = fig[i].f[q];
		}
		for (m = 0; m < 3; m++)
			fill_vals(&cs, m, 0, 300, fig[i].lo, fig[i].hi);
		if (run_and_check(&cs, fig[i].name, &st))
			printf("# %s: %d rounds, %d steps, %lld comparisons, %.1f ms simulated (3 members)\n",
				   fig[i].name, st.rounds, st.steps, (long long) st.comparisons, st.seconds * 1000);
		case_free(&cs);
	}
	for (i = 0; i < 3; i++)
	{
		int			n = i == 0 ? 3 : i == 1 ? 5 : 8,
					m;

		case_init(&cs, n, SMPC_SEARCH_CLEARING);
		cs.ngrid = 4000;
		for (m = 0; m < n; m++)
			fill_bids(&cs, m, 0, 40, 1000);
		if (run_and_check(&cs, "clearing over 4000 prices", &st))
			printf("# clearing price over 4000 prices: %d rounds, %d steps, %lld comparisons, %.1f ms simulated (%d members)\n",
				   st.rounds, st.steps, (long long) st.comparisons, st.seconds * 1000, n);
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
	smpc_search_trace = trace_hook;
	smpc_batch_trace = batch_hook;
	group_start = sim_now();

	p = npassed, f = nfailed;
	test_bad_inputs();
	group("bad inputs and settings are refused", p, f);
	p = npassed, f = nfailed;
	test_order_edges();
	group("one row, no rows, all equal, extreme keys, release tests", p, f);
	p = npassed, f = nfailed;
	test_order_random();
	group("percentiles against the pooled rows, n = 3, 5, 8", p, f);
	p = npassed, f = nfailed;
	test_opens();
	group("the opened bits depend on N and the result alone", p, f);
	p = npassed, f = nfailed;
	test_clearing();
	group("clearing price and volume against their definition", p, f);
	p = npassed, f = nfailed;
	test_vectors();
	group("malformed vectors, and a member that asks for something else", p, f);
	p = npassed, f = nfailed;
	test_figures();
	group("rounds of the common statistics", p, f);

	printf("unit: search, %d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
