/*-------------------------------------------------------------------------
 *
 * test_engine.c
 *	  Unit tests of the round engine (src/engine.c): MAX, MIN, LESS_THAN
 *	  and EQUAL against plain C on random and edge inputs, for many
 *	  numbers of participants and degrees; refusal of malformed vectors
 *	  and of bad arguments; the number of rounds.
 *
 * Usage: test_engine [seed].  The randomness (libsodium's and the order in
 * which vectors are passed) comes from the seed, printed first, so that a
 * failure can be replayed.  The last line is "unit: engine, N passed, M
 * failed"; the exit status is non-zero on any failure.
 *
 * sources: src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

#include <stdarg.h>
#include <unistd.h>

static int	npassed = 0;
static int	nfailed = 0;

static void
check(bool cond, const char *fmt,...)
{
	va_list		ap;

	if (cond)
	{
		npassed++;
		return;
	}
	nfailed++;
	printf("not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* a group of checks done: one line */
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

static char *
i128str(int128 v, char *buf)
{
	char		tmp[64];
	int			k = 0,
				o = 0;
	bool		neg = v < 0;
	uint128		u = neg ? (uint128) (-(v + 1)) + 1 : (uint128) v;

	do
	{
		tmp[k++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u > 0);
	if (neg)
		buf[o++] = '-';
	while (k > 0)
		buf[o++] = tmp[--k];
	buf[o] = '\0';
	return buf;
}

static int128
lo_of(int bits)
{
	return -(((int128) 1) << (bits - 1));
}

static int128
hi_of(int bits)
{
	return (((int128) 1) << (bits - 1)) - 1;
}

/* a value of the range, with the ends and small values often */
static int128
some_value(int bits)
{
	switch (sim_below(8))
	{
		case 0:
			return lo_of(bits);
		case 1:
			return hi_of(bits);
		case 2:
			{
				int128		v = (int128) sim_below(7) - 3;

				return Max(lo_of(bits), Min(hi_of(bits), v));
			}
		default:
			{
				uint128		u = ((uint128) sim_next() << 64) | sim_next();

				u &= (((uint128) 1) << bits) - 1;
				return (int128) u + lo_of(bits);
			}
	}
}

/* --- MAX and MIN --------------------------------------------------------- */

static void
check_max_min(int n, int t, int bits, const int128 *v, const char *what)
{
	int128		want_max = v[0],
				want_min = v[0],
				got;
	SimStats	st;
	char		b1[64],
				b2[64];
	int			i,
				k;

	for (i = 1; i < n; i++)
	{
		want_max = Max(want_max, v[i]);
		want_min = Min(want_min, v[i]);
	}
	k = sim_run(SMPC_PROG_MAX, n, t, bits, v, n, &got, 1, NULL, &st);
	check(k == 1 && got == want_max, "MAX n=%d t=%d bits=%d %s: got %s want %s (%s)",
		  n, t, bits, what, k == 1 ? i128str(got, b1) : "nothing",
		  i128str(want_max, b2), st.error);
	k = sim_run(SMPC_PROG_MIN, n, t, bits, v, n, &got, 1, NULL, &st);
	check(k == 1 && got == want_min, "MIN n=%d t=%d bits=%d %s: got %s want %s (%s)",
		  n, t, bits, what, k == 1 ? i128str(got, b1) : "nothing",
		  i128str(want_min, b2), st.error);
}

/*
 * What a member sees opened (the engine's trace hook): MAX must open the
 * same number of values in the same rounds whatever the inputs, and with
 * G groups G times what one group opens in every round; open the same
 * random values for the same randomness whoever holds each group's
 * maximum; open nothing but the results that is not masked far beyond
 * the compared width, and never an input or a difference of two inputs,
 * of one group or of two.
 */
#define VIEW_MAX_ROUNDS 64
#define VIEW_MAX_VALUES 65536

typedef struct View
{
	int			rounds;
	int			nopened[VIEW_MAX_ROUNDS];
	int			first[VIEW_MAX_ROUNDS];
	int			total;
	smpc_fe		v[VIEW_MAX_VALUES];
} View;

static View *view_now;

static void
view_trace(int self, int round, const smpc_fe *opened, int nopened)
{
	View	   *w = view_now;
	int			i;

	if (self != 0 || w == NULL || round < 1 || round > VIEW_MAX_ROUNDS)
		return;
	w->rounds = Max(w->rounds, round);
	w->first[round - 1] = w->total;
	w->nopened[round - 1] = nopened;
	for (i = 0; i < nopened && w->total < VIEW_MAX_VALUES; i++)
		w->v[w->total++] = opened[i];
}

static void
run_view(uint64 seed, int n, int t, int bits, const int128 *v, int ngroups, View *w)
{
	SimStats	st;
	int128	   *got = palloc(ngroups * sizeof(int128));

	memset(w, 0, sizeof(*w));
	sim_seed(seed);
	fe_random_wipe();
	view_now = w;
	smpc_engine_trace = view_trace;
	sim_run(SMPC_PROG_MAX, n, t, bits, v, ngroups * n, got, ngroups, NULL, &st);
	smpc_engine_trace = NULL;
	view_now = NULL;
	pfree(got);
}

static void
test_view(int n, int t, int bits, int ngroups)
{
	int			total = ngroups * n;
	int128	   *a = palloc(total * sizeof(int128)),
			   *b = palloc(total * sizeof(int128));
	View	   *wa = palloc0(sizeof(View)),
			   *wb = palloc0(sizeof(View)),
			   *w1 = palloc0(sizeof(View));
	uint64		seed = sim_next();
	int			g,
				i,
				j,
				k,
				r,
				last,
				p0 = npassed,
				f0 = nfailed;
	bool		same_pattern = true,
				per_group = true,
				random_same = true,
				results = true,
				masked = true,
				no_input = true;
	int			random_rounds = 0;
	smpc_fe		floor_mask = ((smpc_fe) 1) << (bits + 8);

	/*
	 * Group g's maximum, 100000 + g, at its first member, then moved by
	 * 1 + g % (n - 1) places; the others shuffled alike.
	 */
	for (g = 0; g < ngroups; g++)
	{
		int			shift = 1 + g % (n - 1);

		for (i = 0; i < n; i++)
			a[g * n + i] = (int128) sim_below(1000) - 500;
		a[g * n] = 100000 + g;
		for (i = 0; i < n; i++)
			b[g * n + i] = a[g * n + (i + shift) % n];
	}
	run_view(seed, n, t, bits, a, ngroups, wa);
	run_view(seed, n, t, bits, b, ngroups, wb);
	run_view(seed, n, t, bits, a, 1, w1);

	check(wa->rounds > 1 && wa->rounds == wb->rounds && wa->rounds == w1->rounds,
		  "view n=%d G=%d: %d and %d rounds, one group %d", n, ngroups,
		  wa->rounds, wb->rounds, w1->rounds);
	for (r = 0; r < wa->rounds; r++)
	{
		same_pattern &= wa->nopened[r] == wb->nopened[r];
		per_group &= wa->nopened[r] == ngroups * w1->nopened[r];
	}
	check(same_pattern, "view n=%d G=%d: the same number of values opened in every round",
		  n, ngroups);
	check(per_group, "view n=%d G=%d: every round opens G times what one group's opens",
		  n, ngroups);
	if (!same_pattern || wa->total >= VIEW_MAX_VALUES)
	{
		check(wa->total < VIEW_MAX_VALUES, "view n=%d G=%d: %d values opened fit",
			  n, ngroups, wa->total);
		goto done;
	}

	/* the random bits' rounds come before any compared value is opened */
	for (r = 0; r < wa->rounds - 1; r++)
	{
		bool		equal = true;

		for (k = 0; k < wa->nopened[r]; k++)
			equal &= wa->v[wa->first[r] + k] == wb->v[wb->first[r] + k];
		if (!equal)
			break;
		if (wa->nopened[r] > 0)
			random_rounds++;
	}
	random_same = random_rounds >= 1;
	check(random_same, "view n=%d G=%d: the random values' openings are the same whoever holds the maxima",
		  n, ngroups);

	/* the last round opens the results alone, in group order */
	last = wa->rounds - 1;
	results = wa->nopened[last] == ngroups && wb->nopened[last] == ngroups;
	for (g = 0; results && g < ngroups; g++)
		results &= fe_to_int(wa->v[wa->first[last] + g]) == 100000 + g &&
			fe_to_int(wb->v[wb->first[last] + g]) == 100000 + g;
	check(results, "view n=%d G=%d: the last round opens each group's maximum and nothing else",
		  n, ngroups);

	/* everything else: masked beyond the compared width, never an input */
	for (k = 0; k < wa->first[last]; k++)
	{
		smpc_fe		x = wa->v[k];

		masked &= x >= floor_mask;
		for (i = 0; i < total; i++)
		{
			no_input &= x != fe_from_int(a[i]);
			for (j = 0; j < total; j++)
				no_input &= i == j || x != fe_from_int(a[i] - a[j]);
		}
	}
	check(masked, "view n=%d G=%d: every value opened before the results is at least 2^%d",
		  n, ngroups, bits + 8);
	check(no_input, "view n=%d G=%d: no input and no difference of inputs is opened",
		  n, ngroups);
done:
	pfree(wa);
	pfree(wb);
	pfree(w1);
	pfree(a);
	pfree(b);
	printf("# view n=%d t=%d G=%d: %d checks passed, %d failed\n", n, t, ngroups,
		   npassed - p0, nfailed - f0);
}

static void
test_max_min(int n, int t, int bits, int nrandom)
{
	int128		v[64] = {0};
	int			i,
				r,
				p0 = npassed,
				f0 = nfailed;
	char		name[128];

	for (i = 0; i < n; i++)
		v[i] = lo_of(bits);
	check_max_min(n, t, bits, v, "all at the low end");
	for (i = 0; i < n; i++)
		v[i] = hi_of(bits);
	check_max_min(n, t, bits, v, "all at the high end");
	for (i = 0; i < n; i++)
		v[i] = 0;
	check_max_min(n, t, bits, v, "all zero");
	for (i = 0; i < n; i++)
		v[i] = (i % 2) ? lo_of(bits) : hi_of(bits);
	check_max_min(n, t, bits, v, "both ends");
	for (i = 0; i < n; i++)
		v[i] = (i == n - 1) ? hi_of(bits) : lo_of(bits);
	check_max_min(n, t, bits, v, "high end last");
	for (i = 0; i < n; i++)
		v[i] = (i == n - 1) ? lo_of(bits) : hi_of(bits);
	check_max_min(n, t, bits, v, "low end last");
	for (i = 0; i < n; i++)
		v[i] = Max(lo_of(bits), -1 - (int128) sim_below(1000));
	check_max_min(n, t, bits, v, "negative");

	for (r = 0; r < nrandom; r++)
	{
		int128		x = some_value(bits);

		for (i = 0; i < n; i++)
			v[i] = some_value(bits);
		/* the same value at several participants, sometimes the extreme */
		if (r % 3 == 0)
			for (i = 0; i < n; i += 2)
				v[i] = x;
		if (r % 5 == 1)
			for (i = 0; i < n; i++)
				v[i] = x;
		check_max_min(n, t, bits, v, "random");
	}
	snprintf(name, sizeof(name), "MAX and MIN, n=%d degree=%d bits=%d", n, t, bits);
	group(name, p0, f0);
}

/* --- MAX and MIN of many groups at once ---------------------------------- */

/*
 * The largest number of groups one MAX or MIN program takes: at 80 bits
 * for n = 3, 5 and 8, as engine.h states it, and around the widest values
 * with which 1000 groups fit at n = 5 (51 bits) and 8 (18 bits), and
 * 10000 at n = 3 (16 bits).
 */
static const struct
{
	int			n;
	int			bits;
	int			most;
}			group_limits[] =
{
	{3, 80, 2166},
	{5, 80, 650},
	{8, 80, 232},
	{5, 51, 1017},
	{5, 52, 997},
	{8, 18, 1011},
	{8, 19, 959},
	{3, 16, 10485},
	{3, 17, 9892}
};

/* fill one group's n values with one of several shapes */
static void
fill_group(int128 *v, int n, int bits, int shape)
{
	int128		x = some_value(bits);
	int			i,
				at = (int) sim_below(n),
				at2 = (int) sim_below(n);

	for (i = 0; i < n; i++)
		v[i] = some_value(bits);
	switch (shape % 8)
	{
		case 0:
			break;
		case 1:					/* all equal */
			for (i = 0; i < n; i++)
				v[i] = x;
			break;
		case 2:					/* every other one equal, maybe an extreme */
			for (i = 0; i < n; i += 2)
				v[i] = x;
			break;
		case 3:					/* the high end twice */
			v[at] = v[at2] = hi_of(bits);
			break;
		case 4:					/* all negative, small */
			for (i = 0; i < n; i++)
				v[i] = Max(lo_of(bits), -1 - (int128) sim_below(1000));
			break;
		case 5:					/* the low end everywhere but one */
			for (i = 0; i < n; i++)
				v[i] = (i == at) ? hi_of(bits) : lo_of(bits);
			break;
		case 6:					/* the high end everywhere but one */
			for (i = 0; i < n; i++)
				v[i] = (i == at) ? lo_of(bits) : hi_of(bits);
			break;
		case 7:					/* both ends, the low end twice */
			v[at] = v[at2] = lo_of(bits);
			v[(at + 1) % n] = hi_of(bits);
			break;
	}
}

/*
 * MAX and MIN of ngroups groups of n values in one program each: every
 * group's result in group order, in the rounds of one group ("rounds").
 */
static void
check_groups(int n, int t, int bits, int ngroups, const int128 *v, int rounds,
			 const char *what)
{
	int			total = ngroups * n;
	int128	   *got = palloc(ngroups * sizeof(int128));
	SimStats	st;
	int			p,
				g,
				i,
				k,
				bad;
	char		b1[64],
				b2[64];

	for (p = 0; p < 2; p++)
	{
		SmpcEngineProgram prog = p == 0 ? SMPC_PROG_MAX : SMPC_PROG_MIN;
		const char *name = p == 0 ? "MAX" : "MIN";

		memset(got, 0, ngroups * sizeof(int128));
		k = sim_run(prog, n, t, bits, v, total, got, ngroups, NULL, &st);
		check(k == ngroups, "%s of %d groups n=%d t=%d bits=%d %s: %d results (%s)",
			  name, ngroups, n, t, bits, what, k, st.error);
		if (k != ngroups)
			continue;
		bad = 0;
		for (g = 0; g < ngroups; g++)
		{
			const int128 *w = v + (size_t) g * n;
			int128		want = w[0];

			for (i = 1; i < n; i++)
				want = (p == 0) ? Max(want, w[i]) : Min(want, w[i]);
			if (got[g] != want && bad++ < 3)
				check(false, "%s of %d groups n=%d t=%d bits=%d %s: group %d got %s want %s",
					  name, ngroups, n, t, bits, what, g, i128str(got[g], b1),
					  i128str(want, b2));
		}
		check(bad == 0, "%s of %d groups n=%d t=%d bits=%d %s: %d groups wrong",
			  name, ngroups, n, t, bits, what, bad);
		check(st.rounds == rounds, "%s of %d groups n=%d t=%d bits=%d: %d rounds, one group takes %d",
			  name, ngroups, n, t, bits, st.rounds, rounds);
	}
	pfree(got);
}

/* the rounds of MAX over one group */
static int
one_group_rounds(int n, int t, int bits)
{
	int128		v[64] = {0},
				got;
	SimStats	st;
	int			i;

	for (i = 0; i < n; i++)
		v[i] = some_value(bits);
	sim_run(SMPC_PROG_MAX, n, t, bits, v, n, &got, 1, NULL, &st);
	return st.rounds;
}

static void
test_groups(int n, int t, int bits, int ngroups)
{
	int128	   *v = palloc((size_t) ngroups * n * sizeof(int128));
	int			rounds = one_group_rounds(n, t, bits);
	int			g,
				p0 = npassed,
				f0 = nfailed;
	char		name[128];

	/* every shape, in a shuffled order */
	for (g = 0; g < ngroups; g++)
		fill_group(v + (size_t) g * n, n, bits, (int) sim_below(8));
	check_groups(n, t, bits, ngroups, v, rounds, "random shapes");
	if (ngroups <= 8 && n <= 8)
	{
		/* the same shape in every group, each shape in turn */
		int			shape;

		for (shape = 1; shape < 8; shape++)
		{
			for (g = 0; g < ngroups; g++)
				fill_group(v + (size_t) g * n, n, bits, shape);
			check_groups(n, t, bits, ngroups, v, rounds, "one shape");
		}
	}
	snprintf(name, sizeof(name), "MAX and MIN of %d groups, n=%d degree=%d bits=%d, %d rounds",
			 ngroups, n, t, bits, rounds);
	group(name, p0, f0);
	pfree(v);
}

/*
 * The largest number of groups is taken, and refused with one more or
 * one bit wider; the first round's vector is then as long as engine.c
 * says.
 */
static void
test_group_limits(void)
{
	int			i,
				p0 = npassed,
				f0 = nfailed;

	for (i = 0; i < (int) lengthof(group_limits); i++)
	{
		int			n = group_limits[i].n,
					bits = group_limits[i].bits,
					most = group_limits[i].most,
					ncmp = n * (n - 1) / 2;
		smpc_fe    *in = palloc0((size_t) (most + 1) * n * sizeof(smpc_fe));
		const char *why = NULL;
		SmpcEngine *e;

		e = smpc_engine_start(SMPC_PROG_MAX, n, 0, 1, bits, in, (most + 1) * n, &why);
		check(e == NULL && why != NULL, "MAX of %d groups at n=%d, %d bits, accepted",
			  most + 1, n, bits);
		if (e)
			smpc_engine_free(e);
		e = smpc_engine_start(SMPC_PROG_MIN, n, 0, 1, bits + 1, in, most * n, &why);
		check(e == NULL && why != NULL, "MIN of %d groups at n=%d, %d bits, accepted",
			  most, n, bits + 1);
		if (e)
			smpc_engine_free(e);
		e = smpc_engine_start(SMPC_PROG_MIN, n, 0, 1, bits, in, most * n, &why);
		check(e != NULL, "MIN of %d groups at n=%d, %d bits, refused: %s", most, n, bits,
			  why ? why : "");
		if (e)
		{
			const smpc_fe *vec;
			int			len;

			smpc_engine_outgoing(e, 1, &vec, &len);
			check(len == most * (ncmp * (2 * bits + 1) + 1) && len <= SMPC_ENGINE_MAX_VECTOR,
				  "MIN of %d groups at n=%d, %d bits: first vector of %d elements",
				  most, n, bits, len);
			smpc_engine_free(e);
		}
		pfree(in);
	}
	group("the most groups taken, one more refused", p0, f0);
}

/* --- LESS_THAN and EQUAL ------------------------------------------------- */

static void
test_pairs(int n, int t, int bits, int nrandom)
{
	int			cap = 16 + nrandom;
	int128	   *v = palloc(2 * cap * sizeof(int128));
	int128	   *got = palloc(cap * sizeof(int128));
	int128		edges[] = {lo_of(bits), hi_of(bits), 0, -1, 1, lo_of(bits) + 1, hi_of(bits) - 1};
	int			k = 0,
				i,
				r,
				p0 = npassed,
				f0 = nfailed;
	SimStats	st;
	char		name[128],
				b1[64],
				b2[64];

	/* pairs of edge values, clamped to the range */
	for (i = 0; i < 7 && k < cap; i++)
	{
		int128		a = Max(lo_of(bits), Min(hi_of(bits), edges[i])),
					b = Max(lo_of(bits), Min(hi_of(bits), edges[(i * 3 + 1) % 7]));

		v[k] = a;
		v[cap + k] = b;
		k++;
		v[k] = a;
		v[cap + k] = a;
		k++;
	}
	for (r = 0; r < nrandom && k < cap; r++)
	{
		int128		a = some_value(bits),
					b = some_value(bits);

		if (r % 4 == 0)
			b = a;
		else if (r % 4 == 1 && a < hi_of(bits))
			b = a + 1;
		v[k] = a;
		v[cap + k] = b;
		k++;
	}
	/* inputs are a[0..k-1] then b[0..k-1] */
	memmove(v + k, v + cap, k * sizeof(int128));

	if (sim_run(SMPC_PROG_LESS_THAN, n, t, bits, v, 2 * k, got, k, NULL, &st) != k)
		check(false, "LESS_THAN n=%d t=%d bits=%d: %s", n, t, bits, st.error);
	else
		for (i = 0; i < k; i++)
			check(got[i] == (v[i] < v[k + i]), "LESS_THAN n=%d t=%d bits=%d: %s < %s gave %d",
				  n, t, bits, i128str(v[i], b1), i128str(v[k + i], b2), (int) got[i]);
	if (sim_run(SMPC_PROG_EQUAL, n, t, bits, v, 2 * k, got, k, NULL, &st) != k)
		check(false, "EQUAL n=%d t=%d bits=%d: %s", n, t, bits, st.error);
	else
		for (i = 0; i < k; i++)
			check(got[i] == (v[i] == v[k + i]), "EQUAL n=%d t=%d bits=%d: %s == %s gave %d",
				  n, t, bits, i128str(v[i], b1), i128str(v[k + i], b2), (int) got[i]);
	snprintf(name, sizeof(name), "LESS_THAN and EQUAL, n=%d degree=%d bits=%d, %d pairs",
			 n, t, bits, k);
	group(name, p0, f0);
	pfree(v);
	pfree(got);
}

/* --- malformed vectors --------------------------------------------------- */

static int	meddle_n;

static void
refused(SmpcEngine *e, int j, int round, const smpc_fe *v, int len, const char *what)
{
	const char *why = NULL;
	bool		complete = smpc_engine_round_complete(e);
	int			current = smpc_engine_round(e);
	bool		ok = smpc_engine_incoming(e, j, round, v, len, &why);

	check(!ok && why != NULL && smpc_engine_round_complete(e) == complete &&
		  smpc_engine_round(e) == current,
		  "malformed vector accepted: %s", what);
}

/* Before every real delivery, try malformed ones; after it, a duplicate. */
static void
meddle(SmpcEngine *e, int from, int to, int round, const smpc_fe *v, int len)
{
	smpc_fe    *buf = palloc((len + 2) * sizeof(smpc_fe));
	int			i;

	if (len > 0)
		memcpy(buf, v, len * sizeof(smpc_fe));
	buf[len] = 1;
	refused(e, from, round + 1, v, len, "next round");
	refused(e, from, round - 1, v, len, "previous round");
	refused(e, from, 0, v, len, "round 0");
	refused(e, from, round, buf, len + 1, "one element too many");
	if (len > 0)
	{
		refused(e, from, round, v, len - 1, "one element too few");
		refused(e, from, round, NULL, len, "no vector");
		buf[sim_below(len)] = SMPC_FIELD_P;
		refused(e, from, round, buf, len, "an element not below p");
		buf[0] = ~(uint128) 0;
		refused(e, from, round, buf, len, "an element of all ones");
	}
	refused(e, from, round, v, -1, "negative length");
	refused(e, from, round, v, INT_MAX, "huge length");
	refused(e, -1, round, v, len, "sender -1");
	refused(e, meddle_n, round, v, len, "sender n");
	refused(e, to, round, v, len, "sender is the receiver");
	refused(e, INT_MIN, round, v, len, "sender INT_MIN");
	/* random headers, never the right one */
	for (i = 0; i < 4; i++)
	{
		int			rr = (int) sim_below(2000) - 1000;
		int			jj = (int) sim_below(meddle_n + 4) - 2;
		int			ll = (int) sim_below(len + 3);

		if (rr == round && jj == from && ll == len)
			continue;
		if (rr == round && jj >= 0 && jj < meddle_n && jj != to && jj != from && ll == len)
			continue;			/* another sender's slot: not malformed */
		refused(e, jj, rr, buf, Min(ll, len + 1), "random header");
	}
	pfree(buf);
}

static void
test_malformed(int n, int t)
{
	int128		v[64] = {0},
				got,
				want;
	int128		pairs[8];
	int128		bits3[4];
	SimStats	st;
	int			i,
				k,
				p0 = npassed,
				f0 = nfailed;
	char		name[128];

	meddle_n = n;
	for (i = 0; i < n; i++)
		v[i] = some_value(80);
	want = v[0];
	for (i = 1; i < n; i++)
		want = Max(want, v[i]);
	k = sim_run(SMPC_PROG_MAX, n, t, 80, v, n, &got, 1, meddle, &st);
	check(k == 1 && got == want, "MAX under malformed vectors n=%d t=%d (%s)", n, t, st.error);

	pairs[0] = -5;
	pairs[1] = 7;
	pairs[2] = 7;
	pairs[3] = lo_of(80);
	pairs[4] = 7;
	pairs[5] = -5;
	pairs[6] = 7;
	pairs[7] = hi_of(80);
	k = sim_run(SMPC_PROG_LESS_THAN, n, t, 80, pairs, 8, bits3, 4, meddle, &st);
	check(k == 4 && bits3[0] == 1 && bits3[1] == 0 && bits3[2] == 0 && bits3[3] == 1,
		  "LESS_THAN under malformed vectors n=%d t=%d (%s)", n, t, st.error);
	snprintf(name, sizeof(name), "malformed vectors refused, state unchanged, n=%d degree=%d", n, t);
	group(name, p0, f0);
}

/*
 * Duplicates: run the engines by hand for one round, delivering every
 * vector twice.
 */
static void
test_duplicates(void)
{
	int			n = 5,
				t = 2,
				i,
				j;
	SmpcEngine *eng[5];
	smpc_fe		sh[5][5];
	int128		vals[5] = {3, -9, 12, 12, 0};
	int			p0 = npassed,
				f0 = nfailed;
	int			round = 0;

	for (i = 0; i < n; i++)
	{
		smpc_fe		s[5];

		shamir_split(fe_from_int(vals[i]), t, n, s);
		for (j = 0; j < n; j++)
			sh[j][i] = s[j];
	}
	for (i = 0; i < n; i++)
	{
		const char *why;

		eng[i] = smpc_engine_start(SMPC_PROG_MAX, n, i, t, 80, sh[i], n, &why);
	}
	while (!smpc_engine_done(eng[0]) && round < 1000)
	{
		round = smpc_engine_round(eng[0]);
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
			{
				const smpc_fe *v;
				int			len;
				const char *why;

				if (i == j)
					continue;
				smpc_engine_outgoing(eng[i], j, &v, &len);
				check(smpc_engine_incoming(eng[j], i, round, v, len, &why),
					  "first delivery refused: %s", why ? why : "");
				refused(eng[j], i, round, v, len, "duplicate");
			}
		for (i = 0; i < n; i++)
			smpc_engine_advance(eng[i]);
	}
	for (i = 0; i < n; i++)
	{
		int128		got = 0;
		const char *why;
		const smpc_fe *v;
		int			len;

		check(smpc_engine_result(eng[i], &got, 1) == 1 && got == 12,
			  "MAX with duplicates refused: participant %d", i);
		/* once done: nothing to send, everything refused */
		smpc_engine_outgoing(eng[i], (i + 1) % n, &v, &len);
		check(len == 0, "a done engine has nothing to send");
		check(!smpc_engine_incoming(eng[i], (i + 1) % n, round, sh[0], 1, &why) && why,
			  "a done engine refuses vectors");
		check(smpc_engine_round(eng[i]) == 0, "round 0 once done");
		smpc_engine_free(eng[i]);
	}
	group("duplicate vectors refused, n=5 degree=2", p0, f0);
}

/* --- arguments ----------------------------------------------------------- */

static void
refuse_start(SmpcEngineProgram prog, int n, int self, int t, int bits,
			 const smpc_fe *in, int nin, const char *what)
{
	const char *why = NULL;
	SmpcEngine *e = smpc_engine_start(prog, n, self, t, bits, in, nin, &why);

	check(e == NULL && why != NULL, "start accepted %s", what);
	if (e)
		smpc_engine_free(e);
}

static void
test_arguments(void)
{
	smpc_fe		in[130];
	int			i,
				p0 = npassed,
				f0 = nfailed;
	const char *why;
	SmpcEngine *e;

	for (i = 0; i < 130; i++)
		in[i] = (smpc_fe) i;
	refuse_start(SMPC_PROG_MAX, 2, 0, 1, 80, in, 2, "n=2 degree=1");
	refuse_start(SMPC_PROG_MAX, 4, 0, 2, 80, in, 4, "n=4 degree=2");
	refuse_start(SMPC_PROG_MAX, 5, 0, 3, 80, in, 5, "n=5 degree=3");
	refuse_start(SMPC_PROG_LESS_THAN, 3, 0, 2, 80, in, 2, "n=3 degree=2");
	refuse_start(SMPC_PROG_EQUAL, 64, 0, 32, 80, in, 2, "n=64 degree=32");
	refuse_start(SMPC_PROG_MAX, 3, 0, -1, 80, in, 3, "degree -1");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 0, in, 3, "bits 0");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 81, in, 3, "bits 81");
	refuse_start(SMPC_PROG_LESS_THAN, 3, 0, 1, -5, in, 2, "bits -5");
	refuse_start(SMPC_PROG_EQUAL, 3, 0, 1, 128, in, 2, "bits 128");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 80, in, 2, "MAX with 2 inputs of 3");
	refuse_start(SMPC_PROG_MIN, 3, 0, 1, 80, in, 4, "MIN with 4 inputs of 3");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 80, in, 0, "MAX with no inputs");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 80, in, 7, "MAX with 7 inputs of 3");
	refuse_start(SMPC_PROG_MIN, 5, 0, 2, 80, in, 11, "MIN with 11 inputs of 5");
	refuse_start(SMPC_PROG_MAX, 5, 0, 2, 80, in, -5, "MAX with -5 inputs of 5");
	refuse_start(SMPC_PROG_LESS_THAN, 3, 0, 1, 80, in, 3, "LESS_THAN with an odd count");
	refuse_start(SMPC_PROG_EQUAL, 3, 0, 1, 80, in, 0, "EQUAL with no inputs");
	refuse_start(SMPC_PROG_EQUAL, 3, 0, 1, 80, in, -2, "a negative count");
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 80, NULL, 3, "NULL inputs to MAX");
	refuse_start(SMPC_PROG_LESS_THAN, 3, 0, 1, 80, in, 2 * 10000, "too many comparisons");
	refuse_start(SMPC_PROG_MAX, 1, 0, 0, 80, in, 1, "n=1");
	refuse_start(SMPC_PROG_MAX, 65, 0, 1, 80, in, 65, "n=65");
	refuse_start(SMPC_PROG_MAX, 3, 3, 1, 80, in, 3, "self=n");
	refuse_start(SMPC_PROG_MAX, 3, -1, 1, 80, in, 3, "self=-1");
	refuse_start((SmpcEngineProgram) 0, 3, 0, 1, 80, in, 3, "program 0");
	refuse_start((SmpcEngineProgram) 5, 3, 0, 1, 80, in, 2, "program 5");
	in[1] = SMPC_FIELD_P;
	refuse_start(SMPC_PROG_MAX, 3, 0, 1, 80, in, 3, "an input share not below p");
	in[1] = 1;

	/* the limits themselves are accepted */
	e = smpc_engine_start(SMPC_PROG_MAX, 64, 63, 31, 80, in, 64, &why);
	check(e != NULL, "n=64 degree=31 refused");
	if (e)
	{
		const smpc_fe *v;
		int			len;

		check(smpc_engine_round(e) == 1, "first round is 1");
		smpc_engine_outgoing(e, 63, &v, &len);
		check(len == 0 && v == NULL, "nothing to send to oneself");
		smpc_engine_outgoing(e, 64, &v, &len);
		check(len == 0 && v == NULL, "nothing to send to participant n");
		smpc_engine_outgoing(e, 0, &v, &len);
		/* 64 candidates: 16 groups of 4 (96 comparisons), then one of 16 (120) */
		check(len == 216 * (2 * 80 + 1) + 1,
			  "first round: r, a zero sharing per bit, r'', the final mask (len %d)", len);
		check(!smpc_engine_round_complete(e), "round not complete before any vector");
		smpc_engine_advance(e);
		check(smpc_engine_round(e) == 1, "advance on an incomplete round does nothing");
		smpc_engine_free(e);
	}
	e = smpc_engine_start(SMPC_PROG_LESS_THAN, 3, 0, 1, 1, in, 2, &why);
	check(e != NULL, "bits=1 refused");
	smpc_engine_free(e);
	group("bad arguments refused by start", p0, f0);
}

/* --- rounds -------------------------------------------------------------- */

static int
ceil_log2(int x)
{
	int			r = 0;

	while ((1 << r) < x)
		r++;
	return r;
}

static void
test_rounds(void)
{
	/*
	 * MAX and MIN at 80 bits: 2 rounds make the random bits (and the
	 * products of bit pairs, so that the first level of every prefix tree
	 * is local); up to 16 members compare all pairs in one batch, which
	 * opens c in 1 round and runs the tree in ceil(log2 40) = 6; then the
	 * product tree of n - 1 factors takes ceil(log2(n - 1)) rounds, the
	 * last of which opens the result (a group of two opens in 1).  17
	 * members make 5 groups of 3 or 4 (1 + 6 + 2 rounds), whose winners
	 * meet in one group of 5 (1 + 6 + 2).
	 */
	int			ns[] = {2, 3, 4, 5, 8, 9, 16, 17};
	int			want_max[] = {10, 10, 11, 11, 12, 12, 13, 20};
	int128		v[64] = {0};
	int128		got[100];
	SimStats	st;
	int			i,
				p0 = npassed,
				f0 = nfailed;
	/* a batch of comparisons: 2 + 1 + 6, and 1 opens the outputs */
	int			later = ceil_log2(40);

	for (i = 0; i < (int) lengthof(ns); i++)
	{
		int			n = ns[i],
					j,
					want = want_max[i];

		for (j = 0; j < n; j++)
			v[j] = some_value(80);
		sim_run(SMPC_PROG_MAX, n, n > 2 ? 1 : 0, 80, v, n, got, 1, NULL, &st);
		check(st.rounds == want, "MAX n=%d: %d rounds, want %d", n, st.rounds, want);
		printf("# rounds: MAX, n=%d, 80 bits: %d\n", n, st.rounds);
		sim_run(SMPC_PROG_MIN, n, n > 2 ? 1 : 0, 80, v, n, got, 1, NULL, &st);
		check(st.rounds == want, "MIN n=%d: %d rounds, want %d", n, st.rounds, want);
	}
	for (i = 0; i < 100; i++)
		v[i % 64] = some_value(80);
	{
		int128		pv[200];
		int			want = 2 + 1 + later + 1;

		for (i = 0; i < 200; i++)
			pv[i] = some_value(80);
		sim_run(SMPC_PROG_LESS_THAN, 3, 1, 80, pv, 2, got, 1, NULL, &st);
		check(st.rounds == want, "one LESS_THAN: %d rounds, want %d", st.rounds, want);
		printf("# rounds: LESS_THAN, one pair, 80 bits: %d\n", st.rounds);
		sim_run(SMPC_PROG_LESS_THAN, 3, 1, 80, pv, 200, got, 100, NULL, &st);
		check(st.rounds == want, "100 LESS_THAN: %d rounds, want %d", st.rounds, want);
		sim_run(SMPC_PROG_EQUAL, 3, 1, 80, pv, 200, got, 100, NULL, &st);
		check(st.rounds == want, "100 EQUAL: %d rounds, want %d", st.rounds, want);
		printf("# rounds: EQUAL, 80 bits: %d\n", st.rounds);
		sim_run(SMPC_PROG_LESS_THAN, 3, 1, 64, pv, 2, got, 1, NULL, &st);
		check(st.rounds == 2 + 1 + 5 + 1, "one 64-bit LESS_THAN: %d rounds", st.rounds);
	}
	group("rounds are fixed whatever the batch", p0, f0);
}

/*
 * A random bit whose r is zero is made again.  With 8-bit values, all of
 * an engine's first round draws on the first 4 KiB of its randomness
 * (after the field's pool, emptied first, from which the inputs are dealt);
 * when those are zero at every participant, every dealer deals r = 0, r^2
 * opens to 0 and the bits are made again, two rounds each time, until the
 * zeros run out.
 */
static void
test_zero_square(void)
{
	int128		v[2] = {-3, 0};
	int128		m[3] = {-2, hi_of(8), 7};
	int128		got[1];
	SimStats	st;
	int			k,
				p0 = npassed,
				f0 = nfailed;

	/* the inputs' dealing fills the field's pool, then each engine 4 KiB */
	fe_random_wipe();
	sim_zero_bytes = SMPC_FIELD_POOL_BYTES + 3 * 4096;
	k = sim_run(SMPC_PROG_LESS_THAN, 3, 1, 8, v, 2, got, 1, NULL, &st);
	check(k == 1 && got[0] == 1, "LESS_THAN with zero squares (%s)", st.error);
	check(st.rounds > 6 && (st.rounds - 6) % 2 == 0,
		  "zero squares add rounds in twos: %d rounds", st.rounds);
	printf("# rounds: LESS_THAN at 8 bits with zero squares: %d (6 without)\n", st.rounds);
	fe_random_wipe();
	sim_zero_bytes = SMPC_FIELD_POOL_BYTES + 3 * 4096;
	k = sim_run(SMPC_PROG_MAX, 3, 1, 8, m, 3, got, 1, NULL, &st);
	check(k == 1 && got[0] == hi_of(8), "MAX with zero squares (%s)", st.error);
	check(st.rounds > 6 && (st.rounds - 6) % 2 == 0,
		  "MAX with zero squares: %d rounds", st.rounds);
	sim_zero_bytes = 0;
	fe_random_wipe();
	group("random bits whose square is zero are made again", p0, f0);
}

/*
 * LESS_THAN whose inputs come after its first round (search.c): advancing
 * past round 2 waits for them, they are taken once and only in time, and
 * the results are those of the inputs given.
 */
static void
test_deferred(void)
{
	enum
	{
		DN = 3, DK = 20
	};
	SmpcEngine *e[DN];
	int128		a[DK],
				b[DK],
				got[DK];
	smpc_fe		in[DN][2 * DK];
	smpc_fe		sh[DN];
	const char *why = NULL;
	int			i,
				j,
				k,
				p0 = npassed,
				f0 = nfailed;
	bool		ok = true;

	for (k = 0; k < DK; k++)
	{
		a[k] = (int128) sim_below(2000) - 1000;
		b[k] = (k % 4 == 0) ? a[k] : (int128) sim_below(2000) - 1000;
		shamir_split(fe_from_int(a[k]), 1, DN, sh);
		for (i = 0; i < DN; i++)
			in[i][k] = sh[i];
		shamir_split(fe_from_int(b[k]), 1, DN, sh);
		for (i = 0; i < DN; i++)
			in[i][DK + k] = sh[i];
	}
	for (i = 0; i < DN; i++)
	{
		e[i] = smpc_engine_start(SMPC_PROG_LESS_THAN, DN, i, 1, 16, NULL, 2 * DK, &why);
		check(e[i] != NULL, "LESS_THAN starts without its inputs (%s)", why ? why : "");
		if (e[i] == NULL)
			return;
	}
	check(!smpc_engine_set_inputs(e[0], in[0], 2 * DK - 2), "inputs of another count are refused");
	while (!smpc_engine_done(e[0]) && ok)
	{
		int			round = smpc_engine_round(e[0]);

		for (i = 0; i < DN; i++)
			for (j = 0; j < DN; j++)
			{
				const smpc_fe *v;
				int			len;

				if (i == j)
					continue;
				smpc_engine_outgoing(e[i], j, &v, &len);
				if (!smpc_engine_incoming(e[j], i, round, v, len, &why))
				{
					check(false, "round %d: %d takes %d's vector (%s)", round, j, i, why);
					ok = false;
				}
			}
		for (i = 0; i < DN; i++)
			smpc_engine_advance(e[i]);
		if (round == 2 && smpc_engine_round(e[0]) == 2)
		{
			/* stuck without inputs: give them now */
			for (i = 0; i < DN; i++)
			{
				bool		taken = smpc_engine_set_inputs(e[i], in[i], 2 * DK);

				check(taken, "member %d takes its inputs after round 2", i);
				ok &= taken;
			}
			for (i = 0; i < DN; i++)
				smpc_engine_advance(e[i]);
		}
		else if (round == 2)
		{
			check(false, "advancing past round 2 waits for the inputs");
			ok = false;
		}
		if (round > 40)
		{
			check(false, "the program ends");
			ok = false;
		}
	}
	check(!smpc_engine_set_inputs(e[1], in[1], 2 * DK), "inputs given once only, and in time");
	for (i = 0; i < DN && ok; i++)
	{
		check(smpc_engine_result(e[i], got, DK) == DK, "member %d has the results", i);
		for (k = 0; k < DK; k++)
			check(got[k] == (a[k] < b[k] ? 1 : 0), "member %d: %lld < %lld is %lld", i,
				  (long long) a[k], (long long) b[k], (long long) got[k]);
	}
	for (i = 0; i < DN; i++)
		smpc_engine_free(e[i]);
	group("LESS_THAN with inputs after its first round", p0, f0);
}

/*
 * 64 participants: the most members, at the lowest and the highest degree
 * (a degree-62 resharing of every random bit is slow, so fewer bits there).
 */
static void
test_big(void)
{
	int128		v[64] = {0};
	int			i,
				p0 = npassed,
				f0 = nfailed;

	for (i = 0; i < 64; i++)
		v[i] = some_value(80);
	v[17] = hi_of(80);
	v[40] = lo_of(80);
	check_max_min(64, 1, 80, v, "with both ends");
	for (i = 0; i < 64; i++)
		v[i] = some_value(6);
	check_max_min(64, 31, 6, v, "random");
	group("MAX and MIN, n=64 degree=1 bits=80 and degree=31 bits=6", p0, f0);
}

int
main(int argc, char **argv)
{
	uint64		seed;
	int			n,
				t;

	if (argc > 1)
		seed = strtoull(argv[1], NULL, 10);
	else
		seed = (uint64) time(NULL) ^ ((uint64) getpid() << 32);
	printf("# seed %llu (replay: test_engine %llu)\n",
		   (unsigned long long) seed, (unsigned long long) seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	group_start = sim_now();
	sim_init(seed);

	test_arguments();
	test_rounds();
	test_view(3, 1, 80, 1);
	test_view(5, 2, 80, 1);
	test_view(8, 3, 64, 1);
	test_view(3, 1, 80, 7);
	test_view(5, 2, 80, 7);
	test_view(8, 3, 64, 3);
	test_duplicates();
	test_zero_square();
	test_deferred();
	test_malformed(3, 1);
	test_malformed(5, 2);

	for (n = 3; n <= 8; n++)
	{
		if (n == 6)
			continue;
		for (t = 1; 2 * t < n; t++)
		{
			test_max_min(n, t, 80, 12);
			test_pairs(n, t, 80, 40);
		}
	}
	test_max_min(2, 0, 80, 5);

	/* many groups in one program */
	test_group_limits();
	for (n = 3; n <= 8; n++)
	{
		static const int ngs[] = {1, 2, 7};
		int			i;

		if (n != 3 && n != 5 && n != 8)
			continue;
		for (i = 0; i < (int) lengthof(ngs); i++)
			test_groups(n, (n - 1) / 2, 80, ngs[i]);
	}
	/* a final heat of two (no mask); heats whose winners meet again */
	test_groups(2, 0, 80, 5);
	test_groups(17, 1, 24, 3);
	test_groups(23, 5, 24, 2);
	test_groups(3, 1, 80, 1000);
	test_groups(5, 2, 48, 1000);
	test_groups(8, 1, 16, 1000);
	test_pairs(3, 1, 64, 40);
	test_pairs(4, 1, 1, 8);
	test_pairs(3, 1, 2, 20);
	test_pairs(5, 2, 13, 40);
	test_max_min(3, 1, 1, 6);
	test_max_min(5, 2, 64, 8);
	test_max_min(16, 1, 80, 2);
	test_max_min(16, 7, 80, 0);
	/* more than 16: groups of at most 4, then their winners */
	test_max_min(17, 1, 80, 2);
	test_max_min(23, 5, 24, 2);
	test_pairs(16, 7, 80, 20);
	test_big();

	printf("unit: engine, %d passed, %d failed\n", npassed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
