/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The smpc background worker: configuration, the inbox, and every
 *	  running computation as a state machine.
 *
 * One computation, as seen from one member:
 *	 WAIT	 a backend asked for it; READY went to every other member of the
 *			 group.  It moves on when every member's READY has arrived with
 *			 the same membership digest and encoding.
 *	 INPUT	 the computation id is the hash of the key and every member's
 *			 rendezvous nonce.  Our vector was split into Shamir shares, one
 *			 sent (sealed) to each member; we add up the shares we receive.
 *	 OUTPUT  once every member's share is in, we send our sum of shares to
 *			 everyone; with every sum in, the joint vector is interpolated
 *			 and posted to the waiting backend.
 * Any error, timeout or cancellation posts an error to the backend, tells
 * the other members with ABORT, and records the outcome in smpc.history.
 *
 * Nothing in this process waits on anything but its latch and its
 * sockets, with a deadline; a message from a peer can never raise an
 * error: a bad one is logged as a warning and dropped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sodium.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "codec.h"
#include "field.h"
#include "worker_int.h"

#define MAX_SKEW_US		((int64) 600 * 1000000)	/* accepted clock difference */
#define PING_INTERVAL_MS 30000
#define MAX_PENDING		1024
#define MAX_RECENT		256

typedef struct Member
{
	char		name[SMPC_MAX_NAME];
	uint8		public_key[SMPC_KEY_BYTES];
	bool		self;
} Member;

typedef struct PeerGroup
{
	char		name[SMPC_MAX_NAME];
	int			min_parties;
	int			max_colluders;	/* 0: all members but one */
	int			min_cell_count; /* smallest count released, 1: all */
	int			nmembers;
	Member		members[SMPC_MAX_MEMBERS];	/* sorted by public key */
	uint8		digest[SMPC_HASH_BYTES];
} PeerGroup;

typedef enum CompPhase
{
	PHASE_WAIT = 1,
	PHASE_INPUT,
	PHASE_MULT,					/* small-cell test: multiplication rounds */
	PHASE_ZOPEN,				/* small-cell test: opening the test values */
	PHASE_OUTPUT
} CompPhase;

typedef struct Comp
{
	bool		used;
	int			slot;
	uint64		serial;
	SmpcKind	kind;
	SmpcClass	vclass;
	char		group[SMPC_MAX_NAME];
	char		label[SMPC_MAX_LABEL];
	CompPhase	phase;
	int			n;
	int			self;
	Member		members[SMPC_MAX_MEMBERS];
	uint8		digest[SMPC_HASH_BYTES];
	uint8		nonce[SMPC_NONCE_BYTES];
	int			nvalues;
	int32		scale;
	int32		agreed_scale;
	uint8		scale_mult[SMPC_MAX_VALUES];
	uint8		desc[SMPC_HASH_BYTES];
	int128		local[SMPC_MAX_VALUES];
	bool		have_ready[SMPC_MAX_MEMBERS];
	bool		withdrew[SMPC_MAX_MEMBERS];	/* joined, then gave up */
	SmpcReady	ready[SMPC_MAX_MEMBERS];
	bool		have_share[SMPC_MAX_MEMBERS];
	bool		have_sum[SMPC_MAX_MEMBERS];
	int			degree;			/* of the sharing polynomials */
	int			suppress_k;		/* suppress counts 1 .. k-1; 0: none */
	int			nshared;		/* values shared per member (with the masks) */
	smpc_fe		acc[2 * SMPC_MAX_VALUES];
	/* small-cell test: z = r * (c - 1) * ... * (c - (k-1)) per bucket */
	int			round;
	smpc_fe		cur[SMPC_MAX_VALUES];
	smpc_fe    *mult_in;		/* rounds x n x nvalues */
	bool	   *have_mult;		/* rounds x n */
	smpc_fe    *zs;				/* n x nvalues */
	bool		have_z[SMPC_MAX_MEMBERS];
	bool		suppressed[SMPC_MAX_VALUES];
	smpc_fe    *sums;			/* n x nvalues, in the worker context */
	uint8		comp_id[SMPC_HASH_BYTES];
	TimestampTz started;
	TimestampTz deadline;
	int			timeout_ms;
	bool		relayed;		/* failing because another member failed */
	bool		stalled;		/* smpc.fault_injection holds it still */
} Comp;

/* A READY that arrived before our own request, or an early message. */
typedef struct Pending
{
	uint8		sender[SMPC_KEY_BYTES];
	uint8		type;
	uint8		comp_id[SMPC_HASH_BYTES];
	SmpcReady	ready;			/* for READY */
	bytea	   *payload;		/* for SHARES, SUMS, ABORT */
	TimestampTz expires;
} Pending;

typedef struct HistRec
{
	char	   *comp_id;		/* hex, NULL before the input phase */
	char	   *group;
	char	   *aggregate;
	char	   *label;
	char	   *participants;	/* array literal */
	TimestampTz started;
	TimestampTz finished;
	char	   *status;
	char	   *error;
} HistRec;

MemoryContext smpc_worker_context = NULL;

static uint64 loaded_gen = 0;
static bool have_node_key = false;
static char node_name[SMPC_MAX_NAME];
static uint8 node_public_key[SMPC_KEY_BYTES];
static SmpcSecret node_secret;
static int	ngroups = 0;
static PeerGroup *groups = NULL;
static int	npeers = 0;
static Peer peers[SMPC_MAX_PEERS];
static Comp comps[SMPC_MAX_REQUESTS];
static List *pending = NIL;
static List *history = NIL;
/*
 * Computations that ended here lately, so that a late message for one is
 * recognised: quietly dropped when it may simply be late (sums we did not
 * need, anything for a computation that failed), refused with a warning
 * when it repeats a step its sender had already taken.
 */
typedef struct Finished
{
	uint8		comp_id[SMPC_HASH_BYTES];
	bool		succeeded;
	int			n;
	uint64		member_fp[SMPC_MAX_MEMBERS];	/* first 8 bytes of each key */
	bool		had_sums[SMPC_MAX_MEMBERS];
} Finished;
static Finished recent[MAX_RECENT];
/* smpc.fault_injection = repeat_sums: the last sums we sent, to send again */
static uint8 repeat_comp_id[SMPC_HASH_BYTES];
static uint8 repeat_to[SMPC_MAX_MEMBERS][SMPC_KEY_BYTES];
static int	repeat_n = 0;
static smpc_fe repeat_sums[SMPC_MAX_VALUES];
static int	repeat_nvalues = 0;
static int	nrecent = 0;
static uint64 last_seq_out = 0;
static bool status_dirty = true;

static void finish_comp(Comp *c, const char *status, int sqlerrcode,
						const char *msg, const char *detail);

/* ---------- helpers ---------- */

static Peer *
find_peer(const uint8 *pk)
{
	int			i;

	for (i = 0; i < npeers; i++)
		if (memcmp(peers[i].public_key, pk, SMPC_KEY_BYTES) == 0)
			return &peers[i];
	return NULL;
}

static PeerGroup *
find_group(const char *name)
{
	int			i;

	for (i = 0; i < ngroups; i++)
		if (strcmp(groups[i].name, name) == 0)
			return &groups[i];
	return NULL;
}

static int
member_index(Member *members, int n, const uint8 *pk)
{
	int			i;

	for (i = 0; i < n; i++)
		if (memcmp(members[i].public_key, pk, SMPC_KEY_BYTES) == 0)
			return i;
	return -1;
}

static char *
hex(const uint8 *b, size_t n)
{
	char	   *out = palloc(n * 2 + 1);

	sodium_bin2hex(out, n * 2 + 1, b, n);
	return out;
}

static int128
magnitude_bound(int n)
{
	return SMPC_FIELD_LIMIT / n;
}

/* ---------- sending ---------- */

static uint64
next_seq(void)
{
	uint64		now = (uint64) GetCurrentTimestamp();

	last_seq_out = Max(last_seq_out + 1, now);
	return last_seq_out;
}

/* Seal a payload for one peer and queue it. */
static void
send_to(const uint8 *pk, SmpcMsgType type, const uint8 *comp_id, StringInfo payload)
{
	Peer	   *p = find_peer(pk);
	SmpcHeader	h;
	bytea	   *msg;
	size_t		total;
	uint8	   *out;

	if (p == NULL || p->pairwise.bytes == NULL)
		return;
	total = SMPC_HEADER_BYTES + payload->len + SMPC_AEAD_TAG_BYTES;
	if (total > SMPC_MAX_MESSAGE)
	{
		elog(WARNING, "smpc: message for peer \"%s\" is too large", p->name);
		return;
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	memcpy(h.sender, node_public_key, SMPC_KEY_BYTES);
	memcpy(h.recipient, pk, SMPC_KEY_BYTES);
	h.seq = next_seq();
	if (comp_id)
		memcpy(h.comp_id, comp_id, SMPC_HASH_BYTES);
	randombytes_buf(h.nonce, sizeof(h.nonce));

	msg = MemoryContextAlloc(smpc_worker_context, VARHDRSZ + total);
	SET_VARSIZE(msg, VARHDRSZ + total);
	out = (uint8 *) VARDATA(msg);
	smpc_header_write(&h, out);
	smpc_seal(&p->pairwise, h.nonce, out, SMPC_HEADER_BYTES,
			  (uint8 *) payload->data, payload->len, out + SMPC_HEADER_BYTES);
	peer_enqueue(p, msg);
	peer_step(p, GetCurrentTimestamp(), false);
}

static void
send_ping(Peer *p, TimestampTz now)
{
	StringInfoData buf;

	initStringInfo(&buf);
	p->ping_id++;
	p->ping_sent = now;
	/* until the first answer, try again soon: the peer may not know us yet */
	p->next_ping = TimestampTzPlusMilliseconds(now, p->rtt_ms < 0 ? 1000 : PING_INTERVAL_MS);
	smpc_put_u64(&buf, p->ping_id);
	send_to(p->public_key, SMPC_MSG_PING, NULL, &buf);
	pfree(buf.data);
}

void
worker_peer_connected(Peer *p)
{
	status_dirty = true;
	if (have_node_key)
		send_ping(p, GetCurrentTimestamp());
}

/* ---------- shared memory ---------- */

static void
publish_status(void)
{
	int			i;

	if (!status_dirty)
		return;
	status_dirty = false;
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	smpc_shared->node_key_valid = have_node_key;
	memcpy(smpc_shared->node_public_key, node_public_key, SMPC_KEY_BYTES);
	smpc_shared->npeers = npeers;
	for (i = 0; i < npeers; i++)
	{
		SmpcPeerStatus *s = &smpc_shared->peers[i];
		Peer	   *p = &peers[i];

		memcpy(s->public_key, p->public_key, SMPC_KEY_BYTES);
		s->connected = (p->cstate == PEER_IDLE || p->cstate == PEER_BUSY);
		s->key_verified = p->key_verified;
		s->rtt_ms = p->rtt_ms;
		s->last_contact = p->last_contact;
		strlcpy(s->last_error, p->last_error, sizeof(s->last_error));
		s->error_hidden = p->error_hidden;
	}
	LWLockRelease(smpc_shared->lock);
}

/* Post a result or an error into the backend's request slot. */
static void
post_result(Comp *c, int sqlerrcode, const char *msg, const char *detail,
			const int128 *result, const bool *result_null, int nresult, int32 scale)
{
	SmpcRequest *req = &smpc_shared->requests[c->slot];
	Latch	   *latch = NULL;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (req->serial == c->serial)
	{
		if (req->state == SMPC_REQ_RUNNING)
		{
			req->sqlerrcode = sqlerrcode;
			strlcpy(req->errmsg, msg ? msg : "", sizeof(req->errmsg));
			strlcpy(req->errdetail, detail ? detail : "", sizeof(req->errdetail));
			if (result)
				memcpy(req->result, result, sizeof(int128) * nresult);
			memset(req->result_null, 0, sizeof(req->result_null));
			if (result_null)
				memcpy(req->result_null, result_null, sizeof(bool) * nresult);
			req->result_scale = scale;
			req->state = SMPC_REQ_DONE;
			latch = req->backend_latch;
		}
		else if (req->state == SMPC_REQ_ABANDONED)
			req->state = SMPC_REQ_FREE;
	}
	LWLockRelease(smpc_shared->lock);
	if (latch)
		SetLatch(latch);
}

/* ---------- transactions ---------- */

/*
 * Run body(arg) in a transaction of its own with SPI connected and a
 * snapshot set.  An error is reported and rolled back, never propagated:
 * the worker keeps running.  Returns whether the body completed.
 */
static bool
run_in_transaction(const char *activity, void (*body) (void *), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	volatile bool ok = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, activity);
		if (SPI_execute("SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'smpc'",
						true, 0) == SPI_OK_SELECT && SPI_processed == 1)
			body(arg);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(oldcxt);
	return ok;
}

/* ---------- configuration ---------- */

typedef struct CfgPeer
{
	char		group[SMPC_MAX_NAME];
	char		name[SMPC_MAX_NAME];
	char	   *conninfo;
	bool		unrestricted;
	uint8		public_key[SMPC_KEY_BYTES];
} CfgPeer;

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_member_name(const void *a, const void *b)
{
	return strcmp((*(Member *const *) a)->name, (*(Member *const *) b)->name);
}

static int
cmp_member(const void *a, const void *b)
{
	return memcmp(((const Member *) a)->public_key, ((const Member *) b)->public_key,
				  SMPC_KEY_BYTES);
}

static void
group_digest(PeerGroup *g)
{
	crypto_generichash_state st;
	int			i;

	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-membership-v1", 18);
	crypto_generichash_update(&st, (const uint8 *) g->name, strlen(g->name) + 1);
	{
		uint8		settings[8];

		for (i = 0; i < 4; i++)
		{
			settings[i] = (uint8) (g->max_colluders >> (24 - 8 * i));
			settings[4 + i] = (uint8) (g->min_cell_count >> (24 - 8 * i));
		}
		crypto_generichash_update(&st, settings, sizeof(settings));
	}
	for (i = 0; i < g->nmembers; i++)
		crypto_generichash_update(&st, g->members[i].public_key, SMPC_KEY_BYTES);
	crypto_generichash_final(&st, g->digest, SMPC_HASH_BYTES);
}

static char *
spi_text(int row, int col)
{
	char	   *v = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);

	return v ? v : "";
}

/* What one reading of the configuration tables found. */
typedef struct ConfigRead
{
	bool		have_node;
	char		name[SMPC_MAX_NAME];
	char		keytext[64];
	int			ngroup;
	PeerGroup  *groups;
	int			ncfg;
	CfgPeer    *cfg;
} ConfigRead;

static void
read_config_tables(void *arg)
{
	ConfigRead *rd = (ConfigRead *) arg;
	int			i;

	SPI_execute("SELECT name, public_key FROM smpc.node", true, 0);
	if (SPI_processed == 1)
	{
		strlcpy(rd->name, spi_text(0, 1), sizeof(rd->name));
		strlcpy(rd->keytext, spi_text(0, 2), sizeof(rd->keytext));
		rd->have_node = true;
	}
	SPI_execute("SELECT name, min_parties, coalesce(max_colluders, 0), min_cell_count "
				"FROM smpc.peer_group ORDER BY name", true, 0);
	rd->ngroup = (int) SPI_processed;
	rd->groups = MemoryContextAllocZero(smpc_worker_context,
										sizeof(PeerGroup) * Max(rd->ngroup, 1));
	for (i = 0; i < rd->ngroup; i++)
	{
		strlcpy(rd->groups[i].name, spi_text(i, 1), SMPC_MAX_NAME);
		rd->groups[i].min_parties = atoi(spi_text(i, 2));
		rd->groups[i].max_colluders = atoi(spi_text(i, 3));
		rd->groups[i].min_cell_count = atoi(spi_text(i, 4));
	}
	SPI_execute("SELECT group_name, name, conninfo, public_key, unrestricted FROM smpc.peer "
				"ORDER BY group_name, name", true, 0);
	rd->ncfg = (int) SPI_processed;
	rd->cfg = MemoryContextAllocZero(smpc_worker_context, sizeof(CfgPeer) * Max(rd->ncfg, 1));
	for (i = 0; i < rd->ncfg; i++)
	{
		CfgPeer    *c = &rd->cfg[i];

		strlcpy(c->group, spi_text(i, 1), SMPC_MAX_NAME);
		strlcpy(c->name, spi_text(i, 2), SMPC_MAX_NAME);
		c->conninfo = MemoryContextStrdup(smpc_worker_context, spi_text(i, 3));
		c->unrestricted = strcmp(spi_text(i, 5), "t") == 0;
		if (!smpc_key_from_text(spi_text(i, 4), c->public_key))
			c->name[0] = '\0';	/* unusable; skipped below */
	}
}

/*
 * Read the configuration tables in a transaction of our own and rebuild
 * groups and peers, keeping the connections of peers that did not change.
 */
static void
reload_config(void)
{
	ConfigRead	rd;
	bool		have_node;
	int			ncfg,
				ngroup,
				i,
				j;
	CfgPeer    *cfg;
	PeerGroup  *newgroups;
	Peer		newpeers[SMPC_MAX_PEERS];
	int			nnew = 0;
	uint8		newpk[SMPC_KEY_BYTES];
	bool		key_changed;
	char	   *newname = rd.name;
	char	   *keytext = rd.keytext;

	loaded_gen = pg_atomic_read_u64(&smpc_shared->config_gen);
	memset(&rd, 0, sizeof(rd));
	if (!run_in_transaction("smpc: reading configuration", read_config_tables, &rd))
	{
		ereport(WARNING,
				(errmsg("smpc: could not read the configuration; keeping the previous one")));
		if (rd.groups)
			pfree(rd.groups);
		if (rd.cfg)
			pfree(rd.cfg);
		return;
	}
	have_node = rd.have_node;
	ncfg = rd.ncfg;
	ngroup = rd.ngroup;
	cfg = rd.cfg;
	newgroups = rd.groups;

	/* the node key */
	if (have_node && !smpc_key_from_text(keytext, newpk))
	{
		ereport(WARNING, (errmsg("smpc: the node's public key in smpc.node is malformed")));
		have_node = false;
	}
	key_changed = (have_node != have_node_key) ||
		(have_node && memcmp(newpk, node_public_key, SMPC_KEY_BYTES) != 0);
	if (key_changed)
	{
		smpc_secret_free(&node_secret);
		have_node_key = false;
		memset(node_public_key, 0, SMPC_KEY_BYTES);
		if (have_node)
		{
			char		why[512];

			if (smpc_load_key_file(newpk, &node_secret, why, sizeof(why)))
			{
				memcpy(node_public_key, newpk, SMPC_KEY_BYTES);
				have_node_key = true;
				smpc_remove_other_key_files(newpk);
			}
			else
				ereport(WARNING, (errmsg("smpc: cannot use the node key: %s", why)));
		}
	}
	strlcpy(node_name, newname, sizeof(node_name));

	/* peers: one entry per distinct key, keeping live connections */
	memset(newpeers, 0, sizeof(newpeers));
	for (i = 0; i < ncfg && nnew < SMPC_MAX_PEERS; i++)
	{
		Peer	   *np = NULL;

		if (cfg[i].name[0] == '\0')
			continue;
		for (j = 0; j < nnew; j++)
			if (memcmp(newpeers[j].public_key, cfg[i].public_key, SMPC_KEY_BYTES) == 0)
				np = &newpeers[j];
		if (np)
			continue;
		np = &newpeers[nnew++];
		for (j = 0; j < npeers; j++)
		{
			if (peers[j].conninfo &&
				memcmp(peers[j].public_key, cfg[i].public_key, SMPC_KEY_BYTES) == 0 &&
				strcmp(peers[j].conninfo, cfg[i].conninfo) == 0 &&
				peers[j].unrestricted == cfg[i].unrestricted && !key_changed)
			{
				*np = peers[j];
				peers[j].conninfo = NULL;	/* moved */
				peers[j].queue = NIL;
				peers[j].conn = NULL;
				peers[j].fd_acquired = false;
				peers[j].pairwise.bytes = NULL;
				break;
			}
		}
		if (np->conninfo == NULL)
		{
			memcpy(np->public_key, cfg[i].public_key, SMPC_KEY_BYTES);
			np->conninfo = cfg[i].conninfo;
			np->unrestricted = cfg[i].unrestricted;
			np->rtt_ms = -1;
			if (have_node_key &&
				!smpc_pairwise_key(&node_secret, node_public_key, np->public_key,
								   &np->pairwise))
				peer_set_error(np, "the configured public key is not a valid key");
		}
		strlcpy(np->name, cfg[i].name, SMPC_MAX_NAME);
	}
	for (j = 0; j < npeers; j++)
	{
		peer_close(&peers[j]);
		smpc_secret_free(&peers[j].pairwise);
		list_free_deep(peers[j].queue);
		if (peers[j].conninfo)
			pfree(peers[j].conninfo);
	}
	memcpy(peers, newpeers, sizeof(Peer) * nnew);
	npeers = nnew;

	/* groups: every member sorted by key, ourselves included */
	for (i = 0; i < ngroup; i++)
	{
		PeerGroup	   *g = &newgroups[i];

		if (have_node_key)
		{
			strlcpy(g->members[0].name, node_name, SMPC_MAX_NAME);
			memcpy(g->members[0].public_key, node_public_key, SMPC_KEY_BYTES);
			g->members[0].self = true;
			g->nmembers = 1;
		}
		for (j = 0; j < ncfg; j++)
		{
			if (strcmp(cfg[j].group, g->name) != 0 || cfg[j].name[0] == '\0')
				continue;
			if (g->nmembers >= SMPC_MAX_MEMBERS)
			{
				ereport(WARNING,
						(errmsg("smpc: peer group \"%s\" has more than %d members; the rest are ignored",
								g->name, SMPC_MAX_MEMBERS)));
				break;
			}
			strlcpy(g->members[g->nmembers].name, cfg[j].name, SMPC_MAX_NAME);
			memcpy(g->members[g->nmembers].public_key, cfg[j].public_key, SMPC_KEY_BYTES);
			g->members[g->nmembers].self = false;
			g->nmembers++;
		}
		qsort(g->members, g->nmembers, sizeof(Member), cmp_member);
		group_digest(g);
	}
	if (groups)
		pfree(groups);
	groups = newgroups;
	ngroups = ngroup;
	for (i = 0; i < ncfg; i++)
		if (cfg[i].conninfo)
		{
			bool		used = false;

			for (j = 0; j < npeers; j++)
				used |= (peers[j].conninfo == cfg[i].conninfo);
			if (!used)
				pfree(cfg[i].conninfo);
		}
	if (cfg)
		pfree(cfg);
	status_dirty = true;
}

/* ---------- history ---------- */

static void
record_history(Comp *c, const char *status, const char *error)
{
	MemoryContext old = MemoryContextSwitchTo(smpc_worker_context);
	HistRec    *h = palloc0(sizeof(HistRec));
	StringInfoData parts;
	int			i;
	char	   *names[SMPC_MAX_MEMBERS];

	for (i = 0; i < c->n; i++)
		names[i] = c->members[i].name;
	qsort(names, c->n, sizeof(char *), cmp_name);	/* a stable display */
	initStringInfo(&parts);
	appendStringInfoChar(&parts, '{');
	for (i = 0; i < c->n; i++)
		appendStringInfo(&parts, "%s\"%s\"", i ? "," : "", names[i]);
	appendStringInfoChar(&parts, '}');

	h->comp_id = (c->phase >= PHASE_INPUT) ? hex(c->comp_id, 16) : NULL;
	h->group = pstrdup(c->group);
	h->aggregate = pstrdup(smpc_kind_name(c->kind));
	h->label = pstrdup(c->label);
	h->participants = parts.data;
	h->started = c->started;
	h->finished = GetCurrentTimestamp();
	h->status = pstrdup(status);
	h->error = error ? pstrdup(error) : NULL;
	history = lappend(history, h);
	MemoryContextSwitchTo(old);
}

static void
insert_history(void *arg)
{
	Oid			types[9] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID};
	ListCell   *lc;

	foreach(lc, history)
	{
		HistRec    *h = lfirst(lc);
		Datum		values[9];
		char		nulls[9] = "         ";

		values[0] = h->comp_id ? CStringGetTextDatum(h->comp_id) : (Datum) 0;
		nulls[0] = h->comp_id ? ' ' : 'n';
		values[1] = CStringGetTextDatum(h->group);
		values[2] = CStringGetTextDatum(h->aggregate);
		values[3] = CStringGetTextDatum(h->label);
		values[4] = OidInputFunctionCall(F_ARRAY_IN, h->participants, TEXTOID, -1);
		values[5] = TimestampTzGetDatum(h->started);
		values[6] = TimestampTzGetDatum(h->finished);
		values[7] = CStringGetTextDatum(h->status);
		values[8] = h->error ? CStringGetTextDatum(h->error) : (Datum) 0;
		nulls[8] = h->error ? ' ' : 'n';
		SPI_execute_with_args("INSERT INTO smpc.history_log (computation_id, group_name, "
							  "aggregate, label, participants, started, finished, status, error) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
							  9, types, values, nulls, false, 0);
	}
}

/* Write the finished computations to smpc.history_log, in one transaction. */
static void
flush_history(void)
{
	if (history == NIL)
		return;
	if (!run_in_transaction("smpc: recording history", insert_history, NULL))
		ereport(WARNING, (errmsg("smpc: could not record computation history")));
	list_free_deep(history);
	history = NIL;
}

/* ---------- computations ---------- */

static bool
same_key(Comp *c, const char *group, uint8 kind, const char *label)
{
	return c->used && c->kind == kind && strcmp(c->group, group) == 0 &&
		strcmp(c->label, label) == 0;
}

static uint64
key_fingerprint(const uint8 *pk)
{
	uint64		fp;

	memcpy(&fp, pk, sizeof(fp));
	return fp;
}

static void
remember_finished(Comp *c, bool succeeded)
{
	Finished   *f = &recent[nrecent % MAX_RECENT];
	int			i;

	memcpy(f->comp_id, c->comp_id, SMPC_HASH_BYTES);
	f->succeeded = succeeded;
	f->n = c->n;
	for (i = 0; i < c->n; i++)
	{
		f->member_fp[i] = key_fingerprint(c->members[i].public_key);
		f->had_sums[i] = c->have_sum[i];
	}
	nrecent++;
}

static Finished *
recently_finished(const uint8 *comp_id)
{
	int			i;

	for (i = 0; i < Min(nrecent, MAX_RECENT); i++)
		if (memcmp(recent[i].comp_id, comp_id, SMPC_HASH_BYTES) == 0)
			return &recent[i];
	return NULL;
}

static const char *
msg_type_name(uint8 type)
{
	switch (type)
	{
		case SMPC_MSG_SHARES:
			return "shares";
		case SMPC_MSG_SUMS:
			return "sums";
		case SMPC_MSG_MULT:
			return "multiplication round";
		case SMPC_MSG_ZSUMS:
			return "small-cell test";
		case SMPC_MSG_ABORT:
			return "abort";
		default:
			return "message";
	}
}

/*
 * A message for a computation that has ended here.  A success needed every
 * member's shares (and multiplication rounds), so any of those now is a
 * repeat; sums are a repeat only from a member whose sums we had.  Anything
 * else may just be late: a computation that failed, or sums beyond the
 * degree + 1 that a threshold group needs.
 */
static void
late_message(Finished *f, Peer *p, uint8 type)
{
	uint64		fp = key_fingerprint(p->public_key);
	int			idx = -1;
	int			i;
	bool		repeat;

	for (i = 0; i < f->n; i++)
		if (f->member_fp[i] == fp)
			idx = i;
	if (idx < 0)
	{
		ereport(WARNING,
				(errmsg("smpc: peer \"%s\" sent a message for a computation it is not part of",
						p->name)));
		return;
	}
	if (type == SMPC_MSG_SUMS)
		repeat = f->had_sums[idx];
	else
		repeat = f->succeeded && type != SMPC_MSG_ABORT;
	if (repeat)
		ereport(WARNING,
				(errmsg("smpc: rejected %s from peer \"%s\" for a finished computation",
						msg_type_name(type), p->name),
				 errdetail("Computation %s has ended here, and the peer had already taken that step.",
						   hex(f->comp_id, 16))));
	else
		ereport(DEBUG1,
				(errmsg_internal("smpc: dropped a late %s from peer \"%s\" for finished computation %s",
								 msg_type_name(type), p->name, hex(f->comp_id, 16))));
}

static void
ready_of(Comp *c, SmpcReady *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = c->kind;
	r->vclass = c->vclass;
	strlcpy(r->group, c->group, sizeof(r->group));
	strlcpy(r->label, c->label, sizeof(r->label));
	memcpy(r->nonce, c->nonce, SMPC_NONCE_BYTES);
	memcpy(r->digest, c->digest, SMPC_HASH_BYTES);
	memcpy(r->desc, c->desc, SMPC_HASH_BYTES);
	r->nmembers = c->n;
	r->scale = c->scale;
	r->nvalues = c->nvalues;
	r->wait_ms = c->timeout_ms;
}

static void
wipe_comp(Comp *c)
{
	if (c->sums)
	{
		sodium_memzero(c->sums, sizeof(smpc_fe) * c->n * c->nvalues);
		pfree(c->sums);
	}
	if (c->mult_in)
	{
		sodium_memzero(c->mult_in, sizeof(smpc_fe) * (c->suppress_k - 1) * c->n * c->nvalues);
		pfree(c->mult_in);
		pfree(c->have_mult);
	}
	if (c->zs)
	{
		sodium_memzero(c->zs, sizeof(smpc_fe) * c->n * c->nvalues);
		pfree(c->zs);
	}
	sodium_memzero(c, sizeof(Comp));
}

/*
 * End a computation: post the outcome to the backend, tell the other
 * members if it failed here, and record it.
 */
static void
finish_comp(Comp *c, const char *status, int sqlerrcode, const char *msg,
			const char *detail)
{
	if (sqlerrcode != 0)
	{
		StringInfoData buf;
		SmpcReady	r;
		int			i;
		char		reason[SMPC_MAX_REASON];

		post_result(c, sqlerrcode, msg, detail, NULL, NULL, 0, 0);
		/* the reason goes to the others whole, so that they can name the cause */
		if (detail && detail[0])
			snprintf(reason, sizeof(reason), "%s: %s", msg, detail);
		else
			snprintf(reason, sizeof(reason), "%s", msg);
		ready_of(c, &r);
		for (i = 0; i < c->n; i++)
		{
			if (i == c->self)
				continue;
			initStringInfo(&buf);
			/*
			 * A failure of our own is fatal for everyone; one we only learnt
			 * of from another member is passed on as giving up, so that the
			 * original cause, which that member sent to all, is what they
			 * report.
			 */
			smpc_put_abort(&buf, c->phase == PHASE_WAIT,
						   strcmp(status, "failed") == 0 && !c->relayed, &r, reason);
			send_to(c->members[i].public_key, SMPC_MSG_ABORT,
					c->phase == PHASE_WAIT ? NULL : c->comp_id, &buf);
			pfree(buf.data);
		}
		if (detail && detail[0])
			record_history(c, status, psprintf("%s: %s", msg, detail));
		else
			record_history(c, status, msg);
	}
	else
		record_history(c, status, NULL);
	if (c->phase >= PHASE_INPUT)
		remember_finished(c, sqlerrcode == 0);
	wipe_comp(c);
}

static void
fail_comp(Comp *c, const char *status, int sqlerrcode, const char *msg,
		  const char *detail)
{
	ereport(LOG,
			(errmsg("smpc: computation for peer group \"%s\" (%s, label \"%s\") %s",
					c->group, smpc_kind_name(c->kind), c->label, status),
			 errdetail_internal("%s%s%s", msg, detail ? " " : "", detail ? detail : "")));
	finish_comp(c, status, sqlerrcode, msg, detail);
}

/* Names of members for which have[] is false, sorted, comma separated. */
static char *
missing_names(Comp *c, bool *have, bool *skip)
{
	StringInfoData buf;
	char	   *names[SMPC_MAX_MEMBERS];
	int			n = 0,
				i;

	for (i = 0; i < c->n; i++)
		if (i != c->self && !have[i] && !(skip && skip[i]))
			names[n++] = c->members[i].name;
	qsort(names, n, sizeof(char *), cmp_name);
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", names[i]);
	return buf.data;
}

/* Which members this node has heard from in the current phase. */
static bool *
have_of_phase(Comp *c)
{
	return c->phase == PHASE_WAIT ? c->have_ready
		: c->phase == PHASE_INPUT ? c->have_share
		: c->phase == PHASE_MULT ? &c->have_mult[c->round * c->n]
		: c->phase == PHASE_ZOPEN ? c->have_z : c->have_sum;
}

/*
 * " Last error for <name>: <libpq's error>." for every member not yet heard
 * from in this phase whose connection has failed, in name order.
 */
static void
append_last_errors(Comp *c, StringInfo buf)
{
	bool	   *have = have_of_phase(c);
	Member	   *by_name[SMPC_MAX_MEMBERS];
	int			i;

	for (i = 0; i < c->n; i++)
		by_name[i] = &c->members[i];
	qsort(by_name, c->n, sizeof(Member *), cmp_member_name);
	for (i = 0; i < c->n; i++)
	{
		int			m = by_name[i] - c->members;
		Peer	   *p;
		size_t		len;

		if (m == c->self || have[m])
			continue;
		p = find_peer(c->members[m].public_key);
		if (p == NULL || p->last_error[0] == '\0')
			continue;
		if (p->error_hidden)
		{
			/* its text is for superusers and the server log (peer.c) */
			appendStringInfo(buf, " Last error for %s: %s.", c->members[m].name,
							 SMPC_HIDDEN_CONNECT_ERROR);
			continue;
		}
		len = strlen(p->last_error);
		appendStringInfo(buf, " Last error for %s: %s%s", c->members[m].name,
						 p->last_error, strchr(".?!", p->last_error[len - 1]) ? "" : ".");
	}
}

static void
timeout_comp(Comp *c)
{
	bool	   *have = have_of_phase(c);
	const char *what = c->phase == PHASE_WAIT ? "Peers that never joined"
		: c->phase == PHASE_INPUT ? "Peers that did not send their shares"
		: c->phase == PHASE_MULT ? "Peers that did not send their multiplication round"
		: c->phase == PHASE_ZOPEN ? "Peers that did not send their small-cell test"
		: "Peers that did not send their sums";
	StringInfoData detail;
	int			i;

	initStringInfo(&detail);
	if (c->phase == PHASE_WAIT)
	{
		char	   *never = missing_names(c, have, c->withdrew);
		char	   *gave_up = missing_names(c, c->withdrew, NULL);
		bool		any_withdrew = false;

		for (i = 0; i < c->n; i++)
			any_withdrew |= c->withdrew[i];
		if (never[0])
			appendStringInfo(&detail, "%s: %s.", what, never);
		if (any_withdrew)
		{
			bool		inv[SMPC_MAX_MEMBERS];

			for (i = 0; i < c->n; i++)
				inv[i] = !c->withdrew[i];
			gave_up = missing_names(c, inv, NULL);
			appendStringInfo(&detail, "%sPeers that joined but gave up first: %s.",
							 never[0] ? " " : "", gave_up);
		}
	}
	else
		appendStringInfo(&detail, "%s: %s.", what, missing_names(c, have, NULL));
	append_last_errors(c, &detail);
	fail_comp(c, "timed out", ERRCODE_CONNECTION_FAILURE,
			  psprintf("smpc computation for peer group \"%s\" timed out", c->group),
			  detail.data);
}

static void process_early(Comp *c);
static void try_advance(Comp *c);

/*
 * smpc.fault_injection = wrong_step: messages of steps that are not due.
 * Before the shares, a multiplication round and small-cell test values
 * (unexpected unless the group has small-cell protection, which this
 * fault leaves alone); after them, a second set of shares.  The members
 * must refuse all of them and still compute the right result.
 */
static void
send_wrong_steps(Comp *c, bool after_shares)
{
	smpc_fe		zeros[2 * SMPC_MAX_VALUES];
	StringInfoData buf;
	int			i;

	if (c->suppress_k > 1)
		return;
	memset(zeros, 0, sizeof(zeros));
	ereport(LOG,
			(errmsg("smpc: fault injection: sending steps not due for computation %s",
					hex(c->comp_id, 16))));
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
			continue;
		if (after_shares)
		{
			initStringInfo(&buf);
			smpc_put_vector(&buf, zeros, c->nshared);
			send_to(c->members[i].public_key, SMPC_MSG_SHARES, c->comp_id, &buf);
			pfree(buf.data);
			continue;
		}
		initStringInfo(&buf);
		appendStringInfoChar(&buf, 0);
		smpc_put_vector(&buf, zeros, c->nvalues);
		send_to(c->members[i].public_key, SMPC_MSG_MULT, c->comp_id, &buf);
		pfree(buf.data);
		initStringInfo(&buf);
		smpc_put_vector(&buf, zeros, c->nvalues);
		send_to(c->members[i].public_key, SMPC_MSG_ZSUMS, c->comp_id, &buf);
		pfree(buf.data);
	}
}

/* Agreement reached: fix the encoding and send our shares. */
static void
start_input(Comp *c)
{
	crypto_generichash_state st;
	smpc_fe    *shares;
	smpc_fe		tmp[SMPC_MAX_MEMBERS];
	int			i,
				k;
	uint8		kind = c->kind;
	int128		bound = magnitude_bound(c->n);

	/* every member announced the same membership and encoding? */
	for (i = 0; i < c->n; i++)
	{
		SmpcReady  *r = &c->ready[i];

		if (i == c->self)
			continue;
		if (memcmp(r->digest, c->digest, SMPC_HASH_BYTES) != 0 || r->nmembers != c->n)
		{
			fail_comp(c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  psprintf("members of peer group \"%s\" disagree on its membership", c->group),
					  psprintf("Member \"%s\" has a different list of members or keys, or other group settings, than this node.",
							   c->members[i].name));
			return;
		}
		if (memcmp(r->desc, c->desc, SMPC_HASH_BYTES) != 0)
		{
			fail_comp(c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  psprintf("members of peer group \"%s\" disagree on the computation", c->group),
					  psprintf("Member \"%s\" uses other %s than this node.", c->members[i].name,
							   c->kind == SMPC_KIND_HISTOGRAM ? "histogram bounds" : "categories"));
			return;
		}
		if (r->vclass != c->vclass || r->nvalues != c->nvalues)
		{
			fail_comp(c, "failed", ERRCODE_INVALID_PARAMETER_VALUE,
					  psprintf("members of peer group \"%s\" disagree on the computation", c->group),
					  psprintf("Member \"%s\" computes smpc_%s over %s input, this node over %s input.",
							   c->members[i].name, smpc_kind_name(c->kind),
							   r->vclass == SMPC_CLASS_FLOAT ? "floating-point" : "exact",
							   c->vclass == SMPC_CLASS_FLOAT ? "floating-point" : "exact"));
			return;
		}
	}

	/* the common scale is the largest any member needs */
	c->agreed_scale = c->scale;
	for (i = 0; i < c->n; i++)
		if (i != c->self)
			c->agreed_scale = Max(c->agreed_scale, c->ready[i].scale);
	for (k = 0; k < c->nvalues; k++)
	{
		int			steps = c->scale_mult[k] * (c->agreed_scale - c->scale);

		for (i = 0; i < steps; i++)
		{
			if (c->local[k] > bound / 10 || c->local[k] < -bound / 10)
			{
				fail_comp(c, "failed", ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
						  "value out of range for smpc",
						  psprintf("This node's sums do not fit in 126 bits at the common scale of %d decimal digits.",
								   c->agreed_scale));
				return;
			}
			c->local[k] *= 10;
		}
	}

	/* the computation id binds the key and every member's nonce */
	crypto_generichash_init(&st, NULL, 0, SMPC_HASH_BYTES);
	crypto_generichash_update(&st, (const uint8 *) "smpc-computation-v1", 19);
	crypto_generichash_update(&st, (const uint8 *) c->group, strlen(c->group) + 1);
	crypto_generichash_update(&st, &kind, 1);
	crypto_generichash_update(&st, (const uint8 *) c->label, strlen(c->label) + 1);
	for (i = 0; i < c->n; i++)
	{
		crypto_generichash_update(&st, c->members[i].public_key, SMPC_KEY_BYTES);
		crypto_generichash_update(&st, i == c->self ? c->nonce : c->ready[i].nonce,
								  SMPC_NONCE_BYTES);
	}
	crypto_generichash_final(&st, c->comp_id, SMPC_HASH_BYTES);

	c->sums = MemoryContextAllocZero(smpc_worker_context,
									 sizeof(smpc_fe) * c->n * c->nvalues);
	if (c->suppress_k > 1)
	{
		/* each member also shares random masks for the small-cell test */
		c->nshared = 2 * c->nvalues;
		c->mult_in = MemoryContextAllocZero(smpc_worker_context, sizeof(smpc_fe) *
											(c->suppress_k - 1) * c->n * c->nvalues);
		c->have_mult = MemoryContextAllocZero(smpc_worker_context, sizeof(bool) *
											  (c->suppress_k - 1) * c->n);
		c->zs = MemoryContextAllocZero(smpc_worker_context,
									   sizeof(smpc_fe) * c->n * c->nvalues);
	}
	else
		c->nshared = c->nvalues;
	shares = palloc(sizeof(smpc_fe) * c->n * c->nshared);
	for (k = 0; k < c->nshared; k++)
	{
		smpc_fe		secret = k < c->nvalues ? fe_from_int(c->local[k]) : fe_random();

		shamir_split(secret, c->degree, c->n, tmp);
		for (i = 0; i < c->n; i++)
			shares[i * c->nshared + k] = tmp[i];
	}
	sodium_memzero(tmp, sizeof(tmp));
	c->phase = PHASE_INPUT;
	if (smpc_fault_injection == SMPC_FAULT_HOLD_SHARES)
	{
		ereport(LOG,
				(errmsg("smpc: fault injection: holding the shares of computation %s",
						hex(c->comp_id, 16))));
		c->stalled = true;
	}
	else if (smpc_fault_injection == SMPC_FAULT_WRONG_STEP)
		send_wrong_steps(c, false);
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
		{
			for (k = 0; k < c->nshared; k++)
				c->acc[k] = fe_add(c->acc[k], shares[i * c->nshared + k]);
			c->have_share[i] = true;
		}
		else if (!c->stalled)
		{
			StringInfoData buf;

			initStringInfo(&buf);
			smpc_put_vector(&buf, &shares[i * c->nshared], c->nshared);
			send_to(c->members[i].public_key, SMPC_MSG_SHARES, c->comp_id, &buf);
			sodium_memzero(buf.data, buf.len);
			pfree(buf.data);
		}
	}
	sodium_memzero(shares, sizeof(smpc_fe) * c->n * c->nshared);
	sodium_memzero(c->local, sizeof(c->local));
	pfree(shares);
	if (smpc_fault_injection == SMPC_FAULT_WRONG_STEP)
		send_wrong_steps(c, true);
	process_early(c);
}

static bool
all_have(Comp *c, bool *have)
{
	int			i;

	for (i = 0; i < c->n; i++)
		if (!have[i])
			return false;
	return true;
}

/* Send our sums of shares (only of the buckets not suppressed). */
static void
start_output(Comp *c)
{
	StringInfoData buf;
	smpc_fe		out[SMPC_MAX_VALUES];
	int			i,
				k;

	c->phase = PHASE_OUTPUT;
	if (smpc_fault_injection == SMPC_FAULT_HOLD_SUMS)
	{
		ereport(LOG,
				(errmsg("smpc: fault injection: holding the sums of computation %s",
						hex(c->comp_id, 16))));
		c->stalled = true;
		return;
	}
	for (k = 0; k < c->nvalues; k++)
		out[k] = c->suppressed[k] ? 0 : c->acc[k];
	for (k = 0; k < c->nvalues; k++)
		c->sums[c->self * c->nvalues + k] = out[k];
	c->have_sum[c->self] = true;
	if (smpc_fault_injection == SMPC_FAULT_REPEAT_SUMS)
	{
		/* sent again when the next computation starts here */
		memcpy(repeat_comp_id, c->comp_id, SMPC_HASH_BYTES);
		repeat_n = 0;
		for (i = 0; i < c->n; i++)
			if (i != c->self)
				memcpy(repeat_to[repeat_n++], c->members[i].public_key, SMPC_KEY_BYTES);
		memcpy(repeat_sums, out, sizeof(smpc_fe) * c->nvalues);
		repeat_nvalues = c->nvalues;
	}
	initStringInfo(&buf);
	smpc_put_vector(&buf, out, c->nvalues);
	for (i = 0; i < c->n; i++)
		if (i != c->self)
			send_to(c->members[i].public_key, SMPC_MSG_SUMS, c->comp_id, &buf);
	pfree(buf.data);
}

/*
 * One multiplication round of the small-cell test: multiply our share of
 * the running product by our share of (c - j), which doubles the degree,
 * and reshare the result at the group's degree.
 */
static void
send_mult(Comp *c)
{
	smpc_fe		tmp[SMPC_MAX_MEMBERS];
	smpc_fe    *out = palloc(sizeof(smpc_fe) * c->n * c->nvalues);
	smpc_fe		j = (smpc_fe) (c->round + 1);
	int			i,
				k;

	for (k = 0; k < c->nvalues; k++)
	{
		shamir_split(fe_mul(c->cur[k], fe_sub(c->acc[k], j)), c->degree, c->n, tmp);
		for (i = 0; i < c->n; i++)
			out[i * c->nvalues + k] = tmp[i];
	}
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
		{
			memcpy(&c->mult_in[(c->round * c->n + i) * c->nvalues], &out[i * c->nvalues],
				   sizeof(smpc_fe) * c->nvalues);
			c->have_mult[c->round * c->n + i] = true;
		}
		else
		{
			StringInfoData buf;

			initStringInfo(&buf);
			appendStringInfoChar(&buf, (char) c->round);
			smpc_put_vector(&buf, &out[i * c->nvalues], c->nvalues);
			send_to(c->members[i].public_key, SMPC_MSG_MULT, c->comp_id, &buf);
			sodium_memzero(buf.data, buf.len);
			pfree(buf.data);
		}
	}
	sodium_memzero(out, sizeof(smpc_fe) * c->n * c->nvalues);
	sodium_memzero(tmp, sizeof(tmp));
	pfree(out);
}

static int
count_have(Comp *c, bool *have)
{
	int			i,
				n = 0;

	for (i = 0; i < c->n; i++)
		n += have[i] ? 1 : 0;
	return n;
}

static void
try_advance(Comp *c)
{
	int			i,
				k;
	int			xs[SMPC_MAX_MEMBERS];

	if (!c->used || c->stalled)
		return;
	for (i = 0; i < c->n; i++)
		xs[i] = i + 1;
	if (c->phase == PHASE_WAIT)
	{
		if (!all_have(c, c->have_ready))
			return;
		start_input(c);
		if (!c->used)
			return;
	}
	if (c->phase == PHASE_INPUT && all_have(c, c->have_share))
	{
		if (c->suppress_k > 1)
		{
			c->phase = PHASE_MULT;
			c->round = 0;
			memcpy(c->cur, &c->acc[c->nvalues], sizeof(smpc_fe) * c->nvalues);
			send_mult(c);
		}
		else
			start_output(c);
	}
	while (c->phase == PHASE_MULT && all_have(c, &c->have_mult[c->round * c->n]))
	{
		smpc_fe		lambda[SMPC_MAX_MEMBERS];

		/* degree reduction: every member's reshare, weighted */
		shamir_lagrange(xs, c->n, lambda);
		for (k = 0; k < c->nvalues; k++)
		{
			smpc_fe		v = 0;

			for (i = 0; i < c->n; i++)
				v = fe_add(v, fe_mul(lambda[i],
									 c->mult_in[(c->round * c->n + i) * c->nvalues + k]));
			c->cur[k] = v;
		}
		c->round++;
		if (c->round < c->suppress_k - 1)
			send_mult(c);
		else
		{
			StringInfoData buf;

			c->phase = PHASE_ZOPEN;
			memcpy(&c->zs[c->self * c->nvalues], c->cur, sizeof(smpc_fe) * c->nvalues);
			c->have_z[c->self] = true;
			initStringInfo(&buf);
			smpc_put_vector(&buf, c->cur, c->nvalues);
			for (i = 0; i < c->n; i++)
				if (i != c->self)
					send_to(c->members[i].public_key, SMPC_MSG_ZSUMS, c->comp_id, &buf);
			pfree(buf.data);
		}
	}
	if (c->phase == PHASE_ZOPEN && all_have(c, c->have_z))
	{
		smpc_fe		ys[SMPC_MAX_MEMBERS];

		/* z is zero exactly when the count is one of 1 .. k-1 */
		for (k = 0; k < c->nvalues; k++)
		{
			for (i = 0; i < c->n; i++)
				ys[i] = c->zs[i * c->nvalues + k];
			c->suppressed[k] = shamir_combine(xs, ys, c->n) == 0;
		}
		start_output(c);
	}
	/* degree + 1 sums determine the result: members may drop out now */
	if (c->phase == PHASE_OUTPUT && count_have(c, c->have_sum) >= c->degree + 1)
	{
		int			pxs[SMPC_MAX_MEMBERS];
		smpc_fe		ys[SMPC_MAX_MEMBERS];
		int128		result[SMPC_MAX_VALUES];
		int			m;

		for (k = 0; k < c->nvalues; k++)
		{
			m = 0;
			for (i = 0; i < c->n; i++)
				if (c->have_sum[i])
				{
					pxs[m] = i + 1;
					ys[m++] = c->sums[i * c->nvalues + k];
				}
			result[k] = c->suppressed[k] ? 0 : fe_to_int(shamir_combine(pxs, ys, m));
		}
		post_result(c, 0, NULL, NULL, result, c->suppressed, c->nvalues, c->agreed_scale);
		finish_comp(c, "succeeded", 0, NULL, NULL);
	}
}

static void
fail_abandoned(Comp *c, const char *who, const char *reason)
{
	char	   *clean = pstrdup(reason);
	char	   *ch;
	StringInfoData detail;

	/* the text comes from a peer: keep it to one line of printable text */
	for (ch = clean; *ch; ch++)
		if ((unsigned char) *ch < 0x20 || *ch == 0x7f)
			*ch = ' ';
	reason = clean;
	c->relayed = true;
	initStringInfo(&detail);
	appendStringInfo(&detail, "%s reported: %s", who, reason);
	/* what this node knows about the members it is still missing */
	append_last_errors(c, &detail);
	fail_comp(c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
			  psprintf("member \"%s\" of peer group \"%s\" abandoned the computation",
					   who, c->group),
			  detail.data);
}

/* Handle SHARES, SUMS or ABORT for a running computation. */
static void
comp_message(Comp *c, int idx, uint8 type, const uint8 *payload, size_t len)
{
	smpc_fe		v[2 * SMPC_MAX_VALUES];
	const char *who = c->members[idx].name;
	int			k;

	if (c->stalled)
		return;					/* playing dead */
	if (type == SMPC_MSG_ABORT)
	{
		bool		ready_phase;
		bool		fatal;
		SmpcReady	r;
		char		reason[SMPC_MAX_REASON];

		if (!smpc_get_abort(payload, len, &ready_phase, &fatal, &r, reason, sizeof(reason)))
		{
			ereport(WARNING, (errmsg("smpc: malformed ABORT from peer \"%s\"", who)));
			return;
		}
		fail_abandoned(c, who, reason);
		return;
	}
	if ((type == SMPC_MSG_MULT || type == SMPC_MSG_ZSUMS) && c->suppress_k <= 1)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a %s from peer \"%s\": not a step of this computation",
						msg_type_name(type), who),
				 errdetail("Peer group \"%s\" has no small-cell protection.", c->group)));
		return;
	}
	if (type == SMPC_MSG_MULT)
	{
		int			round = len >= 1 ? payload[0] : -1;

		if (round < 0 || round >= c->suppress_k - 1 ||
			!smpc_get_vector(payload + 1, len - 1, v, c->nvalues))
		{
			ereport(WARNING, (errmsg("smpc: malformed multiplication round from peer \"%s\"", who)));
			return;
		}
		if (c->have_mult[round * c->n + idx])
		{
			ereport(WARNING, (errmsg("smpc: duplicate multiplication round from peer \"%s\" ignored", who)));
			return;
		}
		memcpy(&c->mult_in[(round * c->n + idx) * c->nvalues], v, sizeof(smpc_fe) * c->nvalues);
		c->have_mult[round * c->n + idx] = true;
		sodium_memzero(v, sizeof(v));
		try_advance(c);
		return;
	}
	if (!smpc_get_vector(payload, len, v,
						 type == SMPC_MSG_SHARES ? c->nshared : c->nvalues))
	{
		ereport(WARNING,
				(errmsg("smpc: malformed %s from peer \"%s\"", msg_type_name(type), who)));
		return;
	}
	if (type == SMPC_MSG_SHARES)
	{
		if (c->have_share[idx])
		{
			ereport(WARNING, (errmsg("smpc: duplicate shares from peer \"%s\" ignored", who)));
			return;
		}
		for (k = 0; k < c->nshared; k++)
			c->acc[k] = fe_add(c->acc[k], v[k]);
		c->have_share[idx] = true;
	}
	else if (type == SMPC_MSG_ZSUMS)
	{
		if (c->have_z[idx])
		{
			ereport(WARNING, (errmsg("smpc: duplicate sums from peer \"%s\" ignored", who)));
			return;
		}
		memcpy(&c->zs[idx * c->nvalues], v, sizeof(smpc_fe) * c->nvalues);
		c->have_z[idx] = true;
	}
	else
	{
		if (c->have_sum[idx])
		{
			ereport(WARNING, (errmsg("smpc: duplicate sums from peer \"%s\" ignored", who)));
			return;
		}
		for (k = 0; k < c->nvalues; k++)
			c->sums[idx * c->nvalues + k] = v[k];
		c->have_sum[idx] = true;
	}
	sodium_memzero(v, sizeof(v));
	try_advance(c);
}

/* Messages that arrived before this computation started here. */
static void
process_early(Comp *c)
{
	ListCell   *lc;

	foreach(lc, pending)
	{
		Pending    *pm = lfirst(lc);
		int			idx;

		if (pm->type == SMPC_MSG_READY || memcmp(pm->comp_id, c->comp_id, SMPC_HASH_BYTES) != 0)
			continue;
		idx = member_index(c->members, c->n, pm->sender);
		pending = foreach_delete_current(pending, lc);
		if (idx >= 0 && idx != c->self && c->used)
			comp_message(c, idx, pm->type, (uint8 *) VARDATA(pm->payload),
						 VARSIZE(pm->payload) - VARHDRSZ);
		pfree(pm->payload);
		pfree(pm);
	}
}

static void
add_pending(Pending *pm)
{
	MemoryContext old = MemoryContextSwitchTo(smpc_worker_context);
	Pending    *copy = palloc(sizeof(Pending));

	if (list_length(pending) >= MAX_PENDING)
	{
		Pending    *oldest = linitial(pending);

		ereport(WARNING, (errmsg("smpc: too many early messages; dropping the oldest")));
		if (oldest->payload)
			pfree(oldest->payload);
		pfree(oldest);
		pending = list_delete_first(pending);
	}
	*copy = *pm;
	pending = lappend(pending, copy);
	MemoryContextSwitchTo(old);
}

/*
 * smpc.fault_injection = repeat_sums: send the sums of the last computation
 * again, now that every member has finished it.
 */
static void
send_repeat_sums(void)
{
	StringInfoData buf;
	int			i;

	if (smpc_fault_injection == SMPC_FAULT_REPEAT_SUMS)
	{
		ereport(LOG,
				(errmsg("smpc: fault injection: sending the sums of finished computation %s again",
						hex(repeat_comp_id, 16))));
		initStringInfo(&buf);
		smpc_put_vector(&buf, repeat_sums, repeat_nvalues);
		for (i = 0; i < repeat_n; i++)
			send_to(repeat_to[i], SMPC_MSG_SUMS, repeat_comp_id, &buf);
		pfree(buf.data);
	}
	sodium_memzero(repeat_sums, sizeof(repeat_sums));
	repeat_n = 0;
}

/* A backend submitted a request: start the rendezvous. */
static void
start_request(int slot)
{
	SmpcRequest *req = &smpc_shared->requests[slot];
	Comp	   *c = NULL;
	PeerGroup	   *g;
	ListCell   *lc;
	int			i,
				k;
	StringInfoData buf;
	SmpcReady	r;
	int128		bound;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (!comps[i].used)
		{
			c = &comps[i];
			break;
		}
	Assert(c != NULL);			/* one comp per request slot at most */

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (req->state != SMPC_REQ_SUBMITTED)
	{
		/* the backend gave up before we got to it */
		LWLockRelease(smpc_shared->lock);
		return;
	}
	req->state = SMPC_REQ_RUNNING;
	memset(c, 0, sizeof(Comp));
	c->used = true;
	c->slot = slot;
	c->serial = req->serial;
	c->kind = req->kind;
	c->vclass = req->vclass;
	strlcpy(c->group, req->group, sizeof(c->group));
	strlcpy(c->label, req->label, sizeof(c->label));
	c->scale = req->scale;
	c->nvalues = Min(req->nvalues, SMPC_MAX_VALUES);
	memcpy(c->local, req->values, sizeof(int128) * c->nvalues);
	/* this node's subtotals stay only in the computation, wiped after use */
	sodium_memzero(req->values, sizeof(req->values));
	memcpy(c->scale_mult, req->scale_mult, c->nvalues);
	memcpy(c->desc, req->desc, SMPC_HASH_BYTES);
	c->timeout_ms = req->timeout_ms;
	LWLockRelease(smpc_shared->lock);

	c->started = GetCurrentTimestamp();
	c->deadline = TimestampTzPlusMilliseconds(c->started, c->timeout_ms);
	c->phase = PHASE_WAIT;
	c->self = 0;

	if (repeat_n > 0)
		send_repeat_sums();

	g = find_group(c->group);
	if (!have_node_key)
	{
		c->n = 0;
		fail_comp(c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  "smpc node is not initialised",
				  "Run SELECT smpc.init_node('name') in the smpc database first.");
		return;
	}
	if (g == NULL)
	{
		c->n = 0;
		fail_comp(c, "failed", ERRCODE_UNDEFINED_OBJECT,
				  psprintf("peer group \"%s\" does not exist", c->group), NULL);
		return;
	}
	c->n = g->nmembers;
	memcpy(c->members, g->members, sizeof(Member) * g->nmembers);
	memcpy(c->digest, g->digest, SMPC_HASH_BYTES);
	for (i = 0; i < c->n; i++)
		if (c->members[i].self)
			c->self = i;
	c->have_ready[c->self] = true;

	if (g->nmembers < g->min_parties)
	{
		fail_comp(c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("peer group \"%s\" has too few members", c->group),
				  psprintf("The group has %d member%s including this node, but min_parties is %d.",
						   g->nmembers, g->nmembers == 1 ? "" : "s", g->min_parties));
		return;
	}
	/* shares of degree t: any t + 1 members together could rebuild them */
	c->degree = g->max_colluders > 0 ? g->max_colluders : c->n - 1;
	if (c->degree > c->n - 1)
	{
		fail_comp(c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
				  psprintf("peer group \"%s\" tolerates more colluders than it has other members", c->group),
				  psprintf("max_colluders is %d, but the group has %d members including this node.",
						   g->max_colluders, c->n));
		return;
	}
	if ((c->kind == SMPC_KIND_HISTOGRAM || c->kind == SMPC_KIND_FREQUENCIES) &&
		g->min_cell_count > 1)
	{
		c->suppress_k = g->min_cell_count;
		if (2 * c->degree + 1 > c->n)
		{
			fail_comp(c, "failed", ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
					  psprintf("small-cell protection in peer group \"%s\" needs an honest majority", c->group),
					  psprintf("With min_cell_count above 1, max_colluders must be below half the members: the group has %d members and tolerates %d colluder%s.",
							   c->n, c->degree, c->degree == 1 ? "" : "s"));
			return;
		}
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		if (&comps[i] != c && same_key(&comps[i], c->group, c->kind, c->label))
		{
			c->n = 0;
			fail_comp(c, "failed", ERRCODE_OBJECT_IN_USE,
					  "an smpc computation with the same peer group, aggregate and label is already running on this node",
					  "Run the second one after the first has finished, or give it another label.");
			return;
		}
	}
	bound = magnitude_bound(c->n);
	for (k = 0; k < c->nvalues; k++)
		if (c->local[k] > bound || c->local[k] < -bound)
		{
			fail_comp(c, "failed", ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
					  "value out of range for smpc",
					  psprintf("With %d members, each member's value must stay within 2^126/%d at the common scale.",
							   c->n, c->n));
			return;
		}

	randombytes_buf(c->nonce, SMPC_NONCE_BYTES);
	ready_of(c, &r);
	for (i = 0; i < c->n; i++)
	{
		if (i == c->self)
			continue;
		initStringInfo(&buf);
		smpc_put_ready(&buf, &r);
		send_to(c->members[i].public_key, SMPC_MSG_READY, NULL, &buf);
		pfree(buf.data);
	}

	/* READYs that arrived before we asked */
	foreach(lc, pending)
	{
		Pending    *pm = lfirst(lc);
		int			idx;

		if (pm->type != SMPC_MSG_READY ||
			!same_key(c, pm->ready.group, pm->ready.kind, pm->ready.label))
			continue;
		idx = member_index(c->members, c->n, pm->sender);
		if (idx < 0 || idx == c->self)
			continue;
		c->ready[idx] = pm->ready;
		c->have_ready[idx] = true;
		pending = foreach_delete_current(pending, lc);
		pfree(pm);
	}
	try_advance(c);
}

/* ---------- incoming messages ---------- */

static void
handle_ready(Peer *p, const SmpcHeader *h, const uint8 *payload, size_t len)
{
	SmpcReady	r;
	PeerGroup	   *g;
	Pending		pm;
	int			i;

	if (!smpc_get_ready(payload, len, &r))
	{
		ereport(WARNING, (errmsg("smpc: malformed READY from peer \"%s\"", p->name)));
		return;
	}
	g = find_group(r.group);
	if (g == NULL || member_index(g->members, g->nmembers, p->public_key) < 0)
	{
		ereport(WARNING,
				(errmsg("smpc: peer \"%s\" asked to compute over peer group \"%s\", of which it is not a member here",
						p->name, r.group)));
		return;
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = &comps[i];

		if (same_key(c, r.group, r.kind, r.label) && c->phase == PHASE_WAIT)
		{
			int			idx = member_index(c->members, c->n, p->public_key);

			if (idx < 0)
				continue;
			c->ready[idx] = r;
			c->have_ready[idx] = true;
			c->withdrew[idx] = false;
			try_advance(c);
			return;
		}
	}
	/* keep it for our own request; a newer READY replaces an older one */
	{
		ListCell   *lc;

		foreach(lc, pending)
		{
			Pending    *old = lfirst(lc);

			if (old->type == SMPC_MSG_READY &&
				memcmp(old->sender, p->public_key, SMPC_KEY_BYTES) == 0 &&
				old->ready.kind == r.kind && strcmp(old->ready.group, r.group) == 0 &&
				strcmp(old->ready.label, r.label) == 0)
			{
				pending = foreach_delete_current(pending, lc);
				pfree(old);
			}
		}
	}
	memset(&pm, 0, sizeof(pm));
	memcpy(pm.sender, p->public_key, SMPC_KEY_BYTES);
	pm.type = SMPC_MSG_READY;
	pm.ready = r;
	pm.expires = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											 Min((int64) r.wait_ms, (int64) 3600 * 1000) + 1000);
	add_pending(&pm);
}

/* An ABORT of the rendezvous: the sender withdrew its READY, or failed. */
static void
handle_ready_abort(Peer *p, const SmpcReady *r, bool fatal, const char *reason)
{
	ListCell   *lc;
	int			i;

	foreach(lc, pending)
	{
		Pending    *old = lfirst(lc);

		if (old->type == SMPC_MSG_READY &&
			memcmp(old->sender, p->public_key, SMPC_KEY_BYTES) == 0 &&
			memcmp(old->ready.nonce, r->nonce, SMPC_NONCE_BYTES) == 0)
		{
			pending = foreach_delete_current(pending, lc);
			pfree(old);
		}
	}
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = &comps[i];
		int			idx;

		if (!same_key(c, r->group, r->kind, r->label))
			continue;
		idx = member_index(c->members, c->n, p->public_key);
		if (idx < 0 || !c->have_ready[idx] || idx == c->self ||
			memcmp(c->ready[idx].nonce, r->nonce, SMPC_NONCE_BYTES) != 0)
			continue;
		if (c->phase == PHASE_WAIT && !fatal)
		{
			/* it gave up waiting; it may come back with a new READY */
			c->have_ready[idx] = false;
			c->withdrew[idx] = true;
		}
		else
			fail_abandoned(c, c->members[idx].name, reason);
	}
}

static void
handle_comp_message(Peer *p, const SmpcHeader *h, const uint8 *payload, size_t len)
{
	int			i;
	Pending		pm;
	Finished   *f;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		Comp	   *c = &comps[i];
		int			idx;

		if (!c->used || c->phase == PHASE_WAIT ||
			memcmp(c->comp_id, h->comp_id, SMPC_HASH_BYTES) != 0)
			continue;
		idx = member_index(c->members, c->n, p->public_key);
		if (idx < 0 || idx == c->self)
		{
			ereport(WARNING,
					(errmsg("smpc: peer \"%s\" sent a message for a computation it is not part of",
							p->name)));
			return;
		}
		comp_message(c, idx, h->type, payload, len);
		return;
	}
	if ((f = recently_finished(h->comp_id)) != NULL)
	{
		late_message(f, p, h->type);
		return;
	}
	/* possibly for a computation that starts here shortly */
	memset(&pm, 0, sizeof(pm));
	memcpy(pm.sender, p->public_key, SMPC_KEY_BYTES);
	pm.type = h->type;
	memcpy(pm.comp_id, h->comp_id, SMPC_HASH_BYTES);
	pm.payload = MemoryContextAlloc(smpc_worker_context, VARHDRSZ + len);
	SET_VARSIZE(pm.payload, VARHDRSZ + len);
	memcpy(VARDATA(pm.payload), payload, len);
	pm.expires = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), 600 * 1000);
	add_pending(&pm);
}

/* Authenticate, decrypt and dispatch one message from the inbox. */
static void
handle_message(const uint8 *msg, size_t len)
{
	SmpcHeader	h;
	const char *why;
	Peer	   *p;
	uint8	   *plain;
	size_t		plainlen;
	TimestampTz now = GetCurrentTimestamp();

	if (!smpc_header_parse(msg, len, &h, &why))
	{
		ereport(WARNING, (errmsg("smpc: rejected a message: %s", why)));
		return;
	}
	if (!have_node_key || memcmp(h.recipient, node_public_key, SMPC_KEY_BYTES) != 0)
	{
		ereport(WARNING, (errmsg("smpc: rejected a message addressed to another key")));
		return;
	}
	p = find_peer(h.sender);
	if (p == NULL || p->pairwise.bytes == NULL)
	{
		ereport(WARNING, (errmsg("smpc: rejected a message from an unknown key")));
		return;
	}
	plainlen = len - SMPC_HEADER_BYTES - SMPC_AEAD_TAG_BYTES;
	plain = palloc(plainlen + 1);
	if (!smpc_open(&p->pairwise, h.nonce, msg, SMPC_HEADER_BYTES,
				   msg + SMPC_HEADER_BYTES, len - SMPC_HEADER_BYTES, plain))
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message claiming to come from peer \"%s\": authentication failed",
						p->name)));
		return;
	}
	if (h.seq <= p->last_seq_in)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a replayed message from peer \"%s\"", p->name)));
		return;
	}
	if ((int64) h.seq < now - MAX_SKEW_US || (int64) h.seq > now + MAX_SKEW_US)
	{
		ereport(WARNING,
				(errmsg("smpc: rejected a message from peer \"%s\" with a timestamp more than 10 minutes off",
						p->name),
				 errhint("Check that both servers' clocks are right.")));
		return;
	}
	p->last_seq_in = h.seq;
	p->last_contact = now;
	if (!p->key_verified)
		status_dirty = true;
	p->key_verified = true;

	switch (h.type)
	{
		case SMPC_MSG_PING:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				appendBinaryStringInfo(&buf, (char *) plain, plainlen);
				if (plainlen == 8)
					send_to(p->public_key, SMPC_MSG_PONG, NULL, &buf);
				pfree(buf.data);
				break;
			}
		case SMPC_MSG_PONG:
			{
				uint64		id;

				if (smpc_get_u64(plain, plainlen, &id) && id == p->ping_id && p->ping_sent)
				{
					p->rtt_ms = (double) (now - p->ping_sent) / 1000.0;
					p->ping_sent = 0;
					status_dirty = true;
				}
				break;
			}
		case SMPC_MSG_READY:
			handle_ready(p, &h, plain, plainlen);
			break;
		case SMPC_MSG_ABORT:
			{
				bool		ready_phase;
				bool		fatal;
				SmpcReady	r;
				char		reason[SMPC_MAX_REASON];

				if (!smpc_get_abort(plain, plainlen, &ready_phase, &fatal, &r, reason,
									sizeof(reason)))
				{
					ereport(WARNING, (errmsg("smpc: malformed ABORT from peer \"%s\"", p->name)));
					break;
				}
				if (ready_phase)
					handle_ready_abort(p, &r, fatal, reason);
				else
					handle_comp_message(p, &h, plain, plainlen);
				break;
			}
		case SMPC_MSG_SHARES:
		case SMPC_MSG_SUMS:
		case SMPC_MSG_MULT:
		case SMPC_MSG_ZSUMS:
			handle_comp_message(p, &h, plain, plainlen);
			break;
	}
	sodium_memzero(plain, plainlen);
	pfree(plain);
}

static void
drain_inbox(void)
{
	char	   *buf;
	uint64		tail,
				head,
				n;
	size_t		off = 0;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	tail = smpc_shared->inbox_tail;
	head = smpc_shared->inbox_head;
	n = head - tail;
	buf = palloc(n + 1);
	if (n > 0)
	{
		size_t		off = tail % SMPC_INBOX_BYTES;
		size_t		first = Min(n, SMPC_INBOX_BYTES - off);

		memcpy(buf, smpc_shared->inbox + off, first);
		memcpy(buf + first, smpc_shared->inbox, n - first);
	}
	smpc_shared->inbox_tail = head;
	LWLockRelease(smpc_shared->lock);

	while (off + sizeof(uint32) <= n)
	{
		uint32		len;

		memcpy(&len, buf + off, sizeof(uint32));
		off += sizeof(uint32);
		if (len > n - off)
			break;
		handle_message((uint8 *) buf + off, len);
		off += len;
	}
	pfree(buf);
}

/* ---------- requests from backends ---------- */

static void
scan_requests(void)
{
	SmpcReqState states[SMPC_MAX_REQUESTS];
	int			i;

	/* one look at every slot; what changes meanwhile is seen next turn */
	LWLockAcquire(smpc_shared->lock, LW_SHARED);
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		states[i] = smpc_shared->requests[i].state;
	LWLockRelease(smpc_shared->lock);

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		int			j;

		if (states[i] == SMPC_REQ_SUBMITTED)
		{
			if (pg_atomic_read_u64(&smpc_shared->config_gen) != loaded_gen)
				reload_config();
			start_request(i);
		}
		else if (states[i] == SMPC_REQ_ABANDONED)
		{
			bool		found = false;

			for (j = 0; j < SMPC_MAX_REQUESTS; j++)
				if (comps[j].used && comps[j].slot == i)
				{
					found = true;
					fail_comp(&comps[j], "cancelled", ERRCODE_QUERY_CANCELED,
							  "the computation was cancelled at this node", NULL);
				}
			if (!found)
			{
				LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
				if (smpc_shared->requests[i].state == SMPC_REQ_ABANDONED)
					smpc_shared->requests[i].state = SMPC_REQ_FREE;
				LWLockRelease(smpc_shared->lock);
			}
		}
	}
}

static void
check_deadlines(TimestampTz now)
{
	int			i;
	ListCell   *lc;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (comps[i].used && now >= comps[i].deadline)
			timeout_comp(&comps[i]);
	foreach(lc, pending)
	{
		Pending    *pm = lfirst(lc);

		if (now >= pm->expires)
		{
			pending = foreach_delete_current(pending, lc);
			if (pm->payload)
				pfree(pm->payload);
			pfree(pm);
		}
	}
	for (i = 0; i < npeers; i++)
	{
		Peer	   *p = &peers[i];

		if ((p->cstate == PEER_IDLE || p->cstate == PEER_BUSY) && now >= p->next_ping &&
			have_node_key)
			send_ping(p, now);
	}
}

static long
next_timeout(TimestampTz now)
{
	long		t = 1000;
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (comps[i].used)
			t = Min(t, Max(0, TimestampDifferenceMilliseconds(now, comps[i].deadline)));
	for (i = 0; i < npeers; i++)
	{
		long		pt = peer_next_timeout(&peers[i], now);

		if (pt >= 0)
			t = Min(t, pt);
	}
	return t;
}

/* ---------- process lifecycle ---------- */

/* Fail whatever a previous worker left running; claim the shared state. */
static void
claim_shared_state(void)
{
	int			i;
	Latch	   *latches[SMPC_MAX_REQUESTS];
	int			nlatches = 0;

	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	smpc_shared->worker_pid = MyProcPid;
	smpc_shared->worker_latch = MyLatch;
	smpc_shared->node_key_valid = false;
	smpc_shared->npeers = 0;
	smpc_shared->inbox_tail = smpc_shared->inbox_head;
	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
	{
		SmpcRequest *req = &smpc_shared->requests[i];

		if (req->state == SMPC_REQ_RUNNING)
		{
			sodium_memzero(req->values, sizeof(req->values));
			req->sqlerrcode = ERRCODE_CONNECTION_FAILURE;
			strlcpy(req->errmsg, "the smpc background worker restarted during the computation",
					sizeof(req->errmsg));
			req->errdetail[0] = '\0';
			req->state = SMPC_REQ_DONE;
			latches[nlatches++] = req->backend_latch;
		}
		else if (req->state == SMPC_REQ_ABANDONED)
			req->state = SMPC_REQ_FREE;
	}
	LWLockRelease(smpc_shared->lock);
	for (i = 0; i < nlatches; i++)
		SetLatch(latches[i]);
}

static void
worker_exit(int code, Datum arg)
{
	int			i;

	for (i = 0; i < SMPC_MAX_REQUESTS; i++)
		if (comps[i].used)
			post_result(&comps[i], ERRCODE_ADMIN_SHUTDOWN,
						"the smpc background worker is shutting down", NULL, NULL, NULL, 0, 0);
	LWLockAcquire(smpc_shared->lock, LW_EXCLUSIVE);
	if (smpc_shared->worker_pid == MyProcPid)
	{
		smpc_shared->worker_pid = 0;
		smpc_shared->worker_latch = NULL;
		smpc_shared->node_key_valid = false;
	}
	LWLockRelease(smpc_shared->lock);
	for (i = 0; i < npeers; i++)
		peer_close(&peers[i]);
	smpc_secret_free(&node_secret);
}

void
smpc_worker_main(Datum arg)
{
	MemoryContext loop_ctx;
	WaitEventSet *set = NULL;
	static bool peer_io[SMPC_MAX_PEERS];
	static uint64 sig_conn[SMPC_MAX_PEERS];
	static pgsocket sig_sock[SMPC_MAX_PEERS];
	static uint32 sig_events[SMPC_MAX_PEERS];
	int			nsig = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(smpc_database, NULL, 0);
	pgstat_report_appname("smpc worker");

	smpc_worker_context = AllocSetContextCreate(TopMemoryContext, "smpc worker",
												ALLOCSET_DEFAULT_SIZES);
	loop_ctx = AllocSetContextCreate(smpc_worker_context, "smpc worker loop",
									 ALLOCSET_DEFAULT_SIZES);
	memset(comps, 0, sizeof(comps));
	memset(peers, 0, sizeof(peers));
	claim_shared_state();
	before_shmem_exit(worker_exit, (Datum) 0);
	ereport(LOG, (errmsg("smpc worker started in database \"%s\"", smpc_database)));
	if (smpc_fault_injection != SMPC_FAULT_NONE)
		ereport(LOG,
				(errmsg("smpc: fault injection is now \"%s\"",
						GetConfigOption("smpc.fault_injection", false, false))));

	for (;;)
	{
		WaitEvent	events[SMPC_MAX_PEERS + 2];
		int			nevents,
					i;
		bool		changed;
		TimestampTz now;

		MemoryContextSwitchTo(loop_ctx);
		MemoryContextReset(loop_ctx);

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			int			fault_before = smpc_fault_injection;

			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			if (smpc_fault_injection != fault_before)
				ereport(LOG,
						(errmsg("smpc: fault injection is now \"%s\"",
								GetConfigOption("smpc.fault_injection", false, false))));
		}
		if (pg_atomic_read_u64(&smpc_shared->config_gen) != loaded_gen)
			reload_config();

		drain_inbox();
		scan_requests();
		now = GetCurrentTimestamp();
		for (i = 0; i < npeers; i++)
		{
			PeerConnState before = peers[i].cstate;

			peer_step(&peers[i], now, peer_io[i]);
			peer_io[i] = false;
			if (peers[i].cstate != before)
				status_dirty = true;
		}
		check_deadlines(now);
		publish_status();
		flush_history();

		/*
		 * Rebuild the wait set only when a connection, its socket or its
		 * events changed.  Connections are told apart by serial number, not
		 * address: a new PGconn may reuse a freed one's memory while its
		 * socket is a new one the old set never saw.
		 */
		changed = (set == NULL || nsig != npeers);
		for (i = 0; i < npeers && !changed; i++)
			changed = sig_conn[i] != peers[i].conn_serial ||
				sig_sock[i] != (peers[i].conn ? PQsocket(peers[i].conn) : PGINVALID_SOCKET) ||
				sig_events[i] != peer_wait_events(&peers[i]);
		if (changed)
		{
			if (set)
				FreeWaitEventSet(set);
			set = CreateWaitEventSet(smpc_worker_context, npeers + 2);
			AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
			AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
			for (i = 0; i < npeers; i++)
			{
				peer_add_events(&peers[i], set);
				sig_conn[i] = peers[i].conn_serial;
				sig_sock[i] = peers[i].conn ? PQsocket(peers[i].conn) : PGINVALID_SOCKET;
				sig_events[i] = peer_wait_events(&peers[i]);
			}
			nsig = npeers;
		}
		nevents = WaitEventSetWait(set, next_timeout(GetCurrentTimestamp()), events,
								   lengthof(events), PG_WAIT_EXTENSION);
		for (i = 0; i < nevents; i++)
		{
			if (events[i].events & WL_LATCH_SET)
				ResetLatch(MyLatch);
			else if (events[i].user_data)
			{
				int			idx = (Peer *) events[i].user_data - peers;

				if (idx >= 0 && idx < npeers)
					peer_io[idx] = true;
			}
		}
	}
}
