/*-------------------------------------------------------------------------
 *
 * fuzz_protocol.c
 *	  libFuzzer target for the protocol's message handling (src/protocol.c).
 *
 * Three nodes in one process (a group of three, threshold 1, small-cell
 * protection, so that every step of the protocol exists) start one
 * computation each: a sum, or when the first input byte is odd a maximum
 * (the round engine's comparison rounds).  The input is a script of actions: deliver the next
 * message on the way (or a changed copy of it: bytes flipped, cut short,
 * sent to another node, under another type or computation id), deliver a
 * message made of input bytes from any member or a stranger, let time
 * pass, cancel a request.  Randomness is seeded per input, so every input
 * runs the same way again.
 *
 * Besides the sanitizers' checks, it aborts (a crash for libFuzzer) when a
 * node posts more than one result for a request, writes more than one
 * history row for it, sends anything for a computation after it ended, or
 * has not ended every computation once time has run out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include <sodium.h>

#include "mb/pg_wchar.h"

#include "codec.h"
#include "protocol.h"

int			LLVMFuzzerTestOneInput(const uint8 *data, size_t size);

#define NNODES		3
#define MAX_WIRE	512
#define TIMEOUT_MS	2000

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
	bool		max = size > 0 && (data[0] & 1);
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
	memset(fnodes, 0, sizeof(fnodes));
	nwire = 0;
	setup();

	for (i = 0; i < NNODES; i++)
	{
		SmpcProtoRequest req;
		int128		values[2] = {1000 * (i + 1), i + 1};

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
		smpc_protocol_submit(fnodes[i].P, &req, now);
		run_effects(i);
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
