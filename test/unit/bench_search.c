/*-------------------------------------------------------------------------
 *
 * bench_search.c
 *	  Figures of the search of order statistics and the clearing price
 *	  (src/search.c), to choose the number of thresholds per step (all
 *	  searches together, after the first step): for each, the rounds, steps and comparisons of a median, of four
 *	  quartiles and of a clearing price over 4,000 prices at 3 members,
 *	  the bytes each member sends, and the compute per member (the time in
 *	  smpc_search_start, _incoming and _advance of all members, which run
 *	  in this one process, divided by their number).  Then the time a
 *	  statistic would take with each round costing a given latency:
 *	  rounds x latency + compute, at 0.4 ms (a round between local
 *	  servers, README) and 20 ms.  Figures only; nothing is asserted but
 *	  that every member ends.  Uses libsodium's own randomness.
 *
 * Usage: bench_search
 *
 * sources: src/search.c src/batch.c src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

#include "batch.h"
#include "search.h"
#include "smpc.h"

#define BN 3

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

/* An ORDER input: rows random in [0, span), the given fractions. */
static void
order_input(StringInfo s, int rows, int128 span, int nq, const double *f, uint8 mode)
{
	int128	   *v = palloc(sizeof(int128) * rows);
	int			i,
				nd = 0;
	StringInfoData keys;

	for (i = 0; i < rows; i++)
		v[i] = (int128) (((uint128) sim_next() << 64 | sim_next()) % (uint128) span);
	qsort(v, rows, sizeof(int128), i128_cmp);
	initStringInfo(&keys);
	for (i = 0; i < rows;)
	{
		int			e = i;

		while (e < rows && v[e] == v[i])
			e++;
		smpc_search_put_key(&keys, i == 0, i == 0 ? 0 : v[i - 1], v[i], e - i);
		nd++;
		i = e;
	}
	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, SMPC_SEARCH_ORDER, 1);
	put_be(s, 0, 1);
	put_be(s, 1, 2);
	put_be(s, nq, 2);
	for (i = 0; i < nq; i++)
	{
		uint64		bits;

		memcpy(&bits, &f[i], 8);
		put_be(s, mode, 1);
		put_be(s, bits, 8);
	}
	put_be(s, nd, 4);
	appendBinaryStringInfo(s, keys.data, keys.len);
	pfree(keys.data);
	pfree(v);
}

/* A CLEARING input: a member's random demand and supply along the grid. */
static void
clearing_input(StringInfo s, int ngrid)
{
	int128		d = 1000000,
				sp = 0;
	int			g;

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, SMPC_SEARCH_CLEARING, 1);
	put_be(s, 0, 1);
	put_be(s, 1, 2);
	put_be(s, 100, 8);
	put_be(s, ngrid, 4);
	for (g = 0; g < ngrid; g++)
	{
		put_be(s, (uint128) d, 16);
		put_be(s, (uint128) sp, 16);
		d -= (int128) sim_below(500);
		sp += (int128) sim_below(500);
		if (d < 0)
			d = 0;
	}
}

typedef struct Fig
{
	int			rounds;
	int			steps;
	int64		comparisons;
	int64		bytes;			/* sent by member 0, to all */
	double		compute_ms;		/* per member */
} Fig;

static bool
run(StringInfoData *in, Fig *fig)
{
	SmpcSearch *ss[BN];
	SmpcBatchSettings set;
	int			i,
				j;
	double		spent = 0,
				t0;
	const char *why = NULL;

	memset(fig, 0, sizeof(*fig));
	memset(&set, 0, sizeof(set));
	set.n = BN;
	set.degree = 1;
	set.min_parties = BN;
	set.min_cell_count = 1;
	for (i = 0; i < BN; i++)
	{
		set.self = i;
		t0 = sim_now();
		ss[i] = smpc_search_start(&set, (const uint8 *) in[i].data, in[i].len, &why);
		spent += sim_now() - t0;
		if (ss[i] == NULL)
		{
			printf("# start refused: %s\n", why);
			return false;
		}
	}
	while (!smpc_search_done(ss[0]))
	{
		int			round = smpc_search_round(ss[0]);

		if (smpc_search_failed(ss[0], &why) || round == 0 || ++fig->rounds > 2000)
		{
			printf("# failed: %s\n", why ? why : "no end");
			return false;
		}
		for (i = 0; i < BN; i++)
			for (j = 0; j < BN; j++)
			{
				const smpc_fe *v;
				int			len;

				if (i == j)
					continue;
				smpc_search_outgoing(ss[i], j, &v, &len);
				if (i == 0)
					fig->bytes += (int64) len * 16;
				t0 = sim_now();
				smpc_search_incoming(ss[j], i, round, v, len, &why);
				spent += sim_now() - t0;
			}
		t0 = sim_now();
		for (i = 0; i < BN; i++)
			smpc_search_advance(ss[i]);
		spent += sim_now() - t0;
	}
	fig->steps = smpc_search_steps(ss[0]);
	fig->comparisons = smpc_search_comparisons(ss[0]);
	fig->compute_ms = spent * 1000 / BN;
	for (i = 0; i < BN; i++)
		smpc_search_free(ss[i]);
	return true;
}

int
main(int argc, char **argv)
{
	static const int widths[] = {64, 128, 256, 512};
	static const double median[] = {0.5};
	static const double quartiles[] = {0.25, 0.5, 0.75, 0.9};
	StringInfoData in[BN];
	int			w,
				i,
				c;

	if (sodium_init() < 0)
		return 1;
	sim_seed((uint64) time(NULL));
	printf("search: 3 members, 100,000 rows each of integers below 10^9; figures per width\n");
	printf("%-34s %8s %6s %5s %7s %9s %10s %11s %11s\n", "statistic", "thr/step", "rounds",
		   "steps", "compar.", "kB sent", "compute ms", "@0.4ms/rnd", "@20ms/rnd");
	for (c = 0; c < 3; c++)
	{
		for (i = 0; i < BN; i++)
		{
			if (c == 0)
				order_input(&in[i], 100000, 1000000000, 1, median, SMPC_SEARCH_CONT);
			else if (c == 1)
				order_input(&in[i], 100000, 1000000000, 4, quartiles, SMPC_SEARCH_DISC);
			else
				clearing_input(&in[i], 4000);
		}
		for (w = 0; w < (int) lengthof(widths); w++)
		{
			Fig			f;

			smpc_search_budget = widths[w];
			if (!run(in, &f))
				return 1;
			printf("%-34s %8d %6d %5d %7lld %9.0f %10.1f %11.1f %11.1f\n",
				   c == 0 ? "median (percentile_cont 0.5)" :
				   c == 1 ? "P25, P50, P75, P90 (disc)" : "clearing price, 4,000 prices",
				   widths[w], f.rounds, f.steps, (long long) f.comparisons,
				   f.bytes / 1024.0, f.compute_ms,
				   f.rounds * 0.4 + f.compute_ms, f.rounds * 20.0 + f.compute_ms);
		}
		for (i = 0; i < BN; i++)
			pfree(in[i].data);
	}
	return 0;
}
