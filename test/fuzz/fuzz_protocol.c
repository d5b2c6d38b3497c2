/*-------------------------------------------------------------------------
 *
 * fuzz_protocol.c
 *	  libFuzzer target for the protocol's message handling (src/protocol.c).
 *
 * Three nodes in one process (a group of three, threshold 1, small-cell
 * protection, so that every step of the protocol exists) start one
 * computation each, chosen by the first input byte modulo 4: a sum (0), a
 * maximum (1: the round engine's comparison rounds), or a GROUP BY query
 * (batch.h) over keys the nodes hold in part, with a sum, a maximum and a
 * histogram per key, in union (2) or declared (3) key mode.  The input is
 * a script of actions: deliver the next
 * message on the way (or a changed copy of it: bytes flipped, cut short,
 * sent to another node, under another type or computation id), deliver a
 * message made of input bytes from any member or a stranger, let time
 * pass, cancel a request.  Randomness is seeded per input, so every input
 * runs the same way again.
 *
 * Besides the sanitizers' checks, it aborts (a crash for libFuzzer) when a
 * node posts more than one result for a request, writes more than one
 * history row for it, sends anything for a computation after it ended,
 * has not ended every computation once time has run out, or posts a
 * GROUP BY result that is not well formed (batch.h's result format, with
 * the declared keys in declared mode).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "mb/pg_wchar.h"

#include "batch.h"
#include "codec.h"
#include "protocol.h"

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

#define NNODES		3
#define MAX_WIRE	512
#define TIMEOUT_MS	2000

/* GROUP BY: keys of the universe, columns */
#define GKEYS		4
#define GCOLS		3

static const char *const gkeys[GKEYS] = {"", "a", "ab", "b"};	/* sorted */
static const uint8 gkind[GCOLS] = {SMPC_KIND_SUM, SMPC_KIND_MAXIMUM, SMPC_KIND_HISTOGRAM};
static const int gwidth[GCOLS] = {2, 1, 2};

/* the computation of this input: 0 sum, 1 maximum, 2 and 3 GROUP BY */
static int	mode;

static uint64 rng_state;

static uint64
rng_next(void)
{
	uint64		z = (rng_state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static const char *
rng_name(void)
{
	return "smpc-fuzz-splitmix";
}

static uint32_t
rng_random(void)
{
	return (uint32_t) rng_next();
}

static void
rng_stir(void)
{
}

static uint32_t
rng_uniform(const uint32_t upper)
{
	return upper < 2 ? 0 : (uint32_t) (rng_next() % upper);
}

static void
rng_buf(void *const buf, const size_t size)
{
	uint8	   *p = buf;
	size_t		i;

	for (i = 0; i < size; i++)
		p[i] = (uint8) rng_next();
}

static randombytes_implementation rng_impl = {
	rng_name, rng_random, rng_stir, rng_uniform, rng_buf, NULL
};

typedef struct Wire
{
	int			from;
	int			to;
	uint8		type;
	uint8		comp_id[SMPC_HASH_BYTES];
	uint8	   *payload;
	int			len;
} Wire;

typedef struct FNode
{
	SmpcProtocol *P;
	uint8		key[SMPC_KEY_BYTES];
	char		name[16];
	int			results;
	int			histories;
	uint8		ended[4][SMPC_HASH_BYTES];
	int			nended;
	uint8		last_comp_id[SMPC_HASH_BYTES];
} FNode;

static FNode fnodes[NNODES];
static uint8 stranger[SMPC_KEY_BYTES];
static Wire wire[MAX_WIRE];
static int	nwire;

static void
require(bool ok, const char *what)
{
	if (!ok)
	{
		fprintf(stderr, "fuzz_protocol: property violated: %s\n", what);
		abort();
	}
}

static int
node_of(const uint8 *key)
{
	int			i;

	for (i = 0; i < NNODES; i++)
		if (memcmp(fnodes[i].key, key, SMPC_KEY_BYTES) == 0)
			return i;
	return -1;
}

static uint128
rd(const uint8 **p, size_t *left, int len)
{
	uint128		v = 0;
	int			i;

	require(*left >= (size_t) len, "a GROUP BY result cut short");
	for (i = 0; i < len; i++)
		v = (v << 8) | (*p)[i];
	*p += len;
	*left -= len;
	return v;
}

/*
 * A GROUP BY result: well formed, every column, keys strictly increasing,
 * and in declared mode exactly the declared keys.  What the values are
 * depends on what forged messages the members took.
 */
static void
check_grouped_result(const uint8 *blob, size_t len)
{
	const uint8 *p = blob;
	size_t		left = len;
	const uint8 *prev = NULL;
	int			prevlen = 0;
	uint32		nkeys,
				g;
	int			c,
				v;

	require(blob != NULL, "a GROUP BY result without its blob");
	nkeys = (uint32) rd(&p, &left, 4);
	require(rd(&p, &left, 2) == GCOLS, "a GROUP BY result with other columns");
	require(mode != 3 || nkeys == GKEYS, "a GROUP BY result without the declared keys");
	require(nkeys <= SMPC_BATCH_MAX_KEYS, "a GROUP BY result with too many keys");
	for (c = 0; c < GCOLS; c++)
		require((int32) (uint32) rd(&p, &left, 4) >= 0, "a negative scale");
	for (g = 0; g < nkeys; g++)
	{
		int			klen = (int) rd(&p, &left, 2);

		require(left >= (size_t) klen && klen <= SMPC_BATCH_MAX_KEY, "a key cut short");
		if (prev)
		{
			int			cmp = memcmp(prev, p, Min(prevlen, klen));

			require(cmp < 0 || (cmp == 0 && prevlen < klen), "keys out of order");
		}
		require(mode != 3 || ((size_t) klen == strlen(gkeys[g]) &&
							  memcmp(p, gkeys[g], klen) == 0),
				"a GROUP BY result with another key than declared");
		prev = p;
		prevlen = klen;
		p += klen;
		left -= klen;
		for (c = 0; c < GCOLS; c++)
		{
			int			status = (int) rd(&p, &left, 1);

			require(status <= SMPC_BATCH_SMALL_CELL, "an unknown status");
			require(rd(&p, &left, 2) == (uint128) gwidth[c], "a cell of another width");
			for (v = 0; v < gwidth[c]; v++)
			{
				bool		isnull = rd(&p, &left, 1) != 0;
				uint128		x = rd(&p, &left, 16);

				require(status == SMPC_BATCH_RELEASED || isnull,
						"a value of a withheld cell");
				require(!isnull || x == 0, "a null that is not zero");
			}
		}
	}
	require(left == 0, "bytes after a GROUP BY result");
}

static void
put_be(StringInfo s, uint128 v, int len)
{
	int			i;

	for (i = len - 1; i >= 0; i--)
		appendStringInfoChar(s, (char) (uint8) (v >> (8 * i)));
}

/*
 * Node i's GROUP BY input: it holds key g unless g == i, so that each key
 * but the last is missing at one node; some cells have no rows.
 */
static void
grouped_input(int i, bool declared, StringInfo s)
{
	int			g,
				c,
				v;

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, declared ? SMPC_BATCH_DECLARED : SMPC_BATCH_UNION, 1);
	put_be(s, GCOLS, 2);
	for (c = 0; c < GCOLS; c++)
	{
		put_be(s, gkind[c], 1);
		put_be(s, SMPC_CLASS_EXACT, 1);
		put_be(s, gwidth[c], 2);
		put_be(s, c == 0 ? i : 0, 1);
	}
	put_be(s, declared ? GKEYS : 0, 4);
	for (g = 0; declared && g < GKEYS; g++)
	{
		put_be(s, strlen(gkeys[g]), 2);
		appendBinaryStringInfo(s, gkeys[g], strlen(gkeys[g]));
	}
	put_be(s, GKEYS - (i < GKEYS ? 1 : 0), 4);
	for (g = 0; g < GKEYS; g++)
	{
		if (g == i)
			continue;
		put_be(s, strlen(gkeys[g]), 2);
		appendBinaryStringInfo(s, gkeys[g], strlen(gkeys[g]));
		for (c = 0; c < GCOLS; c++)
		{
			int64		rows = (i + g + c) % 4;

			put_be(s, (uint128) rows, 8);
			for (v = 0; v < gwidth[c]; v++)
				put_be(s, (uint128) (int128) (c == 1 ? (g - i) * 1000 + v : rows + v), 16);
		}
	}
}

static void
run_effects(int i)
{
	FNode	   *nd = &fnodes[i];
	SmpcEffect *e;

	while ((e = smpc_protocol_next_effect(nd->P)) != NULL)
	{
		int			k;

		switch (e->type)
		{
			case SMPC_EFFECT_SEND:
				if (e->has_comp_id)
				{
					for (k = 0; k < nd->nended; k++)
						require(memcmp(nd->ended[k], e->comp_id, SMPC_HASH_BYTES) != 0,
								"a message for a computation that has ended");
					memcpy(nd->last_comp_id, e->comp_id, SMPC_HASH_BYTES);
				}
				if (nwire < MAX_WIRE && node_of(e->peer) >= 0)
				{
					Wire	   *w = &wire[nwire++];

					w->from = i;
					w->to = node_of(e->peer);
					w->type = e->msg_type;
					memset(w->comp_id, 0, SMPC_HASH_BYTES);
					if (e->has_comp_id)
						memcpy(w->comp_id, e->comp_id, SMPC_HASH_BYTES);
					w->len = e->payload.len;
					w->payload = malloc(Max(w->len, 1));
					memcpy(w->payload, e->payload.data, w->len);
				}
				break;
			case SMPC_EFFECT_RESULT:
				nd->results++;
				require(nd->results == 1, "two results for one request");
				if (mode >= 2 && e->sqlerrcode == 0)
					check_grouped_result(e->blob, e->bloblen);
				else
					require(e->blob == NULL, "a result blob for a single aggregate");
				break;
			case SMPC_EFFECT_HISTORY:
				nd->histories++;
				require(nd->histories == 1, "two history rows for one request");
				if (e->has_comp_id && nd->nended < 4)
					memcpy(nd->ended[nd->nended++], e->comp_id, SMPC_HASH_BYTES);
				break;
			case SMPC_EFFECT_LOG:
			case SMPC_EFFECT_DROP:
				break;
		}
		smpc_protocol_free_effect(e);
	}
}

/* Take the first message on the way out of the list. */
static Wire
take_wire(int k)
{
	Wire		w = wire[k];

	memmove(&wire[k], &wire[k + 1], sizeof(Wire) * (nwire - k - 1));
	nwire--;
	return w;
}

static void
deliver(int to, int from_key_node, const uint8 *key, uint8 type, const uint8 *comp_id,
		const uint8 *payload, int len, TimestampTz now)
{
	smpc_protocol_receive(fnodes[to].P, key,
						  from_key_node >= 0 ? fnodes[from_key_node].name : "stranger",
						  type, comp_id, payload, len, now);
	run_effects(to);
}

static void
setup(void)
{
	PeerGroup	g;
	int			order[NNODES] = {0, 1, 2};
	int			i,
				j;

	for (i = 0; i < NNODES; i++)
	{
		randombytes_buf(fnodes[i].key, SMPC_KEY_BYTES);
		snprintf(fnodes[i].name, sizeof(fnodes[i].name), "node%d", i + 1);
	}
	randombytes_buf(stranger, SMPC_KEY_BYTES);
	for (i = 0; i < NNODES; i++)
		for (j = i + 1; j < NNODES; j++)
			if (memcmp(fnodes[order[j]].key, fnodes[order[i]].key, SMPC_KEY_BYTES) < 0)
			{
				int			t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	for (i = 0; i < NNODES; i++)
	{
		memset(&g, 0, sizeof(g));
		strlcpy(g.name, "g", sizeof(g.name));
		g.min_parties = 2;
		g.max_colluders = 1;
		g.min_cell_count = 2;
		g.nmembers = NNODES;
		for (j = 0; j < NNODES; j++)
		{
			snprintf(g.members[j].name, SMPC_MAX_NAME, "%s", fnodes[order[j]].name);
			memcpy(g.members[j].public_key, fnodes[order[j]].key, SMPC_KEY_BYTES);
			g.members[j].self = order[j] == i;
		}
		fnodes[i].P = smpc_protocol_create(NULL);
		smpc_protocol_configure(fnodes[i].P, true, &g, 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8 *data, size_t size)
{
	static bool initialised = false;
	TimestampTz now = 1000000000;
	size_t		pos = 0;
	bool		max;
	int			i;

	if (!initialised)
	{
		randombytes_set_implementation(&rng_impl);
		if (sodium_init() < 0)
			abort();
		smpc_codec_set_encoding(PG_UTF8);
		initialised = true;
	}
	rng_state = 42;
	mode = size > 0 ? data[0] % 4 : 0;
	max = mode == 1;
	memset(fnodes, 0, sizeof(fnodes));
	nwire = 0;
	setup();

	for (i = 0; i < NNODES; i++)
	{
		SmpcProtoRequest req;
		int128		values[2] = {1000 * (i + 1), i + 1};
		StringInfoData input;

		if (max)
			values[0] = (int128) (i % 2 ? -1 : 1) * 1000 * (i + 1);

		memset(&req, 0, sizeof(req));
		req.slot = 0;
		req.serial = 1;
		req.kind = max ? SMPC_KIND_MAXIMUM : SMPC_KIND_SUM;
		req.vclass = SMPC_CLASS_EXACT;
		strlcpy(req.group, "g", sizeof(req.group));
		strlcpy(req.label, "fuzz", sizeof(req.label));
		req.nvalues = max ? 1 : 2;
		req.values = values;
		req.rows = i + 1;
		req.timeout_ms = TIMEOUT_MS;
		input.data = NULL;
		if (mode >= 2)
		{
			grouped_input(i, mode == 3, &input);
			req.kind = SMPC_KIND_GROUPED;
			req.nvalues = 1;
			values[0] = 0;
			req.rows = 0;
			memset(req.desc, 0x5c, SMPC_HASH_BYTES);
			req.batch = (const uint8 *) input.data;
			req.batch_len = input.len;
		}
		smpc_protocol_submit(fnodes[i].P, &req, now);
		run_effects(i);
		if (input.data)
			pfree(input.data);
	}

	if (size > 0)
		pos = 1;
	while (pos < size)
	{
		uint8		op = data[pos++];
		uint8		arg = pos < size ? data[pos++] : 0;

		switch (op % 6)
		{
			case 0:				/* deliver the next message as it is */
			case 1:
				if (nwire > 0)
				{
					Wire		w = take_wire(arg % nwire);

					deliver(w.to, w.from, fnodes[w.from].key, w.type, w.comp_id,
							w.payload, w.len, now);
					free(w.payload);
				}
				break;
			case 2:				/* deliver a changed copy, keep the original */
				if (nwire > 0)
				{
					Wire	   *w = &wire[arg % nwire];
					uint8	   *copy = malloc(Max(w->len, 1));
					int			len = w->len;
					uint8		how = pos < size ? data[pos++] : 0;
					uint8		type = w->type;
					int			to = w->to;
					uint8		comp_id[SMPC_HASH_BYTES];

					memcpy(copy, w->payload, len);
					memcpy(comp_id, w->comp_id, SMPC_HASH_BYTES);
					if (how & 1 && len > 0)
						copy[(pos < size ? data[pos++] : 0) % len] ^= (uint8) (1 + (how >> 4));
					if (how & 2)
						len = len > 0 ? (pos < size ? data[pos++] : 0) % len : 0;
					if (how & 4)
						type = 3 + (how >> 5) % 7;
					if (how & 8)
						to = (to + 1) % NNODES;
					if ((how & 16) && len > 0)
						comp_id[0] ^= 1;
					if (to != w->from)
						deliver(to, w->from, fnodes[w->from].key, type, comp_id, copy, len, now);
					free(copy);
				}
				break;
			case 3:				/* a message of input bytes */
				{
					int			to = arg % NNODES;
					uint8		from = pos < size ? data[pos++] : 0;
					uint8		type = pos < size ? data[pos++] : 0;
					int			len = pos < size ? data[pos++] : 0;
					uint8		comp_id[SMPC_HASH_BYTES];
					const uint8 *key;
					int			key_node;

					len = Min((size_t) len * 4, size - pos);
					memset(comp_id, 0, SMPC_HASH_BYTES);
					if (type & 0x80)
						memcpy(comp_id, fnodes[to].last_comp_id, SMPC_HASH_BYTES);
					key_node = from % (NNODES + 1);
					if (key_node == NNODES || key_node == to)
					{
						key = stranger;
						key_node = -1;
					}
					else
						key = fnodes[key_node].key;
					deliver(to, key_node, key, 1 + (type & 0x7f) % 10, comp_id,
							data + pos, len, now);
					pos += len;
				}
				break;
			case 4:				/* time passes */
				now += (TimestampTz) arg * 20 * 1000;
				for (i = 0; i < NNODES; i++)
				{
					smpc_protocol_tick(fnodes[i].P, now);
					run_effects(i);
				}
				break;
			case 5:				/* a backend gives up */
				if (arg < 8)
				{
					smpc_protocol_cancel(fnodes[arg % NNODES].P, 0, now);
					run_effects(arg % NNODES);
				}
				break;
		}
	}

	/* once the deadline has passed, every computation has ended */
	now += (TimestampTz) (TIMEOUT_MS + 1) * 1000;
	for (i = 0; i < NNODES; i++)
	{
		smpc_protocol_tick(fnodes[i].P, now);
		run_effects(i);
		require(fnodes[i].results == 1 && fnodes[i].histories == 1,
				"a computation that never ended");
	}
	for (i = 0; i < nwire; i++)
		free(wire[i].payload);
	for (i = 0; i < NNODES; i++)
		smpc_protocol_destroy(fnodes[i].P);
	return 0;
}
