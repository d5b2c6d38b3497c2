/*-------------------------------------------------------------------------
 *
 * sim.h
 *	  Shared by the stand-alone engine programs (test_engine.c,
 *	  bench_engine.c): a seeded generator behind libsodium's randombytes,
 *	  and n participants of one engine program simulated in one process.
 *
 *-------------------------------------------------------------------------
 */
#ifndef SMPC_UNIT_SIM_H
#define SMPC_UNIT_SIM_H

#include "postgres.h"

#include <sodium.h>
#include <time.h>

#include "engine.h"

/* --- seeded generator (xoshiro256**) ------------------------------------ */

static uint64 sim_state[4];

static uint64
sim_rotl(uint64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64
sim_next(void)
{
	uint64		result = sim_rotl(sim_state[1] * 5, 7) * 9;
	uint64		t = sim_state[1] << 17;

	sim_state[2] ^= sim_state[0];
	sim_state[3] ^= sim_state[1];
	sim_state[1] ^= sim_state[2];
	sim_state[0] ^= sim_state[3];
	sim_state[2] ^= t;
	sim_state[3] = sim_rotl(sim_state[3], 45);
	return result;
}

static void
sim_seed(uint64 seed)
{
	int			i;

	for (i = 0; i < 4; i++)
	{
		uint64		z = (seed += UINT64CONST(0x9e3779b97f4a7c15));

		z = (z ^ (z >> 30)) * UINT64CONST(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64CONST(0x94d049bb133111eb);
		sim_state[i] = z ^ (z >> 31);
	}
}

/* uniform in [0, bound), bound > 0 */
static uint64
sim_below(uint64 bound)
{
	uint64		limit = PG_UINT64_MAX - PG_UINT64_MAX % bound;
	uint64		x;

	do
		x = sim_next();
	while (x >= limit);
	return x % bound;
}

static const char *
sim_rb_name(void)
{
	return "smpc-unit-seeded";
}

static uint32_t
sim_rb_random(void)
{
	return (uint32_t) (sim_next() >> 32);
}

/* this many next bytes of libsodium's randomness are zero (for tests) */
static size_t sim_zero_bytes = 0;

static void
sim_rb_buf(void *const buf, const size_t size)
{
	unsigned char *p = buf;
	size_t		i = 0;

	for (; i < size && sim_zero_bytes > 0; i++, sim_zero_bytes--)
		p[i] = 0;
	while (i < size)
	{
		uint64		x = sim_next();
		int			b;

		for (b = 0; b < 8 && i < size; b++, i++)
			p[i] = (unsigned char) (x >> (8 * b));
	}
}

static struct randombytes_implementation sim_rb = {
	.implementation_name = sim_rb_name,
	.random = sim_rb_random,
	.stir = NULL,
	.uniform = NULL,
	.buf = sim_rb_buf,
	.close = NULL
};

/* Make libsodium's randomness (and ours) deterministic from seed. */
static void
sim_init(uint64 seed)
{
	sim_seed(seed);
	if (randombytes_set_implementation(&sim_rb) != 0 || sodium_init() < 0)
	{
		fprintf(stderr, "cannot set up libsodium\n");
		exit(2);
	}
}

/* --- simulated participants --------------------------------------------- */

static double
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Called before each delivery of from's vector to "to", with the engine of
 * the receiver; it may try malformed deliveries (and must leave the engine
 * as it found it).  NULL for none.
 */
typedef void (*SimMeddle) (SmpcEngine *to_engine, int from, int to, int round,
						   const smpc_fe *v, int len);

typedef struct SimStats
{
	int			rounds;
	double		compute;		/* seconds in incoming + advance, all
								 * participants */
	int64		elements;		/* elements sent by participant 0, all
								 * rounds */
	double		per_round[128]; /* compute of each round (the first 128),
								 * all participants */
	char		error[256];
} SimStats;

static void
sim_account(SimStats *stats, double seconds)
{
	stats->compute += seconds;
	if (stats->rounds >= 1 && stats->rounds <= 128)
		stats->per_round[stats->rounds - 1] += seconds;
}

/*
 * Run a program with n participants: deal each value of values[0..nvalues-1]
 * at degree t, start every engine, pass the vectors in an order shuffled by
 * the seeded generator, and advance until done.  Every participant's
 * results must agree; they go to out (returns how many, or -1 with
 * stats->error set).
 */
static int
sim_run(SmpcEngineProgram program, int n, int t, int bits,
		const int128 *values, int nvalues, int128 *out, int maxout,
		SimMeddle meddle, SimStats *stats)
{
	SmpcEngine *eng[64];
	smpc_fe   **inputs;
	smpc_fe		sh[64];
	int		   *order;
	int			i,
				j,
				p,
				nres = -1;
	double		t0;
	const char *why;

	memset(stats, 0, sizeof(*stats));
	inputs = palloc(n * sizeof(smpc_fe *));
	for (i = 0; i < n; i++)
		inputs[i] = palloc(Max(nvalues, 1) * sizeof(smpc_fe));
	for (p = 0; p < nvalues; p++)
	{
		shamir_split(fe_from_int(values[p]), t, n, sh);
		for (i = 0; i < n; i++)
			inputs[i][p] = sh[i];
	}
	for (i = 0; i < n; i++)
	{
		t0 = sim_now();
		eng[i] = smpc_engine_start(program, n, i, t, bits, inputs[i], nvalues, &why);
		if (eng[i] == NULL)
		{
			snprintf(stats->error, sizeof(stats->error), "start refused: %s", why);
			while (--i >= 0)
				smpc_engine_free(eng[i]);
			return -1;
		}
		/* dealing the first round is compute of round 1 */
		stats->rounds = 1;
		sim_account(stats, sim_now() - t0);
		stats->rounds = 0;
	}

	order = palloc(n * n * sizeof(int));
	while (!smpc_engine_done(eng[0]))
	{
		int			round = smpc_engine_round(eng[0]);
		int			npairs = 0;

		stats->rounds++;
		if (stats->rounds > 10000)
		{
			snprintf(stats->error, sizeof(stats->error), "no end after 10000 rounds");
			goto out;
		}
		for (i = 0; i < n; i++)
		{
			if (smpc_engine_round(eng[i]) != round || smpc_engine_done(eng[i]))
			{
				snprintf(stats->error, sizeof(stats->error),
						 "participants disagree on the round (%d, %d)",
						 round, smpc_engine_round(eng[i]));
				goto out;
			}
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
				if (i != j)
					order[npairs++] = i * n + j;
		for (p = npairs - 1; p > 0; p--)
		{
			int			q = (int) sim_below(p + 1);
			int			tmp = order[p];

			order[p] = order[q];
			order[q] = tmp;
		}
		{
			const smpc_fe *v;
			int			len;

			smpc_engine_outgoing(eng[0], 1, &v, &len);
			stats->elements += (int64) len * (n - 1);
		}
		for (p = 0; p < npairs; p++)
		{
			int			from = order[p] / n,
						to = order[p] % n;
			const smpc_fe *v;
			int			len;
			bool		ok;

			if (smpc_engine_round_complete(eng[to]))
			{
				snprintf(stats->error, sizeof(stats->error), "round complete too early");
				goto out;
			}
			smpc_engine_outgoing(eng[from], to, &v, &len);
			if (meddle)
				meddle(eng[to], from, to, round, v, len);
			t0 = sim_now();
			ok = smpc_engine_incoming(eng[to], from, round, v, len, &why);
			sim_account(stats, sim_now() - t0);
			if (!ok)
			{
				snprintf(stats->error, sizeof(stats->error),
						 "round %d: %d refused %d's vector: %s", round, to, from, why);
				goto out;
			}
		}
		for (i = 0; i < n; i++)
		{
			if (!smpc_engine_round_complete(eng[i]))
			{
				snprintf(stats->error, sizeof(stats->error), "round not complete");
				goto out;
			}
			t0 = sim_now();
			smpc_engine_advance(eng[i]);
			sim_account(stats, sim_now() - t0);
		}
	}

	nres = smpc_engine_result(eng[0], out, maxout);
	for (i = 1; i < n; i++)
	{
		int128	   *other = palloc(Max(maxout, 1) * sizeof(int128));
		int			k = smpc_engine_result(eng[i], other, maxout);
		bool		same = smpc_engine_done(eng[i]) && k == nres &&
			memcmp(other, out, Max(k, 0) * sizeof(int128)) == 0;

		pfree(other);
		if (!same)
		{
			snprintf(stats->error, sizeof(stats->error),
					 "participant %d has other results", i);
			nres = -1;
			break;
		}
	}

out:
	for (i = 0; i < n; i++)
	{
		smpc_engine_free(eng[i]);
		pfree(inputs[i]);
	}
	pfree(inputs);
	pfree(order);
	return nres;
}

#endif							/* SMPC_UNIT_SIM_H */
