/*-------------------------------------------------------------------------
 *
 * bench_batch.c
 *	  Compute figures of the grouped computation (src/batch.c): rounds
 *	  (and those of the key agreement), bytes each member sends, and the
 *	  local compute time per member (the time in smpc_batch_start,
 *	  _incoming and _advance of all members, which run in this one
 *	  process, divided by their number), for 100 and 10,000 groups x 1 and
 *	  5 aggregates at 3, 5 and 8 members, with the keys agreed as their
 *	  union and declared.  Every group is held by every member; figures
 *	  only, nothing is asserted but that every member ends.  Uses
 *	  libsodium's own randomness.
 *
 * Usage: bench_batch
 *
 * sources: src/batch.c src/engine.c src/field.c
 *
 *-------------------------------------------------------------------------
 */
#include "sim.h"

#include "batch.h"
#include "smpc.h"
#include "wide.h"

#define BMAXN 8

static void
put_be(StringInfo s, uint128 v, int len)
{
	int			i;

	for (i = len - 1; i >= 0; i--)
		appendStringInfoChar(s, (char) (uint8) (v >> (8 * i)));
}

/* The aggregates: avg and sum of numeric, count, variance, avg of float. */
static const int agg_kind[] = {SMPC_KIND_AVG, SMPC_KIND_SUM, SMPC_KIND_COUNT,
SMPC_KIND_VARIANCE, SMPC_KIND_AVG};
static const int agg_class[] = {SMPC_CLASS_EXACT, SMPC_CLASS_EXACT, SMPC_CLASS_EXACT,
SMPC_CLASS_EXACT, SMPC_CLASS_FLOAT};
static const int agg_width[] = {SMPC_EXACT_LIMBS + 1, SMPC_EXACT_LIMBS + 1, 1,
1 + SMPC_EXACT_LIMBS + SMPC_EXACT_SQ_LIMBS, 2};

/* Member self's input: keys "group-<g>", every group held. */
static void
make_input(int mode, int nkeys, int ncols, StringInfo s)
{
	int			g,
				c,
				v;
	char		key[32];

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, mode, 1);
	put_be(s, ncols, 2);
	for (c = 0; c < ncols; c++)
	{
		put_be(s, agg_kind[c], 1);
		put_be(s, agg_class[c], 1);
		put_be(s, agg_width[c], 2);
		put_be(s, agg_class[c] == SMPC_CLASS_FLOAT ? 0 : 2, 1);
	}
	/* declared keys in memcmp order: the fixed-width numbers sort so */
	put_be(s, mode == SMPC_BATCH_DECLARED ? nkeys : 0, 4);
	for (g = 0; g < nkeys && mode == SMPC_BATCH_DECLARED; g++)
	{
		int			len = snprintf(key, sizeof(key), "group-%06d", g);

		put_be(s, len, 2);
		appendBinaryStringInfo(s, key, len);
	}
	put_be(s, nkeys, 4);
	for (g = 0; g < nkeys; g++)
	{
		int			len = snprintf(key, sizeof(key), "group-%06d", g);

		put_be(s, len, 2);
		appendBinaryStringInfo(s, key, len);
		for (c = 0; c < ncols; c++)
		{
			put_be(s, 10, 8);
			for (v = 0; v < agg_width[c]; v++)
				put_be(s, (uint128) (int128) randombytes_uniform(1000000), 16);
		}
	}
}

static void
bench(int n, int mode, int nkeys, int ncols)
{
	SmpcBatch  *bs[BMAXN];
	SmpcBatchSettings set;
	StringInfoData in;
	double		compute = 0,
				t0;
	int64		bytes = 0;
	int			rounds = 0,
				i,
				j;
	bool		ok = true;

	memset(&set, 0, sizeof(set));
	set.n = n;
	set.degree = (n - 1) / 2;
	set.min_parties = Min(3, n);
	set.min_cell_count = 1;
	randombytes_buf(set.seed, sizeof(set.seed));
	make_input(mode, nkeys, ncols, &in);
	for (i = 0; i < n; i++)
	{
		const char *why = NULL;

		set.self = i;
		t0 = sim_now();
		bs[i] = smpc_batch_start(&set, (const uint8 *) in.data, in.len, &why);
		compute += sim_now() - t0;
		if (bs[i] == NULL)
		{
			printf("  start refused: %s\n", why);
			exit(1);
		}
	}
	pfree(in.data);
	while (!smpc_batch_done(bs[0]))
	{
		int			round = smpc_batch_round(bs[0]);

		if (round == 0 || ++rounds > 1000)
		{
			ok = false;
			break;
		}
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++)
			{
				const smpc_fe *v;
				int			len;
				const char *why;

				if (i == j)
					continue;
				smpc_batch_outgoing(bs[i], j, &v, &len);
				if (i == 0)
					bytes += (int64) len * 16;
				t0 = sim_now();
				ok &= smpc_batch_incoming(bs[j], i, round, v, len, &why);
				compute += sim_now() - t0;
			}
		for (i = 0; i < n; i++)
		{
			t0 = sim_now();
			smpc_batch_advance(bs[i]);
			compute += sim_now() - t0;
		}
	}
	printf("  n=%d %-8s %5d groups x %d aggregate%s: %s%2d rounds (%d of keys), "
		   "compute per member %7.1f ms, %8.2f MB sent per member\n",
		   n, mode == SMPC_BATCH_UNION ? "union" : "declared", nkeys, ncols,
		   ncols == 1 ? " " : "s", ok ? "" : "FAILED ", rounds,
		   smpc_batch_key_rounds(bs[0]), compute / n * 1e3, bytes / 1e6);
	for (i = 0; i < n; i++)
		smpc_batch_free(bs[i]);
}

int
main(void)
{
	int			ns[] = {3, 5, 8};
	int			nk[] = {100, 10000};
	int			a,
				b,
				c,
				mode;

	if (sodium_init() < 0)
		return 2;
	printf("bench_batch: grouped computation, min_parties min(3, n), max_colluders (n - 1) / 2\n");
	for (a = 0; a < 3; a++)
		for (b = 0; b < 2; b++)
			for (c = 1; c <= 5; c += 4)
				for (mode = SMPC_BATCH_UNION; mode <= SMPC_BATCH_DECLARED; mode++)
					bench(ns[a], mode, nk[b], c);
	return 0;
}
