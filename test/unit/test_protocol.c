/*
 * test_protocol.c
 *	  The computation protocol (src/protocol.c) without servers: N simulated
 *	  nodes in one process, each an SmpcProtocol, and a router between them
 *	  that delays, reorders, duplicates and drops messages.  Randomness,
 *	  the protocol's included, comes from a seeded generator installed with
 *	  randombytes_set_implementation(), so every run is the same.
 *
 * For every scenario and every computation it checks that
 *	 - each node ends it exactly once: one result (or error) for the slot,
 *	   one history row;
 *	 - a result is exact (the sum of every node's input, element by
 *	   element), or withheld when the scenario says so, or an error whose
 *	   message names the cause;
 *	 - no node sends anything for a computation after it ended there;
 *	 - on a network that only delays and reorders between different
 *	   senders (each sender's messages to one recipient stay in order, as
 *	   transport.c and session.c guarantee), every computation succeeds.
 *
 * Order statistics (SMPC_KIND_PERCENTILE, search.h) too: each node holds
 * rows of a small range, and every node's result must be PostgreSQL's
 * percentile_disc(0.5) and the ranks of percentile_cont(0.25) over the
 * pooled rows, the same bytes at every node.
 *
 * GROUP BY computations (SMPC_KIND_GROUPED, batch.h) run through the same
 * router: each node holds some keys of a small universe (some keys at one
 * node only, some at none), with cells of several kinds, rows or none.
 * Every node's result must decode to the same agreed keys, statuses and
 * values as the plain computation over the pooled inputs; a node with
 * another description of the query, a backend that gives up between
 * rounds, a node that dies or never asks must end every node's
 * computation with an error that names the cause or the silent member.
 *
 * Output: "# seed S", one line per scenario ("ok" or "not ok", with how
 * the computations ended), a "not ok" line per failed check, and last
 * "unit: protocol, N passed, M failed"; the exit status is 1 if any check
 * failed.  Usage: test_protocol [seed] [-v]; the seed is fixed unless given
 * (test/unit/run.sh passes SMPC_UNIT_SEED), and -v also prints every
 * node's log lines.  Built by test/unit/run.sh with PostgreSQL's
 * libpgcommon.a and libpgport.a and libsodium, from
 * sources: src/protocol.c src/search.c src/batch.c src/engine.c src/codec.c src/field.c
 */
#include "postgres.h"

#include <math.h>

#include <sodium.h>

#include "mb/pg_wchar.h"

#include "batch.h"
#include "codec.h"
#include "protocol.h"
#include "search.h"
#include "wide.h"

#define MAX_NODES	8
#define MAX_MSGS	50000
#define TIMEOUT_MS	4000
/* a GROUP BY with min and max takes some sixty rounds at five nodes */
#define GROUPED_TIMEOUT_MS 15000

/* ---------- deterministic randomness ---------- */

static uint64 rng_state;

static uint64
rng_next(void)
{
	/* splitmix64 */
	uint64		z = (rng_state += UINT64CONST(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static const char *
rng_name(void)
{
	return "smpc-test-splitmix";
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

/* a draw for the router, in [0, n) */
static int
draw(int n)
{
	return (int) (rng_next() % (uint64) n);
}

/* ---------- checks ---------- */

static int	nchecks = 0;
static int	nfailed = 0;
/* how the computations of a scenario ended, over every node */
static int	nexact = 0;
static int	nwithheld = 0;
static int	nerrors = 0;
/* GROUP BY: cells of the results checked, released or withheld */
static int	ncells_released = 0;
static int	ncells_withheld = 0;
static const char *scenario = "";

#define CHECK(cond, ...) \
	do { \
		nchecks++; \
		if (!(cond)) \
		{ \
			nfailed++; \
			printf("not ok - [%s] ", scenario); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

/* ---------- nodes and router ---------- */

typedef struct Node
{
	SmpcProtocol *P;
	char		name[SMPC_MAX_NAME];
	uint8		key[SMPC_KEY_BYTES];
	/* what it submitted, and how it ended */
	bool		submitted;
	TimestampTz submit_at;
	int128		values[2];
	int64		rows;
	int			results;		/* RESULT effects for the request */
	int			histories;		/* HISTORY effects */
	int			sqlerrcode;
	bool		withheld;
	char		errmsg[512];
	int			nresult;
	int128		result[2];
	bool		result_null[2];
	/* computation ids that have ended here */
	uint8		ended[16][SMPC_HASH_BYTES];
	int			nended;
	bool		sent_after_end;
	/* GROUP BY: the local input, the result (batch.h), rounds sent */
	StringInfoData input;
	uint8	   *blob;
	size_t		bloblen;
	int			round_msgs;
} Node;

typedef struct Msg
{
	int			from;
	int			to;
	uint8		type;
	uint8		comp_id[SMPC_HASH_BYTES];
	uint8	   *payload;
	int			len;
	TimestampTz at;				/* due */
	uint64		order;			/* tie-break: sending order */
	bool		live;
} Msg;

typedef struct Net
{
	int			drop_pct;		/* per message */
	int			dup_pct;
	int			max_delay_ms;
	bool		fifo;			/* keep each sender's order per recipient */
	int			kill_node;		/* stops taking part after its shares, or -1 */
} Net;

static Node nodes[MAX_NODES];
static int	nnodes;
static Msg *msgs;
static int	nmsgs;
static uint64 send_order;
static PeerGroup group_of[MAX_NODES];

/* A message that will not arrive. */
static void
kill_msg(Msg *m)
{
	m->live = false;
	free(m->payload);
	m->payload = NULL;
}

static int
node_by_key(const uint8 *key)
{
	int			i;

	for (i = 0; i < nnodes; i++)
		if (memcmp(nodes[i].key, key, SMPC_KEY_BYTES) == 0)
			return i;
	return -1;
}

static bool
has_ended(Node *nd, const uint8 *comp_id)
{
	int			i;

	for (i = 0; i < nd->nended; i++)
		if (memcmp(nd->ended[i], comp_id, SMPC_HASH_BYTES) == 0)
			return true;
	return false;
}

static void
route(Net *net, int from, const SmpcEffect *e, TimestampTz now)
{
	int			to = node_by_key(e->peer);
	int			copies = 1;
	int			k;
	TimestampTz last = now;

	if (to < 0)
		return;
	if (net->drop_pct > 0 && draw(100) < net->drop_pct)
		return;
	if (net->dup_pct > 0 && draw(100) < net->dup_pct)
		copies = 2;
	/* in FIFO mode, never before the last message from the same sender */
	if (net->fifo)
		for (k = 0; k < nmsgs; k++)
			if (msgs[k].live && msgs[k].from == from && msgs[k].to == to && msgs[k].at > last)
				last = msgs[k].at;
	while (copies-- > 0)
	{
		Msg		   *m;

		if (nmsgs == MAX_MSGS)
		{
			CHECK(false, "router overflow");
			return;
		}
		m = &msgs[nmsgs++];
		m->from = from;
		m->to = to;
		m->type = e->msg_type;
		memset(m->comp_id, 0, SMPC_HASH_BYTES);
		if (e->has_comp_id)
			memcpy(m->comp_id, e->comp_id, SMPC_HASH_BYTES);
		m->len = e->payload.len;
		m->payload = malloc(Max(m->len, 1));
		memcpy(m->payload, e->payload.data, m->len);
		m->at = (net->fifo ? last : now) +
			(TimestampTz) draw(net->max_delay_ms + 1) * 1000;
		m->order = send_order++;
		m->live = true;
		if (net->fifo)
			last = m->at;
	}
}

/* Carry out node i's effects. */
static void
effects(Net *net, int i, TimestampTz now, bool verbose)
{
	Node	   *nd = &nodes[i];
	SmpcEffect *e;

	while ((e = smpc_protocol_next_effect(nd->P)) != NULL)
	{
		switch (e->type)
		{
			case SMPC_EFFECT_SEND:
				if (e->has_comp_id && has_ended(nd, e->comp_id))
					nd->sent_after_end = true;
				if (e->msg_type == SMPC_MSG_ROUND)
					nd->round_msgs++;
				route(net, i, e, now);
				break;
			case SMPC_EFFECT_RESULT:
				nd->results++;
				if (e->blob && nd->blob == NULL)
				{
					nd->blob = malloc(Max(e->bloblen, 1));
					memcpy(nd->blob, e->blob, e->bloblen);
					nd->bloblen = e->bloblen;
				}
				nd->sqlerrcode = e->sqlerrcode;
				nd->withheld = e->withheld;
				snprintf(nd->errmsg, sizeof(nd->errmsg), "%s%s%s", e->msg ? e->msg : "",
						 e->detail ? " / " : "", e->detail ? e->detail : "");
				nd->nresult = e->nresult;
				if (e->nresult >= 1 && e->nresult <= 2)
				{
					memcpy(nd->result, e->result, sizeof(int128) * e->nresult);
					memcpy(nd->result_null, e->result_null, sizeof(bool) * e->nresult);
				}
				break;
			case SMPC_EFFECT_HISTORY:
				nd->histories++;
				if (e->has_comp_id && nd->nended < 16)
					memcpy(nd->ended[nd->nended++], e->comp_id, SMPC_HASH_BYTES);
				break;
			case SMPC_EFFECT_LOG:
				if (verbose)
					printf("  %s: %s%s%s\n", nd->name, e->msg, e->detail ? " -- " : "",
						   e->detail ? e->detail : "");
				break;
			case SMPC_EFFECT_DROP:
				{
					int			k;

					/* what transport.c does: the computation's queue goes */
					for (k = 0; k < nmsgs; k++)
						if (msgs[k].live && msgs[k].from == i &&
							msgs[k].type != SMPC_MSG_ABORT &&
							msgs[k].type != SMPC_MSG_READY &&
							memcmp(msgs[k].comp_id, e->comp_id, SMPC_HASH_BYTES) == 0)
							kill_msg(&msgs[k]);
					break;
				}
		}
		smpc_protocol_free_effect(e);
	}
}

/* A group of every node; each node's copy marks itself. */
static void
make_groups(int n, int min_parties, int max_colluders, int min_cell_count, int odd)
{
	int			order[MAX_NODES];
	int			i,
				j;

	for (i = 0; i < n; i++)
		order[i] = i;
	/* members sorted by public key */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (memcmp(nodes[order[j]].key, nodes[order[i]].key, SMPC_KEY_BYTES) < 0)
			{
				int			t = order[i];

				order[i] = order[j];
				order[j] = t;
			}
	for (i = 0; i < n; i++)
	{
		PeerGroup  *g = &group_of[i];

		memset(g, 0, sizeof(*g));
		strlcpy(g->name, "g", sizeof(g->name));
		g->min_parties = min_parties;
		g->max_colluders = max_colluders;
		g->min_cell_count = min_cell_count;
		g->nmembers = n;
		for (j = 0; j < n; j++)
		{
			strlcpy(g->members[j].name, nodes[order[j]].name, SMPC_MAX_NAME);
			memcpy(g->members[j].public_key, nodes[order[j]].key, SMPC_KEY_BYTES);
			g->members[j].self = order[j] == i;
		}
		memset(g->digest, i == odd ? 0xa5 : 0x5a, SMPC_HASH_BYTES);
	}
}

typedef struct Scenario
{
	const char *name;
	int			n;
	int			min_parties;
	int			max_colluders;
	int			min_cell_count;
	Net			net;
	bool		must_succeed;	/* every node gets the exact result */
	int			zero_rows_node; /* contributes no rows, or -1 */
	bool		expect_withheld;
	int			rounds;
	int			cancel_node;	/* its backend gives up, or -1 */
	int			cancel_ms;		/* that long after the start */
	int			odd_digest_node;	/* sees another membership, or -1 */
	SmpcKind	kind;
} Scenario;

/* ---------- GROUP BY inputs and their plain result ---------- */

#define GMAXC		5			/* columns */
#define GMAXW		3			/* values per cell */
#define GMAXK		12			/* keys of the universe */
#define GKEYLEN		6

/* What a GROUP BY scenario computes and what goes wrong. */
typedef struct GroupedSpec
{
	int			mode;			/* SMPC_BATCH_UNION or SMPC_BATCH_DECLARED */
	int			ncols;
	uint8		kind[GMAXC];
	uint8		vclass[GMAXC];
	int			width[GMAXC];
	int			nkeys;			/* keys of the universe */
	int			hold_pct;		/* each node holds each other key so often */
	int			lonely;			/* keys held by one node only */
	int			odd_desc_node;	/* describes another query, or -1 */
	int			odd_layout_node;	/* same description, other columns, or -1 */
	int			absent_node;	/* never asks, or -1 */
	int			cancel_rounds;	/* the cancelling node gives up after that
								 * many rounds (0: at cancel_ms) */
	const char *expect_error;	/* every node fails with this, or NULL */
} GroupedSpec;

/* The pooled data of one GROUP BY computation. */
typedef struct GroupedData
{
	int			nk;
	uint8		key[GMAXK][GKEYLEN];	/* sorted: memcmp, then length */
	int			klen[GMAXK];
	bool		declared[GMAXK];
	bool		held[MAX_NODES][GMAXK];
	int64		rows[MAX_NODES][GMAXK][GMAXC];
	int128		vals[MAX_NODES][GMAXK][GMAXC][GMAXW];
	int			scale[MAX_NODES][GMAXC];
} GroupedData;

static GroupedData gdata;

static bool
is_extreme(int kind)
{
	return kind == SMPC_KIND_MINIMUM || kind == SMPC_KIND_MAXIMUM;
}

static bool
is_distribution(int kind)
{
	return kind == SMPC_KIND_HISTOGRAM || kind == SMPC_KIND_FREQUENCIES;
}

static int
key_cmp(const uint8 *a, int alen, const uint8 *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	return c != 0 ? c : (alen > blen) - (alen < blen);
}

static int128
draw_range(int128 lo, int128 hi)
{
	uint128		span = (uint128) (hi - lo) + 1;
	uint128		u = ((uint128) rng_next() << 64) | rng_next();

	return lo + (int128) (u % span);
}

/*
 * A universe of distinct keys, sorted as the result lists them: the empty
 * key, "\0" (which differs from it by its length only), keys that are
 * prefixes of others; then who holds what.
 */
static void
grouped_data(const GroupedSpec *gs, int n)
{
	GroupedData *d = &gdata;
	int			g,
				h,
				i,
				c,
				v;

	memset(d, 0, sizeof(*d));
	d->nk = gs->nkeys;
	for (g = 0; g < d->nk; g++)
	{
		d->klen[g] = g == 0 ? 0 : g == 1 ? 1 : 1 + draw(GKEYLEN);
		for (i = 0; i < d->klen[g]; i++)
			d->key[g][i] = (uint8) draw(3);
		if (g >= 2)
			d->key[g][0] = (uint8) (1 + g);		/* distinct from every other */
	}
	/* insertion sort */
	for (g = 1; g < d->nk; g++)
		for (h = g; h > 0 && key_cmp(d->key[h - 1], d->klen[h - 1], d->key[h], d->klen[h]) > 0; h--)
		{
			uint8		tk[GKEYLEN];
			int			tl = d->klen[h];

			memcpy(tk, d->key[h], GKEYLEN);
			memcpy(d->key[h], d->key[h - 1], GKEYLEN);
			d->klen[h] = d->klen[h - 1];
			memcpy(d->key[h - 1], tk, GKEYLEN);
			d->klen[h - 1] = tl;
		}

	for (g = 0; g < d->nk; g++)
	{
		bool		any = false;

		for (i = 0; i < n; i++)
		{
			d->held[i][g] = g < gs->lonely ? i == (g * 7 + 1) % n : draw(100) < gs->hold_pct;
			any |= d->held[i][g];
		}
		/* declared: every held key, and some that nobody holds */
		d->declared[g] = any || draw(2) == 0;
	}
	for (i = 0; i < n; i++)
		for (g = 0; g < d->nk; g++)
			for (c = 0; c < gs->ncols; c++)
			{
				int64		rows;

				if (!d->held[i][g])
					continue;
				rows = draw(8) == 0 ? 0 : 1 + draw(6);
				for (v = 0; v < gs->width[c]; v++)
				{
					int128		x;

					if (is_extreme(gs->kind[c]))
						x = draw(3) == 0 ? draw_range(-2, 2)
							: draw_range(-((int128) 1 << 78), (int128) 1 << 78);
					else if (is_distribution(gs->kind[c]))
						x = draw(4);
					else
						x = draw_range(-1000000000, 1000000000);
					d->vals[i][g][c][v] = x;
				}
				if (is_distribution(gs->kind[c]))
				{
					/* rows: the counts of the buckets */
					rows = 0;
					for (v = 0; v < gs->width[c]; v++)
						rows += (int64) d->vals[i][g][c][v];
				}
				d->rows[i][g][c] = rows;
				/* a cell without rows may hold anything: it must not count */
				if (rows == 0)
					for (v = 0; v < gs->width[c]; v++)
						d->vals[i][g][c][v] = 7777 + v;
			}
	for (i = 0; i < n; i++)
		for (c = 0; c < gs->ncols; c++)
			d->scale[i][c] = gs->vclass[c] == SMPC_CLASS_FLOAT ? 0 : draw(SMPC_EXACT_SCALE + 1);
}

static void
put_be(StringInfo s, uint128 v, int len)
{
	int			i;

	for (i = len - 1; i >= 0; i--)
		appendStringInfoChar(s, (char) (uint8) (v >> (8 * i)));
}

/*
 * Node i's local input (batch.h), keys in reverse order.  "odd": column 0
 * of another kind, as if this node ran another query under the same
 * description.
 */
static void
grouped_input(const GroupedSpec *gs, int i, bool odd, StringInfo s)
{
	GroupedData *d = &gdata;
	int			c,
				g,
				v,
				nd = 0,
				nh = 0;

	initStringInfo(s);
	put_be(s, 1, 1);
	put_be(s, gs->mode, 1);
	put_be(s, gs->ncols, 2);
	for (c = 0; c < gs->ncols; c++)
	{
		uint8		kind = gs->kind[c];

		if (odd && c == 0)
			kind = kind == SMPC_KIND_SUM ? SMPC_KIND_AVG : SMPC_KIND_SUM;
		put_be(s, kind, 1);
		put_be(s, gs->vclass[c], 1);
		put_be(s, gs->width[c], 2);
		put_be(s, d->scale[i][c], 1);
	}
	if (gs->mode == SMPC_BATCH_DECLARED)
		for (g = 0; g < d->nk; g++)
			nd += d->declared[g] ? 1 : 0;
	put_be(s, nd, 4);
	for (g = 0; g < d->nk && nd > 0; g++)
		if (d->declared[g])
		{
			put_be(s, d->klen[g], 2);
			appendBinaryStringInfo(s, (const char *) d->key[g], d->klen[g]);
		}
	for (g = 0; g < d->nk; g++)
		nh += d->held[i][g] ? 1 : 0;
	put_be(s, nh, 4);
	for (g = d->nk - 1; g >= 0; g--)
	{
		if (!d->held[i][g])
			continue;
		put_be(s, d->klen[g], 2);
		appendBinaryStringInfo(s, (const char *) d->key[g], d->klen[g]);
		for (c = 0; c < gs->ncols; c++)
		{
			put_be(s, (uint128) (uint64) d->rows[i][g][c], 8);
			for (v = 0; v < gs->width[c]; v++)
				put_be(s, (uint128) d->vals[i][g][c][v], 16);
		}
	}
}

/* Whether a count, or the count less any one node's own, is in 1 .. k - 1. */
static bool
small_count(int n, int k, int128 total, const int128 *own)
{
	int			i;

	if (total >= 1 && total < k)
		return true;
	for (i = 0; i < n; i++)
		if (total - own[i] >= 1 && total - own[i] < k)
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
 * Node nd's result against the plain computation over every node's input:
 * the agreed keys, the scales, each cell's status and values.  Counts the
 * cells by status; reports the first difference only.
 */
static void
check_grouped_result(const GroupedSpec *gs, const Scenario *s, int round, Node *nd,
					 int *released, int *withheld)
{
	GroupedData *d = &gdata;
	Reader		r = {nd->blob, nd->bloblen, true};
	int			n = s->n;
	int			m = s->min_parties;
	int			k = s->min_cell_count;
	int			nexp = 0,
				g,
				c,
				i,
				v;
	uint32		nkeys;
	int			ncols;

	for (g = 0; g < d->nk; g++)
	{
		bool		any = false;

		for (i = 0; i < n; i++)
			any |= d->held[i][g];
		if (gs->mode == SMPC_BATCH_DECLARED ? d->declared[g] : any)
			nexp++;
	}
	nkeys = (uint32) rd(&r, 4);
	ncols = (int) rd(&r, 2);
	CHECK(r.ok && nkeys == (uint32) nexp && ncols == gs->ncols,
		  "round %d %s: %u keys and %d columns, want %d and %d", round, nd->name,
		  nkeys, ncols, nexp, gs->ncols);
	if (!r.ok || nkeys != (uint32) nexp || ncols != gs->ncols)
		return;
	for (c = 0; c < gs->ncols; c++)
	{
		int			sc = 0;
		int32		got = (int32) (uint32) rd(&r, 4);

		for (i = 0; i < n; i++)
			sc = Max(sc, d->scale[i][c]);
		CHECK(got == sc, "round %d %s: column %d scale %d, want %d", round, nd->name, c,
			  (int) got, sc);
		if (got != sc)
			return;
	}
	for (g = 0; g < d->nk; g++)
	{
		bool		any = false;
		int			len;

		for (i = 0; i < n; i++)
			any |= d->held[i][g];
		if (!(gs->mode == SMPC_BATCH_DECLARED ? d->declared[g] : any))
			continue;
		len = (int) rd(&r, 2);
		CHECK(r.ok && len == d->klen[g] && r.left >= (size_t) len &&
			  memcmp(r.p, d->key[g], len) == 0,
			  "round %d %s: key %d (length %d) differs", round, nd->name, g, d->klen[g]);
		if (!r.ok || len != d->klen[g] || r.left < (size_t) len ||
			memcmp(r.p, d->key[g], len) != 0)
			return;
		r.p += len;
		r.left -= len;
		for (c = 0; c < gs->ncols; c++)
		{
			int			w = gs->width[c];
			int			contributors = 0;
			int128		own[MAX_NODES];
			int128		total = 0;
			int128		want[GMAXW];
			bool		null[GMAXW];
			int			status,
						got_status,
						got_width;

			memset(want, 0, sizeof(want));
			for (i = 0; i < n; i++)
			{
				own[i] = d->held[i][g] ? d->rows[i][g][c] : 0;
				contributors += own[i] > 0 ? 1 : 0;
				total += own[i];
			}
			for (v = 0; v < w; v++)
			{
				bool		first = true;

				for (i = 0; i < n; i++)
				{
					int128		x = d->vals[i][g][c][v];

					if (own[i] <= 0)
						continue;
					if (gs->kind[c] == SMPC_KIND_MAXIMUM)
						want[v] = first || x > want[v] ? x : want[v];
					else if (gs->kind[c] == SMPC_KIND_MINIMUM)
						want[v] = first || x < want[v] ? x : want[v];
					else
						want[v] += x;
					first = false;
				}
			}
			if (contributors < m)
				status = SMPC_BATCH_FEW_PARTIES;
			else if (k > 1 && !is_distribution(gs->kind[c]) && small_count(n, k, total, own))
				status = SMPC_BATCH_SMALL_CELL;
			else
				status = SMPC_BATCH_RELEASED;
			for (v = 0; v < w; v++)
			{
				null[v] = status != SMPC_BATCH_RELEASED;
				if (!null[v] && k > 1 && is_distribution(gs->kind[c]))
				{
					int128		bown[MAX_NODES];
					int128		btotal = 0;

					for (i = 0; i < n; i++)
					{
						bown[i] = own[i] > 0 ? d->vals[i][g][c][v] : 0;
						btotal += bown[i];
					}
					null[v] = small_count(n, k, btotal, bown);
				}
			}
			got_status = (int) rd(&r, 1);
			got_width = (int) rd(&r, 2);
			CHECK(r.ok && got_status == status && got_width == w,
				  "round %d %s: key %d column %d: status %d width %d, want %d and %d",
				  round, nd->name, g, c, got_status, got_width, status, w);
			if (!r.ok || got_status != status || got_width != w)
				return;
			if (status == SMPC_BATCH_RELEASED)
				(*released)++;
			else
				(*withheld)++;
			for (v = 0; v < w; v++)
			{
				bool		isnull = rd(&r, 1) != 0;
				int128		x = (int128) rd(&r, 16);

				CHECK(r.ok && isnull == null[v] && x == (null[v] ? 0 : want[v]),
					  "round %d %s: key %d column %d value %d: %s%lld, want %s%lld",
					  round, nd->name, g, c, v, isnull ? "null " : "", (long long) x,
					  null[v] ? "null " : "", (long long) want[v]);
				if (!r.ok || isnull != null[v] || x != (null[v] ? 0 : want[v]))
					return;
			}
		}
	}
	CHECK(r.ok && r.left == 0, "round %d %s: %zu bytes after the result", round, nd->name,
		  r.left);
}

/* Whether node i takes part at all (it may die after asking). */
static bool
absent(const GroupedSpec *gs, int i)
{
	return gs != NULL && i == gs->absent_node;
}

/*
 * A GROUP BY computation that failed at node i: the error names the cause
 * the scenario set up, never a timeout when a member said why, and the
 * silent member when there is one.
 */
static void
check_grouped_error(const Scenario *s, const GroupedSpec *gs, int round, int i)
{
	Node	   *nd = &nodes[i];
	char		want[256];

	if (gs->expect_error)
		CHECK(strstr(nd->errmsg, gs->expect_error) != NULL &&
			  strstr(nd->errmsg, "timed out") == NULL,
			  "round %d %s: not \"%s\": %s", round, nd->name, gs->expect_error, nd->errmsg);
	if (s->cancel_node >= 0 && gs->cancel_rounds > 0 && i != s->cancel_node)
		CHECK(strstr(nd->errmsg, "abandoned the computation") != NULL &&
			  strstr(nd->errmsg, "cancelled at this node") != NULL &&
			  strstr(nd->errmsg, nodes[s->cancel_node].name) != NULL &&
			  strstr(nd->errmsg, "timed out") == NULL,
			  "round %d %s: does not say that %s gave up: %s", round, nd->name,
			  nodes[s->cancel_node].name, nd->errmsg);
	if (s->net.kill_node >= 0)
	{
		snprintf(want, sizeof(want), "Peers that did not send their comparison round: %s.",
				 nodes[s->net.kill_node].name);
		CHECK(strstr(nd->errmsg, "timed out") != NULL && strstr(nd->errmsg, want) != NULL,
			  "round %d %s: not \"%s\": %s", round, nd->name, want, nd->errmsg);
	}
	if (gs->absent_node >= 0)
	{
		snprintf(want, sizeof(want), "Peers that never joined: %s.",
				 nodes[gs->absent_node].name);
		CHECK(strstr(nd->errmsg, "timed out") != NULL && strstr(nd->errmsg, want) != NULL,
			  "round %d %s: not \"%s\": %s", round, nd->name, want, nd->errmsg);
	}
}

/* ---------- order statistics (search.h) ---------- */

#define SMAXROWS	40
static int128 search_rows[MAX_NODES][SMAXROWS];
static int	search_nrows[MAX_NODES];

static int
int128_cmp(const void *a, const void *b)
{
	int128		x = *(const int128 *) a,
				y = *(const int128 *) b;

	return x < y ? -1 : x > y;
}

/*
 * Node i's search input: its rows (some equal across nodes), sorted and
 * counted, and two queries: percentile_disc(0.5), percentile_cont(0.25).
 */
static void
search_input(int i, StringInfo out)
{
	static const double fr[2] = {0.5, 0.25};
	int128		v[SMAXROWS];
	int			n = search_nrows[i],
				k,
				nd = 0;
	StringInfoData keys;

	memcpy(v, search_rows[i], sizeof(int128) * n);
	qsort(v, n, sizeof(int128), int128_cmp);
	initStringInfo(&keys);
	for (k = 0; k < n;)
	{
		int			e = k;

		while (e < n && v[e] == v[k])
			e++;
		smpc_search_put_key(&keys, k == 0, k == 0 ? 0 : v[k - 1], v[k], e - k);
		nd++;
		k = e;
	}
	initStringInfo(out);
	smpc_batch_put_be(out, 1, 1);
	smpc_batch_put_be(out, SMPC_SEARCH_ORDER, 1);
	smpc_batch_put_be(out, 0, 1);
	smpc_batch_put_be(out, 1, 2);
	smpc_batch_put_be(out, 2, 2);
	for (k = 0; k < 2; k++)
	{
		uint64		bits;

		memcpy(&bits, &fr[k], 8);
		smpc_batch_put_be(out, k == 0 ? SMPC_SEARCH_DISC : SMPC_SEARCH_CONT, 1);
		smpc_batch_put_be(out, bits, 8);
	}
	smpc_batch_put_be(out, nd, 4);
	appendBinaryStringInfo(out, keys.data, keys.len);
	pfree(keys.data);
}

/* A node's search result against PostgreSQL's rule over the pooled rows. */
static void
check_search_result(int round, const Node *nd)
{
	int128		all[MAX_NODES * SMAXROWS];
	int			N = 0,
				i;
	const uint8 *p = nd->blob;
	int64		disc,
				first,
				second;

	for (i = 0; i < nnodes; i++)
	{
		memcpy(all + N, search_rows[i], sizeof(int128) * search_nrows[i]);
		N += search_nrows[i];
	}
	qsort(all, N, sizeof(int128), int128_cmp);
	disc = Max((int64) ceil(0.5 * N), 1);
	first = (int64) floor(0.25 * (N - 1));
	second = (int64) ceil(0.25 * (N - 1));
	CHECK(nd->bloblen == 4 + 8 + 2 + 2 * 33 && p[0] == SMPC_SEARCH_ORDER && p[1] == 0 &&
		  p[2] == 1 && p[3] == SMPC_BATCH_RELEASED,
		  "round %d %s: a search result of %zu bytes, status %d", round, nd->name,
		  nd->bloblen, nd->bloblen >= 4 ? p[3] : -1);
	if (nd->bloblen != 4 + 8 + 2 + 2 * 33)
		return;
	CHECK((int64) smpc_batch_get_be(p + 4, 8) == N, "round %d %s: N", round, nd->name);
	CHECK(p[14] == 1 && (int128) smpc_batch_get_be(p + 15, 16) == all[disc - 1] &&
		  (int128) smpc_batch_get_be(p + 31, 16) == all[disc - 1],
		  "round %d %s: percentile_disc(0.5) is %lld, want %lld", round, nd->name,
		  (long long) (int128) smpc_batch_get_be(p + 15, 16), (long long) all[disc - 1]);
	CHECK(p[47] == 1 && (int128) smpc_batch_get_be(p + 48, 16) == all[first] &&
		  (int128) smpc_batch_get_be(p + 64, 16) == all[second],
		  "round %d %s: the ranks of percentile_cont(0.25)", round, nd->name);
}

/*
 * One computation at every node: a single aggregate, or with gs a GROUP BY
 * query.
 */
static void
run_once(const Scenario *s, const GroupedSpec *gs, int round, bool verbose)
{
	TimestampTz now = (TimestampTz) 1000000000 * (round + 1);
	TimestampTz start = now;
	SmpcKind	kind = gs ? SMPC_KIND_GROUPED : s->kind;
	bool		extreme = kind == SMPC_KIND_MINIMUM || kind == SMPC_KIND_MAXIMUM;
	bool		search = kind == SMPC_KIND_PERCENTILE;
	int			nvalues = extreme || gs ? 1 : 2;
	int128		expect[2] = {0, 0};
	Net			net = s->net;
	int			i,
				k;
	bool		all_done;
	Node	   *first_ok = NULL;
	int			timeout_ms = gs ? GROUPED_TIMEOUT_MS : TIMEOUT_MS;

	nnodes = s->n;
	nmsgs = 0;
	memset(nodes, 0, sizeof(nodes));
	for (i = 0; i < nnodes; i++)
	{
		Node	   *nd = &nodes[i];

		snprintf(nd->name, sizeof(nd->name), "node%d", i + 1);
		randombytes_buf(nd->key, SMPC_KEY_BYTES);
		nd->P = smpc_protocol_create(NULL);
		nd->values[0] = (int128) draw(2000000) - 1000000;
		nd->values[1] = 1 + draw(50);
		nd->rows = i == s->zero_rows_node ? 0 : nd->values[1];
		if (i == s->zero_rows_node)
			nd->values[0] = nd->values[1] = 0;
		if (gs)
		{
			/* the inputs come below; one dummy value (protocol.h) */
			nd->values[0] = nd->values[1] = 0;
			nd->rows = 0;
			nd->submit_at = now + (TimestampTz) draw(300) * 1000;
			continue;
		}
		if (search)
		{
			/* rows from a small range (ties across nodes); one dummy value */
			search_nrows[i] = i == s->zero_rows_node ? 0 : 1 + (int) draw(SMAXROWS - 1);
			for (k = 0; k < search_nrows[i]; k++)
				search_rows[i][k] = (int128) draw(200) - 100;
			search_input(i, &nd->input);
			nd->values[0] = nd->values[1] = 0;
			nd->rows = search_nrows[i];
			nd->submit_at = now + (TimestampTz) draw(300) * 1000;
			continue;
		}
		if (extreme)
		{
			/* keys of 80 bits, some equal; no rows: the sentinel (smpc.h) */
			nd->values[0] = ((int128) draw(7) - 3) * ((int128) 1 << 70) + draw(3);
			if (i == s->zero_rows_node)
				nd->values[0] = kind == SMPC_KIND_MAXIMUM ? SMPC_ORDER_NONE_MAX
					: SMPC_ORDER_NONE_MIN;
			if (i == 0 ||
				(kind == SMPC_KIND_MAXIMUM ? nd->values[0] > expect[0]
				 : nd->values[0] < expect[0]))
				expect[0] = nd->values[0];
			continue;
		}
		expect[0] += nd->values[0];
		expect[1] += nd->values[1];
		nd->submit_at = now + (TimestampTz) draw(300) * 1000;
	}
	if (gs)
	{
		grouped_data(gs, nnodes);
		for (i = 0; i < nnodes; i++)
			grouped_input(gs, i, i == gs->odd_layout_node, &nodes[i].input);
	}
	make_groups(nnodes, s->min_parties, s->max_colluders, s->min_cell_count,
				s->odd_digest_node);
	for (i = 0; i < nnodes; i++)
		smpc_protocol_configure(nodes[i].P, true, &group_of[i], 1);

	for (;;)
	{
		/* requests that are due */
		for (i = 0; i < nnodes; i++)
		{
			Node	   *nd = &nodes[i];

			if (!nd->submitted && now >= nd->submit_at && !absent(gs, i))
			{
				SmpcProtoRequest req;

				memset(&req, 0, sizeof(req));
				req.slot = 0;
				req.serial = round + 1;
				req.kind = kind;
				req.vclass = SMPC_CLASS_EXACT;
				strlcpy(req.group, "g", sizeof(req.group));
				snprintf(req.label, sizeof(req.label), "round %d", round);
				req.scale = 0;
				req.nvalues = nvalues;
				req.values = nd->values;
				req.rows = nd->rows;
				req.timeout_ms = timeout_ms;
				if (gs)
				{
					/* equal at every member that runs the same query */
					memset(req.desc, i == gs->odd_desc_node ? 0x44 : 0x33, SMPC_HASH_BYTES);
					req.batch = (const uint8 *) nd->input.data;
					req.batch_len = nd->input.len;
				}
				if (search)
				{
					memset(req.desc, 0x55, SMPC_HASH_BYTES);
					req.nvalues = 1;
					req.batch = (const uint8 *) nd->input.data;
					req.batch_len = nd->input.len;
				}
				smpc_protocol_submit(nd->P, &req, now);
				nd->submitted = true;
				effects(&net, i, now, verbose);
			}
		}
		/* a backend that gives up, at a time or after some rounds */
		if (s->cancel_node >= 0 && nodes[s->cancel_node].submitted &&
			nodes[s->cancel_node].results == 0 &&
			(gs && gs->cancel_rounds > 0
			 ? nodes[s->cancel_node].round_msgs >= gs->cancel_rounds * (nnodes - 1)
			 : now >= start + (TimestampTz) s->cancel_ms * 1000))
		{
			bool		found = smpc_protocol_cancel(nodes[s->cancel_node].P, 0, now);

			CHECK(found, "round %d: no computation to cancel", round);
			effects(&net, s->cancel_node, now, verbose);
		}
		/* messages that are due, in time order */
		for (;;)
		{
			int			best = -1;

			for (k = 0; k < nmsgs; k++)
				if (msgs[k].live && msgs[k].at <= now &&
					(best < 0 || msgs[k].at < msgs[best].at ||
					 (msgs[k].at == msgs[best].at && msgs[k].order < msgs[best].order)))
					best = k;
			if (best < 0)
				break;
			if (msgs[best].to != net.kill_node)
			{
				Node	   *to = &nodes[msgs[best].to];

				smpc_protocol_receive(to->P, nodes[msgs[best].from].key,
									  nodes[msgs[best].from].name, msgs[best].type,
									  msgs[best].comp_id, msgs[best].payload,
									  msgs[best].len, now);
			}
			kill_msg(&msgs[best]);
			if (msgs[best].to != net.kill_node)
				effects(&net, msgs[best].to, now, verbose);
		}
		for (i = 0; i < nnodes; i++)
		{
			if (i == net.kill_node && nodes[i].submitted)
				continue;		/* a dead node does nothing more */
			smpc_protocol_tick(nodes[i].P, now);
			effects(&net, i, now, verbose);
		}
		all_done = true;
		for (i = 0; i < nnodes; i++)
			if (i != net.kill_node && !absent(gs, i) &&
				(!nodes[i].submitted || nodes[i].results == 0))
				all_done = false;
		if (all_done || now > start + (TimestampTz) (timeout_ms + 2000) * 1000)
			break;
		now += 1000 * (1 + draw(5));
		/* a killed node stops right after submitting */
		if (net.kill_node >= 0 && nodes[net.kill_node].submitted)
			for (k = 0; k < nmsgs; k++)
				if (msgs[k].live && msgs[k].from == net.kill_node &&
					msgs[k].type != SMPC_MSG_READY)
					kill_msg(&msgs[k]);
	}
	/* the messages still on the way go nowhere */
	for (k = 0; k < nmsgs; k++)
		if (msgs[k].live)
			kill_msg(&msgs[k]);

	for (i = 0; i < nnodes; i++)
	{
		Node	   *nd = &nodes[i];

		if (i == net.kill_node || absent(gs, i))
			continue;
		CHECK(nd->results == 1, "round %d %s: %d results", round, nd->name, nd->results);
		CHECK(nd->histories == 1, "round %d %s: %d history rows", round, nd->name,
			  nd->histories);
		CHECK(!nd->sent_after_end, "round %d %s: sent after the end", round, nd->name);
		if (nd->results != 1)
			continue;
		if (nd->sqlerrcode == 0 && nd->withheld)
			nwithheld++;
		else if (nd->sqlerrcode == 0)
			nexact++;
		else
			nerrors++;
		if (nd->sqlerrcode == 0 && gs)
		{
			CHECK(nd->blob != NULL && nd->nresult == 0 && gs->expect_error == NULL,
				  "round %d %s: a GROUP BY result without its blob, or not the error", round,
				  nd->name);
			if (nd->blob == NULL)
				continue;
			check_grouped_result(gs, s, round, nd, &ncells_released, &ncells_withheld);
			/* and the same at every node, byte for byte */
			if (first_ok == NULL)
				first_ok = nd;
			else
				CHECK(nd->bloblen == first_ok->bloblen &&
					  memcmp(nd->blob, first_ok->blob, nd->bloblen) == 0,
					  "round %d %s: another result than %s", round, nd->name, first_ok->name);
		}
		else if (nd->sqlerrcode == 0 && search)
		{
			CHECK(nd->blob != NULL, "round %d %s: a search result without its blob", round,
				  nd->name);
			if (nd->blob == NULL)
				continue;
			check_search_result(round, nd);
			if (first_ok == NULL)
				first_ok = nd;
			else
				CHECK(nd->bloblen == first_ok->bloblen &&
					  memcmp(nd->blob, first_ok->blob, nd->bloblen) == 0,
					  "round %d %s: another result than %s", round, nd->name, first_ok->name);
		}
		else if (nd->sqlerrcode == 0 && s->expect_withheld)
			CHECK(nd->withheld, "round %d %s: not withheld", round, nd->name);
		else if (nd->sqlerrcode == 0 && extreme)
			CHECK(!nd->withheld && nd->nresult == 1 && nd->result[0] == expect[0],
				  "round %d %s: %s %lld, want %lld", round, nd->name, smpc_kind_name(kind),
				  (long long) (nd->result[0] >> 40), (long long) (expect[0] >> 40));
		else if (nd->sqlerrcode == 0)
		{
			CHECK(!nd->withheld && nd->nresult == 2 &&
				  nd->result[0] == expect[0] && nd->result[1] == expect[1],
				  "round %d %s: result %lld, %lld, want %lld, %lld", round, nd->name,
				  (long long) nd->result[0], (long long) nd->result[1],
				  (long long) expect[0], (long long) expect[1]);
		}
		else
		{
			CHECK(!s->must_succeed, "round %d %s: failed: %s", round, nd->name, nd->errmsg);
			if (s->odd_digest_node >= 0)
				CHECK(strstr(nd->errmsg, "disagree on its membership") != NULL,
					  "round %d %s: not the membership: %s", round, nd->name, nd->errmsg);
			if (i == s->cancel_node)
				CHECK(strstr(nd->errmsg, "cancelled at this node") != NULL,
					  "round %d %s: not cancelled: %s", round, nd->name, nd->errmsg);
			CHECK(strstr(nd->errmsg, "timed out") || strstr(nd->errmsg, "abandoned") ||
				  strstr(nd->errmsg, "disagree") || strstr(nd->errmsg, "cancelled") ||
				  (gs && gs->expect_error && strstr(nd->errmsg, gs->expect_error)),
				  "round %d %s: error without a cause: %s", round, nd->name, nd->errmsg);
			if (gs)
				check_grouped_error(s, gs, round, i);
		}
		if (gs && gs->expect_error)
			CHECK(nd->sqlerrcode != 0, "round %d %s: no error, want \"%s\"", round, nd->name,
				  gs->expect_error);
	}
	for (i = 0; i < nnodes; i++)
	{
		smpc_protocol_destroy(nodes[i].P);
		if (nodes[i].input.data)
			pfree(nodes[i].input.data);
		free(nodes[i].blob);
	}
}

int
main(int argc, char **argv)
{
	bool		verbose = false;
	uint64		seed = 20261201;
	static const Scenario scenarios[] = {
		/*
		 * name, n, min_parties, max_colluders, min_cell_count, net (drop %,
		 * duplicate %, delay ms, FIFO, dead node), must_succeed, node without
		 * rows, withheld, rounds, cancelling node and when, node with another
		 * membership, aggregate
		 */
		{"3 nodes, in order", 3, 1, 0, 1, {0, 0, 0, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, in order", 5, 1, 0, 1, {0, 0, 0, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, delays", 3, 1, 0, 1, {0, 0, 200, true, -1}, true, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, delays", 5, 1, 0, 1, {0, 0, 200, true, -1}, true, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, threshold 1", 3, 2, 1, 1, {0, 0, 100, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, small cells", 5, 3, 2, 3, {0, 0, 100, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, small cells", 3, 2, 1, 2, {0, 0, 100, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, min_parties withheld", 5, 5, 2, 2, {0, 0, 50, true, -1}, true, 2, true, 10, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, min_parties withheld", 3, 3, 0, 1, {0, 0, 50, true, -1}, true, 1, true, 10, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, reordered", 3, 1, 0, 1, {0, 0, 200, false, -1}, false, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, reordered", 5, 2, 2, 2, {0, 0, 200, false, -1}, false, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, duplicates", 3, 1, 0, 1, {0, 20, 100, true, -1}, true, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, duplicates, small cells", 5, 3, 2, 3, {0, 20, 100, true, -1}, true, -1, false, 20, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, drops", 3, 1, 0, 1, {10, 0, 100, true, -1}, false, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, drops, duplicates", 5, 2, 2, 2, {5, 10, 100, false, -1}, false, -1, false, 40, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, a node dies", 3, 1, 0, 1, {0, 0, 50, true, 1}, false, -1, false, 10, -1, 0, -1, SMPC_KIND_SUM},
		{"5 nodes, a node dies, threshold 2", 5, 2, 2, 1, {0, 0, 50, true, 3}, false, -1, false, 10, -1, 0, -1, SMPC_KIND_SUM},
		{"3 nodes, a backend gives up", 3, 1, 0, 1, {0, 0, 100, true, -1}, false, -1, false, 20, 0, 150, -1, SMPC_KIND_SUM},
		{"5 nodes, a backend gives up late", 5, 2, 2, 2, {0, 0, 100, true, -1}, false, -1, false, 20, 2, 600, -1, SMPC_KIND_SUM},
		{"3 nodes, another membership", 3, 1, 0, 1, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, 1, SMPC_KIND_SUM},
		{"5 nodes, another membership", 5, 3, 2, 3, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, 4, SMPC_KIND_SUM},
		{"3 nodes, max", 3, 1, 1, 1, {0, 0, 100, true, -1}, true, -1, false, 10, -1, 0, -1, SMPC_KIND_MAXIMUM},
		{"5 nodes, min, small cells", 5, 2, 2, 2, {0, 0, 100, true, -1}, true, -1, false, 10, -1, 0, -1, SMPC_KIND_MINIMUM},
		{"5 nodes, max, a member without rows", 5, 1, 2, 1, {0, 0, 100, true, -1}, true, 3, false, 10, -1, 0, -1, SMPC_KIND_MAXIMUM},
		{"3 nodes, min, duplicates", 3, 1, 1, 1, {0, 20, 100, true, -1}, true, -1, false, 10, -1, 0, -1, SMPC_KIND_MINIMUM},
		{"5 nodes, max, drops", 5, 1, 2, 1, {3, 0, 100, true, -1}, false, -1, false, 10, -1, 0, -1, SMPC_KIND_MAXIMUM},
		{"3 nodes, min, a node dies", 3, 1, 1, 1, {0, 0, 50, true, 2}, false, -1, false, 5, -1, 0, -1, SMPC_KIND_MINIMUM},
		{"3 nodes, percentiles", 3, 2, 1, 1, {0, 0, 100, true, -1}, true, -1, false, 8, -1, 0, -1, SMPC_KIND_PERCENTILE},
		{"5 nodes, percentiles, a member without rows, duplicates", 5, 2, 2, 1, {0, 20, 100, true, -1}, true, 2, false, 6, -1, 0, -1, SMPC_KIND_PERCENTILE},
		{"3 nodes, percentiles, reordered", 3, 2, 1, 1, {0, 0, 200, false, -1}, false, -1, false, 6, -1, 0, -1, SMPC_KIND_PERCENTILE},
		{"5 nodes, percentiles, drops", 5, 2, 2, 1, {3, 0, 100, true, -1}, false, -1, false, 6, -1, 0, -1, SMPC_KIND_PERCENTILE},
		{"3 nodes, percentiles, a node dies", 3, 2, 1, 1, {0, 0, 50, true, 1}, false, -1, false, 4, -1, 0, -1, SMPC_KIND_PERCENTILE},
		{"3 nodes, percentiles, a backend gives up", 3, 2, 1, 1, {0, 0, 100, true, -1}, false, -1, false, 6, 0, 300, -1, SMPC_KIND_PERCENTILE},
	};

	/*
	 * GROUP BY: the columns of a query without and with order statistics
	 * (kinds, classes, widths), then scenarios as above (aggregate unused),
	 * each with its query: key mode, columns, keys of the universe, how
	 * often a node holds a key, keys at one node only, the node with
	 * another description, the node with other columns under the same
	 * description, the node that never asks, the rounds after which the
	 * cancelling node gives up (0: at its time), the error every node must
	 * end with.
	 */
#define COLS_SUMS 4, {SMPC_KIND_SUM, SMPC_KIND_AVG, SMPC_KIND_HISTOGRAM, SMPC_KIND_COUNT}, \
		{SMPC_CLASS_EXACT, SMPC_CLASS_FLOAT, SMPC_CLASS_EXACT, SMPC_CLASS_EXACT}, {2, 2, 3, 1}
#define COLS_ORDER 5, {SMPC_KIND_MINIMUM, SMPC_KIND_SUM, SMPC_KIND_MAXIMUM, SMPC_KIND_FREQUENCIES, \
		SMPC_KIND_VARIANCE}, {SMPC_CLASS_EXACT, SMPC_CLASS_EXACT, SMPC_CLASS_FLOAT, \
		SMPC_CLASS_EXACT, SMPC_CLASS_FLOAT}, {1, 2, 1, 3, 3}
#define GROUPED SMPC_KIND_GROUPED
	static const struct
	{
		Scenario	s;
		GroupedSpec g;
	}			grouped[] = {
		{{"3 nodes, GROUP BY union, min and max", 3, 2, 1, 1, {0, 0, 100, true, -1}, true, -1, false, 10, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY declared, small cells", 5, 3, 2, 3, {0, 0, 100, true, -1}, true, -1, false, 8, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_ORDER, 10, 70, 2, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY declared, small cells", 3, 2, 1, 2, {0, 0, 100, true, -1}, true, -1, false, 10, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_ORDER, 8, 70, 2, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY union, every member contributes", 5, 5, 0, 1, {0, 0, 100, true, -1}, true, -1, false, 8, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_SUMS, 8, 85, 1, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY union, two colluders", 3, 2, 2, 1, {0, 0, 100, true, -1}, true, -1, false, 10, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_SUMS, 10, 50, 3, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY union, in order", 5, 2, 2, 1, {0, 0, 0, true, -1}, true, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 12, 50, 2, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY, duplicates", 5, 2, 2, 2, {0, 20, 100, true, -1}, true, -1, false, 6, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY, reordered", 3, 2, 1, 1, {0, 0, 200, false, -1}, false, -1, false, 20, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY, drops, duplicates", 5, 2, 2, 2, {3, 10, 100, false, -1}, false, -1, false, 10, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY, a node dies", 3, 2, 1, 1, {0, 0, 50, true, 1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"5 nodes, GROUP BY, a node dies", 5, 3, 2, 2, {0, 0, 50, true, 3}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_SUMS, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY, a member never asks", 3, 2, 1, 1, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, 2, 0, NULL}},
		{{"5 nodes, GROUP BY, a member never asks", 5, 2, 2, 1, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_SUMS, 8, 60, 2, -1, -1, 0, 0, NULL}},
		{{"3 nodes, GROUP BY, a backend gives up between rounds", 3, 2, 1, 2, {0, 0, 100, true, -1}, false, -1, false, 10, 0, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 2, NULL}},
		{{"5 nodes, GROUP BY, a backend gives up between rounds", 5, 3, 2, 3, {0, 0, 100, true, -1}, false, -1, false, 10, 3, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_ORDER, 8, 60, 2, -1, -1, -1, 3, NULL}},
		{{"5 nodes, GROUP BY, a backend gives up early", 5, 2, 2, 1, {0, 0, 100, true, -1}, false, -1, false, 10, 1, 100, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_SUMS, 8, 60, 2, -1, -1, -1, 0, NULL}},
		{{"3 nodes, GROUP BY, another query", 3, 2, 1, 1, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, 1, -1, -1, 0, "disagree on the computation"}},
		{{"5 nodes, GROUP BY, another query", 5, 3, 2, 3, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_DECLARED, COLS_SUMS, 8, 60, 2, 4, -1, -1, 0, "disagree on the computation"}},
		{{"3 nodes, GROUP BY, other columns, same description", 3, 2, 1, 1, {0, 0, 50, true, -1}, false, -1, false, 5, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, 2, -1, 0, "disagree on the grouped computation"}},
		{{"3 nodes, GROUP BY, min and max without an honest majority", 3, 2, 2, 1, {0, 0, 50, true, -1}, false, -1, false, 3, -1, 0, -1, GROUPED},
		{SMPC_BATCH_UNION, COLS_ORDER, 8, 60, 2, -1, -1, -1, 0, "needs an honest majority"}},
	};
	int			i,
				r;

	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			seed = strtoull(argv[i], NULL, 10);
	}
	printf("# seed %llu (replay: test_protocol %llu)\n", (unsigned long long) seed,
		   (unsigned long long) seed);
	rng_state = seed;
	if (randombytes_set_implementation(&rng_impl) != 0 || sodium_init() < 0)
	{
		fprintf(stderr, "cannot set up libsodium\n");
		return 1;
	}
	smpc_codec_set_encoding(PG_UTF8);
	msgs = calloc(MAX_MSGS, sizeof(Msg));
	for (i = 0; i < (int) lengthof(scenarios); i++)
	{
		const Scenario *s = &scenarios[i];
		int			before = nfailed;
		int			checks = nchecks;

		scenario = s->name;
		nexact = nwithheld = nerrors = 0;
		for (r = 0; r < s->rounds; r++)
			run_once(s, NULL, r, verbose);
		printf("%s - %s: %d checks, %d failed (ended at the nodes: %d exact, %d withheld, %d with an error)\n",
			   nfailed == before ? "ok" : "not ok", s->name, nchecks - checks,
			   nfailed - before, nexact, nwithheld, nerrors);
	}
	for (i = 0; i < (int) lengthof(grouped); i++)
	{
		const Scenario *s = &grouped[i].s;
		int			before = nfailed;
		int			checks = nchecks;

		scenario = s->name;
		nexact = nwithheld = nerrors = 0;
		ncells_released = ncells_withheld = 0;
		for (r = 0; r < s->rounds; r++)
			run_once(s, &grouped[i].g, r, verbose);
		printf("%s - %s: %d checks, %d failed (ended at the nodes: %d with a result, %d with an error; cells %d released, %d withheld)\n",
			   nfailed == before ? "ok" : "not ok", s->name, nchecks - checks,
			   nfailed - before, nexact, nerrors, ncells_released, ncells_withheld);
	}
	free(msgs);
	printf("unit: protocol, %d passed, %d failed\n", nchecks - nfailed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
