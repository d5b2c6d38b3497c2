/*-------------------------------------------------------------------------
 *
 * bench_engine.c
 *	  Compute figures of the round engine (src/engine.c): rounds, elements
 *	  sent, and the local compute time of each participant (the time spent
 *	  in smpc_engine_start, _incoming and _advance, divided by the number
 *	  of participants, all of which run in this one process), for a batch
 *	  of 64-bit comparisons at 3 members, for MAX at 3, 5 and 8 members,
 *	  and for MAX of G = 1, 100, 1000 and 10000 groups in one program at 3
 *	  members (bytes each member sends per round, compute per member).
 *	  Figures only: nothing is asserted but that the results are right.
 *	  Uses libsodium's own randomness.
 *
 * Usage: bench_engine [comparisons]   (default 8000, the most one program
 * takes at 64 bits)
 *
 * sources: src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

static void
print_rounds(const SimStats *st, int n)
{
	int			r;
	double		most = 0;
	int			at = 0;

	for (r = 0; r < Min(st->rounds, 128); r++)
		if (st->per_round[r] > most)
		{
			most = st->per_round[r];
			at = r + 1;
		}
	printf("  %d rounds, %lld elements (%lld bytes) sent by each participant, "
		   "compute per participant %.3f ms (%.3f ms per round on average, "
		   "at most %.3f ms in round %d)\n",
		   st->rounds, (long long) st->elements, (long long) st->elements * 16,
		   st->compute / n * 1e3, st->compute / n / st->rounds * 1e3,
		   most / n * 1e3, at);
}

static int
bench_compare(SmpcEngineProgram prog, int n, int t, int bits, int k)
{
	int128	   *v = palloc(2 * k * sizeof(int128));
	int128	   *got = palloc(k * sizeof(int128));
	SimStats	st;
	int			i,
				bad = 0;
	int128		half = ((int128) 1) << (bits - 1);

	for (i = 0; i < 2 * k; i++)
	{
		uint128		u = ((uint128) randombytes_random() << 32 | randombytes_random()) |
			((uint128) randombytes_random() << 64 | (uint128) randombytes_random() << 96);

		v[i] = (int128) (u & ((((uint128) 1) << bits) - 1)) - half;
		if (i >= k && i % 5 == 0)
			v[i] = v[i - k];
	}
	if (sim_run(prog, n, t, bits, v, 2 * k, got, k, NULL, &st) != k)
	{
		printf("  failed: %s\n", st.error);
		return 1;
	}
	for (i = 0; i < k; i++)
		if (got[i] != (prog == SMPC_PROG_LESS_THAN ? v[i] < v[k + i] : v[i] == v[k + i]))
			bad++;
	printf("%s: %d pairs of %d-bit values, n=%d degree=%d: %s\n",
		   prog == SMPC_PROG_LESS_THAN ? "LESS_THAN" : "EQUAL", k, bits, n, t,
		   bad ? "WRONG RESULTS" : "results right");
	print_rounds(&st, n);
	printf("  %.0f comparisons per second of compute per participant\n",
		   k / (st.compute / n));
	pfree(v);
	pfree(got);
	return bad ? 1 : 0;
}

static int
bench_max(int n, int t, int reps)
{
	int128		v[64],
				got = 0,
				want;
	SimStats	st;
	double		total = 0;
	int			i,
				r,
				bad = 0;

	for (r = 0; r < reps; r++)
	{
		for (i = 0; i < n; i++)
			v[i] = (int128) (int64) (((uint64) randombytes_random() << 32) | randombytes_random());
		want = v[0];
		for (i = 1; i < n; i++)
			want = Max(want, v[i]);
		if (sim_run(SMPC_PROG_MAX, n, t, 80, v, n, &got, 1, NULL, &st) != 1)
		{
			printf("  failed: %s\n", st.error);
			return 1;
		}
		if (got != want)
			bad++;
		total += st.compute;
	}
	printf("MAX of %d values of 80 bits, n=%d degree=%d, %d runs: %s\n", n, n, t, reps,
		   bad ? "WRONG RESULTS" : "results right");
	print_rounds(&st, n);
	printf("  %.3f ms of compute per participant on average\n", total / reps / n * 1e3);
	return bad ? 1 : 0;
}

/* a random value of the signed width */
static int128
bench_value(int bits)
{
	uint128		u = ((uint128) randombytes_random() << 32 | randombytes_random()) |
		((uint128) randombytes_random() << 64 | (uint128) randombytes_random() << 96);

	return (int128) (u & ((((uint128) 1) << bits) - 1)) - (((int128) 1) << (bits - 1));
}

/*
 * MAX of ngroups groups of n values in one program, reps times: rounds,
 * compute per member, and the bytes one member sends (to all n - 1 others)
 * per round, on average and in the first round, the longest.  A number of
 * groups the engine refuses is reported as such.
 */
static int
bench_groups(int n, int t, int bits, int ngroups, int reps)
{
	int			total = ngroups * n;
	int128	   *v = palloc((size_t) total * sizeof(int128));
	int128	   *got = palloc((size_t) ngroups * sizeof(int128));
	smpc_fe    *zero = palloc0((size_t) total * sizeof(smpc_fe));
	SimStats	st;
	double		compute = 0;
	const char *why;
	const smpc_fe *vec;
	SmpcEngine *e;
	int			first,
				r,
				g,
				i,
				bad = 0;

	/* the first round's vector, from one engine that goes no further */
	e = smpc_engine_start(SMPC_PROG_MAX, n, 0, t, bits, zero, total, &why);
	pfree(zero);
	if (e == NULL)
	{
		printf("  G=%-6d refused: %s\n", ngroups, why);
		pfree(v);
		pfree(got);
		return 0;
	}
	smpc_engine_outgoing(e, 1, &vec, &first);
	smpc_engine_free(e);

	for (r = 0; r < reps; r++)
	{
		for (i = 0; i < total; i++)
			v[i] = bench_value(bits);
		if (sim_run(SMPC_PROG_MAX, n, t, bits, v, total, got, ngroups, NULL, &st) != ngroups)
		{
			printf("  G=%d failed: %s\n", ngroups, st.error);
			return 1;
		}
		for (g = 0; g < ngroups; g++)
		{
			int128		want = v[(size_t) g * n];

			for (i = 1; i < n; i++)
				want = Max(want, v[(size_t) g * n + i]);
			bad += (got[g] != want);
		}
		compute += st.compute;
	}
	compute /= reps;
	printf("  G=%-6d %2d rounds  compute per member %9.3f ms (%7.2f us per group)  "
		   "bytes per member per round: %10.0f on average, %9lld in the first  %s\n",
		   ngroups, st.rounds, compute / n * 1e3, compute / n / ngroups * 1e6,
		   (double) st.elements * 16 / st.rounds, (long long) first * 16 * (n - 1),
		   bad ? "WRONG RESULTS" : "results right");
	pfree(v);
	pfree(got);
	return bad ? 1 : 0;
}

int
main(int argc, char **argv)
{
	int			k = (argc > 1) ? atoi(argv[1]) : 8000;
	int			bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0)
		return 2;
	bad += bench_compare(SMPC_PROG_LESS_THAN, 3, 1, 64, k);
	bad += bench_compare(SMPC_PROG_EQUAL, 3, 1, 64, k);
	bad += bench_compare(SMPC_PROG_LESS_THAN, 3, 1, 80, 1);
	bad += bench_max(3, 1, 20);
	bad += bench_max(5, 2, 20);
	bad += bench_max(8, 3, 20);
	bad += bench_max(8, 1, 20);

	/* many groups in one program, n = 3; 80 bits, then 16 (10000 fit) */
	{
		static const int ngs[] = {1, 100, 1000, 10000};
		static const int reps[] = {20, 5, 2, 1};
		static const int widths[] = {80, 16};
		int			w,
					i;

		for (w = 0; w < (int) lengthof(widths); w++)
		{
			printf("MAX of G groups of 3 values of %d bits in one program, n=3 degree=1:\n",
				   widths[w]);
			for (i = 0; i < (int) lengthof(ngs); i++)
				bad += bench_groups(3, 1, widths[w], ngs[i], reps[i]);
		}
	}
	return bad ? 1 : 0;
}
