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
 * Output: "# seed S", one line per scenario ("ok" or "not ok", with how
 * the computations ended), a "not ok" line per failed check, and last
 * "unit: protocol, N passed, M failed"; the exit status is 1 if any check
 * failed.  Usage: test_protocol [seed] [-v]; the seed is fixed unless given
 * (test/unit/run.sh passes SMPC_UNIT_SEED), and -v also prints every
 * node's log lines.  Built by test/unit/run.sh with PostgreSQL's
 * libpgcommon.a and libpgport.a and libsodium, from
 * sources: src/protocol.c src/batch.c src/engine.c src/codec.c src/field.c
 */
#include "postgres.h"

#include <sodium.h>

#include "mb/pg_wchar.h"

#include "codec.h"
#include "protocol.h"

#define MAX_NODES	8
#define MAX_MSGS	50000
#define TIMEOUT_MS	4000

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
				route(net, i, e, now);
				break;
			case SMPC_EFFECT_RESULT:
				nd->results++;
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

static void
run_once(const Scenario *s, int round, bool verbose)
{
	TimestampTz now = (TimestampTz) 1000000000 * (round + 1);
	TimestampTz start = now;
	SmpcKind	kind = s->kind;
	bool		extreme = kind == SMPC_KIND_MINIMUM || kind == SMPC_KIND_MAXIMUM;
	int			nvalues = extreme ? 1 : 2;
	int128		expect[2] = {0, 0};
	Net			net = s->net;
	int			i,
				k;
	bool		all_done;

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

			if (!nd->submitted && now >= nd->submit_at)
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
				req.timeout_ms = TIMEOUT_MS;
				smpc_protocol_submit(nd->P, &req, now);
				nd->submitted = true;
				effects(&net, i, now, verbose);
			}
		}
		/* a backend that gives up */
		if (s->cancel_node >= 0 && nodes[s->cancel_node].submitted &&
			nodes[s->cancel_node].results == 0 &&
			now >= start + (TimestampTz) s->cancel_ms * 1000)
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
			if (i != net.kill_node && (!nodes[i].submitted || nodes[i].results == 0))
				all_done = false;
		if (all_done || now > start + (TimestampTz) (TIMEOUT_MS + 2000) * 1000)
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

		if (i == net.kill_node)
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
		if (nd->sqlerrcode == 0 && s->expect_withheld)
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
				  strstr(nd->errmsg, "disagree") || strstr(nd->errmsg, "cancelled"),
				  "round %d %s: error without a cause: %s", round, nd->name, nd->errmsg);
		}
	}
	for (i = 0; i < nnodes; i++)
		smpc_protocol_destroy(nodes[i].P);
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
			run_once(s, r, verbose);
		printf("%s - %s: %d checks, %d failed (ended at the nodes: %d exact, %d withheld, %d with an error)\n",
			   nfailed == before ? "ok" : "not ok", s->name, nchecks - checks,
			   nfailed - before, nexact, nwithheld, nerrors);
	}
	free(msgs);
	printf("unit: protocol, %d passed, %d failed\n", nchecks - nfailed, nfailed);
	return nfailed == 0 ? 0 : 1;
}
